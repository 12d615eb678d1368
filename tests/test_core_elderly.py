"""The private menu elderly residents use alone: large buttons, 长辈模式, a step kept when they leave it,
a voice note or a photo as a whole report, 报事 alone in a group, deep links and the /bind welcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from handlers import texts
from handlers.actions import AnswerButton, EditMessage, ReplyKeyboard, SendMessage
from handlers.pausing import DropFlow, ResumeFlow
from handlers.people import texts as people_texts
from handlers.people.buttons import ElderMode, MainMenu, PrivateNotices
from handlers.reports import texts as report_texts
from handlers.reports.buttons import LeaveToStaff, ReportBuilding
from handlers.tickets.buttons import SetCategory
from storage.models import SortState, Ticket, User
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
    h = Harness(engine)
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


def tickets(engine) -> list[Ticket]:
    with Session(engine) as session:
        return list(session.exec(select(Ticket).order_by(Ticket.id)))


def user(engine, user_id: int) -> User:
    with Session(engine) as session:
        found = session.get(User, user_id)
        assert found is not None
        return found


def labels(action) -> list[str]:
    return [label for label, _ in buttons_of(action)]


def data_of(action, label: str) -> str:
    return next(data for text, data in buttons_of(action) if text == label)


def menu_labels(action) -> list[str]:
    assert isinstance(action, SendMessage) and isinstance(action.keyboard, ReplyKeyboard)
    return [label for row in action.keyboard.rows for label in row]


# --- 长辈模式


def test_elder_mode_from_the_menu_shows_four_large_buttons_and_is_remembered(h: Harness, engine) -> None:
    [on] = h.say(private(RESIDENT), RESIDENT, "👓 长辈模式")
    assert menu_labels(on) == ["📝 报事", "📞 找人帮忙", "💰 积分", "❓ 帮助"]
    assert isinstance(on.keyboard, ReplyKeyboard) and on.keyboard.large
    assert all(len(row) == 1 for row in on.keyboard.rows)
    assert user(engine, RESIDENT.id).elder_mode
    # Remembered: /start again greets with the four buttons and offers nothing more.
    [again] = h.say(private(RESIDENT), RESIDENT, "/start")
    assert menu_labels(again) == ["📝 报事", "📞 找人帮忙", "💰 积分", "❓ 帮助"]


def test_elder_mode_is_offered_on_start_and_left_from_help(h: Harness, engine) -> None:
    _greeting, offer = h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    toast, edited, switched = h.press(private(NEIGHBOUR), NEIGHBOUR, data_of(offer, "👓 打开长辈模式"))
    assert isinstance(toast, AnswerButton) and isinstance(edited, EditMessage)
    assert menu_labels(switched) == ["📝 报事", "📞 找人帮忙", "💰 积分", "❓ 帮助"]
    [help_reply] = h.say(private(NEIGHBOUR), NEIGHBOUR, "❓ 帮助")
    assert help_reply.text == people_texts.HELP_ELDER
    assert people_texts.BTN_ELDER_OFF in labels(help_reply)
    _, _, back = h.press(private(NEIGHBOUR), NEIGHBOUR, ElderMode(0).encode())
    assert menu_labels(back)[0] == "📝 我要报事" and len(menu_labels(back)) == 8
    assert not user(engine, NEIGHBOUR.id).elder_mode


def test_elder_buttons_answer_like_the_full_menu(h: Harness) -> None:
    h.say(private(RESIDENT), RESIDENT, "👓 长辈模式")
    [ask] = h.say(private(RESIDENT), RESIDENT, "📝 报事")
    assert ask.text == report_texts.REPORT_ASK_TEXT
    points = h.say(private(RESIDENT), RESIDENT, "💰 积分")
    assert points and "积分" in points[0].text


def test_old_keyboards_and_typed_labels_still_work(h: Harness) -> None:
    """A keyboard from before the emoji (我要报事), or the word typed, is the same button."""
    [ask] = h.say(private(RESIDENT), RESIDENT, "我要报事")
    assert ask.text == report_texts.REPORT_ASK_TEXT
    [help_reply] = h.say(private(RESIDENT), RESIDENT, "帮助")
    assert help_reply.text.startswith("怎么用")


def test_private_notices_switch_lives_in_help(h: Harness, engine) -> None:
    [help_reply] = h.say(private(RESIDENT), RESIDENT, "❓ 帮助")
    assert people_texts.BTN_PRIVATE_NOTICES_ON in labels(help_reply)
    toast, edited = h.press(private(RESIDENT), RESIDENT, PrivateNotices(1).encode())
    assert toast.text == people_texts.PRIVATE_NOTICES_ON
    assert people_texts.BTN_PRIVATE_NOTICES_OFF in labels(edited)
    assert user(engine, RESIDENT.id).private_notices


def test_main_menu_button_under_a_screen_and_on_a_step(h: Harness) -> None:
    toast, menu = h.press(private(RESIDENT), RESIDENT, MainMenu().encode())
    assert isinstance(toast, AnswerButton) and menu_labels(menu)[0] == "📝 我要报事"
    [ask] = h.say(private(RESIDENT), RESIDENT, "📝 我要报事")
    assert isinstance(ask.keyboard, ReplyKeyboard) and (texts.BTN_MAIN_MENU,) in ask.keyboard.rows
    [menu] = h.say(private(RESIDENT), RESIDENT, texts.BTN_MAIN_MENU)
    assert menu_labels(menu)[0] == "📝 我要报事"


# --- an unfinished step is kept and offered again


def test_a_report_left_for_the_menu_is_offered_again(h: Harness, engine) -> None:
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    [question] = h.say(private(NEIGHBOUR), NEIGHBOUR, "楼道的灯坏了好几天")
    assert question.text == report_texts.REPORT_ASK_BUILDING
    h.say(private(NEIGHBOUR), NEIGHBOUR, "💰 我的积分")  # off to something else
    # A later message is not taken as the building answer, nor lost.
    h.advance(timedelta(days=2))
    [offer] = h.say(private(NEIGHBOUR), NEIGHBOUR, "📝 我要报事")
    assert offer.text == "您刚才的报事还没发完，继续吗？"
    assert labels(offer) == ["继续", "不要了"]
    _toast, _edit, again = h.press(private(NEIGHBOUR), NEIGHBOUR, ResumeFlow().encode())
    assert "楼道的灯坏了好几天" in again.text and report_texts.REPORT_ASK_BUILDING in again.text
    h.press(private(NEIGHBOUR), NEIGHBOUR, ReportBuilding(2).encode())
    [ticket] = tickets(engine)
    assert ticket.text == "楼道的灯坏了好几天" and ticket.building_id == 2


def test_start_offers_the_paused_report_and_dropping_it_forgets_it(h: Harness, engine) -> None:
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    h.say(private(NEIGHBOUR), NEIGHBOUR, "楼道的灯坏了好几天")
    h.say(private(NEIGHBOUR), NEIGHBOUR, "❓ 帮助")
    *_greeting, offer = h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    assert offer.text == "您刚才的报事还没发完，继续吗？"
    _toast, _edit, menu = h.press(private(NEIGHBOUR), NEIGHBOUR, DropFlow().encode())
    assert menu_labels(menu)[0] == "📝 我要报事"
    [ask] = h.say(private(NEIGHBOUR), NEIGHBOUR, "📝 我要报事")
    assert ask.text == report_texts.REPORT_ASK_TEXT
    assert tickets(engine) == []
    [stale] = h.press(private(NEIGHBOUR), NEIGHBOUR, ResumeFlow().encode())
    assert stale.text == texts.BUTTON_INVALID


# --- a voice note or a photo alone is a whole report


@pytest.mark.parametrize(("kind", "said", "look"), [("voice", "语音", "听一听"), ("photo", "照片", "看一看")])
async def test_media_alone_is_a_report_that_asks_its_category(
    h: Harness, engine, kind: str, said: str, look: str
) -> None:
    h.say(private(RESIDENT), RESIDENT, "📝 我要报事")
    [question] = h.say(private(RESIDENT), RESIDENT, **{kind: "file-1"})  # type: ignore[arg-type]
    assert question.text == f"已收到您的{said}。\n{report_texts.REPORT_ASK_BUILDING}"
    _toast, _edit, receipt, _menu = h.press(private(RESIDENT), RESIDENT, ReportBuilding(1).encode())
    assert receipt.text.startswith(f"已收到您的{said} ✅ 报事编号 #1")
    assert look in receipt.text
    assert report_texts.BTN_LEAVE_TO_STAFF in labels(receipt)
    assert "设施报修" in labels(receipt)
    [ticket] = tickets(engine)
    assert ticket.sort_state == SortState.UNSORTED and ticket.building_id == 1
    [card] = await h.deliveries()  # staff hear or see it on the card at once
    assert card.media is not None and card.media.file_id == "file-1"
    toast, edited, *_card_edit = h.press(private(RESIDENT), RESIDENT, SetCategory(1, "repair").encode())
    assert toast.text == report_texts.CATEGORY_SET_TOAST.format(category="设施报修")
    assert "分类：设施报修" in edited.text and edited.text.startswith(f"已收到您的{said}")
    assert tickets(engine)[0].category == "repair"


async def test_media_alone_left_to_staff(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, voice="voice-1")
    h.press(private(RESIDENT), RESIDENT, ReportBuilding(1).encode())
    _toast, edited = h.press(private(RESIDENT), RESIDENT, LeaveToStaff(1).encode())
    assert "工作人员会听一听再分类" in edited.text
    assert tickets(engine)[0].sort_state == SortState.UNSORTED
    [refused] = h.press(private(NEIGHBOUR), NEIGHBOUR, LeaveToStaff(1).encode())
    assert refused.text == report_texts.ONLY_REPORTER


async def test_report_alone_in_a_group_takes_the_next_voice_note(h: Harness, engine) -> None:
    [ask] = h.say(GROUP_3, RESIDENT, "我要报事")
    assert ask.text == report_texts.REPORT_ASK_GROUP
    assert tickets(engine) == []
    [receipt] = h.say(GROUP_3, RESIDENT, voice="voice-2")
    assert receipt.text.startswith("已收到您的语音 ✅ 报事编号 #1")
    [ticket] = tickets(engine)
    assert ticket.voice_file_id == "voice-2" and ticket.building_id == 1
    # Only the next message: later talk in the group is not a report.
    assert h.say(GROUP_3, RESIDENT, voice="voice-3") == []
    assert len(tickets(engine)) == 1


async def test_report_alone_in_a_group_lapses_after_a_while(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事")
    h.advance(timedelta(minutes=30))
    assert h.say(GROUP_3, RESIDENT, "大家晚上好") == []
    assert tickets(engine) == []


# --- deep links and the /bind welcome


def test_bind_welcome_is_pinned_with_a_button_that_opens_the_private_chat(h: Harness) -> None:
    [welcome] = h.say(GROUP_3, STAFF, "/bind 3号楼")
    assert isinstance(welcome, SendMessage) and welcome.pin
    [(label, _)] = buttons_of(welcome)
    assert welcome.keyboard is not None
    [[button]] = welcome.keyboard.rows
    assert button.url == "https://t.me/linli_bot?start=report" and label == button.text


def test_start_report_link_opens_the_report_step(h: Harness) -> None:
    [ask] = h.say(private(NEIGHBOUR), NEIGHBOUR, "/start report")
    assert ask.text == report_texts.REPORT_ASK_TEXT
