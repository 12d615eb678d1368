"""Staff give and take back points by hand: /award, /revoke, the second approval, and /points_review.

`/award 100001 10 帮忙清理楼道` pays the plain award rule; `2h` pays hours at the volunteering rate; a rule's
word (议事, 建议) pays that rule. In reply to a resident's message the user id is left out. Every hand entry
names its giver, nobody gives to themselves, and what one giver gives one resident beyond the rule's
monthly pair cap waits for a second staff member's 批准.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.parsing import first_int
from handlers.points import texts, views
from handlers.points.book import Rule, book_of
from handlers.points.buttons import ApproveAward, RejectAward
from handlers.points.earning import month_key, month_start, pay, room_under_caps
from handlers.views import display_name
from storage import points as ledger
from storage.models import PendingAward, PointsEntry, RedemptionStatus, User
from storage.people import get_user, users_by_ids

MAX_AWARD = 500  # one hand entry; more is a typo far more often than a deed
NOTE_LIMIT = 200
REVIEW_DAYS = 30
REVIEW_PAIR_AWARDS = 3  # this many hand awards from one giver to one resident in the window is listed
REVIEW_NEAR_CAP = 0.8  # a resident at this share of a rule's monthly cap is listed
_HOURS = re.compile(texts.HOURS_PATTERN, re.IGNORECASE)
_AMOUNT = re.compile(r"^\+?(\d{1,6})$")


def _reply(msg: IncomingMessage, text: str) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]


@dataclass(frozen=True, slots=True)
class AwardAsked:
    user_id: int
    rule: Rule
    amount: int
    note: str


def _parse(ctx: Ctx, msg: IncomingMessage, args: str) -> AwardAsked | str:
    """What /award asks for, or what to tell the giver."""
    replied = msg.reply_to
    if replied is not None and replied.sender_id is not None and not replied.from_bot:
        user_id, rest = replied.sender_id, args.strip()
    else:
        found = first_int(args)
        if found is None:
            return texts.AWARD_USAGE
        user_id, rest = found
    what, _, note = rest.partition(" ")
    note = note.strip()[:NOTE_LIMIT]
    book = book_of(ctx)
    if hours := _HOURS.match(what):
        rule = book.rule("volunteer")
        amount = round(float(hours.group(1)) * rule.amount)
    elif plain := _AMOUNT.match(what):
        rule, amount = book.rule("award"), int(plain.group(1))
    elif (named := book.hand_rule(what)) is not None:
        return AwardAsked(user_id, named, named.amount, note)
    else:
        return texts.AWARD_USAGE
    if amount <= 0:
        return texts.AWARD_USAGE
    if amount > MAX_AWARD:
        return texts.AWARD_TOO_MUCH.format(limit=MAX_AWARD)
    if not note:
        return texts.AWARD_NEEDS_NOTE.format(user_id=user_id, amount=what)
    return AwardAsked(user_id, rule, amount, note)


def _tell_resident(ctx: Ctx, user: User, text: str) -> None:
    if user.private_chat_open:
        ctx.later(SendMessage(chat_id=user.id, text=text))


def _paid_reply(ctx: Ctx, user: User, asked: AwardAsked, paid: PointsEntry | None, capped: bool) -> str:
    if paid is None:
        if capped:
            return texts.AWARD_CAPPED.format(
                name=display_name(user),
                rule=asked.rule.name,
                daily=asked.rule.daily_cap or texts.UNLIMITED,
                monthly=asked.rule.monthly_cap or texts.UNLIMITED,
            )
        return texts.AWARD_REPEATED
    said = (
        texts.REASON_WITH_NOTE.format(reason=asked.rule.name, note=asked.note)
        if asked.note
        else asked.rule.name
    )
    _tell_resident(ctx, user, texts.AWARD_RESIDENT_TOLD.format(amount=paid.amount, reason=said))
    template = texts.AWARD_CAPPED_PART if capped else texts.AWARD_DONE
    return template.format(name=display_name(user), amount=paid.amount, rule=asked.rule.name, entry=paid.id)


def award_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    asked = _parse(ctx, msg, args)
    if isinstance(asked, str):
        return _reply(msg, asked)
    if asked.user_id == ctx.user.id:
        return _reply(msg, texts.AWARD_SELF)
    user = get_user(session=ctx.session, user_id=asked.user_id)
    if user is None:
        return _reply(msg, texts.AWARD_UNKNOWN_USER.format(user_id=asked.user_id))
    key = f"award:{msg.chat.id}:{msg.message_id}"
    ledger.lock_ledger(session=ctx.session)
    if room_under_caps(ctx, asked.rule, user.id) == 0:
        return _reply(msg, _paid_reply(ctx, user, asked, None, capped=True))
    cap = asked.rule.pair_monthly_cap
    given = ledger.given_to(
        session=ctx.session,
        giver_id=ctx.user.id,
        user_id=user.id,
        rule=asked.rule.code,
        since=month_start(ctx),
    )
    if cap is not None and given + asked.amount > cap:
        return _ask_second(ctx, msg, user, asked, key=key, given=given, cap=cap)
    paid = pay(ctx, asked.rule, user, key=key, amount=asked.amount, granted_by=ctx.user.id, note=asked.note)
    return _reply(msg, _paid_reply(ctx, user, asked, paid.entry, paid.capped))


def _ask_second(
    ctx: Ctx, msg: IncomingMessage, user: User, asked: AwardAsked, *, key: str, given: int, cap: int
) -> list[Action]:
    award, new = ledger.queue_award(
        session=ctx.session,
        key=key,
        giver_id=ctx.user.id,
        user_id=user.id,
        rule=asked.rule.code,
        amount=asked.amount,
        note=asked.note,
        now=ctx.now,
    )
    if new:
        card = texts.STAFF_AWARD_CARD.format(
            number=award.id,
            giver=display_name(ctx.user),
            name=display_name(user),
            user_id=user.id,
            rule=asked.rule.name,
            amount=asked.amount,
            note=asked.note or asked.rule.name,
            given=given,
            cap=cap,
        )
        keyboard = views.decision_keyboard(
            ApproveAward(award=award.id).encode(), RejectAward(award=award.id).encode()
        )
        ctx.later(SendMessage(chat_id=ctx.config.staff_chat_id or msg.chat.id, text=card, keyboard=keyboard))
    return _reply(
        msg, texts.AWARD_PENDING.format(name=display_name(user), amount=asked.amount, number=award.id)
    )


def _open_award(ctx: Ctx, award_id: int) -> PendingAward | str:
    award = ledger.get_pending_award(session=ctx.session, award_id=award_id)
    if award is None or award.status != RedemptionStatus.PENDING:
        return texts.AWARD_DECIDED.format(number=award_id)
    if award.giver_id == ctx.user.id:
        return texts.AWARD_APPROVE_OWN
    return award


def _names(ctx: Ctx, award: PendingAward) -> tuple[User | None, User | None]:
    return (
        get_user(session=ctx.session, user_id=award.giver_id),
        get_user(session=ctx.session, user_id=award.user_id),
    )


def approve_award(ctx: Ctx, press: ButtonPress, data: ApproveAward) -> list[Action]:
    award = _open_award(ctx, data.award)
    if isinstance(award, str):
        return [AnswerButton(callback_id=press.callback_id, text=award)]
    giver, user = _names(ctx, award)
    rule = book_of(ctx).find_rule(award.rule) or book_of(ctx).rule("award")
    award.status, award.decided_at, award.decided_by = RedemptionStatus.APPROVED, ctx.now, ctx.user.id
    ctx.session.add(award)
    if user is None:
        return [
            AnswerButton(
                callback_id=press.callback_id, text=texts.AWARD_UNKNOWN_USER.format(user_id=award.user_id)
            )
        ]
    paid = pay(
        ctx,
        rule,
        user,
        key=award.key,
        amount=award.amount,
        granted_by=award.giver_id,
        approved_by=ctx.user.id,
        note=award.note,
    )
    asked = AwardAsked(user.id, rule, award.amount, award.note)
    said = _paid_reply(ctx, user, asked, paid.entry, paid.capped)
    if paid.entry is None:
        return [AnswerButton(callback_id=press.callback_id, text=said)]
    award.entry_id = paid.entry.id
    card = texts.AWARD_APPROVED_CARD.format(
        number=award.id,
        giver=display_name(giver),
        name=display_name(user),
        amount=paid.entry.amount,
        staff=display_name(ctx.user),
        entry=paid.entry.id,
    )
    return [
        AnswerButton(callback_id=press.callback_id, text=said),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=card),
    ]


def reject_award(ctx: Ctx, press: ButtonPress, data: RejectAward) -> list[Action]:
    award = _open_award(ctx, data.award)
    if isinstance(award, str):
        return [AnswerButton(callback_id=press.callback_id, text=award)]
    giver, user = _names(ctx, award)
    award.status, award.decided_at, award.decided_by = RedemptionStatus.REJECTED, ctx.now, ctx.user.id
    ctx.session.add(award)
    card = texts.AWARD_REJECTED_CARD.format(
        number=award.id,
        giver=display_name(giver),
        name=display_name(user),
        amount=award.amount,
        staff=display_name(ctx.user),
    )
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=card),
    ]


# --- /revoke


def revoke_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    found = first_int(args)
    if found is None or not found[1]:
        return _reply(msg, texts.REVOKE_USAGE)
    entry_id, why = found[0], found[1][:NOTE_LIMIT]
    ledger.lock_ledger(session=ctx.session)
    entry = ledger.get_entry(session=ctx.session, entry_id=entry_id)
    if entry is None:
        return _reply(msg, texts.REVOKE_NOT_FOUND.format(entry=entry_id))
    if entry.from_account != ledger.POOL or entry.user_id is None:
        return _reply(msg, texts.REVOKE_NOT_EARNING.format(entry=entry_id))
    if (earlier := ledger.reversal_of(session=ctx.session, entry_id=entry_id)) is not None:
        return _reply(msg, texts.REVOKE_ALREADY.format(entry=entry_id, reversal=earlier.id))
    user = get_user(session=ctx.session, user_id=entry.user_id)
    reversal = ledger.reverse(
        session=ctx.session, entry=entry, now=ctx.now, granted_by=ctx.user.id, note=why, month=month_key(ctx)
    )
    if reversal is None:
        return _reply(msg, texts.REVOKE_NOTHING_LEFT.format(name=display_name(user), entry=entry_id))
    if user is not None:
        said = texts.REASON_WITH_NOTE.format(reason=texts.REASON_REVERSED.format(entry=entry_id), note=why)
        _tell_resident(ctx, user, texts.REVOKE_RESIDENT_TOLD.format(amount=reversal.amount, reason=said))
    return _reply(
        msg,
        texts.REVOKE_DONE.format(
            name=display_name(user), amount=reversal.amount, entry=entry_id, reversal=reversal.id
        ),
    )


# --- /points_review


def review_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """Patterns worth a look: one giver and one receiver again and again, residents close to a cap."""
    pairs = ledger.frequent_pairs(
        session=ctx.session, since=ctx.now - timedelta(days=REVIEW_DAYS), at_least=REVIEW_PAIR_AWARDS
    )
    book = book_of(ctx)
    near: list[tuple[int, str, int, int]] = []
    for user_id, code, points in ledger.rule_totals(session=ctx.session, since=month_start(ctx)):
        rule = book.find_rule(code)
        if rule is not None and rule.monthly_cap and points >= REVIEW_NEAR_CAP * rule.monthly_cap:
            near.append((user_id, rule.name, points, rule.monthly_cap))
    ids = frozenset({u for _, u, _, _ in pairs} | {g for g, _, _, _ in pairs} | {u for u, *_ in near})
    people = {user.id: user for user in users_by_ids(session=ctx.session, ids=ids)}
    lines = [texts.REVIEW_TITLE]
    if pairs:
        lines.append(texts.REVIEW_PAIRS)
        lines += [
            texts.REVIEW_PAIR_ROW.format(
                giver=display_name(people.get(giver)),
                name=display_name(people.get(user)),
                user_id=user,
                count=count,
                points=points,
            )
            for giver, user, count, points in pairs
        ]
    if near:
        lines.append(texts.REVIEW_NEAR_CAP)
        lines += [
            texts.REVIEW_CAP_ROW.format(
                name=display_name(people.get(user)), user_id=user, rule=rule, points=points, cap=cap
            )
            for user, rule, points, cap in near
        ]
    if not pairs and not near:
        lines.append(texts.REVIEW_NOTHING)
    return [SendMessage(chat_id=msg.chat.id, text="\n".join(lines))]
