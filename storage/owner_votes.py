"""Owners' votes (业主表决): the household roll, claiming a household, votes, the ballot chain, the tally
under 民法典 第278条, closing and `verify`.

Areas are integers in hundredths of a square metre and every threshold is compared as an exact fraction,
so a result on the edge (67 of 100 households voting, 51 of 67 agreeing) is decided exactly, never by a
rounded float. A vote copies the roll when it opens: the totals it is judged against cannot change while
it runs. Ballots are append-only entries chained by SHA-256 from an anchor that covers the vote's terms and
that copy; a correction is a new entry that supersedes the household's earlier one, and the tally counts
each household's latest. Appends lock the vote row, so one vote's entries are chained one after another.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from fractions import Fraction

from sqlmodel import Session, col, select

from storage.models import (
    OwnerBallot,
    OwnerHousehold,
    OwnerVote,
    OwnerVoteRoll,
    OwnerVoteStatus,
)

# Matters (民法典 第278条): the ordinary rule, and the three that need three quarters.
ORDINARY, FUND, REBUILD, COMMON = "ordinary", "fund", "rebuild", "common"
MATTERS = (ORDINARY, FUND, REBUILD, COMMON)
SPECIAL = frozenset({FUND, REBUILD, COMMON})
YES, NO, ABSTAIN = "yes", "no", "abstain"
CHOICES = (YES, NO, ABSTAIN)
BUTTON, PAPER, PROXY, DOOR = "button", "paper", "proxy", "door"
METHODS = (BUTTON, PAPER, PROXY, DOOR)

TURNOUT = Fraction(2, 3)  # of the total area and of all owners, reached or passed
MAJORITY = Fraction(1, 2)  # of the participating area and owners, passed (more than half)
THREE_QUARTERS = Fraction(3, 4)  # of the participating area and owners, reached or passed

CODE_DIGITS = 8  # a guess finds one of a thousand households once in 100 000 tries
_CODE_TRIES = 20


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else _utc(moment).isoformat(timespec="microseconds")


def _sha(fields: Iterable[object]) -> str:
    text = "\x1f".join("" if value is None else str(value) for value in fields)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the roll


@dataclass(frozen=True, slots=True)
class RollRow:
    """One household as staff give it: unit, room, registered area, owner, the owner's Telegram id."""

    unit: str
    room: str
    area_centi: int
    owner_name: str
    owner_tg_id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def owner_key(row: RollRow) -> str:
    """Who the owner is for the headcount: their Telegram id when known, else the name on the roll."""
    return (
        f"tg:{row.owner_tg_id}" if row.owner_tg_id is not None else f"name:{' '.join(row.owner_name.split())}"
    )


def _new_code(session: Session) -> str:
    for _ in range(_CODE_TRIES):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = session.exec(select(OwnerHousehold.id).where(OwnerHousehold.claim_code == code)).first()
        if taken is None:
            return code
    raise RuntimeError("no free claim code")  # pragma: no cover - 10^8 codes


def import_roll(
    *, session: Session, building_id: int, rows: Sequence[RollRow], now: datetime
) -> ImportResult:
    """Add or update the building's households (matched by unit and room); households not named stay.

    A household whose owner changed loses its link and gets a new claim code; one whose Telegram id is on
    the roll is linked at once and needs no code.
    """
    added = updated = unchanged = 0
    for row in rows:
        found = session.exec(
            select(OwnerHousehold).where(
                OwnerHousehold.building_id == building_id,
                OwnerHousehold.unit == row.unit,
                OwnerHousehold.room == row.room,
            )
        ).first()
        key = owner_key(row)
        if found is None:
            household = OwnerHousehold(
                building_id=building_id,
                unit=row.unit,
                room=row.room,
                area_centi=row.area_centi,
                owner_name=row.owner_name,
                owner_key=key,
                owner_tg_id=row.owner_tg_id,
                claim_code=None if row.owner_tg_id is not None else _new_code(session),
                created_at=now,
                updated_at=now,
            )
            session.add(household)
            session.flush()  # the next row's code check sees this one's
            added += 1
            continue
        same = (found.area_centi, found.owner_name, found.owner_key) == (row.area_centi, row.owner_name, key)
        if same and (row.owner_tg_id is None or row.owner_tg_id == found.owner_tg_id):
            unchanged += 1
            continue
        if found.owner_key != key:  # another owner: the old link and code no longer speak for them
            found.owner_tg_id, found.claimed_at = None, None
            found.claim_code = _new_code(session)
        if row.owner_tg_id is not None:
            found.owner_tg_id, found.claim_code = row.owner_tg_id, None
        found.area_centi, found.owner_name, found.owner_key, found.updated_at = (
            row.area_centi,
            row.owner_name,
            key,
            now,
        )
        session.add(found)
        session.flush()
        updated += 1
    return ImportResult(added, updated, unchanged)


def households(*, session: Session, building_id: int | None) -> list[OwnerHousehold]:
    """The building's roll (None: every building's), in unit and room order."""
    statement = select(OwnerHousehold)
    if building_id is not None:
        statement = statement.where(OwnerHousehold.building_id == building_id)
    order = (col(OwnerHousehold.building_id), col(OwnerHousehold.unit), col(OwnerHousehold.room))
    return list(session.exec(statement.order_by(*order)))


def claim(*, session: Session, code: str, user_id: int, now: datetime) -> OwnerHousehold | None:
    """Link the household whose one-time code this is to the user; None for a code that is not one."""
    statement = select(OwnerHousehold).where(OwnerHousehold.claim_code == code).with_for_update()
    household = session.exec(statement).first()
    if household is None:
        return None
    household.owner_tg_id, household.claim_code, household.claimed_at = user_id, None, now
    household.updated_at = now
    session.add(household)
    return household


def get_household(*, session: Session, household_id: int) -> OwnerHousehold | None:
    return session.get(OwnerHousehold, household_id)


# --- votes


def _anchor(vote: OwnerVote, roll: Sequence[OwnerVoteRoll]) -> str:
    """The chain's start: the vote's terms and the roll it counts by, so neither can change unseen."""
    fields: list[object] = [
        "owner-vote",
        vote.id,
        vote.building_id,
        vote.matter,
        vote.title,
        vote.question,
        vote.creator_id,
        _iso(vote.created_at),
        _iso(vote.closes_at),
    ]
    for row in sorted(roll, key=lambda r: r.household_id):
        fields += [row.household_id, row.building_id, row.label, row.area_centi, row.owner_key]
    return _sha(fields)


def label_of(household: OwnerHousehold) -> str:
    return f"{household.unit}-{household.room}"


def create_vote(
    *,
    session: Session,
    building_id: int | None,
    matter: str,
    title: str,
    question: str,
    creator_id: int,
    closes_at: datetime,
    now: datetime,
) -> OwnerVote | None:
    """Open a vote on the building's roll (None: the whole compound's); None when that roll is empty."""
    if matter not in MATTERS:
        raise ValueError(f"unknown matter {matter!r}")
    roll = households(session=session, building_id=building_id)
    if not roll:
        return None
    vote = OwnerVote(
        building_id=building_id,
        matter=matter,
        title=title,
        question=question,
        creator_id=creator_id,
        created_at=now,
        closes_at=closes_at,
        anchor_hash="",
        head_hash="",
    )
    session.add(vote)
    session.flush()
    assert vote.id is not None
    copy = [
        OwnerVoteRoll(
            vote_id=vote.id,
            household_id=h.id,
            building_id=h.building_id,
            label=label_of(h),
            area_centi=h.area_centi,
            owner_key=h.owner_key,
        )
        for h in roll
        if h.id is not None
    ]
    session.add_all(copy)
    vote.anchor_hash = vote.head_hash = _anchor(vote, copy)
    session.add(vote)
    session.flush()
    return vote


def get_vote(*, session: Session, vote_id: int, for_update: bool = False) -> OwnerVote | None:
    statement = select(OwnerVote).where(OwnerVote.id == vote_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.exec(statement).first()


def due_votes(*, session: Session, now: datetime, limit: int = 20) -> list[OwnerVote]:
    """Open votes past their deadline, claimed for this transaction (a second process skips them)."""
    statement = (
        select(OwnerVote)
        .where(OwnerVote.status == OwnerVoteStatus.OPEN, col(OwnerVote.closes_at) <= now)
        .order_by(col(OwnerVote.closes_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def roll_of(*, session: Session, vote_id: int) -> list[OwnerVoteRoll]:
    statement = select(OwnerVoteRoll).where(OwnerVoteRoll.vote_id == vote_id)
    return list(session.exec(statement.order_by(col(OwnerVoteRoll.household_id))))


def roll_with_households(*, session: Session, vote_id: int) -> list[tuple[OwnerVoteRoll, OwnerHousehold]]:
    """The vote's copy of the roll beside each household as it is now (its owner's link, its name)."""
    statement = (
        select(OwnerVoteRoll, OwnerHousehold)
        .join(OwnerHousehold, col(OwnerHousehold.id) == col(OwnerVoteRoll.household_id))
        .where(OwnerVoteRoll.vote_id == vote_id)
        .order_by(col(OwnerVoteRoll.building_id), col(OwnerVoteRoll.label))
    )
    return list(session.exec(statement))


def vote_households_of(*, session: Session, vote_id: int, user_id: int) -> list[OwnerVoteRoll]:
    """The households in this vote whose owner is linked to the user (a ballot each)."""
    statement = (
        select(OwnerVoteRoll)
        .join(OwnerHousehold, col(OwnerHousehold.id) == col(OwnerVoteRoll.household_id))
        .where(OwnerVoteRoll.vote_id == vote_id, OwnerHousehold.owner_tg_id == user_id)
        .order_by(col(OwnerVoteRoll.label))
    )
    return list(session.exec(statement))


# --- the ballot chain


def ballot_hash(entry: OwnerBallot, prev_hash: str) -> str:
    """SHA-256 of every field of the entry and the hash of the entry before it."""
    return _sha(
        (
            entry.vote_id,
            entry.seq,
            entry.household_id,
            entry.choice,
            entry.method,
            entry.voter_id,
            entry.entered_by,
            entry.note,
            entry.supersedes,
            _iso(entry.created_at),
            prev_hash,
        )
    )


def entries(*, session: Session, vote_id: int) -> list[OwnerBallot]:
    statement = select(OwnerBallot).where(OwnerBallot.vote_id == vote_id).order_by(col(OwnerBallot.seq))
    return list(session.exec(statement))


def latest_entry(*, session: Session, vote_id: int, household_id: int) -> OwnerBallot | None:
    statement = (
        select(OwnerBallot)
        .where(OwnerBallot.vote_id == vote_id, OwnerBallot.household_id == household_id)
        .order_by(col(OwnerBallot.seq).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def latest_entries(*, session: Session, vote_id: int) -> dict[int, OwnerBallot]:
    """Each household's latest entry: what the tally counts."""
    latest: dict[int, OwnerBallot] = {}
    for entry in entries(session=session, vote_id=vote_id):
        latest[entry.household_id] = entry
    return latest


def cast(
    *,
    session: Session,
    vote_id: int,
    household_id: int,
    choice: str,
    method: str,
    now: datetime,
    voter_id: int | None = None,
    entered_by: int | None = None,
    note: str = "",
) -> OwnerBallot:
    """Append the household's ballot to the vote's chain (superseding its earlier one, if any)."""
    if choice not in CHOICES or method not in METHODS:
        raise ValueError(f"bad ballot {choice!r} / {method!r}")
    vote = get_vote(session=session, vote_id=vote_id, for_update=True)
    if vote is None or vote.status != OwnerVoteStatus.OPEN:
        raise ValueError(f"vote {vote_id} is not open")
    earlier = latest_entry(session=session, vote_id=vote_id, household_id=household_id)
    entry = OwnerBallot(
        vote_id=vote_id,
        seq=vote.head_seq + 1,
        household_id=household_id,
        choice=choice,
        method=method,
        voter_id=voter_id,
        entered_by=entered_by,
        note=note,
        supersedes=earlier.id if earlier is not None else None,
        created_at=now,
        prev_hash=vote.head_hash,
        hash="",
    )
    entry.hash = ballot_hash(entry, vote.head_hash)
    vote.head_seq, vote.head_hash = entry.seq, entry.hash
    session.add_all([entry, vote])
    session.flush()
    return entry


# --- the tally and the rule


@dataclass(frozen=True, slots=True)
class Tally:
    """Every figure, in hundredths of a square metre and in owners (one person with several units: one)."""

    households: int
    total_area: int
    total_owners: int
    voted_households: int
    voted_area: int
    voted_owners: int
    yes_area: int
    yes_owners: int
    no_area: int
    no_owners: int
    abstain_area: int
    abstain_owners: int


def count(roll: Sequence[OwnerVoteRoll], latest: dict[int, OwnerBallot]) -> Tally:
    """Areas by each household's latest ballot; an owner's headcount by their latest ballot of all their
    households (so an owner of two flats who changes their mind on one counts by what they said last)."""
    area: dict[str, int] = defaultdict(int)
    owners: dict[str, int] = defaultdict(int)
    last_of_owner: dict[str, OwnerBallot] = {}
    keys = set()
    for row in roll:
        keys.add(row.owner_key)
        entry = latest.get(row.household_id)
        if entry is None:
            continue
        area[entry.choice] += row.area_centi
        known = last_of_owner.get(row.owner_key)
        if known is None or entry.seq > known.seq:
            last_of_owner[row.owner_key] = entry
    for entry in last_of_owner.values():
        owners[entry.choice] += 1
    voted = [row for row in roll if row.household_id in latest]
    return Tally(
        households=len(roll),
        total_area=sum(row.area_centi for row in roll),
        total_owners=len(keys),
        voted_households=len(voted),
        voted_area=sum(row.area_centi for row in voted),
        voted_owners=len(last_of_owner),
        yes_area=area[YES],
        yes_owners=owners[YES],
        no_area=area[NO],
        no_owners=owners[NO],
        abstain_area=area[ABSTAIN],
        abstain_owners=owners[ABSTAIN],
    )


@dataclass(frozen=True, slots=True)
class Check:
    """One of the four conditions: `part` of `whole` against the threshold; `need` is the least part
    that meets it (an integer, since parts are whole owners or whole hundredths of a square metre)."""

    part: int
    whole: int
    threshold: Fraction
    strict: bool  # more than (过半), or at least (达到)
    need: int
    ok: bool


def check(part: int, whole: int, threshold: Fraction, *, strict: bool) -> Check:
    scaled = whole * threshold.numerator
    need = scaled // threshold.denominator + 1 if strict else -(-scaled // threshold.denominator)
    if whole <= 0:
        ok = False
    else:
        share = Fraction(part, whole)
        ok = share > threshold if strict else share >= threshold
    return Check(part, whole, threshold, strict, need, ok)


@dataclass(frozen=True, slots=True)
class Verdict:
    turnout_area: Check
    turnout_owners: Check
    agree_area: Check
    agree_owners: Check

    @property
    def turnout_ok(self) -> bool:
        return self.turnout_area.ok and self.turnout_owners.ok

    @property
    def agree_ok(self) -> bool:
        return self.agree_area.ok and self.agree_owners.ok

    @property
    def passed(self) -> bool:
        return self.turnout_ok and self.agree_ok


def decide(tally: Tally, matter: str) -> Verdict:
    """民法典 第278条: two thirds of the area and of the owners take part; then more than half of the
    participating area and owners agree, or for raising the maintenance fund, rebuilding and changing the
    use of common parts at least three quarters of both."""
    special = matter in SPECIAL
    threshold, strict = (THREE_QUARTERS, False) if special else (MAJORITY, True)
    return Verdict(
        turnout_area=check(tally.voted_area, tally.total_area, TURNOUT, strict=False),
        turnout_owners=check(tally.voted_owners, tally.total_owners, TURNOUT, strict=False),
        agree_area=check(tally.yes_area, tally.voted_area, threshold, strict=strict),
        agree_owners=check(tally.yes_owners, tally.voted_owners, threshold, strict=strict),
    )


def current_tally(*, session: Session, vote: OwnerVote) -> Tally:
    assert vote.id is not None
    return count(roll_of(session=session, vote_id=vote.id), latest_entries(session=session, vote_id=vote.id))


def _canonical(tally: Tally, passed: bool) -> str:
    return json.dumps({"tally": asdict(tally), "passed": passed}, sort_keys=True, separators=(",", ":"))


def final_hash(vote: OwnerVote, tally: Tally, passed: bool) -> str:
    """The record's seal: the chain's last hash, the figures and the verdict, and when it closed."""
    return _sha(
        (
            "owner-vote-result",
            vote.id,
            vote.head_seq,
            vote.head_hash,
            _canonical(tally, passed),
            _iso(vote.closed_at),
        )
    )


def close_vote(*, session: Session, vote: OwnerVote, now: datetime) -> tuple[Tally, Verdict]:
    """Close the (locked) vote: its figures, its verdict and the final hash are written with it."""
    tally = current_tally(session=session, vote=vote)
    verdict = decide(tally, vote.matter)
    vote.status, vote.closed_at = OwnerVoteStatus.CLOSED, now
    vote.result, vote.passed = asdict(tally), verdict.passed
    vote.final_hash = final_hash(vote, tally, verdict.passed)
    session.add(vote)
    session.flush()
    return tally, verdict


# --- verify


@dataclass(frozen=True, slots=True)
class VoteVerification:
    vote_id: int
    entries: int
    tally: Tally | None
    verdict: Verdict | None
    final_hash: str | None
    problems: list[str]


def verify(*, session: Session, vote_id: int) -> VoteVerification:
    """Recompute the vote's anchor, its chain entry by entry, the tally and the final hash; list every
    place the record disagrees with itself."""
    vote = get_vote(session=session, vote_id=vote_id)
    if vote is None:
        return VoteVerification(vote_id, 0, None, None, None, [f"vote {vote_id} does not exist"])
    problems: list[str] = []
    roll = roll_of(session=session, vote_id=vote_id)
    if _anchor(vote, roll) != vote.anchor_hash:
        problems.append("the vote's terms or its roll do not match the chain's anchor (edited?)")
    members = {row.household_id for row in roll}
    latest: dict[int, OwnerBallot] = {}
    prev, expected = vote.anchor_hash, 1
    record = entries(session=session, vote_id=vote_id)
    for entry in record:
        where = f"entry {entry.seq}"
        if entry.seq != expected:
            problems.append(f"{where}: expected entry {expected} here (one is missing)")
        expected = entry.seq + 1
        if entry.prev_hash != prev:
            problems.append(f"{where}: prev_hash does not match the entry before it")
        if entry.hash != ballot_hash(entry, entry.prev_hash):
            problems.append(f"{where}: its hash does not match its contents (edited?)")
        if entry.household_id not in members:
            problems.append(f"{where}: household {entry.household_id} is not on the vote's roll")
        if entry.choice not in CHOICES or entry.method not in METHODS:
            problems.append(f"{where}: unknown choice {entry.choice!r} or method {entry.method!r}")
        earlier = latest.get(entry.household_id)
        if entry.supersedes != (earlier.id if earlier is not None else None):
            problems.append(f"{where}: does not supersede the household's previous entry")
        latest[entry.household_id] = entry
        prev = entry.hash
    if (vote.head_seq, vote.head_hash) != (expected - 1, prev):
        problems.append("the vote's head does not point at the last entry")
    tally = count(roll, latest)
    verdict = decide(tally, vote.matter)
    if vote.status == OwnerVoteStatus.CLOSED:
        if vote.result != asdict(tally):
            problems.append("the figures recorded at closing differ from the ballots")
        if vote.passed != verdict.passed:
            problems.append("the recorded verdict differs from the ballots")
        if vote.final_hash != final_hash(vote, tally, verdict.passed):
            problems.append("the final hash does not match the record")
    return VoteVerification(vote_id, len(record), tally, verdict, vote.final_hash, problems)
