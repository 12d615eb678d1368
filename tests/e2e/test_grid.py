"""找人帮忙 end to end on both adapters: staff set 3号楼's grid worker, an elderly resident who only presses
buttons asks to be called back and shares her phone through Telegram's request-contact button, staff see
the request and the phone in the staff chat (and never a group), press 已联系, and she is told."""

from __future__ import annotations

from typing import Any

from bot.playground import PRIVATE, STAFF_GROUP, Playground
from handlers import texts as common
from handlers.grid import texts
from tests.e2e.test_foundation import GROUP, staff_and_building

PHONE = "8613800138000"


def keyboard_labels(markup: dict[str, Any]) -> list[str]:
    return [b if isinstance(b, str) else b["text"] for row in markup.get("keyboard", []) for b in row]


async def test_an_elderly_resident_asks_for_a_call_back_and_shares_her_phone(pg: Playground) -> None:
    await staff_and_building(pg)
    zhang, chen = pg.actor("张阿姨").id, pg.actor("陈姐").id
    pg.say("陈姐", PRIVATE, "/start")
    hello = pg.say("陈姐", GROUP, "我是网格员陈姐")
    await pg.settle()
    pg.say("王师傅", GROUP, "/grid 3号楼", reply_to=hello["message_id"])
    await pg.sandbox.wait_message(texts.GRID_SET.format(name="陈姐", building="3号楼"))
    await pg.sandbox.wait_message(texts.GRID_TOLD_WORKER.format(building="3号楼"), chat_id=chen)

    # From here on 张阿姨 only presses buttons.
    pg.say("张阿姨", PRIVATE, "/start")
    await pg.settle()
    mark = len(pg.sandbox.calls)
    pg.say("张阿姨", PRIVATE, common.BTN_ELDER)
    menu, *_ = await pg.sandbox.wait_calls(
        "sendMessage",
        since=mark,
        ok=True,
        chat_id=zhang,
        reply_markup=lambda m: isinstance(m, dict) and "keyboard" in m,
    )
    assert common.BTN_ELDER_GRID in keyboard_labels(menu.params["reply_markup"])

    pg.say("张阿姨", PRIVATE, common.BTN_ELDER_GRID)
    question = await pg.sandbox.wait_message(texts.ASK_BUILDING, chat_id=zhang)
    pg.press("张阿姨", PRIVATE, question["message_id"], label="3号楼")
    offer = await pg.sandbox.wait_message(texts.WORKER_IS.format(name="陈姐"), chat_id=zhang)
    assert offer["message_id"] == question["message_id"]  # the question became the offer
    pg.press("张阿姨", PRIVATE, offer["message_id"], label=texts.BTN_CALL_ME)
    told = await pg.sandbox.wait_message(texts.WILL_CALL.format(name="陈姐"), chat_id=zhang)
    card = await pg.sandbox.wait_message("张阿姨 请网格员联系", chat_id=STAFF_GROUP.id)
    assert "3号楼" in card["text"] and PHONE not in card["text"]
    await pg.sandbox.wait_message("张阿姨 请网格员联系", chat_id=chen)

    mark = len(pg.sandbox.calls)
    pg.press("张阿姨", PRIVATE, told["message_id"], label=texts.BTN_SHARE_PHONE)
    [ask] = await pg.sandbox.wait_calls(
        "sendMessage", since=mark, ok=True, chat_id=zhang, text=lambda t: texts.ASK_CONTACT in t
    )
    rows = ask.params["reply_markup"]["keyboard"]
    assert rows[0][0] == {"text": texts.BTN_SEND_PHONE, "request_contact": True}
    assert keyboard_labels(ask.params["reply_markup"])[1] == texts.BTN_NO_THANKS

    pg.share_contact("张阿姨", PHONE)
    await pg.sandbox.wait_message(texts.PHONE_SHARED, chat_id=zhang)
    phone_card = await pg.sandbox.wait_message(PHONE, chat_id=STAFF_GROUP.id)
    assert "张阿姨" in phone_card["text"]
    await pg.sandbox.wait_message(PHONE, chat_id=chen)

    pg.press("王师傅", STAFF_GROUP.title, card["message_id"], label=texts.BTN_CALLED)
    await pg.sandbox.wait_message(texts.DONE_BY_STAFF, chat_id=zhang)
    await pg.settle()
    done = pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])
    assert done["text"].startswith("✅") and "王师傅 已联系" in done["text"]
    assert "reply_markup" not in done
    # Once done, the phone is gone from the staff chat's copy too.
    assert PHONE not in pg.sandbox.get_message(STAFF_GROUP.id, phone_card["message_id"])["text"]
    group = pg.chat_id(GROUP, "张阿姨")
    assert [m for m in pg.sandbox.messages(group) if PHONE in str(m.get("text", ""))] == []
