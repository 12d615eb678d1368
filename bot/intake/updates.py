"""Raw Bot API update JSON → the core's events, written once for both frameworks.

Only the fields the core needs are read, so an update carrying fields (or lacking ones) that the installed
framework version does not know is still understood. A field of the wrong type raises `Unreadable`, which
marks that one update failed and lets the rest go on.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.events import (
    BotMembership,
    ButtonPress,
    ChatRef,
    Document,
    Event,
    GroupMigrated,
    IncomingMessage,
    Person,
    RepliedMessage,
    SharedContact,
)
from storage.inbox import Arrival

JSON = dict[str, Any]
# The update types the core understands; asking for no others keeps traffic down.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
_INSIDE = frozenset({"member", "administrator", "creator", "restricted"})
_BROKEN = re.compile("[\ud800-\udfff\x00]")


class Unreadable(ValueError):
    """The update does not have the shape the Bot API documents."""


def clean(value: Any) -> Any:
    """The JSON with lone surrogates and NULs replaced, so every database and encoder accepts it."""
    if isinstance(value, str):
        if not _BROKEN.search(value):
            return value
        # Through UTF-16 so that a valid surrogate pair becomes its character and a lone half U+FFFD.
        fixed = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return fixed.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def update_id_of(update: Any) -> int | None:
    value = update.get("update_id") if isinstance(update, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def chat_key(update: JSON) -> int:
    """The chat whose order this update keeps; 0 when it has none (or none we can read)."""
    for path in (("message", "chat"), ("callback_query", "message", "chat"), ("my_chat_member", "chat")):
        node: Any = update
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        chat_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return chat_id
    return 0


def to_event(update: JSON) -> Event | None:
    """The event for this update, or None when the core has nothing to do with it."""
    update_id = _int(update, "update_id")
    if (message := _opt_obj(update, "message")) is not None:
        return _message_event(update_id, message, "message")
    if (query := _opt_obj(update, "callback_query")) is not None:
        message = _opt_obj(query, "message", "callback_query")
        if message is None:  # a button under an inline-mode message: no chat to work in
            return None
        return ButtonPress(
            update_id=update_id,
            callback_id=_str(query, "id", "callback_query"),
            chat=_chat(_obj(message, "chat", "callback_query.message"), "callback_query.message.chat"),
            sender=_person(_obj(query, "from", "callback_query"), "callback_query.from"),
            message_id=_int(message, "message_id", "callback_query.message"),
            data=_opt_str(query, "data", "callback_query") or "",
        )
    if (change := _opt_obj(update, "my_chat_member")) is not None:
        where = "my_chat_member"
        chat = _chat(_obj(change, "chat", where), f"{where}.chat")
        if not chat.is_group:
            return None
        old_member = _obj(change, "old_chat_member", where)
        new_member = _obj(change, "new_chat_member", where)
        old = _str(old_member, "status", f"{where}.old_chat_member")
        new = _str(new_member, "status", f"{where}.new_chat_member")
        could, can = _can_delete(old, old_member), _can_delete(new, new_member)
        if (old in _INSIDE) == (new in _INSIDE) and could == can:
            return None
        return BotMembership(
            update_id,
            chat,
            _person(_obj(change, "from", where), f"{where}.from"),
            present=new in _INSIDE,
            arrived=new in _INSIDE and old not in _INSIDE,
            can_delete_messages=can,
        )
    return None


def _can_delete(status: str, member: JSON) -> bool:
    """Whether the bot may delete others' messages: the owner may, an administrator only with the right."""
    return status == "creator" or (status == "administrator" and member.get("can_delete_messages") is True)


def _message_event(update_id: int, message: JSON, where: str) -> Event | None:
    chat = _chat(_obj(message, "chat", where), f"{where}.chat")
    if (new_id := _opt_int(message, "migrate_to_chat_id", where)) is not None:
        return GroupMigrated(update_id, chat, new_id)
    if (old_id := _opt_int(message, "migrate_from_chat_id", where)) is not None:
        return GroupMigrated(update_id, ChatRef(old_id, "group", chat.title), chat.id)
    sender = _opt_obj(message, "from", where)
    if sender is None or sender.get("is_bot") is True:
        return None  # a channel or an anonymous admin posting, or a bot
    photos = message.get("photo")
    photo = None
    if isinstance(photos, list) and photos:
        if not isinstance(photos[-1], dict):
            raise Unreadable(f"{where}.photo must hold objects")
        photo = _str(photos[-1], "file_id", f"{where}.photo")
    elif photos is not None and not isinstance(photos, list):
        raise Unreadable(f"{where}.photo must be an array")
    voice = _opt_obj(message, "voice", where)
    document = _document(_opt_obj(message, "document", where), f"{where}.document")
    contact = _contact(_opt_obj(message, "contact", where), f"{where}.contact")
    replied = _opt_obj(message, "reply_to_message", where)
    reply_to = None
    if replied is not None:
        inner = f"{where}.reply_to_message"
        author = _opt_obj(replied, "from", inner)
        reply_to = RepliedMessage(
            _int(replied, "message_id", inner),
            _int(author, "id", f"{inner}.from") if author else None,
            bool(author and author.get("is_bot") is True),
        )
    return IncomingMessage(
        update_id=update_id,
        chat=chat,
        sender=_person(sender, f"{where}.from"),
        message_id=_int(message, "message_id", where),
        text=_opt_str(message, "text", where) or _opt_str(message, "caption", where) or "",
        photo_file_id=photo,
        voice_file_id=_str(voice, "file_id", f"{where}.voice") if voice is not None else None,
        reply_to=reply_to,
        document=document,
        contact=contact,
    )


def _document(node: JSON | None, where: str) -> Document | None:
    """A document's id and what it says about itself; all but the id may be missing."""
    if node is None:
        return None
    return Document(
        file_id=_str(node, "file_id", where),
        file_name=_opt_str(node, "file_name", where) or "",
        mime_type=_opt_str(node, "mime_type", where),
        size=_opt_int(node, "file_size", where),
    )


def _contact(node: JSON | None, where: str) -> SharedContact | None:
    """A shared contact's number and whose it is; the name and vCard are not read (the core needs neither)."""
    if node is None:
        return None
    return SharedContact(phone=_str(node, "phone_number", where), user_id=_opt_int(node, "user_id", where))


def _person(user: JSON, where: str) -> Person:
    first_name = _opt_str(user, "first_name", where) or ""
    return Person(_int(user, "id", where), first_name, _opt_str(user, "username", where))


def _chat(chat: JSON, where: str) -> ChatRef:
    title = _opt_str(chat, "title", where) or _opt_str(chat, "first_name", where) or ""
    return ChatRef(_int(chat, "id", where), _str(chat, "type", where), title)


# --- typed field access: a documented field of the wrong type makes the update unreadable


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _opt_obj(node: JSON, key: str, where: str = "") -> JSON | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Unreadable(f"{_name(where, key)} must be an object")
    return value


def _obj(node: JSON, key: str, where: str = "") -> JSON:
    value = _opt_obj(node, key, where)
    if value is None:
        raise Unreadable(f"{_name(where, key)} is missing")
    return value


def _opt_int(node: JSON, key: str, where: str = "") -> int | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unreadable(f"{_name(where, key)} must be an integer")
    return value


def _int(node: JSON, key: str, where: str = "") -> int:
    value = _opt_int(node, key, where)
    if value is None:
        raise Unreadable(f"{_name(where, key)} is missing")
    return value


def _opt_str(node: JSON, key: str, where: str = "") -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unreadable(f"{_name(where, key)} must be a string")
    return value


def _str(node: JSON, key: str, where: str = "") -> str:
    value = _opt_str(node, key, where)
    if value is None:
        raise Unreadable(f"{_name(where, key)} is missing")
    return value


def arrival(update: Any) -> Arrival:
    """What the inbox stores for one element of a getUpdates result or one webhook body."""
    update = clean(update)
    if not isinstance(update, dict):
        return Arrival(None, 0, {"unreadable": repr(update)[:10_000]}, error="not a JSON object")
    update_id = update_id_of(update)
    if update_id is None:
        return Arrival(None, chat_key(update), update, error="no update_id")
    return Arrival(update_id, chat_key(update), update)
