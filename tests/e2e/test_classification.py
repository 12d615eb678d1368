"""Categories, unsure reports, urgency, re-sorting and duplicates, on both adapters."""

from __future__ import annotations

from datetime import timedelta

from bot.playground import STAFF_GROUP, Playground
from handlers.reports import texts as report_texts
from handlers.tickets import texts as ticket_texts
from tests.e2e.conftest import Clock
from tests.e2e.test_foundation import GROUP, resolve, staff_and_building, tickets


async def test_confident_report_names_the_category(pg: Playground) -> None:
    await staff_and_building(pg)
    message = pg.say("张阿姨", GROUP, "报事 楼下广场舞音响太大声了，晚上十点还在跳")
    receipt = await pg.sandbox.wait_message("已收到", chat_id=message["chat"]["id"])
    assert "分类：噪音扰民" in receipt["text"]
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert "噪音扰民（依据：" in card["text"]


async def test_unsure_report_asks_then_reaches_staff(pg: Playground) -> None:
    await staff_and_building(pg)
    message = pg.say("张阿姨", GROUP, "报事 又坏了！！！")
    question = await pg.sandbox.wait_message("哪一类问题", chat_id=message["chat"]["id"])
    await pg.settle()
    assert not pg.sandbox.find_messages("报事 #1", chat_id=STAFF_GROUP.id)
    pg.press("刘大爷", GROUP, question["message_id"], label="其他")
    [refused] = await pg.sandbox.wait_calls("answerCallbackQuery")
    assert refused.params["text"] == report_texts.ONLY_REPORTER
    pg.press("张阿姨", GROUP, question["message_id"], label="其他")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert "其他（居民选择）" in card["text"]
    await pg.sandbox.wait_for(
        lambda: "分类：其他" in pg.sandbox.get_message(GROUP_ID(pg), question["message_id"])["text"]
    )


def GROUP_ID(pg: Playground) -> int:
    return pg.chat_id(GROUP, "张阿姨")


async def test_unanswered_question_reaches_staff_after_ten_minutes(pg: Playground, clock: Clock) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", GROUP, "报事 又坏了！！！")
    await pg.sandbox.wait_message("哪一类问题")
    clock.advance(timedelta(minutes=11))
    assert pg.runtime is not None
    await pg.runtime.tick()
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert "未分类" in card["text"]


async def test_urgent_report_is_pinned_in_the_staff_chat(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", GROUP, "报事 3单元楼道里着火了，好多烟！")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert card["text"].startswith("🚨 紧急：")
    [pin] = await pg.sandbox.wait_calls("pinChatMessage", chat_id=STAFF_GROUP.id)
    assert pin.params["message_id"] == card["message_id"]


async def test_staff_resort_with_buttons(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", GROUP, "报事 3号楼电梯坏了")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    pg.press("王师傅", "物业工作群", card["message_id"], label=ticket_texts.BTN_RECLASSIFY)
    await pg.sandbox.wait_for(
        lambda: (
            "安全隐患" in str(pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"]).get("reply_markup"))
        )
    )
    pg.press("王师傅", "物业工作群", card["message_id"], label="安全隐患")
    await pg.sandbox.wait_for(
        lambda: "工作人员改分类" in pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])["text"]
    )
    assert tickets(pg)[0].category == "safety"


async def test_duplicate_join_shares_the_resolution(pg: Playground) -> None:
    await staff_and_building(pg)
    first = pg.say("张阿姨", GROUP, "报事 3号楼电梯又坏了，按了没反应")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    second = pg.say("陈姐", GROUP, "报事 3号楼的电梯又坏了按钮没反应")
    question = await pg.sandbox.wait_message("邻居已经报过 #1", chat_id=second["chat"]["id"])
    pg.press("陈姐", GROUP, question["message_id"], label=report_texts.BTN_JOIN)
    await pg.sandbox.wait_message(report_texts.JOINED.format(number=1))
    await resolve(pg, card)
    await pg.sandbox.wait_for(lambda: len(pg.sandbox.find_messages("#1 已解决")) == 2)
    replied_to = {m["reply_to_message"]["message_id"] for m in pg.sandbox.find_messages("#1 已解决")}
    assert replied_to == {first["message_id"], second["message_id"]}
    assert len(tickets(pg)) == 2 and tickets(pg)[1].status == "merged"
