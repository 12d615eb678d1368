"""`/notices`: recent notices with their delivery and acknowledgement counts, each with 撤回 → a
confirmation → every copy sent deleted and every copy not yet sent cancelled."""

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
    recent = store.recent_notices(session=ctx.session, limit=SHOWN)
    if not recent:
        return [SendMessage(chat_id=msg.chat.id, text=texts.NOTICES_NONE, reply_to=msg.message_id)]
    lines = [texts.NOTICES_TITLE, *(_line(ctx, n) for n in recent)]
    buttons = [
        Button(text=texts.BTN_WITHDRAW.format(number=n.id), data=WithdrawNotice(n.id).encode())
        for n in recent
        if n.id is not None and n.status != NoticeStatus.WITHDRAWN
    ]
    keyboard = InlineKeyboard(rows=rows(buttons)) if buttons else None
    return [
        SendMessage(chat_id=msg.chat.id, text="\n".join(lines), reply_to=msg.message_id, keyboard=keyboard)
    ]


def ask_withdraw(ctx: Ctx, press: ButtonPress, data: WithdrawNotice) -> list[Action]:
    notice = store.get_notice(session=ctx.session, notice_id=data.notice)
    if notice is None:
        return [
            AnswerButton(callback_id=press.callback_id, text=texts.ACKS_NOT_FOUND.format(number=data.notice))
        ]
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
    text = texts.CONFIRM_WITHDRAW.format(number=notice.id, snippet=snippet(notice.text))
    return [
        AnswerButton(callback_id=press.callback_id),
        SendMessage(chat_id=press.chat.id, text=text, keyboard=keyboard),
    ]


def confirm_withdraw(ctx: Ctx, press: ButtonPress, data: ConfirmWithdraw) -> list[Action]:
    notice = store.get_notice(session=ctx.session, notice_id=data.notice, for_update=True)
    if notice is None:
        return [
            AnswerButton(callback_id=press.callback_id, text=texts.ACKS_NOT_FOUND.format(number=data.notice))
        ]
    if notice.status == NoticeStatus.WITHDRAWN:
        return answer_and_edit(press, texts.ALREADY_WITHDRAWN.format(number=notice.id))
    deleted, cancelled = delivery.withdraw(ctx, notice)
    return answer_and_edit(
        press, texts.WITHDRAWN.format(number=notice.id, deleted=deleted, cancelled=cancelled)
    )


def keep(ctx: Ctx, press: ButtonPress, data: KeepNotice) -> list[Action]:
    return answer_and_edit(press, texts.KEPT.format(number=data.notice))
