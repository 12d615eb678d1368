"""收到: a press is recorded once per person per notice and answered with a toast; `/acks [N]` shows, per
building, how many acknowledged and whom the bot knows there who has not (staff: every building the notice
reached; a leader: their own); 再提醒 reminds those who started the bot, privately, at most once an hour."""

from __future__ import annotations

from datetime import timedelta

from handlers.actions import Action, AnswerButton, Button, InlineKeyboard, Media, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.notices import delivery, texts
from handlers.notices.buttons import Acknowledge, RemindAcks
from handlers.notices.scheduled import CAPTION_LIMIT, utf16_length
from handlers.owners.views import chunks
from handlers.parsing import first_int
from handlers.views import building_name, display_name, local_time, snippet
from storage import notices as store
from storage.models import Notice, NoticeAudience, NoticeStatus, Role, User
from storage.people import get_building, member_buildings, staff_members, users_by_ids
from storage.polls import building_residents

REMIND_EVERY = timedelta(hours=1)
NAMES_SHOWN = 30


def _reached(ctx: Ctx, notice: Notice) -> list[int]:
    """The buildings the notice went to, as far as the caller may see them (a leader: their own)."""
    assert notice.id is not None
    found = sorted(
        {d.building_id for d in store.deliveries(session=ctx.session, notice_id=notice.id) if d.building_id}
    )
    if ctx.is_staff:
        return found
    return [b for b in found if b == ctx.user.building_id]


def _ack_building(ctx: Ctx, notice: Notice) -> int | None:
    if ctx.chat.building_id is not None:
        return ctx.chat.building_id
    reached = set(_reached_all(ctx, notice))
    candidates = [
        ctx.user.building_id,
        *(b.id for b in member_buildings(session=ctx.session, user_id=ctx.user.id)),
    ]
    known = [b for b in candidates if b is not None]
    return next((b for b in known if b in reached), known[0] if known else None)


def _reached_all(ctx: Ctx, notice: Notice) -> list[int]:
    assert notice.id is not None
    return [
        d.building_id for d in store.deliveries(session=ctx.session, notice_id=notice.id) if d.building_id
    ]


def acknowledge(ctx: Ctx, press: ButtonPress, data: Acknowledge) -> list[Action]:
    notice = store.get_notice(session=ctx.session, notice_id=data.notice)
    if notice is None or notice.status == NoticeStatus.WITHDRAWN:
        return [AnswerButton(callback_id=press.callback_id, text=texts.ACK_GONE)]
    store.record_ack(
        session=ctx.session,
        notice_id=data.notice,
        user_id=ctx.user.id,
        building_id=_ack_building(ctx, notice),
        now=ctx.now,
    )
    # A second press records nothing and gets the same thanks.
    return [AnswerButton(callback_id=press.callback_id, text=texts.ACK_THANKS)]


def _not_acked(ctx: Ctx, notice: Notice, building_id: int, acked: set[int]) -> list[User]:
    """Whom the bot knows in that building (for a leaders' notice: its leaders) who has not acknowledged."""
    assert notice.id is not None
    if notice.audience == NoticeAudience.LEADERS:
        known = {
            d.chat_id
            for d in store.deliveries(session=ctx.session, notice_id=notice.id)
            if d.building_id == building_id
        }
    else:
        known = building_residents(session=ctx.session, building_id=building_id)
    staff = {u.id for u in staff_members(session=ctx.session, admin_ids=ctx.config.admin_ids)}
    staff |= ctx.config.admin_ids
    return users_by_ids(session=ctx.session, ids=frozenset(known - staff - acked))


def _names(people: list[User]) -> str:
    names = [display_name(p) for p in people[:NAMES_SHOWN]]
    more = len(people) - NAMES_SHOWN
    return texts.NAME_SEPARATOR.join(names) + (texts.ACKS_MORE.format(n=len(people)) if more > 0 else "")


def report(ctx: Ctx, notice: Notice) -> tuple[list[str], InlineKeyboard | None]:
    assert notice.id is not None
    counts = store.ack_counts(session=ctx.session, notice_id=notice.id)
    acked = store.acked_users(session=ctx.session, notice_id=notice.id)
    lines = [texts.ACKS_TITLE.format(number=notice.id, snippet=snippet(notice.text))]
    for building_id in _reached(ctx, notice):
        name = building_name(get_building(session=ctx.session, building_id=building_id))
        lines.append(texts.ACKS_BUILDING.format(building=name, n=counts[building_id]))
        missing = _not_acked(ctx, notice, building_id, acked)
        lines.append(texts.ACKS_MISSING.format(names=_names(missing)) if missing else texts.ACKS_ALL_DONE)
    keyboard = InlineKeyboard(rows=((Button(text=texts.BTN_REMIND, data=RemindAcks(notice.id).encode()),),))
    # A notice to every group lists hundreds of buildings: several messages under Telegram's length limit.
    return chunks(lines[0], lines[1:]), keyboard


def _find(ctx: Ctx, args: str) -> Notice | str:
    found = first_int(args)
    leader_building = None if ctx.is_staff else ctx.user.building_id
    if found is None:
        notice = store.latest_notice(session=ctx.session, building_id=leader_building)
        return notice if notice is not None else texts.ACKS_NONE
    notice = store.get_notice(session=ctx.session, notice_id=found[0])
    if notice is None:
        return texts.ACKS_NOT_FOUND.format(number=found[0])
    if notice.status == NoticeStatus.SCHEDULED and notice.send_at is not None:
        return texts.ACKS_SCHEDULED.format(number=notice.id, when=local_time(notice.send_at, ctx.config.tz))
    if leader_building is not None and not _reached(ctx, notice):
        return texts.ACKS_NOT_YOURS.format(number=notice.id)
    return notice


def acks_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str, keyboard: InlineKeyboard | None = None) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id, keyboard=keyboard)]

    if not msg.chat.is_private:
        return reply(texts.PRIVATE_ONLY)
    notice = _find(ctx, args)
    if isinstance(notice, str):
        return reply(notice)
    if not notice.ask_ack:
        return reply(texts.ACKS_NO_ACK.format(number=notice.id))
    parts, keyboard = report(ctx, notice)
    return [*(action for part in parts[:-1] for action in reply(part)), *reply(parts[-1], keyboard)]


def remind(ctx: Ctx, press: ButtonPress, data: RemindAcks) -> list[Action]:
    """再提醒: privately, to those who have not acknowledged and have started the bot; once an hour."""

    def toast(text: str) -> list[Action]:
        return [AnswerButton(callback_id=press.callback_id, text=text, alert=True)]

    notice = store.get_notice(session=ctx.session, notice_id=data.notice, for_update=True)
    if notice is None or notice.status == NoticeStatus.WITHDRAWN:
        return toast(texts.ACK_GONE)
    assert notice.id is not None
    buildings = _reached(ctx, notice)
    if not buildings:
        return toast(texts.ACKS_NOT_YOURS.format(number=notice.id))
    if notice.reminded_at is not None and ctx.now - notice.reminded_at < REMIND_EVERY:
        return toast(texts.REMIND_TOO_SOON)
    notice.reminded_at = ctx.now
    ctx.session.add(notice)
    acked = store.acked_users(session=ctx.session, notice_id=notice.id)
    text = texts.REMINDER.format(message=delivery.message_text(notice.text, notice.ask_ack))
    # The photo or file goes with the reminder while the longer text still fits its caption.
    media = None
    if notice.media_kind and notice.media_file_id and utf16_length(text) <= CAPTION_LIMIT:
        media = Media(kind=notice.media_kind, file_id=notice.media_file_id)  # type: ignore[arg-type]
    told: set[int] = set()
    for building_id in buildings:
        for person in _not_acked(ctx, notice, building_id, acked):
            if person.private_chat_open and person.id not in told:
                ctx.later(
                    SendMessage(
                        chat_id=person.id, text=text, media=media, keyboard=delivery.ack_keyboard(notice.id)
                    )
                )
                told.add(person.id)
    return toast(texts.REMIND_SENT.format(n=len(told)) if told else texts.REMIND_NOBODY)


def may_see_acks(ctx: Ctx) -> bool:
    return ctx.is_staff or (ctx.user.role == Role.LEADER and ctx.user.building_id is not None)
