"""Numbers for staff: /stats, /export, and the weekly report with its chart."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.actions import Action, Media, SendMessage, Upload
from handlers.context import Ctx, Scope
from handlers.events import IncomingMessage
from handlers.numbers import texts
from handlers.numbers.summaries import stats_text, weekly_summary
from storage.jobs import claim_job
from storage.stats import ticket_stats, tickets_for_export

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
WEEKLY_JOB = "weekly_report"


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
    """/export [30d] [csv]: the tickets and their history as a spreadsheet."""
    from handlers.numbers.export import export_csv, export_xlsx  # openpyxl is only needed here

    words = args.lower().split()
    if any(w not in PERIODS and w != "csv" for w in words):
        return _reply(msg, texts.EXPORT_USAGE)
    days = _days(words, 30)
    rows = tickets_for_export(session=ctx.session, since=ctx.now - timedelta(days=days), until=ctx.now)
    stamp = ctx.now.astimezone(ctx.config.tz).strftime("%Y%m%d")
    if "csv" in words:
        upload = Upload.of(
            f"linli-{stamp}-{days}d.csv", export_csv(rows, names=_names(ctx), tz=ctx.config.tz)
        )
    else:
        upload = Upload.of(
            f"linli-{stamp}-{days}d.xlsx", export_xlsx(rows, names=_names(ctx), tz=ctx.config.tz)
        )
    caption = texts.EXPORT_CAPTION.format(days=days, count=len(rows))
    return [
        SendMessage(
            chat_id=msg.chat.id,
            text=caption,
            reply_to=msg.message_id,
            media=Media(kind="document", upload=upload),
        )
    ]


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
