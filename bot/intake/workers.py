"""Workers: take updates from the inbox, a chat at a time, and run each through the core.

Each worker claims a run of one chat's updates and handles them in order, so a chat's updates never
overtake each other while other chats go on in other workers. One update is one transaction: the core's
effects, its answers queued in the outbox and the inbox row marked done commit together, so a crash at any
point either redoes the update from scratch or finds it done. Whatever the update queued that may go now
(its answers, and the staff card or notices it caused) is claimed in that transaction and sent by the worker
right after the commit; the rest (the chat is at its limit, or something queued earlier for it still
waits) is left to the outbox sender. Nothing is waited out here, so a chat
that must wait holds up no other chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.delivery import BotApi, DeliveryError
from bot.flood import Slots
from bot.intake.updates import Unreadable, to_event
from bot.outbox import OutboxSender, Sent
from handlers import texts
from handlers.actions import AnswerButton, dump_action
from handlers.core import Core
from handlers.events import ButtonPress, Event, IncomingMessage
from handlers.owners.roll import wants_content
from storage.db import insert_rows, session_scope
from storage.inbox import claim, finish, release
from storage.models import InboxUpdate, OutboxMessage
from storage.outbox import chats_waiting, enqueue, queued_in

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=20)
RUN = 20  # updates of one chat claimed together
IDLE = 1.0  # seconds between looks at the inbox when nobody says something arrived
TOAST_TIMEOUT = 1.0  # Telegram drops late answers to a button press: within a second or not at all
DOWNLOAD_TIMEOUT = 8.0  # seconds for a document's content; well inside the claim's lease
BATCH = 32  # updates handled in one transaction at most


@dataclass(slots=True)
class Handled:
    toasts: list[AnswerButton]
    claimed: list[OutboxMessage]  # answers queued already claimed, to send now
    until: datetime
    left: bool  # something queued is left for the outbox sender


@dataclass(frozen=True, slots=True)
class Failure:
    """An update whose handling raised: the error's kind and its traceback, for the inbox row."""

    kind: str
    trace: str


@dataclass(slots=True)
class _Job:
    row: InboxUpdate
    event: Event | None
    marks: list[Sent]  # its worker's answers delivered and not marked sent yet: written with it
    done: asyncio.Future[Handled | Failure]


class Workers:
    def __init__(
        self,
        *,
        engine: Engine,
        core: Core,
        api: BotApi,
        sender: OutboxSender,
        holder: str,
        count: int,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.core = core
        self.api = api
        self.sender = sender
        self.holder = holder
        self.count = count
        self.clock = clock
        self._handed: deque[InboxUpdate] = deque()  # claimed as they were stored, for the next free worker
        self._stopping = False
        self._idle: list[asyncio.Event] = []  # one per worker waiting for work, longest waiting first
        self._unclaimed_wakes = 0  # arrivals announced while no worker was waiting: the next to wait looks
        self.handled = 0  # updates finished by this process (for `linli status` and benchmarks)
        self._jobs: list[_Job] = []  # brought by workers, for the next transaction
        self._writer: asyncio.Task[None] | None = None

    def claim_for(self) -> tuple[str, datetime] | None:
        """Who claims updates as they are stored, to start on them at once (None: stopping)."""
        if self._stopping:
            return None
        return self.holder, self.clock() + LEASE

    def arrived(self, count: int, claimed: list[InboxUpdate]) -> None:
        """`count` updates were stored, `claimed` of them already for us: hand those to idle workers."""
        self._handed.extend(claimed)
        self.notify(count)

    def notify(self, count: int = 1) -> None:
        """`count` updates were stored: wake that many idle workers (waking all would have each of them
        run a claim for one update)."""
        for _ in range(count):
            if self._idle:
                self._idle.pop(0).set()
            else:
                self._unclaimed_wakes = min(self._unclaimed_wakes + 1, self.count)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await asyncio.gather(*(self._work(stop) for _ in range(self.count)))
        finally:
            self._stopping = True
            if self._handed:  # stored and claimed for us, never started: back to the inbox for anyone
                left = {row.id or 0 for row in self._handed}
                self._handed.clear()
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self._release, left)

    async def _work(self, stop: asyncio.Event) -> None:
        # Answers this worker delivered but has not marked sent yet: written with its next transaction.
        marks: list[Sent] = []
        while not stop.is_set():
            if self._handed:
                rows = [self._handed.popleft()]
            else:
                try:
                    rows = await asyncio.to_thread(self._claim)
                except Exception as exc:  # the database may be back in a moment
                    log.warning("could not claim updates from the inbox: %s", type(exc).__name__)
                    rows = []
            if not rows:
                if marks:  # nothing else to do: write them now rather than with the next update
                    await self._write_marks(marks)
                await self._wait_for_work(stop)
                continue
            deadline = time.monotonic() + LEASE.total_seconds() / 2
            left = {row.id or 0 for row in rows}
            try:
                for row in rows:
                    # Past half the lease another process may take the chat over: hand the rest back.
                    if stop.is_set() or time.monotonic() > deadline:
                        break
                    await self._one(row, marks)
                    left.discard(row.id or 0)
            except Exception:
                log.exception("worker failed; its claimed updates go back to the inbox")
            finally:
                if left:
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(self._release, left)
        if marks:  # stopping: what went out is marked, so a restart does not send it again
            await self._write_marks(marks)

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        if self._unclaimed_wakes:  # something arrived while we were claiming: look again at once
            self._unclaimed_wakes -= 1
            return
        woken = asyncio.Event()
        self._idle.append(woken)
        waiters = [asyncio.ensure_future(woken.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=IDLE, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if woken in self._idle:
            self._idle.remove(woken)

    # --- one update

    async def _one(self, row: InboxUpdate, marks: list[Sent]) -> None:
        try:
            event = to_event(row.payload)
        except Unreadable as exc:
            await self._failed(row, None, f"unreadable update: {exc}", kind="Unreadable")
            return
        event = await self._fetch(event)
        handled = await self._handled(row, event, marks)
        if isinstance(handled, Failure):
            await self._failed(row, event, handled.trace, kind=handled.kind)
            return
        self.handled += 1
        for toast in handled.toasts:
            await self._toast(toast)
        if handled.claimed:
            await self.sender.send_claimed(handled.claimed, handled.until, marks)
        if handled.left:
            self.sender.wake.set()  # what has to wait its turn

    def _handled(
        self, row: InboxUpdate, event: Event | None, marks: list[Sent]
    ) -> asyncio.Future[Handled | Failure]:
        """The update handled, in the next transaction, together with whatever the other workers bring."""
        done: asyncio.Future[Handled | Failure] = asyncio.get_running_loop().create_future()
        self._jobs.append(_Job(row, event, marks, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_jobs())
        return done

    async def _write_jobs(self) -> None:
        while self._jobs:
            jobs, self._jobs = self._jobs[:BATCH], self._jobs[BATCH:]
            slots, until = self.sender.room_now(), self.sender.claim_until()
            try:
                results = await asyncio.to_thread(self._handle_all, jobs, slots, until)
            except BaseException as exc:  # the thread pool is gone (shutting down): nobody may wait for ever
                for job in jobs:
                    if not job.done.done():
                        job.done.set_exception(exc)
                raise
            for job, result in zip(jobs, results, strict=True):
                if not job.done.done():
                    job.done.set_result(result)

    def _handle_all(self, jobs: list[_Job], slots: Slots | None, until: datetime) -> list[Handled | Failure]:
        if len(jobs) > 1:
            try:
                return self._handle_together(jobs, slots, until)
            except Exception:  # one of them raised: each again on its own, so only that one fails
                log.debug("a batch of %d updates failed; handling them one by one", len(jobs))
        results: list[Handled | Failure] = []
        for job in jobs:
            try:
                results.extend(self._handle_together([job], slots, until))
            except Exception as exc:
                results.append(Failure(type(exc).__name__, traceback.format_exc()))
        return results

    def _handle_together(self, jobs: list[_Job], slots: Slots | None, until: datetime) -> list[Handled]:
        """The updates one after the other in one transaction; each one's answers and what may go now."""
        marks = [sent for job in jobs for sent in job.marks]
        handled = []
        with session_scope(self.engine) as session:
            self.sender.write_marks(session, marks)
            for job in jobs:
                start = len(queued_in(session))
                now = self.clock()
                mine = finish(session=session, inbox_id=job.row.id or 0, now=now)
                actions = self.core.handle_in(session, job.event) if mine and job.event is not None else []
                toasts = [action for action in actions if isinstance(action, AnswerButton)]
                answered = {
                    enqueue(
                        session=session, chat_id=action.chat_id, payload=dump_action(action), now=now
                    ).chat_id
                    for action in actions
                    if not isinstance(action, AnswerButton)
                }
                queued = queued_in(session)[start:]
                claimed = self._claim_queued(session, queued, slots, until)
                # Chats with the update's own answers first: they are what someone is waiting for. Within
                # a chat the order stays the order queued.
                claimed.sort(key=lambda row: (row.chat_id not in answered, row.id or 0))
                handled.append(Handled(toasts, claimed, until, len(queued) > len(claimed)))
        self.sender.marked(marks)
        for job in jobs:
            job.marks.clear()  # committed
        return handled

    def _claim_queued(
        self, session: Session, rows: list[OutboxMessage], slots: Slots | None, until: datetime
    ) -> list[OutboxMessage]:
        """Of everything an update queued (answers, staff cards, notices), claim what may go now.

        A chat's rows go now only when it has room and nothing queued before this update still waits for
        it (what an update before it in the same transaction queued included); otherwise they wait their
        turn in the outbox, behind what is already there.
        """
        claimed: list[OutboxMessage] = []
        if slots is not None and rows:
            roomy = {row.chat_id for row in rows if slots.room(row.chat_id) > 0}
            # Rows a query's autoflush wrote already are the update's own too; the rest are not written
            # yet, so they are claimed before they are: one INSERT each, and no UPDATE of the claim after.
            ours = {row.id for row in rows if row.id is not None}
            free = roomy - chats_waiting(session=session, chats=roomy, ignore=self.sender.unmarked() | ours)
            claimed = [row for row in rows if row.chat_id in free]
            for row in claimed:
                row.claimed_until = until
        insert_rows(session, [row for row in rows if row.id is None])  # ids, in the order queued
        return claimed

    async def _fetch(self, event: Event | None) -> Event | None:
        """A small roll file sent privately comes with its content: the core does no network I/O.

        A failed download is not an error of the update: the event goes on without the content and the
        handler says the file did not arrive, so the sender hears at once and sends it again (failing the
        update instead would leave them waiting for a reply that only an operator's retry could give).
        """
        if not isinstance(event, IncomingMessage) or not event.chat.is_private:
            return event
        document = event.document
        if document is None or not wants_content(document):
            return event
        try:
            data = await asyncio.wait_for(self.api.download(document.file_id), DOWNLOAD_TIMEOUT)
        except Exception as exc:  # network, 5xx, 429, a timeout: logged by kind, never the content
            log.warning("update %s: could not download its document: %s", event.update_id, type(exc).__name__)
            return event
        return replace(event, document=replace(document, data=data))

    async def _toast(self, toast: AnswerButton) -> None:
        try:
            await asyncio.wait_for(self.api.answer(toast), TOAST_TIMEOUT)
        except (DeliveryError, TimeoutError) as exc:
            log.info("button answer %s not delivered: %s", toast.callback_id, type(exc).__name__)

    async def _failed(self, row: InboxUpdate, event: Event | None, error: str, *, kind: str) -> None:
        # Once, at WARNING, and without the update's text: the error itself is kept in the inbox row.
        log.warning("update %s failed (%s); see `linli inbox --failed`", row.update_id, kind)
        try:
            await asyncio.to_thread(self._mark_failed, row, error)
        except Exception as exc:  # the claim runs out and the update is tried again then
            log.warning("could not mark update %s failed: %s", row.update_id, type(exc).__name__)
            return
        if isinstance(event, ButtonPress):
            await self._toast(AnswerButton(callback_id=event.callback_id, text=texts.INTERNAL_ERROR))

    # --- the database side, in worker threads

    def _claim(self) -> list[InboxUpdate]:
        now = self.clock()
        with session_scope(self.engine) as session:
            return claim(
                session=session, now=now, until=now + LEASE, holder=self.holder, chats=1, per_chat=RUN
            )

    async def _write_marks(self, marks: list[Sent]) -> None:
        try:
            await asyncio.to_thread(self._write, marks)
        except Exception as exc:  # our claim runs out and the outbox sends them again: a repeat, not a loss
            log.warning("could not mark %d answers sent: %s", len(marks), type(exc).__name__)
        marks.clear()

    def _write(self, marks: list[Sent]) -> None:
        with session_scope(self.engine) as session:
            self.sender.write_marks(session, marks)
        self.sender.marked(marks)

    def _mark_failed(self, row: InboxUpdate, error: str) -> None:
        with session_scope(self.engine) as session:
            finish(session=session, inbox_id=row.id or 0, now=self.clock(), error=error)

    def _release(self, ids: set[int]) -> None:
        with session_scope(self.engine) as session:
            release(session=session, ids=ids, holder=self.holder)
