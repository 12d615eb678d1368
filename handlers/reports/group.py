"""Reports in a building's group: 报事 … or @bot …, the building it names, and 报事 匿名 … kept anonymous."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers import texts as common
from handlers.actions import (
    Action,
    Button,
    DeleteMessage,
    SendMessage,
)
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.parsing import strip_mention, strip_report_prefix
from handlers.reports import texts
from handlers.reports.filing import (
    building_named_in,
    draft_from,
    file_report,
    has_content,
    has_words,
)
from handlers.views import menu_key
from storage.models import ConversationState
from storage.people import list_buildings

# The flow 我要报事 starts: its name and first step are shared with the private chat's (private.py).
FLOW = "report"
STEP_DESCRIBE = "describe"
GROUP_WAIT = timedelta(minutes=10)


def group_message(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """报事 … or @bot … in a group is a report; other group talk is not the bot's business."""
    if not msg.chat.is_group:
        return None
    body = strip_report_prefix(msg.text, texts.REPORT_PREFIXES)
    if body is None:
        body = strip_mention(msg.text, ctx.config.bot_username)
    if body is None and menu_key(msg.text) == menu_key(common.BTN_REPORT) and not msg.photo_file_id:
        body = ""  # 我要报事 typed in the group, as on the private menu
    return from_group(ctx, msg, body) if body is not None else None


def from_group(ctx: Ctx, msg: IncomingMessage, body: str) -> list[Action]:
    if ctx.chat.building_id is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.GROUP_NOT_BOUND, reply_to=msg.message_id)]
    if not body and not (msg.photo_file_id or msg.voice_file_id):
        # 报事 alone: the next words, photo or voice note of this person here are the report.
        ctx.enter(FLOW, STEP_DESCRIBE, {})
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_ASK_GROUP, reply_to=msg.message_id)]
    draft = draft_from(msg, body)
    if not has_content(draft):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_EMPTY, reply_to=msg.message_id)]
    # "5号楼门口有人乱停车" said in 3号楼's group is about 5号楼.
    named = building_named_in(draft["text"], lambda: list_buildings(session=ctx.session))
    building_id = named.id if named is not None else ctx.chat.building_id
    if draft["anonymous"]:
        return _anonymous_in_group(ctx, msg, draft, building_id)
    return file_report(ctx, draft, building_id, msg.chat.id, reply_to=msg.message_id)


def continue_in_group(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """The message after 报事 alone in a group: a photo, a voice note or words are the report; after
    GROUP_WAIT the group has moved on and it is ordinary talk again."""
    ctx.forget_state()
    if ctx.now - state.updated_at > GROUP_WAIT:
        return group_message(ctx, msg) or []
    if not (msg.photo_file_id or msg.voice_file_id or has_words(msg.text)):
        return group_message(ctx, msg) or []
    return group_message(ctx, msg) or from_group(ctx, msg, msg.text)


def _anonymous_in_group(
    ctx: Ctx, msg: IncomingMessage, draft: dict[str, Any], building_id: int | None
) -> list[Action]:
    """报事 匿名 … in a group: the message goes at once where the bot may delete it, and the receipt never
    points at it; the way to report anonymously without that is the private chat, one tap away."""
    deleting = ctx.chat.can_delete_messages
    open_private = Button(
        text=texts.BTN_OPEN_PRIVATE, url=common.REPORT_LINK.format(bot=ctx.config.bot_username)
    )
    actions: list[Action] = []
    if deleting:
        actions.append(DeleteMessage(chat_id=msg.chat.id, message_id=msg.message_id))
    footer = texts.ANONYMOUS_DELETED if deleting else texts.ANONYMOUS_NOT_DELETED
    actions += file_report(
        ctx, draft, building_id, msg.chat.id, reply_to=None, footer=footer, extra_row=(open_private,)
    )
    return actions
