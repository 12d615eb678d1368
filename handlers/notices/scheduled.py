"""Notices sent at a set time (定时发送): a clock job queues their copies when the time comes, the same way
as every notice (delivery.queue_copies), and the room a caption leaves for a notice with a photo or file.
"""

from __future__ import annotations

from handlers.actions import EditMessage
from handlers.context import Scope
from handlers.notices import delivery
from storage import notices as store

# Telegram's limit for a caption, in UTF-16 code units (an emoji takes two).
CAPTION_LIMIT = 1024


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def caption_room() -> int:
    """How long a notice's own text may be to fit a caption, with the heading and the 收到 line."""
    return CAPTION_LIMIT - utf16_length(delivery.message_text("", True))


def send_due(scope: Scope) -> int:
    """The clock job: queue the copies of every scheduled notice whose time has come, each claimed once
    (storage's conditional UPDATE), and turn the sender's confirmation into the progress message."""
    sent = 0
    for notice in store.claim_due(session=scope.session, now=scope.now):
        line = delivery.queue_copies(scope, notice)
        if notice.progress_chat_id is not None and notice.progress_message_id is not None:
            scope.later_edit(
                EditMessage(chat_id=notice.progress_chat_id, message_id=notice.progress_message_id, text=line)
            )
        sent += 1
    return sent
