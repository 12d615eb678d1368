"""What the adapters hand to the core: small typed events, free of any framework type."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRef:
    id: int
    type: str  # private | group | supergroup | channel
    title: str = ""

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass(frozen=True, slots=True)
class RepliedMessage:
    message_id: int
    sender_id: int | None
    from_bot: bool


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent as a document. `data` is its content when the runtime fetched it for the core (the core
    does no network I/O itself); None when it was not fetched or the download failed."""

    file_id: str
    file_name: str = ""
    mime_type: str | None = None
    size: int | None = None
    data: bytes | None = field(default=None, repr=False)  # never in logs or tracebacks


@dataclass(frozen=True, slots=True)
class SharedContact:
    """A contact card, as Telegram's request-contact button sends one; `user_id` is whose number it is
    (None for a card typed in by hand), so the core can accept only a person's own number."""

    phone: str = field(repr=False)  # personal data: never in logs or tracebacks
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A text, photo, voice or document message; `text` holds the caption for media."""

    update_id: int
    chat: ChatRef
    sender: Person
    message_id: int
    text: str = ""
    photo_file_id: str | None = None
    voice_file_id: str | None = None
    reply_to: RepliedMessage | None = None
    document: Document | None = None
    contact: SharedContact | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    update_id: int
    callback_id: str
    chat: ChatRef
    sender: Person
    message_id: int
    data: str


@dataclass(frozen=True, slots=True)
class BotMembership:
    """The bot was added to or removed from a group, or its right to delete messages there changed."""

    update_id: int
    chat: ChatRef
    by: Person
    present: bool
    arrived: bool = False  # it was not in the group before this change
    can_delete_messages: bool = False


@dataclass(frozen=True, slots=True)
class GroupMigrated:
    """A basic group became a supergroup, which Telegram gives a new chat id."""

    update_id: int
    chat: ChatRef  # the group under its old id
    new_chat_id: int


Event = IncomingMessage | ButtonPress | BotMembership | GroupMigrated
