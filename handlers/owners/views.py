"""How an owners' vote reads: its message with 同意 / 反对 / 弃权, and the figures of its live status and its
result, each condition against its threshold with the least that meets it, 通过 / 未通过 and why."""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.actions import Button, InlineKeyboard
from handlers.owners import texts
from handlers.owners.buttons import OwnerChoice
from handlers.views import building_name, local_time
from storage import owner_votes as store
from storage.models import OwnerVote, OwnerVoteStatus
from storage.people import get_building

MESSAGE_LIMIT = 3500  # Telegram's is 4096; a long list goes out in several messages


def area(centi: int) -> str:
    """Hundredths of a square metre as people write it: 89.50."""
    return f"{centi // 100}.{centi % 100:02d}"


def percent(part: int, whole: int) -> str:
    """Two decimals, rounded half up from the exact fraction (the verdict never looks at this)."""
    if whole <= 0:
        return "0.00"
    hundredths = math.floor(Fraction(part * 10000, whole) + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def scope_name(session: Session, vote: OwnerVote) -> str:
    if vote.building_id is None:
        return texts.WORD_COMPOUND
    return building_name(get_building(session=session, building_id=vote.building_id))


def rule_line(vote: OwnerVote) -> str:
    return texts.VOTE_RULE_SPECIAL if vote.matter in store.SPECIAL else texts.VOTE_RULE_ORDINARY


def vote_text(session: Session, vote: OwnerVote, tally: store.Tally, tz: ZoneInfo) -> str:
    return "\n".join(
        [
            texts.VOTE_TITLE.format(number=vote.id, title=vote.title),
            vote.question,
            "",
            texts.VOTE_MATTER.format(matter=texts.MATTER_NAMES[vote.matter]),
            texts.VOTE_SCOPE.format(
                scope=scope_name(session, vote),
                households=tally.households,
                owners=tally.total_owners,
                area=area(tally.total_area),
            ),
            rule_line(vote),
            texts.VOTE_CLOSES.format(closes=local_time(vote.closes_at, tz)),
            "",
            texts.VOTE_HOW,
        ]
    )


def vote_keyboard(vote: OwnerVote) -> InlineKeyboard:
    assert vote.id is not None
    return InlineKeyboard(
        rows=(
            tuple(
                Button(text=label, data=OwnerChoice(vote.id, choice).encode())
                for label, choice in (
                    (texts.BTN_YES, store.YES),
                    (texts.BTN_NO, store.NO),
                    (texts.BTN_ABSTAIN, store.ABSTAIN),
                )
            ),
        )
    )


def _mark(check: store.Check) -> str:
    return texts.MARK_OK if check.ok else texts.MARK_NO


def _area_line(check: store.Check) -> str:
    return texts.AREA_LINE.format(
        part=area(check.part),
        whole=area(check.whole),
        percent=percent(check.part, check.whole),
        need=area(check.need),
        mark=_mark(check),
    )


def _owners_line(check: store.Check) -> str:
    return texts.OWNERS_LINE.format(
        part=check.part,
        whole=check.whole,
        percent=percent(check.part, check.whole),
        need=check.need,
        mark=_mark(check),
    )


def reasons(vote: OwnerVote, verdict: store.Verdict) -> str:
    special = vote.matter in store.SPECIAL
    if verdict.passed:
        return texts.REASON_PASSED_SPECIAL if special else texts.REASON_PASSED_ORDINARY
    failed = [
        (verdict.turnout_area, texts.REASON_TURNOUT_AREA),
        (verdict.turnout_owners, texts.REASON_TURNOUT_OWNERS),
        (
            verdict.agree_area,
            texts.REASON_AGREE_AREA_SPECIAL if special else texts.REASON_AGREE_AREA_ORDINARY,
        ),
        (
            verdict.agree_owners,
            texts.REASON_AGREE_OWNERS_SPECIAL if special else texts.REASON_AGREE_OWNERS_ORDINARY,
        ),
    ]
    return texts.REASON_SEPARATOR.join(reason for check, reason in failed if not check.ok)


def figures_text(
    session: Session, vote: OwnerVote, tally: store.Tally, verdict: store.Verdict, tz: ZoneInfo
) -> str:
    """Every figure: the live status of an open vote, or the result of a closed one with its final hash."""
    closed = vote.status == OwnerVoteStatus.CLOSED
    head = texts.RESULT_HEAD if closed else texts.STATUS_HEAD
    state = (
        texts.STATE_CLOSED.format(closed=local_time(vote.closed_at, tz))
        if closed and vote.closed_at is not None
        else texts.STATE_OPEN.format(closes=local_time(vote.closes_at, tz))
    )
    special = vote.matter in store.SPECIAL
    lines = [
        head.format(number=vote.id, title=vote.title),
        vote.question,
        texts.VOTE_MATTER.format(matter=texts.MATTER_NAMES[vote.matter]),
        texts.VOTE_SCOPE.format(
            scope=scope_name(session, vote),
            households=tally.households,
            owners=tally.total_owners,
            area=area(tally.total_area),
        ),
        state,
        texts.HOUSEHOLDS_LINE.format(voted=tally.voted_households, households=tally.households),
        "",
        texts.TURNOUT_HEAD,
        _area_line(verdict.turnout_area),
        _owners_line(verdict.turnout_owners),
        texts.AGREE_HEAD_SPECIAL if special else texts.AGREE_HEAD_ORDINARY,
        _area_line(verdict.agree_area),
        _owners_line(verdict.agree_owners),
        texts.OTHERS_LINE.format(
            no_area=area(tally.no_area),
            no_owners=tally.no_owners,
            abstain_area=area(tally.abstain_area),
            abstain_owners=tally.abstain_owners,
        ),
        "",
    ]
    if closed:
        lines.append(texts.VERDICT_PASSED if verdict.passed else texts.VERDICT_FAILED)
    else:
        lines.append(texts.VERDICT_NOW_PASSED if verdict.passed else texts.VERDICT_NOW_FAILED)
    lines.append(texts.REASON.format(reasons=reasons(vote, verdict)))
    if closed and vote.final_hash:
        lines += ["", texts.HASH_LINE.format(hash=vote.final_hash), texts.HASH_HOW.format(number=vote.id)]
    return "\n".join(lines)


def chunks(head: str, lines: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """`head` and the lines, in as few messages under Telegram's length limit as they fit."""
    out, current = [], head
    for line in lines:
        if len(current) + 1 + len(line) > limit:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    out.append(current)
    return out
