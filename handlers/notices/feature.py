"""Notices (通知): staff compose in the private chat (one line or guided), confirm a preview, and the notice
goes to every target group through the outbox with a 收到 button; progress, acks, reminders, withdrawing."""

from __future__ import annotations

from handlers.feature import Allowed, Audience, Command, Feature, Flow, Job, OnButton
from handlers.notices import acks, buttons, compose, delivery, listing, texts

# Staff only, with the feature's own one line for everybody else.
NOTICE_STAFF = Allowed(lambda ctx: ctx.is_staff, texts.DENY_NOTICE)
SEES_ACKS = Allowed(acks.may_see_acks, texts.DENY_ACKS)

FEATURE = Feature(
    name="notices",
    commands=(
        Command(
            "notice",
            compose.notice_command,
            allowed=NOTICE_STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_NOTICE,
        ),
        Command(
            "acks", acks.acks_command, allowed=SEES_ACKS, menu=Audience.STAFF, description=texts.CMD_ACKS
        ),
        Command(
            "notices",
            listing.notices_command,
            allowed=NOTICE_STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_NOTICES,
        ),
    ),
    buttons=(
        OnButton(buttons.Acknowledge, acks.acknowledge),
        OnButton(buttons.NoticeTargets, compose.choose_targets, allowed=NOTICE_STAFF),
        OnButton(buttons.NoticeBuilding, compose.building, allowed=NOTICE_STAFF),
        OnButton(buttons.NoticeOption, compose.option, allowed=NOTICE_STAFF),
        OnButton(buttons.ConfirmNotice, compose.confirm, allowed=NOTICE_STAFF),
        OnButton(buttons.CancelNotice, compose.cancel, allowed=NOTICE_STAFF),
        OnButton(buttons.RemindAcks, acks.remind, allowed=SEES_ACKS),
        OnButton(buttons.WithdrawNotice, listing.ask_withdraw, allowed=NOTICE_STAFF),
        OnButton(buttons.ConfirmWithdraw, listing.confirm_withdraw, allowed=NOTICE_STAFF),
        OnButton(buttons.KeepNotice, listing.keep, allowed=NOTICE_STAFF),
    ),
    flows=(Flow(compose.FLOW, compose.step, allowed=NOTICE_STAFF),),
    jobs=(Job("notice_progress", delivery.follow),),
)
