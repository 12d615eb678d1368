"""How a poll reads: its message (edited as votes come), its results, and its buttons."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from handlers.actions import Button, InlineKeyboard
from handlers.polls import texts
from handlers.polls.buttons import RemindVoters, Vote
from handlers.views import local_time
from storage.models import Poll, PollStatus

BAR_WIDTH = 10


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _bar(votes: int, most: int) -> str:
    filled = round(BAR_WIDTH * votes / most) if most else 0
    return texts.BAR_FULL * filled + texts.BAR_EMPTY * (BAR_WIDTH - filled)


def poll_text(poll: Poll, counts: list[int], voters: int, tz: ZoneInfo) -> str:
    lines = [texts.TITLE.format(number=poll.id, question=poll.question)]
    lines.append(texts.ANONYMOUS_NOTE if poll.anonymous else texts.NAMED_NOTE)
    lines.append(texts.SINGLE_NOTE if poll.max_choices == 1 else texts.MULTI_NOTE.format(n=poll.max_choices))
    total, most = sum(counts), max(counts, default=0)
    lines.append("")
    for option, votes in zip(poll.options, counts, strict=True):
        lines.append(
            texts.OPTION_LINE.format(
                option=option, bar=_bar(votes, most), votes=votes, percent=percent(votes, total)
            )
        )
    lines.append("")
    if poll.status == PollStatus.CLOSED:
        lines.append(texts.CLOSED_LINE.format(voters=voters))
    else:
        lines.append(texts.TURNOUT_LINE.format(voters=voters, closes=local_time(poll.closes_at, tz)))
    return "\n".join(lines)


def poll_keyboard(poll: Poll, counts: list[int]) -> InlineKeyboard | None:
    if poll.status == PollStatus.CLOSED:
        return None
    assert poll.id is not None
    return InlineKeyboard(
        rows=tuple(
            (Button(text=texts.BUTTON.format(option=option, votes=votes), data=Vote(poll.id, i).encode()),)
            for i, (option, votes) in enumerate(zip(poll.options, counts, strict=True))
        )
    )


def results_text(poll: Poll, counts: list[int], voters: int, eligible: int) -> str:
    total = sum(counts)
    lines = [texts.RESULTS_TITLE.format(number=poll.id, question=poll.question)]
    lines += [
        texts.RESULT_LINE.format(option=option, votes=votes, percent=percent(votes, total))
        for option, votes in zip(poll.options, counts, strict=True)
    ]
    lines.append(
        texts.RESULT_TURNOUT.format(
            voters=voters, eligible=eligible, percent=percent(voters, max(eligible, voters))
        )
    )
    most = max(counts, default=0)
    leaders = [option for option, votes in zip(poll.options, counts, strict=True) if votes == most]
    if most == 0:
        lines.append(texts.RESULT_NONE)
    elif len(leaders) == 1:
        lines.append(texts.RESULT_WINNER.format(option=leaders[0]))
    else:
        lines.append(texts.RESULT_TIE.format(options=texts.LIST_SEPARATOR.join(leaders)))
    return "\n".join(lines)


def remind_keyboard(poll: Poll) -> InlineKeyboard:
    assert poll.id is not None
    return InlineKeyboard(rows=((Button(text=texts.BTN_REMIND, data=RemindVoters(poll.id).encode()),),))


def time_left(seconds: float) -> str:
    hours = max(1, math.ceil(seconds / 3600 - 0.01))  # 1.5 h left reads "2 小时"; a second's lag is nothing
    return texts.LEFT_DAYS.format(n=round(hours / 24)) if hours >= 24 else texts.LEFT_HOURS.format(n=hours)
