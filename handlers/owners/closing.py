"""An owners' vote's end: the deadline (a clock job, each vote claimed once, so restarts and two processes
close it once) or `/end_owner_vote N`. Closing writes the figures, the verdict and the final hash, and the
result goes to the vote's groups and the staff chat with every figure, 通过 / 未通过, why, and that hash."""

from __future__ import annotations

from handlers.actions import Action, EditMessage, SendMessage
from handlers.context import Ctx, Scope
from handlers.events import IncomingMessage
from handlers.owners import texts, views
from handlers.parsing import first_int
from storage import owner_votes as store
from storage.models import OwnerVote, OwnerVoteStatus
from storage.outbox import sent_message_id
from storage.polls import building_groups


def result_chats(scope: Scope, vote: OwnerVote) -> list[int]:
    """Where the result goes: every group of the vote's buildings and the staff chat; the creator
    privately when there is no group at all."""
    assert vote.id is not None
    buildings = sorted({row.building_id for row in store.roll_of(session=scope.session, vote_id=vote.id)})
    chats = [chat.id for b in buildings for chat in building_groups(session=scope.session, building_id=b)]
    if scope.config.staff_chat_id is not None:
        chats.append(scope.config.staff_chat_id)
    return chats or [vote.creator_id]


def close(scope: Scope, vote: OwnerVote) -> list[int]:
    """Close the (locked) vote, take the buttons off its messages and send its result (in a group, as a
    reply to the vote message); the chats the result went to."""
    tally, verdict = store.close_vote(session=scope.session, vote=vote, now=scope.now)
    ended = texts.VOTE_ENDED.format(verdict=texts.VERDICT_PASSED if verdict.passed else texts.VERDICT_FAILED)
    final = f"{views.vote_text(scope.session, vote, tally, scope.config.tz)}\n\n{ended}"
    shown: dict[int, int] = {}
    for chat_id, outbox_id in vote.messages:
        # Unknown when it was never sent or its outbox row was pruned: that message keeps its buttons,
        # which answer that the vote has ended.
        message_id = sent_message_id(session=scope.session, outbox_id=outbox_id)
        if message_id is not None:
            shown.setdefault(chat_id, message_id)
            scope.later_edit(EditMessage(chat_id=chat_id, message_id=message_id, text=final))
    text = views.figures_text(scope.session, vote, tally, verdict, scope.config.tz)
    chats = result_chats(scope, vote)
    for chat_id in chats:
        scope.later(SendMessage(chat_id=chat_id, text=text, reply_to=shown.get(chat_id)))
    return chats


def close_due(scope: Scope) -> int:
    due = store.due_votes(session=scope.session, now=scope.now)
    for vote in due:
        close(scope, vote)
    return len(due)


def end_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    found = first_int(args)
    if found is None:
        return reply(texts.END_USAGE)
    vote = store.get_vote(session=ctx.session, vote_id=found[0], for_update=True)
    if vote is None:
        return reply(texts.VOTE_GONE)
    if vote.status != OwnerVoteStatus.OPEN:
        return reply(texts.END_ALREADY.format(number=vote.id))
    chats = close(ctx, vote)
    return [] if msg.chat.id in chats else reply(texts.END_DONE.format(number=vote.id))
