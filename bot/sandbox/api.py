"""The Bot API methods the sandbox answers, with Telegram's results and Telegram's errors.

Each method is a handler taking the request's decoded parameters and returning its `result`, or raising
ApiError; the HTTP layer (server.py) records the call and writes the answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.markup import check_reply_markup, formatted_text
from bot.sandbox.media import StoredFile, Upload, document_json, image_size, photo_json, voice_json
from bot.sandbox.protocol import (
    ADMIN_RIGHTS,
    BOT_ID,
    JSON,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    MIGRATED,
    ApiError,
    bad,
)
from bot.sandbox.state import Chat, Event, commands_key, now
from bot.sandbox.webhook import Webhooks
from bot.sandbox.wire import as_int

_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip


class BotApi(Webhooks):
    """The method handlers, by the name a bot calls them."""

    def _method_table(self) -> dict[str, tuple[str, Callable[[JSON], Any]]]:
        """Handlers by lower-cased method name (Telegram ignores the case), with the proper name."""
        return {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._ok,
                "close": self._ok,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._store_setting("description"),
                "setMyShortDescription": self._store_setting("short_description"),
                "setMyName": self._store_setting("name"),
                "setChatMenuButton": self._ok,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getChatMemberCount": self._get_chat_member_count,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_media("photo"),
                "sendDocument": self._send_media("document"),
                "sendVoice": self._send_media("voice"),
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "pinChatMessage": self._pin_chat_message,
                "unpinChatMessage": self._unpin_chat_message,
                "getFile": self._get_file,
                "sendChatAction": self._send_chat_action,
                "getUpdates": self._ok,  # handled specially: it is the only one that waits
            }.items()
        }

    def _ok(self, params: JSON) -> bool:
        return True

    def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _store_setting(self, key: str) -> Callable[[JSON], bool]:
        def handler(params: JSON) -> bool:
            self._settings[key] = str(params.get(key, ""))
            return True

        return handler

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad('parameter "commands" is required')
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(
                r"[a-z0-9_]{1,32}", str(command.get("command"))
            ):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "").strip()) <= 256:
                raise bad("command description must be non-empty")
        self._commands[commands_key(params.get("scope"), params.get("language_code"))] = commands
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self._commands.get(commands_key(params.get("scope"), params.get("language_code")), [])

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _get_chat(self, params: JSON) -> JSON:
        chat = self._bot_chat(params, writing=False)
        info: JSON = {
            **chat.data,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.pinned:
            info["pinned_message"] = chat.log[chat.pinned[-1]]
        return info

    def _member(self, chat: Chat, user_id: int) -> JSON:
        if user_id == BOT_ID:
            if chat.private or (chat.bot_member and not chat.bot_admin):
                return {"user": self.bot_user, "status": "member"}
            if not chat.bot_member:
                return {"user": self.bot_user, "status": "left"}
            return _administrator(self.bot_user, is_bot=True)
        user = self._users.get(user_id)
        if user is None:
            raise bad("user not found")
        status = chat.admins.get(user_id)
        if status == "creator":
            return {"user": user.data, "status": "creator", "is_anonymous": False}
        if status == "administrator":
            return _administrator(user.data)
        member = (chat.private and user_id == chat.id) or user_id in chat.members
        return {"user": user.data, "status": "member" if member else "left"}

    def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._bot_chat(params, writing=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise bad("invalid user_id specified")
        return self._member(chat, user_id)

    def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat = self._bot_chat(params, writing=False)
        if chat.private:
            raise bad("there are no administrators in the private chat")
        ids = sorted(chat.admins, key=lambda uid: chat.admins[uid] != "creator")
        return [self._member(chat, uid) for uid in ids] + (
            [self._member(chat, BOT_ID)] if chat.bot_admin else []
        )

    def _get_chat_member_count(self, params: JSON) -> int:
        chat = self._bot_chat(params, writing=False)
        return 2 if chat.private else len(chat.members) + int(chat.bot_member)

    def _send_message(self, params: JSON) -> JSON:
        chat = self._bot_chat(params)
        text, entities = formatted_text(params, "text", "entities", MAX_TEXT_LENGTH, required=True)
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        return self._bot_message(chat, params, content)

    def _send_media(self, kind: str) -> Callable[[JSON], JSON]:
        def handler(params: JSON) -> JSON:
            chat = self._bot_chat(params)
            stored = self._file_param(params, kind)
            caption, entities = formatted_text(
                params, "caption", "caption_entities", MAX_CAPTION_LENGTH, required=False
            )
            if kind == "photo":
                content: JSON = {"photo": [photo_json(stored)]}
            elif kind == "voice":
                content = {"voice": voice_json(stored, int(params.get("duration") or 1))}
            else:
                content = {"document": document_json(stored)}
            if caption:
                content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
            return self._bot_message(chat, params, content)

        return handler

    def _edit_target(self, params: JSON) -> tuple[Chat, JSON]:
        if params.get("inline_message_id"):
            raise bad("message to edit not found")  # the sandbox has no inline mode
        chat = self._bot_chat(params)
        message = _target_message(chat, params, "message to edit not found")
        if message["from"]["id"] != BOT_ID:
            raise bad("message can't be edited")
        return chat, message

    def _edit_message_text(self, params: JSON) -> JSON:
        chat, message = self._edit_target(params)
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        text, entities = formatted_text(params, "text", "entities", MAX_TEXT_LENGTH, required=True)
        return self._apply_edit(chat, message, {"text": text, "entities": entities}, params, "text")

    def _edit_message_caption(self, params: JSON) -> JSON:
        chat, message = self._edit_target(params)
        if "text" in message:
            raise bad("there is no caption in the message to edit")
        caption, entities = formatted_text(
            params, "caption", "caption_entities", MAX_CAPTION_LENGTH, required=False
        )
        return self._apply_edit(
            chat, message, {"caption": caption, "caption_entities": entities}, params, "caption"
        )

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        chat, message = self._edit_target(params)
        return self._apply_edit(chat, message, {}, params, "markup")

    def _apply_edit(self, chat: Chat, message: JSON, changes: JSON, params: JSON, what: str) -> JSON:
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        markup = check_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad("inline keyboard expected")
        changes["reply_markup"] = markup
        edited = {k: v for k, v in message.items() if k not in changes or changes[k]}
        edited |= {k: v for k, v in changes.items() if v}
        if _without(edited, "edit_date") == _without(message, "edit_date"):
            raise bad(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = now()
        chat.history.setdefault(message["message_id"], []).append(message)
        chat.log[message["message_id"]] = edited
        self._events.append(Event("edit", chat.id, message=edited, previous=message, text=what))
        return edited

    def _delete_message(self, params: JSON) -> bool:
        chat = self._bot_chat(params)
        message = _target_message(chat, params, "message to delete not found")
        if message["from"]["id"] != BOT_ID and not chat.private and not chat.bot_admin:
            raise bad("message can't be deleted")
        chat.deleted.add(message["message_id"])
        self._events.append(Event("delete", chat.id, message=message))
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query = self._callbacks.get(str(params.get("callback_query_id") or ""))
        if query is None or query["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        query["answered"] = True
        if text := str(params.get("text") or ""):
            alert = bool(params.get("show_alert"))
            self._events.append(Event("toast", query["chat_id"], actor=query["user"], text=text, alert=alert))
        return True

    def _pin_chat_message(self, params: JSON) -> bool:
        chat = self._bot_chat(params)
        message = _target_message(chat, params, "message to pin not found")
        if not chat.private and not chat.bot_admin:
            raise bad("not enough rights to manage pinned messages in the chat")
        chat.pinned = [mid for mid in chat.pinned if mid != message["message_id"]] + [message["message_id"]]
        self._events.append(Event("pin", chat.id, message=message))
        # Telegram posts a "pinned a message" service message, which takes a message_id.
        service = {"pinned_message": {k: v for k, v in message.items() if k != "reply_to_message"}}
        self._store_message(chat, self.bot_user, service)
        return True

    def _unpin_chat_message(self, params: JSON) -> bool:
        chat = self._bot_chat(params)
        message_id = params.get("message_id") or (chat.pinned[-1] if chat.pinned else None)
        if message_id not in chat.pinned:
            raise bad("message to unpin not found")
        if not chat.private and not chat.bot_admin:
            raise bad("not enough rights to manage pinned messages in the chat")
        chat.pinned.remove(message_id)
        self._events.append(Event("unpin", chat.id, message=chat.log[message_id]))
        return True

    def _get_file(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _send_chat_action(self, params: JSON) -> bool:
        self._bot_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    # --- helpers

    def _bot_chat(self, params: JSON, *, writing: bool = True) -> Chat:
        """The chat a bot call addresses, with Telegram's errors for chats it can't use."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None and user is not None:
            chat = self._private(user)
        if chat is None:
            raise bad("chat not found")
        if writing and chat.migrated_to is not None:
            raise ApiError(400, MIGRATED, migrate_to_chat_id=chat.migrated_to)
        if writing and user is not None and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if writing and user is not None and not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if writing and not chat.private and not chat.bot_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.data['type']} chat")
        return chat

    def _bot_message(self, chat: Chat, params: JSON, content: JSON) -> JSON:
        markup = check_reply_markup(params.get("reply_markup"))
        replied = self._replied(chat, params)
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup  # Message objects only carry inline keyboards
        message = self._store_message(chat, self.bot_user, content, replied)
        self._events.append(Event("message", chat.id, message=message, markup=markup))
        return message

    def _replied(self, chat: Chat, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.live(as_int(message_id))
        if target is None:
            if reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply")):
                return None
            raise bad("message to be replied not found")
        return target

    def _file_param(self, params: JSON, kind: str) -> StoredFile:
        value = params.get(kind)
        if isinstance(value, Upload):
            if not value.data:
                raise bad("file must be non-empty")
            if kind == "photo" and image_size(value.data) is None:
                raise bad("IMAGE_PROCESS_FAILED")
            mime = {"photo": "image/jpeg", "voice": "audio/ogg"}.get(kind) or value.content_type
            return self._store_file(kind, value.data, mime, value.filename)
        if not value:
            raise bad(f"there is no {kind} in the request")
        if str(value).startswith(("http://", "https://")):
            return self._store_file(kind, b"", "application/octet-stream", str(value).rsplit("/", 1)[-1])
        stored = self._files.get(str(value))
        if stored is None:
            raise bad("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored


def _target_message(chat: Chat, params: JSON, not_found: str) -> JSON:
    if params.get("message_id") in (None, ""):
        raise bad("message identifier is not specified")
    message = chat.live(params["message_id"])
    if message is None:
        raise bad(not_found)
    return message


def _without(mapping: JSON, *keys: str) -> JSON:
    return {k: v for k, v in mapping.items() if k not in keys}


def _administrator(user: JSON, *, is_bot: bool = False) -> JSON:
    member: JSON = {"user": user, "status": "administrator", "can_be_edited": is_bot, "is_anonymous": False}
    return member | dict.fromkeys(ADMIN_RIGHTS, True) | {"can_promote_members": False}
