"""Texts for /stats and the weekly report, from storage.stats.TicketStats."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta, tzinfo
from typing import TypeVar

from handlers import texts as common
from handlers.numbers import texts
from storage.stats import TicketStats

BREAKDOWN_LIMIT = 6  # a phone line holds about this many "名称 数" items
# Storage counts the tickets without a building under None.
BUILDING_NAMES: Mapping[str | None, str] = {None: common.UNKNOWN_BUILDING}

K = TypeVar("K")


def stats_text(stats: TicketStats, *, names: Mapping[str, str], period: str, tz: tzinfo | None = None) -> str:
    """The /stats answer. `period` is a label such as "近7天" (or "7d"); with `tz` the dates are shown too."""
    title = texts.STATS_TITLE.format(period=period_label(period))
    if tz is not None:
        # `until` is exclusive: the last day shown is the one before it.
        end = stats.until - timedelta(microseconds=1)
        title += texts.STATS_RANGE.format(
            start=stats.since.astimezone(tz).strftime("%m-%d"), end=end.astimezone(tz).strftime("%m-%d")
        )
    lines = [
        title,
        texts.STATS_TOTAL.format(total=stats.total, overdue=stats.overdue_now),
        texts.STATS_STATUS.format(
            items=breakdown(stats.by_status, common.STATUS_NAMES, limit=len(common.STATUS_NAMES))
        ),
        texts.STATS_CATEGORY.format(items=breakdown(stats.by_category, names)),
        texts.STATS_BUILDING.format(items=breakdown(stats.by_building, BUILDING_NAMES)),
        texts.STATS_TIMES.format(
            accept=duration(stats.median_accept),
            resolve=duration(stats.median_resolve),
            resolved=stats.resolved,
        ),
        _satisfaction_line(stats),
    ]
    return "\n".join(lines)


def weekly_summary(stats: TicketStats, *, names: Mapping[str, str]) -> str:
    """Three lines under the weekly chart: volume and what dominated, speed, satisfaction and overdue."""
    if stats.total and stats.by_category and stats.by_building:
        category, category_n = next(iter(stats.by_category.items()))
        building, building_n = next(iter(stats.by_building.items()))
        first = texts.WEEKLY_NEW.format(
            total=stats.total,
            resolved=stats.resolved,
            category=names.get(category, category),
            category_n=category_n,
            building=building_label(building),
            building_n=building_n,
        )
    else:
        first = texts.WEEKLY_NEW_NONE.format(resolved=stats.resolved)
    second = texts.WEEKLY_TIMES.format(
        accept=duration(stats.median_accept), resolve=duration(stats.median_resolve)
    )
    if stats.satisfaction is None:
        third = texts.WEEKLY_SATISFACTION_NONE.format(overdue=stats.overdue_now)
    else:
        third = texts.WEEKLY_SATISFACTION.format(
            rate=percent(stats.satisfaction), rated=stats.rated, overdue=stats.overdue_now
        )
    return "\n".join((first, second, third))


def duration(delta: timedelta | None) -> str:
    """ "3小时20分", "2天5小时", "45分钟"; "—" when there is nothing to measure."""
    if delta is None:
        return texts.NO_DATA
    minutes = round(max(delta.total_seconds(), 0.0) / 60)
    if minutes < 1:
        return texts.DURATION_LESS_THAN_MINUTE
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days:
        return (
            texts.DURATION_DAYS_HOURS.format(d=days, h=hours) if hours else texts.DURATION_DAYS.format(d=days)
        )
    if hours:
        return (
            texts.DURATION_HOURS_MINUTES.format(h=hours, m=mins)
            if mins
            else texts.DURATION_HOURS.format(h=hours)
        )
    return texts.DURATION_MINUTES.format(m=mins)


def percent(share: float | None) -> str:
    return texts.NO_DATA if share is None else f"{round(share * 100)}%"


def period_label(period: str) -> str:
    match = re.fullmatch(r"(\d+)d", period.strip())
    return texts.PERIOD_DAYS.format(n=match.group(1)) if match else period


def building_label(name: str | None) -> str:
    """A building as storage gives it: its name, or 未知楼栋 for None."""
    return name if name is not None else common.UNKNOWN_BUILDING


def breakdown(counts: Mapping[K, int], names: Mapping[K, str], *, limit: int = BREAKDOWN_LIMIT) -> str:
    """ "设施报修 9 · 环境卫生 5 · 其余 3", in the order given; "—" when empty."""
    if not counts:
        return texts.NO_DATA
    items = list(counts.items())
    shown = [texts.ITEM.format(name=names.get(key, key), n=n) for key, n in items[:limit]]
    rest = sum(n for _, n in items[limit:])
    if rest:
        shown.append(texts.ITEM_REST.format(n=rest))
    return texts.ITEM_SEPARATOR.join(shown)


def _satisfaction_line(stats: TicketStats) -> str:
    if stats.satisfaction is None:
        return texts.STATS_SATISFACTION_NONE
    return texts.STATS_SATISFACTION.format(
        rate=percent(stats.satisfaction),
        rated=stats.rated,
        satisfied=stats.satisfied,
        neutral=stats.neutral,
        unsatisfied=stats.unsatisfied,
    )
