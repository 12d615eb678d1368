"""Plain words for residents: every message a resident sees, through the real core, in short plain sentences.

Each flow below is what a resident (not staff) goes through. Everything the resident can see is collected:
messages sent or edited in the residents' private chats and in the building groups (texts and captions),
the toasts of their own presses, and every button label on those messages. Then each is checked: no line
over 80 characters, no internal ids, no English words, no keyword evidence from the classifier.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from handlers import texts as common
from handlers.actions import Action, AnswerButton, EditMessage, InlineKeyboard, ReplyKeyboard, SendMessage
from handlers.callbacks import decode
from handlers.events import ChatRef, IncomingMessage, Person, SharedContact
from handlers.feature import Audience
from handlers.notices.buttons import Acknowledge, ConfirmNotice, RemindAcks
from handlers.owners import texts as owner_texts
from handlers.owners.buttons import OwnerChoice
from handlers.points.buttons import (
    ApproveRedemption,
    ConfirmReward,
    Details,
    RejectRedemption,
    RewardMenu,
    ToggleRankName,
)
from handlers.polls.buttons import RemindVoters, Vote
from handlers.router import command_menu
from handlers.tickets.buttons import Accept, ChangeCategory, History, Progress, Rate, Reject
from nlp import load_default_classifier
from storage.models import OwnerVote, Redemption
from tests.support import ADMIN, GROUP_3, GROUP_5, STAFF, STAFF_CHAT, Harness, buttons_of, private

# Distinctive ids: a resident's Telegram id anywhere in what residents see is a leaked database id.
RESIDENT = Person(730001, "张阿姨")
NEIGHBOUR = Person(730002, "刘大爷")
OUTSIDER = Person(730005, "孙先生")  # lives in building 5
LEADER = Person(730009, "赵楼长")  # a leader is a resident too, but launches polls: not watched
RESIDENTS = (RESIDENT, NEIGHBOUR, OUTSIDER)
WATCHED_CHATS = frozenset({GROUP_3.id, GROUP_5.id, *(p.id for p in RESIDENTS)})

MAX_LINE = 80
CLASSIFIER = load_default_classifier()
CATEGORY_IDS = frozenset(CLASSIFIER.taxonomy.ids)

# What may carry ASCII letters: URLs, the bot's @username and slash commands (with the bot's name).
ALLOWED_ASCII = re.compile(r"https?://\S+|@linli_bot\b|/[a-z_]+(?:@linli_bot)?")
ENGLISH = re.compile(r"[A-Za-z]{2,}")
PYTHON_REPRS = re.compile(r"\b(?:None|True|False|null|nan)\b")
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|[{}]")
# Database ids shown other than as the ticket's number #12 / 编号: record numbers, user ids.
DATABASE_IDS = re.compile(r"记录号|记录\s*\d|用户\s*\d|\bID\b|\bid\b")
# Jargon the issue names, and what the texts said before they were made plain.
JARGON = ("协商民主", "积分制", "审批", "冻结", "校验链")
EVIDENCE_WORDS = ("关键词", "匹配", "置信度", "可信度", "命中", "依据", "confidence", "score")
LIST_SEPARATOR = r"\s*[、，,/|；;]\s*"


@dataclass(frozen=True)
class Seen:
    where: str  # "message", "button", "toast"
    text: str


@dataclass
class Watch:
    """The harness with eyes: records what residents see from every say, press, delivery and tick."""

    h: Harness
    engine: Engine
    seen: list[Seen] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)
    exempt_codes: list[str] = field(default_factory=list)  # codes the resident must read out: data

    def take(self, actions: list[Action], presser: Person | None = None) -> list[Action]:
        for action in actions:
            if isinstance(action, AnswerButton):
                if presser in RESIDENTS and action.text:
                    self.seen.append(Seen("toast", action.text))
            elif isinstance(action, SendMessage | EditMessage) and action.chat_id in WATCHED_CHATS:
                self.seen.append(Seen("message", action.text))
                keyboard = action.keyboard
                if isinstance(keyboard, InlineKeyboard):
                    self.seen.extend(Seen("button", b.text) for row in keyboard.rows for b in row)
                elif isinstance(keyboard, ReplyKeyboard):
                    self.seen.extend(Seen("button", label) for row in keyboard.rows for label in row)
        return actions

    def say(self, chat: ChatRef, who: Person, text: str = "", **kw) -> list[Action]:
        if who in RESIDENTS and text:
            self.typed.append(text)
        return self.take(self.h.say(chat, who, text, **kw), who)

    def press(self, chat: ChatRef, who: Person, data: str, **kw) -> list[Action]:
        return self.take(self.h.press(chat, who, data, **kw), who)

    async def out(self) -> list[Action]:
        return self.take(await self.h.deliveries())

    async def tick(self) -> list[Action]:
        self.h.core.tick()
        return await self.out()


def data_of(actions: list[Action], prefix: str) -> list[str]:
    """The callback data of every button on these actions whose data starts with `prefix` (e.g. "1:rb:")."""
    return [data for a in actions for _, data in buttons_of(a) if data and data.startswith(prefix)]


def label_data(actions: list[Action]) -> dict[str, str]:
    return {label: data for a in actions for label, data in buttons_of(a) if data}


async def answer_the_building(w: Watch, who: Person, actions: list[Action]) -> list[Action]:
    """A private report may ask which building: answer with the first one offered."""
    choices = [d for d in data_of(actions, "1:rb:") if not d.endswith(":0")]
    if choices:
        actions = w.press(private(who), who, choices[0])
    return actions


def staff_moves(w: Watch, number: int) -> None:
    w.press(STAFF_CHAT, STAFF, Accept(number).encode())
    w.press(STAFF_CHAT, STAFF, Progress(number).encode())


# --- the flows


async def flow_start_and_help(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(RESIDENT), RESIDENT, "/help")
    w.say(private(RESIDENT), RESIDENT, common.BTN_HELP)
    w.say(private(RESIDENT), RESIDENT, "你好")
    w.say(private(RESIDENT), RESIDENT, common.BTN_PRIVATE_NOTICES)
    w.say(private(RESIDENT), RESIDENT, common.BTN_PRIVATE_NOTICES)
    w.say(GROUP_3, RESIDENT, "/help")
    await w.out()


async def flow_group_report(w: Watch) -> None:
    w.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了，按了没反应")
    await w.out()
    [_, choices] = w.press(GROUP_3, RESIDENT, ChangeCategory(1).encode())
    w.press(GROUP_3, RESIDENT, data_of([choices], "1:sc:")[0])
    w.say(GROUP_3, RESIDENT, "报事")  # no content
    w.say(GROUP_3, RESIDENT, "@linli_bot 楼道灯不亮了")
    w.say(GROUP_3, RESIDENT, "报事 匿名 楼上天天半夜装修")
    await w.out()


async def flow_private_report(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(RESIDENT), RESIDENT, common.BTN_REPORT)
    await answer_the_building(w, RESIDENT, w.say(private(RESIDENT), RESIDENT, "我家厨房水管漏水了"))
    w.say(private(RESIDENT), RESIDENT, "报事 楼道灯坏了")
    w.say(private(RESIDENT), RESIDENT, common.BTN_REPORT)
    w.say(private(RESIDENT), RESIDENT, "😀😀")
    await w.out()


async def flow_photo_alone(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(RESIDENT), RESIDENT, common.BTN_REPORT)
    await answer_the_building(w, RESIDENT, w.say(private(RESIDENT), RESIDENT, photo="P1"))
    w.say(GROUP_3, RESIDENT, "报事", photo="P2")
    await w.out()


async def flow_voice_alone(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(RESIDENT), RESIDENT, common.BTN_REPORT)
    await answer_the_building(w, RESIDENT, w.say(private(RESIDENT), RESIDENT, voice="V1"))
    await w.out()


async def flow_urgent_report(w: Watch) -> None:
    [receipt] = w.say(GROUP_3, RESIDENT, "报事 有人被困在电梯里了")
    assert receipt.text.startswith("已收到 🚨")
    w.say(private(RESIDENT), RESIDENT, "/start")
    await answer_the_building(w, RESIDENT, w.say(private(RESIDENT), RESIDENT, "楼道里有很大的燃气味"))
    await w.out()


async def flow_unsure_report(w: Watch) -> None:
    [question] = w.say(GROUP_3, RESIDENT, "报事 又坏了！！！")
    categories = data_of([question], "1:sc:")
    assert len(categories) >= 2  # the category question was asked
    w.press(GROUP_3, RESIDENT, categories[0])
    await w.out()
    w.say(private(RESIDENT), RESIDENT, "/start")
    asked = await answer_the_building(w, RESIDENT, w.say(private(RESIDENT), RESIDENT, "报事 这个又不行了"))
    if data_of(asked, "1:sc:"):
        w.press(private(RESIDENT), RESIDENT, data_of(asked, "1:sc:")[-1])
    await w.out()


async def flow_duplicate(w: Watch) -> None:
    w.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    w.say(GROUP_3, RESIDENT, "报事 3号楼电梯又坏了，按了没反应")
    await w.out()
    [question] = w.say(GROUP_3, NEIGHBOUR, "报事 3号楼的电梯又坏了按钮没反应")
    [join] = data_of([question], "1:jt:")
    w.press(GROUP_3, RESIDENT, join)  # not hers to answer
    w.press(GROUP_3, NEIGHBOUR, join)
    w.press(GROUP_3, NEIGHBOUR, join)  # pressed twice
    w.say(GROUP_3, RESIDENT, "报事 3号楼楼道灯坏了，一直不亮")
    [again] = w.say(GROUP_3, NEIGHBOUR, "报事 3号楼楼道的灯坏了一直不亮")
    [different] = data_of([again], "1:nd:")
    w.press(GROUP_3, NEIGHBOUR, different)
    w.say(STAFF_CHAT, STAFF, "/resolve 1 换了按钮板")
    await w.out()
    w.say(GROUP_3, RESIDENT, "报事 3号楼5楼走廊垃圾没人收")
    w.say(GROUP_3, NEIGHBOUR, "报事 3号楼5楼走廊的垃圾没人收")
    w.h.advance(timedelta(minutes=11))  # the question goes unanswered
    await w.tick()


async def flow_two_problems(w: Watch) -> None:
    [receipt] = w.say(GROUP_3, RESIDENT, "报事 楼上装修太吵了，顺便说一下电梯里有人被困了")
    [second] = data_of([receipt], "1:fs:")
    w.press(GROUP_3, NEIGHBOUR, second)
    w.press(GROUP_3, RESIDENT, second)
    w.press(GROUP_3, RESIDENT, second)
    await w.out()


async def flow_my_tickets(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(RESIDENT), RESIDENT, common.BTN_MY_TICKETS)  # none yet
    w.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    w.say(GROUP_3, RESIDENT, "报事 3号楼门禁打不开")
    staff_moves(w, 1)
    w.press(STAFF_CHAT, STAFF, Reject(2).encode())
    w.say(STAFF_CHAT, STAFF, "不属于物业管理范围")
    w.say(private(RESIDENT), RESIDENT, "报事 楼道灯坏了")
    await w.out()
    listing = w.say(private(RESIDENT), RESIDENT, common.BTN_MY_TICKETS)
    w.say(private(RESIDENT), RESIDENT, "/mine")
    w.say(GROUP_3, RESIDENT, "/mine")
    for data in data_of(listing, "1:hi:"):
        w.press(private(RESIDENT), RESIDENT, data)
    w.press(private(RESIDENT), RESIDENT, History(1).encode())
    w.say(private(RESIDENT), RESIDENT, "/ticket 1")
    w.say(private(RESIDENT), RESIDENT, "/ticket 3")
    await w.out()


async def flow_told_and_rating_in_group(w: Watch) -> None:
    w.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    await w.out()
    staff_moves(w, 1)
    w.say(STAFF_CHAT, STAFF, "/resolve 1 换了主板")
    told = await w.out()
    rate = data_of(told, "1:rt:")
    assert rate, "the reporter is asked to rate"
    w.press(GROUP_3, NEIGHBOUR, Rate(1, "satisfied").encode())  # not the reporter
    w.press(GROUP_3, RESIDENT, Rate(1, "unsatisfied").encode())
    w.say(GROUP_3, RESIDENT, "还是坏的")
    await w.out()
    w.say(STAFF_CHAT, STAFF, "/resolve 1 又换了一块板")
    await w.out()
    w.press(GROUP_3, RESIDENT, Rate(1, "satisfied").encode())
    w.press(GROUP_3, RESIDENT, Rate(1, "satisfied").encode())
    w.say(GROUP_3, RESIDENT, "报事 3号楼楼道灯坏了")
    w.press(STAFF_CHAT, STAFF, Reject(2).encode())
    w.say(STAFF_CHAT, STAFF, "已经报过了")
    await w.out()


async def flow_told_and_rating_in_private(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    await answer_the_building(w, RESIDENT, w.say(private(RESIDENT), RESIDENT, "我家门口的楼道灯坏了"))
    await w.out()
    staff_moves(w, 1)
    w.say(STAFF_CHAT, STAFF, "/resolve 1 换了灯泡")
    told = await w.out()
    assert data_of(told, "1:rt:"), "the reporter is asked to rate"
    w.press(private(RESIDENT), RESIDENT, Rate(1, "neutral").encode())
    w.say(GROUP_3, NEIGHBOUR, "报事 3号楼电梯坏了")
    w.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    w.say(private(NEIGHBOUR), NEIGHBOUR, common.BTN_PRIVATE_NOTICES)
    w.say(STAFF_CHAT, STAFF, "/resolve 2")
    await w.out()
    w.press(private(NEIGHBOUR), NEIGHBOUR, Rate(2, "unsatisfied").encode())
    w.say(private(NEIGHBOUR), NEIGHBOUR, "电梯还是不动")
    await w.out()


async def flow_points(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(RESIDENT), RESIDENT, common.BTN_POINTS)  # nothing yet
    w.say(private(RESIDENT), RESIDENT, "/points 明细")
    w.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    w.press(STAFF_CHAT, STAFF, Accept(1).encode())
    w.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 2h 清理楼道")
    w.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 50 帮忙搬东西")
    w.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 6h 清理楼道")
    [done] = w.say(STAFF_CHAT, STAFF, f"/award {RESIDENT.id} 议事 参加三号楼议事会")
    entry = re.search(r"记录号 (\d+)", done.text).group(1)
    w.say(STAFF_CHAT, STAFF, f"/revoke {entry} 重复加分")
    await w.out()
    answer = w.say(private(RESIDENT), RESIDENT, common.BTN_POINTS)
    w.say(private(RESIDENT), RESIDENT, "/points")
    w.press(private(RESIDENT), RESIDENT, Details().encode())
    w.say(private(RESIDENT), RESIDENT, "/points 明细 11月")
    w.say(private(RESIDENT), RESIDENT, "/points 明细 十三月")
    w.say(GROUP_3, RESIDENT, "/points")
    w.say(GROUP_3, NEIGHBOUR, "/points@linli_bot")
    w.say(GROUP_3, RESIDENT, "/rank")
    w.say(private(RESIDENT), RESIDENT, "/rank")
    for data in data_of(answer, "1:pv"):
        w.press(private(RESIDENT), RESIDENT, data)
    w.press(private(RESIDENT), RESIDENT, ToggleRankName().encode())
    w.say(GROUP_3, NEIGHBOUR, "/rank")
    [_, menu] = w.press(private(RESIDENT), RESIDENT, RewardMenu().encode())
    picks = data_of([menu], "1:pp:")
    assert picks, "rewards are offered"
    [_, question] = w.press(private(RESIDENT), RESIDENT, picks[0])
    [confirm] = data_of([question], "1:pk:")
    w.press(private(RESIDENT), RESIDENT, data_of([question], "1:pn")[0])  # 取消
    w.press(private(RESIDENT), RESIDENT, confirm)
    w.press(private(RESIDENT), RESIDENT, confirm)  # a double press
    w.press(private(RESIDENT), RESIDENT, confirm, message_id=5000)  # not enough left
    await w.out()
    w.press(STAFF_CHAT, STAFF, ApproveRedemption(1).encode())
    with Session(w.engine) as session:
        w.exempt_codes.extend(r.code for r in session.exec(select(Redemption)) if r.code)
    await w.out()
    w.say(private(NEIGHBOUR), NEIGHBOUR, "/start points")
    w.say(STAFF_CHAT, STAFF, f"/award {NEIGHBOUR.id} 8h 清理楼道")
    w.say(STAFF_CHAT, STAFF, f"/award {NEIGHBOUR.id} 50 帮忙")
    w.press(private(NEIGHBOUR), NEIGHBOUR, RewardMenu().encode())
    w.press(private(NEIGHBOUR), NEIGHBOUR, ConfirmReward(decode(picks[0]).reward).encode())
    with Session(w.engine) as session:
        theirs = session.exec(select(Redemption).where(Redemption.user_id == NEIGHBOUR.id)).one()
    w.press(STAFF_CHAT, STAFF, RejectRedemption(theirs.id).encode())
    w.say(STAFF_CHAT, STAFF, "本月餐券已发完")
    await w.out()
    w.say(private(RESIDENT), RESIDENT, "/points 明细")
    w.say(private(NEIGHBOUR), NEIGHBOUR, "/points 明细")
    await w.out()


async def flow_polls(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    w.say(private(RESIDENT), RESIDENT, common.BTN_POLLS)  # none open
    w.say(GROUP_3, LEADER, "/poll 周六大扫除几点开始？ | 上午9点 | 下午2点 | 3天")
    await w.out()
    w.say(GROUP_3, RESIDENT, "/poll 我也想问 | 要 | 不要")  # a resident may not launch
    w.say(GROUP_3, LEADER, "/poll 问题 | 只有一个")
    for option in (0, 1, 1, 0):
        w.press(GROUP_3, RESIDENT, Vote(1, option).encode(), message_id=1000)
    w.press(GROUP_3, NEIGHBOUR, Vote(1, 0).encode(), message_id=1000)
    w.press(GROUP_5, OUTSIDER, Vote(1, 0).encode(), message_id=1000)  # not his building
    await w.out()
    w.h.advance(timedelta(seconds=11))
    await w.tick()
    shown = w.say(private(RESIDENT), RESIDENT, common.BTN_POLLS)
    assert data_of(shown, "1:vo:"), "the open poll is shown privately"
    w.press(private(RESIDENT), RESIDENT, Vote(1, 1).encode(), message_id=1001)
    w.say(GROUP_3, LEADER, "/poll 多选2 需要哪些活动？ | 义诊 | 理发 | 电影 | 2天")
    w.say(GROUP_3, LEADER, "/poll 匿名 要不要换物业？ | 要 | 不要 | 2天")
    await w.out()
    for option in (0, 2, 1, 0):
        w.press(GROUP_3, RESIDENT, Vote(2, option).encode(), message_id=1002)
    w.press(GROUP_3, RESIDENT, Vote(3, 0).encode(), message_id=1003)
    w.say(GROUP_3, RESIDENT, "/poll_votes 1")
    w.say(GROUP_3, RESIDENT, "/endpoll")
    await w.out()
    w.h.advance(timedelta(days=2, hours=1))
    await w.tick()  # the reminder a day before poll 1 closes; polls 2 and 3 close
    w.press(GROUP_3, NEIGHBOUR, Vote(1, 0).encode(), message_id=1000)  # withdrawn: he is reminded
    w.press(GROUP_3, RESIDENT, RemindVoters(1).encode())  # not hers to send
    w.press(GROUP_3, LEADER, RemindVoters(1).encode())
    await w.out()
    w.h.advance(timedelta(days=1))
    await w.tick()
    w.press(GROUP_3, RESIDENT, Vote(1, 0).encode(), message_id=1000)  # closed
    await w.out()


ROLL = "1\t501\t89.50\t张阿姨\n1\t502\t100.25\t刘大爷\n1\t503\t90\t刘大爷\n2\t601\t120.00\t陈先生"


async def flow_owner_votes(w: Watch) -> None:
    for person in (RESIDENT, NEIGHBOUR, OUTSIDER):
        w.say(private(person), person, "/start")
    w.say(private(STAFF), STAFF, "/roll 3号楼")
    w.say(private(STAFF), STAFF, ROLL)
    w.say(private(STAFF), STAFF, owner_texts.BTN_DONE)
    listing = "\n".join(m.text for m in w.h.say(private(STAFF), STAFF, "/roll_codes 3号楼"))
    code = dict(re.findall(r"· (\S+) \S+：(\d+)", listing))
    w.say(GROUP_3, RESIDENT, f"/claim {code['1-501']}")  # not in a group
    w.say(private(RESIDENT), RESIDENT, "/claim")
    w.say(private(RESIDENT), RESIDENT, "/claim 00000000")
    w.say(private(RESIDENT), RESIDENT, f"/claim {code['1-501']}")
    for label in ("1-502", "1-503"):
        w.say(private(NEIGHBOUR), NEIGHBOUR, f"/claim {code[label]}")
    w.say(private(OUTSIDER), OUTSIDER, f"/claim {code['1-501']}")  # used already
    await w.out()
    w.say(private(STAFF), STAFF, "/owner_vote 3号楼 加装电梯 | 是否同意在3号楼加装电梯？ | 7天")
    posted = await w.out()
    assert data_of(posted, "1:ow:"), "the vote is posted with its buttons"
    for who, choice, chat in (
        (OUTSIDER, "yes", GROUP_3),
        (RESIDENT, "yes", GROUP_3),
        (RESIDENT, "yes", GROUP_3),
        (NEIGHBOUR, "no", private(NEIGHBOUR)),
        (NEIGHBOUR, "yes", GROUP_3),
    ):
        w.press(chat, who, OwnerChoice(1, choice).encode(), message_id=1000)
    w.say(GROUP_3, RESIDENT, "/owner_status 1")
    w.say(private(RESIDENT), RESIDENT, "/owner_status 1")
    w.say(GROUP_3, RESIDENT, "/not_voted 1")
    w.say(private(STAFF), STAFF, "/paper 1 2-601 反对 纸质")
    await w.out()
    w.say(private(STAFF), STAFF, "/end_owner_vote 1")
    await w.out()
    with Session(w.engine) as session:
        w.exempt_codes.extend(v.final_hash for v in session.exec(select(OwnerVote)) if v.final_hash)
    w.press(GROUP_3, RESIDENT, OwnerChoice(1, "no").encode(), message_id=1000)  # closed
    await w.out()


async def flow_notices(w: Watch) -> None:
    w.say(private(RESIDENT), RESIDENT, "/start")
    w.say(private(NEIGHBOUR), NEIGHBOUR, "/start")
    w.say(private(RESIDENT), RESIDENT, "/notice 全部 | 停水")  # residents cannot send notices
    w.say(private(STAFF), STAFF, "/notice 全部 | 明天上午9点到12点停水，请提前储水。")
    w.press(private(STAFF), STAFF, ConfirmNotice().encode(), message_id=500)
    posted = await w.out()
    [ack] = data_of(posted, "1:ny:")[:1]
    w.press(GROUP_3, RESIDENT, ack)
    w.press(GROUP_3, RESIDENT, ack)
    w.press(private(STAFF), STAFF, RemindAcks(1).encode())
    reminded = await w.out()
    for data in data_of(reminded, "1:ny:"):
        w.press(private(NEIGHBOUR), NEIGHBOUR, data)
    w.press(GROUP_3, NEIGHBOUR, Acknowledge(1).encode())
    w.say(GROUP_3, RESIDENT, "/acks")
    w.say(private(RESIDENT), RESIDENT, common.BTN_NOTICES)
    await w.tick()


async def flow_elder_menu(w: Watch) -> None:
    """长辈模式 from the /start offer, its four buttons, a report left for the menu and taken up again."""
    [_, offer] = w.say(private(RESIDENT), RESIDENT, "/start")
    w.press(private(RESIDENT), RESIDENT, data_of([offer], "1:em:")[0])
    w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_HELP)
    w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_POINTS)
    w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_REPORT)
    w.say(private(RESIDENT), RESIDENT, "楼道的灯坏了好几天")
    w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_POINTS)
    [resume] = w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_REPORT)
    await answer_the_building(w, RESIDENT, w.press(private(RESIDENT), RESIDENT, data_of([resume], "1:fg")[0]))
    w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_REPORT)
    w.say(private(RESIDENT), RESIDENT, common.BTN_MAIN_MENU)
    w.press(private(RESIDENT), RESIDENT, data_of(w.say(private(RESIDENT), RESIDENT, "/help"), "1:em:")[0])
    await w.out()


async def flow_grid(w: Watch) -> None:
    """找人帮忙: the grid worker, 请网格员联系我, the phone shared by the contact button, told when done."""
    hello = w.h.say(GROUP_3, NEIGHBOUR, "我是网格员")
    assert hello == []
    w.h.say(GROUP_3, STAFF, "/grid 3号楼", reply_to=w.h.last_message_id, reply_to_sender=NEIGHBOUR)
    w.say(private(RESIDENT), RESIDENT, "/start")
    asked = w.say(private(RESIDENT), RESIDENT, common.BTN_ELDER_GRID)
    building = [d for d in data_of(asked, "1:gb:") if not d.endswith(":0")]
    if building:
        asked = w.press(private(RESIDENT), RESIDENT, building[0])
    offered = w.press(private(RESIDENT), RESIDENT, data_of(asked, "1:gc:")[0])
    w.press(private(RESIDENT), RESIDENT, data_of(offered, "1:gp:")[0])
    contact = IncomingMessage(
        update_id=8800,
        chat=private(RESIDENT),
        sender=RESIDENT,
        message_id=8800,
        contact=SharedContact(phone="13800138000", user_id=RESIDENT.id),
    )
    w.take(w.h.core.handle(contact), RESIDENT)
    cards = await w.out()
    w.press(STAFF_CHAT, STAFF, data_of(cards, "1:gd:")[0])
    await w.out()


Flow = Callable[[Watch], Awaitable[None]]
FLOWS: dict[str, Flow] = {
    "start and help": flow_start_and_help,
    "report in a group": flow_group_report,
    "report in private": flow_private_report,
    "a photo alone": flow_photo_alone,
    "a voice alone": flow_voice_alone,
    "an urgent report": flow_urgent_report,
    "an unsure report": flow_unsure_report,
    "a duplicate question": flow_duplicate,
    "two problems in one message": flow_two_problems,
    "我的报事": flow_my_tickets,
    "told and rating in the group": flow_told_and_rating_in_group,
    "told and rating in private": flow_told_and_rating_in_private,
    "points": flow_points,
    "polls": flow_polls,
    "owners' votes": flow_owner_votes,
    "notices": flow_notices,
    "长辈模式": flow_elder_menu,
    "找人帮忙": flow_grid,
}


@pytest.fixture
def watch(engine) -> Watch:
    h = Harness(engine)
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_5, STAFF, "/bind 5号楼")
    h.say(GROUP_3, LEADER, "大家好")
    h.say(GROUP_3, STAFF, "/leader", reply_to=h.last_message_id, reply_to_sender=LEADER)
    h.say(private(LEADER), LEADER, "/start")
    for person in (RESIDENT, NEIGHBOUR):
        h.say(GROUP_3, person, "大家好")
    h.say(GROUP_5, OUTSIDER, "大家好")
    return Watch(h, engine)


# --- the checks


def _evidence_tokens(typed: list[str]) -> set[str]:
    """The classifier's matched keywords for what residents typed: shown as a list, they are evidence."""
    tokens: set[str] = set()
    for text in typed:
        result = CLASSIFIER.classify(text)
        tokens.update(m.keyword for m in result.matched if m.weight > 0)
        tokens.update(m.found for m in result.matched if m.weight > 0)
        tokens.update(result.urgent_words)
    return {t for t in tokens if t}


def echoes(typed: list[str]) -> list[str]:
    """What residents wrote that the bot may quote back (a snippet, 内容：…): their words, not the bot's."""
    lead = re.compile(r"^(?:@linli_bot|报事|匿名|/\w+)\s*")
    quoted = set()
    for text in typed:
        while lead.match(text):
            text = lead.sub("", text, count=1)
        if len(text) >= 4:
            quoted.add(text)
    return sorted(quoted, key=len, reverse=True)


def problems_in(text: str, *, typed: list[str], tokens: set[str], codes: list[str]) -> list[str]:
    found: list[str] = []
    for line in text.split("\n"):
        if len(line) > MAX_LINE:
            found.append(f"a line of {len(line)} characters (at most {MAX_LINE}): {line!r}")
    bare = text
    for code in codes:
        bare = bare.replace(code, " ")
    for own in echoes(typed):  # what the resident typed, echoed back, is theirs
        bare = bare.replace(own, " ")
    if PLACEHOLDER.search(bare):
        found.append(f"an unfilled placeholder: {PLACEHOLDER.search(bare).group()!r}")
    if PYTHON_REPRS.search(bare):
        found.append(f"a Python repr: {PYTHON_REPRS.search(bare).group()!r}")
    words = set(re.findall(r"[A-Za-z_]+", bare))
    for category in sorted(CATEGORY_IDS & words):
        found.append(f"an internal category code: {category!r}")
    for person in RESIDENTS:
        if str(person.id) in bare:
            found.append(f"a user id: {person.id}")
    ids = DATABASE_IDS.search(bare)
    if ids:
        found.append(f"a database id: {ids.group()!r}")
    english = ENGLISH.findall(ALLOWED_ASCII.sub(" ", bare))
    if english:
        found.append(f"English words: {english}")
    for word in JARGON:
        if word in bare:
            found.append(f"jargon: {word!r}")
    for word in EVIDENCE_WORDS:
        if word in bare.lower():
            found.append(f"keyword evidence: {word!r}")
    if tokens:
        alternatives = "|".join(sorted(map(re.escape, tokens), key=len, reverse=True))
        listed = re.search(f"(?:{alternatives})(?:{LIST_SEPARATOR}(?:{alternatives}))+", bare)
        if listed:
            found.append(f"matched keywords listed as evidence: {listed.group()!r}")
    return found


@pytest.mark.parametrize("name", list(FLOWS))
async def test_what_residents_see_is_plain(watch: Watch, name: str) -> None:
    await FLOWS[name](watch)
    assert watch.seen, f"{name}: the flow showed residents nothing"
    tokens = _evidence_tokens(watch.typed)
    report: list[str] = []
    for seen in dict.fromkeys(watch.seen):
        for problem in problems_in(seen.text, typed=watch.typed, tokens=tokens, codes=watch.exempt_codes):
            report.append(f"[{name}] {seen.where} {seen.text!r}\n    → {problem}")
    assert not report, f"{name}: {len(report)} problem(s) in what residents see:\n" + "\n".join(report)


def test_the_residents_command_menu_is_plain() -> None:
    """Telegram's command menu (setMyCommands) for residents: they read it next to the input field."""
    report = [
        f"[command menu] /{name} {description!r}\n    → {problem}"
        for name, description in command_menu(Audience.RESIDENT)
        for problem in problems_in(description, typed=[], tokens=set(), codes=[])
    ]
    assert not report, "\n".join(report)


# --- the checks can fail


@pytest.mark.parametrize(
    "text",
    [
        "这是一段很长的话，" * 10,
        "分类：noise",
        "状态：None",
        "请点 OK",
        "依据：电梯、坏了",
        "记录号 12",
        "积分制：做好事",
        "您报的事 {number} 已解决",
        f"用户 {RESIDENT.id}",
    ],
)
def test_the_checks_catch_what_they_should(text: str) -> None:
    assert problems_in(text, typed=[], tokens={"电梯", "坏了"}, codes=[])


@pytest.mark.parametrize(
    "text",
    [
        "已收到 ✅ 报事编号 #12",
        "发 /points 查看，或 /points@linli_bot",
        "点这里：https://t.me/linli_bot?start=report",
        "在群里 @linli_bot 说问题",
        "2026-11-05 10:00 报事 #1 已受理 +5（余 20）",
    ],
)
def test_the_checks_let_plain_words_through(text: str) -> None:
    assert problems_in(text, typed=[], tokens={"电梯", "坏了"}, codes=[]) == []
