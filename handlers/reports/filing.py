"""Problem reports (报事): from a building group, or step by step in a private chat.

Every report is classified. Staff see it at once when the classifier is sure or it is urgent; otherwise the
reporter is asked first (the category, or whether an open ticket is the same thing), and staff see it when
they answer or after HOLD at the latest, so nothing waits on a reporter who walked away."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from handlers import texts as common
from handlers.actions import (
    Action,
    AnswerButton,
    Button,
    EditMessage,
    InlineKeyboard,
    SendMessage,
)
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.reports import texts
from handlers.reports.buttons import (
    Anonymous,
    FileSecond,
    Withdraw,
)
from handlers.reports.views import category_question, duplicate_question, media_only, receipt
from handlers.tickets.cards import card_edits, post_card
from handlers.tickets.escalation import deadlines
from handlers.tickets.workflow import move
from nlp import (
    DUPLICATE_THRESHOLD,
    Classification,
    ReportTerms,
    extract_location,
    normalize,
    report_terms,
    terms_similarity,
)
from nlp.problems import split_problems
from storage.models import Building, Hold, SortState, Ticket, TicketStatus
from storage.tickets import Sorting, create_ticket, get_ticket, open_tickets_in_building, report_of_message

HOLD = timedelta(minutes=10)


BUILDING_SUFFIX = re.compile(f"({'|'.join(texts.BUILDING_SUFFIXES)})$")


DUPLICATE_WINDOW = timedelta(hours=72)


def has_words(text: str) -> bool:
    """A letter or a digit somewhere: 。。。, 👍👍 or nothing at all describe no problem."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def has_content(draft: dict[str, Any]) -> bool:
    return has_words(draft["text"]) or bool(draft.get("photo") or draft.get("voice"))


def candidates(result: Classification, fallback: str) -> list[str]:
    """The categories the text gave some signal for, best first; 其他 is never a candidate of its own.

    The learned model's choice for a text the keywords were unsure of comes first, though no keyword
    scored it.
    """
    return [
        cid
        for cid, score in result.top
        if (score > 0 or (result.category_learned and cid == result.category)) and cid != fallback
    ][:3]


def _sorting(result: Classification, state: SortState) -> Sorting:
    return Sorting(
        category=result.category,
        state=state,
        confidence=result.confidence,
        matched=list(dict.fromkeys(m.keyword for m in result.matches_for(result.category) if m.weight > 0)),
        urgent=result.urgent,
        urgent_words=result.urgent_words,
        urgent_reason=result.urgent_reason,
        location=str(result.location)[:64] if result.location else None,
    )


# The newest open tickets of the category in the window a report is compared with: a building rarely has
# more than a few, and the check stays cheap when it has a thousand.
DUPLICATE_CANDIDATES = 50


def _earlier_report(ctx: Ctx, terms: ReportTerms, building_id: int | None, category: str) -> Ticket | None:
    """An open ticket in the same building that says the same thing, if any.

    Compares the terms stored with each candidate when it was filed, so nothing is classified again;
    tickets filed before terms were stored get theirs worked out here."""
    if building_id is None or not (terms.content or terms.chars or terms.concepts):
        return None
    recent = open_tickets_in_building(
        session=ctx.session,
        building_id=building_id,
        category=category,
        since=ctx.now - DUPLICATE_WINDOW,
        exclude_reporter=ctx.user.id,
        limit=DUPLICATE_CANDIDATES,
    )
    classifier = ctx.config.classifier
    best: tuple[float, Ticket] | None = None
    for ticket in recent:
        if not ticket.text.strip():
            continue
        stored = ReportTerms.from_json(ticket.duplicate_terms)
        if stored is None:
            stored = report_terms(ticket.text, classifier.classify(ticket.text), classifier.taxonomy)
        score = terms_similarity(terms, stored)
        if best is None or score > best[0]:
            best = (score, ticket)
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
    whole: bool = True,
) -> list[Action]:
    """Create the ticket and answer the reporter; `draft` holds text, message_id, photo, voice, anonymous.

    Urgent reports and reports with no category signal at all go to staff at once without a question;
    a report the classifier is unsure about asks its likely categories first; a likely duplicate asks
    whether it is the same thing. A message with two problems is filed as the more severe one (staff see
    the whole text) with a button that files the other as its own report; `whole` is False for that one.
    """
    text = draft["text"].strip()
    taxonomy = ctx.config.classifier.taxonomy
    two = split_problems(ctx.config.classifier, text) if whole else None
    result = two.primary if two is not None else ctx.config.classifier.classify(text)
    likely = candidates(result, taxonomy.fallback)
    unsure = not result.confident and not result.urgent
    state = SortState.AUTO if not unsure else SortState.ASKED if likely else SortState.UNSORTED
    terms = report_terms(text, result, taxonomy)
    earlier = None
    if result.confident and not result.urgent:
        earlier = _earlier_report(ctx, terms, building_id, result.category)
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
        duplicate_terms=terms.to_json(),
    )
    keyboard: InlineKeyboard | None
    if earlier is not None:
        reply, keyboard = duplicate_question(ticket, earlier, ctx.now)
    elif hold == Hold.CATEGORY:
        reply, keyboard = category_question(ticket, likely, taxonomy)
    else:
        reply, keyboard = receipt(ticket, taxonomy, withdrawable=withdrawable)
    if hold is None:
        post_card(ctx, ticket)
    if footer:
        reply = f"{reply}\n{footer}"
    rows = list(keyboard.rows) if keyboard else []
    if two is not None:
        label = texts.BTN_FILE_SECOND.format(category=taxonomy.name_of(two.second.category))
        rows.append((Button(text=label, data=FileSecond(ticket.id or 0).encode()),))
    if extra_row:
        rows.append(extra_row)
    keyboard = InlineKeyboard(rows=tuple(rows)) if rows else None
    plain_receipt = (
        earlier is None
        and hold is None
        and not ticket.urgent
        and not footer
        and two is None
        and not media_only(ticket)
    )
    answer = SendMessage(
        chat_id=reply_chat,
        text=reply,
        reply_to=reply_to,
        keyboard=keyboard,
        ack_for=ticket.id if plain_receipt else None,
    )
    return [answer]


def draft_from(msg: IncomingMessage, text: str) -> dict[str, Any]:
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


def _building_key(text: str) -> tuple[str | None, str] | None:
    """(area, number) of the building named: "B区7号楼" → ("B区", "7"); "5栋", "五号楼" → (None, "5")."""
    said = extract_location(normalize(text))
    if said is None or said.building is None:
        return None
    return said.area, BUILDING_SUFFIX.sub("", said.building)


def building_named_in(text: str, buildings: Callable[[], Sequence[Building]]) -> Building | None:
    """The bound building a report names, matched by number whichever word it uses; `buildings` lists them,
    and is called only when the text names one (most reports do not)."""
    said = _building_key(text)
    if said is None:
        return None
    for building in buildings():
        known = _building_key(building.name)
        if known is not None and known[1] == said[1] and (None in (known[0], said[0]) or known[0] == said[0]):
            return building
    return None


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


def file_second(ctx: Ctx, press: ButtonPress, data: FileSecond) -> list[Action]:
    """另报一件: the second problem of a two-problem message becomes its own report, once."""
    ticket = get_ticket(session=ctx.session, ticket_id=data.ticket)
    if ticket is None or ticket.reporter_id != ctx.user.id:
        return [AnswerButton(callback_id=press.callback_id, text=texts.ONLY_THE_REPORTER)]
    two = split_problems(ctx.config.classifier, ticket.text)
    if two is None:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    if report_of_message(
        session=ctx.session, chat_id=ticket.chat_id, message_id=ticket.message_id, text=two.second_text
    ):
        return [AnswerButton(callback_id=press.callback_id, text=texts.SECOND_ALREADY_FILED)]
    draft = {"text": two.second_text, "message_id": ticket.message_id, "anonymous": ticket.anonymous}
    reply_to = None if ticket.anonymous else ticket.message_id
    return [
        AnswerButton(callback_id=press.callback_id),
        *file_report(ctx, draft, ticket.building_id, ticket.chat_id, reply_to=reply_to, whole=False),
    ]
