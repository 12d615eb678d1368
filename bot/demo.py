"""`linli demo`: a scripted conversation through the real bot, printed as a transcript."""

from __future__ import annotations

import importlib.metadata
import sys

from bot.config import load_settings
from bot.playground import STAFF_GROUP, Playground
from handlers import texts
from handlers.people import texts as people_texts
from handlers.points import texts as points_texts
from handlers.reports import texts as report_texts
from handlers.tickets import texts as ticket_texts

BUILDING_GROUP = "3号楼业主群"


async def run_demo(*, framework: str | None = None) -> int:
    framework = framework or load_settings().framework
    library = "python-telegram-bot" if framework == "ptb" else "aiogram"
    version = importlib.metadata.version(library)
    async with Playground(framework=framework) as pg:
        sb = pg.sandbox
        print(
            f"邻里 demo — {library} {version} ↔ local Bot API sandbox {sb.url}, database {pg.database_url}\n"
        )
        try:
            # Staff set up: the admin makes 王师傅 staff, 王师傅 binds the building group.
            hello = pg.say("王师傅", "物业工作群", "大家好，我是维修班王师傅")
            await pg.settle()
            pg.say("李主任", "物业工作群", "/staff", reply_to=hello["message_id"])
            await sb.wait_message("设为工作人员")
            pg.say("王师傅", BUILDING_GROUP, "/bind 3号楼")
            await sb.wait_message("已绑定")
            # A resident opens the bot and turns on 私聊提醒: news of her group reports comes privately too.
            pg.say("张阿姨", "私聊", "/start")
            await sb.wait_message("您好", chat_id=pg.actor("张阿姨").id)
            pg.say("张阿姨", "私聊", texts.BTN_PRIVATE_NOTICES)
            await sb.wait_message("已开启私聊提醒", chat_id=pg.actor("张阿姨").id)
            # The report, the receipt, and the card in the staff chat.
            pg.say("张阿姨", BUILDING_GROUP, "报事 3号楼电梯又坏了，老人下不了楼")
            await sb.wait_message("已收到", chat_id=pg.chat_id(BUILDING_GROUP, "张阿姨"))
            card = await sb.wait_message("报事 #1", chat_id=STAFF_GROUP.id)
            # Staff accept it (she hears who handles it), then resolve it with a note.
            pg.press("王师傅", "物业工作群", card["message_id"], label=ticket_texts.BTN_ACCEPT)
            await sb.wait_message("已受理", chat_id=pg.actor("张阿姨").id)
            await pg.settle()
            pg.press("王师傅", "物业工作群", card["message_id"], label=ticket_texts.BTN_RESOLVE)
            await sb.wait_message("处理说明", chat_id=STAFF_GROUP.id)
            pg.say("王师傅", "物业工作群", "换了控制板，电梯已恢复运行")
            await sb.wait_message("#1 已解决", chat_id=pg.chat_id(BUILDING_GROUP, "张阿姨"))
            rating = await sb.wait_message("已解决", chat_id=pg.actor("张阿姨").id)
            await pg.settle()
            # She rates it: the loop is closed.
            pg.press("张阿姨", "私聊", rating["message_id"], label=ticket_texts.BTN_RATE_GOOD)
            await sb.wait_message(ticket_texts.RATE_THANKS, chat_id=pg.actor("张阿姨").id)
            await pg.settle()
            # The report earned her points when staff took it on (not when she sent it): she asks.
            pg.say("张阿姨", "私聊", texts.BTN_POINTS)
            points = await sb.wait_message("您现在有 5 分", chat_id=pg.actor("张阿姨").id)
            pg.press("张阿姨", "私聊", points["message_id"], label=points_texts.BTN_DETAILS)
            await sb.wait_message(points_texts.DETAILS_TITLE, chat_id=pg.actor("张阿姨").id)
            await pg.settle()
            # 刘大爷 opens the bot, turns on 长辈模式 and reports by voice: buttons only, no commands.
            pg.say("刘大爷", "私聊", "/start")
            offer = await sb.wait_message(people_texts.ELDER_OFFER, chat_id=pg.actor("刘大爷").id)
            pg.press("刘大爷", "私聊", offer["message_id"], label=people_texts.BTN_ELDER_ON)
            await sb.wait_message("已打开长辈模式", chat_id=pg.actor("刘大爷").id)
            pg.say("刘大爷", "私聊", texts.BTN_ELDER_REPORT)
            await sb.wait_message(report_texts.REPORT_ASK_TEXT, chat_id=pg.actor("刘大爷").id)
            pg.voice("刘大爷", "私聊")
            where = await sb.wait_message(report_texts.REPORT_ASK_BUILDING, chat_id=pg.actor("刘大爷").id)
            pg.press("刘大爷", "私聊", where["message_id"], label="3号楼")
            voiced = await sb.wait_message("已收到您的语音 ✅", chat_id=pg.actor("刘大爷").id)
            pg.press("刘大爷", "私聊", voiced["message_id"], label=report_texts.BTN_LEAVE_TO_STAFF)
            await sb.wait_message("工作人员会听一听再分类", chat_id=pg.actor("刘大爷").id)
            await pg.settle()
        except TimeoutError as exc:
            print(sb.render_transcript())
            print(f"\ndemo failed: {exc}", file=sys.stderr)
            return 1
        print(sb.render_transcript())
        print(
            "\n✔ 演示完成：报事 → 已收到 #1 → 物业工作群 → 受理 → 已解决 → 通知居民 → 满意 → 积分 +5；"
            "长辈模式：语音报事 #2"
        )
    return 0
