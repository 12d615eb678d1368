"""Notices (通知): staff compose in the private chat (one line, guided, or the 📢 通知 menu button),
confirm a preview, and the notice goes to every target group through the outbox with a 收到 button, now
or at a set time, with a photo or file when given; progress, acks, reminders, withdrawing. Residents
pressing 📢 通知 see their building's recent notices. With LINLI_LEADER_NOTICES a building leader sends
to their own building too."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import Allowed, Audience, Command, Feature, Flow, Job, MenuButton, OnButton
from handlers.notices import acks, buttons, compose, delivery, listing, menu, scheduled, texts

# Staff, and a building leader when LINLI_LEADER_NOTICES is on (their own building only: compose checks
# the targets); everybody else is told the feature's one line.
NOTICE_SENDER = Allowed(compose.may_send, texts.DENY_NOTICE)
SEES_ACKS = Allowed(acks.may_see_acks, texts.DENY_ACKS)

FEATURE = Feature(
    name="notices",
    commands=(
        Command(
            "notice",
            compose.notice_command,
            allowed=NOTICE_SENDER,
            menu=Audience.STAFF,
            description=texts.CMD_NOTICE,
        ),
        Command(
            "acks", acks.acks_command, allowed=SEES_ACKS, menu=Audience.STAFF, description=texts.CMD_ACKS
        ),
        Command(
            "notices",
            listing.notices_command,
            allowed=NOTICE_SENDER,
            menu=Audience.STAFF,
            description=texts.CMD_NOTICES,
        ),
    ),
    # Everybody: staff compose, residents read (menu.notices_button decides which).
    menu_buttons=(MenuButton(common.BTN_NOTICES, menu.notices_button, starts=compose.FLOW),),
    buttons=(
        OnButton(buttons.Acknowledge, acks.acknowledge),
        OnButton(buttons.NoticeTargets, compose.choose_targets, allowed=NOTICE_SENDER),
        OnButton(buttons.NoticeBuilding, compose.building, allowed=NOTICE_SENDER),
        OnButton(buttons.NoticeOption, compose.option, allowed=NOTICE_SENDER),
        OnButton(buttons.ConfirmNotice, compose.confirm, allowed=NOTICE_SENDER),
        OnButton(buttons.CancelNotice, compose.cancel, allowed=NOTICE_SENDER),
        OnButton(buttons.RemindAcks, acks.remind, allowed=SEES_ACKS),
        OnButton(buttons.WithdrawNotice, listing.ask_withdraw, allowed=NOTICE_SENDER),
        OnButton(buttons.ConfirmWithdraw, listing.confirm_withdraw, allowed=NOTICE_SENDER),
        OnButton(buttons.KeepNotice, listing.keep, allowed=NOTICE_SENDER),
    ),
    flows=(
        Flow(
            compose.FLOW,
            compose.step,
            allowed=NOTICE_SENDER,
            noun=texts.NOTICE_NOUN,
            ask=compose.ask_again,
            kept=compose.kept,
        ),
    ),
    # Scheduled notices first, so one that falls due has its copies followed in the same tick.
    jobs=(Job("notice_schedule", scheduled.send_due), Job("notice_progress", delivery.follow)),
)
