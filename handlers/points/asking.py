"""我的积分 and /points, 明细, the monthly statement and /rank. A balance is only ever said privately."""

from __future__ import annotations

import re
from datetime import datetime

from handlers.actions import Action, AnswerButton, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.points import texts, views
from handlers.points.book import book_of
from handlers.points.buttons import Details, ToggleRankName
from handlers.points.earning import home_building_id, month_key
from handlers.views import building_name, display_name
from storage import points as ledger
from storage.models import User
from storage.people import get_building, users_by_ids

_MONTH = re.compile(texts.MONTH_PATTERN)
STATEMENT_WORD = texts.STATEMENT_WORD


def in_stock(ctx: Ctx) -> dict[str, bool]:
    return {
        reward.code: reward.stock is None
        or ledger.stock_taken(session=ctx.session, reward=reward.code) < reward.stock
        for reward in book_of(ctx).rewards
    }


def _rank_line(ctx: Ctx) -> str:
    building_id = home_building_id(ctx, ctx.user)
    place = ledger.monthly_place(
        session=ctx.session, month=month_key(ctx), user_id=ctx.user.id, building_id=building_id
    )
    if building_id is None:
        if place is None:
            return texts.RANK_NONE.format(building=texts.SOMEWHERE)
        return texts.RANK_NO_BUILDING.format(rank=place[0], points=place[1])
    building = building_name(get_building(session=ctx.session, building_id=building_id))
    if place is None:
        return texts.RANK_NONE.format(building=building)
    return texts.RANK_LINE.format(building=building, rank=place[0], points=place[1])


def summary(ctx: Ctx) -> str:
    """The first line is the balance; then level and the way to the next, a reward, the month's rank."""
    book = book_of(ctx)
    mine = ledger.standing(session=ctx.session, user_id=ctx.user.id)
    first = texts.BALANCE.format(balance=mine.balance)
    if mine.held:
        first += texts.HELD.format(held=mine.held)
    level, following = book.level(mine.earned)
    lines = [first, texts.LEVEL.format(level=level.name)]
    if following is not None:
        lines.append(texts.TO_NEXT_LEVEL.format(missing=following.min - mine.earned, level=following.name))
    else:
        lines.append(texts.TOP_LEVEL)
    if titles := book.titles_for(mine.earned):
        lines.append(texts.TITLES.format(titles=texts.SEPARATOR.join(titles)))
    lines.append(views.reward_hint(book, mine.balance, in_stock(ctx)))
    lines.append(_rank_line(ctx))
    lines.append(views.how_to_earn(book))
    lines.append(_statement_hint(ctx))
    return "\n".join(lines)


def _statement_hint(ctx: Ctx) -> str:
    return texts.STATEMENT_HINT.format(month=ctx.now.astimezone(ctx.config.tz).month)


def _private_answer(ctx: Ctx) -> SendMessage:
    return SendMessage(chat_id=ctx.user.id, text=summary(ctx), keyboard=views.summary_keyboard(ctx.user))


def my_points(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """我的积分 (menu) and /points without words."""
    if msg.chat.is_private:
        return [_private_answer(ctx)]
    # In a group: never the balance. Privately if the bot may write to them, else a way there.
    if ctx.user.private_chat_open:
        ctx.later(_private_answer(ctx))
        return [SendMessage(chat_id=msg.chat.id, text=texts.IN_GROUP_SENT_PRIVATELY, reply_to=msg.message_id)]
    link = texts.PRIVATE_LINK.format(bot=ctx.config.bot_username)
    keyboard = InlineKeyboard(rows=((Button(text=texts.BTN_OPEN_PRIVATE, url=link),),))
    return [
        SendMessage(
            chat_id=msg.chat.id, text=texts.IN_GROUP_OPEN_PRIVATE, reply_to=msg.message_id, keyboard=keyboard
        )
    ]


def points_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/points, or /points 明细 11月 for a month's statement."""
    words = args.strip()
    if not words.startswith(STATEMENT_WORD):
        return my_points(ctx, msg)
    month = words[len(STATEMENT_WORD) :].strip()
    text = details(ctx) if not month else statement(ctx, month)
    if not msg.chat.is_private:
        return my_points(ctx, msg) if not ctx.user.private_chat_open else _sent_privately(ctx, msg, text)
    return [SendMessage(chat_id=msg.chat.id, text=text)]


def _sent_privately(ctx: Ctx, msg: IncomingMessage, text: str) -> list[Action]:
    ctx.later(SendMessage(chat_id=ctx.user.id, text=text))
    return [SendMessage(chat_id=msg.chat.id, text=texts.IN_GROUP_SENT_PRIVATELY, reply_to=msg.message_id)]


def details(ctx: Ctx) -> str:
    entries = ledger.recent_entries(session=ctx.session, user_id=ctx.user.id, limit=10)
    if not entries:
        return texts.DETAILS_EMPTY
    lines = [views.detail_line(e, ctx.user.id, book_of(ctx), ctx.config.tz) for e in entries]
    return "\n".join([texts.DETAILS_TITLE, *lines, _statement_hint(ctx)])


def _month_bounds(ctx: Ctx, said: str) -> tuple[datetime, datetime] | None:
    found = _MONTH.match(said.replace(" ", ""))
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return None
    today = ctx.now.astimezone(ctx.config.tz)
    month = int(found.group(2))
    year = int(found.group(1)) if found.group(1) else today.year - (1 if month > today.month else 0)
    start = today.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=year + month // 12, month=month % 12 + 1)
    return start, end


def statement(ctx: Ctx, said: str) -> str:
    """Every entry of one month with the balance after it: plain enough to read aloud or print."""
    bounds = _month_bounds(ctx, said)
    if bounds is None:
        return texts.STATEMENT_BAD_MONTH
    start, end = bounds
    book, uid = book_of(ctx), ctx.user.id
    running = ledger.balance_before(session=ctx.session, user_id=uid, moment=start)
    lines = [
        texts.STATEMENT_TITLE.format(year=start.year, month=start.month),
        texts.STATEMENT_OPENING.format(balance=running),
    ]
    entries = ledger.entries_between(session=ctx.session, user_id=uid, since=start, until=end)
    for entry in entries:
        running += views.delta(entry, uid)
        lines.append(views.statement_line(entry, uid, running, book, ctx.config.tz))
    if not entries:
        lines.append(texts.STATEMENT_EMPTY)
    lines.append(texts.STATEMENT_CLOSING.format(balance=running))
    return "\n".join(lines)


def details_button(ctx: Ctx, press: ButtonPress, data: Details) -> list[Action]:
    return [
        AnswerButton(callback_id=press.callback_id),
        SendMessage(chat_id=ctx.user.id if not press.chat.is_private else press.chat.id, text=details(ctx)),
    ]


def toggle_rank_name(ctx: Ctx, press: ButtonPress, data: ToggleRankName) -> list[Action]:
    ctx.user.rank_by_name = not ctx.user.rank_by_name
    building = building_name(get_building(session=ctx.session, building_id=home_building_id(ctx, ctx.user)))
    said = (
        texts.RANK_BY_NAME_ON if ctx.user.rank_by_name else texts.RANK_BY_NAME_OFF.format(building=building)
    )
    return [
        AnswerButton(callback_id=press.callback_id, text=said),
        SendMessage(chat_id=press.chat.id, text=said),
    ]


# --- /rank


def _rank_name(user: User | None, building: str) -> str:
    if user is not None and user.rank_by_name:
        return display_name(user)
    return texts.RANK_ANONYMOUS.format(building=building)


def _rank_rows(ctx: Ctx, table: list[tuple[int, int]]) -> list[str]:
    ids = frozenset(uid for uid, _ in table)
    people = {user.id: user for user in users_by_ids(session=ctx.session, ids=ids)}
    lines = []
    for place, (uid, points) in enumerate(table, 1):
        user = people.get(uid)
        home = get_building(session=ctx.session, building_id=home_building_id(ctx, user)) if user else None
        name = _rank_name(user, building_name(home) if home else texts.SOMEWHERE)
        lines.append(texts.RANK_ROW.format(rank=place, name=name, points=points))
    return lines


def rank_command(ctx: Ctx, msg: IncomingMessage, args: str = "") -> list[Action]:
    month = month_key(ctx)
    building_id = ctx.chat.building_id if msg.chat.is_group else home_building_id(ctx, ctx.user)
    lines = [texts.RANK_TITLE]
    if building_id is not None:
        building = building_name(get_building(session=ctx.session, building_id=building_id))
        table = ledger.monthly_ranking(session=ctx.session, month=month, building_id=building_id)
        lines += [
            "",
            texts.RANK_BUILDING.format(building=building),
            *(_rank_rows(ctx, table) or [texts.RANK_EMPTY]),
        ]
    community = ledger.monthly_ranking(session=ctx.session, month=month)
    lines += ["", texts.RANK_COMMUNITY, *(_rank_rows(ctx, community) or [texts.RANK_EMPTY])]
    lines += ["", texts.RANK_OPT_IN_HINT]
    keyboard = views.summary_keyboard(ctx.user) if msg.chat.is_private else None
    return [SendMessage(chat_id=msg.chat.id, text="\n".join(lines), keyboard=keyboard)]
