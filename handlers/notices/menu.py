"""The 📢 通知 menu button. Staff (and, with LINLI_LEADER_NOTICES, a building leader) start composing;
a resident sees the recent notices of their building, each with 收到 until they have pressed it."""

from __future__ import annotations

from handlers.actions import Action, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.notices import compose, texts
from handlers.notices.buttons import Acknowledge
from handlers.views import local_time, main_menu, rows, snippet
from storage import notices as store
from storage.people import member_buildings

SHOWN = 5
SNIPPET = 40  # a line of the list stays within a phone's width


def _buildings(ctx: Ctx) -> list[int]:
    """The resident's building; when it is not known, those of the groups they write in."""
    if ctx.user.building_id is not None:
        return [ctx.user.building_id]
    found = member_buildings(session=ctx.session, user_id=ctx.user.id)
    return [b.id for b in found if b.id is not None]


def notices_button(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    if compose.may_send(ctx):
        return compose.start_guided(ctx, msg)
    buildings = _buildings(ctx)
    if not buildings:
        return [SendMessage(chat_id=msg.chat.id, text=texts.MENU_NO_BUILDING, keyboard=main_menu(ctx.user))]
    recent = store.notices_for_buildings(session=ctx.session, building_ids=buildings, limit=SHOWN)
    if not recent:
        return [SendMessage(chat_id=msg.chat.id, text=texts.MENU_NONE, keyboard=main_menu(ctx.user))]
    lines = [texts.MENU_TITLE]
    unacked: list[Button] = []
    acked = store.acked_notices(
        session=ctx.session, user_id=ctx.user.id, notice_ids=[n.id for n in recent if n.id is not None]
    )
    for i, notice in enumerate(recent, start=1):
        assert notice.id is not None
        mark = texts.MEDIA_MARK.get(notice.media_kind or "", "")
        lines.append(
            texts.MENU_LINE.format(
                i=i,
                when=local_time(notice.send_at or notice.created_at, ctx.config.tz),
                snippet=(mark + " " if mark else "") + snippet(notice.text, SNIPPET),
            )
        )
        if notice.ask_ack and notice.id not in acked:
            unacked.append(Button(text=texts.BTN_ACK_ONE.format(i=i), data=Acknowledge(notice.id).encode()))
    if unacked:
        lines.append(texts.MENU_ACK_HINT)
    keyboard = InlineKeyboard(rows=rows(unacked, per_row=2)) if unacked else None
    return [SendMessage(chat_id=msg.chat.id, text="\n".join(lines), keyboard=keyboard)]
