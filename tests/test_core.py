"""The conversation core on a real database, with a collecting sink in place of Telegram."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers import texts
from handlers.actions import AnswerButton, EditMessage, ReplyKeyboard, SendMessage
from handlers.people import texts as people_texts
from handlers.reports import texts as report_texts
from handlers.reports.buttons import ReportBuilding
from handlers.tickets import texts as ticket_texts
from handlers.tickets.buttons import Accept, Assign, ChangeCategory, Progress, Reject, Resolve, SkipNote
from storage.models import Ticket, TicketStatus, User
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


@pytest.fixture
def h(engine) -> Harness:
    return Harness(engine)


def bound(h: Harness) -> Harness:
    """Admin makes 王师傅 staff; 王师傅 binds the 3号楼 group."""
    h.say(GROUP_3, STAFF, "大家好")
    h.say(GROUP_3, ADMIN, "/staff", reply_to=1, reply_to_sender=STAFF)
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    return h


def tickets(engine) -> list[Ticket]:
    with Session(engine) as session:
        return list(session.exec(select(Ticket).order_by(Ticket.id)))


def test_start_in_private_shows_the_big_button_menu(h: Harness) -> None:
    reply, offer = h.say(private(RESIDENT), RESIDENT, "/start")
    assert isinstance(reply, SendMessage) and "张阿姨您好" in reply.text
    assert isinstance(reply.keyboard, ReplyKeyboard)
    assert [len(row) for row in reply.keyboard.rows] == [2, 2, 2, 2]  # large buttons, at most two a row
    labels = [label for row in reply.keyboard.rows for label in row]
    assert labels == [
        "📝 我要报事",
        "📋 我的报事",
        "💰 我的积分",
        "🗳 投票",
        "📢 通知",
        "📞 找网格员",
        "❓ 帮助",
        "👓 长辈模式",
    ]
    # 长辈模式 is offered on /start.
    assert isinstance(offer, SendMessage) and offer.keyboard is not None
    assert [b.text for row in offer.keyboard.rows for b in row] == ["👓 打开长辈模式"]


def test_staff_grant_needs_an_admin(h: Harness, engine) -> None:
    h.say(GROUP_3, NEIGHBOUR, "我是刘大爷")
    [refusal] = h.say(GROUP_3, RESIDENT, "/staff", reply_to=1, reply_to_sender=NEIGHBOUR)
    assert refusal.text == texts.DENY_ADMIN_ONLY
    [ok] = h.say(GROUP_3, ADMIN, f"/staff {NEIGHBOUR.id}")
    assert ok.text == people_texts.STAFF_GRANTED.format(name="刘大爷")
    with Session(engine) as session:
        assert session.get(User, NEIGHBOUR.id).role == "staff"


def test_leader_is_granted_by_staff_only(h: Harness, engine) -> None:
    bound(h)
    h.say(GROUP_3, NEIGHBOUR, "我来当楼栋长")
    [refusal] = h.say(GROUP_3, RESIDENT, "/leader", reply_to=4, reply_to_sender=NEIGHBOUR)
    assert refusal.text == texts.DENY_STAFF_ONLY
    [ok] = h.say(GROUP_3, STAFF, "/leader", reply_to=4, reply_to_sender=NEIGHBOUR)
    assert ok.text == people_texts.LEADER_GRANTED.format(name="刘大爷")
    with Session(engine) as session:
        assert session.get(User, NEIGHBOUR.id).role == "leader"


def test_bind_needs_staff_and_a_name(h: Harness) -> None:
    [refusal] = h.say(GROUP_3, RESIDENT, "/bind 3号楼")
    assert refusal.text == texts.DENY_STAFF_ONLY
    [usage] = h.say(GROUP_3, ADMIN, "/bind")
    assert usage.text == people_texts.BIND_USAGE
    [done] = h.say(GROUP_3, ADMIN, "/bind   3号楼 ")
    assert done.text == people_texts.BIND_DONE.format(building="3号楼")


async def test_group_report_gets_a_number_and_reaches_staff(h: Harness, engine) -> None:
    bound(h)
    [reply] = h.say(GROUP_3, RESIDENT, "报事 3号楼电梯又坏了")
    assert reply.reply_to == h.last_message_id
    assert reply.text.startswith("已收到") and "#1" in reply.text
    [card] = await h.deliveries()
    assert card.chat_id == STAFF_CHAT.id
    assert "#1 · 3号楼" in card.text and "电梯又坏了" in card.text and "张阿姨" in card.text
    assert "设施报修（依据：电梯" in card.text
    assert buttons_of(card) == [
        (ticket_texts.BTN_ACCEPT, Accept(1).encode()),
        (ticket_texts.BTN_PROGRESS, Progress(1).encode()),
        (ticket_texts.BTN_RESOLVE, Resolve(1).encode()),
        (ticket_texts.BTN_REJECT, Reject(1).encode()),
        (ticket_texts.BTN_ASSIGN, Assign(1).encode()),
        (ticket_texts.BTN_RECLASSIFY, ChangeCategory(1).encode()),
    ]
    [ticket] = tickets(engine)
    assert (ticket.text, ticket.category, ticket.status) == ("3号楼电梯又坏了", "repair", "received")
    assert ticket.card_message_id is not None  # recorded by the outbox after sending


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("#报事 楼道灯不亮", "楼道灯不亮"),
        ("/report 楼道灯不亮", "楼道灯不亮"),
        ("/report@linli_bot 楼道灯不亮", "楼道灯不亮"),
        ("@linli_bot 楼道灯不亮", "楼道灯不亮"),
        ("楼道灯不亮 @LinLi_Bot", "楼道灯不亮"),
    ],
)
def test_every_way_of_reporting_in_a_group(h: Harness, engine, text: str, body: str) -> None:
    bound(h)
    [reply] = h.say(GROUP_3, RESIDENT, text)
    assert reply.text.startswith("已收到")
    assert tickets(engine)[0].text == body


def test_ordinary_group_chatter_is_left_alone(h: Harness, engine) -> None:
    bound(h)
    assert h.say(GROUP_3, RESIDENT, "今天天气真好") == []
    assert h.say(GROUP_3, RESIDENT, "/report@other_bot 电梯坏了") == []
    assert tickets(engine) == []


def test_report_in_an_unbound_group_explains_binding(h: Harness, engine) -> None:
    [reply] = h.say(GROUP_5, RESIDENT, "报事 水管漏水")
    assert reply.text == report_texts.GROUP_NOT_BOUND
    assert tickets(engine) == []


def test_empty_report_asks_for_words(h: Harness, engine) -> None:
    bound(h)
    [reply] = h.say(GROUP_3, RESIDENT, "报事")
    assert reply.text == report_texts.REPORT_ASK_GROUP
    assert tickets(engine) == []
    [reply] = h.say(GROUP_3, RESIDENT, "报事 。。。")
    assert reply.text == report_texts.REPORT_EMPTY
    assert tickets(engine) == []


async def test_photo_with_report_caption_keeps_the_photo(h: Harness, engine) -> None:
    bound(h)
    [reply] = h.say(GROUP_3, RESIDENT, "报事 楼道的灯坏了", photo="PHOTO1")
    assert reply.text.startswith("已收到")
    [card] = await h.deliveries()
    assert card.media is not None and card.media.file_id == "PHOTO1"
    assert tickets(engine)[0].photo_file_id == "PHOTO1"


async def test_staff_button_resolves_and_tells_the_reporter(h: Harness, engine) -> None:
    bound(h)
    h.say(private(RESIDENT), RESIDENT, "/start")
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    report_message = h.last_message_id
    await h.deliveries()
    card_id = tickets(engine)[0].card_message_id

    toast, ask = h.press(STAFF_CHAT, STAFF, Resolve(1).encode(), message_id=card_id)
    assert isinstance(toast, AnswerButton) and toast.text is None
    assert ask.text == ticket_texts.ASK_RESOLVE_NOTE.format(number=1)
    assert [label for label, _ in buttons_of(ask)] == [ticket_texts.BTN_NO_NOTE, texts.BTN_CANCEL]
    assert tickets(engine)[0].status == TicketStatus.RECEIVED  # nothing happens before the note step

    toast, _, edit = h.press(STAFF_CHAT, STAFF, SkipNote(1).encode(), message_id=card_id + 1)
    assert toast.text == ticket_texts.MOVED_TOAST.format(number=1, status="已解决")
    assert isinstance(edit, EditMessage) and edit.message_id == card_id
    assert "已解决" in edit.text and "王师傅" in edit.text and edit.keyboard is None

    # One message per step: reported in the group, told in the group, with the rating buttons there.
    [group_notice] = await h.deliveries()
    assert (group_notice.chat_id, group_notice.reply_to) == (GROUP_3.id, report_message)
    assert group_notice.text == ticket_texts.RESOLVED_NOTICE.format(number=1)
    assert [label for label, _ in buttons_of(group_notice)] == [
        ticket_texts.BTN_RATE_GOOD,
        ticket_texts.BTN_RATE_OK,
        ticket_texts.BTN_RATE_BAD,
    ]
    assert tickets(engine)[0].status == TicketStatus.RESOLVED


async def test_second_press_changes_nothing(h: Harness, engine) -> None:
    bound(h)
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    await h.deliveries()
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    await h.deliveries()
    [toast] = h.press(STAFF_CHAT, ADMIN, Resolve(1).encode())
    assert toast.text == ticket_texts.ALREADY_IN_STATE.format(number=1, status="已解决")
    assert await h.deliveries() == []
    assert tickets(engine)[0].resolved_by == STAFF.id


async def test_resident_cannot_press_the_staff_button(h: Harness, engine) -> None:
    bound(h)
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    await h.deliveries()
    for family in (Resolve, Accept, Progress, Reject, Assign, SkipNote):
        [toast] = h.press(STAFF_CHAT, RESIDENT, family(1).encode())
        assert toast.text in (texts.DENY_STAFF_ONLY, texts.BUTTON_INVALID)
    assert await h.deliveries() == []
    assert tickets(engine)[0].status == TicketStatus.RECEIVED


@pytest.mark.parametrize(
    "data", ["", "garbage", "1:rs", "1:rs:abc", "1:rs:1:2", "0:rs:1", "2:rs:1", "1:zz:1", "1:rs:-1", "1:rs:١"]
)
def test_malformed_button_data_is_a_toast(h: Harness, engine, data: str) -> None:
    bound(h)
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    [toast] = h.press(STAFF_CHAT, STAFF, data)
    assert toast.text == texts.BUTTON_INVALID
    assert tickets(engine)[0].status == TicketStatus.RECEIVED


def test_forged_ticket_id_is_a_toast(h: Harness) -> None:
    bound(h)
    [toast] = h.press(STAFF_CHAT, STAFF, Resolve(424242).encode())
    assert toast.text == texts.TICKET_NOT_FOUND.format(number=424242)


async def test_resolve_command_with_a_note(h: Harness, engine) -> None:
    bound(h)
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    await h.deliveries()
    [reply, edit] = h.say(STAFF_CHAT, STAFF, "/resolve #1 电梯已修好，换了控制板")
    assert reply.text == ticket_texts.MOVED_TOAST.format(number=1, status="已解决")
    assert isinstance(edit, EditMessage) and "电梯已修好" in edit.text
    [notice] = await h.deliveries()
    assert notice.text == ticket_texts.RESOLVED_NOTICE.format(number=1) + "\n说明：电梯已修好，换了控制板"
    [usage] = h.say(STAFF_CHAT, STAFF, "/resolve 电梯")
    assert usage.text == ticket_texts.TICKET_USAGE.format(command="resolve")
    [refusal] = h.say(GROUP_3, RESIDENT, "/resolve 1 我自己修好了")
    assert refusal.text == texts.DENY_STAFF_ONLY


def test_the_same_update_twice_makes_one_ticket(h: Harness, engine) -> None:
    bound(h)
    first = h.say(GROUP_3, RESIDENT, "报事 电梯坏了", update_id=500)
    again = h.say(GROUP_3, RESIDENT, "报事 电梯坏了", update_id=500)
    assert first and again == []
    assert len(tickets(engine)) == 1


async def test_private_report_asks_building_then_files(h: Harness, engine) -> None:
    bound(h)
    h.say(GROUP_5, ADMIN, "/bind 5号楼")
    [ask] = h.say(private(NEIGHBOUR), NEIGHBOUR, "我要报事")
    assert ask.text == report_texts.REPORT_ASK_TEXT
    [which] = h.say(private(NEIGHBOUR), NEIGHBOUR, "楼下垃圾桶满了没人清")
    description_id = h.last_message_id
    assert which.text == report_texts.REPORT_ASK_BUILDING
    choices = buttons_of(which)
    assert [label for label, _ in choices] == ["3号楼", "5号楼", "不清楚", "取消"]
    assert tickets(engine) == []  # nothing filed until the last question is answered

    _toast, edit, received, menu = h.press(private(NEIGHBOUR), NEIGHBOUR, choices[1][1])
    assert isinstance(edit, EditMessage) and "5号楼" in edit.text
    assert received.text.startswith("已收到") and received.reply_to == description_id
    assert isinstance(menu.keyboard, ReplyKeyboard)  # the big buttons come back after the flow
    [ticket] = tickets(engine)
    assert ticket.text == "楼下垃圾桶满了没人清" and ticket.chat_id == NEIGHBOUR.id
    [card] = await h.deliveries()
    assert "5号楼" in card.text
    # The building is remembered: the next private report does not ask again.
    h.say(private(NEIGHBOUR), NEIGHBOUR, "我要报事")
    received, _menu = h.say(private(NEIGHBOUR), NEIGHBOUR, "路灯不亮")
    assert received.text.startswith("已收到")


def test_private_flow_survives_a_new_core(h: Harness, engine) -> None:
    """The flow lives in the database: a restarted bot picks up where the user was."""
    h.say(private(RESIDENT), RESIDENT, "我要报事")
    restarted = Harness(engine)
    restarted._update_ids = iter(range(100, 200))  # type: ignore[assignment]
    received, _menu = restarted.say(private(RESIDENT), RESIDENT, "门禁坏了")
    assert received.text.startswith("已收到")


def test_cancel_and_menu_buttons_leave_the_flow(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, "我要报事")
    [cancelled] = h.say(private(RESIDENT), RESIDENT, "取消")
    assert cancelled.text == report_texts.REPORT_CANCELLED
    h.say(private(RESIDENT), RESIDENT, "我要报事")
    [help_reply] = h.say(private(RESIDENT), RESIDENT, "帮助")
    assert "怎么用" in help_reply.text
    # Nothing had been written yet, so nothing waits: the next words are not filed.
    assert h.say(private(RESIDENT), RESIDENT, "随便说说")[0].text.startswith("怎么用")
    assert tickets(engine) == []


def test_building_button_without_a_flow_is_invalid(h: Harness) -> None:
    bound(h)
    [toast] = h.press(private(RESIDENT), RESIDENT, ReportBuilding(1).encode())
    assert toast.text == texts.BUTTON_INVALID


def test_my_tickets_lists_newest_first(h: Harness) -> None:
    bound(h)
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    h.say(GROUP_3, RESIDENT, "报事 楼道灯坏了")
    [reply] = h.say(private(RESIDENT), RESIDENT, "我的报事")
    lines = reply.text.splitlines()
    assert lines[1].startswith("#2 已收到") and lines[2].startswith("#1 已收到")


@pytest.mark.parametrize("text", ["", "😀😀😀", "\x00\x01", "报事 " + "长" * 5000, "/", "/报事"])
def test_odd_input_never_crashes(h: Harness, text: str) -> None:
    bound(h)
    h.say(GROUP_3, RESIDENT, text)
    h.say(private(RESIDENT), RESIDENT, text)
