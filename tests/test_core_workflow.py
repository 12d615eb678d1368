"""The closed loop in the core: states, staff steps, rating, reopening, anonymity, assignment, escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from handlers import texts
from handlers.actions import AnswerButton, EditMessage, SendMessage
from handlers.reports import texts as report_texts
from handlers.reports.buttons import Anonymous
from handlers.tickets import texts as ticket_texts
from handlers.tickets.buttons import (
    Accept,
    Assign,
    AssignTo,
    CancelStep,
    History,
    Progress,
    Rate,
    Reject,
    Resolve,
    SkipNote,
    TicketsPage,
)
from nlp import load_default_classifier
from storage.models import Ticket, TicketEvent
from tests.support import ADMIN, GROUP_3, NEIGHBOUR, RESIDENT, STAFF, STAFF_CHAT, Harness, buttons_of, private

FIXER = RESIDENT.__class__(7, "赵师傅")


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    for person in (STAFF, FIXER):
        h.say(private(person), person, "/start")
        h.say(STAFF_CHAT, ADMIN, f"/staff {person.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


def ticket(engine, number: int = 1) -> Ticket:
    with Session(engine) as session:
        return session.get(Ticket, number)


def events(engine, number: int = 1) -> list[tuple[str, str]]:
    with Session(engine) as session:
        found = session.exec(
            select(TicketEvent).where(TicketEvent.ticket_id == number).order_by(TicketEvent.id)
        )
        return [(e.from_status, e.to_status) for e in found]


async def reported(h: Harness, text: str = "报事 3号楼电梯坏了") -> int:
    h.say(GROUP_3, RESIDENT, text)
    await h.deliveries()
    return h.last_message_id


async def test_accept_tells_the_reporter_who_handles_it(h: Harness, engine) -> None:
    await reported(h)
    toast, card = h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    assert toast.text == ticket_texts.MOVED_TOAST.format(number=1, status="已受理")
    assert "负责人：王师傅" in card.text and "状态：已受理" in card.text
    assert buttons_of(card)[0][0] == ticket_texts.BTN_PROGRESS  # no 受理 once accepted
    notices = await h.deliveries()
    assert {n.chat_id for n in notices} == {GROUP_3.id}  # one message per step: the reply in the group
    assert all(n.text == ticket_texts.NOTICE_ACCEPTED.format(number=1, name="王师傅") for n in notices)
    h.press(STAFF_CHAT, STAFF, Progress(1).encode())
    assert events(engine) == [("", "received"), ("received", "accepted"), ("accepted", "in_progress")]


@pytest.mark.parametrize(
    ("setup", "family", "refusal"),
    [
        ("/resolve 1", Resolve, ticket_texts.ALREADY_IN_STATE.format(number=1, status="已解决")),
        (
            "/reject 1 重复",
            Accept,
            ticket_texts.CANNOT_MOVE.format(number=1, status="已驳回", to="已受理"),
        ),
        ("/resolve 1", Progress, ticket_texts.CANNOT_MOVE.format(number=1, status="已解决", to="处理中")),
    ],
)
async def test_impossible_moves_are_refused_with_a_reason(
    h: Harness, engine, setup: str, family: type[Accept | Progress | Resolve], refusal: str
) -> None:
    await reported(h)
    h.say(STAFF_CHAT, STAFF, setup)
    [toast] = h.press(STAFF_CHAT, STAFF, family(1).encode())
    assert toast.text == refusal


async def test_reject_asks_for_the_reason_then_tells_reporters(h: Harness, engine) -> None:
    await reported(h)
    _, ask = h.press(STAFF_CHAT, STAFF, Reject(1).encode())
    assert ask.text == ticket_texts.ASK_REJECT_REASON.format(number=1)
    assert ticket(engine).status == "received"
    [usage] = h.say(STAFF_CHAT, STAFF, "")  # a sticker: still waiting for words
    assert usage.text == ticket_texts.STEP_NEEDS_TEXT
    reply, card = h.say(STAFF_CHAT, STAFF, "这是业主家里的水管，请联系维修师傅上门")
    assert reply.text == ticket_texts.MOVED_TOAST.format(number=1, status="已驳回")
    assert "已驳回" in card.text and "业主家里的水管" in card.text and card.keyboard is None
    notices = await h.deliveries()
    assert notices[0].text == ticket_texts.NOTICE_REJECTED.format(
        number=1, reason="这是业主家里的水管，请联系维修师傅上门"
    )
    assert ticket(engine).rejection_reason.startswith("这是业主家里")


async def test_cancelled_step_changes_nothing(h: Harness, engine) -> None:
    await reported(h)
    h.press(STAFF_CHAT, STAFF, Reject(1).encode())
    _, cancelled = h.press(STAFF_CHAT, STAFF, CancelStep(1).encode())
    assert cancelled.text == ticket_texts.STEP_CANCELLED
    assert h.say(STAFF_CHAT, STAFF, "随便聊聊") == []
    assert ticket(engine).status == "received"


async def test_resolve_note_with_an_after_photo(h: Harness, engine) -> None:
    await reported(h)
    h.press(STAFF_CHAT, STAFF, Resolve(1).encode())
    h.say(STAFF_CHAT, STAFF, "修好了", photo="AFTER1")
    notices = await h.deliveries()
    assert all(n.media is not None and n.media.file_id == "AFTER1" for n in notices)
    assert ticket(engine).after_photo_file_id == "AFTER1" and ticket(engine).resolution_note == "修好了"


async def test_photo_replying_to_the_card_resolves(h: Harness, engine) -> None:
    await reported(h)
    card_id = ticket(engine).card_message_id
    [reply, card] = h.say(STAFF_CHAT, STAFF, "已解决 换了灯泡", photo="AFTER2", reply_to=card_id)
    assert reply.text == ticket_texts.MOVED_TOAST.format(number=1, status="已解决")
    assert "📷 有处理后照片" in card.text
    assert (ticket(engine).resolution_note, ticket(engine).after_photo_file_id) == ("换了灯泡", "AFTER2")
    [refusal] = h.say(STAFF_CHAT, RESIDENT, "已解决", photo="X", reply_to=card_id)
    assert refusal.text == texts.DENY_STAFF_ONLY


async def test_rating_satisfied_closes_the_loop(h: Harness, engine) -> None:
    await reported(h)
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    [notice] = await h.deliveries()
    rate_good = dict(buttons_of(notice))[ticket_texts.BTN_RATE_GOOD]
    [refused] = h.press(GROUP_3, NEIGHBOUR, rate_good)
    assert refused.text == ticket_texts.RATE_ONLY_REPORTER
    toast, thanked, card = h.press(GROUP_3, RESIDENT, rate_good)
    assert isinstance(thanked, EditMessage) and thanked.keyboard is None  # the buttons are gone
    assert toast.text == ticket_texts.RATE_THANKS and "评价：😊 满意" in card.text
    assert ticket(engine).status == "rated"
    [again] = h.press(private(RESIDENT), RESIDENT, rate_good)
    assert again.text == texts.ALREADY_DECIDED


async def test_unsatisfied_asks_why_and_reopens(h: Harness, engine) -> None:
    await reported(h)
    h.press(STAFF_CHAT, STAFF, Accept(1).encode())
    h.say(STAFF_CHAT, STAFF, "/resolve 1 修好了")
    await h.deliveries()
    first_due = ticket(engine).resolve_due_at
    _, ask = h.press(private(RESIDENT), RESIDENT, Rate(1, "unsatisfied").encode())
    # The rating buttons give way to the question in the same message.
    assert isinstance(ask, EditMessage) and ask.keyboard is None
    assert ask.text.endswith(ticket_texts.RATE_WHY.format(number=1))
    h.advance(timedelta(hours=1))
    [card] = h.say(private(RESIDENT), RESIDENT, "电梯还是时好时坏")
    assert "状态：已受理" in card.text and "不满意" in card.text
    notices = await h.deliveries()
    to_staff = [n for n in notices if n.chat_id == STAFF_CHAT.id]
    assert to_staff[0].text == ticket_texts.STAFF_REOPENED.format(number=1, why="电梯还是时好时坏")
    assert any(n.text == ticket_texts.NOTICE_REOPENED.format(number=1) for n in notices)
    t = ticket(engine)
    assert (t.status, t.rating, t.resolved_at) == ("accepted", "unsatisfied", None)
    # A fresh period to resolve, counted from the reopening an hour later.
    assert timedelta(hours=1) <= t.resolve_due_at - first_due < timedelta(hours=1, minutes=1)
    assert events(engine)[-1] == ("resolved", "accepted")


async def test_no_rating_after_three_days(h: Harness, engine) -> None:
    await reported(h)
    h.say(STAFF_CHAT, STAFF, "/resolve 1")
    h.advance(timedelta(days=3, minutes=1))
    [toast] = h.press(private(RESIDENT), RESIDENT, Rate(1, "satisfied").encode())
    assert toast.text == ticket_texts.RATE_EXPIRED
    assert ticket(engine).status == "resolved" and ticket(engine).rating is None


async def test_rating_a_rejected_ticket_is_refused(h: Harness, engine) -> None:
    await reported(h)
    h.say(STAFF_CHAT, STAFF, "/reject 1 不归物业管")
    [toast] = h.press(private(RESIDENT), RESIDENT, Rate(1, "satisfied").encode())
    assert toast.text == texts.ALREADY_DECIDED


async def test_anonymous_report_hides_the_name_except_from_admins_in_private(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 匿名 楼上半夜装修太吵了")
    [card] = await h.deliveries()
    assert "报事人：匿名" in card.text and "张阿姨" not in card.text
    assert ticket(engine).text == "楼上半夜装修太吵了" and ticket(engine).anonymous
    [staff_view] = h.say(STAFF_CHAT, STAFF, "/ticket 1")
    assert "张阿姨" not in staff_view.text
    [admin_view] = h.say(private(ADMIN), ADMIN, "/ticket 1")
    assert "张阿姨" in admin_view.text
    h.say(STAFF_CHAT, STAFF, "/accept 1")
    assert all("张阿姨" not in n.text for n in await h.deliveries())


async def test_an_old_anonymous_button_hides_nothing_after_the_card_went_out(h: Harness, engine) -> None:
    [receipt] = h.say(GROUP_3, RESIDENT, "报事 楼道灯坏了")
    assert report_texts.ANONYMOUS_SET not in receipt.text
    [card] = await h.deliveries()
    assert "张阿姨" in card.text
    [toast] = h.press(GROUP_3, RESIDENT, Anonymous(1).encode())  # a receipt from before this release
    assert toast.text == report_texts.ANONYMOUS_TOO_LATE and toast.alert
    assert not ticket(engine).anonymous and await h.deliveries() == []


async def test_assign_by_button_notifies_the_assignee(h: Harness, engine) -> None:
    await reported(h)
    card_id = ticket(engine).card_message_id
    _, choices = h.press(STAFF_CHAT, STAFF, Assign(1).encode(), message_id=card_id)
    people = dict(buttons_of(choices))
    assert set(people) >= {"王师傅", "赵师傅"}
    [forged] = h.press(STAFF_CHAT, STAFF, AssignTo(1, RESIDENT.id).encode())
    assert forged.text == texts.BUTTON_INVALID  # only staff can be given a ticket
    toast, *_ = h.press(STAFF_CHAT, STAFF, people["赵师傅"], message_id=card_id)
    assert toast.text == ticket_texts.ASSIGNED.format(number=1, name="赵师傅")
    assert ticket(engine).assignee_id == FIXER.id and ticket(engine).status == "accepted"
    notices = await h.deliveries()
    assert any(n.chat_id == FIXER.id and n.text.startswith("您被指派处理 #1") for n in notices)
    assert any(n.text == ticket_texts.NOTICE_ACCEPTED.format(number=1, name="赵师傅") for n in notices)


async def test_tickets_list_filters_and_pages(h: Harness, engine) -> None:
    for i in range(12):
        h.say(GROUP_3, RESIDENT, f"报事 {i + 1}单元楼道灯坏了")
    h.say(GROUP_3, RESIDENT, "报事 楼下着火了好大的烟")
    h.say(STAFF_CHAT, STAFF, "/accept 2")
    [first] = h.say(STAFF_CHAT, STAFF, "/tickets")
    assert "共 13 件，第 1/2 页" in first.text and first.text.count("\n#") == 10
    [(label, data)] = buttons_of(first)
    assert label == ticket_texts.BTN_NEXT
    _, second = h.press(STAFF_CHAT, STAFF, data)
    assert "第 2/2 页" in second.text
    [urgent] = h.say(STAFF_CHAT, STAFF, "/tickets 紧急")
    assert "共 1 件" in urgent.text and "🚨" in urgent.text
    [accepted] = h.say(STAFF_CHAT, STAFF, "/tickets 已受理 我的")
    assert "共 1 件" in accepted.text and "#2 [已受理]" in accepted.text
    [by_category] = h.say(STAFF_CHAT, STAFF, "/tickets 3号楼 repair")
    assert "共 12 件" in by_category.text
    [usage] = h.say(STAFF_CHAT, STAFF, "/tickets 火星")
    assert usage.text == ticket_texts.TICKETS_USAGE
    [refusal] = h.say(GROUP_3, RESIDENT, "/tickets")
    assert refusal.text == texts.DENY_STAFF_ONLY
    [forged] = h.press(STAFF_CHAT, STAFF, TicketsPage(0, "bogus", 0, "x", 0).encode())
    assert forged.text == texts.BUTTON_INVALID


async def test_my_tickets_and_history(h: Harness, engine) -> None:
    await reported(h)
    h.say(STAFF_CHAT, STAFF, "/accept 1")
    [mine] = h.say(private(RESIDENT), RESIDENT, "我的报事")
    assert "#1 已受理" in mine.text
    [(_, data), (back, _)] = buttons_of(mine)
    assert back == texts.BTN_MAIN_MENU
    _, detail = h.press(private(RESIDENT), RESIDENT, data)
    # The reporter reads plain words: no arrows, no keyword evidence.
    assert "处理记录" in detail.text and "已受理" in detail.text
    assert "→" not in detail.text and "依据" not in detail.text
    [refused] = h.press(private(NEIGHBOUR), NEIGHBOUR, data)
    assert refused.text == ticket_texts.NOT_YOUR_TICKET


async def test_escalation_raises_each_alert_once(h: Harness, engine) -> None:
    await reported(h)
    accept, resolve = load_default_classifier().taxonomy.sla_for("repair", urgent=False)
    h.say(private(ADMIN), ADMIN, "/start")
    h.advance(accept - timedelta(minutes=1))
    assert h.core.tick() == 0
    h.advance(timedelta(minutes=2))
    assert h.core.tick() == 1
    [alert] = await h.deliveries()
    assert alert.chat_id == STAFF_CHAT.id and alert.text.startswith("⏰ 超时 #1") and "未受理" in alert.text
    assert buttons_of(alert)[0][0] == ticket_texts.BTN_ACCEPT  # staff can act from the alert
    assert h.core.tick() == 0
    h.advance(accept)
    assert h.core.tick() == 1
    [to_admin] = await h.deliveries()
    assert to_admin.chat_id == ADMIN.id and "督办" in to_admin.text
    assert h.core.tick() == 0
    h.say(STAFF_CHAT, STAFF, "/accept 1")  # accepted: the next clock is the one to resolve
    await h.deliveries()
    h.advance(resolve - 2 * accept)
    assert h.core.tick() == 1
    [alert] = await h.deliveries()
    assert "未解决" in alert.text


async def test_a_bot_that_was_down_raises_both_alerts_in_order(h: Harness, engine) -> None:
    await reported(h)
    accept, _ = load_default_classifier().taxonomy.sla_for("repair", urgent=False)
    h.say(private(ADMIN), ADMIN, "/start")
    h.advance(3 * accept)
    assert h.core.tick() == 2
    first, second = await h.deliveries()
    assert (first.chat_id, second.chat_id) == (STAFF_CHAT.id, ADMIN.id)
    assert h.core.tick() == 0


async def test_urgent_tickets_have_a_short_fuse(h: Harness, engine) -> None:
    h.say(GROUP_3, RESIDENT, "报事 楼道里着火了好多烟")
    await h.deliveries()
    category = ticket(engine).category
    accept, _ = load_default_classifier().taxonomy.sla_for(category, urgent=True)
    assert accept <= timedelta(minutes=30)
    h.advance(accept + timedelta(minutes=1))
    assert h.core.tick() == 1
    h.advance(accept)
    assert h.core.tick() == 1  # the admins' turn (none has started the bot, so nothing is sent)


async def test_merged_tickets_cannot_be_worked(h: Harness, engine) -> None:
    await reported(h, "报事 3号楼电梯又坏了，按了没反应")
    [question] = h.say(GROUP_3, NEIGHBOUR, "报事 3号楼的电梯又坏了按钮没反应")
    h.press(GROUP_3, NEIGHBOUR, buttons_of(question)[0][1])
    [reply] = h.say(STAFF_CHAT, STAFF, "/resolve 2")
    assert reply.text == ticket_texts.CANNOT_MOVE.format(number=2, status="已合并", to="已解决")


def test_every_workflow_press_gets_one_answer(h: Harness) -> None:
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    presses = [
        family(1).encode()
        for family in (
            Accept,
            Progress,
            Resolve,
            SkipNote,
            Reject,
            CancelStep,
            Assign,
            Anonymous,
            History,
        )
    ]
    presses += [
        AssignTo(1, STAFF.id).encode(),
        Rate(1, "satisfied").encode(),
        Rate(1, "bogus").encode(),
    ]
    for data in presses:
        for who, chat in ((RESIDENT, GROUP_3), (NEIGHBOUR, GROUP_3), (STAFF, STAFF_CHAT)):
            actions = h.press(chat, who, data)
            assert sum(isinstance(a, AnswerButton) for a in actions) == 1, (data, who)
            assert all(isinstance(a, AnswerButton | EditMessage | SendMessage) for a in actions)
