"""The report loop as residents and staff met it: a regression test per defect found in use."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers import texts
from handlers.actions import AnswerButton, DeleteMessage, EditMessage, SendMessage
from handlers.people import texts as people_texts
from handlers.reports import texts as report_texts
from handlers.reports.buttons import OtherBuildings, ReportBuilding, Withdraw
from handlers.tickets import texts as ticket_texts
from handlers.tickets.buttons import Accept, ChangeCategory, Rate
from storage.models import Ticket
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


def labels(action) -> list[str]:
    return [label for label, _ in buttons_of(action)]


# --- 1. a problem typed in a private chat is never dropped


async def test_a_problem_typed_privately_is_taken_as_a_report(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "大家好")  # she is known in 3号楼's group
    [question] = h.say(private(RESIDENT), RESIDENT, "我家厨房水管漏水了")
    assert question.text == report_texts.REPORT_ASK_BUILDING
    _, _, receipt, menu = h.press(private(RESIDENT), RESIDENT, ReportBuilding(1).encode())
    assert receipt.text.startswith("已收到") and "#1" in receipt.text
    assert report_texts.BTN_WITHDRAW in labels(receipt)
    assert menu.text == texts.MENU_BACK
    assert [t.text for t in tickets(engine)] == ["我家厨房水管漏水了"]
    assert len(await h.deliveries()) == 1  # the card


@pytest.mark.parametrize("text", ["你好", "在吗？", "谢谢", "请问怎么用？", "👍👍", "。。。"])
async def test_a_greeting_or_a_question_gets_the_menu(h: Harness, engine, text: str) -> None:
    [reply] = h.say(private(RESIDENT), RESIDENT, text)
    assert reply.text.startswith(people_texts.HELP_RESIDENT)
    assert tickets(engine) == []


async def test_withdraw_before_staff_take_it_on(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, "3号楼电梯坏了")
    await h.deliveries()  # the card is out
    toast, edit, card_edit = h.press(private(RESIDENT), RESIDENT, Withdraw(1).encode())
    assert toast.text == report_texts.WITHDRAWN.format(number=1) and edit.text == toast.text
    assert "已撤回" in card_edit.text and card_edit.keyboard is None
    assert tickets(engine)[0].status == "withdrawn"


async def test_withdraw_after_staff_took_it_on_is_refused(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, "3号楼电梯坏了")
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    [refused] = h.press(private(RESIDENT), RESIDENT, Withdraw(1).encode())
    assert refused.text == report_texts.WITHDRAW_TOO_LATE
    [other] = h.press(private(NEIGHBOUR), NEIGHBOUR, Withdraw(1).encode())
    assert other.text == report_texts.ONLY_THE_REPORTER
    assert tickets(engine)[0].status == "accepted"


# --- 2. no content, no ticket


@pytest.mark.parametrize("text", ["报事 。。。", "报事 👍👍", "报事 匿名", "报事 匿名 ！！"])
async def test_a_report_without_content_files_nothing(h: Harness, engine, text: str) -> None:
    [reply] = h.say(GROUP_3, RESIDENT, text)
    assert reply.text == report_texts.REPORT_EMPTY
    assert tickets(engine) == []


async def test_a_private_report_without_content_files_nothing(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, texts.BTN_REPORT)
    [reply] = h.say(private(RESIDENT), RESIDENT, "😀😀")
    assert reply.text == report_texts.REPORT_NEEDS_MEDIA_OR_TEXT
    assert tickets(engine) == []


# --- 3. the category question helps, or is not asked


async def test_no_signal_goes_to_staff_unsorted_without_a_question(h: Harness, engine) -> None:
    [receipt] = h.say(GROUP_3, RESIDENT, "报事 看图", photo="P1")
    assert receipt.text == report_texts.REPORT_RECEIVED_UNSORTED.format(number=1)
    [card] = await h.deliveries()
    assert ticket_texts.CARD_CATEGORY_NONE in card.text
    assert tickets(engine)[0].sort_state == "unsorted"


async def test_the_category_question_never_offers_only_other(h: Harness) -> None:
    [question] = h.say(GROUP_3, RESIDENT, "报事 又坏了！！！")
    offered = labels(question)
    assert offered[-1] == "其他" and len(offered) >= 2


# --- 4. urgent reports ask nothing


async def test_an_urgent_report_asks_nothing_and_gives_the_emergency_numbers(h: Harness, engine) -> None:
    [reply] = h.say(GROUP_3, RESIDENT, "报事 有人被困在电梯里了")
    assert reply.text.startswith("已收到 🚨") and "有人被困" in reply.text
    assert "火警 119、急救 120、报警 110" in reply.text
    assert labels(reply) == [report_texts.BTN_CHANGE_CATEGORY]  # no category question
    [card] = await h.deliveries()
    assert card.text.splitlines()[0] == "🚨 紧急：有人被困" and card.pin
    assert tickets(engine)[0].hold_reason is None


# --- 5. the right building


async def test_a_group_report_naming_another_building_is_filed_there(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 5号楼门口有人乱停车")
    [card] = await h.deliveries()
    assert card.text.splitlines()[0].endswith("5号楼")
    assert tickets(engine)[0].building_id == 2


async def test_private_building_question_lists_own_groups_first_and_remembers(h: Harness, engine) -> None:
    h.say(GROUP_5, RESIDENT, "早上好")
    [question] = h.say(private(RESIDENT), RESIDENT, "报事 楼道灯坏了")
    assert labels(question) == ["5号楼", report_texts.BTN_OTHER_BUILDINGS, "不清楚", texts.BTN_CANCEL]
    _, every = h.press(private(RESIDENT), RESIDENT, OtherBuildings().encode())
    assert labels(every)[:2] == ["3号楼", "5号楼"]
    _, answered, _, _ = h.press(private(RESIDENT), RESIDENT, ReportBuilding(1).encode())
    assert answered.text.endswith("3号楼")
    [receipt2, _] = h.say(private(RESIDENT), RESIDENT, "报事 垃圾没人收")  # remembered: no question
    assert receipt2.text.startswith("已收到")
    assert [t.building_id for t in tickets(engine)] == [1, 1]


async def test_unsure_of_the_building_files_without_one_and_never_says_unknown(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, "报事 楼道灯坏了")
    actions = h.press(private(RESIDENT), RESIDENT, ReportBuilding(0).encode())
    shown = [a.text for a in actions if isinstance(a, SendMessage | EditMessage)]
    assert shown[0].endswith(report_texts.REPORT_BUILDING_UNKNOWN)
    assert all(texts.UNKNOWN_BUILDING not in text for text in shown)
    [card] = await h.deliveries()
    assert texts.UNKNOWN_BUILDING in card.text  # staff are told
    [mine] = h.say(private(RESIDENT), RESIDENT, "/ticket 1")
    assert texts.UNKNOWN_BUILDING not in mine.text


# --- 6. reopening keeps the handler


async def test_reopening_a_ticket_resolved_without_accepting_leaves_it_unassigned(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    h.press(GROUP_3, RESIDENT, Rate(1, "unsatisfied").encode())
    h.say(GROUP_3, RESIDENT, "还是坏的")
    ticket = tickets(engine)[0]
    assert ticket.status == "accepted" and ticket.assignee_id is None


async def test_reopening_returns_the_ticket_to_its_assignee(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    h.press(GROUP_3, RESIDENT, Rate(1, "unsatisfied").encode())
    h.say(GROUP_3, RESIDENT, "还是坏的")
    assert tickets(engine)[0].assignee_id == STAFF.id


# --- 7. stale buttons answer truthfully


async def test_changing_the_category_after_staff_accepted(h: Harness) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    [toast] = h.press(GROUP_3, RESIDENT, ChangeCategory(1).encode())
    assert toast.text == "已经由工作人员处理，分类不能再改"


async def test_an_earlier_complaint_is_not_shown_with_a_later_satisfied(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    await h.deliveries()  # the card is out
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    h.press(GROUP_3, RESIDENT, Rate(1, "unsatisfied").encode())
    h.say(GROUP_3, RESIDENT, "还是坏的")
    h.say(STAFF_CHAT, STAFF, "/resolve 1 换了主板")
    *_, card = h.press(GROUP_3, RESIDENT, Rate(1, "satisfied").encode())
    assert "评价：😊 满意" in card.text and "还是坏的" not in card.text.split("评价：")[-1]
    assert tickets(engine)[0].rating_comment is None


# --- 9. one message per step


async def test_private_copies_only_for_those_who_asked(h: Harness) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    await h.deliveries()
    [on] = h.say(private(RESIDENT), RESIDENT, texts.BTN_PRIVATE_NOTICES)
    assert on.text == people_texts.PRIVATE_NOTICES_ON
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    to_group, to_her = [n for n in await h.deliveries() if n.chat_id != STAFF_CHAT.id]
    assert to_group.chat_id == GROUP_3.id and labels(to_group) == []
    assert to_her.chat_id == RESIDENT.id and ticket_texts.BTN_RATE_GOOD in labels(to_her)
    [off] = h.say(private(RESIDENT), RESIDENT, texts.BTN_PRIVATE_NOTICES)
    assert off.text == people_texts.PRIVATE_NOTICES_OFF


async def test_cancelled_is_said_once(h: Harness) -> None:
    h.say(private(RESIDENT), RESIDENT, "报事 楼道灯坏了")
    actions = h.press(private(RESIDENT), RESIDENT, "1:rc")
    said = [a.text for a in actions if isinstance(a, SendMessage | EditMessage)]
    assert said.count(report_texts.REPORT_CANCELLED) == 1


# --- 10. anonymity that holds


async def test_anonymous_in_a_group_where_the_bot_may_delete(h: Harness, engine) -> None:
    h.membership(GROUP_3, can_delete=True)
    actions = h.say(GROUP_3, RESIDENT, "报事 匿名 楼上天天半夜装修")
    message_id = h.last_message_id
    delete, receipt = actions
    assert delete == DeleteMessage(chat_id=GROUP_3.id, message_id=message_id)
    assert isinstance(receipt, SendMessage) and receipt.reply_to is None
    assert report_texts.ANONYMOUS_DELETED in receipt.text
    [(label, url)] = [(b.text, b.url) for row in receipt.keyboard.rows for b in row if b.url]
    assert label == report_texts.BTN_OPEN_PRIVATE and url == "https://t.me/linli_bot?start=report"
    [card] = await h.deliveries()
    assert "报事人：匿名" in card.text and "张阿姨" not in card.text
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    notices = [n for n in await h.deliveries() if n.chat_id != STAFF_CHAT.id]
    assert all(n.reply_to is None for n in notices if n.chat_id == GROUP_3.id)
    assert all(labels(n) == [] for n in notices if n.chat_id == GROUP_3.id)  # a press would give her away
    assert any(n.chat_id == RESIDENT.id for n in notices)


async def test_anonymous_in_a_group_without_the_delete_right(h: Harness) -> None:
    actions = h.say(GROUP_3, RESIDENT, "报事 匿名 楼上天天半夜装修")
    [receipt] = actions
    assert receipt.reply_to is None and report_texts.ANONYMOUS_NOT_DELETED in receipt.text
    assert not any(isinstance(a, DeleteMessage) for a in actions)


async def test_the_delete_right_follows_the_bots_standing(h: Harness) -> None:
    h.membership(GROUP_3, can_delete=True)
    h.membership(GROUP_3, can_delete=False)
    [receipt] = h.say(GROUP_3, RESIDENT, "报事 匿名 楼上天天半夜装修")
    assert report_texts.ANONYMOUS_NOT_DELETED in receipt.text


async def test_toasts_are_one_per_press(h: Harness) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    toasts = [a for a in h.press(GROUP_3, NEIGHBOUR, Withdraw(1).encode()) if isinstance(a, AnswerButton)]
    assert len(toasts) == 1


async def test_anonymity_is_chosen_in_the_private_flow(h: Harness, engine) -> None:
    h.say(private(RESIDENT), RESIDENT, texts.BTN_REPORT)
    h.say(private(RESIDENT), RESIDENT, "匿名 3号楼楼上天天半夜装修")
    [card] = await h.deliveries()
    assert "报事人：匿名" in card.text and "张阿姨" not in card.text
    assert tickets(engine)[0].anonymous and tickets(engine)[0].text == "3号楼楼上天天半夜装修"


# --- two problems in one message (the categories issue)


async def test_two_problems_file_the_severe_one_and_offer_the_other(h: Harness, engine) -> None:
    [receipt] = h.say(GROUP_3, RESIDENT, "报事 楼上装修太吵了，顺便说一下电梯里有人被困了")
    assert receipt.text.startswith("已收到 🚨")  # the urgent one is the primary
    second = dict(buttons_of(receipt))[report_texts.BTN_FILE_SECOND.format(category="噪音扰民")]
    [refused] = h.press(GROUP_3, NEIGHBOUR, second)
    assert refused.text == report_texts.ONLY_THE_REPORTER
    _, filed = h.press(GROUP_3, RESIDENT, second)
    assert filed.text.startswith("已收到") and "#2" in filed.text
    first, other = tickets(engine)
    assert (first.urgent, first.category) == (True, "safety")
    assert (other.text, other.category, other.urgent) == ("楼上装修太吵了", "noise", False)
    [again] = h.press(GROUP_3, RESIDENT, second)
    assert again.text == report_texts.SECOND_ALREADY_FILED
    assert len(tickets(engine)) == 2


async def test_one_problem_with_more_words_is_one_report(h: Harness) -> None:
    [receipt] = h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了，另外已经好几天了")
    assert all(not label.startswith("另报一件") for label, _ in buttons_of(receipt))
