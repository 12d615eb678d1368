"""Reports (报事): filing from a group or the private chat, the category question, duplicates, holds."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import STAFF, Audience, Command, Feature, Flow, Job, MenuButton, OnButton
from handlers.reports import buttons, duplicates, filing, holds, sorting, texts

FEATURE = Feature(
    name="reports",
    commands=(
        Command("report", filing.report_command, menu=Audience.RESIDENT, description=texts.CMD_REPORT),
        Command(
            "reclassify",
            sorting.reclassify_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_RECLASSIFY,
        ),
    ),
    menu_buttons=(MenuButton(common.BTN_REPORT, filing.start_private),),
    buttons=(
        OnButton(buttons.ReportBuilding, filing.choose_building),
        OnButton(buttons.ReportCancel, filing.cancel),
        OnButton(buttons.Anonymous, filing.old_anonymous_button),
        OnButton(buttons.OtherBuildings, filing.other_buildings),
        OnButton(buttons.Withdraw, filing.withdraw),
        OnButton(buttons.ChangeCategory, sorting.show_choices),
        OnButton(buttons.SetCategory, sorting.choose),
        OnButton(buttons.CategoryBack, sorting.back),
        OnButton(buttons.JoinTicket, duplicates.join),
        OnButton(buttons.NotDuplicate, duplicates.not_duplicate),
    ),
    flows=(Flow(filing.FLOW, filing.continue_private),),
    messages=(filing.group_message, filing.private_message),
    jobs=(Job("release_held_reports", holds.release_held_reports),),
)
