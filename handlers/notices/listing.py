"""`/notices`: recent notices with their delivery and acknowledgement counts, each with 撤回 → a
confirmation → every copy sent deleted and every copy not yet sent cancelled. A scheduled notice shows as
待发送 with its time, and 取消 on it means it never goes out. A leader (LINLI_LEADER_NOTICES) sees and
withdraws only their own notices."""

from __future__ import annotations

from handlers.actions import Action, AnswerButton, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.notices import delivery, texts
from handlers.notices.buttons import ConfirmWithdraw, KeepNotice, WithdrawNotice
from handlers.views import answer_and_edit, building_name, local_time, rows, snippet
from storage import notices as store
from storage.models import Notice, NoticeAudience, NoticeDeliveryState, NoticeStatus
from storage.people import get_building

SHOWN = 10


def _where(ctx: Ctx, notice: Notice) -> str:
    if notice.audience == NoticeAudience.ALL:
        return texts.WHERE_ALL
    if notice.audience == NoticeAudience.LEADERS:
        return texts.WHERE_LEADERS_SHORT
    return " ".join(
        building_name(get_building(session=ctx.session, building_id=b)) for b in notice.building_ids
    )


def _line(ctx: Ctx, notice: Notice) -> str:
    assert notice.id is not None
    if notice.status == NoticeStatus.SCHEDULED and notice.send_at is not None:
        return texts.NOTICES_LINE_SCHEDULED.format(
            number=notice.id,
            when=local_time(notice.send_at, ctx.config.tz),
            snippet=snippet(notice.text),
            where=_where(ctx, notice),
        )
    counts = store.delivery_counts(session=ctx.session, notice_id=notice.id)
    status = {NoticeStatus.SENDING: texts.STATUS_SENDING, NoticeStatus.WITHDRAWN: texts.STATUS_WITHDRAWN}
    sent = counts[NoticeDeliveryState.SENT] + counts[NoticeDeliveryState.DELETED]
    return texts.NOTICES_LINE.format(
        number=notice.id,
        when=local_time(notice.created_at, ctx.config.tz),
        snippet=snippet(notice.text),
        where=_where(ctx, notice),
        sent=sent,
        total=sum(counts.values()),
        acks=store.ack_total(session=ctx.session, notice_id=notice.id),
        status=status.get(notice.status, ""),  # type: ignore[call-overload]
    )


def notices_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    mine = None if ctx.is_staff else ctx.user.id
    recent = store.recent_notices(session=ctx.session, limit=SHOWN, creator_id=mine)
    if not recent:
        return [SendMessage(chat_id=msg.chat.id, text=texts.NOTICES_NONE, reply_to=msg.message_id)]
    lines = [texts.NOTICES_TITLE, *(_line(ctx, n) for n in recent)]
    buttons = [
        Button(
            text=(
                texts.BTN_CANCEL_SCHEDULED if n.status == NoticeStatus.SCHEDULED else texts.BTN_WITHDRAW
            ).format(number=n.id),
            data=WithdrawNotice(n.id).encode(),
        )
        for n in recent
        if n.id is not None and n.status != NoticeStatus.WITHDRAWN
    ]
    keyboard = InlineKeyboard(rows=rows(buttons)) if buttons else None
    return [
        SendMessage(chat_id=msg.chat.id, text="\n".join(lines), reply_to=msg.message_id, keyboard=keyboard)
    ]


def _not_theirs(ctx: Ctx, press: ButtonPress, notice: Notice | None, number: int) -> list[Action] | None:
    """None when the presser may withdraw the notice: staff any, a leader their own."""
    if notice is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.ACKS_NOT_FOUND.format(number=number))]
    if not ctx.is_staff and notice.creator_id != ctx.user.id:
        return [AnswerButton(callback_id=press.callback_id, text=texts.NOT_YOUR_NOTICE, alert=True)]
    return None


def ask_withdraw(ctx: Ctx, press: ButtonPress, data: WithdrawNotice) -> list[Action]:
    notice = store.get_notice(session=ctx.session, notice_id=data.notice)
    if (refused := _not_theirs(ctx, press, notice, data.notice)) is not None:
        return refused
    assert notice is not None
    if notice.status == NoticeStatus.WITHDRAWN:
        return [
            AnswerButton(callback_id=press.callback_id, text=texts.ALREADY_WITHDRAWN.format(number=notice.id))
        ]
    keyboard = InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_CONFIRM_WITHDRAW, data=ConfirmWithdraw(data.notice).encode()),
                Button(text=texts.BTN_KEEP, data=KeepNotice(data.notice).encode()),
            ),
        )
    )
    question = (
        texts.CONFIRM_CANCEL_SCHEDULED if notice.status == NoticeStatus.SCHEDULED else texts.CONFIRM_WITHDRAW
    )
    text = question.format(number=notice.id, snippet=snippet(notice.text))
    return [
        AnswerButton(callback_id=press.callback_id),
        SendMessage(chat_id=press.chat.id, text=text, keyboard=keyboard),
    ]


def confirm_withdraw(ctx: Ctx, press: ButtonPress, data: ConfirmWithdraw) -> list[Action]:
    notice = store.get_notice(session=ctx.session, notice_id=data.notice, for_update=True)
    if (refused := _not_theirs(ctx, press, notice, data.notice)) is not None:
        return refused
    assert notice is not None
    # Still waiting for its time: cancelled with a conditional UPDATE, so the clock job that might be
    # claiming it at this moment either finds it cancelled or has already queued it (withdrawn below).
    if notice.status == NoticeStatus.SCHEDULED and store.cancel_scheduled(
        session=ctx.session, notice_id=data.notice, now=ctx.now
    ):
        return answer_and_edit(press, texts.CANCELLED_SCHEDULED.format(number=data.notice))
    ctx.session.refresh(notice)
    if notice.status == NoticeStatus.WITHDRAWN:
        return answer_and_edit(press, texts.ALREADY_WITHDRAWN.format(number=notice.id))
    deleted, cancelled = delivery.withdraw(ctx, notice)
    return answer_and_edit(
        press, texts.WITHDRAWN.format(number=notice.id, deleted=deleted, cancelled=cancelled)
    )


def keep(ctx: Ctx, press: ButtonPress, data: KeepNotice) -> list[Action]:
    return answer_and_edit(press, texts.KEPT.format(number=data.notice))
