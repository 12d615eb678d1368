"""The foundation's conversation, run on python-telegram-bot and on aiogram."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.playground import STAFF_GROUP, Playground
from handlers import texts
from handlers.reports import texts as report_texts
from handlers.tickets import texts as ticket_texts
from storage.models import Ticket

GROUP = "3号楼业主群"
RESOLVE_LABEL = ticket_texts.BTN_RESOLVE


def tickets(pg: Playground) -> list[Ticket]:
    assert pg.runtime is not None
    with Session(pg.runtime.engine) as session:
        return list(session.exec(select(Ticket).order_by(Ticket.id)))


def update_id_of(pg: Playground, chat_id: int, message_id: int) -> int:
    for call in pg.sandbox.calls_of("getUpdates", ok=True):
        for update in call.result:
            message = update.get("message") or {}
            if message.get("chat", {}).get("id") == chat_id and message.get("message_id") == message_id:
                return int(update["update_id"])
    raise AssertionError("update not delivered")


async def staff_and_building(pg: Playground) -> None:
    hello = pg.say("王师傅", "物业工作群", "我是王师傅")
    await pg.settle()
    pg.say("李主任", "物业工作群", "/staff", reply_to=hello["message_id"])
    await pg.sandbox.wait_message("设为工作人员")
    pg.say("王师傅", GROUP, "/bind 3号楼")
    await pg.sandbox.wait_message("已绑定到 3号楼")


async def resolve(pg: Playground, card: dict[str, Any], note: str | None = None, who: str = "王师傅") -> None:
    """Staff press 已解决 on the card, then answer the note question (or skip it)."""
    pg.press(who, "物业工作群", card["message_id"], label=RESOLVE_LABEL)
    ask = await pg.sandbox.wait_message(f"请发一句 #{card_number(card)} 的处理说明", chat_id=STAFF_GROUP.id)
    if note is None:
        pg.press(who, "物业工作群", ask["message_id"], label=ticket_texts.BTN_NO_NOTE)
    else:
        pg.say(who, "物业工作群", note)


def card_number(card: dict[str, Any]) -> int:
    return int(card["text"].split("#", 1)[1].split(" ", 1)[0])


async def report(pg: Playground, text: str = "报事 3号楼电梯又坏了") -> tuple[dict[str, Any], dict[str, Any]]:
    """A resident reports in the group; returns (her message, the staff card)."""
    message = pg.say("张阿姨", GROUP, text)
    await pg.sandbox.wait_message("已收到", chat_id=pg.chat_id(GROUP, "张阿姨"))
    card = await pg.sandbox.wait_message(f"报事 #{len(tickets(pg))}", chat_id=STAFF_GROUP.id)
    return message, card


async def test_start_shows_the_menu(pg: Playground) -> None:
    pg.say("张阿姨", "私聊", "/start")
    call = (await pg.sandbox.wait_calls("sendMessage", chat_id=pg.actor("张阿姨").id))[0]
    keyboard = call.params["reply_markup"]["keyboard"]
    labels = [button["text"] for row in keyboard for button in row]
    assert labels == [
        "📝 我要报事",
        "📋 我的报事",
        "💰 我的积分",
        "🗳 投票",
        "📢 通知",
        "📞 找网格员",
        "❓ 帮助",
        "👓 长辈模式",
    ]
    assert call.params["reply_markup"].get("is_persistent") is True


async def test_bind_is_refused_to_residents(pg: Playground) -> None:
    pg.say("张阿姨", GROUP, "/bind 3号楼")
    refusal = await pg.sandbox.wait_message(texts.DENY_STAFF_ONLY)
    assert refusal["chat"]["id"] == pg.chat_id(GROUP, "张阿姨")


async def test_report_resolve_round_trip(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", "私聊", "/start")
    await pg.settle()
    message, card = await report(pg)

    [receipt] = pg.sandbox.find_messages("已收到", chat_id=message["chat"]["id"])
    assert receipt["reply_to_message"]["message_id"] == message["message_id"]
    assert "#1" in receipt["text"]
    assert "3号楼电梯又坏了" in card["text"] and "张阿姨" in card["text"] and "3号楼" in card["text"]

    await resolve(pg, card)
    notice = await pg.sandbox.wait_message("#1 已解决", chat_id=message["chat"]["id"])
    assert notice["reply_to_message"]["message_id"] == message["message_id"]
    # Reported in the group, told in the group, rating buttons included; no private copy unasked.
    rating = [b["text"] for row in notice["reply_markup"]["inline_keyboard"] for b in row]
    assert rating == [ticket_texts.BTN_RATE_GOOD, ticket_texts.BTN_RATE_OK, ticket_texts.BTN_RATE_BAD]
    await pg.sandbox.wait_calls("editMessageText", chat_id=STAFF_GROUP.id, message_id=card["message_id"])
    edited = pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])
    assert "已解决" in edited["text"] and "王师傅" in edited["text"]
    assert "inline_keyboard" not in edited.get("reply_markup", {})
    toasts = await pg.sandbox.wait_calls("answerCallbackQuery", n=2)
    assert toasts[-1].params["text"] == ticket_texts.MOVED_TOAST.format(number=1, status="已解决")
    assert tickets(pg)[0].status == "resolved"
    assert pg.sandbox.find_messages("已解决", chat_id=pg.actor("张阿姨").id) == []


async def test_resident_pressing_resolve_is_refused(pg: Playground) -> None:
    await staff_and_building(pg)
    _, card = await report(pg)
    pg.press("张阿姨", "物业工作群", card["message_id"], label=RESOLVE_LABEL)
    [toast] = await pg.sandbox.wait_calls("answerCallbackQuery")
    assert toast.params["text"] == texts.DENY_STAFF_ONLY
    await pg.settle()
    assert tickets(pg)[0].status == "received"
    assert not pg.sandbox.find_messages("已解决")


async def test_forged_and_malformed_buttons_get_a_toast(pg: Playground) -> None:
    await staff_and_building(pg)
    _, card = await report(pg)
    for data in ("garbage", "1:rs:999", "9:rs:1", "1:rs:1:1", "", "1:rs:" + "9" * 60):
        pg.press("王师傅", "物业工作群", card["message_id"], data=data)
    toasts = await pg.sandbox.wait_calls("answerCallbackQuery", n=6)
    assert [t.params.get("text") for t in toasts] == [
        texts.BUTTON_INVALID,
        texts.TICKET_NOT_FOUND.format(number=999),
        texts.BUTTON_INVALID,
        texts.BUTTON_INVALID,
        texts.BUTTON_INVALID,
        texts.BUTTON_INVALID,
    ]
    await pg.settle()
    assert tickets(pg)[0].status == "received"


async def test_a_redelivered_update_makes_one_ticket(pg: Playground) -> None:
    await staff_and_building(pg)
    message, _ = await report(pg)
    pg.sandbox.redeliver(update_id_of(pg, message["chat"]["id"], message["message_id"]))
    await pg.settle()
    assert len(tickets(pg)) == 1
    assert len(pg.sandbox.find_messages("已收到", chat_id=message["chat"]["id"])) == 1


async def test_429_is_obeyed_and_the_reply_sent_once(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.sandbox.fail_next("sendMessage", error_code=429, retry_after=1)
    message = pg.say("张阿姨", GROUP, "报事 楼道灯坏了")
    await pg.sandbox.wait_message("已收到", chat_id=message["chat"]["id"], timeout=15)
    await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id, timeout=15)
    await pg.settle()
    # The receipt and the staff card go out side by side; whichever met the 429 waited it out, once.
    refused = pg.sandbox.calls_of("sendMessage", ok=False)
    assert [c.error_code for c in refused] == [429]
    chat, text = refused[0].params["chat_id"], refused[0].params["text"]
    retried = pg.sandbox.calls_of("sendMessage", ok=True, chat_id=chat, text=lambda t: t == text)
    assert len(retried) == 1 and retried[0].time - refused[0].time >= 1.0
    accepted = pg.sandbox.calls_of(
        "sendMessage", ok=True, chat_id=message["chat"]["id"], text=lambda t: "已收到" in t
    )
    assert len(accepted) == 1


async def test_outbox_obeys_429_then_sends_once(pg: Playground) -> None:
    await staff_and_building(pg)
    message, card = await report(pg)
    group = message["chat"]["id"]
    # 不用说明 answers and edits at once; the notice to the group is the outbox's first send.
    pg.press("王师傅", "物业工作群", card["message_id"], label=RESOLVE_LABEL)
    ask = await pg.sandbox.wait_message("处理说明", chat_id=STAFF_GROUP.id)
    await pg.settle()
    pg.sandbox.fail_next("sendMessage", error_code=429, retry_after=1)
    pg.press("王师傅", "物业工作群", ask["message_id"], label=ticket_texts.BTN_NO_NOTE)
    await pg.sandbox.wait_message("#1 已解决", chat_id=group, timeout=15)
    await pg.settle()
    [refused] = pg.sandbox.calls_of("sendMessage", ok=False)
    [accepted] = pg.sandbox.calls_of("sendMessage", ok=True, chat_id=group, text=lambda t: "已解决" in t)
    assert refused.error_code == 429 and refused.params["chat_id"] == group
    assert accepted.time - refused.time >= 1.0


async def test_outbox_retries_server_errors(pg: Playground) -> None:
    await staff_and_building(pg)
    message, card = await report(pg)
    pg.press("王师傅", "物业工作群", card["message_id"], label=RESOLVE_LABEL)
    ask = await pg.sandbox.wait_message("处理说明", chat_id=STAFF_GROUP.id)
    await pg.settle()
    pg.sandbox.fail_next("sendMessage", error_code=500, times=2)
    pg.press("王师傅", "物业工作群", ask["message_id"], label=ticket_texts.BTN_NO_NOTE)
    await pg.sandbox.wait_message("#1 已解决", chat_id=message["chat"]["id"], timeout=15)
    await pg.settle()
    assert [c.error_code for c in pg.sandbox.calls_of("sendMessage", ok=False)] == [500, 500]
    assert len(pg.sandbox.find_messages("#1 已解决")) == 1


async def test_photo_report_reaches_staff_with_the_photo(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.photo("张阿姨", GROUP, "报事 楼道里堆满了纸箱")
    [card_call] = await pg.sandbox.wait_calls("sendPhoto", chat_id=STAFF_GROUP.id)
    assert "纸箱" in card_call.params["caption"]
    assert tickets(pg)[0].photo_file_id


async def test_private_report_with_building_buttons(pg: Playground) -> None:
    await staff_and_building(pg)
    resident = pg.actor("刘大爷").id
    pg.say("刘大爷", "私聊", "我要报事")
    await pg.sandbox.wait_message(report_texts.REPORT_ASK_TEXT, chat_id=resident)
    pg.say("刘大爷", "私聊", "小区门口的路灯不亮了")
    question = await pg.sandbox.wait_message(report_texts.REPORT_ASK_BUILDING, chat_id=resident)
    pg.press("刘大爷", "私聊", question["message_id"], label="3号楼")
    await pg.sandbox.wait_message("已收到", chat_id=resident)
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert "路灯不亮" in card["text"] and "3号楼" in card["text"]


async def test_bot_added_to_a_group_introduces_itself(pg: Playground) -> None:
    group = pg.sandbox.add_group(-1001000000009, "9号楼业主群", bot_is_member=False)
    pg.sandbox.add_bot_to_group(chat_id=group["id"], user_id=pg.actor("李主任").id)
    await pg.sandbox.wait_message("/bind", chat_id=group["id"])
