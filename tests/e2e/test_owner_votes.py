"""An owners' vote (业主表决) end to end on both adapters: the roll pasted privately, the vote in the group,
owners' presses, a paper ballot entered by staff, and the result with every figure against its threshold."""

from __future__ import annotations

from bot.playground import Playground
from handlers.owners import texts
from tests.e2e.test_foundation import GROUP, staff_and_building

ROLL = "1,501,100,张阿姨,1003\n1,502,100,陈姐,1005\n1,503,100,刘先生"


async def toast_after(pg: Playground, query_id: str) -> str:
    [call] = await pg.sandbox.wait_calls("answerCallbackQuery", callback_query_id=query_id)
    assert call.ok, call.summary()
    return str(call.params.get("text") or "")


async def test_an_owners_vote_with_a_paper_ballot_and_the_three_quarters_rule(pg: Playground) -> None:
    await staff_and_building(pg)
    for owner in ("张阿姨", "陈姐"):
        pg.say(owner, "私聊", "/start")
        await pg.sandbox.wait_message("您好", chat_id=pg.actor(owner).id)
    staff = pg.actor("王师傅").id
    pg.say("王师傅", "私聊", "/roll 3号楼")
    await pg.sandbox.wait_message(texts.ROLL_ASK.format(building="3号楼")[:12], chat_id=staff)
    pg.say("王师傅", "私聊", ROLL)
    await pg.sandbox.wait_message("已导入 3号楼：新增 3 户", chat_id=staff)
    pg.say("王师傅", "私聊", texts.BTN_DONE)
    await pg.sandbox.wait_message("3号楼 的名单已保存：共 3 户，业主 3 人，总面积 300.00㎡", chat_id=staff)

    pg.say("王师傅", "私聊", "/owner_vote 3号楼 改建 加装电梯 | 是否同意在3号楼加装电梯？ | 7天")
    group = pg.chat_id(GROUP, "张阿姨")
    vote = await pg.sandbox.wait_message("🗳 业主表决 #1：加装电梯", chat_id=group)
    labels = [b["text"] for row in vote["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [texts.BTN_YES, texts.BTN_NO, texts.BTN_ABSTAIN]
    assert texts.VOTE_RULE_SPECIAL in vote["text"]

    # Owners press in the group; someone who owns nothing there is told why.
    said = await toast_after(pg, pg.press("张阿姨", GROUP, vote["message_id"], label=texts.BTN_YES))
    assert said == texts.VOTED_ONE.format(choice="同意", label="1-501", area="100.00")
    said = await toast_after(pg, pg.press("陈姐", GROUP, vote["message_id"], label=texts.BTN_NO))
    assert said == texts.VOTED_ONE.format(choice="反对", label="1-502", area="100.00")
    pg.say("刘大爷", GROUP, "大家好")
    said = await toast_after(pg, pg.press("刘大爷", GROUP, vote["message_id"], label=texts.BTN_YES))
    assert said == texts.NOT_OWNER

    # 刘先生 voted on paper: staff enter it, and who entered it and how is recorded.
    pg.say("王师傅", "私聊", "/paper 1 1-503 同意 纸质")
    await pg.sandbox.wait_message(
        texts.PAPER_DONE.format(number=1, label="1-503", owner="刘先生", choice="同意", method="纸质"),
        chat_id=staff,
    )

    # Everyone took part; 2 of 3 agreeing is two thirds, short of the three quarters 加装电梯 needs.
    pg.say("王师傅", "私聊", "/end_owner_vote 1")
    result = await pg.sandbox.wait_message("📋 业主表决 #1 结果：加装电梯", chat_id=group)
    lines = result["text"].splitlines()
    assert "面积：300.00㎡ / 300.00㎡（100.00%），至少要 200.00㎡ ✅ 达到" in lines
    assert "人数：3 人 / 3 人（100.00%），至少要 2 人 ✅ 达到" in lines
    assert "面积：200.00㎡ / 300.00㎡（66.67%），至少要 225.00㎡ ❌ 没达到" in lines
    assert texts.VERDICT_FAILED in lines
    assert any(line.startswith("校验码：") for line in lines)
    await pg.settle()
    ended = pg.sandbox.get_message(group, vote["message_id"])
    assert "reply_markup" not in ended or not ended["reply_markup"].get("inline_keyboard")
