"""Numbers for staff: /stats, /export, and the weekly report with its chart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import Engine

from handlers.actions import Action, EditMessage, Media, SendMessage, Upload, dump_action
from handlers.context import CoreConfig, Ctx, Scope
from handlers.events import IncomingMessage
from handlers.numbers import texts
from handlers.numbers.summaries import stats_text, weekly_summary
from storage.db import session_scope
from storage.jobs import claim_job
from storage.models import PendingExport
from storage.outbox import enqueue
from storage.stats import (
    ExportRow,
    claim_exports,
    exports_waiting,
    finish_export,
    iter_export,
    notice_message_id,
    queue_export,
    read_snapshot,
    ticket_stats,
)

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
WEEKLY_JOB = "weekly_report"
EXPORT_LEASE = timedelta(minutes=10)  # longer than the largest export takes to build
EXPORT_NOTICE_WAIT = timedelta(minutes=1)  # then the file goes out even if the notice has not


def _reply(msg: IncomingMessage, text: str) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]


def _days(words: list[str], default: int) -> int | None:
    chosen = [PERIODS[w] for w in words if w in PERIODS]
    return chosen[-1] if chosen else default


def _names(scope: Scope) -> dict[str, str]:
    return {c.id: c.name for c in scope.config.classifier.taxonomy.categories}


def stats_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/stats [7d|30d]"""
    words = args.lower().split()
    if any(w not in PERIODS for w in words):
        return _reply(msg, texts.STATS_USAGE)
    days = _days(words, 7)
    stats = ticket_stats(session=ctx.session, since=ctx.now - timedelta(days=days), until=ctx.now)
    return _reply(msg, stats_text(stats, names=_names(ctx), period=f"{days}d", tz=ctx.config.tz))


def export_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/export [30d] [csv]: the tickets and their history as a spreadsheet.

    A big window takes seconds to write, and this update holds the database's write lock: it only says
    正在生成… and queues the export; the clock's next tick builds it (deliver_exports)."""
    words = args.lower().split()
    if any(w not in PERIODS and w != "csv" for w in words):
        return _reply(msg, texts.EXPORT_USAGE)
    days = _days(words, 30)
    notice = enqueue(
        session=ctx.session,
        chat_id=msg.chat.id,
        payload=dump_action(
            SendMessage(
                chat_id=msg.chat.id, text=texts.EXPORT_BUILDING.format(days=days), reply_to=msg.message_id
            )
        ),
        now=ctx.now,
    )
    ctx.session.flush()  # the notice's row id, for editing it once the file is ready
    queue_export(
        session=ctx.session,
        chat_id=msg.chat.id,
        reply_to=msg.message_id,
        user_id=ctx.user.id,
        days=days,
        csv="csv" in words,
        since=ctx.now - timedelta(days=days),
        until=ctx.now,
        notice_outbox_id=notice.id,
        now=ctx.now,
    )
    return []


class _Counted:
    """Rows passed through to the spreadsheet, counted on the way for the caption."""

    def __init__(self, rows: Iterator[ExportRow]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[ExportRow]:
        for row in self.rows:
            self.count += 1
            yield row


def deliver_exports(scope: Scope) -> int:
    """The clock's job: build the queued exports, one per tick, and send them.

    The claim commits first, so the file is built in no write transaction at all: from a read-only
    snapshot (storage.stats.read_snapshot) while updates carry on writing. A process that dies while
    building lets the claim lapse and another builds it. The runtime's export thread (build_exports) does
    the same without waiting for the tick."""
    exports = claim_exports(
        session=scope.session, now=scope.now, lease=EXPORT_LEASE, notice_wait=EXPORT_NOTICE_WAIT
    )
    if not exports:
        return 0
    scope.session.commit()
    engine = scope.session.get_bind()
    assert isinstance(engine, Engine)
    for export in exports:
        data, count = _build(engine, scope.config, export)
        _deliver(scope, export, data, count)
    return len(exports)


def build_exports(engine: Engine, config: CoreConfig, clock: Callable[[], datetime]) -> int:
    """deliver_exports for a thread of its own: claiming and delivering are two short transactions, and
    building the file in between holds neither the write lock nor the thread that handles updates."""
    with read_snapshot(engine) as snapshot:
        if not exports_waiting(session=snapshot):
            return 0  # the usual answer, found without taking the write lock
    with session_scope(engine) as session:
        exports = claim_exports(
            session=session, now=clock(), lease=EXPORT_LEASE, notice_wait=EXPORT_NOTICE_WAIT
        )
    for export in exports:
        data, count = _build(engine, config, export)
        with session_scope(engine) as session:
            _deliver(Scope(session=session, config=config, now=clock()), export, data, count)
    return len(exports)


def _build(engine: Engine, config: CoreConfig, export: PendingExport) -> tuple[bytes, int]:
    from handlers.numbers.export import export_csv, export_xlsx  # openpyxl is only needed here

    names = {c.id: c.name for c in config.classifier.taxonomy.categories}
    with read_snapshot(engine) as snapshot:
        rows = _Counted(iter_export(session=snapshot, since=export.since, until=export.until))
        write = export_csv if export.csv else export_xlsx
        return write(rows, names=names, tz=config.tz), rows.count


def _deliver(scope: Scope, export: PendingExport, data: bytes, count: int) -> None:
    stamp = export.until.astimezone(scope.config.tz).strftime("%Y%m%d")
    name = f"linli-{stamp}-{export.days}d.{'csv' if export.csv else 'xlsx'}"
    scope.later(
        SendMessage(
            chat_id=export.chat_id,
            text=texts.EXPORT_CAPTION.format(days=export.days, count=count),
            reply_to=export.reply_to,
            media=Media(kind="document", upload=Upload.of(name, data)),
        )
    )
    notice = notice_message_id(session=scope.session, export=export)
    if notice is not None:
        ready = texts.EXPORT_READY.format(days=export.days, count=count)
        scope.later(EditMessage(chat_id=export.chat_id, message_id=notice, text=ready))
    finish_export(session=scope.session, export=export, now=scope.now)


def _slot_this_week(now: datetime, scope: Scope) -> datetime | None:
    """This week's report time in local time, or None when reports are off."""
    if scope.config.weekly_slot is None:
        return None
    weekday, at = scope.config.weekly_slot
    local = now.astimezone(scope.config.tz)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime.combine(monday + timedelta(days=weekday), at, tzinfo=scope.config.tz)


def weekly_report(scope: Scope) -> int:
    """Post last week's picture and summary once the slot has come; once per week, by one process."""
    slot = _slot_this_week(scope.now, scope)
    if slot is None or scope.now < slot or scope.config.staff_chat_id is None:
        return 0
    year, week, _ = slot.isocalendar()
    if not claim_job(session=scope.session, job=WEEKLY_JOB, period=f"{year}-W{week:02d}", now=scope.now):
        return 0
    from handlers.numbers.charts import weekly_chart  # matplotlib loads only when a report is due

    stats = ticket_stats(session=scope.session, since=slot - timedelta(days=7), until=scope.now)
    local_start = (slot - timedelta(days=7)).strftime("%m-%d")
    title = texts.WEEKLY_TITLE.format(start=local_start, end=(slot - timedelta(days=1)).strftime("%m-%d"))
    chart = Upload.of(f"weekly-{year}-W{week:02d}.png", weekly_chart(stats, names=_names(scope), title=title))
    summary = f"{title}\n{weekly_summary(stats, names=_names(scope))}"
    scope.later(
        SendMessage(chat_id=scope.config.staff_chat_id, text=summary, media=Media(kind="photo", upload=chart))
    )
    return 1
