"""Texts for /stats and the weekly report, from storage.stats.TicketStats."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta, tzinfo

from storage.stats import TicketStats

# --- user-facing strings (may move to handlers/texts.py)

STATUS_NAMES: Mapping[str, str] = {
    "received": "已收到",
    "accepted": "已受理",
    "in_progress": "处理中",
    "resolved": "已解决",
    "rated": "已评价",
    "rejected": "已驳回",
    "merged": "已合并",
}
RATING_NAMES: Mapping[str, str] = {"satisfied": "满意", "neutral": "一般", "unsatisfied": "不满意"}
NO_DATA = "—"

DURATION_LESS_THAN_MINUTE = "不到1分钟"
DURATION_MINUTES = "{m}分钟"
DURATION_HOURS = "{h}小时"
DURATION_HOURS_MINUTES = "{h}小时{m}分"
DURATION_DAYS = "{d}天"
DURATION_DAYS_HOURS = "{d}天{h}小时"

PERIOD_DAYS = "近{n}天"  # when the caller passes "7d" rather than its own words
STATS_TITLE = "📊 {period}报事统计"
STATS_RANGE = "（{start} 至 {end}）"
STATS_TOTAL = "新报事 {total} 件｜当前超时 {overdue} 件"
STATS_STATUS = "状态：{items}"
STATS_CATEGORY = "分类：{items}"
STATS_BUILDING = "楼栋：{items}"
STATS_TIMES = "中位受理：{accept}｜中位解决：{resolve}（{resolved} 件）"
STATS_SATISFACTION = (
    "满意率：{rate}（{rated} 条评价：满意 {satisfied} · 一般 {neutral} · 不满意 {unsatisfied}）"
)
STATS_SATISFACTION_NONE = "满意率：—（暂无评价）"
ITEM = "{name} {n}"
ITEM_SEPARATOR = " · "
ITEM_REST = "其余 {n}"

WEEKLY_NEW = (
    "本周新报事 {total} 件，已解决 {resolved} 件；最多的是{category}（{category_n} 件），"
    "最多的楼栋是{building}（{building_n} 件）"
)
WEEKLY_NEW_NONE = "本周没有新报事，已解决 {resolved} 件"
WEEKLY_TIMES = "中位受理 {accept}，中位解决 {resolve}"
WEEKLY_SATISFACTION = "满意率 {rate}（{rated} 条评价），当前超时 {overdue} 件"
WEEKLY_SATISFACTION_NONE = "满意率 —（暂无评价），当前超时 {overdue} 件"

BREAKDOWN_LIMIT = 6  # a phone line holds about this many "名称 数" items


def stats_text(stats: TicketStats, *, names: Mapping[str, str], period: str, tz: tzinfo | None = None) -> str:
    """The /stats answer. `period` is a label such as "近7天" (or "7d"); with `tz` the dates are shown too."""
    title = STATS_TITLE.format(period=period_label(period))
    if tz is not None:
        # `until` is exclusive: the last day shown is the one before it.
        end = stats.until - timedelta(microseconds=1)
        title += STATS_RANGE.format(
            start=stats.since.astimezone(tz).strftime("%m-%d"), end=end.astimezone(tz).strftime("%m-%d")
        )
    lines = [
        title,
        STATS_TOTAL.format(total=stats.total, overdue=stats.overdue_now),
        STATS_STATUS.format(items=breakdown(stats.by_status, STATUS_NAMES, limit=len(STATUS_NAMES))),
        STATS_CATEGORY.format(items=breakdown(stats.by_category, names)),
        STATS_BUILDING.format(items=breakdown(stats.by_building, {})),
        STATS_TIMES.format(
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
        first = WEEKLY_NEW.format(
            total=stats.total,
            resolved=stats.resolved,
            category=names.get(category, category),
            category_n=category_n,
            building=building,
            building_n=building_n,
        )
    else:
        first = WEEKLY_NEW_NONE.format(resolved=stats.resolved)
    second = WEEKLY_TIMES.format(accept=duration(stats.median_accept), resolve=duration(stats.median_resolve))
    if stats.satisfaction is None:
        third = WEEKLY_SATISFACTION_NONE.format(overdue=stats.overdue_now)
    else:
        third = WEEKLY_SATISFACTION.format(
            rate=percent(stats.satisfaction), rated=stats.rated, overdue=stats.overdue_now
        )
    return "\n".join((first, second, third))


def duration(delta: timedelta | None) -> str:
    """ "3小时20分", "2天5小时", "45分钟"; "—" when there is nothing to measure."""
    if delta is None:
        return NO_DATA
    minutes = round(max(delta.total_seconds(), 0.0) / 60)
    if minutes < 1:
        return DURATION_LESS_THAN_MINUTE
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days:
        return DURATION_DAYS_HOURS.format(d=days, h=hours) if hours else DURATION_DAYS.format(d=days)
    if hours:
        return DURATION_HOURS_MINUTES.format(h=hours, m=mins) if mins else DURATION_HOURS.format(h=hours)
    return DURATION_MINUTES.format(m=mins)


def percent(share: float | None) -> str:
    return NO_DATA if share is None else f"{round(share * 100)}%"


def period_label(period: str) -> str:
    match = re.fullmatch(r"(\d+)d", period.strip())
    return PERIOD_DAYS.format(n=match.group(1)) if match else period


def breakdown(counts: Mapping[str, int], names: Mapping[str, str], *, limit: int = BREAKDOWN_LIMIT) -> str:
    """ "设施报修 9 · 环境卫生 5 · 其余 3", in the order given; "—" when empty."""
    if not counts:
        return NO_DATA
    items = list(counts.items())
    shown = [ITEM.format(name=names.get(key, key), n=n) for key, n in items[:limit]]
    rest = sum(n for _, n in items[limit:])
    if rest:
        shown.append(ITEM_REST.format(n=rest))
    return ITEM_SEPARATOR.join(shown)


def _satisfaction_line(stats: TicketStats) -> str:
    if stats.satisfaction is None:
        return STATS_SATISFACTION_NONE
    return STATS_SATISFACTION.format(
        rate=percent(stats.satisfaction),
        rated=stats.rated,
        satisfied=stats.satisfied,
        neutral=stats.neutral,
        unsatisfied=stats.unsatisfied,
    )
