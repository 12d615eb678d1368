"""What the core asks the adapters to do. Pydantic models, because the outbox stores them as JSON."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Button(_Frozen):
    """An inline button: callback `data` (handlers/callbacks.py), or a `url` it opens instead."""

    text: str
    data: str | None = None
    url: str | None = None


class InlineKeyboard(_Frozen):
    kind: Literal["inline"] = "inline"
    rows: tuple[tuple[Button, ...], ...]


class ReplyKeyboard(_Frozen):
    """A persistent keyboard of large buttons under the input field."""

    kind: Literal["reply"] = "reply"
    rows: tuple[tuple[str, ...], ...]
    large: bool = False  # buttons at full height (not resized to fit their text), for 长辈模式
    # The label in `rows` whose button sends the person's own phone (Telegram's request_contact): the
    # phone is shared only by that press, never typed or guessed.
    contact_button: str | None = None


class RemoveKeyboard(_Frozen):
    kind: Literal["remove"] = "remove"


Keyboard = Annotated[InlineKeyboard | ReplyKeyboard | RemoveKeyboard, Field(discriminator="kind")]


class Upload(_Frozen):
    """A file the bot makes (a chart, a spreadsheet); base64 so the outbox can keep it as JSON."""

    filename: str
    data_b64: str

    @classmethod
    def of(cls, filename: str, data: bytes) -> Upload:
        return cls(filename=filename, data_b64=base64.b64encode(data).decode())

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_b64)


class Media(_Frozen):
    """A photo, voice note or document: one Telegram already has (file_id) or one we upload."""

    kind: Literal["photo", "voice", "document"]
    file_id: str | None = None
    upload: Upload | None = None


class SendMessage(_Frozen):
    """A text message, or a photo/voice note with `text` as its caption."""

    kind: Literal["send"] = "send"
    chat_id: int
    text: str
    reply_to: int | None = None
    keyboard: Keyboard | None = None
    media: Media | None = None
    pin: bool = False
    # The ticket this message only acknowledges: when several such wait for one group, the outbox sends
    # them as one message instead of trickling them out at the group's limit.
    ack_for: int | None = None
    # Sent as a paid broadcast (Telegram's allow_paid_broadcast, 0.1 Star a message): the overall limit is
    # 1,000 a second instead of 30 (bot/flood.py); each chat's own limit stays.
    paid_broadcast: bool = False


class EditMessage(_Frozen):
    kind: Literal["edit"] = "edit"
    chat_id: int
    message_id: int
    text: str
    keyboard: InlineKeyboard | None = None
    # Media messages have a caption, not a text, and Telegram edits them with another method.
    caption: bool = False


class AnswerButton(_Frozen):
    """The toast shown to whoever pressed a button; every press gets exactly one."""

    kind: Literal["answer"] = "answer"
    callback_id: str
    text: str | None = None
    alert: bool = False


class DeleteMessage(_Frozen):
    """Remove a message from a chat (the bot needs the delete right in groups for others' messages)."""

    kind: Literal["delete"] = "delete"
    chat_id: int
    message_id: int


Action = Annotated[SendMessage | EditMessage | AnswerButton | DeleteMessage, Field(discriminator="kind")]
Queued = SendMessage | EditMessage | AnswerButton | DeleteMessage

_ACTION = TypeAdapter(Action)


def dump_action(action: Queued) -> dict[str, object]:
    return action.model_dump(mode="json")


def load_action(payload: dict[str, object]) -> Queued:
    return _ACTION.validate_python(payload)
