"""`linli shell`: talk to the real bot offline, as any member of the cast, in any chat."""

from __future__ import annotations

import asyncio
import re

from bot.config import load_settings
from bot.playground import CAST, GROUPS, PRIVATE, Playground

HELP = f"""命令 (commands):
  /as 名字        换成谁在说话: {", ".join(f"{a.name}({a.role})" for a in CAST)}
  /in 群名        换到哪个聊天: {", ".join(g.title for g in GROUPS)}, {PRIVATE}
  /photo [说明]   发一张照片      /voice [说明]  发一段语音
  /reply N 文字   回复第 N 号消息  /press N      按下第 N 个按钮
  /contact [电话] 私聊里发送自己的电话（机器人请求联系方式时）
  /who            现在是谁、在哪   /quit         退出
其他任何文字都会作为消息发出（以 / 开头的 bot 命令也一样，比如 /start）。"""


class Shell:
    def __init__(self, pg: Playground) -> None:
        self.pg = pg
        self.who = CAST[2].name
        self.where = PRIVATE
        self.mark = 0
        self.buttons: list[tuple[int, int, str]] = []  # (chat_id, message_id, label) as numbered on screen

    def prompt(self) -> str:
        return f"{self.who} @ {self.where}> "

    async def handle(self, line: str) -> bool:
        """Carry out one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        command, _, rest = line.partition(" ")
        match command:
            case "/quit" | "/exit":
                return False
            case "/help" | "?":
                print(HELP)
            case "/who":
                print(f"{self.who} @ {self.where}")
            case "/as":
                self._switch_actor(rest.strip())
            case "/in":
                self._switch_chat(rest.strip())
            case "/photo":
                self.pg.photo(self.who, self.where, rest or None)
            case "/voice":
                self.pg.voice(self.who, self.where, rest or None)
            case "/reply":
                match = re.match(r"(\d+)\s+(.+)", rest, re.DOTALL)
                if match is None:
                    print("用法: /reply 消息号 文字")
                    return True
                self.pg.say(self.who, self.where, match.group(2), reply_to=int(match.group(1)))
            case "/press":
                self._press(rest.strip())
            case "/contact":
                if self.where != PRIVATE:
                    print("电话只能在私聊里发送，先用 /in 私聊")
                    return True
                self.pg.share_contact(self.who, rest.strip() or None)
            case _:
                self.pg.say(self.who, self.where, line)
        await self.show()
        return True

    def _switch_actor(self, name: str) -> None:
        try:
            self.who = self.pg.actor(name).name
        except KeyError as exc:
            print(exc.args[0])

    def _switch_chat(self, name: str) -> None:
        if name == PRIVATE:
            self.where = PRIVATE
            return
        try:
            self.pg.chat_id(name, self.who)
        except KeyError as exc:
            print(exc.args[0])
            return
        self.where = next(g.title for g in GROUPS if g.title.startswith(name))

    def _press(self, number: str) -> None:
        if not number.isdecimal() or not 1 <= int(number) <= len(self.buttons):
            print("没有这个按钮编号")
            return
        chat_id, message_id, label = self.buttons[int(number) - 1]
        if chat_id != self.pg.chat_id(self.where, self.who):
            print("这个按钮不在当前聊天里，先用 /in 过去")
            return
        self.pg.press(self.who, self.where, message_id, label=label)

    async def show(self) -> None:
        """Print what happened since the last input, numbering the inline buttons that appeared."""
        try:
            await self.pg.settle()
        except TimeoutError as exc:
            print(f"(bot is slow: {exc.args[0].splitlines()[0]})")
        sb = self.pg.sandbox
        for line in sb.transcript_lines(self.mark, show_ids=True):
            print(line)
        self.mark = sb.transcript_mark()
        self._number_buttons()

    def _number_buttons(self) -> None:
        self.buttons = []
        chat_id = self.pg.chat_id(self.where, self.who)
        for message in self.pg.sandbox.messages(chat_id):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for key in row:
                    if "callback_data" in key:
                        self.buttons.append((chat_id, message["message_id"], key["text"]))
        if self.buttons:
            listed = "  ".join(f"{i}.[{label}]" for i, (_, _, label) in enumerate(self.buttons, 1))
            print(f"  可按的按钮 (/press N): {listed}")


async def run_shell(*, framework: str | None = None) -> int:
    framework = framework or load_settings().framework
    async with Playground(framework=framework) as pg:
        shell = Shell(pg)
        print(f"邻里 shell ({framework}) — 离线沙盒, 数据库 {pg.database_url}\n{HELP}")
        while True:
            try:
                line = await asyncio.to_thread(input, shell.prompt())
            except EOFError:
                break
            try:
                if not await shell.handle(line):
                    break
            except ValueError as problem:  # the sandbox refusing what was typed (no such message to reply to)
                print(f"  ✗ {problem}")
    return 0
