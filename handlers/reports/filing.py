"""Problem reports (报事): from a building group, or step by step in a private chat.

Every report is classified. Staff see it at once when the classifier is sure or it is urgent; otherwise the
reporter is asked first (the category, or whether an open ticket is the same thing), and staff see it when
they answer or after HOLD at the latest, so nothing waits on a reporter who walked away.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from handlers import texts as common
from handlers.actions import (
    Action,
    AnswerButton,
    Button,
    DeleteMessage,
    EditMessage,
    InlineKeyboard,
    SendMessage,
)
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.parsing import strip_mention, strip_report_prefix
from handlers.reports import texts
from handlers.reports.buttons import Anonymous, OtherBuildings, ReportBuilding, ReportCancel, Withdraw
from handlers.reports.views import building_choice, category_question, duplicate_question, receipt
from handlers.tickets.cards import card_edits, post_card
from handlers.tickets.escalation import deadlines
from handlers.tickets.workflow import move
from handlers.views import cancel_keyboard, main_menu
from nlp import DUPLICATE_THRESHOLD, Classification, extract_location, normalize, similarity
from storage.conversations import set_state
from storage.models import Building, ConversationState, Hold, SortState, Ticket, TicketStatus
from storage.people import get_building, list_buildings, member_buildings
from storage.tickets import Sorting, create_ticket, get_ticket, open_tickets_in_building

FLOW = "report"
STEP_DESCRIBE = "describe"
STEP_BUILDING = "building"
HOLD = timedelta(minutes=10)
BUILDING_SUFFIX = re.compile(f"({'|'.join(texts.BUILDING_SUFFIXES)})$")
DUPLICATE_WINDOW = timedelta(hours=72)


def _has_words(text: str) -> bool:
    """A letter or a digit somewhere: 。。。, 👍👍 or nothing at all describe no problem."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def _has_content(draft: dict[str, Any]) -> bool:
    return _has_words(draft["text"]) or bool(draft.get("photo") or draft.get("voice"))


def _candidates(result: Classification, fallback: str) -> list[str]:
    """The categories the text gave some signal for, best first; 其他 is never a candidate of its own."""
    return [cid for cid, score in result.top if score > 0 and cid != fallback][:3]


def _sorting(result: Classification, state: SortState) -> Sorting:
    return Sorting(
        category=result.category,
        state=state,
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


def file_report(
    ctx: Ctx,
    draft: dict[str, Any],
    building_id: int | None,
    reply_chat: int,
    *,
    reply_to: int | None,
    withdrawable: bool = False,
    footer: str = "",
    extra_row: tuple[Button, ...] = (),
) -> list[Action]:
    """Create the ticket and answer the reporter; `draft` holds text, message_id, photo, voice, anonymous.

    Urgent reports and reports with no category signal at all go to staff at once without a question;
    a report the classifier is unsure about asks its likely categories first; a likely duplicate asks
    whether it is the same thing.
    """
    text = draft["text"].strip()
    result = ctx.config.classifier.classify(text)
    taxonomy = ctx.config.classifier.taxonomy
    candidates = _candidates(result, taxonomy.fallback)
    unsure = not result.confident and not result.urgent
    state = SortState.AUTO if not unsure else SortState.ASKED if candidates else SortState.UNSORTED
    earlier = None
    if result.confident and not result.urgent:
        earlier = _earlier_report(ctx, text, building_id, result.category)
    hold = Hold.DUPLICATE if earlier else Hold.CATEGORY if state == SortState.ASKED else None
    accept_due, resolve_due = deadlines(ctx, category=result.category, urgent=result.urgent, since=ctx.now)
    ticket = create_ticket(
        session=ctx.session,
        reporter_id=ctx.user.id,
        chat_id=reply_chat,
        message_id=draft["message_id"],
        text=text,
        building_id=building_id,
        sorting=_sorting(result, state),
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
    keyboard: InlineKeyboard | None
    if earlier is not None:
        reply, keyboard = duplicate_question(ticket, earlier, ctx.now)
    elif hold == Hold.CATEGORY:
        reply, keyboard = category_question(ticket, candidates, taxonomy)
    else:
        reply, keyboard = receipt(ticket, taxonomy, withdrawable=withdrawable)
    if hold is None:
        post_card(ctx, ticket)
    if footer:
        reply = f"{reply}\n{footer}"
    if extra_row:
        keyboard = InlineKeyboard(rows=(*(keyboard.rows if keyboard else ()), extra_row))
    plain_receipt = earlier is None and hold is None and not ticket.urgent and not footer
    answer = SendMessage(
        chat_id=reply_chat,
        text=reply,
        reply_to=reply_to,
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


def report_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/report 问题: in a group it is filed at once; in private without words it starts the flow."""
    if msg.chat.is_group:
        return from_group(ctx, msg, args)
    if args or msg.photo_file_id or msg.voice_file_id:
        return file_private(ctx, msg, args)
    return start_private(ctx, msg)


def group_message(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """报事 … or @bot … in a group is a report; other group talk is not the bot's business."""
    if not msg.chat.is_group:
        return None
    body = strip_report_prefix(msg.text, texts.REPORT_PREFIXES)
    if body is None:
        body = strip_mention(msg.text, ctx.config.bot_username)
    return from_group(ctx, msg, body) if body is not None else None


def from_group(ctx: Ctx, msg: IncomingMessage, body: str) -> list[Action]:
    if ctx.chat.building_id is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.GROUP_NOT_BOUND, reply_to=msg.message_id)]
    draft = _draft(msg, body)
    if not _has_content(draft):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_EMPTY, reply_to=msg.message_id)]
    # "5号楼门口有人乱停车" said in 3号楼's group is about 5号楼.
    named = _building_named_in(draft["text"], list_buildings(session=ctx.session))
    building_id = named.id if named is not None else ctx.chat.building_id
    if draft["anonymous"]:
        return _anonymous_in_group(ctx, msg, draft, building_id)
    return file_report(ctx, draft, building_id, msg.chat.id, reply_to=msg.message_id)


def _anonymous_in_group(
    ctx: Ctx, msg: IncomingMessage, draft: dict[str, Any], building_id: int | None
) -> list[Action]:
    """报事 匿名 … in a group: the message goes at once where the bot may delete it, and the receipt never
    points at it; the way to report anonymously without that is the private chat, one tap away."""
    deleting = ctx.chat.can_delete_messages
    open_private = Button(
        text=texts.BTN_OPEN_PRIVATE, url=texts.PRIVATE_LINK.format(bot=ctx.config.bot_username)
    )
    actions: list[Action] = []
    if deleting:
        actions.append(DeleteMessage(chat_id=msg.chat.id, message_id=msg.message_id))
    footer = texts.ANONYMOUS_DELETED if deleting else texts.ANONYMOUS_NOT_DELETED
    actions += file_report(
        ctx, draft, building_id, msg.chat.id, reply_to=None, footer=footer, extra_row=(open_private,)
    )
    return actions


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


def continue_private(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """The message after 我要报事: the description, or 取消."""
    if msg.text.strip() == common.BTN_CANCEL:
        ctx.forget_state()
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_CANCELLED, keyboard=main_menu())]
    if not _has_content(_draft(msg, msg.text)):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_NEEDS_MEDIA_OR_TEXT)]
    return file_private(ctx, msg, msg.text)


def private_message(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """A private message that is nothing else is a report when it describes a problem, never dropped;
    a greeting or a question gets the menu (None: the router's answer for private chats)."""
    if not msg.chat.is_private:
        return None
    if msg.photo_file_id or msg.voice_file_id:
        return file_private(ctx, msg, msg.text)
    if not _has_words(msg.text):
        return None
    taxonomy = ctx.config.classifier.taxonomy
    result = ctx.config.classifier.classify(msg.text)
    if not result.urgent and not _candidates(result, taxonomy.fallback):
        return None
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
    if not _has_content(draft):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_NEEDS_MEDIA_OR_TEXT)]
    buildings = list_buildings(session=ctx.session)
    named = _building_named_in(draft["text"], buildings)
    if named is not None:
        return _finish_private(ctx, msg.chat.id, draft, named.id)
    if ctx.user.building_id is not None or not buildings:
        return _finish_private(ctx, msg.chat.id, draft, ctx.user.building_id)
    set_state(
        session=ctx.session,
        user_id=ctx.user.id,
        chat_id=msg.chat.id,
        flow=FLOW,
        step=STEP_BUILDING,
        data=draft,
        now=ctx.now,
    )
    # The buildings of the resident's own groups first; the rest one tap further.
    own = member_buildings(session=ctx.session, user_id=ctx.user.id)
    keyboard = building_choice(own or buildings, more=bool(own) and len(own) < len(buildings))
    return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_ASK_BUILDING, keyboard=keyboard)]


def _finish_private(ctx: Ctx, chat_id: int, draft: dict[str, Any], building_id: int | None) -> list[Action]:
    ctx.forget_state()
    # The menu comes back after the flow; the answer itself carries the inline buttons.
    return [
        *file_report(ctx, draft, building_id, chat_id, reply_to=draft["message_id"], withdrawable=True),
        SendMessage(chat_id=chat_id, text=common.MENU_BACK, keyboard=main_menu()),
    ]


def choose_building(ctx: Ctx, press: ButtonPress, data: ReportBuilding) -> list[Action]:
    """A building button, or 不清楚 (0): the report is filed, and a chosen building is remembered."""
    state = ctx.flow(FLOW)
    if state is None or state.step != STEP_BUILDING:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    building = get_building(session=ctx.session, building_id=data.building) if data.building else None
    if data.building and building is None:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    if building is not None:
        ctx.user.building_id = building.id
    said = building.name if building is not None else texts.REPORT_BUILDING_UNKNOWN
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(
            chat_id=press.chat.id, message_id=press.message_id, text=f"{texts.REPORT_ASK_BUILDING} {said}"
        ),
        *_finish_private(ctx, press.chat.id, state.data, building.id if building else None),
    ]


def other_buildings(ctx: Ctx, press: ButtonPress, data: OtherBuildings) -> list[Action]:
    """其他楼栋: the question shows every building."""
    state = ctx.flow(FLOW)
    if state is None or state.step != STEP_BUILDING:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    keyboard = building_choice(list_buildings(session=ctx.session), more=False)
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(
            chat_id=press.chat.id,
            message_id=press.message_id,
            text=texts.REPORT_ASK_BUILDING,
            keyboard=keyboard,
        ),
    ]


def cancel(ctx: Ctx, press: ButtonPress, data: ReportCancel) -> list[Action]:
    if ctx.flow(FLOW) is None:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    ctx.forget_state()
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=texts.REPORT_CANCELLED),
        SendMessage(chat_id=press.chat.id, text=common.MENU_BACK, keyboard=main_menu()),
    ]


def old_anonymous_button(ctx: Ctx, press: ButtonPress, data: Anonymous) -> list[Action]:
    """The 匿名 button receipts used to carry: a report is anonymous from its first moment or not at all."""
    return [AnswerButton(callback_id=press.callback_id, text=texts.ANONYMOUS_TOO_LATE, alert=True)]


def withdraw(ctx: Ctx, press: ButtonPress, data: Withdraw) -> list[Action]:
    """撤回: the reporter takes back a report staff have not taken on yet."""
    ticket = get_ticket(session=ctx.session, ticket_id=data.ticket, for_update=True)
    if ticket is None or ticket.reporter_id != ctx.user.id:
        return [AnswerButton(callback_id=press.callback_id, text=texts.ONLY_THE_REPORTER)]
    refused = move(ctx, ticket, TicketStatus.WITHDRAWN, actor=ctx.user)
    if refused is not None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.WITHDRAW_TOO_LATE)]
    done = texts.WITHDRAWN.format(number=ticket.id)
    return [
        AnswerButton(callback_id=press.callback_id, text=done),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=done),
        *card_edits(ctx, ticket),
    ]
