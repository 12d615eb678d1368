"""python-telegram-bot over aiohttp (`AiohttpRequest`), against a Bot API stand-in on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.adapters.ptb_request import AiohttpRequest
from bot.playground import free_port

TOKEN = "123:REQUEST"
ME = {"id": 123, "is_bot": True, "first_name": "Linli", "username": "linli_bot"}


class StandIn:
    """Answers as the Bot API would, and keeps what each call carried."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        fields = {
            name: value.file.read() if isinstance(value, web.FileField) else value
            for name, value in form.items()
        }
        self.received.append((method, fields))
        if method == "getMe":
            return web.json_response({"ok": True, "result": ME})
        if method == "sendChatAction":
            await asyncio.sleep(2)
            return web.json_response({"ok": True, "result": True})
        if method == "sendMessage" and fields.get("text") == "flood":
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7"}
            return web.json_response({**body, "parameters": {"retry_after": 7}}, status=429)
        if method == "sendMessage" and fields.get("text") == "":
            body = {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            return web.json_response(body, status=400)
        chat = {"id": int(str(fields["chat_id"])), "type": "group", "title": "g"}
        message = {"message_id": len(self.received), "date": 0, "chat": chat}
        return web.json_response({"ok": True, "result": {**message, "text": str(fields.get("text", ""))}})


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[StandIn, str]]:
    server = StandIn()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield server, f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


def bot_at(base_url: str, *, read_timeout: float = 10.0) -> Bot:
    return Bot(
        TOKEN,
        base_url=base_url,
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(connections=1),
    )


async def test_a_message_goes_out_with_its_fields(stand_in: tuple[StandIn, str]) -> None:
    server, url = stand_in
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("已解决", callback_data="v1:t:12")]])
    async with bot_at(url) as bot:
        sent = await bot.send_message(-100, "3号楼电梯又坏了", reply_markup=keyboard)
    assert sent.text == "3号楼电梯又坏了" and sent.chat.id == -100
    method, fields = server.received[-1]
    assert method == "sendMessage" and fields["text"] == "3号楼电梯又坏了"
    assert json.loads(str(fields["reply_markup"]))["inline_keyboard"][0][0]["callback_data"] == "v1:t:12"


async def test_a_file_goes_out_as_a_part(stand_in: tuple[StandIn, str]) -> None:
    server, url = stand_in
    async with bot_at(url) as bot:
        await bot.send_document(-100, b"id,status\n12,open\n", filename="tickets.csv", caption="导出")
    method, fields = server.received[-1]
    assert method == "sendDocument" and fields["caption"] == "导出"
    assert fields["document"] == b"id,status\n12,open\n"


async def test_telegrams_refusals_become_python_telegram_bots_errors(stand_in: tuple[StandIn, str]) -> None:
    _, url = stand_in
    async with bot_at(url) as bot:
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(-100, "flood")
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(-100, "")
    assert flood.value.retry_after == 7


async def test_a_slow_answer_times_out(stand_in: tuple[StandIn, str]) -> None:
    _, url = stand_in
    async with bot_at(url, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_chat_action(-100, "typing")


async def test_an_unreachable_api_is_a_network_error() -> None:
    bot = bot_at(f"http://127.0.0.1:{free_port()}/bot")
    with pytest.raises(NetworkError) as caught:
        await bot.initialize()
    assert not isinstance(caught.value, TimedOut)
    await bot.shutdown()
