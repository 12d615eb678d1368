"""Points in the core: earning on 受理, never on submission, once; reversal; caps; /award and /revoke; asking
privately; the rank's opt-in; redeeming with staff approval; the ledger's verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from handlers import texts as common
from handlers.actions import AnswerButton, EditMessage, SendMessage
from handlers.points import texts
from handlers.points.buttons import (
    ApproveAward,
    ApproveRedemption,
    ConfirmReward,
    Details,
    PickReward,
    RejectAward,
    RejectRedemption,
    RewardMenu,
    ToggleRankName,
)
from handlers.tickets.buttons import Accept, Progress, Reject, Resolve, SkipNote
from storage import points as ledger
from storage.models import PointsEntry, Redemption
from tests.support import ADMIN, GROUP_3, NEIGHBOUR, RESIDENT, STAFF, STAFF_CHAT, Harness, buttons_of, private

SECOND = RESIDENT.__class__(8, "陈主管")  # a second staff member
DEFAULT_BOOK = Path(__file__).parents[1] / "handlers" / "points" / "default_points.toml"


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    for person in (STAFF, SECOND):
        h.say(private(person), person, "/start")
        h.say(STAFF_CHAT, ADMIN, f"/staff {person.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


def balance(engine, person=RESIDENT) -> int:
    with Session(engine) as session:
        return ledger.standing(session=session, user_id=person.id).balance


def verified(engine) -> ledger.Verification:
    with Session(engine) as session:
        return ledger.verify(session=session)


def report(h: Harness, text: str = "报事 3号楼电梯坏了", who=RESIDENT) -> None:
    h.say(GROUP_3, who, text)


def labels(action) -> list[str]:
    return [label for label, _ in buttons_of(action)]


def sent_text(actions) -> str:
    return "\n".join(
        a.text for a in actions if isinstance(a, SendMessage | EditMessage | AnswerButton) and a.text
    )


async def test_a_report_earns_on_accept_not_on_submission_and_once(h: Harness, engine) -> None:
    report(h)
    assert balance(engine) == 0  # submitting earns nothing
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    assert balance(engine) == 5
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())  # a double press
    h.press(STAFF_CHAT, SECOND, Progress(1).encode())
    h.press(STAFF_CHAT, STAFF, Resolve(1).encode())
    h.press(STAFF_CHAT, STAFF, SkipNote(1).encode())
    assert balance(engine) == 5  # once per ticket, whatever happens next
    details = sent_text(h.say(private(RESIDENT), RESIDENT, "/points 明细"))
    assert "报事 #1 已受理 +5" in details
    assert verified(engine).problems == []


async def test_resolving_without_accepting_pays_too(h: Harness, engine) -> None:
    report(h)
    h.press(STAFF_CHAT, STAFF, Resolve(1).encode())
    h.press(STAFF_CHAT, STAFF, SkipNote(1).encode())
    assert balance(engine) == 5


async def test_a_rejection_pays_nothing_and_takes_back_what_was_paid(h: Harness, engine) -> None:
    report(h)
    h.press(STAFF_CHAT, STAFF, Reject(1).encode())
    h.say(STAFF_CHAT, STAFF, "不是物业范围")
    assert balance(engine) == 0
    report(h, "报事 3号楼楼道灯坏了")
    h.press(STAFF_CHAT, STAFF, Accept(2).encode())
    assert balance(engine) == 5
    h.press(STAFF_CHAT, STAFF, Reject(2).encode())
    h.say(STAFF_CHAT, STAFF, "重复报事")
    assert balance(engine) == 0
    with Session(engine) as session:
        reversal = session.exec(select(PointsEntry).where(PointsEntry.rule == ledger.REVERSAL)).one()
        assert reversal.reverses is not None and reversal.amount == 5
    assert "报事 #2 已驳回，收回 -5" in sent_text(h.say(private(RESIDENT), RESIDENT, "/points 明细"))
    assert verified(engine).problems == []


async def test_the_daily_cap_stops_report_farming(h: Harness, engine) -> None:
    places = ("电梯", "楼道灯", "水管", "门禁", "垃圾桶")
    for number, place in enumerate(places, 1):
        report(h, f"报事 3号楼{place}坏了，麻烦看看第{number}次")
        h.press(STAFF_CHAT, STAFF, Accept(number).encode())
    assert balance(engine) == 15  # the default daily cap for reports


async def test_a_redelivered_update_pays_once(h: Harness, engine) -> None:
    report(h)
    h.say(STAFF_CHAT, STAFF, "/accept 1", update_id=9001)
    h.say(STAFF_CHAT, STAFF, "/accept 1", update_id=9001)
    assert balance(engine) == 5


async def test_staff_taking_on_their_own_report_earn_nothing(h: Harness, engine) -> None:
    report(h, who=STAFF)
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    assert balance(engine, STAFF) == 0


async def test_award_by_id_by_reply_and_in_hours(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "大家好")
    said = sent_text(h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 2h 清理楼道"))
    assert "+20" in said
    assert balance(engine) == 20
    h.say(GROUP_3, RESIDENT, "我来帮忙搬东西")
    resident_message = h.last_message_id
    h.say(GROUP_3, STAFF, "/award 10 帮忙搬东西", reply_to=resident_message, reply_to_sender=RESIDENT)
    assert balance(engine) == 30
    h.say(STAFF_CHAT, SECOND, f"/award {RESIDENT.id} 议事 参加三号楼议事会")
    assert balance(engine) == 40
    lines = sent_text(h.say(private(RESIDENT), RESIDENT, "/points 明细"))
    assert "志愿服务：清理楼道 +20" in lines and "参加议事：参加三号楼议事会 +10" in lines
    with Session(engine) as session:
        givers = {e.granted_by for e in session.exec(select(PointsEntry))}
    assert givers == {STAFF.id, SECOND.id}  # every hand entry names its giver
    told = [d.text for d in await h.deliveries() if d.chat_id == RESIDENT.id]
    assert any("您获得 20 积分" in t for t in told)


async def test_award_is_for_staff_and_never_to_oneself(h: Harness, engine) -> None:
    refused = h.say(private(NEIGHBOUR), NEIGHBOUR, f"/award {RESIDENT.id} 10 帮忙")
    assert refused[0].text == common.DENY_STAFF_ONLY
    assert h.say(STAFF_CHAT, STAFF, f"/award {STAFF.id} 10 自己")[0].text == texts.AWARD_SELF
    assert h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 10")[0].text.startswith("请写上说明")
    assert h.say(STAFF_CHAT, STAFF, "/award")[0].text == texts.AWARD_USAGE
    assert h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 9999 太多")[0].text == texts.AWARD_TOO_MUCH.format(
        limit=500
    )
    assert balance(engine) == 0 and balance(engine, STAFF) == 0


async def test_beyond_the_pair_cap_a_second_staff_member_approves(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 40 组织活动")
    said = sent_text(h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 20 又组织活动"))
    assert "已请其他工作人员批准" in said
    assert balance(engine) == 40
    card = next(d for d in await h.deliveries() if d.chat_id == STAFF_CHAT.id and "加分待批准" in d.text)
    assert labels(card) == [texts.BTN_APPROVE, texts.BTN_REJECT]
    h.press(STAFF_CHAT, SECOND, RejectAward(1).encode())
    assert balance(engine) == 40
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 20 第三次")
    own = h.press(STAFF_CHAT, STAFF, ApproveAward(2).encode())
    assert own[0].text == texts.AWARD_APPROVE_OWN and balance(engine) == 40
    h.press(STAFF_CHAT, SECOND, ApproveAward(2).encode())
    assert balance(engine) == 50  # the award rule's daily cap (50) pays what room is left
    again = h.press(STAFF_CHAT, SECOND, ApproveAward(2).encode())  # pressed again
    assert again[0].text == texts.AWARD_DECIDED.format(number=2)
    assert h.press(STAFF_CHAT, SECOND, ApproveAward(1).encode())[0].text == texts.AWARD_DECIDED.format(
        number=1
    )
    assert balance(engine) == 50
    with Session(engine) as session:
        approved = session.exec(select(PointsEntry).where(PointsEntry.approved_by == SECOND.id)).one()
        assert approved.granted_by == STAFF.id and approved.amount == 10


async def test_revoke_reverses_one_entry_once(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 10 帮忙")
    assert "已收回" in sent_text(h.say(STAFF_CHAT, SECOND, "/revoke 1 重复加分"))
    assert balance(engine) == 0
    assert "已经收回过了" in sent_text(h.say(STAFF_CHAT, SECOND, "/revoke 1 重复加分"))
    assert sent_text(h.say(STAFF_CHAT, SECOND, "/revoke 2 这是更正记录")).startswith("记录 2 不是一笔得分")
    assert sent_text(h.say(STAFF_CHAT, SECOND, "/revoke 1")) == texts.REVOKE_USAGE
    assert h.say(private(RESIDENT), RESIDENT, "/revoke 1 想撤")[0].text == common.DENY_STAFF_ONLY
    assert "更正：收回一笔积分：重复加分 -10" in sent_text(h.say(private(RESIDENT), RESIDENT, "/points 明细"))
    assert verified(engine).problems == []


async def test_points_privately_first_line_is_the_balance(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 25 帮忙")
    answer = h.say(private(RESIDENT), RESIDENT, common.BTN_POINTS)[0]
    lines = answer.text.splitlines()
    assert lines[0] == "您现在有 25 分"
    assert "等级：居民" in lines and "再得 25 分升为 热心居民" in lines
    assert "离 社区食堂餐券（100 分）还差 75 分" in lines
    assert labels(answer)[:2] == [texts.BTN_DETAILS, texts.BTN_REDEEM]
    assert h.say(private(RESIDENT), RESIDENT, "/points")[0].text == answer.text
    details = h.press(private(RESIDENT), RESIDENT, Details().encode())
    assert "工作人员奖励：帮忙 +25" in sent_text(details)


async def test_no_balance_is_ever_posted_in_a_group(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 25 帮忙")
    in_group = h.say(GROUP_3, RESIDENT, "/points")
    assert [a.text for a in in_group] == [texts.IN_GROUP_SENT_PRIVATELY]
    privately = [d for d in await h.deliveries() if d.chat_id == RESIDENT.id]
    assert privately[-1].text.startswith("您现在有 25 分")
    # Someone who never started the bot gets a button that opens the private chat, and no number.
    stranger = h.say(GROUP_3, NEIGHBOUR, "/points@linli_bot")[0]
    assert stranger.text == texts.IN_GROUP_OPEN_PRIVATE and not any(c.isdigit() for c in stranger.text)
    assert stranger.keyboard.rows[0][0].url == "https://t.me/linli_bot?start=points"
    assert h.say(private(NEIGHBOUR), NEIGHBOUR, "/start points")[0].text.startswith("您现在有 0 分")
    for answer in [*in_group, stranger, *h.say(GROUP_3, RESIDENT, "/points 明细")]:
        assert "25" not in answer.text


async def test_rank_shows_names_only_of_those_who_opted_in(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "大家好")
    h.say(GROUP_3, NEIGHBOUR, "大家好")
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 30 帮忙")
    h.say(STAFF_CHAT, STAFF, f"/award {NEIGHBOUR.id} 20 帮忙")
    board = h.say(GROUP_3, RESIDENT, "/rank")[0].text
    assert "1. 3号楼 一位居民 30 分" in board and "2. 3号楼 一位居民 20 分" in board
    assert "张阿姨" not in board
    toast = h.press(private(RESIDENT), RESIDENT, ToggleRankName().encode())[0]
    assert toast.text == texts.RANK_BY_NAME_ON
    board = h.say(GROUP_3, NEIGHBOUR, "/rank")[0].text
    assert "1. 张阿姨 30 分" in board and "2. 3号楼 一位居民 20 分" in board
    assert "本月在3号楼排第 1 名（30 分）" in h.say(private(RESIDENT), RESIDENT, "/points")[0].text
    h.press(private(RESIDENT), RESIDENT, ToggleRankName().encode())
    assert "张阿姨" not in h.say(GROUP_3, NEIGHBOUR, "/rank")[0].text


async def test_monthly_statement(h: Harness, engine) -> None:
    from datetime import UTC, datetime

    h.clock_value = datetime(2026, 11, 5, 2, tzinfo=UTC)
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 2h 清理楼道")
    h.clock_value = datetime(2026, 12, 2, 2, tzinfo=UTC)
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 10 帮忙")
    november = h.say(private(RESIDENT), RESIDENT, "/points 明细 11月")[0].text.splitlines()
    assert november[0] == "2026年11月 积分明细"
    assert november[1] == "月初余额：0 分"
    assert november[2] == "11-05 10:00 志愿服务：清理楼道 +20（余 20）"
    assert november[-1] == "月末余额：20 分"
    december = h.say(private(RESIDENT), RESIDENT, "/points 明细 2026-12")[0].text
    assert "月初余额：20 分" in december and "月末余额：30 分" in december
    assert h.say(private(RESIDENT), RESIDENT, "/points 明细 十三月")[0].text == texts.STATEMENT_BAD_MONTH


async def test_redeeming_with_approval(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 50 帮忙")
    h.say(STAFF_CHAT, SECOND, f"/award {RESIDENT.id} 6h 清理楼道")
    assert balance(engine) == 110
    menu = h.press(private(RESIDENT), RESIDENT, RewardMenu().encode())[1]
    assert labels(menu) == ["社区食堂餐券 100分"]
    question = h.press(private(RESIDENT), RESIDENT, PickReward("meal").encode())[1]
    assert question.text.startswith("用 100 分兑换 社区食堂餐券？")
    done = h.press(private(RESIDENT), RESIDENT, ConfirmReward("meal").encode())[1]
    assert done.text.startswith("已提交兑换申请 #1")
    assert balance(engine) == 10  # held from the request on
    again = h.press(private(RESIDENT), RESIDENT, ConfirmReward("meal").encode())  # a double press
    assert "已提交兑换申请 #1" in sent_text(again) and balance(engine) == 10
    another = h.press(private(RESIDENT), RESIDENT, ConfirmReward("meal").encode(), message_id=5000)
    assert "积分不够" in sent_text(another)
    with Session(engine) as session:  # the refused request left no row behind (it once did, unheld)
        assert [r.id for r in session.exec(select(Redemption))] == [1]
    card = next(d for d in await h.deliveries() if d.chat_id == STAFF_CHAT.id and "兑换申请 #1" in d.text)
    assert labels(card) == [texts.BTN_APPROVE, texts.BTN_REJECT]
    refused = h.press(private(NEIGHBOUR), NEIGHBOUR, ApproveRedemption(1).encode())
    assert refused[0].text == common.DENY_STAFF_ONLY
    edited = h.press(STAFF_CHAT, STAFF, ApproveRedemption(1).encode())[1]
    assert "已由 王师傅 批准" in edited.text
    with Session(engine) as session:
        request = session.get(Redemption, 1)
        assert request.status == "approved" and request.code and len(request.code) == 8
    told = [d.text for d in await h.deliveries() if d.chat_id == RESIDENT.id]
    assert any(request.code in t and "兑换码" in t for t in told)
    assert h.press(STAFF_CHAT, SECOND, ApproveRedemption(1).encode())[0].text == texts.REDEEM_DECIDED.format(
        number=1
    )
    assert balance(engine) == 10
    lines = sent_text(h.say(private(RESIDENT), RESIDENT, "/points 明细"))
    assert "兑换 社区食堂餐券（等批准） -100" in lines and "兑换 社区食堂餐券 已批准" in lines
    assert verified(engine).problems == []


async def test_a_rejected_redemption_gives_the_points_back_with_the_reason(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 50 帮忙")
    h.say(STAFF_CHAT, SECOND, f"/award {RESIDENT.id} 5h 清理楼道")
    h.press(private(RESIDENT), RESIDENT, ConfirmReward("meal").encode())
    assert balance(engine) == 0
    asked = h.press(STAFF_CHAT, STAFF, RejectRedemption(1).encode())[1]
    assert asked.text == texts.ASK_REJECT_REASON.format(number=1)
    h.say(STAFF_CHAT, STAFF, "本月餐券已发完")
    assert balance(engine) == 100
    told = [d.text for d in await h.deliveries() if d.chat_id == RESIDENT.id]
    assert any("没有批准：本月餐券已发完" in t for t in told)
    assert "兑换 社区食堂餐券 未批准，退回 +100" in sent_text(
        h.say(private(RESIDENT), RESIDENT, "/points 明细")
    )


async def test_out_of_stock_shows_and_refuses(engine, tmp_path) -> None:
    book = tmp_path / "points.toml"
    book.write_text(
        DEFAULT_BOOK.read_text(encoding="utf-8").replace("stock = 200", "stock = 1"), encoding="utf-8"
    )
    h = Harness(engine, points_file=str(book))
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(private(RESIDENT), RESIDENT, "/start")
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    for person in (RESIDENT, NEIGHBOUR):
        h.say(STAFF_CHAT, STAFF, f"/award {person.id} 50 帮忙")
        h.say(STAFF_CHAT, ADMIN, f"/award {person.id} 5h 清理楼道")
    h.press(private(RESIDENT), RESIDENT, ConfirmReward("meal").encode())
    late = h.press(private(NEIGHBOUR), NEIGHBOUR, ConfirmReward("meal").encode())
    assert "已兑完" in sent_text(late)
    menu = h.press(private(NEIGHBOUR), NEIGHBOUR, RewardMenu().encode())[1]
    assert labels(menu) == ["社区食堂餐券（已兑完）"]
    assert balance(engine, NEIGHBOUR) == 100


async def test_points_review_lists_a_giver_who_favours_one_resident(h: Harness, engine) -> None:
    for n in range(3):
        h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 5 帮忙{n}")
    review = h.say(STAFF_CHAT, ADMIN, "/points_review")[0].text
    assert "王师傅 → 张阿姨" in review and "3 次，共 15 分" in review
    assert h.say(STAFF_CHAT, STAFF, "/points_review")[0].text == common.DENY_ADMIN_ONLY


def test_verify_catches_a_row_edited_behind_the_bots_back(h: Harness, engine) -> None:
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 10 帮忙")
    h.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 5 又帮忙")
    assert verified(engine).problems == []
    with engine.begin() as conn:
        conn.execute(text("UPDATE points_entries SET amount = 100 WHERE id = 1"))
    problems = verified(engine).problems
    assert any("entry 1" in p and "hash" in p for p in problems)
    with engine.begin() as conn:
        conn.execute(text("UPDATE points_entries SET amount = 10 WHERE id = 1"))
        conn.execute(
            text("UPDATE points_balances SET balance = 999 WHERE account = :a"), {"a": f"u:{RESIDENT.id}"}
        )
    assert any("balance 999 recorded" in p for p in verified(engine).problems)
