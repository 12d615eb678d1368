"""The elderly menu end to end on both adapters: after /start, only button presses and plain messages —
长辈模式, a report by voice and one by photo, points, a step left and taken up again, the /bind welcome."""

from __future__ import annotations

from typing import Any

from bot.playground import PRIVATE, STAFF_GROUP, Playground
from handlers import texts as common
from handlers.people import texts as people_texts
from handlers.points import texts as points_texts
from handlers.reports import texts as report_texts
from tests.e2e.test_foundation import GROUP, staff_and_building, tickets

WHO = "张阿姨"


def _inline(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def _latest_keyboard(pg: Playground, since: int) -> dict[str, Any]:
    """The reply keyboard of the newest message the bot sent the resident with one."""
    calls = await pg.sandbox.wait_calls(
        "sendMessage",
        since=since,
        ok=True,
        chat_id=pg.actor(WHO).id,
        reply_markup=lambda m: bool(m) and "keyboard" in m,
    )
    return calls[-1].params["reply_markup"]


async def _elder_mode(pg: Playground) -> None:
    mark = len(pg.sandbox.calls)
    pg.say(WHO, PRIVATE, "/start")
    offer = await pg.sandbox.wait_message(people_texts.ELDER_OFFER, chat_id=pg.actor(WHO).id)
    pg.press(WHO, PRIVATE, offer["message_id"], label=people_texts.BTN_ELDER_ON)
    await pg.sandbox.wait_message("已打开长辈模式", chat_id=pg.actor(WHO).id)
    markup = await _latest_keyboard(pg, mark)
    labels = [[button["text"] for button in row] for row in markup["keyboard"]]
    assert labels == [["📝 报事"], ["📞 找人帮忙"], ["💰 积分"], ["❓ 帮助"]]
    assert markup.get("resize_keyboard") is not True  # full-height buttons


async def test_elderly_resident_reports_by_voice_and_by_photo_with_buttons_only(pg: Playground) -> None:
    await staff_and_building(pg)
    await _elder_mode(pg)
    me = pg.actor(WHO).id

    # A voice note alone, after 📝 报事: which building, then 已收到您的语音 with big category buttons.
    pg.say(WHO, PRIVATE, common.BTN_ELDER_REPORT)
    await pg.sandbox.wait_message(report_texts.REPORT_ASK_TEXT, chat_id=me)
    pg.voice(WHO, PRIVATE)
    question = await pg.sandbox.wait_message(report_texts.REPORT_ASK_BUILDING, chat_id=me)
    assert question["text"].startswith("已收到您的语音")
    pg.press(WHO, PRIVATE, question["message_id"], label="3号楼")
    receipt = await pg.sandbox.wait_message("已收到您的语音 ✅ 报事编号 #1", chat_id=me)
    assert report_texts.BTN_LEAVE_TO_STAFF in _inline(receipt)
    # Staff hear it on the card.
    await pg.sandbox.wait_calls("sendVoice", chat_id=STAFF_GROUP.id, ok=True)
    pg.press(WHO, PRIVATE, receipt["message_id"], label="设施报修")
    await pg.sandbox.wait_message("分类：设施报修", chat_id=me)
    await pg.settle()
    assert tickets(pg)[0].category == "repair" and tickets(pg)[0].voice_file_id

    # A photo alone: the building is remembered now; 不清楚 leaves it to staff.
    pg.say(WHO, PRIVATE, common.BTN_ELDER_REPORT)
    await pg.settle()
    pg.photo(WHO, PRIVATE)
    receipt = await pg.sandbox.wait_message("已收到您的照片 ✅ 报事编号 #2", chat_id=me)
    pg.press(WHO, PRIVATE, receipt["message_id"], label=report_texts.BTN_LEAVE_TO_STAFF)
    await pg.sandbox.wait_message("工作人员会看一看再分类", chat_id=me)
    await pg.sandbox.wait_calls("sendPhoto", chat_id=STAFF_GROUP.id, ok=True)
    await pg.settle()
    assert [t.building_id for t in tickets(pg)] == [tickets(pg)[0].building_id] * 2

    # 💰 积分, and 帮助 leads back to the full menu.
    pg.say(WHO, PRIVATE, common.BTN_ELDER_POINTS)
    await pg.sandbox.wait_message(points_texts.BALANCE.split("{", 1)[0], chat_id=me)
    pg.say(WHO, PRIVATE, common.BTN_ELDER_HELP)
    helped = await pg.sandbox.wait_message(people_texts.HELP_ELDER, chat_id=me)
    mark = len(pg.sandbox.calls)
    pg.press(WHO, PRIVATE, helped["message_id"], label=people_texts.BTN_ELDER_OFF)
    await pg.sandbox.wait_message(people_texts.ELDER_OFF, chat_id=me)
    markup = await _latest_keyboard(pg, mark)
    assert markup["keyboard"][0][0]["text"] == common.BTN_REPORT


async def test_a_report_left_for_the_menu_is_offered_again(pg: Playground) -> None:
    await staff_and_building(pg)
    await _elder_mode(pg)
    me = pg.actor(WHO).id
    pg.say(WHO, PRIVATE, "楼道的灯坏了好几天了")
    await pg.sandbox.wait_message(report_texts.REPORT_ASK_BUILDING, chat_id=me)
    pg.say(WHO, PRIVATE, common.BTN_ELDER_POINTS)  # off to something else before answering
    await pg.sandbox.wait_message(points_texts.BALANCE.split("{", 1)[0], chat_id=me)
    pg.say(WHO, PRIVATE, common.BTN_ELDER_REPORT)
    offer = await pg.sandbox.wait_message("您刚才的报事还没发完，继续吗？", chat_id=me)
    pg.press(WHO, PRIVATE, offer["message_id"], label=common.BTN_RESUME)
    again = await pg.sandbox.wait_message("您刚才说：「楼道的灯坏了好几天了」", chat_id=me)
    pg.press(WHO, PRIVATE, again["message_id"], label="3号楼")
    await pg.sandbox.wait_message("报事编号 #1", chat_id=me)
    await pg.settle()
    assert [t.text for t in tickets(pg)] == ["楼道的灯坏了好几天了"]


async def test_bind_pins_a_welcome_whose_button_opens_the_private_chat(pg: Playground) -> None:
    await staff_and_building(pg)
    group_id = pg.chat_id(GROUP, WHO)
    welcome = await pg.sandbox.wait_message("已绑定到 3号楼", chat_id=group_id)
    [button] = [b for row in welcome["reply_markup"]["inline_keyboard"] for b in row]
    assert button["url"] == "https://t.me/linli_bot?start=report"
    await pg.sandbox.wait_calls("pinChatMessage", chat_id=group_id, message_id=welcome["message_id"], ok=True)
    # The link opens the private chat on 报事.
    pg.say(WHO, PRIVATE, "/start report")
    await pg.sandbox.wait_message(report_texts.REPORT_ASK_TEXT, chat_id=pg.actor(WHO).id)
