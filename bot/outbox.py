"""Delivers the outbox: in order, within Telegram's limits, once, surviving crashes and a second process.

One round: ask the flood limits how many messages may go now and to which chats, claim that many due rows
in a short transaction (`storage.outbox.claim_due`: a lease in `claimed_until`, rows locked with SKIP LOCKED
on PostgreSQL), then send them one at a time outside any transaction, marking each in its own transaction as
soon as its call returns. So a crash can at worst resend the one message whose call had returned but whose
mark was not yet written; rows it had claimed but not sent go out once its lease runs out. Nothing queued
is ever dropped.

While a batch is out, its claim is renewed every third of the lease, so the lease only has to outlast a
stalled process, not the slowest batch: it is short (10 s) and a crashed process holds up its rows only
that long. A renewal that finds a row taken by someone else (our claim lapsed while we stalled) stops us
from sending it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.delivery import BotApi, ChatGone, ChatMoved, DeliveryError, Rejected, RetryLater, Transient, perform
from bot.flood import FloodControl, Slots
from handlers.actions import Action, SendMessage, load_action
from handlers.reports.views import receipts
from storage.chat_moves import move_chat
from storage.db import session_scope, utcnow
from storage.models import OutboxMessage
from storage.outbox import (
    chats_with_due,
    claim_due,
    claim_following_acks,
    mark_dead,
    mark_sent,
    next_change,
    postpone,
    recent_sends,
    release_claims,
    renew_claims,
)
from storage.people import set_chat_active
from storage.tickets import set_cards

log = logging.getLogger(__name__)

BATCH = 100  # rows looked at per claim; at most this many are claimed
# Seconds between looks at the table when nothing is known to come due sooner (another process, which
# does not hold the sending lease, may have queued its updates' answers for us meanwhile).
IDLE_POLL = 1.0
MAX_BACKOFF = 300.0
LEASE = timedelta(seconds=10)
# An update's answers sent at once by its worker are marked sent with the worker's next transaction, so
# answering costs no transaction of its own; a crash meanwhile resends them. That is fine for the few
# answers of one update, not for what one update fans out (a notice to hundreds of groups): a batch larger
# than this marks each row as soon as its call returns, as the sender's own rounds do, so a crash resends
# at most the one message whose call had returned but whose mark was not yet written.
DEFERRED_MARKS = 5
# Other processes judge our claim by their own clocks: we start no send later than this before it runs
# out by ours (or a quarter of the lease, if that is shorter).
CLOCK_SKEW = 2.0


@dataclass
class _Batch:
    rows: list[OutboxMessage]
    until: datetime  # the claimed_until we wrote: renewals and releases only touch rows still carrying it
    expires: float  # monotonic time after which we start no more sends from this batch
    open: set[int] = field(default_factory=set)  # rows not finished with yet
    lost: set[int] = field(default_factory=set)  # rows a renewal found claimed by someone else
    folded: set[int] = field(default_factory=set)  # receipts already sent inside another row's message
    # Where sent marks go when the caller writes them itself (in its next transaction), else None.
    marks: list[Sent] | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """Rows one call delivered, and the message id it got, waiting to be marked sent."""

    rows: tuple[OutboxMessage, ...]
    message_id: int | None


class OutboxSender:
    def __init__(
        self,
        *,
        engine: Engine,
        api: BotApi,
        flood: FloodControl | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        lease: timedelta = LEASE,
        retry_base: float = 1.0,
    ) -> None:
        self.engine = engine
        self.api = api
        self.flood = flood or FloodControl()
        self.clock = clock
        self.monotonic = monotonic
        self.lease = lease
        self.retry_base = retry_base  # first back-off after a 5xx or network error, doubling after that
        # Whether this process holds the sending lease (bot.runtime renews it): only one process sends, so
        # two together stay within Telegram's overall limit.
        self.active = True
        # Rows delivered whose marks their worker writes with its next transaction: nothing waits on them.
        self._unmarked: set[int] = set()
        self._lease_margin = min(CLOCK_SKEW, lease.total_seconds() / 4)
        self.wake = asyncio.Event()
        self._stop: asyncio.Event | None = None

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        while not stop.is_set():
            self.wake.clear()  # before the flush, so a wake during it is not lost
            try:
                pause = await self.flush()
            except Exception:  # a database hiccup must not kill the sender for good
                log.exception("outbox flush failed")
                pause = IDLE_POLL
            if pause <= 0:
                continue
            waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def flush(self) -> float:
        """Send everything due, as fast as the limits allow; return the seconds until more could go.

        With real limits this keeps going while there is work that the limits will let through within a
        second or so (it sleeps for the overall limit itself); it returns when the rest has to wait longer.
        """
        while not self._stopping():
            if not self.active:
                return IDLE_POLL
            slots = self.flood.slots(self.monotonic())
            batch = await asyncio.to_thread(self._claim, slots)
            if not batch.rows:
                return await asyncio.to_thread(self._pause, slots)
            await self._send(batch)
        return IDLE_POLL

    async def set_active(self, active: bool) -> None:
        """Gain or lose the sending lease. On gaining it, learn what was sent lately by whoever held it
        before, so a takeover does not start from an empty history and meet 429s."""
        if active and not self.active:
            window = max(self.flood.limits.group_window, 1.0)
            sends = await asyncio.to_thread(self._recent_sends, window)
            now_wall, now_mono = self.clock(), self.monotonic()
            for chat_id, sent_at in sends:
                self.flood.record(chat_id, now_mono - (now_wall - sent_at).total_seconds())
        self.active = active
        if active:
            self.wake.set()

    def _recent_sends(self, window: float) -> list[tuple[int, datetime]]:
        with session_scope(self.engine) as session:
            return recent_sends(session=session, since=self.clock() - timedelta(seconds=window))

    def room_now(self) -> Slots | None:
        """What may be sent right away (an update's immediate answers), or None if nothing may."""
        if not self.active or self._stopping():
            return None
        now = self.monotonic()
        if self.flood.overall_wait(now) > 0:
            return None
        return self.flood.slots(now)

    def claim_until(self) -> datetime:
        """The lease for rows queued already claimed, to be handed to `send_claimed` at once."""
        return self.clock() + self.lease

    async def send_claimed(self, rows: list[OutboxMessage], until: datetime, marks: list[Sent]) -> None:
        """Send rows queued already claimed by us (an update's answers), as a batch of their own.

        Whatever cannot go now (a 429, a 5xx, a full window) is released or postponed for the sender
        loop, so a chat that must wait never holds up the worker that answers another chat. What went
        out is added to `marks`, for the caller to write with `write_marks` in its next transaction: until
        then our claim keeps the rows from being sent again, and a crash meanwhile resends at most those.
        (A batch of more than DEFERRED_MARKS rows, what a notice fans out, is marked row by row instead.)
        """
        expires = self.monotonic() + self.lease.total_seconds() - self._lease_margin
        batch = _Batch(rows, until, expires, open={row.id for row in rows if row.id is not None}, marks=marks)
        await self._send(batch)

    def unmarked(self) -> frozenset[int]:
        """Rows delivered by this process whose sent marks are not written yet (they wait for nothing)."""
        return frozenset(self._unmarked)

    def marked(self, marks: list[Sent]) -> None:
        """Those marks are committed."""
        self._unmarked -= {row.id or 0 for sent in marks for row in sent.rows}

    def write_marks(self, session: Session, marks: list[Sent]) -> None:
        """Mark delivered rows sent, in the caller's transaction."""
        rows = [(row, sent.message_id) for sent in marks for row in sent.rows]
        mark_sent(
            session=session, sent=[(row.id or 0, message_id) for row, message_id in rows], now=self.clock()
        )
        cards = [
            (row.card_for_ticket_id, row.chat_id, message_id)
            for row, message_id in rows
            if row.card_for_ticket_id is not None and message_id is not None
        ]
        set_cards(session=session, cards=cards)

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # --- one batch

    def _claim(self, slots: Slots) -> _Batch:
        started = self.monotonic()
        now = self.clock()
        until = now + self.lease
        with session_scope(self.engine) as session:
            rows = claim_due(
                session=session,
                now=now,
                until=until,
                # A window's worth: at a window's edge only one slot may be free, but the rest free up
                # one by one within the second, and _send waits for each. Claiming them together spares
                # a claim transaction per message, which would otherwise lag every send by its duration.
                limit=min(self.flood.limits.overall, BATCH),
                skip_chats=slots.blocked.keys(),
                room=slots.room,
                scan=BATCH,
            )
        expires = started + self.lease.total_seconds() - self._lease_margin
        return _Batch(rows, until, expires, open={row.id for row in rows if row.id is not None})

    async def _send(self, batch: _Batch) -> None:
        done = asyncio.Event()
        keeper = asyncio.create_task(self._keep_claimed(batch, done))
        stopped: set[int] = set()  # chats whose next row must wait: nothing later of theirs may go now
        try:
            for row in batch.rows:
                if row.id in batch.folded:
                    continue
                if (
                    row.chat_id in stopped
                    or row.id in batch.lost
                    or self.flood.chat_wait(row.chat_id, self.monotonic()) > 0  # e.g. a 429 in this batch
                    or not await self._overall_slot(paid=bool(row.payload.get("paid_broadcast")))
                ):
                    stopped.add(row.chat_id)
                    continue
                # The slot is ours from here (other workers send meanwhile) until the call is recorded.
                self.flood.begin()
                try:
                    if self.monotonic() >= batch.expires:
                        stopped.add(row.chat_id)
                        continue
                    finished = await self._deliver(row, batch)
                finally:
                    self.flood.end()
                batch.open.discard(row.id or 0)
                if not finished:
                    stopped.add(row.chat_id)
        finally:
            done.set()
            await keeper
            # What we did not get to goes back now rather than when the lease runs out. After a failure
            # (say the database went away) this is best effort: the lease covers it otherwise.
            if batch.open:
                try:
                    await asyncio.to_thread(self._release, batch.open, batch.until)
                except Exception:
                    log.exception("could not release %d claimed outbox rows", len(batch.open))

    async def _overall_slot(self, *, paid: bool = False) -> bool:
        """Sleep until the overall limit (a paid broadcast's, when `paid`) lets one more message go; False
        if we are stopping instead."""
        while (wait := self.flood.overall_wait(self.monotonic(), paid=paid)) > 0 and not self._stopping():
            if self._stop is None:
                await asyncio.sleep(wait)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), wait)
        return not self._stopping()

    async def _keep_claimed(self, batch: _Batch, done: asyncio.Event) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), interval)
            if done.is_set():
                return
            started = self.monotonic()
            until = self.clock() + self.lease
            held = set(batch.open)
            try:
                kept = await asyncio.to_thread(self._renew, held, batch.until, until)
            except Exception:  # the batch stops at `expires` unless a later renewal gets through
                log.exception("could not renew the claim on %d outbox rows", len(held))
                continue
            batch.lost |= held - kept
            batch.until = until
            batch.expires = started + self.lease.total_seconds() - self._lease_margin

    async def _deliver(self, row: OutboxMessage, batch: _Batch) -> bool:
        """One call; True when the row is finished with, so the next row of its chat may follow."""
        try:
            action = load_action(row.payload)
        except ValueError as exc:  # no retry will ever make it readable
            log.error("outbox row %s has an unreadable payload: %s", row.id, exc)
            await asyncio.to_thread(self._give_up, row, f"unreadable payload: {exc}", chat_gone=False)
            return True
        folded: list[OutboxMessage] = []
        if batch.marks is None and isinstance(action, SendMessage) and action.ack_for and row.chat_id < 0:
            # Receipts piled up behind this one (the group was at its limit): one message says them all.
            # (Only in the sender's own rounds: an update's answer sent at once has nothing behind it.)
            folded = await asyncio.to_thread(self._claim_following_acks, row, batch.until)
            if folded:
                numbers = [action.ack_for, *(int(other.payload["ack_for"]) for other in folded)]
                action = SendMessage(chat_id=row.chat_id, text=receipts(numbers))
                batch.folded |= {other.id or 0 for other in folded}
        try:
            message_id = await self._perform(action)
        except RetryLater as exc:
            self.flood.hold(row.chat_id, self.monotonic() + exc.seconds)
            await asyncio.to_thread(self._postpone, row, exc.seconds, str(exc), folded, batch.until)
            return False
        except ChatMoved as exc:
            # Everything queued for the old id (this row too) moves to the new one and goes there next.
            log.info("chat %s became supergroup %s; its messages follow it", row.chat_id, exc.new_chat_id)
            await asyncio.to_thread(self._moved, row, exc.new_chat_id, folded, batch.until)
            return False
        except ChatGone as exc:
            self.flood.record(row.chat_id, self.monotonic())
            await asyncio.to_thread(self._give_up, row, str(exc), chat_gone=True)
            return False
        except Rejected as exc:
            self.flood.record(row.chat_id, self.monotonic())
            log.warning("outbox row %s rejected by Telegram: %s", row.id, exc)
            await asyncio.to_thread(self._give_up, row, str(exc), chat_gone=False)
            return True
        except Transient as exc:
            self.flood.record(row.chat_id, self.monotonic())
            backoff = min(self.retry_base * 2.0**row.attempts, MAX_BACKOFF)
            await asyncio.to_thread(self._postpone, row, backoff, str(exc), folded, batch.until)
            return False
        except Exception as exc:
            # A bug, not Telegram: retrying would hit it again, and if it struck after the message went
            # out, every retry would send it once more. Give up on the row and say so loudly.
            log.exception("outbox row %s failed unexpectedly; giving up on it", row.id)
            self.flood.record(row.chat_id, self.monotonic())
            await asyncio.to_thread(self._give_up, row, f"{type(exc).__name__}: {exc}", chat_gone=False)
            return True
        # Stamped when the call returned: see bot/flood.py for why that needs no safety margin.
        self.flood.record(row.chat_id, self.monotonic())
        sent = Sent((row, *folded), message_id)
        if batch.marks is not None and len(batch.rows) <= DEFERRED_MARKS:
            batch.marks.append(sent)
            self._unmarked |= {r.id or 0 for r in sent.rows}
        else:
            await asyncio.to_thread(self._sent, sent)
        return True

    async def _perform(self, action: Action) -> int | None:
        if not (isinstance(action, SendMessage) and action.pin):
            return await perform(self.api, action)
        # Pin separately: once the message is out, no failure to pin may get it sent a second time.
        message_id = await self.api.send(action)
        try:
            await self.api.pin(action.chat_id, message_id)
        except DeliveryError as exc:
            log.warning("could not pin message %s in %s: %s", message_id, action.chat_id, exc)
        return message_id

    # --- the database side, run in worker threads

    def _pause(self, slots: Slots) -> float:
        """Nothing could be claimed: how long until something might be (a retry, a lapsed claim, a slot)."""
        now = self.clock()
        with session_scope(self.engine) as session:
            change = next_change(session=session, now=now)
            waiting = chats_with_due(session=session, now=now, among=slots.blocked.keys())
        waits = [IDLE_POLL, *(slots.blocked[chat] for chat in waiting)]
        if change is not None:
            waits.append((change - now).total_seconds())
        return max(min(waits), 0.0)

    def _renew(self, ids: set[int], held_until: datetime, until: datetime) -> set[int]:
        with session_scope(self.engine) as session:
            return renew_claims(session=session, ids=ids, held_until=held_until, until=until)

    def _release(self, ids: set[int], held_until: datetime) -> None:
        with session_scope(self.engine) as session:
            release_claims(session=session, ids=ids, held_until=held_until)

    def _claim_following_acks(self, row: OutboxMessage, until: datetime) -> list[OutboxMessage]:
        with session_scope(self.engine) as session:
            return claim_following_acks(session=session, row=row, now=self.clock(), until=until)

    def _sent(self, sent: Sent) -> None:
        with session_scope(self.engine) as session:
            self.write_marks(session, [sent])

    def _postpone(
        self, row: OutboxMessage, seconds: float, error: str, folded: list[OutboxMessage], until: datetime
    ) -> None:
        with session_scope(self.engine) as session:
            postpone(
                session=session, row=row, delay=timedelta(seconds=seconds), error=error, now=self.clock()
            )
            release_claims(session=session, ids={r.id or 0 for r in folded}, held_until=until)

    def _moved(
        self, row: OutboxMessage, new_chat_id: int, folded: list[OutboxMessage], until: datetime
    ) -> None:
        with session_scope(self.engine) as session:
            move_chat(session=session, old_id=row.chat_id, new_id=new_chat_id, now=self.clock())
            postpone(session=session, row=row, delay=timedelta(0), error="chat moved", now=self.clock())
            release_claims(session=session, ids={r.id or 0 for r in folded}, held_until=until)

    def _give_up(self, row: OutboxMessage, error: str, *, chat_gone: bool) -> None:
        with session_scope(self.engine) as session:
            mark_dead(session=session, row=row, error=error)
            if chat_gone:
                set_chat_active(session=session, chat_id=row.chat_id, active=False)
