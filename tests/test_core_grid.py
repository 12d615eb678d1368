"""Grid workers in the core: /grid by staff (one per building, replacing), refusals, 找网格员 / 找人帮忙 with
and without a known building or worker, 请网格员联系我 once, the phone only the resident's own and only to
the staff chat and the grid worker privately, and 已联系 telling the resident."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import Session, select

from handlers import texts as common
from handlers.actions import AnswerButton, EditMessage, ReplyKeyboard, SendMessage
from handlers.events import IncomingMessage, Person, SharedContact
from handlers.grid import texts
from handlers.grid.buttons import CallMe, GridBuilding, MarkCalled, SharePhone
from handlers.people import texts as people_texts
from handlers.people.buttons import MainMenu
from storage.models import Building, CallbackRequest, CallbackStatus
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
    texts_of,
)

WORKER = Person(11, "王芳")
OTHER_WORKER = Person(12, "李静")  # building 5's
PHONE = "8613800138000"
_contact_ids = itertools.count(5000)


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    for worker, group, building in ((WORKER, GROUP_3, "3号楼"), (OTHER_WORKER, GROUP_5, "5号楼")):
        h.say(private(worker), worker, "/start")
        h.say(group, worker, "我是网格员")
        h.say(group, STAFF, f"/grid {building}", reply_to=h.last_message_id, reply_to_sender=worker)
    h.say(GROUP_3, RESIDENT, "大家好")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


def building_id(engine, name: str) -> int:
    with Session(engine) as session:
        building = session.exec(select(Building).where(Building.name == name)).one()
        assert building.id is not None
        return building.id


def requests(engine) -> list[CallbackRequest]:
    with Session(engine) as session:
        return list(session.exec(select(CallbackRequest).order_by(CallbackRequest.id)))


def share(h: Harness, who: Person = RESIDENT, *, owner: int | None = None, phone: str = PHONE) -> list:
    """`who` sends a contact card from their private chat: their own unless `owner` says whose."""
    event = IncomingMessage(
        update_id=next(_contact_ids),
        chat=private(who),
        sender=who,
        message_id=next(_contact_ids),
        contact=SharedContact(phone=phone, user_id=who.id if owner is None else owner),
    )
    return h.core.handle(event)


def sends(actions: list, chat_id: int | None = None) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and (chat_id is None or a.chat_id == chat_id)]


def ask_for_building_3(h: Harness, engine, label: str = common.BTN_GRID) -> list:
    """The menu button with no building known yet: the question, then 3号楼 pressed."""
    [question] = sends(h.say(private(RESIDENT), RESIDENT, label))
    assert question.text == texts.ASK_BUILDING
    return h.press(private(RESIDENT), RESIDENT, GridBuilding(building_id(engine, "3号楼")).encode())


async def call_me(h: Harness, engine) -> list:
    ask_for_building_3(h, engine)
    await h.deliveries()
    return h.press(private(RESIDENT), RESIDENT, CallMe(building_id(engine, "3号楼")).encode())


async def test_staff_set_a_grid_worker_and_a_new_one_replaces_the_old(h: Harness, engine) -> None:
    told = await h.deliveries()
    assert texts.GRID_TOLD_WORKER.format(building="3号楼") in texts_of(sends(told, WORKER.id))
    listing = texts_of(h.say(STAFF_CHAT, STAFF, "/grid"))[0]
    assert texts.GRID_ROSTER_LINE.format(building="3号楼", name="王芳") in listing
    assert texts.GRID_ROSTER_LINE.format(building="5号楼", name="李静") in listing

    h.say(GROUP_3, NEIGHBOUR, "我来当网格员")  # 刘大爷 never opened a private chat with the bot
    [answer] = texts_of(
        h.say(GROUP_3, STAFF, "/grid 3号楼", reply_to=h.last_message_id, reply_to_sender=NEIGHBOUR)
    )
    assert texts.GRID_SET.format(name="刘大爷", building="3号楼") in answer
    assert texts.GRID_REPLACED.format(name="王芳") in answer
    assert texts.GRID_NEEDS_PRIVATE.format(name="刘大爷") in answer
    assert texts_of(h.say(STAFF_CHAT, STAFF, "/grid 3号楼")) == [
        texts.GRID_CURRENT.format(building="3号楼", name="刘大爷")
    ]


@pytest.mark.parametrize(
    ("args", "replied", "answer"),
    [
        ("9号楼", False, texts.GRID_NO_BUILDING.format(name="9号楼", known="3号楼、5号楼")),
        ("", True, texts.GRID_USAGE),
    ],
)
def test_grid_explains_what_it_needs(h: Harness, args: str, replied: bool, answer: str) -> None:
    h.say(GROUP_3, RESIDENT, "你好")
    sender = RESIDENT if replied else None
    reply_to = h.last_message_id if replied else None
    assert texts_of(h.say(GROUP_3, STAFF, f"/grid {args}", reply_to=reply_to, reply_to_sender=sender)) == [
        answer
    ]


def test_a_building_without_a_worker_and_a_reply_to_the_bot(h: Harness) -> None:
    h.say(GROUP_3, STAFF, "/bind 7号楼")  # rebinds the group; 7号楼 has nobody
    [none] = texts_of(h.say(STAFF_CHAT, STAFF, "/grid 7号楼"))
    assert none.startswith(texts.GRID_NONE.format(building="7号楼"))
    event = h.say(GROUP_3, STAFF, "/grid 3号楼", reply_to=1)  # a message of unknown (the bot's) authorship
    assert texts_of(event) == [people_texts.USER_UNKNOWN]


@pytest.mark.parametrize("who", [RESIDENT, WORKER])
def test_only_staff_set_grid_workers(h: Harness, who: Person) -> None:
    h.say(GROUP_3, NEIGHBOUR, "你好")
    answer = h.say(GROUP_3, who, "/grid 3号楼", reply_to=h.last_message_id, reply_to_sender=NEIGHBOUR)
    assert texts_of(answer) == [common.DENY_STAFF_ONLY]


@pytest.mark.parametrize("label", [common.BTN_GRID, common.BTN_ELDER_GRID])
def test_the_menu_asks_the_building_once_then_names_the_worker(h: Harness, engine, label: str) -> None:
    chosen = ask_for_building_3(h, engine, label)
    [edit] = [a for a in chosen if isinstance(a, EditMessage)]
    assert edit.text == texts.WORKER_IS.format(name="王芳")
    assert [text for text, _ in buttons_of(edit)] == [texts.BTN_CALL_ME]
    # The building is remembered: the next press names the worker at once.
    [offer] = sends(h.say(private(RESIDENT), RESIDENT, label))
    assert offer.text == texts.WORKER_IS.format(name="王芳")
    assert buttons_of(offer) == [
        (texts.BTN_CALL_ME, CallMe(building_id(engine, "3号楼")).encode()),
        (common.BTN_MAIN_MENU, MainMenu().encode()),  # every screen has its way back
    ]


async def test_without_a_worker_the_request_goes_to_staff(h: Harness, engine) -> None:
    h.say(GROUP_5, NEIGHBOUR, "大家好")
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    h.say(GROUP_5, STAFF, "/bind 8号楼")  # 刘大爷's group now belongs to 8号楼, which has no worker
    [question] = sends(h.say(private(NEIGHBOUR), NEIGHBOUR, common.BTN_GRID))
    assert question.text == texts.ASK_BUILDING
    eight = building_id(engine, "8号楼")
    [edit] = [
        a
        for a in h.press(private(NEIGHBOUR), NEIGHBOUR, GridBuilding(eight).encode())
        if isinstance(a, EditMessage)
    ]
    assert edit.text == texts.NO_WORKER.format(building="8号楼")
    await h.deliveries()
    answer = h.press(private(NEIGHBOUR), NEIGHBOUR, CallMe(eight).encode())
    [told] = sends(answer)
    assert told.text.startswith(texts.WILL_CALL.format(name=texts.STAFF_WORD))
    [card] = sends(await h.deliveries())
    assert card.chat_id == STAFF_CHAT.id
    assert texts.REQUEST_NO_WORKER in card.text and "8号楼" in card.text


async def test_an_unknown_building_goes_to_staff(h: Harness, engine) -> None:
    h.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    h.say(private(NEIGHBOUR), NEIGHBOUR, common.BTN_GRID)
    chosen = h.press(private(NEIGHBOUR), NEIGHBOUR, GridBuilding(0).encode())
    [edit] = [a for a in chosen if isinstance(a, EditMessage)]
    assert edit.text == texts.NO_BUILDING
    await h.deliveries()
    h.press(private(NEIGHBOUR), NEIGHBOUR, CallMe(0).encode())
    [card] = sends(await h.deliveries())
    assert card.chat_id == STAFF_CHAT.id and common.UNKNOWN_BUILDING in card.text
    assert requests(engine)[0].building_id is None


async def test_call_me_asks_staff_and_the_worker_once(h: Harness, engine) -> None:
    answer = await call_me(h, engine)
    [told] = sends(answer, RESIDENT.id)
    assert told.text == f"{texts.WILL_CALL.format(name='王芳')}\n{texts.OFFER_PHONE}"
    [[(label, _)]] = [buttons_of(told)]
    assert label == texts.BTN_SHARE_PHONE
    delivered = sends(await h.deliveries())
    assert sorted(m.chat_id for m in delivered) == sorted([STAFF_CHAT.id, WORKER.id])
    for card in delivered:
        assert "3号楼" in card.text and "张阿姨" in card.text and PHONE not in card.text
        assert [text for text, _ in buttons_of(card)] == [texts.BTN_CALLED]

    again = h.press(private(RESIDENT), RESIDENT, CallMe(building_id(engine, "3号楼")).encode())
    assert sends(again)[0].text.startswith(texts.ALREADY_ASKED.format(name="王芳"))
    assert sends(await h.deliveries()) == []  # nobody is asked twice
    [request] = requests(engine)
    assert request.status == CallbackStatus.OPEN and request.phone is None and len(request.copies) == 2


async def test_the_phone_is_shared_only_by_the_resident_and_never_in_a_group(h: Harness, engine) -> None:
    await call_me(h, engine)
    await h.deliveries()
    request_id = requests(engine)[0].id
    assert request_id is not None
    [ask] = sends(h.press(private(RESIDENT), RESIDENT, SharePhone(request_id).encode()))
    assert ask.text == texts.ASK_CONTACT
    assert ask.keyboard == ReplyKeyboard(
        rows=((texts.BTN_SEND_PHONE,), (texts.BTN_NO_THANKS,)), contact_button=texts.BTN_SEND_PHONE
    )
    # Someone else's card is refused and nothing is passed on.
    refused = share(h, owner=NEIGHBOUR.id)
    assert texts_of(refused) == [texts.PHONE_NOT_OWN]
    assert requests(engine)[0].phone is None
    assert sends(await h.deliveries()) == []
    # A contact in a group is never answered there.
    assert (
        h.core.handle(
            IncomingMessage(9100, GROUP_3, RESIDENT, 9100, contact=SharedContact(PHONE, RESIDENT.id))
        )
        == []
    )

    [shared] = sends(share(h))
    assert shared.text == texts.PHONE_SHARED
    assert shared.keyboard == ReplyKeyboard(rows=common.MENU_ROWS)
    assert requests(engine)[0].phone == PHONE
    delivered = sends(await h.deliveries())
    assert sorted(m.chat_id for m in delivered) == sorted([STAFF_CHAT.id, WORKER.id])
    assert all(PHONE in m.text for m in delivered)
    everything = [a for a in h.api.calls if isinstance(a, SendMessage | EditMessage) and PHONE in a.text]
    assert {a.chat_id for a in everything} == {STAFF_CHAT.id, WORKER.id}  # no building group, ever


async def test_no_thanks_keeps_the_phone(h: Harness, engine) -> None:
    await call_me(h, engine)
    request_id = requests(engine)[0].id
    assert request_id is not None
    h.press(private(RESIDENT), RESIDENT, SharePhone(request_id).encode())
    assert texts_of(h.say(private(RESIDENT), RESIDENT, "随便说一句")) == [texts.CONTACT_ASK_AGAIN]
    [kept] = sends(h.say(private(RESIDENT), RESIDENT, texts.BTN_NO_THANKS))
    assert kept.text == texts.PHONE_KEPT and kept.keyboard == ReplyKeyboard(rows=common.MENU_ROWS)
    assert requests(engine)[0].phone is None
    # Only the resident may press their request's share button.
    assert texts_of(h.press(private(NEIGHBOUR), NEIGHBOUR, SharePhone(request_id).encode())) == [
        common.BUTTON_INVALID
    ]


async def test_a_contact_without_a_request_is_not_kept(h: Harness, engine) -> None:
    assert texts_of(share(h)) == [texts.NO_OPEN_REQUEST]
    assert requests(engine) == []
    assert [m for m in sends(await h.deliveries()) if PHONE in m.text] == []


async def test_called_marks_it_done_edits_every_copy_and_tells_the_resident(h: Harness, engine) -> None:
    await call_me(h, engine)
    await h.deliveries()
    request_id = requests(engine)[0].id
    assert request_id is not None
    h.press(private(RESIDENT), RESIDENT, SharePhone(request_id).encode())
    share(h)
    copies = sends(await h.deliveries())
    sent = [a for a in h.api.calls if isinstance(a, SendMessage)]
    staff_copy = next(m for m in sent if m.chat_id == STAFF_CHAT.id and texts.BTN_CALLED in str(m.keyboard))
    message_id = 1000 + sent.index(staff_copy)  # CollectingApi numbers what it sends from 1000
    assert copies

    # Neither a resident nor another building's grid worker may mark it.
    assert texts_of(h.press(private(NEIGHBOUR), NEIGHBOUR, MarkCalled(request_id).encode())) == [
        texts.DENY_NOT_WORKER
    ]
    assert texts_of(h.press(private(OTHER_WORKER), OTHER_WORKER, MarkCalled(request_id).encode())) == [
        texts.DENY_NOT_WORKER
    ]

    done = h.press(STAFF_CHAT, STAFF, MarkCalled(request_id).encode(), message_id=message_id)
    card = texts.DONE_CARD.format(number=request_id, building="3号楼", name="张阿姨", by="王师傅")
    assert [a.text for a in done if isinstance(a, AnswerButton)] == [texts.CALLED_TOAST]
    assert [(a.message_id, a.text) for a in done if isinstance(a, EditMessage)] == [(message_id, card)]
    later = await h.deliveries()
    assert texts.DONE_BY_STAFF in texts_of(sends(later, RESIDENT.id))
    edits = [a for a in later if isinstance(a, EditMessage)]
    assert edits and all(a.text == card and PHONE not in a.text for a in edits)
    assert {a.chat_id for a in edits} == {STAFF_CHAT.id, WORKER.id}
    assert requests(engine)[0].status == CallbackStatus.DONE
    again = h.press(private(WORKER), WORKER, MarkCalled(request_id).encode())
    assert texts_of(again) == [texts.REQUEST_GONE]


async def test_the_grid_worker_may_mark_their_own_request(h: Harness, engine) -> None:
    await call_me(h, engine)
    await h.deliveries()
    request_id = requests(engine)[0].id
    assert request_id is not None
    done = h.press(private(WORKER), WORKER, MarkCalled(request_id).encode())
    assert [a.text for a in done if isinstance(a, AnswerButton)] == [texts.CALLED_TOAST]
    assert texts.DONE_BY_WORKER in texts_of(sends(await h.deliveries(), RESIDENT.id))
    # A new request can be made once the last one is done.
    h.press(private(RESIDENT), RESIDENT, CallMe(building_id(engine, "3号楼")).encode())
    assert [r.status for r in requests(engine)] == [CallbackStatus.DONE, CallbackStatus.OPEN]


async def test_copies_still_waiting_when_done_go_out_done_without_the_phone(h: Harness, engine) -> None:
    await h.deliveries()
    await call_me(h, engine)
    request_id = requests(engine)[0].id
    assert request_id is not None
    h.press(private(RESIDENT), RESIDENT, SharePhone(request_id).encode())
    share(h)
    h.press(private(WORKER), WORKER, MarkCalled(request_id).encode())  # before any copy went out
    late = [a for a in await h.deliveries() if isinstance(a, SendMessage) and a.chat_id != RESIDENT.id]
    assert late and all(PHONE not in a.text and a.keyboard is None for a in late)
    assert {a.chat_id for a in late} == {STAFF_CHAT.id, WORKER.id}
