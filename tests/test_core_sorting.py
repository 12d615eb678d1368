"""Classification in the conversation: categories, unsure reports, urgency, re-sorting, duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from handlers import texts
from handlers.actions import AnswerButton, EditMessage, SendMessage
from handlers.reports import texts as report_texts
from handlers.reports.buttons import JoinTicket, NotDuplicate
from handlers.tickets import texts as ticket_texts
from handlers.tickets.buttons import CategoryBack, ChangeCategory, SetCategory
from storage.models import Reclassification, Ticket, TicketFollower
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

CHEN = RESIDENT.__class__(6, "陈姐")


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    h.say(GROUP_3, STAFF, "大家好")
    h.say(GROUP_3, ADMIN, "/staff", reply_to=1, reply_to_sender=STAFF)
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    return h


def rows(engine, model=Ticket) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(model.id)))


async def test_confident_report_names_its_category_and_offers_a_change(h: Harness, engine) -> None:
    [reply] = h.say(GROUP_3, RESIDENT, "报事 晚上11点楼上还在装修电钻声吵得睡不着")
    assert "分类：噪音扰民" in reply.text
    # No 匿名 button: anonymity is chosen with the report, never added after the card went out.
    assert buttons_of(reply) == [(report_texts.BTN_CHANGE_CATEGORY, ChangeCategory(1).encode())]
    [card] = await h.deliveries()
    assert "噪音扰民（依据：" in card.text
    assert rows(engine)[0].category == "noise"


async def test_unsure_report_asks_the_reporter_before_staff_see_it(h: Harness, engine) -> None:
    [question] = h.say(GROUP_3, RESIDENT, "报事 又坏了！！！")
    assert question.text == report_texts.REPORT_ASK_CATEGORY.format(number=1)
    choices = buttons_of(question)
    assert 2 <= len(choices) <= 4 and choices[-1][0] == "其他"
    assert await h.deliveries() == []  # staff wait for the answer

    [refused] = h.press(GROUP_3, NEIGHBOUR, choices[0][1])
    assert refused.text == report_texts.ONLY_REPORTER

    toast, receipt = h.press(GROUP_3, RESIDENT, SetCategory(1, "utilities").encode())
    assert toast.text == report_texts.CATEGORY_SET_TOAST.format(category="水电气暖")
    assert isinstance(receipt, EditMessage) and "分类：水电气暖" in receipt.text
    [card] = await h.deliveries()
    assert "水电气暖（居民选择）" in card.text
    assert rows(engine, Reclassification)[0].by_role == "reporter"


def test_the_learned_category_is_offered_first(h: Harness) -> None:
    # The keywords see only a repair (缺口); the learned category model knows an intrusion.
    [question] = h.say(GROUP_3, RESIDENT, "报事 围墙那边有个缺口 外面的人能直接钻进来")
    assert question.text == report_texts.REPORT_ASK_CATEGORY.format(number=1)
    choices = buttons_of(question)
    assert choices[0] == ("治安防范", SetCategory(1, "security").encode())
    assert choices[-1][0] == "其他"


async def test_unanswered_question_reaches_staff_unsorted_after_ten_minutes(h: Harness, engine) -> None:
    [question] = h.say(GROUP_3, RESIDENT, "报事 又坏了！！！")
    assert question.text == report_texts.REPORT_ASK_CATEGORY.format(number=1)
    h.advance(timedelta(minutes=9))
    assert h.core.tick() == 0
    h.advance(timedelta(minutes=2))
    assert h.core.tick() == 1
    [card] = await h.deliveries()
    assert "未分类" in card.text
    assert h.core.tick() == 0  # once only
    [ticket] = rows(engine)
    assert ticket.sort_state == "unsorted" and ticket.held_until is None


async def test_urgent_report_goes_to_staff_at_once_pinned(h: Harness) -> None:
    [reply] = h.say(GROUP_3, RESIDENT, "报事 5楼楼道里着火了，好多烟！")
    assert reply.text.startswith("已收到 🚨")
    [card] = await h.deliveries()
    # The first line says what is at stake in plain words; the matched words come lower, for staff.
    assert card.text.splitlines()[0] == "🚨 紧急：起火冒烟"
    assert ticket_texts.CARD_URGENT_WORDS.format(words="着火") in card.text
    assert card.pin


async def test_staff_resort_on_the_card(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    await h.deliveries()
    card_id = rows(engine)[0].card_message_id
    [_, choices] = h.press(STAFF_CHAT, STAFF, ChangeCategory(1).encode(), message_id=card_id)
    assert isinstance(choices, EditMessage) and choices.message_id == card_id
    labels = [label for label, _ in buttons_of(choices)]
    assert "噪音扰民" in labels and labels[-1] == texts.BTN_BACK

    toast, card = h.press(STAFF_CHAT, STAFF, SetCategory(1, "safety").encode(), message_id=card_id)
    assert toast.text == report_texts.CATEGORY_SET_TOAST.format(category="安全隐患")
    assert "安全隐患（工作人员改分类）" in card.text
    [resort] = rows(engine, Reclassification)
    assert (resort.old_category, resort.new_category, resort.by_role, resort.text) == (
        "repair",
        "safety",
        "staff",
        "3号楼电梯坏了",
    )


async def test_residents_cannot_resort_others_tickets(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    await h.deliveries()
    [toast] = h.press(STAFF_CHAT, NEIGHBOUR, SetCategory(1, "noise").encode())
    assert toast.text == report_texts.ONLY_REPORTER
    [toast] = h.press(GROUP_3, NEIGHBOUR, ChangeCategory(1).encode())
    assert toast.text == report_texts.ONLY_REPORTER
    assert rows(engine)[0].category == "repair"


async def test_reporter_changes_category_on_the_receipt(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    await h.deliveries()
    [_, menu] = h.press(GROUP_3, RESIDENT, ChangeCategory(1).encode(), message_id=77)
    assert menu.message_id == 77 and report_texts.CHOOSE_CATEGORY in menu.text
    _, receipt, card_edit = h.press(GROUP_3, RESIDENT, SetCategory(1, "safety").encode(), message_id=77)
    assert receipt.message_id == 77 and "安全隐患" in receipt.text
    assert card_edit.chat_id == STAFF_CHAT.id and "安全隐患（居民选择）" in card_edit.text


def test_reclassify_command(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    [done, *_] = h.say(STAFF_CHAT, STAFF, "/reclassify 1 noise")
    assert done.text == report_texts.RECLASSIFY_DONE.format(number=1, category="噪音扰民")
    [done, *_] = h.say(STAFF_CHAT, STAFF, "/reclassify #1 安全隐患")
    assert rows(engine)[0].category == "safety"
    [wrong] = h.say(STAFF_CHAT, STAFF, "/reclassify 1 weather")
    assert wrong.text.startswith("没有「weather」")
    [usage] = h.say(STAFF_CHAT, STAFF, "/reclassify")
    assert usage.text.startswith("用法")
    [refusal] = h.say(GROUP_3, RESIDENT, "/reclassify 1 noise")
    assert refusal.text == texts.DENY_STAFF_ONLY


def test_stale_category_button_is_invalid(h: Harness) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    [toast] = h.press(STAFF_CHAT, STAFF, "1:sc:1:weather")
    assert toast.text == texts.BUTTON_INVALID


async def test_duplicate_report_offers_the_earlier_ticket_and_join_shares_updates(h: Harness, engine) -> None:
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯又坏了，按了没反应")
    await h.deliveries()
    [question] = h.say(GROUP_3, NEIGHBOUR, "报事 3号楼的电梯又坏了按钮没反应")
    neighbour_message = h.last_message_id
    assert question.text.startswith("邻居已经报过 #1")
    join, other = buttons_of(question)
    assert (
        join == (report_texts.BTN_JOIN, JoinTicket(2, 1).encode())
        and other[0] == report_texts.BTN_NOT_DUPLICATE
    )
    assert await h.deliveries() == []

    [refused] = h.press(GROUP_3, RESIDENT, join[1])
    assert refused.text == report_texts.ONLY_THE_REPORTER
    _, joined, card = h.press(GROUP_3, NEIGHBOUR, join[1])
    assert joined.text == report_texts.JOINED.format(number=1)
    assert "报事人：张阿姨、刘大爷" in card.text
    [follower] = rows(engine, TicketFollower)
    assert (follower.ticket_id, follower.user_id) == (1, NEIGHBOUR.id)
    assert rows(engine)[1].status == "merged"
    [again] = h.press(GROUP_3, NEIGHBOUR, join[1])
    assert again.text == texts.ALREADY_DECIDED

    h.say(STAFF_CHAT, STAFF, "/resolve 1 换了按钮板")
    notices = await h.deliveries()
    to_group = [n for n in notices if n.chat_id == GROUP_3.id]
    assert {n.reply_to for n in to_group} == {2 + 4, neighbour_message} or len(to_group) == 2
    # Each is told where they reported; no private copy unless they turned on 私聊提醒.
    assert all(n.chat_id == GROUP_3.id for n in notices if n.chat_id != STAFF_CHAT.id)
    assert all("刘大爷" not in n.text and "张阿姨" not in n.text for n in to_group)


async def test_not_the_same_thing_files_a_new_ticket(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯又坏了，按了没反应")
    await h.deliveries()
    [question] = h.say(GROUP_3, NEIGHBOUR, "报事 3号楼的电梯又坏了按钮没反应")
    _, other = buttons_of(question)
    _, receipt = h.press(GROUP_3, NEIGHBOUR, other[1])
    assert receipt.text.startswith("已收到 ✅ 报事编号 #2")
    [card] = await h.deliveries()
    assert "报事 #2" in card.text


async def test_unanswered_duplicate_question_files_the_report_and_says_so(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯又坏了，按了没反应")
    await h.deliveries()
    h.say(GROUP_3, NEIGHBOUR, "报事 3号楼的电梯又坏了按钮没反应")
    h.advance(timedelta(minutes=11))
    assert h.core.tick() == 1
    receipt, card = await h.deliveries()
    assert receipt.chat_id == GROUP_3.id and receipt.text.startswith("已收到 ✅ 报事编号 #2")
    assert card.chat_id == STAFF_CHAT.id and "报事 #2" in card.text


async def test_different_building_or_old_ticket_is_no_duplicate(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 电梯又坏了，按了没反应")
    [other_building] = h.say(GROUP_5, NEIGHBOUR, "报事 电梯又坏了，按了没反应")
    assert other_building.text.startswith("已收到")
    h.advance(timedelta(hours=73))
    [later] = h.say(GROUP_3, CHEN, "报事 电梯又坏了，按了没反应")
    assert later.text.startswith("已收到")


async def test_synonyms_sharing_no_character_are_offered_as_the_earlier_ticket(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 楼道灯不亮")
    h.say(GROUP_3, CHEN, "报事 电梯停了")
    await h.deliveries()
    [lights] = h.say(GROUP_3, NEIGHBOUR, "报事 声控灯坏了")
    assert lights.text.startswith("邻居已经报过 #1")
    [elevator] = h.say(GROUP_3, NEIGHBOUR, "报事 电梯不动")
    assert elevator.text.startswith("邻居已经报过 #2")
    # What the check compares is stored with each ticket when it is filed.
    assert all(t.duplicate_terms and t.duplicate_terms["concepts"] for t in rows(engine))


def test_clearly_different_report_in_the_same_category_is_no_duplicate(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 电梯坏了")
    [other] = h.say(GROUP_3, NEIGHBOUR, "报事 楼道灯坏了")  # both 设施报修, both broken, not one thing
    assert other.text.startswith("已收到")
    assert [t.category for t in rows(engine)] == ["repair", "repair"]


def test_ticket_filed_before_terms_were_stored_is_still_found(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯又坏了，按了没反应")
    with Session(engine) as session:
        first = session.get(Ticket, 1)
        assert first is not None and first.duplicate_terms is not None
        first.duplicate_terms = None  # as filed before migration 0007
        session.add(first)
        session.commit()
    [question] = h.say(GROUP_3, NEIGHBOUR, "报事 3号楼的电梯又坏了按钮没反应")
    assert question.text.startswith("邻居已经报过 #1")


def test_private_report_naming_a_building_skips_the_question(h: Harness, engine) -> None:
    h.say(private(CHEN), CHEN, "我要报事")
    [received, menu] = h.say(private(CHEN), CHEN, "5栋门口的路灯坏了好几天")
    assert received.text.startswith("已收到") and isinstance(menu, SendMessage)
    assert rows(engine)[0].building_id == 2  # 5号楼


def test_every_action_is_answered(h: Harness) -> None:
    """Each press gets exactly one toast, whatever happens."""
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    for data in (
        SetCategory(1, "noise").encode(),
        ChangeCategory(1).encode(),
        CategoryBack(1).encode(),
        JoinTicket(1, 1).encode(),
        NotDuplicate(1).encode(),
        SetCategory(9, "noise").encode(),
    ):
        for who in (RESIDENT, NEIGHBOUR, STAFF):
            actions = h.press(GROUP_3, who, data)
            assert sum(isinstance(a, AnswerButton) for a in actions) == 1
