"""The weekly chart for the staff chat: a 2×2 PNG drawn on matplotlib's Agg canvas.

No pyplot: a bare Figure keeps no global figure registry and never looks for a display. matplotlib ships no
Chinese font, so the chart uses one that comes from PyPI (noto-cjk-sans-otc, a project dependency) and
registers it from the package's file at first use; a machine with none falls back to English labels rather
than drawing boxes.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from handlers import texts as common
from handlers.numbers import texts
from handlers.numbers.summaries import building_label, duration
from storage.models import Rating
from storage.stats import TicketStats

# --- labels: the Chinese ones are the feature's texts; the English ones only stand in for a missing font


@dataclass(frozen=True)
class ChartLabels:
    categories: str
    buildings: str
    resolve: str
    resolve_medians: str
    satisfaction: str
    satisfaction_centre: str
    ratings_count: str
    subtitle: str
    no_data: str
    no_ratings: str
    rest: str
    ratings: tuple[str, str, str]  # satisfied, neutral, unsatisfied
    buckets: tuple[str, ...]  # one per RESOLVE_BUCKETS interval
    tickets_axis: str


LABELS_ZH = ChartLabels(
    categories=texts.CHART_CATEGORIES,
    buildings=texts.CHART_BUILDINGS,
    resolve=texts.CHART_RESOLVE,
    resolve_medians=texts.CHART_RESOLVE_MEDIANS,
    satisfaction=texts.CHART_SATISFACTION,
    satisfaction_centre=texts.CHART_SATISFACTION_CENTRE,
    ratings_count=texts.CHART_RATINGS_COUNT,
    subtitle=texts.CHART_SUBTITLE,
    no_data=texts.CHART_NO_DATA,
    no_ratings=texts.CHART_NO_RATINGS,
    rest=texts.CHART_REST,
    ratings=(
        common.RATING_WORDS[Rating.SATISFIED],
        common.RATING_WORDS[Rating.NEUTRAL],
        common.RATING_WORDS[Rating.UNSATISFIED],
    ),
    buckets=texts.CHART_BUCKETS,
    tickets_axis=texts.CHART_TICKETS_AXIS,
)
# Only when no Chinese font can be found: readable English beats tofu boxes.
LABELS_EN = ChartLabels(
    categories="Tickets by category",
    buildings="Tickets by building",
    resolve="Time to resolve",
    resolve_medians="median: accept {accept} · resolve {resolve}",
    satisfaction="Residents' ratings",
    satisfaction_centre="satisfied",
    ratings_count="{n} ratings",
    subtitle="{total} new · {resolved} resolved · {overdue} overdue now",
    no_data="no data",
    no_ratings="no ratings yet",
    rest="others",
    ratings=("satisfied", "neutral", "unsatisfied"),
    buckets=("<2h", "2–8h", "8–24h", "1–3d", "3–7d", ">7d"),
    tickets_axis="tickets",
)

# --- layout

WIDTH_IN, HEIGHT_IN, DPI = 12, 9, 100  # 1200×900 px: sharp on a phone, ~100 KB
HEADER_BOTTOM = 0.89  # figure fraction above which the title and the subtitle sit
RESOLVE_BUCKETS = (0, 2, 8, 24, 72, 168)  # lower edges in hours; the last bucket is open-ended
BAR_LIMIT = 10  # more bars than this and the labels crowd; the rest are summed into one bar
COLOUR_CATEGORY = "#4C78A8"
COLOUR_BUILDING = "#F58518"
COLOUR_REST = "#BAB0AC"
COLOUR_BUCKETS = ("#54A24B", "#88C057", "#EECA3B", "#F2A33A", "#E45756", "#B0303A")
COLOUR_RATINGS = ("#54A24B", "#BAB0AC", "#E45756")
GREY_TEXT = "#555555"


@dataclass(frozen=True)
class FontCandidate:
    package: str  # an installed distribution's import name
    file: str  # path of the font inside the package
    family: str  # the face to use (a .ttc holds several)


FONT_CANDIDATES = (
    FontCandidate("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    FontCandidate("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
)
# Fonts a developer's machine may have anyway (Debian's fonts-noto-cjk, Windows, macOS).
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)

# rcParams are process-global and tick labels read them while drawing: one chart at a time.
_DRAWING = threading.Lock()


@functools.cache
def cjk_font() -> str | None:
    """The family name of a Simplified Chinese font matplotlib can use, registering a packaged one first."""
    for candidate in FONT_CANDIDATES:
        # find_spec locates the package without running its code; we only need its folder.
        spec = importlib.util.find_spec(candidate.package)
        if spec is None or spec.origin is None:
            continue
        path = Path(spec.origin).parent / candidate.file
        if not path.is_file():
            continue
        font_manager.fontManager.addfont(str(path))
        if _available(candidate.family):
            return candidate.family
    return next((family for family in SYSTEM_FAMILIES if _available(family)), None)


def weekly_chart(stats: TicketStats, *, names: Mapping[str, str], title: str) -> bytes:
    """PNG bytes: tickets per category and per building, resolution times, ratings."""
    family = cjk_font()
    labels = LABELS_ZH if family else LABELS_EN
    text: Callable[[str], str] = _same if family else _ascii
    rc = {
        "font.family": "sans-serif",
        # DejaVu after the CJK face: matplotlib falls back per glyph, so nothing is ever drawn as a box.
        "font.sans-serif": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with _DRAWING, rc_context(rc):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        # The header is placed by hand; the layout engine arranges the panels in the space below it.
        figure.set_layout_engine("constrained", rect=(0, 0, 1, HEADER_BOTTOM), h_pad=0.12, w_pad=0.12)
        figure.text(0.5, 0.975, text(title), ha="center", va="top", fontsize=21)
        subtitle = labels.subtitle.format(
            total=stats.total, resolved=stats.resolved, overdue=stats.overdue_now
        )
        figure.text(0.5, 0.925, subtitle, ha="center", va="top", fontsize=13, color=GREY_TEXT)
        (categories, buildings), (resolve, ratings) = figure.subplots(2, 2)
        # Pairs, not a dict: two names may read the same once transliterated, and both must stay.
        by_category = [(text(names.get(key, key)), n) for key, n in stats.by_category.items()]
        _bars(categories, by_category, labels.categories, COLOUR_CATEGORY, labels)
        by_building = [(text(building_label(name)), n) for name, n in stats.by_building.items()]
        _bars(buildings, by_building, labels.buildings, COLOUR_BUILDING, labels)
        _resolve_times(resolve, stats, labels, show=duration if family else _duration_en)
        _ratings(ratings, stats, labels)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _bars(axes: Axes, items: Sequence[tuple[str, int]], title: str, colour: str, labels: ChartLabels) -> None:
    axes.set_title(title, fontsize=15, loc="left")
    if not items:
        _empty(axes, labels.no_data)
        return
    shown = items if len(items) <= BAR_LIMIT else items[: BAR_LIMIT - 1]
    rest = sum(n for _, n in items[len(shown) :])
    colours = [colour] * len(shown)
    if rest:
        shown = [*shown, (labels.rest, rest)]
        colours.append(COLOUR_REST)
    values = [n for _, n in shown]
    positions = list(range(len(shown)))
    bars = axes.barh(positions, values, color=colours, height=0.65)
    axes.set_yticks(positions, [name for name, _ in shown], fontsize=12)
    axes.invert_yaxis()  # largest on top
    axes.bar_label(bars, padding=3, fontsize=11)
    axes.set_xlim(0, max(values) * 1.15)
    axes.set_xlabel(labels.tickets_axis, fontsize=11, color=GREY_TEXT)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _resolve_times(
    axes: Axes, stats: TicketStats, labels: ChartLabels, *, show: Callable[[timedelta | None], str]
) -> None:
    axes.set_title(labels.resolve, fontsize=15, loc="left")
    medians = labels.resolve_medians.format(
        accept=show(stats.median_accept), resolve=show(stats.median_resolve)
    )
    if not stats.resolve_hours:
        # Nothing resolved yet, but tickets may have been accepted: keep that median in sight.
        _empty(axes, f"{labels.no_data}\n{medians}")
        return
    axes.set_xlabel(medians, fontsize=12, color=GREY_TEXT, labelpad=8)
    counts = _bucket(stats.resolve_hours)
    positions = list(range(len(counts)))
    bars = axes.bar(positions, counts, color=COLOUR_BUCKETS, width=0.7)
    axes.set_xticks(positions, labels.buckets, fontsize=11)
    axes.bar_label(bars, padding=3, fontsize=11)
    axes.set_ylim(0, max(counts) * 1.15)
    axes.set_ylabel(labels.tickets_axis, fontsize=11, color=GREY_TEXT)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _ratings(axes: Axes, stats: TicketStats, labels: ChartLabels) -> None:
    axes.set_title(labels.satisfaction, fontsize=15, loc="left")
    if not stats.rated:
        _empty(axes, labels.no_ratings)
        return
    counts = (stats.satisfied, stats.neutral, stats.unsatisfied)
    kept = [(name, n, c) for name, n, c in zip(labels.ratings, counts, COLOUR_RATINGS, strict=True) if n]
    wedges, _ = axes.pie(
        [n for _, n, _ in kept],
        colors=[c for _, _, c in kept],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.38, "edgecolor": "white"},
    )
    axes.legend(
        wedges,
        [f"{name} {n}" for name, n, _ in kept],
        title=labels.ratings_count.format(n=stats.rated),
        loc="center left",
        bbox_to_anchor=(0.95, 0.5),
        frameon=False,
        fontsize=12,
        title_fontsize=12,
    )
    rate = f"{round((stats.satisfaction or 0) * 100)}%"
    axes.text(0, 0.1, rate, ha="center", va="center", fontsize=26)
    axes.text(0, -0.2, labels.satisfaction_centre, ha="center", va="center", fontsize=13, color=GREY_TEXT)
    axes.set_aspect("equal")


def _bucket(hours: Sequence[float]) -> list[int]:
    counts = [0] * len(RESOLVE_BUCKETS)
    for h in hours:
        index = max(i for i, edge in enumerate(RESOLVE_BUCKETS) if h >= edge) if h >= 0 else 0
        counts[index] += 1
    return counts


def _empty(axes: Axes, message: str) -> None:
    axes.set_axis_off()
    axes.text(
        0.5, 0.5, message, ha="center", va="center", fontsize=14, color="#888888", transform=axes.transAxes
    )


def _available(family: str) -> bool:
    try:
        font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return False
    return True


def _same(label: str) -> str:
    return label


def _ascii(label: str) -> str:
    """Pinyin for Chinese labels when no Chinese font exists: "3号楼" → "3HaoLou"."""
    if label.isascii():
        return label
    from pypinyin import lazy_pinyin  # only on this rare path

    drawable = _default_charmap()

    def keep(chars: str) -> str:
        return "".join(c if ord(c) in drawable else "?" for c in chars)

    return "".join(word[:1].upper() + word[1:] for word in lazy_pinyin(label, errors=keep))


@functools.cache
def _default_charmap() -> frozenset[int]:
    """Code points matplotlib's own DejaVu Sans can draw."""
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())


def _duration_en(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    minutes = round(max(delta.total_seconds(), 0.0) / 60)
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"
