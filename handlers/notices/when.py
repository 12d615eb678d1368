"""定时发送: reading the time a notice should go out, as people write it — 「明天 8:00」, 「12-03 08:30」,
「12月3日 8点半」 or 「8:00」 (the next such time) — in the community's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.notices import texts

# After _normalize a time is ASCII: an optional date (YYYY-M-D or M-D), then H:MM or H: (on the hour).
_DATE = r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})"
_TIME = r"(\d{1,2}):(\d{2})?"
_WHEN = re.compile(rf"(?:{_DATE})?\s*(?:{_TIME})?")
# A date given without a year that is this long past means next year (12-30 written in January is not).
NEXT_YEAR_AFTER = timedelta(days=180)
FURTHEST = timedelta(days=366)


def _normalize(words: str) -> str:
    text = words.strip().replace(texts.COLON_WIDE, ":").replace("/", "-")
    text = text.replace(texts.HOUR_HALF, ":30").replace(texts.HOUR_MARK, ":").replace(texts.MINUTE_MARK, "")
    text = text.replace(texts.MONTH_MARK, "-")
    for mark in texts.DAY_MARKS:
        text = text.replace(mark, " ")
    return " ".join(text.split())


def _day_word(text: str) -> tuple[int | None, str]:
    for word, days in texts.DAY_WORDS.items():
        if text.startswith(word):
            return days, text[len(word) :].strip()
    return None, text


def looks_like_time(token: str) -> bool:
    """Whether a word of the one-line form is (part of) a time: 明天, 12-03, 08:30, 明天8点."""
    _, rest = _day_word(_normalize(token))
    return bool(token.strip()) and _WHEN.fullmatch(rest) is not None


def parse_when(words: str, *, now: datetime, tz: ZoneInfo) -> datetime | str:
    """The moment (UTC) the words name, or the one line telling why they name none (or a past one)."""
    offset, rest = _day_word(_normalize(words))
    found = _WHEN.fullmatch(rest)
    if found is None or found.group(4) is None:  # a time of day is always needed
        return texts.WHEN_UNCLEAR
    year, month, day, hour, minute = found.groups()
    if int(hour) > 23 or int(minute or 0) > 59:
        return texts.WHEN_UNCLEAR
    at = time(int(hour), int(minute or 0))
    local_now = now.astimezone(tz)
    if month is not None:
        if offset is not None:  # 明天 12-03: which one?
            return texts.WHEN_UNCLEAR
        try:
            moment = datetime.combine(date(int(year or local_now.year), int(month), int(day)), at, tzinfo=tz)
            if year is None and local_now - moment > NEXT_YEAR_AFTER:
                moment = moment.replace(year=moment.year + 1)
        except ValueError:  # 2-30, or 2-29 in the wrong year
            return texts.WHEN_UNCLEAR
    elif offset is not None:
        moment = datetime.combine(local_now.date() + timedelta(days=offset), at, tzinfo=tz)
    else:
        moment = datetime.combine(local_now.date(), at, tzinfo=tz)
        if moment <= local_now:
            moment += timedelta(days=1)
    if moment <= local_now:
        return texts.WHEN_PAST
    if moment - local_now > FURTHEST:
        return texts.WHEN_TOO_FAR
    return moment.astimezone(UTC)


def take_when(words: list[str]) -> tuple[str, list[str]]:
    """The words after 定时 that make up its time (at most a date and a time), and the rest."""
    taken: list[str] = []
    while words and len(taken) < 2 and looks_like_time(words[0]):
        taken.append(words.pop(0))
    return " ".join(taken), words
