"""Seeing polls: 投票 in the private menu (the open polls of one's building, 发起投票 for leaders and staff),
and who chose what in a named poll for its creator and staff (/poll_votes, /poll_export), always privately."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from handlers.actions import Action, Button, InlineKeyboard, Media, SendMessage, Upload
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.parsing import first_int
from handlers.points.earning import home_building_id
from handlers.polls import texts, views, voting
from handlers.polls.buttons import NewPoll
from handlers.polls.launching import may_launch_privately
from handlers.views import building_name, display_name, local_time
from storage import polls as store
from storage.models import Poll, PollStatus
from storage.people import get_building, member_buildings


def polls_menu(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """投票: each open poll of the resident's buildings, to vote on here too; 发起投票 for those who may."""
    buildings = {b.id for b in member_buildings(session=ctx.session, user_id=ctx.user.id) if b.id is not None}
    if ctx.user.building_id is not None:
        buildings.add(ctx.user.building_id)
    answers: list[Action] = []
    for poll in store.open_polls(session=ctx.session, building_ids=buildings):
        assert poll.id is not None
        counts = store.tallies(session=ctx.session, poll_id=poll.id)
        voters = store.voter_count(session=ctx.session, poll=poll)
        answers.append(
            SendMessage(
                chat_id=msg.chat.id,
                text=views.poll_text(poll, counts, voters, ctx.config.tz),
                keyboard=views.poll_keyboard(poll, counts),
            )
        )
    if answers:
        answers.insert(0, SendMessage(chat_id=msg.chat.id, text=texts.OPEN_POLLS))
    elif buildings:
        home = get_building(session=ctx.session, building_id=home_building_id(ctx, ctx.user))
        answers.append(
            SendMessage(chat_id=msg.chat.id, text=texts.NO_OPEN_POLLS.format(building=building_name(home)))
        )
    else:
        answers.append(SendMessage(chat_id=msg.chat.id, text=texts.NO_BUILDING))
    if may_launch_privately(ctx):
        keyboard = InlineKeyboard(rows=((Button(text=texts.BTN_NEW_POLL, data=NewPoll().encode()),),))
        last = answers[-1]
        if isinstance(last, SendMessage) and last.keyboard is None:
            answers[-1] = last.model_copy(update={"keyboard": keyboard})
        else:
            answers.append(SendMessage(chat_id=msg.chat.id, text=texts.BTN_NEW_POLL, keyboard=keyboard))
    return answers


def open_poll(ctx: Ctx, msg: IncomingMessage, number: int) -> list[Action]:
    """t.me/<bot>?start=poll_5: poll 5 in the private chat, to vote on here, or its results once closed."""
    poll = store.get_poll(session=ctx.session, poll_id=number)
    if poll is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.POLL_GONE)]
    counts = store.tallies(session=ctx.session, poll_id=number)
    voters = store.voter_count(session=ctx.session, poll=poll)
    if poll.status != PollStatus.OPEN:
        eligible = len(voting.eligible(ctx, poll))
        return [SendMessage(chat_id=msg.chat.id, text=views.results_text(poll, counts, voters, eligible))]
    return [
        SendMessage(
            chat_id=msg.chat.id,
            text=views.poll_text(poll, counts, voters, ctx.config.tz),
            keyboard=views.poll_keyboard(poll, counts),
        )
    ]


def _named_poll(ctx: Ctx, msg: IncomingMessage, args: str) -> Poll | str:
    found = first_int(args)
    if found is None:
        return texts.USAGE
    poll = store.get_poll(session=ctx.session, poll_id=found[0])
    if poll is None:
        return texts.POLL_GONE
    if poll.anonymous:
        return texts.VOTES_ANONYMOUS.format(number=poll.id)
    if not (ctx.is_staff or poll.creator_id == ctx.user.id):
        return texts.VOTES_DENIED.format(number=poll.id)
    return poll


def _privately(ctx: Ctx, msg: IncomingMessage, answer: SendMessage) -> list[Action]:
    if msg.chat.is_private:
        return [answer]
    ctx.later(answer.model_copy(update={"chat_id": ctx.user.id}))
    return [SendMessage(chat_id=msg.chat.id, text=texts.VOTES_SENT_PRIVATELY, reply_to=msg.message_id)]


def votes_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    poll = _named_poll(ctx, msg, args)
    if isinstance(poll, str):
        return [SendMessage(chat_id=msg.chat.id, text=poll, reply_to=msg.message_id)]
    assert poll.id is not None
    chosen: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for vote, user in store.named_votes(session=ctx.session, poll_id=poll.id):
        chosen.setdefault(user.id, []).append(poll.options[vote.option])
        names[user.id] = display_name(user)
    lines = [texts.VOTES_TITLE.format(number=poll.id)]
    lines += [
        texts.VOTES_ROW.format(name=names[uid], options=texts.LIST_SEPARATOR.join(o))
        for uid, o in chosen.items()
    ]
    if not chosen:
        lines.append(texts.VOTES_NONE)
    return _privately(ctx, msg, SendMessage(chat_id=msg.chat.id, text="\n".join(lines)))


def _text_cell(sheet: object, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # names and options are people's words: "=…" must never become a formula
    return cell


def export_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    poll = _named_poll(ctx, msg, args)
    if isinstance(poll, str):
        return [SendMessage(chat_id=msg.chat.id, text=poll, reply_to=msg.message_id)]
    assert poll.id is not None
    book = Workbook(write_only=True)
    sheet = book.create_sheet(texts.EXPORT_SHEET)
    sheet.append(list(texts.EXPORT_HEADERS))
    for vote, user in store.named_votes(session=ctx.session, poll_id=poll.id):
        values = (
            display_name(user),
            str(user.id),
            poll.options[vote.option],
            local_time(vote.voted_at, ctx.config.tz),
        )
        sheet.append([_text_cell(sheet, value) for value in values])
    out = io.BytesIO()
    book.save(out)
    upload = Upload.of(texts.EXPORT_FILENAME.format(number=poll.id), out.getvalue())
    answer = SendMessage(
        chat_id=msg.chat.id,
        text=texts.EXPORT_CAPTION.format(number=poll.id, question=poll.question),
        media=Media(kind="document", upload=upload),
    )
    return _privately(ctx, msg, answer)
