"""Looking at tickets: /tickets (filtered, paged), /ticket 12 with its history, 我的报事."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import texts as common
from handlers.actions import Action, AnswerButton, Button, EditMessage, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.parsing import first_int
from handlers.tickets import texts
from handlers.tickets.buttons import ANY, History, TicketsPage
from handlers.tickets.cards import render_card, reporter_names
from handlers.tickets.views import history, my_tickets, resident_view, ticket_lines
from handlers.views import display_name
from storage.people import get_building, get_user, list_buildings
from storage.tickets import TicketFilter, events_of, get_ticket, list_tickets, tickets_of_reporter

PAGE_SIZE = 10
URGENT, OVERDUE, MINE = 1, 2, 4
FLAGS = ((texts.FILTER_URGENT, URGENT), (texts.FILTER_OVERDUE, OVERDUE), (texts.FILTER_MINE, MINE))
WORDS = dict(FLAGS) | {"urgent": URGENT, "overdue": OVERDUE, "mine": MINE}


@dataclass(frozen=True, slots=True)
class Query:
    """A /tickets filter in the form a page button can carry: codes and ids only."""

    status: str = ANY
    building_id: int = 0
    category: str = ANY
    flags: int = 0


def _parse(ctx: Ctx, args: str) -> Query | str:
    """Words in any order: a state, a building, a category (id or name), 紧急, 超时, 我的."""
    taxonomy = ctx.config.classifier.taxonomy
    states = {name: code for code, name in common.STATUS_NAMES.items()} | {
        code: code for code in common.STATUS_NAMES
    }
    categories = {c.name: c.id for c in taxonomy.categories} | {c.id: c.id for c in taxonomy.categories}
    buildings = {b.name: b.id or 0 for b in list_buildings(session=ctx.session)}
    query = Query()
    for word in args.split():
        if word in WORDS:
            query = Query(query.status, query.building_id, query.category, query.flags | WORDS[word])
        elif word in states:
            query = Query(states[word], query.building_id, query.category, query.flags)
        elif word in buildings:
            query = Query(query.status, buildings[word], query.category, query.flags)
        elif word in categories:
            query = Query(query.status, query.building_id, categories[word], query.flags)
        else:
            return texts.TICKETS_USAGE
    return query


def _describe(ctx: Ctx, query: Query) -> str:
    names = {b.id: b.name for b in list_buildings(session=ctx.session)}
    parts = [common.STATUS_NAMES[query.status] if query.status != ANY else texts.TICKETS_OPEN]
    if query.building_id:
        parts.append(names.get(query.building_id, "?"))
    if query.category != ANY:
        parts.append(ctx.config.classifier.taxonomy.name_of(query.category))
    parts += [word for word, flag in FLAGS if query.flags & flag]
    return " · ".join(parts)


def _page(ctx: Ctx, query: Query, page: int) -> tuple[str, InlineKeyboard | None]:
    where = TicketFilter(
        status=None if query.status == ANY else query.status,
        building_id=query.building_id or None,
        category=None if query.category == ANY else query.category,
        urgent=bool(query.flags & URGENT),
        overdue=bool(query.flags & OVERDUE),
        assignee_id=ctx.user.id if query.flags & MINE else None,
    )
    found, total = list_tickets(
        session=ctx.session, where=where, now=ctx.now, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    if not found:
        return texts.TICKETS_NONE, None
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    names = {b.id or 0: b.name for b in list_buildings(session=ctx.session)}
    lines = [
        texts.TICKETS_TITLE.format(filters=_describe(ctx, query), total=total, page=page + 1, pages=pages)
    ]
    lines += ticket_lines(found, names, ctx.config.classifier.taxonomy, ctx.now)
    turn = []
    for label, target in ((texts.BTN_PREV, page - 1), (texts.BTN_NEXT, page + 1)):
        if 0 <= target < pages:
            data = TicketsPage(target, query.status, query.building_id, query.category, query.flags).encode()
            turn.append(Button(text=label, data=data))
    return "\n".join(lines), InlineKeyboard(rows=(tuple(turn),)) if turn else None


def tickets_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    query = _parse(ctx, args)
    if isinstance(query, str):
        return [SendMessage(chat_id=msg.chat.id, text=query, reply_to=msg.message_id)]
    text, keyboard = _page(ctx, query, 0)
    return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=keyboard)]


def turn_page(ctx: Ctx, press: ButtonPress, data: TicketsPage) -> list[Action]:
    page, status, building_id, category, flags = (
        data.page,
        data.status,
        data.building,
        data.category,
        data.flags,
    )
    valid_status = status == ANY or status in common.STATUS_NAMES
    valid_category = category == ANY or category in ctx.config.classifier.taxonomy.ids
    if not (valid_status and valid_category) or flags > URGENT | OVERDUE | MINE:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    text, keyboard = _page(ctx, Query(status, building_id, category, flags), page)
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard),
    ]


def _detail(ctx: Ctx, ticket_id: int) -> str | None:
    """The card and the history, as the sender may see them; None when they may not."""
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id)
    if ticket is None:
        return None
    if not ctx.is_staff and ticket.reporter_id != ctx.user.id:
        return None
    events = events_of(session=ctx.session, ticket_id=ticket_id)
    if not ctx.is_staff:
        # The reporter reads plain words: no keyword evidence, no state arrows, no staff-only lines.
        building = get_building(session=ctx.session, building_id=ticket.building_id)
        return resident_view(ticket, building, events, ctx.config.classifier.taxonomy, ctx.config.tz)
    # Admins see who an anonymous reporter is, but only in their private chat with the bot.
    reveal = ctx.is_admin and ctx.chat.type == "private"
    names: dict[int, str] = {}
    for event in events:
        if event.actor_id is None or event.actor_id in names:
            continue
        if event.actor_id == ticket.reporter_id and ticket.anonymous and not reveal:
            names[event.actor_id] = common.ANONYMOUS
        elif ctx.is_staff or event.actor_id == ctx.user.id:
            names[event.actor_id] = display_name(get_user(session=ctx.session, user_id=event.actor_id))
        else:
            names[event.actor_id] = texts.STAFF_ACTOR
    card, _ = render_card(ctx, ticket)
    if reveal and ticket.anonymous:
        card += "\n" + texts.CARD_REPORTERS.format(names="、".join(reporter_names(ctx, ticket, reveal=True)))
    return f"{card}\n\n{history(events, names, ctx.config.tz)}"


def ticket_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    parsed = first_int(args)
    if parsed is None:
        return [
            SendMessage(
                chat_id=msg.chat.id, text=texts.TICKET_USAGE.format(command="ticket"), reply_to=msg.message_id
            )
        ]
    detail = _detail(ctx, parsed[0])
    if detail is None:
        return [
            SendMessage(
                chat_id=msg.chat.id,
                text=common.TICKET_NOT_FOUND.format(number=parsed[0]),
                reply_to=msg.message_id,
            )
        ]
    return [SendMessage(chat_id=msg.chat.id, text=detail, reply_to=msg.message_id)]


def history_button(ctx: Ctx, press: ButtonPress, data: History) -> list[Action]:
    detail = _detail(ctx, data.ticket)
    if detail is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.NOT_YOUR_TICKET)]
    return [AnswerButton(callback_id=press.callback_id), SendMessage(chat_id=press.chat.id, text=detail)]


def mine(ctx: Ctx, msg: IncomingMessage, args: str = "") -> list[Action]:
    tickets = tickets_of_reporter(session=ctx.session, reporter_id=ctx.user.id)
    text, keyboard = my_tickets(tickets, ctx.now)
    reply_to = None if msg.chat.is_private else msg.message_id
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=reply_to, keyboard=keyboard)]
