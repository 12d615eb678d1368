"""The report loop as residents met it, end to end on both adapters against the sandbox."""

from __future__ import annotations

from bot.playground import STAFF_GROUP, Playground
from handlers import texts
from handlers.people import texts as people_texts
from handlers.reports import texts as report_texts
from handlers.tickets import texts as ticket_texts
from tests.e2e.test_foundation import GROUP, staff_and_building, tickets


def _labels(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def test_a_problem_typed_privately_is_filed_with_a_withdraw_button(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", GROUP, "大家好")
    pg.say("张阿姨", "私聊", "我家厨房水管漏水了")
    question = await pg.sandbox.wait_message(report_texts.REPORT_ASK_BUILDING, chat_id=pg.actor("张阿姨").id)
    assert _labels(question)[0] == "3号楼"
    pg.press("张阿姨", "私聊", question["message_id"], label="3号楼")
    receipt = await pg.sandbox.wait_message("已收到", chat_id=pg.actor("张阿姨").id)
    assert report_texts.BTN_WITHDRAW in _labels(receipt)
    await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    pg.press("张阿姨", "私聊", receipt["message_id"], label=report_texts.BTN_WITHDRAW)
    await pg.sandbox.wait_message(report_texts.WITHDRAWN.format(number=1), chat_id=pg.actor("张阿姨").id)
    await pg.settle()
    assert tickets(pg)[0].status == "withdrawn"
    # A greeting is not a report: it gets the menu.
    pg.say("张阿姨", "私聊", "你好")
    await pg.sandbox.wait_message(people_texts.HELP_RESIDENT[:12], chat_id=pg.actor("张阿姨").id)
    await pg.settle()
    assert len(tickets(pg)) == 1


async def test_no_content_no_ticket(pg: Playground) -> None:
    await staff_and_building(pg)
    for text in ("报事 。。。", "报事 👍👍", "报事 匿名"):
        pg.say("张阿姨", GROUP, text)
    await pg.sandbox.wait_for(
        lambda: (
            len(pg.sandbox.find_messages(report_texts.REPORT_EMPTY, chat_id=pg.chat_id(GROUP, "张阿姨"))) == 3
        )
    )
    await pg.settle()
    assert tickets(pg) == []


async def test_an_urgent_report_asks_nothing(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", GROUP, "报事 有人被困在电梯里了")
    reply = await pg.sandbox.wait_message("已收到 🚨", chat_id=pg.chat_id(GROUP, "张阿姨"))
    assert "火警 119、急救 120、报警 110" in reply["text"]
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert card["text"].splitlines()[0] == "🚨 紧急：有人被困"


async def test_a_report_naming_another_building_is_filed_there(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("王师傅", "5号楼业主群", "/bind 5号楼")
    await pg.sandbox.wait_message("已绑定到 5号楼")
    pg.say("张阿姨", GROUP, "报事 5号楼门口有人乱停车")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert card["text"].splitlines()[0].endswith("5号楼")


async def test_reported_in_the_group_told_in_the_group_unless_private_notices(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", "私聊", "/start")
    await pg.settle()
    pg.say("张阿姨", GROUP, "报事 3号楼电梯又坏了")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    pg.press("王师傅", "物业工作群", card["message_id"], label=ticket_texts.BTN_ACCEPT)
    await pg.sandbox.wait_message("已受理", chat_id=pg.chat_id(GROUP, "张阿姨"))
    await pg.settle()
    assert pg.sandbox.find_messages("已受理", chat_id=pg.actor("张阿姨").id) == []
    pg.say("张阿姨", "私聊", texts.BTN_PRIVATE_NOTICES)
    await pg.sandbox.wait_message("已开启私聊提醒", chat_id=pg.actor("张阿姨").id)
    pg.say("王师傅", "物业工作群", "/resolve 1 换了按钮")
    private_copy = await pg.sandbox.wait_message("已解决", chat_id=pg.actor("张阿姨").id)
    assert ticket_texts.BTN_RATE_GOOD in _labels(private_copy)


async def test_anonymous_in_a_group_is_deleted_where_the_bot_may(pg: Playground) -> None:
    await staff_and_building(pg)
    group_id = pg.chat_id(GROUP, "张阿姨")
    pg.sandbox.set_bot_admin(group_id, False)
    pg.sandbox.set_bot_admin(group_id, True)  # promoted: the bot now knows it may delete
    await pg.settle()
    message = pg.say("张阿姨", GROUP, "报事 匿名 楼上天天半夜装修")
    receipt = await pg.sandbox.wait_message(report_texts.ANONYMOUS_DELETED, chat_id=group_id)
    assert "reply_to_message" not in receipt
    button = receipt["reply_markup"]["inline_keyboard"][-1][0]
    assert button["url"].endswith("?start=report")
    await pg.sandbox.wait_calls("deleteMessage", chat_id=group_id, message_id=message["message_id"])
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert "报事人：匿名" in card["text"] and "张阿姨" not in card["text"]


async def test_anonymous_in_a_group_without_the_delete_right(pg: Playground) -> None:
    await staff_and_building(pg)
    group_id = pg.chat_id(GROUP, "张阿姨")
    pg.say("张阿姨", GROUP, "报事 匿名 楼上天天半夜装修")
    receipt = await pg.sandbox.wait_message(report_texts.ANONYMOUS_NOT_DELETED, chat_id=group_id)
    assert "reply_to_message" not in receipt
    await pg.settle()
    assert pg.sandbox.calls_of("deleteMessage") == []
