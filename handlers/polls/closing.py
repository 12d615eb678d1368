"""A poll's end and what leads to it: the deadline (a clock job, claimed once, so restarts and two processes
close it once), /endpoll, the results message, reminders before the deadline and 提醒未投票的人."""

from __future__ import annotations

from datetime import timedelta

from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.context import Ctx, Scope
from handlers.events import ButtonPress, IncomingMessage
from handlers.parsing import first_int
from handlers.polls import texts, views
from handlers.polls.buttons import RemindVoters
from handlers.polls.voting import eligible, has_voted, message_id
from handlers.views import building_name
from storage import polls as store
from storage.models import Poll, PollStatus
from storage.people import get_building, users_by_ids

NUDGE_EVERY = timedelta(hours=1)


def close(scope: Scope, poll: Poll) -> None:
    """Close the poll: its message in final form without buttons, and the results posted to the group."""
    assert poll.id is not None
    poll.status, poll.closed_at = PollStatus.CLOSED, scope.now
    scope.session.add(poll)
    counts = store.tallies(session=scope.session, poll_id=poll.id)
    voters = store.voter_count(session=scope.session, poll=poll)
    if (shown := message_id(scope, poll)) is not None:
        scope.later_edit(
            EditMessage(
                chat_id=poll.chat_id,
                message_id=shown,
                text=views.poll_text(poll, counts, voters, scope.config.tz),
            )
        )
    results = views.results_text(poll, counts, voters, len(eligible(scope, poll)))
    scope.later(SendMessage(chat_id=poll.chat_id, text=results, reply_to=shown))


def close_due(scope: Scope) -> int:
    due = store.due_polls(session=scope.session, now=scope.now)
    for poll in due:
        close(scope, poll)
    return len(due)


def _may_run(ctx: Ctx, poll: Poll) -> bool:
    return ctx.is_staff or poll.creator_id == ctx.user.id


def endpoll_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    found = first_int(args)
    if found is not None:
        poll = store.get_poll(session=ctx.session, poll_id=found[0], for_update=True)
        if poll is None:
            return reply(texts.POLL_GONE)
    elif msg.chat.is_group:
        poll = store.latest_open_in_chat(session=ctx.session, chat_id=msg.chat.id)
        if poll is None:
            return reply(texts.ENDPOLL_NONE)
    else:
        return reply(texts.ENDPOLL_USAGE)
    if not _may_run(ctx, poll):
        return reply(texts.ENDPOLL_DENIED.format(number=poll.id))
    if poll.status != PollStatus.OPEN:
        return reply(texts.ENDPOLL_ALREADY.format(number=poll.id))
    close(ctx, poll)
    return [] if msg.chat.id == poll.chat_id else reply(texts.ENDPOLL_DONE.format(number=poll.id))


# --- reminders


def _reminder_text(scope: Scope, poll: Poll) -> str:
    voters = store.voter_count(session=scope.session, poll=poll)
    left = views.time_left((poll.closes_at - scope.now).total_seconds())
    return texts.REMINDER.format(
        number=poll.id, left=left, question=poll.question, voters=voters, eligible=len(eligible(scope, poll))
    )


def send_reminders(scope: Scope) -> int:
    """The group is reminded before the deadline (LINLI_POLL_REMINDERS: 1 day and 2 hours), with the turnout
    so far; a poll shorter than a reminder's lead does not get that one."""
    leads = scope.config.poll_reminders  # longest first
    if not leads:
        return 0
    sent = 0
    for poll in store.polls_to_remind(session=scope.session, before=scope.now + leads[0]):
        due = [
            i
            for i, ahead in enumerate(leads)
            if i >= poll.reminders_sent and poll.closes_at - ahead <= scope.now
        ]
        if not due:
            continue
        poll.reminders_sent = due[-1] + 1  # reminders passed over (a short poll, a pause) are not sent late
        scope.session.add(poll)
        if poll.closes_at - poll.created_at <= leads[due[-1]]:
            continue  # a poll shorter than the reminder's lead gets none
        scope.later(
            SendMessage(
                chat_id=poll.chat_id, text=_reminder_text(scope, poll), keyboard=views.remind_keyboard(poll)
            )
        )
        sent += 1
    return sent


def remind_voters(ctx: Ctx, press: ButtonPress, data: RemindVoters) -> list[Action]:
    """提醒未投票的人: a private reminder to eligible residents who started the bot and have not voted."""
    poll = store.get_poll(session=ctx.session, poll_id=data.poll)
    if poll is None or poll.status != PollStatus.OPEN:
        return [AnswerButton(callback_id=press.callback_id, text=texts.CLOSED)]
    if not _may_run(ctx, poll):
        return [AnswerButton(callback_id=press.callback_id, text=texts.REMIND_DENIED)]
    if poll.nudged_at is not None and ctx.now - poll.nudged_at < NUDGE_EVERY:
        return [AnswerButton(callback_id=press.callback_id, text=texts.REMIND_TOO_SOON, alert=True)]
    poll.nudged_at = ctx.now
    ctx.session.add(poll)
    building = building_name(get_building(session=ctx.session, building_id=poll.building_id))
    left = views.time_left((poll.closes_at - ctx.now).total_seconds())
    text = texts.PRIVATE_REMINDER.format(building=building, number=poll.id, left=left, question=poll.question)
    told = 0
    for person in users_by_ids(session=ctx.session, ids=frozenset(eligible(ctx, poll))):
        if person.private_chat_open and not has_voted(ctx, poll, person.id):
            ctx.later(SendMessage(chat_id=person.id, text=text))
            told += 1
    said = texts.REMIND_SENT.format(n=told) if told else texts.REMIND_NOBODY
    return [AnswerButton(callback_id=press.callback_id, text=said, alert=True)]
