"""Notices in the core: one-line and guided compose, the preview with 确认发送 / 取消, who may send, one
outbox row per target group, the progress message and summary (a group that removed the bot), 收到 once per
person, /acks figures and who has not acknowledged, 再提醒 at most once an hour, /notices and withdrawing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.config import load_settings
from bot.delivery import ChatGone, RetryLater
from bot.flood import FloodControl
from bot.outbox import OutboxSender
from handlers import texts as common
from handlers.actions import AnswerButton, DeleteMessage, EditMessage, Media, SendMessage
from handlers.events import ChatRef, Document, IncomingMessage
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
from handlers.notices.scheduled import caption_room
from handlers.notices.when import parse_when
from handlers.pausing import ResumeFlow
from handlers.people.buttons import MainMenu
from handlers.texts import BTN_NOTICES
from storage import notices as store
from storage.models import (
    Chat,
    Notice,
    NoticeAck,
    NoticeDelivery,
    NoticeStatus,
    OutboxMessage,
    OutboxStatus,
    User,
)
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
    [ask_media] = h.say(chat, STAFF, "本周六上午小区消杀，请关好门窗。")
    assert ask_media.text == texts.ASK_MEDIA
    assert [label for label, _ in buttons_of(ask_media)] == ["跳过", "取消"]
    [_, targets] = h.press(chat, STAFF, NoticeOption("skip").encode())
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


# --- the 📢 通知 menu button, leaders, photos and files, 定时发送

NOON_UTC = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 18:00 in Asia/Shanghai


def leaders_may_send(h: Harness) -> None:
    """LINLI_LEADER_NOTICES=true."""
    h.core.config = replace(h.core.config, leader_notices=True)


def group_copies(actions: list) -> list[SendMessage]:
    return [d for d in actions if isinstance(d, SendMessage) and d.chat_id < 0]


def send_document(h: Harness, chat: ChatRef, who, file_id: str, caption: str = "") -> list:
    event = IncomingMessage(
        update_id=next(h._update_ids),
        chat=chat,
        sender=who,
        message_id=next(h._message_ids),
        text=caption,
        document=Document(file_id=file_id, file_name="停水通知.pdf"),
    )
    return h.core.handle(event)


def test_the_notices_button_starts_composing_for_staff(h: Harness) -> None:
    [ask] = h.say(private(STAFF), STAFF, BTN_NOTICES)
    assert ask.text == texts.ASK_TEXT
    [ask_media] = h.say(private(STAFF), STAFF, "停水")
    assert ask_media.text == texts.ASK_MEDIA


async def test_a_resident_sees_the_recent_notices_of_their_building(h: Harness) -> None:
    await sent_notice(h, "/notice 全部 | 第一条 全小区停水")
    await sent_notice(h, "/notice 5号楼 | 第二条 只给五号楼")
    await sent_notice(h, "/notice 不要回执 3号楼 | 第三条 三号楼电梯检修")
    await sent_notice(h, "/notice 楼栋长 | 第四条 只给楼栋长")
    await sent_notice(h, "/notice 3号楼 | 第五条 三号楼消杀")
    h.press(private(RESIDENT), RESIDENT, Acknowledge(1).encode())
    [shown] = h.say(private(RESIDENT), RESIDENT, "📢 通知")
    lines = shown.text.splitlines()
    assert lines[0] == texts.MENU_TITLE
    # Newest first, the building's own and the ones to everybody; not 5号楼's, not the leaders'.
    assert [line.split(" ", 3)[-1] for line in lines[1:4]] == [
        "第五条 三号楼消杀",
        "第三条 三号楼电梯检修",
        "第一条 全小区停水",
    ]
    assert all(line[3:8].count("-") == 1 for line in lines[1:4])  # 12-01 …: its date and time
    assert "第二条" not in shown.text and "第四条" not in shown.text
    # 收到 for the one still to acknowledge (no 收到 asked for the second; the third already pressed).
    assert buttons_of(shown) == [
        ("收到 第1条", Acknowledge(5).encode()),
        (common.BTN_MAIN_MENU, MainMenu().encode()),  # every screen has its way back
    ]
    [toast] = h.press(private(RESIDENT), RESIDENT, Acknowledge(5).encode())
    assert toast.text == texts.ACK_THANKS
    [again] = h.say(private(RESIDENT), RESIDENT, "通知")  # typed without the emoji
    assert buttons_of(again) == [(common.BTN_MAIN_MENU, MainMenu().encode())]
    assert texts.MENU_ACK_HINT not in again.text


async def test_at_most_five_notices_and_withdrawn_ones_are_not_shown(h: Harness) -> None:
    for n in range(1, 8):
        await sent_notice(h, f"/notice 全部 | 通知{n}")
    h.press(private(STAFF), STAFF, ConfirmWithdraw(7).encode())
    [shown] = h.say(private(RESIDENT), RESIDENT, "📢 通知")
    assert [line.rsplit(" ", 1)[-1] for line in shown.text.splitlines()[1:6]] == [
        "通知6",
        "通知5",
        "通知4",
        "通知3",
        "通知2",
    ]
    assert len(buttons_of(shown)) == 5 + 1  # five 收到 and 返回主菜单


def test_a_resident_without_notices_or_without_a_building(h: Harness) -> None:
    assert texts_of(h.say(private(RESIDENT), RESIDENT, "📢 通知")) == [texts.MENU_NONE]
    stranger = RESIDENT.__class__(11, "周阿姨")
    h.say(private(stranger), stranger, "/start")
    assert texts_of(h.say(private(stranger), stranger, "📢 通知")) == [texts.MENU_NO_BUILDING]


async def test_a_leader_cannot_send_when_the_setting_is_off(h: Harness, engine) -> None:
    # Off by default: the leader pressing 📢 通知 reads, like any resident.
    [shown] = h.say(private(LEADER), LEADER, "📢 通知")
    assert shown.text == texts.MENU_NONE
    assert texts_of(h.say(private(LEADER), LEADER, "/notice 停水")) == [texts.DENY_NOTICE]


async def test_a_leader_sends_to_their_own_building_only(h: Harness, engine) -> None:
    leaders_may_send(h)
    chat = private(LEADER)
    for line in (
        "/notice 全部 | 停水",
        "/notice 5号楼 | 停水",
        "/notice 3号楼 5号楼 | 停水",
        "/notice 楼栋长 | 停水",
    ):
        assert texts_of(h.say(chat, LEADER, line)) == [texts.LEADER_OWN_ONLY], line
    # No targets needed; naming their own building is fine too.
    [preview] = h.say(chat, LEADER, "/notice 3号楼 | 停水")
    assert "将发到 1 个群" in preview.text
    [preview] = h.say(chat, LEADER, "/notice 明天上午停水")
    assert "将发到 1 个群" in preview.text and "明天上午停水" in preview.text
    h.press(chat, LEADER, ConfirmNotice().encode(), message_id=PREVIEW_ID)
    [copy] = group_copies(await h.deliveries())
    assert copy.chat_id == GROUP_3.id
    [notice] = notices(engine)
    assert (notice.creator_id, notice.building_ids) == (LEADER.id, [1])
    # Residents still may not; the leader sees their own notice in /notices, and its acks.
    assert texts_of(h.say(private(RESIDENT), RESIDENT, "/notice 停水")) == [texts.DENY_NOTICE]
    [listing] = h.say(chat, LEADER, "/notices")
    assert "#1" in listing.text
    [acks] = h.say(chat, LEADER, "/acks")
    assert "3号楼：已收到 0 人" in acks.text


async def test_a_leaders_guided_notice_skips_the_targets(h: Harness, engine) -> None:
    leaders_may_send(h)
    chat = private(LEADER)
    assert texts_of(h.say(chat, LEADER, "📢 通知")) == [texts.ASK_TEXT]
    h.say(chat, LEADER, "今晚8点楼道消杀")
    [_, options] = h.press(chat, LEADER, NoticeOption("skip").encode())
    assert options.text == texts.ASK_OPTIONS
    [toast] = h.press(chat, LEADER, NoticeTargets("all").encode())
    assert toast.text == texts.LEADER_OWN_ONLY
    [_, preview] = h.press(chat, LEADER, NoticeOption("preview").encode(), message_id=PREVIEW_ID)
    assert "将发到 1 个群" in preview.text
    h.press(chat, LEADER, ConfirmNotice().encode(), message_id=PREVIEW_ID)
    assert [c.chat_id for c in group_copies(await h.deliveries())] == [GROUP_3.id]
    # Another leader's notice is not theirs to withdraw; staff's neither.
    await sent_notice(h)
    [toast] = h.press(chat, LEADER, WithdrawNotice(2).encode())
    assert toast.text == texts.NOT_YOUR_NOTICE
    [listing] = h.say(chat, LEADER, "/notices")
    assert "#2" not in listing.text


async def test_a_photo_goes_with_the_notice_as_its_caption(h: Harness, engine) -> None:
    chat = private(STAFF)
    h.say(chat, STAFF, "/notice")
    h.say(chat, STAFF, "小区停车场划线，请挪车。")
    [targets] = h.say(chat, STAFF, photo="PHOTO-1")
    assert targets.text == texts.ASK_TARGETS
    h.press(chat, STAFF, NoticeTargets("all").encode())
    [_, preview] = h.press(chat, STAFF, NoticeOption("preview").encode(), message_id=PREVIEW_ID)
    assert texts.OPTION_PHOTO in preview.text
    confirm(h)
    copies = group_copies(await h.deliveries())
    assert sorted(c.chat_id for c in copies) == [GROUP_5.id, GROUP_3.id]
    for copy in copies:
        assert copy.media == Media(kind="photo", file_id="PHOTO-1")
        assert "小区停车场划线，请挪车。" in copy.text and buttons_of(copy) == [
            ("收到", Acknowledge(1).encode())
        ]
    [notice] = notices(engine)
    assert (notice.media_kind, notice.media_file_id) == ("photo", "PHOTO-1")
    h.core.tick()
    assert "发送完毕：已发送 2/2" in notices(engine)[0].progress_text


async def test_a_document_and_the_skip_word(h: Harness) -> None:
    chat = private(STAFF)
    h.say(chat, STAFF, "/notice")
    h.say(chat, STAFF, "停水安排见附件")
    assert texts_of(h.say(chat, STAFF, "好的")) == [texts.MEDIA_ONLY]  # neither a file nor 跳过
    [targets] = send_document(h, chat, STAFF, "DOC-1")
    assert targets.text == texts.ASK_TARGETS
    h.press(chat, STAFF, NoticeBuilding(1).encode())
    h.press(chat, STAFF, NoticeTargets("next").encode())
    [_, preview] = h.press(chat, STAFF, NoticeOption("preview").encode(), message_id=PREVIEW_ID)
    assert texts.OPTION_DOCUMENT in preview.text
    confirm(h)
    [copy] = group_copies(await h.deliveries())
    assert copy.media == Media(kind="document", file_id="DOC-1") and copy.chat_id == GROUP_3.id
    # Typing 跳过 does what the button does.
    h.say(chat, STAFF, "/notice")
    h.say(chat, STAFF, "只有文字")
    [targets] = h.say(chat, STAFF, "跳过")
    assert targets.text == texts.ASK_TARGETS


async def test_a_text_too_long_for_a_caption_is_refused_with_media(h: Harness) -> None:
    chat = private(STAFF)
    h.say(chat, STAFF, "/notice")
    h.say(chat, STAFF, "长" * 1100)
    [refused] = h.say(chat, STAFF, photo="PHOTO-1")
    assert refused.text == texts.CAPTION_TOO_LONG.format(limit=caption_room())
    [_, targets] = h.press(chat, STAFF, NoticeOption("skip").encode())  # without the photo it goes
    assert targets.text == texts.ASK_TARGETS
    [refused] = h.say(chat, STAFF, "/notice 全部 | " + "长" * 1010, photo="PHOTO-1")
    assert refused.text.startswith("带照片或文件时")


async def test_the_one_line_form_with_a_photo_in_its_caption(h: Harness) -> None:
    [preview] = h.say(private(STAFF), STAFF, "/notice 全部 | 请看图中的停电范围", photo="PHOTO-2")
    assert texts.OPTION_PHOTO in preview.text
    confirm(h)
    copies = group_copies(await h.deliveries())
    assert len(copies) == 2 and all(c.media == Media(kind="photo", file_id="PHOTO-2") for c in copies)
    # A photo sent with /notice alone is kept: the text comes next, and no second question about files.
    h.say(private(STAFF), STAFF, "/notice", photo="PHOTO-3")
    [targets] = h.say(private(STAFF), STAFF, "看图")
    assert targets.text == texts.ASK_TARGETS


async def test_a_scheduled_notice_goes_out_at_its_time(h: Harness, engine) -> None:
    h.clock_value = NOON_UTC
    [preview] = h.say(private(STAFF), STAFF, "/notice 定时 明天 8:00 置顶 全部 | 明早停水")
    assert "定时：12-02 08:00 发出" in preview.text and "置顶" in preview.text
    [_, scheduled] = confirm(h)
    assert scheduled.text == texts.SCHEDULED.format(number=1, when="12-02 08:00")
    [notice] = notices(engine)
    assert notice.status == NoticeStatus.SCHEDULED
    assert notice.send_at.replace(tzinfo=UTC) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    with Session(engine) as session:
        assert list(session.exec(select(NoticeDelivery))) == []  # nothing queued before its time
    h.core.tick()
    assert group_copies(await h.deliveries()) == []
    [listing] = h.say(private(STAFF), STAFF, "/notices")
    assert "#1 待发送 12-02 08:00 明早停水" in listing.text
    assert buttons_of(listing) == [("取消 #1", WithdrawNotice(1).encode())]
    assert texts_of(h.say(private(STAFF), STAFF, "/acks 1")) == [
        texts.ACKS_SCHEDULED.format(number=1, when="12-02 08:00")
    ]
    h.advance(timedelta(hours=14))  # 08:00 the next morning
    h.core.tick()
    delivered = await h.deliveries()
    copies = group_copies(delivered)
    assert sorted(c.chat_id for c in copies) == [GROUP_5.id, GROUP_3.id] and all(c.pin for c in copies)
    [progress] = [d for d in delivered if isinstance(d, EditMessage)]
    assert progress.message_id == PREVIEW_ID and "通知 #1：已发送 0/2" in progress.text
    h.core.tick()  # claimed once: a second tick (or process) queues nothing more
    delivered = await h.deliveries()
    assert group_copies(delivered) == []
    [summary] = [d for d in delivered if isinstance(d, EditMessage)]
    assert "发送完毕：已发送 2/2" in summary.text


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/notice 定时 今天 9:00 全部 | 停水", texts.WHEN_PAST),
        ("/notice 定时 11-30 9:00 全部 | 停水", texts.WHEN_PAST),
        ("/notice 定时 明天 全部 | 停水", texts.WHEN_UNCLEAR),
        ("/notice 定时 全部 | 停水", texts.WHEN_UNCLEAR),
        ("/notice 定时 25:00 全部 | 停水", texts.WHEN_UNCLEAR),
    ],
)
def test_a_time_in_the_past_or_unclear_is_refused(h: Harness, line: str, answer: str) -> None:
    h.clock_value = NOON_UTC
    assert texts_of(h.say(private(STAFF), STAFF, line)) == [answer]


async def test_the_guided_flow_sends_later(h: Harness, engine) -> None:
    h.clock_value = NOON_UTC
    chat = private(STAFF)
    h.say(chat, STAFF, "/notice")
    h.say(chat, STAFF, "周末电梯保养")
    h.press(chat, STAFF, NoticeOption("skip").encode())
    [_, options] = h.press(chat, STAFF, NoticeTargets("all").encode())
    assert texts.BTN_LATER in [label for label, _ in buttons_of(options)]
    [_, ask] = h.press(chat, STAFF, NoticeOption("when").encode())
    assert ask.text == texts.ASK_WHEN
    assert texts_of(h.say(chat, STAFF, "昨天")) == [texts.WHEN_UNCLEAR]
    [options] = h.say(chat, STAFF, "8:00")  # the next 8:00: tomorrow morning
    labels = [label for label, _ in buttons_of(options)]
    assert "⏰ 12-02 08:00 发送" in labels and texts.BTN_NOW in labels
    [_, preview] = h.press(chat, STAFF, NoticeOption("preview").encode(), message_id=PREVIEW_ID)
    assert "定时：12-02 08:00 发出" in preview.text
    confirm(h)
    assert notices(engine)[0].status == NoticeStatus.SCHEDULED
    # 改为立即发送 takes the time away again.
    h.say(chat, STAFF, "/notice")
    h.say(chat, STAFF, "马上发")
    h.press(chat, STAFF, NoticeOption("skip").encode())
    h.press(chat, STAFF, NoticeTargets("all").encode())
    h.press(chat, STAFF, NoticeOption("when").encode())
    h.say(chat, STAFF, "明天 9:30")
    [_, options] = h.press(chat, STAFF, NoticeOption("now").encode())
    assert texts.BTN_LATER in [label for label, _ in buttons_of(options)]
    h.press(chat, STAFF, NoticeOption("preview").encode(), message_id=PREVIEW_ID)
    confirm(h)
    assert len(group_copies(await h.deliveries())) == 2


async def test_cancelling_a_scheduled_notice_sends_nothing(h: Harness, engine) -> None:
    h.clock_value = NOON_UTC
    h.say(private(STAFF), STAFF, "/notice 定时 12-03 08:30 全部 | 停电")
    confirm(h)
    [_, question] = h.press(private(STAFF), STAFF, WithdrawNotice(1).encode())
    assert question.text == texts.CONFIRM_CANCEL_SCHEDULED.format(number=1, snippet="停电")
    [_, done] = h.press(private(STAFF), STAFF, ConfirmWithdraw(1).encode())
    assert done.text == texts.CANCELLED_SCHEDULED.format(number=1)
    h.advance(timedelta(days=3))
    h.core.tick()
    assert group_copies(await h.deliveries()) == []
    assert notices(engine)[0].status == NoticeStatus.WITHDRAWN
    [listing] = h.say(private(STAFF), STAFF, "/notices")
    assert "已撤回" in listing.text


def test_a_due_notice_is_claimed_by_one_process_only(engine) -> None:
    """Two processes' clock jobs (or a 撤回 racing one) see the conditional UPDATE change the row once."""
    with Session(engine) as session:
        session.add(User(id=1, first_name="staff", created_at=NOON_UTC))
        session.flush()
        notice = store.create_notice(
            session=session,
            creator_id=1,
            text="停水",
            audience="all",
            building_ids=[],
            pin=False,
            ask_ack=True,
            progress_chat_id=None,
            progress_message_id=None,
            now=NOON_UTC,
            send_at=NOON_UTC + timedelta(hours=1),
        )
        session.commit()
        notice_id = notice.id
    with Session(engine) as first:
        assert store.claim_due(session=first, now=NOON_UTC) == []  # not yet
        [claimed] = store.claim_due(session=first, now=NOON_UTC + timedelta(hours=1))
        assert claimed.id == notice_id and claimed.status == NoticeStatus.SENDING
        first.commit()
    with Session(engine) as second:
        assert store.claim_due(session=second, now=NOON_UTC + timedelta(hours=2)) == []
        assert not store.cancel_scheduled(session=second, notice_id=notice_id, now=NOON_UTC)


@pytest.mark.parametrize(
    ("words", "local"),
    [
        ("明天 8:00", "2026-12-02 08:00"),
        ("明天8点半", "2026-12-02 08:30"),
        ("12-03 08:30", "2026-12-03 08:30"),
        ("12月3日 8点", "2026-12-03 08:00"),
        ("8:00", "2026-12-02 08:00"),
        ("20：15", "2026-12-01 20:15"),
        ("后天 7:05", "2026-12-03 07:05"),
        ("1-5 9:00", "2027-01-05 09:00"),
        ("2026-12-24 18:30", "2026-12-24 18:30"),
    ],
)
def test_times_as_people_write_them(words: str, local: str) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    found = parse_when(words, now=NOON_UTC, tz=tz)
    assert isinstance(found, datetime) and found.tzinfo is not None
    assert found.astimezone(tz).strftime("%Y-%m-%d %H:%M") == local


def test_the_leader_setting_is_read_from_the_environment(monkeypatch) -> None:
    assert load_settings().leader_notices is False
    monkeypatch.setenv("LINLI_LEADER_NOTICES", "true")
    assert load_settings().leader_notices is True


async def test_a_scheduled_photo_notice_and_a_time_that_came_while_the_preview_waited(h: Harness) -> None:
    h.clock_value = NOON_UTC
    h.say(private(STAFF), STAFF, "/notice 定时 19:00 3号楼 | 今晚停车场划线", photo="PHOTO-9")
    confirm(h)
    h.advance(timedelta(hours=1))
    h.core.tick()
    [copy] = group_copies(await h.deliveries())
    assert copy.chat_id == GROUP_3.id and copy.media == Media(kind="photo", file_id="PHOTO-9")
    # 确认发送 pressed after the time it names: the notice goes at once.
    h.say(private(STAFF), STAFF, "/notice 定时 19:30 3号楼 | 马上就到")
    h.advance(timedelta(minutes=45))
    [_, progress] = confirm(h)
    assert progress.text.startswith("通知 #2：已发送 0/1")
    assert len(group_copies(await h.deliveries())) == 1


# --- LINLI_PAID_BROADCAST


async def test_a_paid_broadcast_preview_shows_its_cost_and_the_copies_are_paid(h: Harness) -> None:
    [free] = h.say(private(STAFF), STAFF, WATER)
    assert "预计花费" not in free.text
    h.core.config = replace(h.core.config, paid_broadcast=True)
    [preview] = h.say(private(STAFF), STAFF, WATER)
    assert preview.text.endswith(texts.PREVIEW_PAID.format(stars=1))  # 2 groups: 0.2 Star, rounded up
    assert "预计花费 1 星" in preview.text
    copies = await sent_notice(h)
    assert len(copies) == 2 and all(c.paid_broadcast for c in copies)
    for n in range(23):  # 25 groups: 2.5 Stars, rounded up
        h.say(ChatRef(-2000 - n, "supergroup", f"group {n}"), STAFF, "/bind 9号楼")
    [preview] = h.say(private(STAFF), STAFF, WATER)
    assert "将发到 25 个群" in preview.text and "预计花费 3 星" in preview.text
    # At 1,000 a second the estimate is a second, not 30 copies a second's worth.
    [_, progress] = confirm(h)
    assert progress.text.endswith("已发送 0/25 · 失败 0 · 预计还需 1 秒")


def test_paid_broadcast_is_off_unless_set(monkeypatch) -> None:
    monkeypatch.delenv("LINLI_PAID_BROADCAST", raising=False)
    assert load_settings().paid_broadcast is False
    monkeypatch.setenv("LINLI_PAID_BROADCAST", "true")
    assert load_settings().paid_broadcast is True


async def test_a_guided_notice_left_for_the_menu_is_offered_again(h: Harness) -> None:
    chat = private(STAFF)
    h.say(chat, STAFF, common.BTN_NOTICES)  # staff's 📢 通知: the guided flow
    h.say(chat, STAFF, "本周六上午小区消杀，请关好门窗。")
    h.press(chat, STAFF, NoticeOption("skip").encode())
    h.say(chat, STAFF, common.BTN_MY_TICKETS)  # off to something else before choosing the targets
    [offer] = h.say(chat, STAFF, common.BTN_NOTICES)
    assert offer.text == "您刚才的通知还没发完，继续吗？"
    _toast, _edit, again = h.press(chat, STAFF, ResumeFlow().encode())
    assert again.text.startswith("您刚才写的通知：本周六上午小区消杀") and texts.ASK_TARGETS in again.text
    [_, ticked] = h.press(chat, STAFF, NoticeBuilding(1).encode())
    assert "✅ 3号楼" in [label for label, _ in buttons_of(ticked)]
