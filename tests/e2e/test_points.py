"""Points (积分) end to end on both adapters: earning on 受理, asking privately, /award, 兑换 and /rank."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from bot.playground import PRIVATE, STAFF_GROUP, Playground
from handlers import texts as common
from handlers.points import texts
from handlers.tickets import texts as ticket_texts
from storage import points as ledger
from storage.models import Redemption
from tests.e2e.test_foundation import GROUP, report, staff_and_building, tickets

STAFF_CHAT = STAFF_GROUP.title
_BALANCE = re.compile("^" + re.escape(texts.BALANCE).replace(re.escape("{balance}"), r"(\d+)"))
SUMMARY_START = texts.BALANCE.split("{", 1)[0]  # "您现在有 "


def _labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def sent_after(pg: Playground, mark: int, chat_id: int, contains: str) -> dict[str, Any]:
    """The first message the bot sent to `chat_id` since `mark` (an index into the calls) with `contains`."""
    calls = await pg.sandbox.wait_calls(
        "sendMessage", since=mark, ok=True, chat_id=chat_id, text=lambda t: contains in t
    )
    return pg.sandbox.get_message(chat_id, calls[0].result["message_id"])


async def toast_of(pg: Playground, query_id: str) -> str:
    [answer] = await pg.sandbox.wait_calls("answerCallbackQuery", callback_query_id=query_id, ok=True)
    return str(answer.params.get("text") or "")


async def my_points(pg: Playground, who: str = "张阿姨", ask: str = common.BTN_POINTS) -> dict[str, Any]:
    """Ask for 我的积分 privately (menu button or /points); the summary message as the resident sees it."""
    mark = len(pg.sandbox.calls)
    pg.say(who, PRIVATE, ask)
    return await sent_after(pg, mark, pg.actor(who).id, SUMMARY_START)


def balance_in(summary: dict[str, Any]) -> int:
    first = summary["text"].splitlines()[0]
    found = _BALANCE.match(first)
    assert found, f"the summary does not start with the balance: {first!r}"
    return int(found.group(1))


async def balance(pg: Playground, who: str = "张阿姨") -> int:
    return balance_in(await my_points(pg, who))


async def award(pg: Playground, who: str, args: str) -> str:
    """Staff type /award in the staff chat; the bot's answer."""
    mark = len(pg.sandbox.calls)
    pg.say(who, STAFF_CHAT, f"/award {args}")
    calls = await pg.sandbox.wait_calls("sendMessage", since=mark, ok=True, chat_id=STAFF_GROUP.id)
    return str(calls[0].params["text"])


async def test_a_report_pays_on_accept_once_and_a_rejection_takes_it_back(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", PRIVATE, "/start")
    await pg.settle()
    message, card = await report(pg)
    await pg.settle()
    assert await balance(pg) == 0  # submitting earns nothing

    accept = pg.sandbox.button_data(STAFF_GROUP.id, card["message_id"], ticket_texts.BTN_ACCEPT)
    first = pg.press("王师傅", STAFF_CHAT, card["message_id"], data=accept)
    second = pg.press("王师傅", STAFF_CHAT, card["message_id"], data=accept)  # a double press
    await pg.sandbox.wait_message("已受理", chat_id=message["chat"]["id"])
    assert await toast_of(pg, first) == ticket_texts.MOVED_TOAST.format(number=1, status="已受理")
    assert await toast_of(pg, second) == ticket_texts.ALREADY_IN_STATE.format(number=1, status="已受理")
    await pg.settle()
    assert tickets(pg)[0].status == "accepted"
    assert await balance(pg) == 5

    pg.press("王师傅", STAFF_CHAT, card["message_id"], label=ticket_texts.BTN_REJECT)
    await pg.sandbox.wait_message("驳回 #1 的理由", chat_id=STAFF_GROUP.id)
    pg.say("王师傅", STAFF_CHAT, "户内设施请联系维修师傅上门")
    await pg.sandbox.wait_message("未能受理", chat_id=message["chat"]["id"])
    await pg.settle()
    assert tickets(pg)[0].status == "rejected"
    summary = await my_points(pg)
    assert balance_in(summary) == 0
    mark = len(pg.sandbox.calls)
    pg.press("张阿姨", PRIVATE, summary["message_id"], label=texts.BTN_DETAILS)
    details = await sent_after(pg, mark, pg.actor("张阿姨").id, texts.DETAILS_TITLE)
    assert "报事 #1 已受理 +5" in details["text"]
    assert "报事 #1 已驳回，收回 -5" in details["text"]
    assert pg.runtime is not None
    with Session(pg.runtime.engine) as session:
        assert ledger.verify(session=session).problems == []


async def test_points_in_a_group_never_posts_a_balance(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", PRIVATE, "/start")
    await pg.settle()
    assert texts.AWARD_DONE.split("{", 1)[0] in await award(pg, "王师傅", f"{pg.actor('张阿姨').id} 25 帮忙")

    group_id = pg.chat_id(GROUP, "张阿姨")
    mark = len(pg.sandbox.calls)
    asked = pg.say("张阿姨", GROUP, "/points")
    in_group = await sent_after(pg, mark, group_id, texts.IN_GROUP_SENT_PRIVATELY)
    assert in_group["text"] == texts.IN_GROUP_SENT_PRIVATELY
    assert in_group["reply_to_message"]["message_id"] == asked["message_id"]
    privately = await sent_after(pg, mark, pg.actor("张阿姨").id, SUMMARY_START)
    assert balance_in(privately) == 25

    # 陈姐 never started the bot: a button to open the private chat, and no number.
    mark = len(pg.sandbox.calls)
    pg.say("陈姐", GROUP, "/points")
    link = await sent_after(pg, mark, group_id, texts.IN_GROUP_OPEN_PRIVATE)
    [[button]] = link["reply_markup"]["inline_keyboard"]
    assert button["text"] == texts.BTN_OPEN_PRIVATE
    assert button["url"] == texts.PRIVATE_LINK.format(bot="linli_bot")
    pg.say("陈姐", PRIVATE, "/start points")  # what the button opens
    assert balance_in(await sent_after(pg, mark, pg.actor("陈姐").id, SUMMARY_START)) == 0
    await pg.settle()
    for said in pg.sandbox.find_messages(chat_id=group_id):
        words = said.get("text") or said.get("caption") or ""  # the pinned welcome's notice has none
        assert not _BALANCE.search(words) and "25" not in words


async def test_award_is_for_staff_never_to_oneself_and_pays_hours(pg: Playground) -> None:
    await staff_and_building(pg)
    resident = pg.actor("张阿姨").id
    pg.say("张阿姨", PRIVATE, "/start")
    await pg.settle()

    mark = len(pg.sandbox.calls)
    pg.say("张阿姨", PRIVATE, f"/award {pg.actor('陈姐').id} 10 帮忙")
    refused = await sent_after(pg, mark, resident, common.DENY_STAFF_ONLY)
    assert refused["text"] == common.DENY_STAFF_ONLY
    assert await award(pg, "王师傅", f"{pg.actor('王师傅').id} 10 自己") == texts.AWARD_SELF

    done = await award(pg, "王师傅", f"{resident} 2h 清理楼道")
    assert done.startswith("已给 张阿姨 +20 分（志愿服务，记录号 ")
    told = await pg.sandbox.wait_message("您获得 20 积分", chat_id=resident)
    assert "志愿服务：清理楼道" in told["text"]
    summary = await my_points(pg, ask="/points")
    assert balance_in(summary) == 20
    mark = len(pg.sandbox.calls)
    query = pg.press("张阿姨", PRIVATE, summary["message_id"], label=texts.BTN_DETAILS)
    details = await sent_after(pg, mark, resident, texts.DETAILS_TITLE)
    assert "志愿服务：清理楼道 +20" in details["text"]
    await toast_of(pg, query)
    assert await balance(pg, "王师傅") == 0  # the refusals paid nobody


async def test_redeeming_needs_a_staff_members_approval(pg: Playground) -> None:
    await staff_and_building(pg)
    resident = pg.actor("张阿姨").id
    pg.say("张阿姨", PRIVATE, "/start")
    await pg.settle()
    await award(pg, "王师傅", f"{resident} 50 帮忙")
    await award(pg, "李主任", f"{resident} 6h 清理楼道")
    summary = await my_points(pg)
    assert balance_in(summary) == 110

    mark = len(pg.sandbox.calls)
    pg.press("张阿姨", PRIVATE, summary["message_id"], label=texts.BTN_REDEEM)
    menu = await sent_after(pg, mark, resident, texts.REDEEM_TITLE.format(balance=110))
    assert _labels(menu) == [texts.REWARD_BUTTON.format(name="社区食堂餐券", price=100)]
    pg.press("张阿姨", PRIVATE, menu["message_id"], label="社区食堂餐券 100分")
    question = texts.CONFIRM_REDEEM.format(price=100, reward="社区食堂餐券")
    await pg.sandbox.wait_for(
        lambda: pg.sandbox.get_message(resident, menu["message_id"])["text"] == question
    )
    pg.press("张阿姨", PRIVATE, menu["message_id"], label=texts.BTN_CONFIRM_REDEEM)
    card = await pg.sandbox.wait_message("🎁 兑换申请 #1", chat_id=STAFF_GROUP.id)
    assert _labels(card) == [texts.BTN_APPROVE, texts.BTN_REJECT]
    assert "张阿姨" in card["text"] and "社区食堂餐券（100 分）" in card["text"]
    requested = texts.REDEEM_REQUESTED.format(number=1, reward="社区食堂餐券", price=100)
    await pg.sandbox.wait_for(
        lambda: pg.sandbox.get_message(resident, menu["message_id"])["text"] == requested
    )
    held = (await my_points(pg))["text"].splitlines()[0]  # the points are held from the request on
    assert held == texts.BALANCE.format(balance=10) + texts.HELD.format(held=100)

    # Someone who is not staff presses 批准: refused, nothing changes.
    query = pg.press("刘大爷", STAFF_CHAT, card["message_id"], label=texts.BTN_APPROVE)
    assert await toast_of(pg, query) == common.DENY_STAFF_ONLY
    await pg.settle()
    assert pg.runtime is not None
    with Session(pg.runtime.engine) as session:
        assert session.exec(select(Redemption)).one().status == "pending"
    approved = texts.REDEEM_APPROVED_RESIDENT.split("：", 1)[0].format(number=1)  # "您的兑换申请 #1 已批准"
    assert pg.sandbox.find_messages(approved, chat_id=resident) == []
    assert pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])["text"] == card["text"]

    query = pg.press("王师傅", STAFF_CHAT, card["message_id"], label=texts.BTN_APPROVE)
    told = await pg.sandbox.wait_message(approved, chat_id=resident)
    assert "兑换码" in told["text"]
    with Session(pg.runtime.engine) as session:
        request = session.exec(select(Redemption)).one()
    assert request.status == "approved" and request.code
    assert told["text"] == texts.REDEEM_APPROVED_RESIDENT.format(
        number=1, reward="社区食堂餐券", code=request.code
    )
    await pg.sandbox.wait_for(
        lambda: "已由 王师傅 批准" in pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])["text"]
    )
    assert _labels(pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])) == []
    await toast_of(pg, query)
    assert await balance(pg) == 10


async def rank(pg: Playground, who: str) -> str:
    mark = len(pg.sandbox.calls)
    pg.say(who, GROUP, "/rank")
    return str((await sent_after(pg, mark, pg.chat_id(GROUP, who), texts.RANK_TITLE))["text"])


async def test_rank_shows_a_name_only_after_the_resident_opts_in(pg: Playground) -> None:
    await staff_and_building(pg)
    for who in ("张阿姨", "陈姐"):
        pg.say(who, GROUP, "大家好")
    pg.say("张阿姨", PRIVATE, "/start")
    await pg.settle()
    await award(pg, "王师傅", f"{pg.actor('张阿姨').id} 30 帮忙")
    await award(pg, "王师傅", f"{pg.actor('陈姐').id} 20 帮忙")
    anonymous = texts.RANK_ANONYMOUS.format(building="3号楼")

    board = await rank(pg, "陈姐")
    assert texts.RANK_ROW.format(rank=1, name=anonymous, points=30) in board
    assert texts.RANK_ROW.format(rank=2, name=anonymous, points=20) in board
    assert "张阿姨" not in board and "陈姐" not in board

    summary = await my_points(pg)
    assert texts.BTN_RANK_BY_NAME_OFF in _labels(summary)
    query = pg.press("张阿姨", PRIVATE, summary["message_id"], label=texts.BTN_RANK_BY_NAME_OFF)
    assert await toast_of(pg, query) == texts.RANK_BY_NAME_ON
    await pg.settle()

    board = await rank(pg, "陈姐")
    assert texts.RANK_ROW.format(rank=1, name="张阿姨", points=30) in board
    assert texts.RANK_ROW.format(rank=2, name=anonymous, points=20) in board
    assert texts.BTN_RANK_BY_NAME_ON in _labels(await my_points(pg))


async def test_award_by_reply_and_a_rejected_redemption_gives_the_points_back(pg: Playground) -> None:
    await staff_and_building(pg)
    resident = pg.actor("张阿姨").id
    pg.say("张阿姨", PRIVATE, "/start")
    helped = pg.say("张阿姨", GROUP, "我来帮忙搬东西")
    await pg.settle()
    group_id = pg.chat_id(GROUP, "王师傅")
    mark = len(pg.sandbox.calls)
    pg.say("王师傅", GROUP, "/award 50 帮忙搬东西", reply_to=helped["message_id"])  # no id: the replied-to
    done = await sent_after(pg, mark, group_id, "已给 张阿姨 +50 分")
    assert done["text"].startswith("已给 张阿姨 +50 分（工作人员奖励，记录号 ")
    await award(pg, "李主任", f"{resident} 5h 清理楼道")
    summary = await my_points(pg)
    assert balance_in(summary) == 100

    mark = len(pg.sandbox.calls)
    pg.press("张阿姨", PRIVATE, summary["message_id"], label=texts.BTN_REDEEM)
    menu = await sent_after(pg, mark, resident, texts.REDEEM_TITLE.format(balance=100))
    pg.press(
        "张阿姨",
        PRIVATE,
        menu["message_id"],
        label=texts.REWARD_BUTTON.format(name="社区食堂餐券", price=100),
    )
    await pg.sandbox.wait_for(
        lambda: texts.BTN_CONFIRM_REDEEM in _labels(pg.sandbox.get_message(resident, menu["message_id"]))
    )
    pg.press("张阿姨", PRIVATE, menu["message_id"], label=texts.BTN_CONFIRM_REDEEM)
    card = await pg.sandbox.wait_message("🎁 兑换申请 #1", chat_id=STAFF_GROUP.id)

    pg.press("王师傅", STAFF_CHAT, card["message_id"], label=texts.BTN_REJECT)
    await pg.sandbox.wait_message(texts.ASK_REJECT_REASON.format(number=1), chat_id=STAFF_GROUP.id)
    pg.say("王师傅", STAFF_CHAT, "本月餐券已发完")
    told = await pg.sandbox.wait_message("没有批准", chat_id=resident)
    assert told["text"] == texts.REDEEM_REJECTED_RESIDENT.format(
        number=1, reward="社区食堂餐券", reason="本月餐券已发完", price=100
    )
    rejected = texts.REDEEM_REJECTED_CARD.format(
        number=1, reward="社区食堂餐券", price=100, staff="王师傅", reason="本月餐券已发完"
    )
    await pg.sandbox.wait_for(
        lambda: pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])["text"] == rejected
    )
    assert _labels(pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])) == []
    summary = await my_points(pg)
    assert balance_in(summary) == 100
    mark = len(pg.sandbox.calls)
    pg.press("张阿姨", PRIVATE, summary["message_id"], label=texts.BTN_DETAILS)
    details = await sent_after(pg, mark, resident, texts.DETAILS_TITLE)
    assert "兑换 社区食堂餐券 未批准，退回 +100" in details["text"]
    assert "工作人员奖励：帮忙搬东西 +50" in details["text"]
