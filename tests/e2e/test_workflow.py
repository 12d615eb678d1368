"""The closed loop end to end on both adapters: rating and reopening, rejection, anonymity, escalation."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.playground import STAFF_GROUP, Playground
from handlers import texts
from handlers.tickets import texts as ticket_texts
from nlp import load_default_classifier
from tests.e2e.conftest import Clock
from tests.e2e.test_foundation import GROUP, report, resolve, staff_and_building, tickets


async def test_full_loop_with_rating_and_reopening(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", "私聊", "/start")
    pg.say("张阿姨", "私聊", texts.BTN_PRIVATE_NOTICES)  # news of her group reports comes privately too
    await pg.settle()
    message, card = await report(pg)
    pg.press("王师傅", "物业工作群", card["message_id"], label=ticket_texts.BTN_ACCEPT)
    await pg.sandbox.wait_message("已受理", chat_id=message["chat"]["id"])
    await resolve(pg, card, note="换了控制板")
    rating = await pg.sandbox.wait_message("已解决", chat_id=pg.actor("张阿姨").id)
    assert "换了控制板" in rating["text"]
    pg.press("张阿姨", "私聊", rating["message_id"], label=ticket_texts.BTN_RATE_BAD)
    await pg.sandbox.wait_message(ticket_texts.RATE_WHY.format(number=1))
    rated = pg.sandbox.get_message(pg.actor("张阿姨").id, rating["message_id"])
    assert "inline_keyboard" not in (rated.get("reply_markup") or {})  # the buttons went with the rating
    pg.say("张阿姨", "私聊", "第二天又坏了")
    reopened = await pg.sandbox.wait_message("居民不满意", chat_id=STAFF_GROUP.id)
    assert "第二天又坏了" in reopened["text"]
    await pg.sandbox.wait_for(
        lambda: "状态：已受理" in pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])["text"]
    )
    # The second time it holds, and she is satisfied.
    await resolve(pg, card, note="更换了整套控制柜")
    await pg.sandbox.wait_for(
        lambda: len(pg.sandbox.find_messages("更换了整套控制柜", chat_id=pg.actor("张阿姨").id)) == 1
    )
    second = pg.sandbox.find_messages("更换了整套控制柜", chat_id=pg.actor("张阿姨").id)[0]
    pg.press("张阿姨", "私聊", second["message_id"], label=ticket_texts.BTN_RATE_GOOD)
    await pg.sandbox.wait_message(ticket_texts.RATE_THANKS)
    await pg.settle()
    assert tickets(pg)[0].status == "rated" and tickets(pg)[0].rating == "satisfied"


async def test_reject_with_a_reason(pg: Playground) -> None:
    await staff_and_building(pg)
    message, card = await report(pg, "报事 我家卫生间的水龙头坏了")
    pg.press("王师傅", "物业工作群", card["message_id"], label=ticket_texts.BTN_REJECT)
    await pg.sandbox.wait_message("驳回 #1 的理由")
    pg.say("王师傅", "物业工作群", "户内设施请联系维修师傅上门，物业不负责")
    notice = await pg.sandbox.wait_message("未能受理", chat_id=message["chat"]["id"])
    assert "户内设施" in notice["text"] and notice["reply_to_message"]["message_id"] == message["message_id"]
    await pg.sandbox.wait_for(
        lambda: "已驳回" in pg.sandbox.get_message(STAFF_GROUP.id, card["message_id"])["text"]
    )


async def test_anonymous_report_shows_no_name(pg: Playground) -> None:
    await staff_and_building(pg)
    pg.say("张阿姨", GROUP, "报事 匿名 楼上每天半夜装修吵得睡不着")
    card = await pg.sandbox.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
    assert "报事人：匿名" in card["text"] and "张阿姨" not in card["text"]
    pg.say("王师傅", "物业工作群", "/accept 1")
    await pg.sandbox.wait_message("已受理", chat_id=pg.chat_id(GROUP, "张阿姨"))
    await pg.settle()
    for chat in (STAFF_GROUP.id, pg.chat_id(GROUP, "张阿姨")):
        assert all("张阿姨" not in (m.get("text") or "") for m in pg.sandbox.find_messages(chat_id=chat))


async def test_non_staff_cannot_work_tickets(pg: Playground) -> None:
    await staff_and_building(pg)
    _, card = await report(pg)
    for label in (
        ticket_texts.BTN_ACCEPT,
        ticket_texts.BTN_REJECT,
        ticket_texts.BTN_ASSIGN,
        ticket_texts.BTN_RESOLVE,
    ):
        pg.press("刘大爷", "物业工作群", card["message_id"], label=label)
    toasts = await pg.sandbox.wait_calls("answerCallbackQuery", n=4)
    assert {t.params["text"] for t in toasts} == {texts.DENY_STAFF_ONLY}
    pg.say("刘大爷", "物业工作群", "/accept 1")
    await pg.sandbox.wait_message(texts.DENY_STAFF_ONLY)
    await pg.settle()
    assert tickets(pg)[0].status == "received"


async def test_escalation_with_a_controllable_clock(pg: Playground, clock: Clock) -> None:
    await staff_and_building(pg)
    pg.say("李主任", "私聊", "/start")
    await pg.settle()
    await report(pg)
    accept, _ = load_default_classifier().taxonomy.sla_for(tickets(pg)[0].category, urgent=False)
    assert pg.runtime is not None
    clock.advance(accept + timedelta(minutes=1))
    await pg.runtime.tick()
    alert = await pg.sandbox.wait_message("⏰ 超时 #1", chat_id=STAFF_GROUP.id)
    assert "未受理" in alert["text"]
    await pg.runtime.tick()
    clock.advance(accept)
    await pg.runtime.tick()
    await pg.sandbox.wait_message("督办", chat_id=pg.actor("李主任").id)
    await pg.runtime.tick()
    await pg.settle()
    assert len(pg.sandbox.find_messages("⏰ 超时 #1")) == 1
    assert len(pg.sandbox.find_messages("督办")) == 1


async def test_two_bot_processes_raise_no_double_escalation(pg: Playground, clock: Clock) -> None:
    """A second bot on the same database (PostgreSQL in make test-postgres): each alert goes out once."""
    await staff_and_building(pg)
    for text in ("报事 3号楼电梯坏了", "报事 楼道灯不亮", "报事 单元门门禁坏了"):
        pg.say("张阿姨", GROUP, text)
        await pg.sandbox.wait_message("已收到", chat_id=pg.chat_id(GROUP, "张阿姨"))
        await pg.settle()
    accept = max(load_default_classifier().taxonomy.sla_for(t.category, urgent=False)[0] for t in tickets(pg))
    clock.advance(accept + timedelta(minutes=1))
    assert pg.runtime is not None
    second = pg.new_runtime()
    second.sender.wake.set()
    await second.start()
    try:
        for _ in range(5):
            await asyncio.gather(pg.runtime.tick(), second.tick())
        await pg.sandbox.wait_for(lambda: len(pg.sandbox.find_messages("⏰ 超时")) >= 3)
        await pg.settle()
        assert sorted(m["text"].split()[2] for m in pg.sandbox.find_messages("⏰ 超时")) == ["#1", "#2", "#3"]
    finally:
        await second.stop()
        second.engine.dispose()


async def test_export_and_weekly_chart_upload_through_the_adapter(pg: Playground, clock: Clock) -> None:
    await staff_and_building(pg)
    await report(pg)
    pg.say("王师傅", "物业工作群", "/export 7d")
    [document] = await pg.sandbox.wait_calls("sendDocument", chat_id=STAFF_GROUP.id)
    upload = document.params["document"]
    assert upload.filename.endswith(".xlsx") and upload.data.startswith(b"PK")  # a zip: the XLSX container
    assert "共 1 件" in document.params["caption"]

    # The weekly report: the clock moves to next Monday 09:01 in Shanghai; a bot with reports on ticks.
    local = clock().astimezone(ZoneInfo("Asia/Shanghai"))
    monday = datetime.combine((local + timedelta(days=7 - local.weekday())).date(), time(9, 1), local.tzinfo)
    clock.advance(monday - local)
    pg.weekly_report = "mon 09:00"
    reporter = pg.new_runtime()
    await reporter.start()
    try:
        [photo] = await pg.sandbox.wait_calls("sendPhoto", chat_id=STAFF_GROUP.id, timeout=20)
        assert photo.params["photo"].data.startswith(b"\x89PNG") and photo.params["caption"].startswith(
            "邻里周报"
        )
    finally:
        await reporter.stop()
        reporter.engine.dispose()
