"""Notices in the core: one-line and guided compose, the preview with 确认发送 / 取消, who may send, one
outbox row per target group, the progress message and summary (a group that removed the bot), 收到 once per
person, /acks figures and who has not acknowledged, 再提醒 at most once an hour, /notices and withdrawing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.delivery import ChatGone, RetryLater
from bot.flood import FloodControl
from bot.outbox import OutboxSender
from handlers.actions import AnswerButton, DeleteMessage, EditMessage, SendMessage
from handlers.events import ChatRef
from handlers.notices import texts
from handlers.notices.buttons import (
    Acknowledge,
    CancelNotice,
    ConfirmNotice,
    ConfirmWithdraw,
    NoticeBuilding,
    NoticeOption,
    NoticeTargets,
    RemindAcks,
    WithdrawNotice,
)
from storage.models import Chat, Notice, NoticeAck, NoticeDelivery, NoticeStatus, OutboxMessage, OutboxStatus
from tests.support import (
    ADMIN,
    GROUP_3,
    GROUP_5,
    NEIGHBOUR,
    NO_LIMITS,
    RESIDENT,
    STAFF,
    STAFF_CHAT,
    CollectingApi,
    Harness,
    buttons_of,
    private,
    texts_of,
)

LEADER = RESIDENT.__class__(9, "赵楼长")
OUTSIDER = RESIDENT.__class__(10, "孙先生")  # lives in building 5
GROUP_7 = ChatRef(-307, "supergroup", "7号楼业主群")
PREVIEW_ID = 500  # the preview message the confirming press comes from


class PickyApi(CollectingApi):
    """Telegram as a test needs it: some chats removed the bot (403), some are told to wait (429)."""

    def __init__(self) -> None:
        super().__init__()
        self.gone: set[int] = set()
        self.busy: dict[int, float] = {}

    async def send(self, action: SendMessage) -> int:
        if action.chat_id in self.gone:
            raise ChatGone("Forbidden: bot was kicked from the supergroup chat")
        if action.chat_id in self.busy:
            raise RetryLater(self.busy[action.chat_id])
        return await super().send(action)


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    h.api = h.sender.api = PickyApi()
    h.sender.monotonic = lambda: h.now().timestamp()  # a 429's hold follows the test's clock
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    h.say(GROUP_3, LEADER, "大家好")
    h.say(GROUP_3, STAFF, "/leader", reply_to=h.last_message_id, reply_to_sender=LEADER)
    h.say(private(LEADER), LEADER, "/start")
    for person in (RESIDENT, NEIGHBOUR):
        h.say(GROUP_3, person, "大家好")
    h.say(GROUP_5, OUTSIDER, "大家好")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


def notices(engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice)))


def confirm(h: Harness) -> list:
    return h.press(private(STAFF), STAFF, ConfirmNotice().encode(), message_id=PREVIEW_ID)


WATER = "/notice 全部 | 明天上午9点到12点停水，请提前储水。"


async def sent_notice(h: Harness, line: str = WATER) -> list[SendMessage]:
    h.say(private(STAFF), STAFF, line)
    confirm(h)
    return [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id < 0]


async def test_one_line_notice_previews_then_goes_to_every_group(h: Harness, engine) -> None:
    [preview] = h.say(private(STAFF), STAFF, "/notice 全部 | 明天上午9点到12点停水，请提前储水。")
    assert "明天上午9点到12点停水，请提前储水。" in preview.text
    assert "将发到 2 个群" in preview.text
    assert [label for label, _ in buttons_of(preview)] == ["确认发送", "取消"]
    assert notices(engine) == []  # nothing is sent before 确认发送
    answer, progress = confirm(h)
    assert isinstance(answer, AnswerButton)
    assert isinstance(progress, EditMessage) and progress.message_id == PREVIEW_ID
    assert "已发送 0/2 · 失败 0 · 预计还需" in progress.text
    posted = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id < 0]
    assert sorted(p.chat_id for p in posted) == [GROUP_5.id, GROUP_3.id]
    for message in posted:
        # Residents see what the preview showed, with the 收到 button.
        assert message.text in preview.text
        assert [label for label, _ in buttons_of(message)] == ["收到"]
        assert not message.pin
    h.core.tick()
    [summary] = [d for d in await h.deliveries() if isinstance(d, EditMessage)]
    assert summary.message_id == PREVIEW_ID
    assert "发送完毕：已发送 2/2 · 失败 0" in summary.text
    assert notices(engine)[0].status == NoticeStatus.DONE


async def test_a_second_confirm_sends_nothing_more(h: Harness, engine) -> None:
    h.say(private(STAFF), STAFF, "/notice 全部 | 停电通知")
    confirm(h)
    [toast] = confirm(h)
    assert toast.text == texts.STALE
    assert len(notices(engine)) == 1


async def test_buildings_and_option_words(h: Harness) -> None:
    [preview] = h.say(private(STAFF), STAFF, "/notice 置顶 不要回执 3号楼 | 电梯检修")
    assert "将发到 1 个群" in preview.text and "置顶" in preview.text
    confirm(h)
    [message] = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id < 0]
    assert message.chat_id == GROUP_3.id and message.pin
    assert buttons_of(message) == [] and texts.MESSAGE_ACK not in message.text
    # "5" is enough for 5号楼.
    [preview] = h.say(private(STAFF), STAFF, "/notice 3 5｜消防演练 | 请带好孩子")
    assert "将发到 2 个群" in preview.text and "消防演练 | 请带好孩子" in preview.text


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/notice 全部 停水", texts.USAGE),
        ("/notice | 停水", texts.USAGE),
        ("/notice 9号楼 | 停水", texts.UNKNOWN_BUILDING.format(names="9号楼")),
    ],
)
def test_a_malformed_line_is_explained(h: Harness, line: str, answer: str) -> None:
    assert texts_of(h.say(private(STAFF), STAFF, line)) == [answer]


async def test_cancel_sends_nothing(h: Harness, engine) -> None:
    h.say(private(STAFF), STAFF, "/notice 全部 | 停水")
    [_, edit] = h.press(private(STAFF), STAFF, CancelNotice().encode(), message_id=PREVIEW_ID)
    assert edit.text == texts.CANCELLED
    assert confirm(h)[0].text == texts.STALE
    assert notices(engine) == []
    assert [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id < 0] == []


@pytest.mark.parametrize("who", [RESIDENT, LEADER])
def test_residents_and_leaders_cannot_send_notices(h: Harness, engine, who) -> None:
    assert texts_of(h.say(private(who), who, "/notice 全部 | 停水")) == ["只有工作人员可以发通知。"]
    assert texts_of(h.say(private(who), who, "/notice")) == ["只有工作人员可以发通知。"]
    [toast] = h.press(private(who), who, ConfirmNotice().encode())
    assert toast.text == "只有工作人员可以发通知。"
    assert notices(engine) == []


async def test_the_guided_flow(h: Harness, engine) -> None:
    chat = private(STAFF)
    assert texts_of(h.say(chat, STAFF, "/notice")) == [texts.ASK_TEXT]
    [targets] = h.say(chat, STAFF, "本周六上午小区消杀，请关好门窗。")
    labels = [label for label, _ in buttons_of(targets)]
    assert labels[:2] == ["全部", "只发楼栋长"] and "3号楼" in labels and "5号楼" in labels
    [toast] = h.press(chat, STAFF, NoticeTargets("next").encode())
    assert toast.text == texts.CHOOSE_ONE  # no building ticked yet
    [_, ticked] = h.press(chat, STAFF, NoticeBuilding(1).encode())
    assert "✅ 3号楼" in [label for label, _ in buttons_of(ticked)]
    [_, options] = h.press(chat, STAFF, NoticeTargets("next").encode())
    assert [label for label, _ in buttons_of(options)][:2] == [texts.BTN_PIN_OFF, texts.BTN_ACK_ON]
    [_, options] = h.press(chat, STAFF, NoticeOption("pin").encode())
    assert texts.BTN_PIN_ON in [label for label, _ in buttons_of(options)]
    [_, preview] = h.press(chat, STAFF, NoticeOption("preview").encode(), message_id=PREVIEW_ID)
    assert "本周六上午小区消杀，请关好门窗。" in preview.text and "将发到 1 个群" in preview.text
    assert [label for label, _ in buttons_of(preview)] == ["确认发送", "取消"]
    confirm(h)
    [message] = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.chat_id < 0]
    assert message.chat_id == GROUP_3.id and message.pin
    assert notices(engine)[0].building_ids == [1]


async def test_leaders_only_goes_privately_to_leaders(h: Harness) -> None:
    [preview] = h.say(private(STAFF), STAFF, "/notice 楼栋长 | 请统计本楼空置房")
    assert "将私信 1 位楼栋长" in preview.text
    confirm(h)
    [message] = [d for d in await h.deliveries() if isinstance(d, SendMessage) and "空置房" in d.text]
    assert message.chat_id == LEADER.id and not message.pin


async def test_one_outbox_row_per_group_is_recorded(h: Harness, engine) -> None:
    h.say(private(STAFF), STAFF, "/notice 全部 | 停水")
    confirm(h)
    with Session(engine) as session:
        rows = list(session.exec(select(NoticeDelivery).order_by(NoticeDelivery.chat_id)))
        assert [r.chat_id for r in rows] == [GROUP_5.id, GROUP_3.id]
        for row in rows:
            outbox = session.get(OutboxMessage, row.outbox_id)
            assert outbox.chat_id == row.chat_id and outbox.status == OutboxStatus.PENDING
    await h.deliveries()
    h.core.tick()
    with Session(engine) as session:
        assert all(r.message_id is not None for r in session.exec(select(NoticeDelivery)))


async def test_progress_and_a_summary_naming_the_group_that_removed_the_bot(h: Harness, engine) -> None:
    h.say(GROUP_7, STAFF, "/bind 7号楼")
    h.api.gone.add(GROUP_7.id)
    h.api.busy[GROUP_5.id] = 30  # 429: this one waits, the others go on
    h.say(private(STAFF), STAFF, "/notice 全部 | 停水")
    [_, first] = confirm(h)
    assert first.text.startswith("通知 #1：已发送 0/3 · 失败 0 · 预计还需")
    await h.deliveries()
    h.core.tick()
    [progress] = [d for d in await h.deliveries() if isinstance(d, EditMessage)]
    assert "已发送 1/3 · 失败 1 · 预计还需" in progress.text
    seconds = int(progress.text.rsplit("预计还需 ", 1)[1].split(" ")[0])
    assert 25 <= seconds <= 30  # the 429's retry_after
    h.core.tick()
    assert [d for d in await h.deliveries() if isinstance(d, EditMessage)] == []  # unchanged: no edit
    del h.api.busy[GROUP_5.id]
    h.advance(timedelta(seconds=31))
    await h.deliveries()
    h.core.tick()
    [summary] = [d for d in await h.deliveries() if isinstance(d, EditMessage)]
    assert "发送完毕：已发送 2/3 · 失败 1" in summary.text
    assert "7号楼业主群" in summary.text and "3号楼业主群" not in summary.text
    with Session(engine) as session:
        assert session.get(Chat, GROUP_7.id).active is False


async def test_an_acknowledgement_counts_once(h: Harness, engine) -> None:
    await sent_notice(h)
    for _ in range(2):
        [toast] = h.press(GROUP_3, RESIDENT, Acknowledge(1).encode())
        assert toast.text == "已确认收到，谢谢"
    with Session(engine) as session:
        assert [(a.user_id, a.building_id) for a in session.exec(select(NoticeAck))] == [(RESIDENT.id, 1)]


async def test_acks_per_building_and_who_has_not(h: Harness) -> None:
    await sent_notice(h)
    h.press(GROUP_3, RESIDENT, Acknowledge(1).encode())
    [answer] = h.say(private(STAFF), STAFF, "/acks")
    lines = answer.text.splitlines()
    three = lines.index("3号楼：已收到 1 人")
    assert NEIGHBOUR.first_name in lines[three + 1] and LEADER.first_name in lines[three + 1]
    assert RESIDENT.first_name not in lines[three + 1] and STAFF.first_name not in lines[three + 1]
    five = lines.index("5号楼：已收到 0 人")
    assert OUTSIDER.first_name in lines[five + 1]
    assert [label for label, _ in buttons_of(answer)] == ["再提醒"]
    assert h.say(private(STAFF), STAFF, "/acks 1")[0].text == answer.text
    # The leader sees their own building only.
    [mine] = h.say(private(LEADER), LEADER, "/acks")
    assert "3号楼：已收到 1 人" in mine.text and "5号楼" not in mine.text
    assert texts_of(h.say(private(RESIDENT), RESIDENT, "/acks")) == [texts.DENY_ACKS]
    assert texts_of(h.say(private(STAFF), STAFF, "/acks 9")) == [texts.ACKS_NOT_FOUND.format(number=9)]


async def test_remind_privately_at_most_once_an_hour(h: Harness) -> None:
    await sent_notice(h)
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    h.press(GROUP_3, RESIDENT, Acknowledge(1).encode())
    await h.deliveries()
    [toast] = h.press(private(STAFF), STAFF, RemindAcks(1).encode())
    # Neighbour and the leader started the bot and have not acknowledged; the resident has.
    assert toast.text == texts.REMIND_SENT.format(n=2)
    reminded = [d for d in await h.deliveries() if isinstance(d, SendMessage)]
    assert sorted(d.chat_id for d in reminded) == sorted([LEADER.id, NEIGHBOUR.id])
    assert all(buttons_of(d) == [("收到", Acknowledge(1).encode())] for d in reminded)
    h.press(private(NEIGHBOUR), NEIGHBOUR, Acknowledge(1).encode())  # from the private reminder
    h.advance(timedelta(minutes=30))
    [toast] = h.press(private(STAFF), STAFF, RemindAcks(1).encode())
    assert toast.text == texts.REMIND_TOO_SOON
    assert await h.deliveries() == []
    h.advance(timedelta(minutes=31))
    [toast] = h.press(private(STAFF), STAFF, RemindAcks(1).encode())
    assert toast.text == texts.REMIND_SENT.format(n=1)
    [again] = [d for d in await h.deliveries() if isinstance(d, SendMessage)]
    assert again.chat_id == LEADER.id
    [answer] = h.say(private(STAFF), STAFF, "/acks")
    assert "3号楼：已收到 2 人" in answer.text


async def test_notices_list_and_withdraw(h: Harness, engine) -> None:
    h.api.busy[GROUP_5.id] = 30
    await sent_notice(h)  # reached group 3; group 5 waits out a 429
    h.press(GROUP_3, RESIDENT, Acknowledge(1).encode())
    h.core.tick()
    [listing] = h.say(private(STAFF), STAFF, "/notices")
    assert "#1" in listing.text and "已发送 1/2" in listing.text and "收到 1 人" in listing.text
    assert buttons_of(listing) == [("撤回 #1", WithdrawNotice(1).encode())]
    [_, question] = h.press(private(STAFF), STAFF, WithdrawNotice(1).encode())
    assert [label for label, _ in buttons_of(question)] == ["确认撤回", "不撤回"]
    assert notices(engine)[0].status != NoticeStatus.WITHDRAWN  # only asked so far
    await h.deliveries()
    [_, done] = h.press(private(STAFF), STAFF, ConfirmWithdraw(1).encode())
    assert done.text == texts.WITHDRAWN.format(number=1, deleted=1, cancelled=1)
    [deleted] = [d for d in await h.deliveries() if isinstance(d, DeleteMessage)]
    with Session(engine) as session:
        row = session.exec(select(NoticeDelivery).where(NoticeDelivery.chat_id == GROUP_3.id)).one()
        assert (deleted.chat_id, deleted.message_id) == (GROUP_3.id, row.message_id)
    # The copy that had not gone out never does.
    del h.api.busy[GROUP_5.id]
    h.advance(timedelta(seconds=31))
    h.core.tick()
    assert [d for d in await h.deliveries() if getattr(d, "chat_id", 0) == GROUP_5.id] == []
    [toast] = h.press(GROUP_3, NEIGHBOUR, Acknowledge(1).encode())
    assert toast.text == texts.ACK_GONE
    [listing] = h.say(private(STAFF), STAFF, "/notices")
    assert "已撤回" in listing.text and buttons_of(listing) == []
    [_, again] = h.press(private(STAFF), STAFF, ConfirmWithdraw(1).encode())
    assert again.text == texts.ALREADY_WITHDRAWN.format(number=1)


async def test_a_copy_in_flight_when_withdrawn_is_deleted_once_it_lands(h: Harness, engine) -> None:
    """The sender had claimed the row when staff withdrew: its mark comes after, and the job deletes it."""
    h.say(private(STAFF), STAFF, "/notice 3号楼 | 停水")
    confirm(h)
    h.press(private(STAFF), STAFF, ConfirmWithdraw(1).encode())
    with Session(engine) as session:
        row = session.get(OutboxMessage, session.exec(select(NoticeDelivery)).one().outbox_id)
        assert row.status == OutboxStatus.DEAD  # the sender will not take it
        row.status, row.sent_message_id = OutboxStatus.SENT, 4242  # ...but it was already out
        session.add(row)
        session.commit()
    h.core.tick()
    assert [(d.chat_id, d.message_id) for d in await h.deliveries() if isinstance(d, DeleteMessage)] == [
        (GROUP_3.id, 4242)
    ]
    h.core.tick()
    assert await h.deliveries() == []


async def test_a_restart_mid_way_finishes_the_notice_once(h: Harness, engine) -> None:
    """Rows commit with the notice: a fresh sender (the bot started again) sends what is left, once."""
    h.say(GROUP_7, STAFF, "/bind 7号楼")
    h.say(private(STAFF), STAFF, "/notice 全部 | 停水")
    confirm(h)
    h.api.busy[GROUP_5.id] = 5  # this one is left over when the bot dies
    await h.deliveries()
    del h.api.busy[GROUP_5.id]
    h.advance(timedelta(seconds=6))
    h.sender = OutboxSender(engine=engine, api=h.api, flood=FloodControl(NO_LIMITS), clock=h.now)
    await h.deliveries()
    h.core.tick()
    groups = [d.chat_id for d in h.api.calls if isinstance(d, SendMessage) and d.chat_id < 0]
    assert sorted(groups) == sorted([GROUP_3.id, GROUP_5.id, GROUP_7.id])
    assert "发送完毕：已发送 3/3" in notices(engine)[0].progress_text


async def test_the_estimate_follows_the_overall_limit(h: Harness) -> None:
    """100 groups at 30 messages a second: about 4 seconds to go before anything is sent."""
    for n in range(100):
        h.say(ChatRef(-1000 - n, "supergroup", f"group {n}"), STAFF, "/bind 9号楼")
    [preview] = h.say(private(STAFF), STAFF, "/notice 9号楼 | 停水")
    assert "将发到 100 个群" in preview.text
    [_, progress] = confirm(h)
    assert progress.text.endswith("已发送 0/100 · 失败 0 · 预计还需 4 秒")
