"""Reports (报事): filing from a group or the private chat, the category question, duplicates, holds."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import STAFF, Audience, Command, Feature, Flow, Job, MenuButton, OnButton
from handlers.reports import buttons, duplicates, filing, group, holds, private, sorting, texts
from handlers.tickets import buttons as ticket_buttons

FEATURE = Feature(
    name="reports",
    commands=(
        Command("report", private.report_command, menu=Audience.RESIDENT, description=texts.CMD_REPORT),
        Command(
            "reclassify",
            sorting.reclassify_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_RECLASSIFY,
        ),
    ),
    menu_buttons=(
        MenuButton(common.BTN_REPORT, private.start_private, starts=private.FLOW),
        MenuButton(common.BTN_ELDER_REPORT, private.start_private, starts=private.FLOW),
    ),
    buttons=(
        OnButton(buttons.ReportBuilding, private.choose_building),
        OnButton(buttons.ReportCancel, private.cancel),
        OnButton(buttons.Anonymous, filing.old_anonymous_button),
        OnButton(buttons.OtherBuildings, private.other_buildings),
        OnButton(buttons.Withdraw, filing.withdraw),
        OnButton(buttons.FileSecond, filing.file_second),
        OnButton(ticket_buttons.ChangeCategory, sorting.show_choices),
        OnButton(ticket_buttons.SetCategory, sorting.choose),
        OnButton(ticket_buttons.CategoryBack, sorting.back),
        OnButton(buttons.LeaveToStaff, sorting.leave_to_staff),
        OnButton(buttons.JoinTicket, duplicates.join),
        OnButton(buttons.NotDuplicate, duplicates.not_duplicate),
    ),
    flows=(
        Flow(
            private.FLOW,
            private.continue_private,
            noun=texts.REPORT_NOUN,
            ask=private.ask_again,
            kept=private.has_draft,
        ),
    ),
    messages=(group.group_message, private.private_message),
    jobs=(Job("release_held_reports", holds.release_held_reports),),
)
