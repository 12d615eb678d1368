"""Reports in a building's group: 报事 … or @bot …, the building it names, and 报事 匿名 … kept anonymous."""

from __future__ import annotations

from typing import Any

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
from handlers.reports.filing import building_named_in, draft_from, file_report, has_content
from storage.people import list_buildings


def group_message(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """报事 … or @bot … in a group is a report; other group talk is not the bot's business."""
    if not msg.chat.is_group:
        return None
    body = strip_report_prefix(msg.text, texts.REPORT_PREFIXES)
    if body is None:
        body = strip_mention(msg.text, ctx.config.bot_username)
    return from_group(ctx, msg, body) if body is not None else None


def from_group(ctx: Ctx, msg: IncomingMessage, body: str) -> list[Action]:
    if ctx.chat.building_id is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.GROUP_NOT_BOUND, reply_to=msg.message_id)]
    draft = draft_from(msg, body)
    if not has_content(draft):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_EMPTY, reply_to=msg.message_id)]
    # "5号楼门口有人乱停车" said in 3号楼's group is about 5号楼.
    named = building_named_in(draft["text"], list_buildings(session=ctx.session))
    building_id = named.id if named is not None else ctx.chat.building_id
    if draft["anonymous"]:
        return _anonymous_in_group(ctx, msg, draft, building_id)
    return file_report(ctx, draft, building_id, msg.chat.id, reply_to=msg.message_id)


def _anonymous_in_group(
    ctx: Ctx, msg: IncomingMessage, draft: dict[str, Any], building_id: int | None
) -> list[Action]:
    """报事 匿名 … in a group: the message goes at once where the bot may delete it, and the receipt never
    points at it; the way to report anonymously without that is the private chat, one tap away."""
    deleting = ctx.chat.can_delete_messages
    open_private = Button(
        text=texts.BTN_OPEN_PRIVATE, url=texts.PRIVATE_LINK.format(bot=ctx.config.bot_username)
    )
    actions: list[Action] = []
    if deleting:
        actions.append(DeleteMessage(chat_id=msg.chat.id, message_id=msg.message_id))
    footer = texts.ANONYMOUS_DELETED if deleting else texts.ANONYMOUS_NOT_DELETED
    actions += file_report(
        ctx, draft, building_id, msg.chat.id, reply_to=None, footer=footer, extra_row=(open_private,)
    )
    return actions
