"""Owners' votes in storage, on both databases: the 278条 thresholds at their exact edges (exact fractions,
areas in hundredths), one owner of several units counted once, the roll (import, re-import, claim codes),
corrections that supersede, and `verify` finding what was changed behind the bot's back."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from storage import owner_votes as store
from storage.db import session_scope, utcnow
from storage.models import OwnerVote
from storage.people import get_or_create_building, upsert_user

NOW = utcnow()
STAFF_ID = 2


def _roll(engine, rows: list[store.RollRow], name: str = "3号楼") -> int:
    with session_scope(engine) as session:
        upsert_user(session=session, user_id=STAFF_ID, first_name="王师傅", username=None, now=NOW)
        building = get_or_create_building(session=session, name=name, now=NOW)
        assert building.id is not None
        store.import_roll(session=session, building_id=building.id, rows=rows, now=NOW)
        return building.id


def _equal_roll(n: int, centi: int = 8950) -> list[store.RollRow]:
    return [store.RollRow("1", f"{i:03d}", centi, f"业主{i}") for i in range(1, n + 1)]


def _vote(engine, building_id: int | None, matter: str) -> int:
    with session_scope(engine) as session:
        vote = store.create_vote(
            session=session,
            building_id=building_id,
            matter=matter,
            title="加装电梯",
            question="是否同意加装电梯？",
            creator_id=STAFF_ID,
            closes_at=NOW + timedelta(days=7),
            now=NOW,
        )
        assert vote is not None and vote.id is not None
        return vote.id


def _cast(engine, vote_id: int, choices: list[str]) -> None:
    """The first len(choices) households of the vote's roll, in order, each with its choice (on paper)."""
    with session_scope(engine) as session:
        roll = store.roll_of(session=session, vote_id=vote_id)
        for row, choice in zip(roll, choices, strict=False):
            store.cast(
                session=session,
                vote_id=vote_id,
                household_id=row.household_id,
                choice=choice,
                method=store.PAPER,
                entered_by=STAFF_ID,
                now=NOW,
            )


def _verdict(engine, vote_id: int) -> tuple[store.Tally, store.Verdict]:
    with Session(engine) as session:
        vote = store.get_vote(session=session, vote_id=vote_id)
        assert vote is not None
        tally = store.current_tally(session=session, vote=vote)
        return tally, store.decide(tally, vote.matter)


def _ballots(voting: int, agreeing: int) -> list[str]:
    return [store.YES] * agreeing + [store.NO] * (voting - agreeing)


@pytest.mark.parametrize(
    ("matter", "voting", "agreeing", "passed", "why"),
    [
        # The example: 100 equal households and a three-quarters matter.
        (store.REBUILD, 67, 51, True, ""),  # 67 ≥ 2/3 of 100; 51/67 = 76.1% ≥ 3/4
        (store.REBUILD, 67, 50, False, "agree"),  # 50/67 = 74.6% < 3/4
        (store.REBUILD, 66, 66, False, "turnout"),  # 66 < 2/3 of 100, however many agree
        (store.FUND, 100, 75, True, ""),  # exactly 3/4 is enough ("at least")
        (store.COMMON, 100, 74, False, "agree"),
        # The ordinary rule: more than half, so exactly half is not enough.
        (store.ORDINARY, 100, 51, True, ""),
        (store.ORDINARY, 100, 50, False, "agree"),
        (store.ORDINARY, 67, 34, True, ""),  # 34/67 > 1/2
        (store.ORDINARY, 67, 33, False, "agree"),
    ],
)
def test_the_thresholds_at_their_exact_edges(engine, matter, voting, agreeing, passed, why) -> None:
    vote_id = _vote(engine, _roll(engine, _equal_roll(100)), matter)
    _cast(engine, vote_id, _ballots(voting, agreeing))
    tally, verdict = _verdict(engine, vote_id)
    assert (tally.voted_owners, tally.yes_owners) == (voting, agreeing)
    assert tally.voted_area == voting * 8950 and tally.total_area == 100 * 8950
    assert verdict.passed is passed
    assert verdict.turnout_ok is (why != "turnout")
    if why != "turnout":
        assert verdict.agree_ok is (why != "agree")


def test_the_least_that_meets_each_threshold_is_shown_exactly(engine) -> None:
    vote_id = _vote(engine, _roll(engine, _equal_roll(100)), store.REBUILD)
    _cast(engine, vote_id, _ballots(67, 51))
    _, verdict = _verdict(engine, vote_id)
    assert (verdict.turnout_owners.need, verdict.agree_owners.need) == (67, 51)  # ⌈200/3⌉, ⌈201/4⌉
    # Area in hundredths of a m²: ⌈2/3 × 895000⌉ = 596667 (5966.67 m²) and ⌈3/4 × 599650⌉ = 449738.
    assert (verdict.turnout_area.need, verdict.agree_area.need) == (596667, 449738)


def test_areas_are_exact_to_the_hundredth(engine) -> None:
    """Total 300.00 m²: 200.00 m² is exactly two thirds, 199.99 m² is not."""
    rows = [store.RollRow("1", "101", 19999, "甲"), store.RollRow("1", "102", 10001, "乙")]
    vote_id = _vote(engine, _roll(engine, rows), store.ORDINARY)
    _cast(engine, vote_id, [store.YES])
    _, verdict = _verdict(engine, vote_id)
    assert not verdict.turnout_area.ok and verdict.turnout_area.need == 20000
    assert store.check(20000, 30000, store.TURNOUT, strict=False).ok


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_need_is_the_least_part_that_meets_each_rule(part: int, whole: int) -> None:
    for threshold, strict in (
        (store.TURNOUT, False),
        (store.MAJORITY, True),
        (store.THREE_QUARTERS, False),
    ):
        found = store.check(part, whole, threshold, strict=strict)
        share = Fraction(part, whole)
        assert found.ok == (share > threshold if strict else share >= threshold)
        assert found.ok == (part >= found.need)


def test_an_owner_of_several_units_counts_once_with_the_areas_added(engine) -> None:
    """Headcount: 张三 owns three flats and counts once; a co-owned flat is one ballot and one owner."""
    rows = [
        store.RollRow("1", "101", 20000, "张三"),
        store.RollRow("1", "102", 20000, "张三"),
        store.RollRow("1", "103", 20000, "张三"),
        store.RollRow("1", "104", 10000, "李四、王五"),
        store.RollRow("1", "105", 10000, "赵六"),
    ]
    vote_id = _vote(engine, _roll(engine, rows), store.ORDINARY)
    _cast(engine, vote_id, [store.YES, store.YES, store.YES])
    tally, verdict = _verdict(engine, vote_id)
    assert (tally.total_owners, tally.households, tally.total_area) == (3, 5, 80000)
    assert (tally.voted_owners, tally.voted_area, tally.yes_area) == (1, 60000, 60000)
    # 75% of the area took part but one owner of three: turnout fails on the headcount alone.
    assert verdict.turnout_area.ok and not verdict.turnout_owners.ok and not verdict.passed


def test_a_correction_supersedes_and_the_latest_counts(engine) -> None:
    vote_id = _vote(engine, _roll(engine, _equal_roll(3)), store.ORDINARY)
    _cast(engine, vote_id, [store.YES])
    _cast(engine, vote_id, [store.NO])
    with Session(engine) as session:
        first, second = store.entries(session=session, vote_id=vote_id)
        assert second.supersedes == first.id and second.prev_hash == first.hash
    tally, _ = _verdict(engine, vote_id)
    assert (tally.voted_households, tally.yes_area, tally.no_area) == (1, 0, 8950)


def test_the_roll_is_copied_when_the_vote_opens(engine) -> None:
    building_id = _roll(engine, _equal_roll(3))
    vote_id = _vote(engine, building_id, store.ORDINARY)
    with session_scope(engine) as session:
        store.import_roll(
            session=session, building_id=building_id, rows=[store.RollRow("1", "004", 100, "新")], now=NOW
        )
    tally, _ = _verdict(engine, vote_id)
    assert tally.households == 3  # the vote counts by the roll it opened with


def test_reimport_updates_and_a_new_owner_loses_the_old_link(engine) -> None:
    building_id = _roll(
        engine, [store.RollRow("1", "502", 8950, "张三"), store.RollRow("1", "503", 9000, "李四", 77)]
    )
    with session_scope(engine) as session:
        first, second = store.households(session=session, building_id=building_id)
        assert first.claim_code is not None and len(first.claim_code) == store.CODE_DIGITS
        assert second.owner_tg_id == 77 and second.claim_code is None  # known id: linked, no code needed
        code = first.claim_code
        assert store.claim(session=session, code=code, user_id=55, now=NOW) is not None
    with session_scope(engine) as session:
        assert store.claim(session=session, code=code, user_id=56, now=NOW) is None  # one time only
        result = store.import_roll(
            session=session,
            building_id=building_id,
            rows=[store.RollRow("1", "502", 8950, "张三"), store.RollRow("1", "503", 9000, "周七")],
            now=NOW,
        )
        assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
        first, second = store.households(session=session, building_id=building_id)
        assert first.owner_tg_id == 55  # unchanged: the claim stands
        assert second.owner_tg_id is None and second.claim_code is not None  # sold: a new code


def test_verify_passes_a_clean_record_and_closing_seals_it(engine) -> None:
    vote_id = _vote(engine, _roll(engine, _equal_roll(100)), store.REBUILD)
    _cast(engine, vote_id, _ballots(67, 51))
    with session_scope(engine) as session:
        vote = store.get_vote(session=session, vote_id=vote_id, for_update=True)
        assert vote is not None
        _, verdict = store.close_vote(session=session, vote=vote, now=NOW + timedelta(days=7))
        assert verdict.passed and vote.final_hash and vote.passed
        sealed = vote.final_hash
    with Session(engine) as session:
        result = store.verify(session=session, vote_id=vote_id)
    assert result.problems == [] and result.entries == 67 and result.final_hash == sealed
    assert result.verdict is not None and result.verdict.passed


@pytest.mark.parametrize(
    ("edit", "finding"),
    [
        ("UPDATE owner_ballots SET choice = 'yes' WHERE seq = 60", "entry 60: its hash does not match"),
        ("DELETE FROM owner_ballots WHERE seq = 30", "expected entry 30 here"),
        ("UPDATE owner_vote_roll SET area_centi = 100000 WHERE household_id = 1", "anchor"),
        ("UPDATE owner_votes SET passed = false", "verdict differs"),
        ("UPDATE owner_votes SET question = '是否同意拆除？'", "anchor"),
    ],
)
def test_verify_finds_what_was_changed_behind_the_bots_back(engine, edit: str, finding: str) -> None:
    vote_id = _vote(engine, _roll(engine, _equal_roll(100)), store.REBUILD)
    _cast(engine, vote_id, _ballots(67, 51))
    with session_scope(engine) as session:
        vote = store.get_vote(session=session, vote_id=vote_id, for_update=True)
        assert vote is not None
        store.close_vote(session=session, vote=vote, now=NOW)
    with engine.begin() as conn:
        conn.execute(text(edit))
    with Session(engine) as session:
        problems = store.verify(session=session, vote_id=vote_id).problems
    assert any(finding in problem for problem in problems), problems


def test_a_rewritten_ballot_with_a_recomputed_chain_still_changes_the_final_hash(engine) -> None:
    """Someone with the database rewrites a ballot and every hash after it: the record agrees with itself
    again, but the final hash printed in the result message no longer matches."""
    vote_id = _vote(engine, _roll(engine, _equal_roll(100)), store.REBUILD)
    _cast(engine, vote_id, _ballots(67, 50))
    with session_scope(engine) as session:
        vote = store.get_vote(session=session, vote_id=vote_id, for_update=True)
        assert vote is not None
        store.close_vote(session=session, vote=vote, now=NOW)
        published = vote.final_hash
        # The forger's work: flip entry 60, re-chain everything after it, re-seal.
        record = store.entries(session=session, vote_id=vote_id)
        prev = vote.anchor_hash
        for entry in record:
            if entry.seq == 60:
                entry.choice = store.YES
            entry.prev_hash, entry.hash = prev, store.ballot_hash(entry, prev)
            prev = entry.hash
            session.add(entry)
        vote.head_hash = prev
        tally = store.count(
            store.roll_of(session=session, vote_id=vote_id), {e.household_id: e for e in record}
        )
        vote.result = dataclasses.asdict(tally)
        vote.passed = store.decide(tally, vote.matter).passed
        vote.final_hash = store.final_hash(vote, tally, vote.passed)
        session.add(vote)
    with Session(engine) as session:
        result = store.verify(session=session, vote_id=vote_id)
        assert result.problems == [] and result.verdict is not None and result.verdict.passed
        assert result.final_hash != published


def test_a_closed_vote_takes_no_ballot_and_an_empty_roll_no_vote(engine) -> None:
    vote_id = _vote(engine, _roll(engine, _equal_roll(2)), store.ORDINARY)
    with session_scope(engine) as session:
        vote = session.get(OwnerVote, vote_id)
        assert vote is not None
        store.close_vote(session=session, vote=vote, now=NOW)
    with session_scope(engine) as session, pytest.raises(ValueError):
        store.cast(
            session=session, vote_id=vote_id, household_id=1, choice=store.YES, method=store.PAPER, now=NOW
        )
    other = _roll(engine, [], name="5号楼")
    with session_scope(engine) as session:
        assert (
            store.create_vote(
                session=session,
                building_id=other,
                matter=store.ORDINARY,
                title="t",
                question="q",
                creator_id=STAFF_ID,
                closes_at=NOW,
                now=NOW,
            )
            is None
        )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_linli_roll_import_reads_csv_and_xlsx(
    engine, db_url: str, monkeypatch, tmp_path, suffix: str
) -> None:
    from openpyxl import Workbook

    from bot.cli import main as cli

    rows = [
        ["单元", "房号", "面积", "业主姓名", "Telegram ID"],
        ["1", "501", "89.5", "张阿姨", ""],
        [2, 601, 120.25, "陈先生", 77],
    ]
    path = tmp_path / f"roll{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join(str(c) for c in row) for row in rows), encoding="utf-8-sig")
    else:
        book = Workbook()
        for row in rows:
            book.active.append([None if c == "" else c for c in row])
        book.save(path)
    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    assert cli(["roll", "import", str(path), "--building", "3号楼"]) == 0
    with Session(engine) as session:
        found = store.households(session=session, building_id=None)
    assert [(h.unit, h.room, h.area_centi, h.owner_name, h.owner_tg_id) for h in found] == [
        ("1", "501", 8950, "张阿姨", None),
        ("2", "601", 12025, "陈先生", 77),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("1,501,89.555,张阿姨\n", encoding="utf-8")
    assert cli(["roll", "import", str(bad), "--building", "3号楼"]) == 1
