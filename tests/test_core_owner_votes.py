"""Owners' votes (业主表决) in the core: pasting the roll, claim codes and /claim, /owner_vote to the group
and privately to owners, presses by owners only (one press for all of an owner's households), staff-entered
ballots with the owner told, the live figures, who has not voted (staff and the building's leader,
privately), closing at the deadline and by /end_owner_vote with every figure, 通过 / 未通过, why and the
final hash, and `linli vote verify` agreeing with that hash."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.cli import main as cli
from handlers import texts as common
from handlers.actions import EditMessage, SendMessage
from handlers.owners import texts
from handlers.owners.buttons import OwnerChoice
from storage.models import OwnerVote
from tests.support import (
    ADMIN,
    GROUP_3,
    GROUP_5,
    NEIGHBOUR,
    RESIDENT,
    STAFF,
    STAFF_CHAT,
    Harness,
    buttons_of,
    private,
)

LEADER = RESIDENT.__class__(9, "赵楼长")
OUTSIDER = RESIDENT.__class__(10, "孙先生")
QIAN = RESIDENT.__class__(12, "钱女士")  # her Telegram id is on the roll: linked without a code
ROLL = (
    "单元\t房号\t面积\t业主姓名\tTelegram ID\n"
    "1\t501\t89.50\t张阿姨\n"
    "1\t502\t100.25\t刘大爷\n"
    "1\t503\t90\t刘大爷\n"
    "2\t601\t120.00\t陈先生\n"
    f"2\t602\t95.5\t钱女士\t{QIAN.id}"
)
LAUNCH = "/owner_vote 3号楼 加装电梯 | 是否同意在3号楼加装电梯？ | 7天"


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    h.say(GROUP_3, LEADER, "大家好")
    h.say(GROUP_3, STAFF, "/leader", reply_to=h.last_message_id, reply_to_sender=LEADER)
    for person in (RESIDENT, NEIGHBOUR, QIAN, LEADER, OUTSIDER):
        h.say(private(person), person, "/start")
    return h


def import_roll(h: Harness) -> None:
    assert h.say(private(STAFF), STAFF, "/roll 3号楼")[0].text == texts.ROLL_ASK.format(building="3号楼")
    [imported] = h.say(private(STAFF), STAFF, ROLL)
    assert imported.text == texts.ROLL_IMPORTED.format(
        building="3号楼", added=5, updated=0, unchanged=0, households=5, area="495.25"
    )
    [saved] = h.say(private(STAFF), STAFF, texts.BTN_DONE)
    assert saved.text.startswith("3号楼 的名单已保存：共 5 户，业主 4 人，总面积 495.25㎡。")


def codes(h: Harness) -> dict[str, str]:
    """/roll_codes: household label → its one-time code."""
    listing = "\n".join(m.text for m in h.say(private(STAFF), STAFF, "/roll_codes 3号楼"))
    return dict(re.findall(r"· (\S+) \S+：(\d+)", listing))


async def ready(h: Harness) -> SendMessage:
    """Roll imported, households claimed, the vote opened; returns the group's vote message."""
    import_roll(h)
    code = codes(h)
    assert sorted(code) == ["1-501", "1-502", "1-503", "2-601"]  # 2-602 is linked by the roll itself
    assert h.say(private(RESIDENT), RESIDENT, f"/claim {code['1-501']}")[0].text == texts.CLAIM_DONE.format(
        building="3号楼", label="1-501", area="89.50", owner="张阿姨"
    )
    for label in ("1-502", "1-503"):
        h.say(private(NEIGHBOUR), NEIGHBOUR, f"/claim {code[label]}")
    assert h.say(private(OUTSIDER), OUTSIDER, f"/claim {code['1-501']}")[0].text == texts.CLAIM_WRONG
    await h.deliveries()
    [launched] = h.say(private(STAFF), STAFF, LAUNCH)
    assert launched.text.splitlines() == [
        "已发起业主表决 #1「加装电梯」",
        "类型：改建、重建（如加装电梯）",  # no code given: 电梯 chooses the three-quarters rule
        "已发到 1 个群，另私聊通知了 3 位已认领的业主。",
        texts.VOTE_MATTER_GUESSED.format(matter="改建、重建（如加装电梯）", number=1),
    ]
    out = [d for d in await h.deliveries() if isinstance(d, SendMessage)]
    assert sorted(d.chat_id for d in out) == sorted([GROUP_3.id, RESIDENT.id, NEIGHBOUR.id, QIAN.id])
    [posted] = [d for d in out if d.chat_id == GROUP_3.id]
    return posted


def press(h: Harness, who, choice: str, chat=GROUP_3) -> str:
    [toast] = h.press(chat, who, OwnerChoice(1, choice).encode(), message_id=1000)
    return toast.text


def test_claim_and_roll_stay_private(h: Harness) -> None:
    assert h.say(GROUP_3, RESIDENT, "/claim 12345678")[0].text == texts.CLAIM_PRIVATE_ONLY
    assert h.say(GROUP_3, STAFF, "/roll 3号楼")[0].text == texts.ROLL_PRIVATE_ONLY
    assert h.say(GROUP_3, STAFF, "/roll_codes 3号楼")[0].text == texts.CODES_PRIVATE_ONLY
    assert h.say(private(RESIDENT), RESIDENT, "/roll 3号楼")[0].text == common.DENY_STAFF_ONLY
    assert h.say(private(RESIDENT), RESIDENT, "/claim")[0].text == texts.CLAIM_USAGE


def test_a_bad_paste_is_explained_line_by_line_and_nothing_is_imported(h: Harness) -> None:
    h.say(private(STAFF), STAFF, "/roll 3号楼")
    [answer] = h.say(private(STAFF), STAFF, "1,501,89.50,张阿姨\n1,502,八十,刘大爷\n1,501,70,王五\n1,503")
    assert answer.text.splitlines() == [
        "这一批没有导入，请改好再发：",
        "第 2 行：" + texts.ROLL_BAD_AREA.format(area="八十"),
        "第 3 行：" + texts.ROLL_TWICE.format(label="1-501"),
        "第 4 行：" + texts.ROLL_TOO_FEW,
    ]
    assert h.say(private(STAFF), STAFF, texts.BTN_DONE)[0].text == texts.ROLL_NOTHING.format(building="3号楼")
    # The rows may also follow the command in one message.
    [direct] = h.say(private(STAFF), STAFF, "/roll 3号楼\n1，501，89.5㎡，张阿姨")
    assert "新增 1 户" in direct.text


async def test_the_vote_message_shows_the_rule_and_three_buttons(h: Harness) -> None:
    posted = await ready(h)
    lines = posted.text.splitlines()
    assert lines[:2] == ["🗳 业主表决 #1：加装电梯", "是否同意在3号楼加装电梯？"]
    assert "范围：3号楼，共 5 户，业主 4 人，总面积 495.25㎡" in lines
    assert texts.VOTE_RULE_SPECIAL in lines
    assert [label for label, _ in buttons_of(posted)] == ["同意", "反对", "弃权"]


async def test_only_owners_press_and_one_press_covers_all_their_households(h: Harness) -> None:
    await ready(h)
    assert press(h, OUTSIDER, "yes") == texts.NOT_OWNER
    assert press(h, LEADER, "yes") == texts.NOT_OWNER  # a leader is not an owner unless they claim a flat
    assert press(h, RESIDENT, "yes") == "已记录：同意（1-501，89.50㎡）"
    assert press(h, RESIDENT, "yes") == "您已经投过：同意"
    assert press(h, NEIGHBOUR, "no", chat=private(NEIGHBOUR)) == "已记录：反对（2 户，共 190.25㎡）"
    assert press(h, NEIGHBOUR, "yes") == "已记录：同意（2 户，共 190.25㎡）"  # changed before the deadline
    status = h.say(GROUP_3, RESIDENT, "/owner_status 1")[0].text.splitlines()
    assert "已投票 3 户 / 共 5 户" in status
    assert "面积：279.75㎡ / 495.25㎡（56.49%），至少要 330.17㎡ ❌ 没达到" in status
    assert "人数：2 人 / 4 人（50.00%），至少要 3 人 ❌ 没达到" in status
    assert status[-2:] == [
        texts.VERDICT_NOW_FAILED,
        "原因：参与表决的面积不到总面积的三分之二；参与表决的人数不到业主总人数的三分之二。",
    ]


async def test_staff_enter_ballots_and_the_owner_is_told_privately(h: Harness) -> None:
    await ready(h)
    assert h.say(GROUP_3, RESIDENT, "/paper 1 2-601 同意 纸质")[0].text == common.DENY_STAFF_ONLY
    assert h.say(private(STAFF), STAFF, "/paper 1 2-601 赞成 纸质")[0].text == texts.PAPER_USAGE
    assert h.say(private(STAFF), STAFF, "/paper 1 9-999 同意 纸质")[
        0
    ].text == texts.PAPER_NO_HOUSEHOLD.format(number=1, label="9-999")
    [unlinked] = h.say(private(STAFF), STAFF, "/paper 1 3-2-601 反对 纸质")
    assert unlinked.text == "已登记 表决 #1 2-601（陈先生）：反对，纸质。" + texts.PAPER_NOT_TOLD
    [linked] = h.say(private(STAFF), STAFF, "/paper 1 2-602 同意 委托 女儿代签")
    assert linked.text == "已登记 表决 #1 2-602（钱女士）：同意，委托。" + texts.PAPER_TOLD
    [notice] = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id == QIAN.id]
    assert "工作人员 王师傅 为您家 3号楼 2-602 登记了委托选票：同意。" in notice.text


async def test_who_has_not_voted_goes_privately_to_staff_and_the_leader(h: Harness) -> None:
    await ready(h)
    press(h, RESIDENT, "yes")
    assert h.say(GROUP_3, RESIDENT, "/not_voted 1")[0].text == texts.NOT_VOTED_DENIED
    in_group = h.say(GROUP_3, LEADER, "/not_voted 1")
    assert [a.chat_id for a in in_group] == [LEADER.id, GROUP_3.id]
    assert in_group[-1].text == texts.NOT_VOTED_SENT
    assert in_group[0].text.splitlines() == [
        "📋 业主表决 #1「加装电梯」还没投票的住户：",
        "3号楼：4 户",
        "· 1-502 刘大爷 100.25㎡ （已认领，可私聊提醒）",
        "· 1-503 刘大爷 90.00㎡ （已认领，可私聊提醒）",
        "· 2-601 陈先生 120.00㎡ （未认领，请上门或电话）",
        "· 2-602 钱女士 95.50㎡ （已认领，可私聊提醒）",
    ]
    assert h.say(private(STAFF), STAFF, "/not_voted 1")[0].text == in_group[0].text


async def test_closing_at_the_deadline_posts_every_figure_and_the_final_hash(
    h: Harness, engine, db_url: str, monkeypatch, capsys
) -> None:
    await ready(h)
    press(h, RESIDENT, "yes")
    press(h, NEIGHBOUR, "yes")
    h.say(private(STAFF), STAFF, "/paper 1 2-601 反对 上门")
    h.say(private(STAFF), STAFF, "/paper 1 2-602 同意 委托")
    await h.deliveries()
    h.advance(timedelta(days=7, minutes=1))
    assert h.core.tick() >= 1
    out = await h.deliveries()
    results = [d for d in out if isinstance(d, SendMessage) and "结果" in d.text]
    assert sorted(r.chat_id for r in results) == sorted([GROUP_3.id, STAFF_CHAT.id])
    # Every ballot message loses its buttons; in the group the result answers the vote message.
    edits = [d for d in out if isinstance(d, EditMessage)]
    assert sorted(e.chat_id for e in edits) == sorted([GROUP_3.id, RESIDENT.id, NEIGHBOUR.id, QIAN.id])
    assert all(
        e.keyboard is None and e.text.endswith("🔒 已结束，结果：✅ 通过（票数和校验码请看结果那条消息）")
        for e in edits
    )
    [in_group] = [r for r in results if r.chat_id == GROUP_3.id]
    assert in_group.reply_to == next(e.message_id for e in edits if e.chat_id == GROUP_3.id)
    lines = results[0].text.splitlines()
    with Session(engine) as session:
        vote = session.get(OwnerVote, 1)
        assert vote is not None and vote.passed and vote.final_hash
        sealed = vote.final_hash
    assert lines[:4] == [
        "📋 业主表决 #1 结果：加装电梯",
        "是否同意在3号楼加装电梯？",
        "类型：改建、重建（如加装电梯）",
        "范围：3号楼，共 5 户，业主 4 人，总面积 495.25㎡",
    ]
    assert lines[4].startswith("状态：已结束")
    assert lines[5:] == [
        "已投票 5 户 / 共 5 户",
        "",
        "一、参与表决（要达到总数的三分之二）",
        "面积：495.25㎡ / 495.25㎡（100.00%），至少要 330.17㎡ ✅ 达到",
        "人数：4 人 / 4 人（100.00%），至少要 3 人 ✅ 达到",
        "二、同意（要达到参与的四分之三）",
        "面积：375.25㎡ / 495.25㎡（75.77%），至少要 371.44㎡ ✅ 达到",
        "人数：3 人 / 4 人（75.00%），至少要 3 人 ✅ 达到",  # exactly three quarters is enough
        "反对：120.00㎡，1 人；弃权：0.00㎡，0 人",
        "",
        "结果：✅ 通过",
        "原因：参与的面积和人数都达到了三分之二，同意的面积和人数都达到了参与的四分之三。",
        "",
        f"校验码：{sealed}",
        texts.HASH_HOW.format(number=1),
    ]
    assert press(h, RESIDENT, "no") == texts.VOTE_CLOSED
    assert h.say(private(STAFF), STAFF, "/paper 1 2-601 同意 纸质")[0].text == texts.VOTE_CLOSED
    assert h.say(private(STAFF), STAFF, "/end_owner_vote 1")[0].text == texts.END_ALREADY.format(number=1)
    h.core.tick()
    assert [d for d in await h.deliveries() if "结果" in getattr(d, "text", "")] == []  # closed once
    # `linli vote verify 1` recomputes the same hash; a ballot edited in the database is found.
    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    assert cli(["vote", "verify", "1"]) == 0
    out = capsys.readouterr().out
    assert f"final hash {sealed}" in out and "the record checks out" in out and "passed" in out
    with engine.begin() as conn:
        conn.execute(text("UPDATE owner_ballots SET choice = 'yes' WHERE method = 'door'"))
    assert cli(["vote", "verify", "1"]) == 1
    assert "its hash does not match its contents" in capsys.readouterr().out


async def test_end_owner_vote_early_says_why_it_failed(h: Harness) -> None:
    await ready(h)
    press(h, RESIDENT, "yes")
    assert h.say(private(RESIDENT), RESIDENT, "/end_owner_vote 1")[0].text == common.DENY_STAFF_ONLY
    assert h.say(private(STAFF), STAFF, "/end_owner_vote 1")[0].text == texts.END_DONE.format(number=1)
    [result] = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id == GROUP_3.id]
    assert "结果：❌ 未通过" in result.text
    assert "原因：参与表决的面积不到总面积的三分之二；参与表决的人数不到业主总人数的三分之二。" in result.text


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/owner_vote", texts.VOTE_USAGE),
        ("/owner_vote 9号楼 一般 换物业 | 是否同意？", texts.UNKNOWN_ROLL.format(building="9号楼")),
        ("/owner_vote 3号楼 一般 | 是否同意？", texts.VOTE_NO_TITLE),
        ("/owner_vote 3号楼 一般 换物业 | 是否同意？ | 200天", texts.VOTE_BAD_DURATION),
    ],
)
def test_a_malformed_vote_is_explained(h: Harness, line: str, answer: str) -> None:
    import_roll(h)
    assert h.say(private(STAFF), STAFF, line)[0].text == answer


def test_the_matter_code_chooses_the_rule(h: Harness) -> None:
    import_roll(h)
    [reply] = h.say(private(STAFF), STAFF, "/owner_vote 3号楼 一般 选举业主委员会 | 是否同意以下人选？ | 3天")
    assert "类型：一般事项" in reply.text
    [fund] = h.say(private(STAFF), STAFF, "/owner_vote 全小区 维修资金 续交 | 是否同意筹集维修资金？")
    assert "类型：筹集维修资金" in fund.text


async def test_a_compound_vote_covers_every_roll_and_lists_by_building(h: Harness) -> None:
    import_roll(h)
    h.say(private(STAFF), STAFF, "/roll 5号楼\n1,501,80,孙先生")
    h.say(private(STAFF), STAFF, texts.BTN_DONE)
    await h.deliveries()
    [launched] = h.say(
        private(STAFF), STAFF, "/owner_vote 全小区 一般 更换物业公司 | 是否同意解聘现物业？ | 15天"
    )
    assert "类型：一般事项" in launched.text and "已发到 2 个群" in launched.text
    posted = [
        d
        for d in await h.deliveries()
        if isinstance(d, SendMessage) and d.chat_id in (GROUP_3.id, GROUP_5.id)
    ]
    assert len(posted) == 2 and "范围：全小区，共 6 户，业主 5 人，总面积 575.25㎡" in posted[0].text
    assert h.say(private(STAFF), STAFF, "/paper 1 1-501 同意 上门")[0].text == texts.PAPER_AMBIGUOUS.format(
        number=1, label="1-501"
    )
    assert "5号楼" not in h.say(private(STAFF), STAFF, "/paper 1 3号楼1-501 同意 上门")[0].text
    staff_list = h.say(private(STAFF), STAFF, "/not_voted 1")[0].text.splitlines()
    assert "3号楼：4 户" in staff_list and "5号楼：1 户" in staff_list
    leader_list = h.say(private(LEADER), LEADER, "/not_voted 1")[0].text
    assert "3号楼：4 户" in leader_list and "5号楼" not in leader_list
