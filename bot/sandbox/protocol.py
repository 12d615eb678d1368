"""What the Bot API looks like from a bot: the sandbox's bot, Telegram's limits and its error answers.

The error texts are Telegram's own, so a bot meets in tests the errors it will meet in production."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

BOT_ID = 100000
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# Telegram's "Group" user: it signs anonymous admins' posts and the migrate_from_chat_id service message.
GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot",
}  # fmt: skip

MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
DEFAULT_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """A Bot API error answer: HTTP status == error_code, like Telegram."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        parameters = {"retry_after": self.retry_after, "migrate_to_chat_id": self.migrate_to_chat_id}
        if any(value is not None for value in parameters.values()):
            body["parameters"] = {k: v for k, v in parameters.items() if v is not None}
        return body


def bad(detail: str) -> ApiError:
    """A 400 answer, worded "Bad Request: <detail>" as Telegram words them."""
    return ApiError(400, f"Bad Request: {detail}")


# What an administrator may do; the sandbox gives its bot every right but promoting others.
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
    "can_pin_messages", "can_send_welcome_messages",
)  # fmt: skip
