"""Polls: creating, voting (named or anonymous), tallies, who may vote, and the polls the clock closes.

Tallies are a row per option changed in the transaction of each vote, so a count never needs the votes
themselves; an anonymous poll has nothing else to count from. A chat's updates are handled one at a time
(the inbox), and the primary keys refuse a second vote row for the same voter and option.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Chat,
    ChatMember,
    Poll,
    PollBallot,
    PollStatus,
    PollTally,
    PollVote,
    User,
)


def create_poll(
    *,
    session: Session,
    chat_id: int,
    building_id: int | None,
    creator_id: int,
    question: str,
    options: list[str],
    max_choices: int,
    anonymous: bool,
    closes_at: datetime,
    now: datetime,
) -> Poll:
    poll = Poll(
        chat_id=chat_id,
        building_id=building_id,
        creator_id=creator_id,
        question=question,
        options=list(options),
        max_choices=max_choices,
        anonymous=anonymous,
        created_at=now,
        closes_at=closes_at,
    )
    session.add(poll)
    session.flush()
    assert poll.id is not None
    session.add_all([PollTally(poll_id=poll.id, option=i) for i in range(len(options))])
    return poll


def get_poll(*, session: Session, poll_id: int, for_update: bool = False) -> Poll | None:
    statement = select(Poll).where(Poll.id == poll_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def latest_open_in_chat(*, session: Session, chat_id: int) -> Poll | None:
    statement = (
        select(Poll)
        .where(Poll.chat_id == chat_id, Poll.status == PollStatus.OPEN)
        .order_by(col(Poll.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def open_polls(*, session: Session, building_ids: Collection[int]) -> list[Poll]:
    if not building_ids:
        return []
    statement = (
        select(Poll)
        .where(col(Poll.building_id).in_(list(building_ids)), Poll.status == PollStatus.OPEN)
        .order_by(col(Poll.closes_at))
    )
    return list(session.exec(statement))


def due_polls(*, session: Session, now: datetime, limit: int = 50) -> list[Poll]:
    """Open polls past their deadline, claimed for this transaction (a second process skips them)."""
    statement = (
        select(Poll)
        .where(Poll.status == PollStatus.OPEN, col(Poll.closes_at) <= now)
        .order_by(col(Poll.closes_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def polls_to_remind(*, session: Session, before: datetime, limit: int = 50) -> list[Poll]:
    """Open polls closing before `before` (the caller checks which reminder is due), claimed likewise."""
    statement = (
        select(Poll)
        .where(Poll.status == PollStatus.OPEN, col(Poll.closes_at) <= before)
        .order_by(col(Poll.closes_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def stale_polls(*, session: Session, edited_before: datetime, limit: int = 50) -> list[Poll]:
    """Open polls whose message lags behind their votes and may be edited again, claimed for this
    transaction."""
    statement = (
        select(Poll)
        .where(
            col(Poll.stale).is_(True), Poll.status == PollStatus.OPEN, col(Poll.edited_at) <= edited_before
        )
        .order_by(col(Poll.edited_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def tallies(*, session: Session, poll_id: int) -> list[int]:
    rows = session.exec(select(PollTally).where(PollTally.poll_id == poll_id).order_by(col(PollTally.option)))
    return [row.votes for row in rows]


def _count(session: Session, poll_id: int, option: int, change: int) -> None:
    session.exec(
        update(PollTally)
        .where(col(PollTally.poll_id) == poll_id, col(PollTally.option) == option)
        .values(votes=col(PollTally.votes) + change)
    )


# --- named polls


def named_choices(*, session: Session, poll_id: int, user_id: int) -> set[int]:
    statement = select(PollVote.option).where(PollVote.poll_id == poll_id, PollVote.user_id == user_id)
    return set(session.exec(statement))


def set_named_choices(
    *, session: Session, poll_id: int, user_id: int, before: set[int], after: set[int], now: datetime
) -> None:
    for option in before - after:
        session.exec(
            delete(PollVote).where(
                col(PollVote.poll_id) == poll_id,
                col(PollVote.user_id) == user_id,
                col(PollVote.option) == option,
            )
        )
        _count(session, poll_id, option, -1)
    for option in after - before:
        session.add(PollVote(poll_id=poll_id, user_id=user_id, option=option, voted_at=now))
        _count(session, poll_id, option, +1)
    session.flush()


def named_votes(*, session: Session, poll_id: int) -> list[tuple[PollVote, User]]:
    statement = (
        select(PollVote, User)
        .join(User, col(User.id) == col(PollVote.user_id))
        .where(PollVote.poll_id == poll_id)
        .order_by(col(PollVote.voted_at), col(PollVote.option))
    )
    return list(session.exec(statement))


# --- anonymous polls


def ballot(*, session: Session, poll_id: int, voter: str) -> int | None:
    row = session.get(PollBallot, (poll_id, voter))
    return row.sealed if row is not None else None


def set_ballot(
    *, session: Session, poll_id: int, voter: str, sealed: int | None, before: set[int], after: set[int]
) -> None:
    """Replace the voter's sealed ballot (None: no choice left) and move the tallies to match."""
    row = session.get(PollBallot, (poll_id, voter))
    if sealed is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(PollBallot(poll_id=poll_id, voter=voter, sealed=sealed))
    else:
        row.sealed = sealed
        session.add(row)
    for option in before - after:
        _count(session, poll_id, option, -1)
    for option in after - before:
        _count(session, poll_id, option, +1)
    session.flush()


def voter_count(*, session: Session, poll: Poll) -> int:
    if poll.anonymous:
        statement = select(func.count()).select_from(PollBallot).where(PollBallot.poll_id == poll.id)
    else:
        statement = select(func.count(func.distinct(PollVote.user_id))).where(PollVote.poll_id == poll.id)
    return int(session.exec(statement).one())


# --- who may vote


def building_residents(*, session: Session, building_id: int) -> set[int]:
    """People the bot knows from the building's groups, or who told it they live there."""
    members = (
        select(ChatMember.user_id)
        .join(Chat, col(Chat.id) == col(ChatMember.chat_id))
        .where(Chat.building_id == building_id)
    )
    registered = select(User.id).where(User.building_id == building_id)
    return set(session.exec(members)) | set(session.exec(registered))


def lives_in(*, session: Session, user_id: int, building_id: int) -> bool:
    statement = (
        select(ChatMember.user_id)
        .join(Chat, col(Chat.id) == col(ChatMember.chat_id))
        .where(ChatMember.user_id == user_id, Chat.building_id == building_id)
        .limit(1)
    )
    if session.exec(statement).first() is not None:
        return True
    user = session.get(User, user_id)
    return user is not None and user.building_id == building_id


def building_groups(*, session: Session, building_id: int) -> list[Chat]:
    statement = select(Chat).where(
        Chat.building_id == building_id,
        col(Chat.active).is_(True),
        or_(Chat.type == "group", Chat.type == "supergroup"),
    )
    return list(session.exec(statement.order_by(col(Chat.id))))
