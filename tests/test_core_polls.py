"""Polls in the core: who may launch, one vote per person (withdraw, switch, multiple choice), who may vote,
edits coalesced, anonymous ballots that link nobody, closing at the deadline and by /endpoll, results,
reminders, the guided flow, and who chose what for a named poll."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from handlers import texts as common
from handlers.actions import EditMessage, SendMessage
from handlers.pausing import ResumeFlow
from handlers.polls import texts
from handlers.polls.buttons import (
    Anonymity,
    ConfirmPoll,
    Duration,
    Kind,
    NewPoll,
    OptionsDone,
    RemindVoters,
    Vote,
)
from storage import points as ledger
from storage.models import Poll, PollBallot, PollVote
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
OUTSIDER = RESIDENT.__class__(10, "孙先生")  # lives in building 5
QUESTION = "/poll 周六大扫除几点开始？ | 上午9点 | 下午2点 | 2天"


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    h.say(GROUP_3, LEADER, "大家好")
    h.say(GROUP_3, STAFF, "/leader", reply_to=h.last_message_id, reply_to_sender=LEADER)
    for person in (RESIDENT, NEIGHBOUR):
        h.say(GROUP_3, person, "大家好")
    h.say(GROUP_5, OUTSIDER, "大家好")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


async def launched(h: Harness, line: str = QUESTION) -> SendMessage:
    assert h.say(GROUP_3, LEADER, line) == []
    posted = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id == GROUP_3.id]
    assert len(posted) == 1
    return posted[0]


def tap(h: Harness, who, option: int, poll: int = 1, chat=GROUP_3) -> str:
    [toast] = h.press(chat, who, Vote(poll, option).encode(), message_id=1000)
    return toast.text


def poll(engine, number: int = 1) -> Poll:
    with Session(engine) as session:
        return session.get(Poll, number)


async def test_a_leader_launches_in_one_line(h: Harness) -> None:
    message = await launched(h)
    lines = message.text.splitlines()
    assert lines[0] == "🗳 投票 #1：周六大扫除几点开始？"
    assert texts.NAMED_NOTE in lines and texts.SINGLE_NOTE in lines
    assert "已有 0 人投票" in message.text and "截止" in message.text
    assert [label for label, _ in buttons_of(message)] == ["上午9点 · 0", "下午2点 · 0"]


@pytest.mark.parametrize(
    ("who", "chat"),
    [(RESIDENT, GROUP_3), (LEADER, GROUP_5)],  # a plain resident; a leader outside their building
)
async def test_others_are_told_who_may_launch_and_nothing_is_posted(h: Harness, who, chat) -> None:
    [refusal] = h.say(chat, who, QUESTION)
    assert refusal.text == texts.WHO_MAY_LAUNCH
    assert [d for d in await h.deliveries() if isinstance(d, SendMessage) and "投票 #" in d.text] == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/poll 问题 | 只有一个", texts.TOO_FEW_OPTIONS),
        ("/poll 问题 | A | B | 45天", texts.BAD_DURATION),
        ("/poll 问题 | A | A", texts.SAME_OPTIONS),
        ("/poll 多选5 问题 | A | B", texts.MULTI_TOO_MANY),
        ("/poll", texts.USAGE),
    ],
)
def test_a_malformed_poll_is_explained(h: Harness, line: str, problem: str) -> None:
    assert h.say(GROUP_3, LEADER, line)[0].text == problem


async def test_vote_withdraw_and_switch_with_a_toast_each(h: Harness, engine) -> None:
    await launched(h)
    assert tap(h, RESIDENT, 0) == "已投：上午9点"
    assert tap(h, RESIDENT, 1) == "已投：下午2点"  # single choice: switched
    assert tap(h, RESIDENT, 1) == "已撤回：下午2点"
    assert tap(h, RESIDENT, 0) == "已投：上午9点"
    tap(h, NEIGHBOUR, 0)
    with Session(engine) as session:
        assert [(v.user_id, v.option) for v in session.exec(select(PollVote))] == [
            (RESIDENT.id, 0),
            (NEIGHBOUR.id, 0),
        ]
    edits = [d for d in await h.deliveries() if isinstance(d, EditMessage)]
    assert len(edits) == 1  # five taps, one edit now: the rest of the burst waits for the pace
    assert "已有 1 人投票" in edits[0].text
    h.core.tick()
    assert await h.deliveries() == []  # not before the pace
    h.advance(timedelta(seconds=11))
    h.core.tick()
    [caught_up] = [d for d in await h.deliveries() if isinstance(d, EditMessage)]
    assert "已有 2 人投票" in caught_up.text
    assert [label for label, _ in buttons_of(caught_up)] == ["上午9点 · 2", "下午2点 · 0"]
    h.advance(timedelta(seconds=11))
    h.core.tick()
    assert await h.deliveries() == []  # up to date: nothing more


async def test_multiple_choice_up_to_the_allowed_number(h: Harness) -> None:
    await launched(h, "/poll 多选2 需要哪些活动？ | 义诊 | 理发 | 电影")
    assert tap(h, RESIDENT, 0) == "已投：义诊"
    assert tap(h, RESIDENT, 2) == "已投：电影"
    assert tap(h, RESIDENT, 1) == texts.TOO_MANY.format(n=2)
    assert tap(h, RESIDENT, 0) == "已撤回：义诊"
    assert tap(h, RESIDENT, 1) == "已投：理发"


async def test_only_residents_of_the_building_vote(h: Harness) -> None:
    await launched(h)
    assert tap(h, OUTSIDER, 0) == texts.NOT_ELIGIBLE.format(building="3号楼")


async def test_a_vote_earns_points_once(h: Harness, engine) -> None:
    await launched(h)
    for option in (0, 1, 1, 0):
        tap(h, RESIDENT, option)
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=RESIDENT.id).balance == 2


async def test_an_anonymous_poll_links_nobody_to_a_choice(h: Harness, engine) -> None:
    message = await launched(h, "/poll 匿名 要不要换物业？ | 要 | 不要")
    assert texts.ANONYMOUS_NOTE in message.text
    tap(h, RESIDENT, 0)
    tap(h, NEIGHBOUR, 1)
    assert tap(h, RESIDENT, 0) == "已撤回：要"  # withdrawing works without anyone knowing who chose what
    tap(h, RESIDENT, 1)
    with Session(engine) as session:
        assert session.exec(select(PollVote)).all() == []
        ballots = session.exec(select(PollBallot)).all()
    assert len(ballots) == 2
    # The voter column is a keyed hash: the obvious unkeyed hashes of poll and user do not find anyone.
    guesses = {
        hashlib.sha256(form.format(poll=1, user=person.id).encode()).hexdigest()
        for person in (RESIDENT, NEIGHBOUR)
        for form in ("{poll}:{user}", "voter:{poll}:{user}", "{user}", "{user}:{poll}")
    }
    assert not {ballot.voter for ballot in ballots} & guesses
    with engine.connect() as conn:
        columns = (
            [row[1] for row in conn.execute(text("PRAGMA table_info(poll_ballots)"))]
            if (engine.dialect.name == "sqlite")
            else []
        )
    if columns:
        assert columns == ["poll_id", "voter", "sealed"]
    # Nobody sees who chose what: not staff, not admins.
    assert h.say(private(STAFF), STAFF, "/poll_votes 1")[0].text == texts.VOTES_ANONYMOUS.format(number=1)
    assert h.say(private(ADMIN), ADMIN, "/poll_export 1")[0].text == texts.VOTES_ANONYMOUS.format(number=1)


async def test_closing_at_the_deadline_edits_the_poll_and_posts_results(h: Harness, engine) -> None:
    await launched(h)
    tap(h, RESIDENT, 0)
    tap(h, NEIGHBOUR, 0)
    tap(h, LEADER, 1)
    await h.deliveries()
    h.advance(timedelta(days=2, minutes=1))
    h.core.tick()
    out = await h.deliveries()
    [final] = [d for d in out if isinstance(d, EditMessage)]
    assert final.keyboard is None and "已结束 · 共 3 人投票" in final.text
    [results] = [d for d in out if isinstance(d, SendMessage) and "结果" in d.text]
    assert results.text.splitlines() == [
        "📊 投票 #1 结果：周六大扫除几点开始？",
        "上午9点：2 票（67%）",
        "下午2点：1 票（33%）",
        "参与：3 人 / 可投票 3 人（100%）",
        "结果：「上午9点」票数最多",
    ]
    assert tap(h, RESIDENT, 1) == texts.CLOSED
    h.core.tick()
    assert [d for d in await h.deliveries() if "结果" in getattr(d, "text", "")] == []  # closed once


async def test_endpoll_by_its_creator_or_staff_and_a_tie(h: Harness) -> None:
    await launched(h)
    tap(h, RESIDENT, 0)
    tap(h, NEIGHBOUR, 1)
    assert h.say(GROUP_3, RESIDENT, "/endpoll")[0].text == texts.ENDPOLL_DENIED.format(number=1)
    assert h.say(GROUP_3, LEADER, "/endpoll") == []
    results = [d for d in await h.deliveries() if isinstance(d, SendMessage) and "结果" in d.text]
    assert results[0].text.endswith("结果：平票（上午9点、下午2点）")
    assert h.say(GROUP_3, STAFF, "/endpoll 1")[0].text == texts.ENDPOLL_ALREADY.format(number=1)
    assert h.say(GROUP_3, STAFF, "/endpoll")[0].text == texts.ENDPOLL_NONE


async def test_reminders_a_day_and_two_hours_before_and_the_private_nudge(h: Harness) -> None:
    await launched(h, "/poll 周六大扫除几点开始？ | 上午9点 | 下午2点 | 3天")
    tap(h, NEIGHBOUR, 0)
    await h.deliveries()
    h.advance(timedelta(days=2, hours=1))
    h.core.tick()
    [reminder] = [d for d in await h.deliveries() if isinstance(d, SendMessage)]
    assert reminder.text.startswith("⏰ 投票 #1 还有 23 小时截止") and "已有 1 / 3 人投票" in reminder.text
    assert [label for label, _ in buttons_of(reminder)] == [texts.BTN_REMIND]
    h.core.tick()
    assert await h.deliveries() == []  # once
    refused = h.press(GROUP_3, RESIDENT, RemindVoters(1).encode())
    assert refused[0].text == texts.REMIND_DENIED
    told = h.press(GROUP_3, LEADER, RemindVoters(1).encode())
    assert told[0].text == texts.REMIND_SENT.format(n=1)  # 张阿姨: started the bot, has not voted
    nudges = [d for d in await h.deliveries() if isinstance(d, SendMessage)]
    assert [n.chat_id for n in nudges] == [RESIDENT.id]
    again = h.press(GROUP_3, LEADER, RemindVoters(1).encode())
    assert again[0].text == texts.REMIND_TOO_SOON  # residents are not nudged twice within an hour
    assert await h.deliveries() == []
    h.advance(timedelta(hours=21, minutes=30))
    h.core.tick()
    [second] = [d for d in await h.deliveries() if isinstance(d, SendMessage)]
    assert second.text.startswith("⏰ 投票 #1 还有 2 小时截止")


async def test_a_short_poll_gets_no_reminder(h: Harness) -> None:
    await launched(h, "/poll 今晚停水知道了吗？ | 知道 | 不知道 | 2小时")
    h.advance(timedelta(hours=1))
    h.core.tick()
    assert [d for d in await h.deliveries() if "⏰" in getattr(d, "text", "")] == []


async def test_staff_launch_privately_by_choosing_the_building(h: Harness) -> None:
    question = h.say(private(STAFF), STAFF, "/poll 要不要装充电桩？ | 要 | 不要")[0]
    assert question.text == texts.CHOOSE_BUILDING
    assert [label for label, _ in buttons_of(question)] == ["3号楼", "5号楼"]
    data = dict(buttons_of(question))["5号楼"]
    preview = h.press(private(STAFF), STAFF, data)[1]
    assert "发到5号楼" in preview.text
    done = h.press(private(STAFF), STAFF, ConfirmPoll().encode())[1]
    assert done.text == texts.LAUNCHED_ELSEWHERE.format(number=1, building="5号楼")
    posted = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id == GROUP_5.id]
    assert posted[0].text.startswith("🗳 投票 #1：要不要装充电桩？")


async def test_the_guided_flow_asks_one_thing_at_a_time(h: Harness) -> None:
    h.say(private(LEADER), LEADER, "/start")
    menu = h.say(private(LEADER), LEADER, common.BTN_POLLS)
    assert [label for label, _ in buttons_of(menu[-1])] == [texts.BTN_NEW_POLL, common.BTN_MAIN_MENU]
    assert h.press(private(LEADER), LEADER, NewPoll().encode())[1].text == texts.ASK_QUESTION
    assert h.say(private(LEADER), LEADER, "周日包饺子来吗？")[0].text == texts.ASK_OPTION.format(n=1)
    assert h.say(private(LEADER), LEADER, "来")[0].text == texts.ASK_OPTION.format(n=2)
    assert h.say(private(LEADER), LEADER, "不来")[0].text == texts.ASK_MORE_OPTIONS.format(n=2)
    h.say(private(LEADER), LEADER, "看情况")
    assert h.press(private(LEADER), LEADER, OptionsDone().encode())[1].text == texts.ASK_KIND
    assert h.press(private(LEADER), LEADER, Kind(0).encode())[1].text == texts.ASK_NAMED
    assert h.press(private(LEADER), LEADER, Anonymity(1).encode())[1].text == texts.ASK_DURATION
    preview = h.press(private(LEADER), LEADER, Duration(86400).encode())[1]
    assert preview.text.splitlines()[1:5] == ["周日包饺子来吗？", "· 来", "· 不来", "· 看情况"]
    assert "单选 · 匿名 · 1 天后截止 · 发到3号楼" in preview.text
    h.press(private(LEADER), LEADER, ConfirmPoll().encode())
    posted = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id == GROUP_3.id]
    assert posted[0].text.startswith("🗳 投票 #1：周日包饺子来吗？") and texts.ANONYMOUS_NOTE in posted[0].text
    # The resident's 投票 button shows the open poll, to vote on right there.
    shown = h.say(private(RESIDENT), RESIDENT, common.BTN_POLLS)
    assert shown[0].text == texts.OPEN_POLLS and shown[1].text.startswith("🗳 投票 #1")
    assert tap(h, RESIDENT, 2, chat=private(RESIDENT)) == "已投：看情况"


async def test_who_chose_what_for_a_named_poll_privately(h: Harness) -> None:
    await launched(h)
    tap(h, RESIDENT, 0)
    tap(h, NEIGHBOUR, 1)
    assert h.say(GROUP_3, RESIDENT, "/poll_votes 1")[0].text == texts.VOTES_DENIED.format(number=1)
    in_group = h.say(GROUP_3, LEADER, "/poll_votes 1")
    assert in_group[0].text == texts.VOTES_SENT_PRIVATELY
    h.say(private(STAFF), STAFF, "/start")
    listing = h.say(private(STAFF), STAFF, "/poll_votes 1")[0].text
    assert "· 张阿姨：上午9点" in listing and "· 刘大爷：下午2点" in listing
    sheet = h.say(private(STAFF), STAFF, "/poll_export 1")[0]
    assert sheet.media is not None and sheet.media.upload.filename == "poll-1.xlsx"


def test_a_resident_without_a_building_is_told_why_no_polls_show(h: Harness) -> None:
    stranger = RESIDENT.__class__(11, "周女士")
    assert h.say(private(stranger), stranger, common.BTN_POLLS)[0].text == texts.NO_BUILDING


async def test_a_poll_link_opens_the_poll_in_the_private_chat_to_vote_there(h: Harness, engine) -> None:
    """t.me/<bot>?start=poll_1: the poll with its buttons privately; a tap there counts as in the group."""
    await launched(h)
    [shown] = h.say(private(RESIDENT), RESIDENT, "/start poll_1")
    assert "周六大扫除几点开始？" in shown.text
    assert [label for label, _ in buttons_of(shown)][:2] == ["上午9点 · 0", "下午2点 · 0"]
    assert tap(h, RESIDENT, 0, chat=private(RESIDENT)) == texts.VOTED.format(option="上午9点")
    [gone] = h.say(private(RESIDENT), RESIDENT, "/start poll_99")
    assert gone.text == texts.POLL_GONE
    h.say(GROUP_3, LEADER, "/endpoll 1")
    [closed] = h.say(private(RESIDENT), RESIDENT, "/start poll_1")
    assert "1 票" in closed.text and buttons_of(closed) == []


async def test_a_guided_poll_left_for_the_menu_is_offered_again(h: Harness) -> None:
    h.say(private(LEADER), LEADER, "/start")
    h.press(private(LEADER), LEADER, NewPoll().encode())
    h.say(private(LEADER), LEADER, "周六大扫除几点开始？")
    h.say(private(LEADER), LEADER, "上午9点")
    h.say(private(LEADER), LEADER, common.BTN_POINTS)  # off to something else mid-way
    assert h.say(private(LEADER), LEADER, "谢谢")[0].text != texts.ASK_OPTION.format(n=2)
    *_, offer = h.say(private(LEADER), LEADER, "/start")
    assert offer.text == "您刚才的投票还没发完，继续吗？"
    _toast, _edit, again = h.press(private(LEADER), LEADER, ResumeFlow().encode())
    assert again.text == "您刚才写的投票：周六大扫除几点开始？\n" + texts.ASK_OPTION.format(n=2)
    [more] = h.say(private(LEADER), LEADER, "下午2点")
    assert more.text == texts.ASK_MORE_OPTIONS.format(n=2)
