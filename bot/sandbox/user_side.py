"""The user side: what tests, the demo and the shell do as Telegram users, in plain Python.

Each action changes the chats as Telegram would and queues the update the bot gets for it. Unknown users
and groups are created on first use with default names, so a test only sets up what it cares about."""

from __future__ import annotations

import copy
import unicodedata

from bot.sandbox.markup import clean, clean_text, detect_entities
from bot.sandbox.media import FAKE_OGG, document_json, make_png, photo_json, voice_json
from bot.sandbox.protocol import ADMIN_RIGHTS, GROUP_ANONYMOUS_BOT, JSON
from bot.sandbox.state import Chat, Event, User, now
from bot.sandbox.updates import UpdateQueue


class UserSide(UpdateQueue):
    """Users and groups, and everything a user does in them: write, send media, tap, join, upgrade."""

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> JSON:
        """Register a Telegram user. `started=False`: the bot may not message them before they write to it."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        data: JSON = {"id": user_id, "is_bot": False, "first_name": clean_text(first_name)}
        data |= {k: clean_text(v) for k, v in (("last_name", last_name), ("username", username)) if v}
        if language_code:
            data["language_code"] = language_code
        self._users[user_id] = User(data, started=started)
        return copy.deepcopy(data)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "supergroup",
        bot_is_member: bool = True,
        bot_admin: bool = True,
    ) -> JSON:
        if chat_id >= 0 or type not in ("group", "supergroup"):
            raise ValueError("group chat ids are negative and type is 'group' or 'supergroup'")
        chat = Chat(
            {"id": chat_id, "title": clean_text(title), "type": type},
            bot_member=bot_is_member,
            bot_admin=bot_admin,
        )
        self._chats[chat_id] = chat
        return copy.deepcopy(chat.data)

    def set_admin(self, chat_id: int, user_id: int, *, owner: bool = False) -> None:
        chat = self._group(chat_id)
        self._user(user_id)
        chat.members.add(user_id)
        chat.admins[user_id] = "creator" if owner else "administrator"

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        self._user(user_id).blocked = blocked

    def send_text(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user types a message; commands and @mentions get entities like real clients produce."""
        text = clean_text(text)
        content: JSON = {"text": text}
        found = detect_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self._user_message(chat_id, user_id, reply_to, content)

    def send_photo(
        self,
        *,
        chat_id: int,
        user_id: int,
        caption: str | None = None,
        reply_to: int | None = None,
        data: bytes | None = None,
    ) -> JSON:
        stored = self._store_file("photo", data or make_png(), "image/jpeg")
        content: JSON = {"photo": [photo_json(stored)]}
        if caption:
            content["caption"] = caption
        return self._user_message(chat_id, user_id, reply_to, content)

    def send_voice(
        self,
        *,
        chat_id: int,
        user_id: int,
        caption: str | None = None,
        reply_to: int | None = None,
        duration: int = 3,
        data: bytes | None = None,
    ) -> JSON:
        stored = self._store_file("voice", data or FAKE_OGG, "audio/ogg")
        content: JSON = {"voice": voice_json(stored, duration)}
        if caption:
            content["caption"] = caption
        return self._user_message(chat_id, user_id, reply_to, content)

    def send_document(
        self,
        *,
        chat_id: int,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """A user sends a file; the bot can fetch it with getFile and /file/bot<token>/<path>."""
        stored = self._store_file("document", data, mime_type, file_name)
        content: JSON = {"document": document_json(stored)}
        if caption:
            content["caption"] = caption
            if found := detect_entities(caption):
                content["caption_entities"] = found
        return self._user_message(chat_id, user_id, reply_to, content)

    def share_contact(
        self,
        *,
        chat_id: int,
        user_id: int,
        phone_number: str | None = None,
        of_user: int | None = None,
    ) -> JSON:
        """A user taps a request-contact keyboard button (or attaches a contact card): a `contact` message.

        By default the card is their own, with a made-up number when none is given; `of_user` sends someone
        else's card, as anyone may from their address book (0: a card with no Telegram account behind it)."""
        owner = user_id if of_user is None else of_user
        card: JSON = {"phone_number": phone_number or f"86138{owner % 10**8:08d}"}
        if owner:
            card |= {"first_name": self._user(owner).data["first_name"], "user_id": owner}
        else:
            card["first_name"] = "?"
        return self._user_message(chat_id, user_id, None, {"contact": card})

    def press(
        self,
        *,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str | None = None,
        button: str | None = None,
    ) -> str:
        """A user taps an inline button (by callback `data`, or by its `button` label); returns the query id.

        The data is not checked against the keyboard, so tests can forge it."""
        chat = self._chat_for(chat_id, user_id)
        message = chat.live(message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        if data is None:
            if button is None:
                raise ValueError("press() needs data= or button=")
            data = self.button_data(chat_id, message_id, button)
        user = self._users[user_id].data
        if not chat.private:
            chat.members.add(user_id)
        data = clean_text(data)
        self._last_callback += 1
        query_id = str(4_200_000_000_000_000_000 + self._last_callback)
        self._callbacks[query_id] = {"answered": False, "chat_id": chat_id, "user": user}
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(chat_id) * 7919 % 10**18),
            "data": data,
        }
        self._events.append(Event("press", chat_id, message=message, actor=user, text=data))
        self.raw_update({"callback_query": query})
        return query_id

    def button_data(self, chat_id: int, message_id: int, label: str) -> str:
        """callback_data of the inline button labelled `label` on a message.

        An exact label wins; failing that, the label matches with emoji, symbols and spaces at either end
        left out on both sides, so "已解决" finds "✅ 已解决" (and "✅ 已解决" finds "已解决"), but
        "满意" does not find "😞 不满意". ValueError if no button matches, or several do only that way."""
        markup = self._message(chat_id, message_id).get("reply_markup", {})
        buttons = [key for row in markup.get("inline_keyboard", []) for key in row if "callback_data" in key]
        exact = [key for key in buttons if key.get("text") == label]
        bare = _bare_label(label)  # "" for a label of emoji alone: that one must match exactly
        loose = [key for key in buttons if bare and _bare_label(str(key.get("text", ""))) == bare]
        if exact or len(loose) == 1:
            return str((exact or loose)[0]["callback_data"])
        where = f"message {message_id} in chat {chat_id}"
        if loose:
            shown = ", ".join(repr(key.get("text", "")) for key in loose)
            raise ValueError(f"{label!r} could be any of the buttons {shown} of {where}; give the full label")
        shown = ", ".join(repr(key.get("text", "")) for key in buttons) or "none"
        raise ValueError(f"{where} has no button {label!r} (its buttons: {shown})")

    def add_bot_to_group(self, *, chat_id: int, user_id: int) -> JSON:
        """A user adds the bot: my_chat_member (left -> member) and the new_chat_members service message."""
        chat = self._chat_for(chat_id, user_id)
        if chat.private:
            raise ValueError("the bot can only be added to groups")
        chat.bot_member = True
        self.raw_update(
            {
                "my_chat_member": {
                    "chat": chat.data,
                    "from": self._users[user_id].data,
                    "date": now(),
                    "old_chat_member": {"user": self.bot_user, "status": "left"},
                    "new_chat_member": {"user": self.bot_user, "status": "member"},
                }
            }
        )
        return self._user_message(
            chat_id, user_id, None, {"new_chat_members": [self.bot_user]}, kind="bot_added"
        )

    def set_bot_admin(self, chat_id: int, admin: bool = True, *, user_id: int | None = None) -> None:
        """The group's owner (or `user_id`) promotes the bot to administrator with every right, or demotes
        it to a plain member; the bot hears of it as Telegram tells it, by my_chat_member."""
        chat = self._group(chat_id)
        if chat.bot_admin == admin:
            return
        actor = self._user(self._group_owner(chat) if user_id is None else user_id).data
        rights = dict.fromkeys(ADMIN_RIGHTS, True) | {"can_promote_members": False}
        admin_member = {"user": self.bot_user, "status": "administrator", "can_be_edited": False, **rights}
        member = {"user": self.bot_user, "status": "member"}
        chat.bot_admin = admin
        if chat.bot_member:
            self.raw_update(
                {
                    "my_chat_member": {
                        "chat": chat.data,
                        "from": actor,
                        "date": now(),
                        "old_chat_member": member if admin else admin_member,
                        "new_chat_member": admin_member if admin else member,
                    }
                }
            )

    def join_group(self, *, chat_id: int, user_id: int) -> JSON:
        """A user joins a group (new_chat_members service message)."""
        self._chat_for(chat_id, user_id)
        user = self._users[user_id].data
        return self._user_message(chat_id, user_id, None, {"new_chat_members": [user]}, kind="joined")

    def migrate_group(
        self, chat_id: int, new_chat_id: int | None = None, *, user_id: int | None = None
    ) -> int:
        """Upgrade the basic group `chat_id` to a supergroup, as Telegram does; returns the supergroup's id.

        The supergroup (default id: -100 followed by the old id's digits) keeps the title, members and
        admins. Like Telegram, the bot gets a `migrate_to_chat_id` message in the old group (from `user_id`,
        default: the owner) and a `migrate_from_chat_id` one in the new; from then on every bot write to the
        old id fails with 400 and parameters.migrate_to_chat_id. The old chat's log stays readable."""
        old = self._chats.get(chat_id)
        if old is None or old.data["type"] != "group":
            raise ValueError(f"chat {chat_id} is not a basic group")
        if old.migrated_to is not None:
            raise ValueError(f"group {chat_id} was already upgraded to supergroup {old.migrated_to}")
        new_id = int(f"-100{-chat_id}") if new_chat_id is None else new_chat_id
        if new_id >= 0 or new_id in self._chats:
            raise ValueError(f"can't migrate to {new_id}: not a free group chat id")
        actor = self._user(self._group_owner(old) if user_id is None else user_id).data
        old.members.add(actor["id"])
        new = Chat(
            {"id": new_id, "title": old.data["title"], "type": "supergroup"},
            members=set(old.members),
            admins=dict(old.admins),
            bot_member=old.bot_member,
            bot_admin=old.bot_admin,
        )
        self._chats[new_id] = new
        old.migrated_to = new_id
        self._events.append(Event("migrate", chat_id, actor=actor, text=str(new_id)))
        farewell = self._store_message(old, actor, {"migrate_to_chat_id": new_id})
        welcome = self._store_message(
            new, GROUP_ANONYMOUS_BOT, {"sender_chat": new.data, "migrate_from_chat_id": chat_id}
        )
        if old.bot_member:  # a bot outside the group hears nothing of it
            self.raw_update({"message": farewell})
            self.raw_update({"message": welcome})
        return new_id

    # --- helpers

    def _user(self, user_id: int, first_name: str | None = None) -> User:
        if user_id not in self._users:
            self.add_user(user_id, first_name or f"用户{user_id}")
        return self._users[user_id]

    def _group(self, chat_id: int, title: str | None = None) -> Chat:
        if chat_id not in self._chats:
            kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"  # -100xxxxxxxxxx
            self.add_group(chat_id, title or f"群{-chat_id}", type=kind)
        return self._chats[chat_id]

    def _chat_for(self, chat_id: int, user_id: int) -> Chat:
        """The chat a user acts in, creating unknown users and groups with default names."""
        user = self._user(user_id)
        if chat_id > 0:
            if chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
            return self._private(user)
        chat = self._group(chat_id)
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat_id} was upgraded to supergroup {chat.migrated_to}")
        return chat

    @staticmethod
    def _group_owner(chat: Chat) -> int:
        """Who upgrades a group when the caller doesn't say: its creator, else an admin, else a member."""
        ranked = sorted(chat.admins, key=lambda uid: (chat.admins[uid] != "creator", uid))
        if ranked or chat.members:
            return ranked[0] if ranked else min(chat.members)
        raise ValueError(f"group {chat.id} has no members; pass user_id=")

    def _user_message(
        self, chat_id: int, user_id: int, reply_to: int | None, content: JSON, *, kind: str = "message"
    ) -> JSON:
        chat = self._chat_for(chat_id, user_id)
        user = self._users[user_id]
        content = clean(content)
        if chat.private:
            user.started, user.blocked = True, False  # writing to a bot (re)starts the conversation
        else:
            chat.members.add(user_id)
        replied = None
        if reply_to is not None and (replied := chat.live(reply_to)) is None:
            raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
        message = self._store_message(chat, user.data, content, replied)
        self._events.append(Event(kind, chat.id, message=message, actor=user.data))
        self.raw_update({"message": message})
        return copy.deepcopy(message)


# Parts of emoji that aren't symbols themselves: zero-width joiner, variation selectors, keycap.
_EMOJI_PARTS = frozenset("\u200d\ufe0e\ufe0f\u20e3")


def _decoration(char: str) -> bool:
    """Whether `char`, at either end of a button label, only decorates it: an emoji, a symbol, a space."""
    return (
        char.isspace()
        or unicodedata.category(char).startswith("S")  # So: most emoji, ✅ ▶; Sk: skin tones
        or char in _EMOJI_PARTS
        or "\U000e0020" <= char <= "\U000e007f"  # tag characters of subdivision flags
    )


def _bare_label(label: str) -> str:
    """A button label without the emoji, symbols and spaces around it: "✅ 已解决" -> "已解决"."""
    start, end = 0, len(label)
    while start < end and _decoration(label[start]):
        start += 1
    while end > start and _decoration(label[end - 1]):
        end -= 1
    return label[start:end]
