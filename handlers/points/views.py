"""How points read: the summary, history lines in plain words, the rank list and the keyboards."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers import texts as common
from handlers.actions import Button, InlineKeyboard
from handlers.points import texts
from handlers.points.book import PointsBook, Reward
from handlers.points.buttons import (
    CancelReward,
    ConfirmReward,
    Details,
    PickReward,
    RewardMenu,
    ToggleRankName,
)
from handlers.views import rows
from storage import points as ledger
from storage.models import PointsEntry, TicketStatus, User


def delta(entry: PointsEntry, user_id: int) -> int:
    """What the entry did to the resident's spendable balance."""
    account = ledger.resident(user_id)
    if entry.to_account == account:
        return entry.amount
    if entry.from_account == account:
        return -entry.amount
    return 0


def _status(code: str) -> str:
    try:
        return common.STATUS_NAMES[TicketStatus(code)]
    except ValueError:
        return code


def _ref_id(entry: PointsEntry) -> str:
    return (entry.ref or "").partition(":")[2]


def reason(entry: PointsEntry, book: PointsBook) -> str:
    """The entry as a resident would say it: "报事 #12 已受理", "志愿服务：清理楼道"."""
    reward = book.reward(_ref_id(entry))
    reward_name = reward.name if reward else _ref_id(entry)
    match entry.rule:
        case "report":
            return texts.REASON_REPORT.format(ticket=_ref_id(entry), status=_status(entry.note))
        case ledger.REVERSAL if (entry.ref or "").startswith("ticket:"):
            return texts.REASON_REVERSED_REPORT.format(ticket=_ref_id(entry), status=_status(entry.note))
        case ledger.REVERSAL:
            said = texts.REASON_REVERSED.format(entry=entry.reverses)
            return texts.REASON_WITH_NOTE.format(reason=said, note=entry.note) if entry.note else said
        case ledger.HOLD:
            return texts.REASON_HOLD.format(reward=reward_name)
        case ledger.REDEEM:
            return texts.REASON_REDEEM.format(reward=reward_name)
        case ledger.REFUND:
            return texts.REASON_REFUND.format(reward=reward_name)
    rule = book.find_rule(entry.rule)
    name = rule.name if rule else entry.rule
    return texts.REASON_WITH_NOTE.format(reason=name, note=entry.note) if entry.note else name


def _amount(change: int) -> tuple[str, str]:
    if change == 0:
        return "", ""
    return ("+" if change > 0 else "-"), str(abs(change))


def detail_line(entry: PointsEntry, user_id: int, book: PointsBook, tz: ZoneInfo) -> str:
    sign, amount = _amount(delta(entry, user_id))
    date = entry.created_at.astimezone(tz).strftime("%m-%d")
    return texts.DETAIL_LINE.format(date=date, reason=reason(entry, book), sign=sign, amount=amount).rstrip()


def statement_line(entry: PointsEntry, user_id: int, after: int, book: PointsBook, tz: ZoneInfo) -> str:
    sign, amount = _amount(delta(entry, user_id))
    date = entry.created_at.astimezone(tz).strftime("%m-%d %H:%M")
    return texts.STATEMENT_LINE.format(
        date=date, reason=reason(entry, book), sign=sign, amount=amount, after=after
    )


def reward_hint(book: PointsBook, balance: int, in_stock: dict[str, bool]) -> str:
    """The cheapest reward within reach, else how far the cheapest one is."""
    available = sorted((r for r in book.rewards if in_stock.get(r.code, True)), key=lambda r: r.price)
    if not available:
        return texts.NO_REWARDS
    affordable = [r for r in available if r.price <= balance]
    if affordable:
        return texts.REWARD_IN_REACH.format(reward=affordable[0].name, price=affordable[0].price)
    cheapest = available[0]
    return texts.REWARD_AWAY.format(
        reward=cheapest.name, price=cheapest.price, missing=cheapest.price - balance
    )


def how_to_earn(book: PointsBook) -> str:
    parts = [
        (texts.EARN_RULE_HOURLY if rule.per_hour else texts.EARN_RULE).format(
            name=rule.name, amount=rule.amount
        )
        for rule in book.rules
        if rule.code != "award"
    ]
    return texts.HOW_TO_EARN.format(rules=texts.SEPARATOR.join(parts))


def summary_keyboard(user: User) -> InlineKeyboard:
    toggle = texts.BTN_RANK_BY_NAME_ON if user.rank_by_name else texts.BTN_RANK_BY_NAME_OFF
    return InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_DETAILS, data=Details().encode()),
                Button(text=texts.BTN_REDEEM, data=RewardMenu().encode()),
            ),
            (Button(text=toggle, data=ToggleRankName().encode()),),
        )
    )


def reward_keyboard(book: PointsBook, balance: int, in_stock: dict[str, bool]) -> InlineKeyboard:
    buttons = []
    for reward in book.rewards:
        if not in_stock.get(reward.code, True):
            label = texts.REWARD_BUTTON_OUT.format(name=reward.name)
        elif reward.price > balance:
            label = texts.REWARD_BUTTON_SHORT.format(name=reward.name, missing=reward.price - balance)
        else:
            label = texts.REWARD_BUTTON.format(name=reward.name, price=reward.price)
        buttons.append(Button(text=label, data=PickReward(reward=reward.code).encode()))
    return InlineKeyboard(rows=rows(buttons, per_row=1))


def confirm_keyboard(reward: Reward) -> InlineKeyboard:
    return InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_CONFIRM_REDEEM, data=ConfirmReward(reward=reward.code).encode()),
                Button(text=texts.BTN_CANCEL_REDEEM, data=CancelReward().encode()),
            ),
        )
    )


def decision_keyboard(approve: str, reject: str) -> InlineKeyboard:
    return InlineKeyboard(
        rows=((Button(text=texts.BTN_APPROVE, data=approve), Button(text=texts.BTN_REJECT, data=reject)),)
    )
