"""Where in the compound a report is about: area, building, unit and room, as residents write them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# Bounded: an unbounded run made long numeral strings quadratic ("三" × 1,000), and no address needs more.
_CN_NUMBER = "(?<![零〇一二三四五六七八九十百])[零〇一二三四五六七八九十百]{1,6}"
_NUMBER = rf"(?:\d{{1,3}}|{_CN_NUMBER})"

_DASHED = re.compile(r"(?<![\d.])(\d{1,2})-(\d{1,2})-(\d{3,4})(?![\d.])")
_AREA = re.compile(
    rf"(?<![a-z\d])([a-z]\d?|\d{{1,2}}|[一二三四五六七八九十]{{1,4}}|[东南西北中])\s?区|(?<![星学])({_NUMBER})\s?期"
)
_BUILDING = re.compile(rf"(?<![a-z\d])([a-z]\d?|{_NUMBER})\s?(号楼|栋|幢|座)")
_UNIT = re.compile(rf"(?<![a-z\d])({_NUMBER}|[a-z]|[东西南北中])\s?单元")
# A room number directly after the building/unit ("2单元1102", "8栋顶楼1802"), or marked as a home.
_ROOM_AFTER = re.compile(r"[\s,\-的]{0,2}(?:[顶底高]楼|楼)?[\s,\-]?(\d{3,4})(?:室|号房|号)?(?!\d)")
_ROOM_MARKED = re.compile(r"(?<![\d.])(\d{3,4})(?:室|号房|房间)")
_ROOM_CONTEXT = re.compile(r"(?:楼上|楼下|对门|隔壁|住在?)(\d{3,4})(?!\d)|(?<![\d.])(\d{3,4})(?=家|户|的)")


# Every match of a pattern holds one of its marks, so a text holding none is not searched: the patterns open
# with lookbehinds and alternations that the regex engine tries at every position.
_AREA_MARKS = re.compile("区|期")
_BUILDING_MARKS = re.compile("号楼|栋|幢|座")
_UNIT_MARKS = re.compile("单元")
_DASHED_MARKS = re.compile("-")
_ROOM_MARKS = re.compile("室|号房|房间")
# Every room number in _ROOM_CONTEXT has three or four digits.
_THREE_DIGITS = re.compile(r"\d{3}")
# Any of the marks above: a text holding none (more than half of the dev reports) names no place, and one
# search says so instead of one per pattern.
_MENTION_MARKS = re.compile("区|期|号楼|栋|幢|座|单元")
_ANY_MARK = re.compile(r"区|期|号楼|栋|幢|座|单元|-|室|号房|房间|\d{3}")


def _may_hold(text: str, marks: re.Pattern[str]) -> bool:
    return marks.search(text) is not None


# An area, building or unit mention is a number or letter of at most 6 characters, maybe a space, then its
# mark, so it starts at most this many characters before the mark (7, and one to spare).
_REACH = 8
# The character just before the mark belongs to the mention: a letter, digit, numeral, direction or space.
_BEFORE_MARK = re.compile(r"[a-z\d\s零〇一二三四五六七八九十百东南西北中]")


def _mentions(
    pattern: re.Pattern[str], marks: re.Pattern[str], text: str, first: bool = False
) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` (only its first match with ``first``) for _AREA, _BUILDING and _UNIT.

    The patterns open with lookbehinds and alternations that the regex engine tries at every position of a
    long message, though a match only ends at a mark (小区 holds one): trying the positions just before each
    mark, in order and from where the last match ended, finds the same matches.
    """
    found: list[re.Match[str]] = []
    start = 0
    for mark in marks.finditer(text):
        at = mark.start()
        if at == 0 or _BEFORE_MARK.match(text, at - 1) is None:
            continue
        start = max(start, at - _REACH)
        while start <= at:
            match = pattern.match(text, start)
            if match is None:
                start += 1
                continue
            found.append(match)
            if first:
                return found
            start = match.end()
    return found


def _first_mention(
    pattern: re.Pattern[str], marks: re.Pattern[str], text: str, known: list[re.Match[str]] | None
) -> re.Match[str] | None:
    """``pattern.search(text)``: the first of ``known`` (all its matches) when given, else found as
    :func:`_mentions` finds them."""
    found = _mentions(pattern, marks, text, first=True) if known is None else known
    return found[0] if found else None


# The area, building and unit mentions of one text, in that order (see location_mentions).
Mentions = tuple[list[re.Match[str]], list[re.Match[str]], list[re.Match[str]]]


def location_mentions(text: str) -> Mentions:
    """Every area, building and unit mention in normalised text: the classifier finds them once for both
    :func:`location_spans` and :func:`extract_location`."""
    if _MENTION_MARKS.search(text) is None:
        return [], [], []
    return (
        _mentions(_AREA, _AREA_MARKS, text),
        _mentions(_BUILDING, _BUILDING_MARKS, text),
        _mentions(_UNIT, _UNIT_MARKS, text),
    )


@dataclass(frozen=True, slots=True)
class Location:
    area: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None

    def __str__(self) -> str:
        return "".join(part for part in (self.area, self.building, self.unit, self.room) if part)


def chinese_number(text: str) -> int | None:
    """``"十二"`` → 12, ``"三"`` → 3, ``"一一零二"`` → 1102; digits pass through; None if not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in "十百" for ch in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def _label(number: str) -> str | None:
    if re.fullmatch(r"[a-z]\d?", number):
        return number.upper()
    if number in "东西南北中":
        return number
    value = chinese_number(number)
    return None if value is None or value == 0 else str(value)


def _plausible_room(number: str) -> bool:
    # Room numbers end in the door number on the floor (01-40); this rejects prices and counts like 300.
    return 1 <= int(number[-2:]) <= 40 and int(number[:-2] or "0") >= 1


def extract_location(text: str, mentions: Mentions | None = None) -> Location | None:
    """Find the first area/building/unit/room mention in normalised text (see :func:`nlp.normalize`).

    ``mentions``: ``location_mentions(text)``, when the caller has it.
    """
    if _ANY_MARK.search(text) is None:
        return None
    areas, buildings, units = (None, None, None) if mentions is None else mentions
    area = building = unit = room = None
    after = 0
    dashed = _DASHED.search(text) if _may_hold(text, _DASHED_MARKS) else None
    if dashed and _plausible_room(dashed.group(3)):
        building, unit, room = f"{int(dashed.group(1))}号楼", f"{int(dashed.group(2))}单元", dashed.group(3)
    if match := _first_mention(_AREA, _AREA_MARKS, text, areas):
        raw = match.group(1) or match.group(2)
        label = _label(raw)
        if label:
            area = f"{label}区" if match.group(1) else f"{label}期"
    if (
        building is None
        and (match := _first_mention(_BUILDING, _BUILDING_MARKS, text, buildings))
        and (label := _label(match.group(1)))
    ):
        building = f"{label}{match.group(2)}"
        after = match.end()
    if (
        unit is None
        and (match := _first_mention(_UNIT, _UNIT_MARKS, text, units))
        and (label := _label(match.group(1)))
    ):
        unit = f"{label}单元"
        after = max(after, match.end())
    if room is None and after and (match := _ROOM_AFTER.match(text, after)):
        room = match.group(1)
    if room is None and _may_hold(text, _ROOM_MARKS) and (match := _ROOM_MARKED.search(text)):
        room = match.group(1)
    if room is None and _may_hold(text, _THREE_DIGITS):
        for match in _ROOM_CONTEXT.finditer(text):
            number = match.group(1) or match.group(2)
            if _plausible_room(number):
                room = number
                break
    if not (area or building or unit or room):
        return None
    return Location(area=area, building=building, unit=unit, room=room)


def location_spans(text: str, mentions: Mentions | None = None) -> list[tuple[int, int]]:
    """(start, end) of every area/building/unit mention, the parts :func:`mask_locations` blanks out."""
    if mentions is None:
        mentions = location_mentions(text)
    return [match.span() for group in mentions for match in group]


def mask_locations(text: str, spans: list[tuple[int, int]] | None = None) -> str:
    """``text`` with area/building/unit mentions (``spans``, when already known) blanked out, positions kept.

    Addresses say where, never what: "3号楼电悌" must not let 楼+电 sound like 漏电 in the typo matcher.
    """
    if spans is None:
        spans = location_spans(text)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
