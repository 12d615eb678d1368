"""Granting roles and binding groups to buildings; who may do each is declared in people/feature.py."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.people import texts
from handlers.views import display_name
from storage.models import Role, User
from storage.people import bind_chat, get_or_create_building, get_user, set_role, upsert_user

BUILDING_NAME_LIMIT = 32


def _reply(msg: IncomingMessage, text: str) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]


def _target(ctx: Ctx, msg: IncomingMessage, args: str) -> User | None:
    if msg.reply_to is not None and msg.reply_to.sender_id is not None and not msg.reply_to.from_bot:
        return get_user(session=ctx.session, user_id=msg.reply_to.sender_id)
    if args.isascii() and args.isdecimal():
        user_id = int(args)
        # An admin may grant a role before the person has spoken; the name fills in when they do.
        return get_user(session=ctx.session, user_id=user_id) or upsert_user(
            session=ctx.session, user_id=user_id, first_name="", username=None, now=ctx.now
        )
    return None


def grant_staff(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    target = _target(ctx, msg, args)
    if target is None:
        return _reply(msg, texts.ROLE_USAGE_STAFF if not args else texts.USER_UNKNOWN)
    set_role(session=ctx.session, user=target, role=Role.STAFF)
    return _reply(msg, texts.STAFF_GRANTED.format(name=display_name(target)))


def grant_leader(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    if msg.reply_to is None:
        return _reply(msg, texts.ROLE_USAGE_LEADER)
    target = _target(ctx, msg, "")
    if target is None:
        return _reply(msg, texts.USER_UNKNOWN)
    if target.role == Role.STAFF or target.id in ctx.config.admin_ids:
        return _reply(msg, texts.ALREADY_STAFF.format(name=display_name(target)))
    set_role(session=ctx.session, user=target, role=Role.LEADER)
    if ctx.chat.building_id is not None:
        target.building_id = ctx.chat.building_id
    return _reply(msg, texts.LEADER_GRANTED.format(name=display_name(target)))


def bind(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    if not msg.chat.is_group or ctx.in_staff_chat:
        return _reply(msg, texts.BIND_GROUP_ONLY)
    name = " ".join(args.split())
    if not name or len(name) > BUILDING_NAME_LIMIT:
        return _reply(msg, texts.BIND_USAGE)
    building = get_or_create_building(session=ctx.session, name=name, now=ctx.now)
    bind_chat(session=ctx.session, chat=ctx.chat, building=building)
    # The welcome stays on top of the group: how to report here, and one tap to the private chat.
    open_private = Button(text=texts.BTN_WELCOME, url=common.REPORT_LINK.format(bot=ctx.config.bot_username))
    welcome = SendMessage(
        chat_id=msg.chat.id,
        text=texts.BIND_DONE.format(building=building.name),
        keyboard=InlineKeyboard(rows=((open_private,),)),
        pin=True,
    )
    return [welcome]
