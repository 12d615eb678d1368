"""兑换: a resident picks a reward and confirms; the points are held and a card asks staff 批准 / 拒绝.

On approval the held points go to the rewards account and the resident gets a code for the counter; on
rejection (with a reason) they come back. A request holds its points and one of the reward's stock from
the moment it is made, so two requests can never spend the same points or the last voucher twice.
"""

from __future__ import annotations

import secrets

from handlers.actions import Action, AnswerButton, EditMessage, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.points import texts, views
from handlers.points.asking import in_stock
from handlers.points.book import book_of
from handlers.points.buttons import (
    ApproveRedemption,
    CancelReward,
    ConfirmReward,
    PickReward,
    RejectRedemption,
    RewardMenu,
)
from handlers.points.earning import home_building_id
from handlers.views import display_name
from storage import points as ledger
from storage.models import ConversationState, Redemption, RedemptionStatus

REJECT_FLOW = "redeem_reject"
REASON_LIMIT = 200
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread at the counter


def _toast(press: ButtonPress, text: str | None = None) -> AnswerButton:
    return AnswerButton(callback_id=press.callback_id, text=text)


def _edit(press: ButtonPress, text: str, keyboard: InlineKeyboard | None = None) -> EditMessage:
    return EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard)


def reward_menu(ctx: Ctx, press: ButtonPress, data: RewardMenu) -> list[Action]:
    book = book_of(ctx)
    balance = ledger.standing(session=ctx.session, user_id=ctx.user.id).balance
    if not book.rewards:
        return [_toast(press), SendMessage(chat_id=press.chat.id, text=texts.NO_REWARDS)]
    keyboard = views.reward_keyboard(book, balance, in_stock(ctx))
    return [
        _toast(press),
        SendMessage(
            chat_id=press.chat.id, text=texts.REDEEM_TITLE.format(balance=balance), keyboard=keyboard
        ),
    ]


def _refusal(ctx: Ctx, code: str) -> str | None:
    reward = book_of(ctx).reward(code)
    if reward is None:
        return texts.REDEEM_UNKNOWN
    if not in_stock(ctx).get(code, True):
        return texts.REDEEM_OUT_OF_STOCK.format(reward=reward.name)
    balance = ledger.standing(session=ctx.session, user_id=ctx.user.id).balance
    if balance < reward.price:
        return texts.REDEEM_NOT_ENOUGH.format(reward=reward.name, price=reward.price, balance=balance)
    return None


def pick(ctx: Ctx, press: ButtonPress, data: PickReward) -> list[Action]:
    refused = _refusal(ctx, data.reward)
    if refused is not None:
        return [_toast(press, refused), SendMessage(chat_id=press.chat.id, text=refused)]
    reward = book_of(ctx).reward(data.reward)
    assert reward is not None
    question = texts.CONFIRM_REDEEM.format(price=reward.price, reward=reward.name)
    return [_toast(press), _edit(press, question, views.confirm_keyboard(reward))]


def cancel(ctx: Ctx, press: ButtonPress, data: CancelReward) -> list[Action]:
    return [_toast(press), _edit(press, texts.REDEEM_CANCELLED)]


def confirm(ctx: Ctx, press: ButtonPress, data: ConfirmReward) -> list[Action]:
    staff_chat = ctx.config.staff_chat_id
    if staff_chat is None:
        return [_toast(press, texts.REDEEM_NO_STAFF_CHAT)]
    reward = book_of(ctx).reward(data.reward)
    if reward is None:
        return [_toast(press, texts.REDEEM_UNKNOWN), _edit(press, texts.REDEEM_UNKNOWN)]
    try:
        request, new = ledger.request_redemption(
            session=ctx.session,
            user_id=ctx.user.id,
            building_id=home_building_id(ctx, ctx.user),
            reward=reward.code,
            price=reward.price,
            stock=reward.stock,
            now=ctx.now,
            source=f"{press.chat.id}:{press.message_id}",
        )
    except ledger.NotEnoughPoints as short:
        said = texts.REDEEM_NOT_ENOUGH.format(reward=reward.name, price=reward.price, balance=short.balance)
        return [_toast(press, said), _edit(press, said)]
    except ledger.OutOfStock:
        said = texts.REDEEM_OUT_OF_STOCK.format(reward=reward.name)
        return [_toast(press, said), _edit(press, said)]
    done = texts.REDEEM_REQUESTED.format(number=request.id, reward=reward.name, price=reward.price)
    if not new:  # the same confirm pressed again: the card went out the first time
        return [_toast(press), _edit(press, done)]
    balance = ledger.standing(session=ctx.session, user_id=ctx.user.id).balance
    card = texts.STAFF_REDEEM_CARD.format(
        number=request.id,
        name=display_name(ctx.user),
        user_id=ctx.user.id,
        reward=reward.name,
        price=reward.price,
        balance=balance,
    )
    keyboard = views.decision_keyboard(
        ApproveRedemption(request=request.id).encode(), RejectRedemption(request=request.id).encode()
    )
    ctx.later(SendMessage(chat_id=staff_chat, text=card, keyboard=keyboard))
    return [_toast(press), _edit(press, done)]


# --- staff decide


def _reward_name(ctx: Ctx, request: Redemption) -> str:
    reward = book_of(ctx).reward(request.reward)
    return reward.name if reward else request.reward


def _open_request(ctx: Ctx, request_id: int) -> Redemption | str:
    request = ledger.get_redemption(session=ctx.session, redemption_id=request_id, for_update=True)
    if request is None:
        return texts.REDEEM_NOT_FOUND.format(number=request_id)
    if request.status != RedemptionStatus.PENDING:
        return texts.REDEEM_DECIDED.format(number=request_id)
    if request.user_id == ctx.user.id:
        return texts.REDEEM_OWN
    return request


def approve(ctx: Ctx, press: ButtonPress, data: ApproveRedemption) -> list[Action]:
    request = _open_request(ctx, data.request)
    if isinstance(request, str):
        return [_toast(press, request)]
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    ledger.decide_redemption(
        session=ctx.session, request=request, approve=True, by=ctx.user.id, now=ctx.now, code=code
    )
    reward = _reward_name(ctx, request)
    ctx.later(
        SendMessage(
            chat_id=request.user_id,
            text=texts.REDEEM_APPROVED_RESIDENT.format(number=request.id, reward=reward, code=code),
        )
    )
    card = texts.REDEEM_APPROVED_CARD.format(
        number=request.id, reward=reward, price=request.price, staff=display_name(ctx.user), code=code
    )
    return [_toast(press), _edit(press, card)]


def ask_reason(ctx: Ctx, press: ButtonPress, data: RejectRedemption) -> list[Action]:
    request = _open_request(ctx, data.request)
    if isinstance(request, str):
        return [_toast(press, request)]
    ctx.enter(REJECT_FLOW, "reason", {"request": request.id, "card": press.message_id})
    ask = SendMessage(chat_id=press.chat.id, text=texts.ASK_REJECT_REASON.format(number=request.id))
    return [_toast(press), ask]


def reject_with_reason(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    reason = msg.text.strip()[:REASON_LIMIT]
    if not reason:
        return [SendMessage(chat_id=msg.chat.id, text=texts.NEEDS_REASON, reply_to=msg.message_id)]
    ctx.forget_state()
    request = _open_request(ctx, int(state.data["request"]))
    if isinstance(request, str):
        return [SendMessage(chat_id=msg.chat.id, text=request, reply_to=msg.message_id)]
    ledger.decide_redemption(
        session=ctx.session, request=request, approve=False, by=ctx.user.id, now=ctx.now, reason=reason
    )
    reward = _reward_name(ctx, request)
    ctx.later(
        SendMessage(
            chat_id=request.user_id,
            text=texts.REDEEM_REJECTED_RESIDENT.format(
                number=request.id, reward=reward, reason=reason, price=request.price
            ),
        )
    )
    card = texts.REDEEM_REJECTED_CARD.format(
        number=request.id, reward=reward, price=request.price, staff=display_name(ctx.user), reason=reason
    )
    edit = EditMessage(chat_id=msg.chat.id, message_id=int(state.data["card"]), text=card)
    done = texts.REDEEM_REJECT_DONE.format(number=request.id)
    return [edit, SendMessage(chat_id=msg.chat.id, text=done, reply_to=msg.message_id)]
