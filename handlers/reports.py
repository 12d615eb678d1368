"""Problem reports (报事): from a building group, or step by step in a private chat.

Every report is classified. Staff see it at once when the classifier is sure or it is urgent; otherwise the
reporter is asked first (the category, or whether an open ticket is the same thing), and staff see it when
they answer or after HOLD at the latest, so nothing waits on a reporter who walked away.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from handlers import texts
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.cards import card_edits, post_card
from handlers.context import Ctx
from handlers.escalation import deadlines
from handlers.events import ButtonPress, IncomingMessage
from handlers.render import (
    building_choice,
    building_name,
    cancel_keyboard,
    category_question,
    duplicate_question,
    main_menu,
    receipt,
)
from nlp import DUPLICATE_THRESHOLD, Classification, extract_location, normalize, similarity
from storage.conversations import clear_state, get_state, set_state
from storage.models import Building, Hold, SortState, Ticket
from storage.people import get_building, list_buildings
from storage.tickets import Sorting, create_ticket, get_ticket, open_tickets_in_building

FLOW = "report"
STEP_DESCRIBE = "describe"
STEP_BUILDING = "building"
HOLD = timedelta(minutes=10)
BUILDING_SUFFIX = re.compile(r"(号楼|栋|幢|座)$")
DUPLICATE_WINDOW = timedelta(hours=72)


def _has_content(text: str, msg: IncomingMessage) -> bool:
    return bool(text.strip() or msg.photo_file_id or msg.voice_file_id)


def _sorting(result: Classification) -> Sorting:
    return Sorting(
        category=result.category,
        state=SortState.AUTO if result.confident else SortState.ASKED,
        confidence=result.confidence,
        matched=list(dict.fromkeys(m.keyword for m in result.matches_for(result.category) if m.weight > 0)),
        urgent=result.urgent,
        urgent_words=result.urgent_words,
        location=str(result.location)[:64] if result.location else None,
    )


def _earlier_report(ctx: Ctx, text: str, building_id: int | None, category: str) -> Ticket | None:
    """An open ticket in the same building that says the same thing, if any."""
    if building_id is None or not text.strip():
        return None
    candidates = open_tickets_in_building(
        session=ctx.session,
        building_id=building_id,
        category=category,
        since=ctx.now - DUPLICATE_WINDOW,
        exclude_reporter=ctx.user.id,
    )
    scored = [(similarity(text, t.text), t) for t in candidates if t.text]
    best = max(scored, key=lambda pair: pair[0], default=None)
    return best[1] if best and best[0] >= DUPLICATE_THRESHOLD else None


def file_report(ctx: Ctx, draft: dict[str, Any], building_id: int | None, reply_chat: int) -> list[Action]:
    """Create the ticket and answer the reporter; `draft` holds text, message_id, photo, voice."""
    text = draft["text"].strip()
    result = ctx.config.classifier.classify(text)
    sorting = _sorting(result)
    earlier = None
    if result.confident and not result.urgent:
        earlier = _earlier_report(ctx, text, building_id, result.category)
    hold = None
    if not result.urgent:
        hold = Hold.DUPLICATE if earlier else Hold.CATEGORY if not result.confident else None
    accept_due, resolve_due = deadlines(ctx, category=result.category, urgent=result.urgent, since=ctx.now)
    ticket = create_ticket(
        session=ctx.session,
        reporter_id=ctx.user.id,
        chat_id=reply_chat,
        message_id=draft["message_id"],
        text=text,
        building_id=building_id,
        sorting=sorting,
        now=ctx.now,
        photo_file_id=draft.get("photo"),
        voice_file_id=draft.get("voice"),
        anonymous=bool(draft.get("anonymous")),
        accept_due_at=accept_due,
        resolve_due_at=resolve_due,
        hold=hold,
        held_until=ctx.now + HOLD,
        duplicate_of=earlier.id if earlier else None,
    )
    taxonomy = ctx.config.classifier.taxonomy
    if earlier is not None:
        reply, keyboard = duplicate_question(ticket, earlier, ctx.now)
    elif hold == Hold.CATEGORY or not result.confident:
        reply, keyboard = category_question(ticket, [cid for cid, _ in result.top], taxonomy)
    else:
        reply, keyboard = receipt(ticket, taxonomy)
    if hold is None:
        post_card(ctx, ticket)
    plain_receipt = earlier is None and hold is None and not ticket.urgent
    answer = SendMessage(
        chat_id=reply_chat,
        text=reply,
        reply_to=draft["message_id"],
        keyboard=keyboard,
        ack_for=ticket.id if plain_receipt else None,
    )
    return [answer]


def _draft(msg: IncomingMessage, text: str) -> dict[str, Any]:
    """The report as it will be filed; "报事 匿名 …" asks for the reporter's name to be hidden."""
    text = text.strip()
    anonymous = text.startswith(texts.ANONYMOUS_PREFIX)
    if anonymous:
        text = text[len(texts.ANONYMOUS_PREFIX) :].lstrip(" ：:，,")
    return {
        "text": text,
        "message_id": msg.message_id,
        "photo": msg.photo_file_id,
        "voice": msg.voice_file_id,
        "anonymous": anonymous,
    }


def from_group(ctx: Ctx, msg: IncomingMessage, body: str) -> list[Action]:
    if ctx.chat.building_id is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.GROUP_NOT_BOUND, reply_to=msg.message_id)]
    if not _has_content(body, msg):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_EMPTY, reply_to=msg.message_id)]
    ctx.user.building_id = ctx.chat.building_id
    return file_report(ctx, _draft(msg, body), ctx.chat.building_id, msg.chat.id)


def start_private(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    set_state(
        session=ctx.session,
        user_id=ctx.user.id,
        chat_id=msg.chat.id,
        flow=FLOW,
        step=STEP_DESCRIBE,
        data={},
        now=ctx.now,
    )
    return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_ASK_TEXT, keyboard=cancel_keyboard())]


def in_private_flow(ctx: Ctx, msg: IncomingMessage) -> bool:
    return get_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id, flow=FLOW) is not None


def continue_private(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """The message after 我要报事: the description, or 取消."""
    if msg.text.strip() == texts.BTN_CANCEL:
        clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id)
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_CANCELLED, keyboard=main_menu())]
    if not _has_content(msg.text, msg):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_NEEDS_MEDIA_OR_TEXT)]
    return file_private(ctx, msg, msg.text)


def _building_key(text: str) -> tuple[str | None, str] | None:
    """(area, number) of the building named: "B区7号楼" → ("B区", "7"); "5栋", "五号楼" → (None, "5")."""
    said = extract_location(normalize(text))
    if said is None or said.building is None:
        return None
    return said.area, BUILDING_SUFFIX.sub("", said.building)


def _building_named_in(text: str, buildings: list[Building]) -> Building | None:
    """The bound building a private report names, matched by number whichever word it uses."""
    said = _building_key(text)
    if said is None:
        return None
    for building in buildings:
        known = _building_key(building.name)
        if known is not None and known[1] == said[1] and (None in (known[0], said[0]) or known[0] == said[0]):
            return building
    return None


def file_private(ctx: Ctx, msg: IncomingMessage, text: str) -> list[Action]:
    draft = _draft(msg, text)
    building_id = ctx.user.building_id
    buildings = list_buildings(session=ctx.session)
    named = _building_named_in(text, buildings)
    if named is not None:
        building_id = named.id
    elif building_id is None and buildings:
        set_state(
            session=ctx.session,
            user_id=ctx.user.id,
            chat_id=msg.chat.id,
            flow=FLOW,
            step=STEP_BUILDING,
            data=draft,
            now=ctx.now,
        )
        return [
            SendMessage(
                chat_id=msg.chat.id, text=texts.REPORT_ASK_BUILDING, keyboard=building_choice(buildings)
            )
        ]
    return _finish_private(ctx, msg.chat.id, draft, building_id)


def _finish_private(ctx: Ctx, chat_id: int, draft: dict[str, Any], building_id: int | None) -> list[Action]:
    clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=chat_id)
    # The menu comes back after the flow; the answer itself carries the inline buttons.
    return [
        *file_report(ctx, draft, building_id, chat_id),
        SendMessage(chat_id=chat_id, text=texts.MENU_BACK, keyboard=main_menu()),
    ]


def choose_building(ctx: Ctx, press: ButtonPress, building_id: int) -> list[Action]:
    state = get_state(session=ctx.session, user_id=ctx.user.id, chat_id=press.chat.id, flow=FLOW)
    if state is None or state.step != STEP_BUILDING:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    building = get_building(session=ctx.session, building_id=building_id) if building_id else None
    if building_id and building is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    if building is not None:
        ctx.user.building_id = building.id
    answered = f"{texts.REPORT_ASK_BUILDING} {building_name(building)}"
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=answered),
        *_finish_private(ctx, press.chat.id, state.data, building.id if building else None),
    ]


def cancel(ctx: Ctx, press: ButtonPress) -> list[Action]:
    if get_state(session=ctx.session, user_id=ctx.user.id, chat_id=press.chat.id, flow=FLOW) is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=press.chat.id)
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=texts.REPORT_CANCELLED),
        SendMessage(chat_id=press.chat.id, text=texts.REPORT_CANCELLED, keyboard=main_menu()),
    ]


def make_anonymous(ctx: Ctx, press: ButtonPress, ticket_id: int) -> list[Action]:
    """The 匿名 button on the receipt: from now on no message or card shows the reporter's name."""
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None or ticket.reporter_id != ctx.user.id:
        return [AnswerButton(callback_id=press.callback_id, text=texts.ONLY_THE_REPORTER)]
    ticket.anonymous = True
    ctx.session.add(ticket)
    text, keyboard = receipt(ticket, ctx.config.classifier.taxonomy)
    return [
        AnswerButton(callback_id=press.callback_id, text=texts.ANONYMOUS_SET),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard),
        *card_edits(ctx, ticket),
    ]
