"""Reports in the private chat: the 我要报事 flow, any message that describes a problem, which building."""

from __future__ import annotations

from typing import Any

from handlers import texts as common
from handlers.actions import (
    Action,
    AnswerButton,
    EditMessage,
    SendMessage,
)
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.reports import texts
from handlers.reports.buttons import (
    OtherBuildings,
    ReportBuilding,
    ReportCancel,
)
from handlers.reports.filing import (
    building_named_in,
    candidates,
    draft_from,
    file_report,
    has_content,
    has_words,
)
from handlers.reports.group import FLOW, STEP_DESCRIBE, continue_in_group, from_group
from handlers.reports.views import building_choice
from handlers.views import cancel_keyboard, main_menu, snippet
from storage.models import ConversationState
from storage.people import get_building, list_buildings, member_buildings

STEP_BUILDING = "building"


def report_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/report 问题: in a group it is filed at once; in private without words it starts the flow."""
    if msg.chat.is_group:
        return from_group(ctx, msg, args)
    if args or msg.photo_file_id or msg.voice_file_id:
        return file_private(ctx, msg, args)
    return start_private(ctx, msg)


def start_private(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    ctx.enter(FLOW, STEP_DESCRIBE, {})
    return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_ASK_TEXT, keyboard=cancel_keyboard(ctx.user))]


def continue_private(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """The message after 我要报事: the description, or 取消; in a group, the next words, photo or voice."""
    if msg.chat.is_group:
        return continue_in_group(ctx, msg, state)
    if msg.text.strip() == common.BTN_CANCEL:
        ctx.forget_state()
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_CANCELLED, keyboard=main_menu(ctx.user))]
    if not has_content(draft_from(msg, msg.text)):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_NEEDS_MEDIA_OR_TEXT)]
    return file_private(ctx, msg, msg.text)


def private_message(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """A private message that is nothing else is a report when it describes a problem, never dropped;
    a greeting or a question gets the menu (None: the router's answer for private chats)."""
    if not msg.chat.is_private:
        return None
    if msg.photo_file_id or msg.voice_file_id:
        return file_private(ctx, msg, msg.text)
    if not has_words(msg.text):
        return None
    taxonomy = ctx.config.classifier.taxonomy
    result = ctx.config.classifier.classify(msg.text)
    if not result.urgent and not candidates(result, taxonomy.fallback):
        return None
    return file_private(ctx, msg, msg.text)


def file_private(ctx: Ctx, msg: IncomingMessage, text: str) -> list[Action]:
    draft = draft_from(msg, text)
    if not has_content(draft):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_NEEDS_MEDIA_OR_TEXT)]
    buildings = list_buildings(session=ctx.session)
    named = building_named_in(draft["text"], lambda: buildings)
    if named is not None:
        return _finish_private(ctx, msg.chat.id, draft, named.id)
    if ctx.user.building_id is not None or not buildings:
        return _finish_private(ctx, msg.chat.id, draft, ctx.user.building_id)
    ctx.enter(FLOW, STEP_BUILDING, draft)
    question = texts.REPORT_ASK_BUILDING
    if not draft["text"]:
        media = texts.MEDIA_VOICE if draft.get("voice") else texts.MEDIA_PHOTO
        question = f"{texts.MEDIA_GOT.format(media=media)}\n{question}"
    return [_building_question(ctx, msg.chat.id, question)]


def _building_question(ctx: Ctx, chat_id: int, text: str) -> SendMessage:
    # The buildings of the resident's own groups first; the rest one tap further.
    buildings = list_buildings(session=ctx.session)
    own = member_buildings(session=ctx.session, user_id=ctx.user.id)
    keyboard = building_choice(own or buildings, more=bool(own) and len(own) < len(buildings))
    return SendMessage(chat_id=chat_id, text=text, keyboard=keyboard)


def has_draft(state: ConversationState) -> bool:
    """Only a report that was written and waits for its building is worth keeping when the menu is pressed."""
    return state.step == STEP_BUILDING


def ask_again(ctx: Ctx, chat_id: int, state: ConversationState) -> list[Action]:
    """继续 a paused report: what they had sent, and the building question again."""
    if state.step != STEP_BUILDING:
        return [SendMessage(chat_id=chat_id, text=texts.REPORT_ASK_TEXT, keyboard=cancel_keyboard(ctx.user))]
    draft = state.data
    if draft.get("text"):
        said = texts.REPORT_DRAFT_TEXT.format(snippet=snippet(draft["text"]))
    else:
        said = texts.REPORT_DRAFT_VOICE if draft.get("voice") else texts.REPORT_DRAFT_PHOTO
    return [_building_question(ctx, chat_id, f"{said}\n{texts.REPORT_ASK_BUILDING}")]


def _finish_private(ctx: Ctx, chat_id: int, draft: dict[str, Any], building_id: int | None) -> list[Action]:
    ctx.forget_state()
    # The menu comes back after the flow; the answer itself carries the inline buttons.
    return [
        *file_report(ctx, draft, building_id, chat_id, reply_to=draft["message_id"], withdrawable=True),
        SendMessage(chat_id=chat_id, text=common.MENU_BACK, keyboard=main_menu(ctx.user)),
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
        SendMessage(chat_id=press.chat.id, text=common.MENU_BACK, keyboard=main_menu(ctx.user)),
    ]
