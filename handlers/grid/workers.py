"""/grid: staff set a building's grid worker (in reply to their message), see one, or list them all."""

from __future__ import annotations

from handlers.actions import Action, SendMessage
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.grid import texts
from handlers.people import texts as people_texts
from handlers.views import display_name
from storage.grid import building_named, grid_roster, grid_worker, set_grid_worker
from storage.people import get_user, list_buildings


def _reply(msg: IncomingMessage, text: str) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]


def command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    name = " ".join(args.split())
    replied = msg.reply_to
    if not name:
        return _reply(msg, texts.GRID_USAGE if replied is not None else roster(ctx))
    building = building_named(session=ctx.session, name=name)
    if building is None or building.id is None:
        known = "、".join(b.name for b in list_buildings(session=ctx.session))
        missing = texts.GRID_NO_BUILDING.format(name=name, known=known) if known else texts.GRID_NO_BUILDINGS
        return _reply(msg, missing)
    if replied is None:
        worker = grid_worker(session=ctx.session, building_id=building.id)
        if worker is None:
            return _reply(msg, f"{texts.GRID_NONE.format(building=building.name)}\n{texts.GRID_USAGE}")
        return _reply(msg, texts.GRID_CURRENT.format(building=building.name, name=display_name(worker)))
    # Only a person's own message names them; a reply to the bot's message names nobody.
    target = None
    if replied.sender_id is not None and not replied.from_bot:
        target = get_user(session=ctx.session, user_id=replied.sender_id)
    if target is None:
        return _reply(msg, people_texts.USER_UNKNOWN)
    previous = set_grid_worker(
        session=ctx.session, building_id=building.id, user_id=target.id, set_by=ctx.user.id, now=ctx.now
    )
    lines = [texts.GRID_SET.format(name=display_name(target), building=building.name)]
    if previous is not None:
        lines.append(texts.GRID_REPLACED.format(name=display_name(previous)))
    if target.private_chat_open:
        ctx.later(SendMessage(chat_id=target.id, text=texts.GRID_TOLD_WORKER.format(building=building.name)))
    else:
        lines.append(texts.GRID_NEEDS_PRIVATE.format(name=display_name(target)))
    return _reply(msg, "\n".join(lines))


def roster(ctx: Ctx) -> str:
    buildings = grid_roster(session=ctx.session)
    if not buildings:
        return texts.GRID_NO_BUILDINGS
    lines = [
        texts.GRID_ROSTER_LINE.format(
            building=building.name, name=display_name(worker) if worker else texts.GRID_ROSTER_EMPTY
        )
        for building, worker in buildings
    ]
    return "\n".join([texts.GRID_ROSTER_TITLE, *lines])
