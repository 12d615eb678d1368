"""A notice on its way: one outbox row per target chat (each recorded as a delivery), the sender's progress
message edited by a clock job from those rows' states, the summary, and withdrawing.

The outbox does the pacing (≤ 30 messages/s overall, or ≤ 1,000/s as paid broadcasts with
LINLI_PAID_BROADCAST; ≤ 20/minute per group; a 429 holds only its chat, a 403 marks the row dead and the
chat inactive) and the crash safety: every row commits with the notice, so a restart finishes it with
nothing lost or doubled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from handlers.actions import (
    Button,
    DeleteMessage,
    EditMessage,
    InlineKeyboard,
    Media,
    SendMessage,
    dump_action,
)
from handlers.context import Scope
from handlers.notices import texts
from handlers.notices.buttons import Acknowledge
from storage import notices as store
from storage.models import Notice, NoticeAudience, NoticeDelivery, NoticeDeliveryState, NoticeStatus
from storage.outbox import enqueue

OVERALL_PER_SECOND = 30  # the outbox's limits (bot/flood.py), for the estimate
PAID_PER_SECOND = 1000  # ... with LINLI_PAID_BROADCAST on
STARS_PER_TEN_COPIES = 1  # Telegram charges 0.1 Star for each paid broadcast message
GROUP_PER_WINDOW, GROUP_WINDOW = 20, 60
# A copy in flight when its notice was withdrawn may still be marked sent by its sender (its claim lasts
# 10 s): withdrawn notices are watched this long, and such a copy is deleted too.
WITHDRAW_WATCH = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Target:
    chat_id: int
    title: str
    building_id: int | None


def message_text(text: str, ask_ack: bool) -> str:
    """The notice as residents see it (the preview shows exactly this)."""
    return texts.MESSAGE.format(text=text) + (texts.MESSAGE_ACK if ask_ack else "")


def ack_keyboard(notice_id: int) -> InlineKeyboard:
    return InlineKeyboard(rows=((Button(text=texts.BTN_ACK, data=Acknowledge(notice_id).encode()),),))


def targets(scope: Scope, audience: str, building_ids: list[int]) -> list[Target]:
    if audience == NoticeAudience.LEADERS:
        return [
            Target(user.id, user.first_name, user.building_id)
            for user in store.leaders(session=scope.session)
        ]
    chosen = building_ids if audience == NoticeAudience.BUILDINGS else None
    return [
        Target(chat.id, chat.title, chat.building_id)
        for chat in store.group_chats(session=scope.session, building_ids=chosen)
    ]


def queue_copies(scope: Scope, notice: Notice) -> str:
    """Queue a copy of the stored notice to every target it has now; returns the first progress line.

    Targets are looked up at sending time, so a scheduled notice reaches the groups bound by then. A photo
    or document goes with the text as its caption.
    """
    assert notice.id is not None
    body = message_text(notice.text, notice.ask_ack)
    keyboard = ack_keyboard(notice.id) if notice.ask_ack else None
    media = (
        Media(kind=notice.media_kind, file_id=notice.media_file_id)  # type: ignore[arg-type]
        if notice.media_kind and notice.media_file_id
        else None
    )
    queued = [
        (
            target,
            scope.later(
                SendMessage(
                    chat_id=target.chat_id,
                    text=body,
                    keyboard=keyboard,
                    media=media,
                    # Private copies (leaders) are never pinned: pinning is for the groups.
                    pin=notice.pin and target.chat_id < 0,
                    paid_broadcast=scope.config.paid_broadcast,
                )
            ),
        )
        for target in targets(scope, notice.audience, list(notice.building_ids))
    ]
    scope.session.flush()  # one flush gives every row its id
    for target, row in queued:
        assert row.id is not None
        store.add_delivery(
            session=scope.session,
            notice_id=notice.id,
            chat_id=target.chat_id,
            chat_title=target.title,
            building_id=target.building_id,
            outbox_id=row.id,
        )
    scope.session.flush()
    line = progress_text(scope, notice)
    notice.progress_text = line
    scope.session.add(notice)
    return line


def paid_cost(copies: int) -> int:
    """Stars a paid broadcast of this many copies costs, rounded up (Telegram: 0.1 Star a message)."""
    return -(-copies * STARS_PER_TEN_COPIES // 10)


def estimate_seconds(scope: Scope, notice: Notice) -> int:
    """How long the rest will take at the outbox's limits, counting what waits ahead of it."""
    assert notice.id is not None
    overall, per_chat, latest = store.queue_ahead(session=scope.session, notice_id=notice.id)
    if not overall:
        return 0
    rate = PAID_PER_SECOND if scope.config.paid_broadcast else OVERALL_PER_SECOND
    waits = [math.ceil(overall / rate)]
    waits += [(n - 1) // GROUP_PER_WINDOW * GROUP_WINDOW for n in per_chat.values() if n > 0]
    if latest is not None:
        waits.append(math.ceil((latest - scope.now).total_seconds()))
    return max(1, *waits)


def progress_text(scope: Scope, notice: Notice) -> str:
    assert notice.id is not None
    counts = store.delivery_counts(session=scope.session, notice_id=notice.id)
    total = sum(counts.values())
    sent, failed = counts[NoticeDeliveryState.SENT], counts[NoticeDeliveryState.FAILED]
    if counts[NoticeDeliveryState.PENDING] == 0:
        return summary_text(scope, notice, sent=sent, failed=failed, total=total)
    return texts.PROGRESS.format(
        number=notice.id,
        sent=sent,
        total=total,
        failed=failed,
        seconds=estimate_seconds(scope, notice),
    )


def summary_text(scope: Scope, notice: Notice, *, sent: int, failed: int, total: int) -> str:
    assert notice.id is not None
    text = texts.SUMMARY.format(number=notice.id, sent=sent, total=total, failed=failed)
    if failed:
        gone = store.deliveries(session=scope.session, notice_id=notice.id, state=NoticeDeliveryState.FAILED)
        chats = "\n".join(texts.SUMMARY_LINE.format(title=d.chat_title or d.chat_id) for d in gone)
        text += texts.SUMMARY_FAILED.format(chats=chats)
    if notice.ask_ack:
        text += texts.SUMMARY_ACKS.format(number=notice.id)
    return text


def show_progress(scope: Scope, notice: Notice, text: str) -> bool:
    """Edit the sender's progress message when what it says has changed."""
    if text == notice.progress_text or notice.progress_chat_id is None or notice.progress_message_id is None:
        return False
    notice.progress_text = text
    scope.session.add(notice)
    scope.later_edit(
        EditMessage(chat_id=notice.progress_chat_id, message_id=notice.progress_message_id, text=text)
    )
    return True


def follow(scope: Scope) -> int:
    """The clock job: bring notices being sent up to date with their outbox rows and edit the progress
    message (the summary once nothing is pending); delete copies of withdrawn notices sent after all."""
    done = 0
    for notice in store.notices_in(session=scope.session, status=NoticeStatus.SENDING):
        assert notice.id is not None
        changed = store.follow_outbox(session=scope.session, notice_id=notice.id)
        counts = store.delivery_counts(session=scope.session, notice_id=notice.id)
        if counts[NoticeDeliveryState.PENDING] == 0:
            notice.status, notice.finished_at = NoticeStatus.DONE, scope.now
            scope.session.add(notice)
        if show_progress(scope, notice, progress_text(scope, notice)) or changed:
            done += 1
    for notice in store.withdrawn_since(session=scope.session, since=scope.now - WITHDRAW_WATCH):
        assert notice.id is not None
        late = store.follow_outbox(
            session=scope.session, notice_id=notice.id, state=NoticeDeliveryState.CANCELLED
        )
        done += delete_copies(scope, late)
    return done


def delete_copies(scope: Scope, sent: list[NoticeDelivery]) -> int:
    deleted = 0
    for delivery in sent:
        if delivery.message_id is not None:
            action = DeleteMessage(chat_id=delivery.chat_id, message_id=delivery.message_id)
            enqueue(
                session=scope.session, chat_id=delivery.chat_id, payload=dump_action(action), now=scope.now
            )
            deleted += 1
        store.mark_deleted(session=scope.session, delivery=delivery)
    return deleted


def withdraw(scope: Scope, notice: Notice) -> tuple[int, int]:
    """撤回: delete every copy sent, cancel every copy not sent yet; returns (deleted, cancelled)."""
    assert notice.id is not None
    sent = store.cancel_pending(session=scope.session, notice_id=notice.id)
    cancelled = len(
        store.deliveries(session=scope.session, notice_id=notice.id, state=NoticeDeliveryState.CANCELLED)
    )
    deleted = delete_copies(scope, sent)
    notice.status, notice.withdrawn_at = NoticeStatus.WITHDRAWN, scope.now
    scope.session.add(notice)
    return deleted, cancelled
