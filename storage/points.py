"""The points ledger: appends that chain and balance, the reads the feature asks, and `verify`.

Every movement is one entry from one account to another, so all balances sum to zero. Appends take the
chain's head row FOR UPDATE (on SQLite the write lock does the same): entries are chained one after another,
and the balance checks made under that lock cannot be raced by a second request.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from storage.db import conflict_insert, dialect_of
from storage.models import (
    PendingAward,
    PointsBalance,
    PointsEntry,
    PointsHead,
    PointsMonthly,
    Redemption,
    RedemptionStatus,
)

POOL = "pool"  # the community's account: earning is paid from it, so its balance is minus all earned
REWARDS = "rewards"  # where redeemed points go
GENESIS = "0" * 64
REVERSAL = "reversal"
HOLD, REDEEM, REFUND = "hold", "redeem", "refund"


def resident(user_id: int) -> str:
    return f"u:{user_id}"


def held(user_id: int) -> str:
    return f"held:{user_id}"


def _guarded(account: str) -> bool:
    """A resident's account and what they hold never go below zero; the pool pays for everything."""
    return account.startswith(("u:", "held:"))


class NotEnoughPoints(Exception):
    """The account that would pay has fewer points than the entry moves."""

    def __init__(self, account: str, balance: int) -> None:
        super().__init__(f"{account} has {balance}")
        self.balance = balance


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def entry_hash(entry: PointsEntry, prev_hash: str) -> str:
    """SHA-256 of every field of the entry and the previous entry's hash."""
    fields = (
        entry.id,
        entry.from_account,
        entry.to_account,
        entry.amount,
        entry.rule,
        entry.key,
        entry.user_id,
        entry.building_id,
        entry.ref,
        entry.granted_by,
        entry.approved_by,
        entry.reverses,
        entry.note,
        _utc(entry.created_at).isoformat(timespec="microseconds"),
        entry.month,
        prev_hash,
    )
    text = "\x1f".join("" if value is None else str(value) for value in fields)
    return hashlib.sha256(text.encode()).hexdigest()


_LOCKED = "linli.points_head_locked"


def lock_ledger(*, session: Session) -> PointsHead:
    """Take the chain's head for this transaction: every later check and append is then ours alone."""
    transaction = session.get_transaction()
    held = session.info.get(_LOCKED)
    if held is not None and held[0] is transaction:
        return held[1]  # this transaction holds it already
    statement = select(PointsHead).where(PointsHead.id == 1).with_for_update()
    head = session.exec(statement.execution_options(populate_existing=True)).first()
    if head is not None:
        session.info[_LOCKED] = (transaction, head)
        return head
    # The migration writes the head; a database emptied table by table (tests do) gets it back here.
    table = PointsHead.__table__  # type: ignore[attr-defined]
    session.execute(
        conflict_insert(dialect_of(session), table)
        .values(id=1, seq=0, hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    head = session.exec(statement.execution_options(populate_existing=True)).one()
    session.info[_LOCKED] = (transaction, head)
    return head


def _monthly_row(session: Session, entry: PointsEntry) -> PointsMonthly:
    assert entry.user_id is not None
    key = (entry.month, entry.building_id or 0, entry.user_id)
    row = session.get(PointsMonthly, key)
    if row is None:  # no race: the caller holds the ledger lock
        row = PointsMonthly(month=key[0], building_id=key[1], user_id=key[2])
    return row


def entry_by_key(*, session: Session, key: str) -> PointsEntry | None:
    return session.exec(select(PointsEntry).where(PointsEntry.key == key)).first()


def post(
    *,
    session: Session,
    from_account: str,
    to_account: str,
    amount: int,
    rule: str,
    now: datetime,
    key: str | None = None,
    user_id: int | None = None,
    building_id: int | None = None,
    ref: str | None = None,
    granted_by: int | None = None,
    approved_by: int | None = None,
    reverses: int | None = None,
    note: str = "",
    month: str | None = None,
) -> PointsEntry | None:
    """Append one entry; None when `key` was paid before. Raises NotEnoughPoints, changing nothing.

    `month` ("2026-11") is the community's local month of `now`, which the monthly rank counts in; by default
    the UTC month."""
    if amount <= 0:
        raise ValueError("an entry moves a positive amount")
    head = lock_ledger(session=session)
    if key is not None and entry_by_key(session=session, key=key) is not None:
        return None
    rows = {
        row.account: row
        for row in session.exec(
            select(PointsBalance).where(col(PointsBalance.account).in_([from_account, to_account]))
        )
    }
    payer = rows.get(from_account) or PointsBalance(account=from_account)  # no race: we hold the lock
    if _guarded(from_account) and payer.balance < amount:
        raise NotEnoughPoints(from_account, payer.balance)
    entry = PointsEntry(
        id=head.seq + 1,
        from_account=from_account,
        to_account=to_account,
        amount=amount,
        rule=rule,
        key=key,
        user_id=user_id,
        building_id=building_id,
        ref=ref,
        granted_by=granted_by,
        approved_by=approved_by,
        reverses=reverses,
        note=note,
        created_at=now,
        month=month or _utc(now).strftime("%Y-%m"),
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(entry, head.hash)
    payee = rows.get(to_account) or PointsBalance(account=to_account)
    payer.balance -= amount
    payee.balance += amount
    if from_account == POOL:
        payee.earned += amount
    elif to_account == POOL:
        payer.earned -= amount
    if user_id is not None and POOL in (from_account, to_account):
        monthly = _monthly_row(session, entry)
        monthly.earned += amount if from_account == POOL else -amount
        session.add(monthly)
    head.seq, head.hash = entry.id, entry.hash
    session.add_all([entry, payer, payee, head])
    session.flush()
    return entry


def reverse(
    *,
    session: Session,
    entry: PointsEntry,
    now: datetime,
    granted_by: int | None,
    note: str,
    month: str | None = None,
) -> PointsEntry | None:
    """Take back what `entry` paid, as far as the resident still has it; None when reversed before or
    nothing is left. The reversal names the entry it corrects."""
    lock_ledger(session=session)
    available = balance(session=session, account=entry.to_account)
    amount = min(entry.amount, available) if _guarded(entry.to_account) else entry.amount
    if amount <= 0:
        return None
    return post(
        session=session,
        from_account=entry.to_account,
        to_account=entry.from_account,
        amount=amount,
        rule=REVERSAL,
        key=f"{REVERSAL}:{entry.id}",
        user_id=entry.user_id,
        building_id=entry.building_id,
        ref=entry.ref,
        granted_by=granted_by,
        reverses=entry.id,
        note=note,
        now=now,
        month=month,
    )


def get_entry(*, session: Session, entry_id: int) -> PointsEntry | None:
    return session.get(PointsEntry, entry_id)


def reversal_of(*, session: Session, entry_id: int) -> PointsEntry | None:
    return entry_by_key(session=session, key=f"{REVERSAL}:{entry_id}")


# --- reads


def balance(*, session: Session, account: str) -> int:
    row = session.get(PointsBalance, account)
    return row.balance if row is not None else 0


@dataclass(frozen=True, slots=True)
class Standing:
    balance: int  # what the resident can spend now
    held: int  # what pending redemptions hold
    earned: int  # all ever earned, less reversals: the level


def standing(*, session: Session, user_id: int) -> Standing:
    rows = {
        row.account: row
        for row in session.exec(
            select(PointsBalance).where(col(PointsBalance.account).in_([resident(user_id), held(user_id)]))
        )
    }
    own, hold = rows.get(resident(user_id)), rows.get(held(user_id))
    return Standing(
        balance=own.balance if own else 0, held=hold.balance if hold else 0, earned=own.earned if own else 0
    )


def _signed_for(user_id: int):
    """+amount for entries into the resident's own account, −amount for entries out of it."""
    account = resident(user_id)
    return case(
        (PointsEntry.to_account == account, PointsEntry.amount),
        (PointsEntry.from_account == account, -PointsEntry.amount),
        else_=0,
    )


def recent_entries(*, session: Session, user_id: int, limit: int = 10) -> list[PointsEntry]:
    """The resident's last entries (holds and refunds included), newest first."""
    statement = (
        select(PointsEntry)
        .where(PointsEntry.user_id == user_id)
        .order_by(col(PointsEntry.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def entries_between(*, session: Session, user_id: int, since: datetime, until: datetime) -> list[PointsEntry]:
    statement = (
        select(PointsEntry)
        .where(
            PointsEntry.user_id == user_id,
            PointsEntry.created_at >= since,
            PointsEntry.created_at < until,
        )
        .order_by(col(PointsEntry.id))
    )
    return list(session.exec(statement))


def balance_before(*, session: Session, user_id: int, moment: datetime) -> int:
    statement = select(func.coalesce(func.sum(_signed_for(user_id)), 0)).where(
        PointsEntry.user_id == user_id, PointsEntry.created_at < moment
    )
    return int(session.exec(statement).one())


def earned_by_rule(
    *, session: Session, user_id: int, rule: str, day: datetime, month: datetime
) -> tuple[int, int]:
    """What `rule` paid the resident since `day` and since `month` (for its caps), in one read."""
    today = func.coalesce(func.sum(case((PointsEntry.created_at >= day, PointsEntry.amount), else_=0)), 0)
    statement = select(today, func.coalesce(func.sum(PointsEntry.amount), 0)).where(
        PointsEntry.user_id == user_id,
        PointsEntry.rule == rule,
        PointsEntry.from_account == POOL,
        PointsEntry.created_at >= min(day, month),
    )
    paid_today, paid_month = session.exec(statement).one()
    return int(paid_today), int(paid_month)


def given_to(*, session: Session, giver_id: int, user_id: int, rule: str, since: datetime) -> int:
    """What one staff member gave one resident by hand under `rule` since then (its pair cap)."""
    statement = select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
        PointsEntry.granted_by == giver_id,
        PointsEntry.user_id == user_id,
        PointsEntry.rule == rule,
        PointsEntry.from_account == POOL,
        PointsEntry.created_at >= since,
    )
    return int(session.exec(statement).one())


def monthly_ranking(
    *, session: Session, month: str, building_id: int | None = None, limit: int = 10
) -> list[tuple[int, int]]:
    """(user id, points earned in `month`) best first; within one building when it is given."""
    if building_id is not None:
        statement = (
            select(PointsMonthly.user_id, PointsMonthly.earned)
            .where(
                PointsMonthly.month == month,
                PointsMonthly.building_id == building_id,
                PointsMonthly.earned > 0,
            )
            .order_by(col(PointsMonthly.earned).desc(), col(PointsMonthly.user_id))
            .limit(limit)
        )
        return [(int(u), int(p)) for u, p in session.exec(statement)]
    earned = func.sum(PointsMonthly.earned).label("earned")
    statement = (
        select(PointsMonthly.user_id, earned)
        .where(PointsMonthly.month == month)
        .group_by(PointsMonthly.user_id)
        .having(earned > 0)
        .order_by(earned.desc(), col(PointsMonthly.user_id))
        .limit(limit)
    )
    return [(int(u), int(p)) for u, p in session.exec(statement)]


def monthly_place(
    *, session: Session, month: str, user_id: int, building_id: int | None
) -> tuple[int, int] | None:
    """(place, points) of the resident in the month's rank of their building (or the community); None when
    they earned nothing. Residents with as many points share a place."""
    mine = select(func.coalesce(func.sum(PointsMonthly.earned), 0)).where(
        PointsMonthly.month == month, PointsMonthly.user_id == user_id
    )
    if building_id is not None:
        mine = mine.where(PointsMonthly.building_id == building_id)
    points = int(session.exec(mine).one())
    if points <= 0:
        return None
    if building_id is not None:
        ahead = select(func.count()).where(
            PointsMonthly.month == month,
            PointsMonthly.building_id == building_id,
            PointsMonthly.earned > points,
        )
    else:
        totals = (
            select(func.sum(PointsMonthly.earned).label("earned"))
            .where(PointsMonthly.month == month)
            .group_by(PointsMonthly.user_id)
            .subquery()
        )
        ahead = select(func.count()).select_from(totals).where(totals.c.earned > points)
    return int(session.exec(ahead).one()) + 1, points


# --- redemptions


def stock_taken(*, session: Session, reward: str) -> int:
    """Requests of a reward that hold or took one of its stock."""
    statement = select(func.count()).where(
        Redemption.reward == reward,
        col(Redemption.status).in_([RedemptionStatus.PENDING, RedemptionStatus.APPROVED]),
    )
    return int(session.exec(statement).one())


class OutOfStock(Exception):
    pass


def request_redemption(
    *,
    session: Session,
    user_id: int,
    building_id: int | None,
    reward: str,
    price: int,
    stock: int | None,
    now: datetime,
    source: str | None = None,
) -> tuple[Redemption, bool]:
    """(the request, whether it is new): the price is held from the resident's account for a new one.
    Raises NotEnoughPoints or OutOfStock.

    `source` names what asked (the confirm message): asking again from it returns the same request, so a
    double press or a redelivered update never asks twice.
    """
    lock_ledger(session=session)
    key = f"{HOLD}:{source}" if source is not None else None
    if key is not None and (earlier := entry_by_key(session=session, key=key)) is not None:
        return session.exec(select(Redemption).where(Redemption.hold_entry_id == earlier.id)).one(), False
    if stock is not None and stock_taken(session=session, reward=reward) >= stock:
        raise OutOfStock(reward)
    # Checked before the request row exists, so a refusal leaves nothing behind in the transaction.
    if (have := balance(session=session, account=resident(user_id))) < price:
        raise NotEnoughPoints(resident(user_id), have)
    request = Redemption(user_id=user_id, reward=reward, price=price, hold_entry_id=0, requested_at=now)
    session.add(request)
    session.flush()
    hold = post(
        session=session,
        from_account=resident(user_id),
        to_account=held(user_id),
        amount=price,
        rule=HOLD,
        key=key or f"{HOLD}:request:{request.id}",
        user_id=user_id,
        building_id=building_id,
        ref=f"reward:{reward}",
        note=str(request.id),
        now=now,
    )
    assert hold is not None  # the key is new: checked above under the same lock
    request.hold_entry_id = hold.id
    session.add(request)
    return request, True


def get_redemption(*, session: Session, redemption_id: int, for_update: bool = False) -> Redemption | None:
    statement = select(Redemption).where(Redemption.id == redemption_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def decide_redemption(
    *,
    session: Session,
    request: Redemption,
    approve: bool,
    by: int,
    now: datetime,
    code: str | None = None,
    reason: str | None = None,
) -> None:
    """Approval pays the held points to the rewards account; rejection gives them back."""
    lock_ledger(session=session)
    rule = REDEEM if approve else REFUND
    post(
        session=session,
        from_account=held(request.user_id),
        to_account=REWARDS if approve else resident(request.user_id),
        amount=request.price,
        rule=rule,
        key=f"{rule}:{request.id}",
        user_id=request.user_id,
        ref=f"reward:{request.reward}",
        granted_by=by,
        note=reason or str(request.id),
        now=now,
    )
    request.status = RedemptionStatus.APPROVED if approve else RedemptionStatus.REJECTED
    request.code, request.reason, request.decided_at, request.decided_by = code, reason, now, by
    session.add(request)


# --- awards waiting for a second staff member


def queue_award(
    *,
    session: Session,
    key: str,
    giver_id: int,
    user_id: int,
    rule: str,
    amount: int,
    note: str,
    now: datetime,
) -> tuple[PendingAward, bool]:
    """(the pending award, whether it is new): a redelivered /award finds the one it queued."""
    found = session.exec(select(PendingAward).where(PendingAward.key == key)).first()
    if found is not None:
        return found, False
    award = PendingAward(
        key=key, giver_id=giver_id, user_id=user_id, rule=rule, amount=amount, note=note, requested_at=now
    )
    session.add(award)
    session.flush()
    return award, True


def get_pending_award(*, session: Session, award_id: int) -> PendingAward | None:
    statement = select(PendingAward).where(PendingAward.id == award_id).with_for_update()
    return session.exec(statement).first()


# --- /points_review


def frequent_pairs(*, session: Session, since: datetime, at_least: int) -> list[tuple[int, int, int, int]]:
    """(giver, receiver, awards, points) for staff who gave one resident `at_least` awards since then."""
    count = func.count().label("awards")
    statement = (
        select(PointsEntry.granted_by, PointsEntry.user_id, count, func.sum(PointsEntry.amount))
        .where(
            col(PointsEntry.granted_by).is_not(None),
            PointsEntry.from_account == POOL,
            PointsEntry.created_at >= since,
        )
        .group_by(PointsEntry.granted_by, PointsEntry.user_id)
        .having(count >= at_least)
        .order_by(count.desc())
    )
    return [(int(g), int(u), int(n), int(p)) for g, u, n, p in session.exec(statement)]


def rule_totals(*, session: Session, since: datetime) -> list[tuple[int, str, int]]:
    """(resident, rule, points) earned since then, for comparing with the caps."""
    statement = (
        select(PointsEntry.user_id, PointsEntry.rule, func.sum(PointsEntry.amount))
        .where(PointsEntry.from_account == POOL, PointsEntry.created_at >= since)
        .group_by(PointsEntry.user_id, PointsEntry.rule)
    )
    return [(int(u), str(r), int(p)) for u, r, p in session.exec(statement) if u is not None]


# --- verify


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    accounts: int
    problems: list[str]


def _all_entries(session: Session) -> Iterator[PointsEntry]:
    statement = select(PointsEntry).order_by(col(PointsEntry.id)).execution_options(yield_per=5000)
    yield from session.exec(statement)


def verify(*, session: Session) -> Verification:
    """Recompute the chain and every balance from the entries; list every place they disagree."""
    problems: list[str] = []
    balances: dict[str, int] = defaultdict(int)
    earned: dict[str, int] = defaultdict(int)
    monthly: dict[tuple[str, int, int], int] = defaultdict(int)
    prev, expected_id, count = GENESIS, 1, 0
    for entry in _all_entries(session):
        count += 1
        if entry.id != expected_id:
            problems.append(f"entry {entry.id}: expected entry {expected_id} here (one is missing)")
        expected_id = entry.id + 1
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.id}: prev_hash does not match the entry before it")
        if entry.hash != entry_hash(entry, entry.prev_hash):
            problems.append(f"entry {entry.id}: its hash does not match its contents (edited?)")
        if entry.amount <= 0:
            problems.append(f"entry {entry.id}: amount {entry.amount} is not positive")
        prev = entry.hash
        balances[entry.from_account] -= entry.amount
        balances[entry.to_account] += entry.amount
        if entry.from_account == POOL:
            earned[entry.to_account] += entry.amount
        elif entry.to_account == POOL:
            earned[entry.from_account] -= entry.amount
        if entry.user_id is not None and POOL in (entry.from_account, entry.to_account):
            sign = 1 if entry.from_account == POOL else -1
            monthly[(entry.month, entry.building_id or 0, entry.user_id)] += sign * entry.amount
    head = session.get(PointsHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if head_seq != expected_id - 1 or head_hash != prev:
        problems.append("the chain's head does not point at the last entry")
    if sum(balances.values()) != 0:
        problems.append(f"the accounts sum to {sum(balances.values())}, not 0")
    cached = {row.account: row for row in session.exec(select(PointsBalance))}
    for account in sorted(set(balances) | set(cached)):
        row = cached.get(account)
        have, want = (row.balance if row else 0), balances.get(account, 0)
        if have != want:
            problems.append(f"account {account}: balance {have} recorded, {want} by the entries")
        if row is not None and row.earned != earned.get(account, 0):
            problems.append(
                f"account {account}: earned {row.earned} recorded, {earned[account]} by the entries"
            )
        if _guarded(account) and want < 0:
            problems.append(f"account {account}: below zero ({want})")
    recorded = {(r.month, r.building_id, r.user_id): r.earned for r in session.exec(select(PointsMonthly))}
    for key in sorted(set(monthly) | set(recorded)):
        if recorded.get(key, 0) != monthly.get(key, 0):
            month, building, user = key
            problems.append(
                f"month {month}, building {building}, user {user}: {recorded.get(key, 0)} earned recorded, "
                f"{monthly.get(key, 0)} by the entries"
            )
    return Verification(entries=count, accounts=len(balances), problems=problems)
