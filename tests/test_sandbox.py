"""The Telegram sandbox, exercised through the real python-telegram-bot and aiogram clients over HTTP."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import telegram
from aiogram import Bot as AioBot
from aiogram import Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command
from aiogram.types import BufferedInputFile
from aiogram.types import KeyboardButton as AioKeyboardButton
from aiogram.types import Message as AioMessage
from aiogram.types import ReplyKeyboardMarkup as AioReplyKeyboard
from aiogram.types import ReplyParameters as AioReplyParameters
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox import (
    BOT_ID,
    GROUP_ANONYMOUS_BOT,
    FloodLimits,
    Sandbox,
    detect_entities,
    make_png,
    parse_formatted,
)

# PTB 22 announces that durations will become timedeltas; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-token"
GROUP = -1001234567890  # 3号楼业主群
STAFF = -1009876543210  # 物业工作群
ZHANG, WANG, LI = 11, 22, 33


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def populate(sb: Sandbox) -> None:
    sb.add_group(GROUP, "3号楼业主群")
    sb.add_group(STAFF, "物业工作群")
    sb.add_user(ZHANG, "张阿姨")
    sb.add_user(WANG, "王师傅", username="wangshifu")


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        populate(sandbox)
        yield sandbox


def ptb_bot(sandbox: Sandbox) -> telegram.Bot:
    return telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot", base_file_url=f"{sandbox.url}/file/bot")


@pytest.fixture
async def ptb(sb: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with ptb_bot(sb) as bot:
        yield bot


class LoopbackSession(AiohttpSession):
    async def close(self) -> None:
        # aiogram sleeps 250 ms here to let TLS connections drain; there are none on loopback.
        if self._session is not None and not self._session.closed:
            await self._session.close()


def aio_bot(sandbox: Sandbox) -> AioBot:
    return AioBot(TOKEN, session=LoopbackSession(api=TelegramAPIServer.from_base(sandbox.url)))


@pytest.fixture
async def aio(sb: Sandbox) -> AsyncIterator[AioBot]:
    bot = aio_bot(sb)
    yield bot
    await bot.session.close()


def ptb_retry_after(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


INLINE = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("已解决", callback_data="done:1"),
            InlineKeyboardButton("改分类", callback_data="cat:1"),
        ]
    ]
)


# --- getMe and message objects


async def test_get_me_with_both_clients(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    me = await ptb.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (BOT_ID, True, "邻里", "linli_bot")
    assert me.can_join_groups
    aio_me = await aio.get_me()
    assert (aio_me.id, aio_me.username) == (BOT_ID, "linli_bot")
    assert {c.token for c in sb.calls_of("getMe")} == {TOKEN}

    async with Sandbox(bot_username="other_bot") as other, ptb_bot(other) as bot:
        assert (await bot.get_me()).username == "other_bot"


async def test_ptb_send_message_with_inline_keyboard_and_reply(sb: Sandbox, ptb: telegram.Bot) -> None:
    asked = sb.send_text(chat_id=GROUP, user_id=ZHANG, text="报事 3号楼电梯又坏了")
    sent = await ptb.send_message(
        GROUP, "已收到 #1", reply_markup=INLINE, reply_to_message_id=asked["message_id"]
    )

    assert sent.message_id == asked["message_id"] + 1  # one counter per chat for users and the bot
    assert sent.from_user.id == BOT_ID
    assert (sent.chat.id, sent.chat.type, sent.chat.title) == (GROUP, "supergroup", "3号楼业主群")
    assert sent.reply_to_message.text == "报事 3号楼电梯又坏了"
    assert sent.reply_to_message.from_user.first_name == "张阿姨"
    assert sent.reply_markup == INLINE
    assert abs(sent.date.timestamp() - time.time()) < 5

    call = sb.calls_of("sendMessage", chat_id=GROUP)[-1]  # form-encoded by PTB, coerced back
    assert call.ok and call.token == TOKEN
    assert call.params["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "已解决",
        "callback_data": "done:1",
    }
    assert call.params["reply_parameters"] == {"message_id": asked["message_id"]}

    later = sb.send_text(chat_id=GROUP, user_id=WANG, text="收到")
    assert later["message_id"] == sent.message_id + 1
    assert [m["message_id"] for m in sb.messages(GROUP)] == [1, 2, 3]
    assert sb.get_message(GROUP, 2)["reply_markup"] == INLINE.to_dict()
    assert [m["text"] for m in sb.find_messages("已收到")] == ["已收到 #1"]


async def test_aiogram_reply_keyboard_and_reply_parameters(sb: Sandbox, aio: AioBot) -> None:
    asked = sb.send_text(chat_id=ZHANG, user_id=ZHANG, text="/start")
    keyboard = AioReplyKeyboard(
        keyboard=[[AioKeyboardButton(text="我要报事"), AioKeyboardButton(text="我的报事")]]
    )
    sent = await aio.send_message(
        ZHANG,
        "您好，请选择",
        reply_markup=keyboard,
        reply_parameters=AioReplyParameters(message_id=asked["message_id"]),
    )
    assert sent.chat.type == "private" and sent.chat.first_name == "张阿姨"
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "/start"
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    assert "  ⌨ 我要报事 | 我的报事" in sb.render_transcript()

    lenient = AioReplyParameters(message_id=999, allow_sending_without_reply=True)
    assert (await aio.send_message(ZHANG, "好的", reply_parameters=lenient)).reply_to_message is None
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await aio.send_message(ZHANG, "好的", reply_parameters=AioReplyParameters(message_id=999))


async def test_edits(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    sent = await ptb.send_message(STAFF, "新报事 #1", reply_markup=INLINE)

    edited = await ptb.edit_message_text(
        "新报事 #1 (处理中)", chat_id=STAFF, message_id=sent.message_id, reply_markup=INLINE
    )
    assert edited.text == "新报事 #1 (处理中)" and edited.edit_date is not None
    assert edited.reply_markup == INLINE

    with pytest.raises(BadRequest, match="not modified"):
        await ptb.edit_message_text(
            "新报事 #1 (处理中)", chat_id=STAFF, message_id=sent.message_id, reply_markup=INLINE
        )

    # Without reply_markup Telegram drops the keyboard: a classic source of vanished buttons.
    bare = await aio.edit_message_text(text="已解决 #1", chat_id=STAFF, message_id=sent.message_id)
    assert isinstance(bare, AioMessage) and bare.reply_markup is None and bare.edit_date

    restored = await ptb.edit_message_reply_markup(
        chat_id=STAFF, message_id=sent.message_id, reply_markup=INLINE
    )
    assert restored.reply_markup == INLINE
    history = sb.message_history(STAFF, sent.message_id)
    assert [m["text"] for m in history] == ["新报事 #1", "新报事 #1 (处理中)", "已解决 #1", "已解决 #1"]

    with pytest.raises(BadRequest, match=r"[Mm]essage to edit not found"):
        await ptb.edit_message_text("x", chat_id=STAFF, message_id=999)
    theirs = sb.send_text(chat_id=STAFF, user_id=WANG, text="我去看看")
    with pytest.raises(BadRequest, match="can't be edited"):
        await ptb.edit_message_text("x", chat_id=STAFF, message_id=theirs["message_id"])
    with pytest.raises(BadRequest, match="no caption"):
        await ptb.edit_message_caption(chat_id=STAFF, message_id=sent.message_id, caption="x")

    photo = await ptb.send_photo(STAFF, make_png(8, 8), caption="现场")
    recaptioned = await ptb.edit_message_caption(
        chat_id=STAFF, message_id=photo.message_id, caption="现场照片"
    )
    assert recaptioned.caption == "现场照片" and recaptioned.photo
    with pytest.raises(BadRequest, match="no text"):
        await ptb.edit_message_text("x", chat_id=STAFF, message_id=photo.message_id)


async def test_delete_pin_and_chat_queries(sb: Sandbox, ptb: telegram.Bot) -> None:
    notice = await ptb.send_message(GROUP, "停水通知：明天 9:00-12:00")
    assert await ptb.pin_chat_message(GROUP, notice.message_id)
    chat = await ptb.get_chat(GROUP)
    assert chat.title == "3号楼业主群" and chat.pinned_message.message_id == notice.message_id
    assert await ptb.unpin_chat_message(GROUP, notice.message_id)
    with pytest.raises(BadRequest, match="to unpin not found"):
        await ptb.unpin_chat_message(GROUP, notice.message_id)

    assert await ptb.delete_message(GROUP, notice.message_id)
    with pytest.raises(BadRequest, match="to delete not found"):
        await ptb.delete_message(GROUP, notice.message_id)
    with pytest.raises(KeyError):
        sb.get_message(GROUP, notice.message_id)
    assert notice.message_id not in [m["message_id"] for m in sb.messages(GROUP)]

    sb.set_admin(GROUP, WANG, owner=True)
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="大家好")
    assert (await ptb.get_chat_member(GROUP, ZHANG)).status == "member"
    assert (await ptb.get_chat_member(GROUP, WANG)).status == "creator"
    admins = await ptb.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [(WANG, "creator"), (BOT_ID, "administrator")]
    with pytest.raises(BadRequest, match=r"[Uu]ser not found"):
        await ptb.get_chat_member(GROUP, 424242)
    assert await ptb.send_chat_action(GROUP, "typing")
    with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
        await ptb.get_chat(-100555)


# --- getUpdates


async def test_long_poll_returns_queued_message_promptly(sb: Sandbox, ptb: telegram.Bot) -> None:
    poll = asyncio.create_task(ptb.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()  # nothing queued: the request waits

    started = time.monotonic()
    sb.send_text(chat_id=GROUP, user_id=WANG, text="/report@linli_bot 5号楼 停电了 @zhang_ayi")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1

    (update,) = updates
    message = update.message
    assert update.update_id == 1
    assert message.text == "/report@linli_bot 5号楼 停电了 @zhang_ayi"
    assert message.from_user.username == "wangshifu" and message.chat.title == "3号楼业主群"
    assert message.parse_entities(["bot_command"]) and list(
        message.parse_entities(["bot_command"]).values()
    ) == ["/report@linli_bot"]
    assert list(message.parse_entities(["mention"]).values()) == ["@zhang_ayi"]


async def test_a_contact_button_and_a_shared_contact_with_both_clients(
    sb: Sandbox, ptb: telegram.Bot, aio: AioBot
) -> None:
    from bot.adapters import aiogram as aio_adapter
    from bot.adapters import ptb as ptb_adapter
    from handlers.actions import ReplyKeyboard

    keyboard = ReplyKeyboard(rows=(("📱 发送我的电话",), ("不用了",)), contact_button="📱 发送我的电话")
    await ptb.send_message(ZHANG, "请点下面的按钮", reply_markup=ptb_adapter._markup(keyboard))
    await aio.send_message(ZHANG, "请点下面的按钮", reply_markup=aio_adapter._markup(keyboard))
    for call in sb.calls_of("sendMessage", chat_id=ZHANG):
        rows = call.params["reply_markup"]["keyboard"]
        assert rows[0][0] == {"text": "📱 发送我的电话", "request_contact": True}
        assert rows[1][0] in ("不用了", {"text": "不用了"})  # no request_contact on the other button
    assert "  ⌨ 📱 发送我的电话 (发送电话)" in sb.render_transcript()

    shared = sb.share_contact(chat_id=ZHANG, user_id=ZHANG, phone_number="8613800138000")
    assert shared["contact"] == {"phone_number": "8613800138000", "first_name": "张阿姨", "user_id": ZHANG}
    sb.share_contact(chat_id=ZHANG, user_id=ZHANG, of_user=0)  # a card typed in by hand
    first, second = await ptb.get_updates(timeout=1)
    assert first.message.contact.phone_number == "8613800138000" and first.message.contact.user_id == ZHANG
    assert second.message.contact.user_id is None
    (aio_update, _) = await aio.get_updates(timeout=1)
    assert aio_update.message is not None and aio_update.message.contact is not None
    assert aio_update.message.contact.user_id == ZHANG


async def test_callback_query_parsed_by_both_clients(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    sent = await ptb.send_message(STAFF, "新报事 #1", reply_markup=INLINE)
    query_id = sb.press(chat_id=STAFF, user_id=WANG, message_id=sent.message_id, data="done:1")

    (ptb_update,) = await ptb.get_updates(timeout=1)
    query = ptb_update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "done:1", WANG)
    assert query.message.message_id == sent.message_id and query.message.reply_markup == INLINE

    (aio_update,) = await aio.get_updates(timeout=1)  # unconfirmed, so delivered again
    assert aio_update.callback_query is not None and aio_update.callback_query.data == "done:1"
    assert aio_update.callback_query.message.message_id == sent.message_id

    assert await ptb.answer_callback_query(query_id, text="只有王师傅能处理", show_alert=True)
    assert sb.render_transcript().splitlines()[-1] == "  ⚠️ 弹窗: 只有王师傅能处理"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await ptb.answer_callback_query(query_id)

    forged = sb.press(chat_id=STAFF, user_id=WANG, message_id=sent.message_id, data="done:999")
    updates = await ptb.get_updates(offset=ptb_update.update_id + 1, timeout=1)
    assert [u.callback_query.id for u in updates] == [forged]
    assert updates[0].callback_query.data == "done:999"
    assert sb.button_data(STAFF, sent.message_id, "改分类") == "cat:1"


async def test_offset_confirms_and_limit_caps(sb: Sandbox, ptb: telegram.Bot) -> None:
    for text in ("一", "二", "三"):
        sb.send_text(chat_id=GROUP, user_id=ZHANG, text=text)
    assert [u.message.text for u in await ptb.get_updates(limit=2)] == ["一", "二"]
    assert [u.update_id for u in await ptb.get_updates(offset=3)] == [3]  # confirms 1 and 2
    assert await ptb.get_updates(offset=4) == ()
    assert await ptb.get_updates() == ()  # confirmed updates are gone for good
    assert sb.pending_updates == 0


async def test_redelivered_update_comes_back_despite_offset(sb: Sandbox, ptb: telegram.Bot) -> None:
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="报事 漏水")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="在吗")
    assert len(await ptb.get_updates()) == 2
    assert await ptb.get_updates(offset=3) == ()

    again = sb.redeliver(1)
    assert again["message"]["text"] == "报事 漏水"
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="谢谢")
    # The redelivered update comes alone: a client sets its next offset from the last update it got,
    # so mixing it with update 3 would make the client confirm and lose update 3.
    (update,) = await ptb.get_updates(offset=3, timeout=1)
    assert (update.update_id, update.message.text) == (1, "报事 漏水")
    assert [(u.update_id, u.message.text) for u in await ptb.get_updates(offset=2)] == [(3, "谢谢")]
    assert await ptb.get_updates(offset=4) == ()


async def test_allowed_updates_persist_and_negative_offset(sb: Sandbox, ptb: telegram.Bot) -> None:
    sent = await ptb.send_message(GROUP, "投票", reply_markup=INLINE)
    sb.press(chat_id=GROUP, user_id=ZHANG, message_id=sent.message_id, data="done:1")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="一")
    assert [u.message.text for u in await ptb.get_updates(allowed_updates=["message"])] == ["一"]
    sb.press(chat_id=GROUP, user_id=ZHANG, message_id=sent.message_id, data="done:1")
    assert await ptb.get_updates(offset=3) == ()  # the filter sticks, like Telegram's

    await ptb.get_updates(allowed_updates=[])  # back to the default set
    for text in ("二", "三", "四"):
        sb.send_text(chat_id=GROUP, user_id=ZHANG, text=text)
    assert [u.message.text for u in await ptb.get_updates(offset=-1)] == ["四"]
    assert sb.pending_updates == 0


async def test_poll_timeout_conflict_and_stop() -> None:
    async with Sandbox() as sb, httpx.AsyncClient(base_url=f"{sb.url}/bot{TOKEN}") as http:
        started = time.monotonic()
        answer = (await http.post("/getUpdates", json={"timeout": 0.3})).json()
        assert answer == {"ok": True, "result": []}
        assert 0.25 < time.monotonic() - started < 1.5

        first = asyncio.create_task(http.post("/getUpdates", json={"timeout": 5}))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(http.post("/getUpdates", json={"timeout": 5}))
        older = await asyncio.wait_for(first, 2)
        assert older.status_code == 409 and "terminated by other getUpdates" in older.json()["description"]

        started = time.monotonic()
        await sb.stop()  # a pending long poll returns instead of holding up shutdown
        assert (await asyncio.wait_for(second, 2)).json() == {"ok": True, "result": []}
        assert time.monotonic() - started < 1.5


# --- webhooks


class Hook:
    """A webhook endpoint on loopback that answers with scripted statuses and delays (then 200, at once)."""

    def __init__(self) -> None:
        self.url = ""
        self.statuses: list[int] = []
        self.delays: list[float] = []
        self.requests: list[tuple[dict[str, str], Any]] = []  # (headers, JSON body)

    @property
    def update_ids(self) -> list[int]:
        return [body["update_id"] for _, body in self.requests]

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.json()))
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        return web.json_response({}, status=self.statuses.pop(0) if self.statuses else 200)


async def serve_app(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    endpoint = Hook()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner, port = await serve_app(app)
    endpoint.url = f"http://127.0.0.1:{port}/hook"
    yield endpoint
    await runner.cleanup()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_url_rules_and_info(sb: Sandbox, ptb: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await ptb.set_webhook("http://example.invalid/hook")  # plain http only to loopback
    with pytest.raises(BadRequest, match="only on ports 80, 88, 443 or 8443"):
        await ptb.set_webhook("https://example.invalid:8080/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await ptb.set_webhook("https://example.invalid/hook", secret_token="有空格 的")
    assert await ptb.set_webhook("https://example.invalid:8443/hook")
    info = await ptb.get_webhook_info()
    assert (info.url, info.max_connections, info.pending_update_count) == (
        "https://example.invalid:8443/hook",
        40,
        0,
    )
    assert info.last_error_date is None and not info.allowed_updates
    with pytest.raises(telegram.error.Conflict, match="webhook is active"):
        await ptb.get_updates()

    for url in ("http://localhost:1/hook", "http://[::1]:1/hook", "http://127.0.0.1:1/hook"):
        assert await ptb.set_webhook(url, max_connections=5, allowed_updates=["message"])
        assert (await ptb.get_webhook_info()).url == url == sb.webhook_url
    info = await ptb.get_webhook_info()
    assert (info.max_connections, info.allowed_updates) == (5, ("message",))

    assert await ptb.delete_webhook()
    assert (await ptb.get_webhook_info()).url == "" == sb.webhook_url
    assert await ptb.get_updates() == ()
    assert sb.webhook_deliveries == []  # nothing was queued, so nothing was pushed


async def test_webhook_pushes_updates_in_order_with_secret(
    hook: Hook, sb: Sandbox, ptb: telegram.Bot
) -> None:
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="一")
    assert len(await ptb.get_updates()) == 1  # fetched but never confirmed: the webhook gets it
    assert await ptb.set_webhook(hook.url, secret_token="s3cret_token-1")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="二")
    sent = await ptb.send_message(GROUP, "投票", reply_markup=INLINE)
    sb.press(chat_id=GROUP, user_id=WANG, message_id=sent.message_id, data="done:1")
    await sb.settle(quiet=0.05, timeout=2)

    assert hook.update_ids == [1, 2, 3]
    headers, body = hook.requests[1]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret_token-1"
    assert headers["Content-Type"] == "application/json"
    assert body["message"]["text"] == "二" and body["message"]["chat"]["id"] == GROUP
    assert Update.de_json(hook.requests[2][1], ptb).callback_query.data == "done:1"
    assert [(d.update_id, d.status, d.ok, d.error) for d in sb.webhook_deliveries] == [
        (1, 200, True, ""),
        (2, 200, True, ""),
        (3, 200, True, ""),
    ]
    assert sb.pending_updates == 0 and (await ptb.get_webhook_info()).pending_update_count == 0

    sb.redeliver(2)  # pushed again, and raw updates too
    sb.raw_update({"message": hook.requests[0][1]["message"]})
    await sb.settle(quiet=0.05, timeout=2)
    assert hook.update_ids == [1, 2, 3, 2, 4]

    assert await ptb.set_webhook(hook.url)  # re-set without a secret: the secret is gone
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="无密")
    await sb.wait_for(lambda: len(hook.requests) == 6, 2)
    assert "X-Telegram-Bot-Api-Secret-Token" not in hook.requests[-1][0]

    assert await ptb.delete_webhook()
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="轮询")
    await asyncio.sleep(0.1)
    assert len(hook.requests) == 6  # deleteWebhook stops the pushes; getUpdates gets the rest
    assert [u.message.text for u in await ptb.get_updates()] == ["轮询"]


async def test_webhook_failures_are_retried_in_order(hook: Hook, sb: Sandbox, ptb: telegram.Bot) -> None:
    hook.statuses = [500, 502]
    assert await ptb.set_webhook(hook.url)
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="一")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="二")
    with pytest.raises(TimeoutError, match="not delivered to the webhook"):
        await sb.settle(quiet=0.05, timeout=0.05)  # an update waiting for the webhook is not quiet
    await sb.settle(quiet=0.05, timeout=3)

    assert hook.update_ids == [1, 1, 1, 2]  # update 2 waited behind the failing update 1
    deliveries = sb.webhook_deliveries
    assert [(d.update_id, d.status) for d in deliveries] == [(1, 500), (1, 502), (1, 200), (2, 200)]
    assert deliveries[0].error == "Wrong response from the webhook: 500 Internal Server Error"
    gaps = [b.time - a.time for a, b in itertools.pairwise(deliveries[:3])]
    assert 0.09 <= gaps[0] < 0.5 and 0.19 <= gaps[1] < 0.7  # backoff 0.1 s, then doubled

    info = await ptb.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    assert abs(info.last_error_date.timestamp() - time.time()) < 5
    assert info.pending_update_count == 0


async def test_webhook_connection_errors_timeouts_and_drop(
    hook: Hook, sb: Sandbox, ptb: telegram.Bot
) -> None:
    assert await ptb.set_webhook(f"http://127.0.0.1:{closed_port()}/hook")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="一")
    await sb.wait_for(lambda: len(sb.webhook_deliveries) >= 2, 2)
    assert {(d.update_id, d.status, d.error) for d in sb.webhook_deliveries} == {
        (1, None, "Connection refused")
    }
    info = await ptb.get_webhook_info()
    assert (info.pending_update_count, info.last_error_message) == (1, "Connection refused")
    assert sb.pending_updates == 1

    sb.webhook_timeout = 0.1
    hook.delays = [0.3]  # the first answer comes too late
    assert await ptb.set_webhook(hook.url)  # a new target is tried at once, not after the backoff
    await sb.settle(quiet=0.05, timeout=2)
    timed_out, delivered = sb.webhook_deliveries[-2:]
    assert (timed_out.status, timed_out.error, timed_out.url) == (None, "Read timeout expired", hook.url)
    assert (delivered.update_id, delivered.status) == (1, 200)
    assert hook.update_ids == [1, 1]
    assert (await ptb.get_webhook_info()).last_error_message == "Read timeout expired"

    assert await ptb.set_webhook(f"http://localhost:{closed_port()}/hook")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="二")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="三")
    await sb.wait_for(lambda: sb.webhook_deliveries[-1].update_id == 2, 2)
    assert await ptb.delete_webhook()
    assert [u.message.text for u in await ptb.get_updates()] == ["二", "三"]  # nothing was lost

    assert await ptb.set_webhook(f"http://localhost:{closed_port()}/hook")
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="四")
    assert await ptb.delete_webhook(drop_pending_updates=True)
    assert await ptb.get_updates() == ()
    assert (await ptb.get_webhook_info()).last_error_date is None


async def test_webhook_allowed_updates(hook: Hook, sb: Sandbox, ptb: telegram.Bot) -> None:
    sent = await ptb.send_message(GROUP, "投票", reply_markup=INLINE)
    member_update: dict[str, Any] = {
        "chat": {"id": GROUP, "title": "3号楼业主群", "type": "supergroup"},
        "from": {"id": ZHANG, "is_bot": False, "first_name": "张阿姨"},
        "date": int(time.time()),
        "old_chat_member": {"user": {"id": LI, "is_bot": False, "first_name": "李叔"}, "status": "left"},
        "new_chat_member": {"user": {"id": LI, "is_bot": False, "first_name": "李叔"}, "status": "member"},
    }

    def queue_one_of_each() -> None:
        sb.send_text(chat_id=GROUP, user_id=ZHANG, text="消息")
        sb.raw_update({"chat_member": member_update})
        sb.press(chat_id=GROUP, user_id=ZHANG, message_id=sent.message_id, data="done:1")

    assert await ptb.set_webhook(hook.url, allowed_updates=["callback_query", "chat_member"])
    queue_one_of_each()
    await sb.settle(quiet=0.05, timeout=2)
    assert [_update_kind(body) for _, body in hook.requests] == ["chat_member", "callback_query"]
    assert (await ptb.get_webhook_info()).allowed_updates == ("callback_query", "chat_member")

    assert await ptb.set_webhook(hook.url)  # omitted: the setting stays
    assert (await ptb.get_webhook_info()).allowed_updates == ("callback_query", "chat_member")
    assert await ptb.set_webhook(hook.url, allowed_updates=[])  # the default: chat_member is opt-in
    hook.requests.clear()
    queue_one_of_each()
    await sb.settle(quiet=0.05, timeout=2)
    assert [_update_kind(body) for _, body in hook.requests] == ["message", "callback_query"]


def _update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


async def test_aiogram_webhook_end_to_end_with_secret(sb: Sandbox) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message(Command("mine"))
    async def mine(message: AioMessage) -> None:
        await message.answer("您有 1 条报事")

    aio = aio_bot(sb)
    app = web.Application()
    SimpleRequestHandler(dispatcher, aio, secret_token="right-secret").register(app, path="/hook")
    runner, port = await serve_app(app)
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert await aio.set_webhook(url, secret_token="wrong-secret")
        sb.send_text(chat_id=ZHANG, user_id=ZHANG, text="/mine")
        await sb.wait_for(lambda: sb.webhook_deliveries, 2)
        assert sb.webhook_deliveries[0].status == 401  # aiogram refuses a wrong secret
        info = await aio.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
        assert info.pending_update_count == 1

        assert await aio.set_webhook(url, secret_token="right-secret")
        await sb.wait_message("您有 1 条报事", chat_id=ZHANG, timeout=3)
        await sb.settle(quiet=0.05, timeout=2)
        assert sb.webhook_deliveries[-1].status == 200
    finally:
        await runner.cleanup()
        await aio.session.close()
    assert sb.render_transcript().splitlines() == [
        "[私聊 张阿姨] 张阿姨: /mine",
        "[私聊 张阿姨] 🤖 邻里: 您有 1 条报事",
    ]


async def test_stop_ends_webhook_delivery(hook: Hook) -> None:
    async with Sandbox() as sandbox, ptb_bot(sandbox) as bot:
        populate(sandbox)
        hook.delays = [5.0]  # stop() must not wait for this answer
        await bot.set_webhook(hook.url)
        sandbox.send_text(chat_id=GROUP, user_id=ZHANG, text="一")
        await sandbox.wait_for(lambda: hook.requests, 2)
        started = time.monotonic()
    assert time.monotonic() - started < 1.5
    assert sandbox.webhook_deliveries == []  # the abandoned POST is no delivery; the update stays queued
    assert sandbox.pending_updates == 1


async def test_my_chat_member_and_join_updates(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    sb.add_group(-1005, "5号楼邻居群", bot_is_member=False)
    with pytest.raises(Forbidden, match="not a member"):
        await ptb.send_message(-1005, "hi")
    sb.add_bot_to_group(chat_id=-1005, user_id=ZHANG)
    sb.join_group(chat_id=-1005, user_id=LI)

    member, joined, neighbour = await ptb.get_updates()
    assert member.my_chat_member.new_chat_member.status == "member"
    assert member.my_chat_member.old_chat_member.status == "left"
    assert member.my_chat_member.from_user.id == ZHANG
    assert [u.id for u in joined.message.new_chat_members] == [BOT_ID]
    assert neighbour.message.new_chat_members[0].first_name == "用户33"  # unknown users get a default name
    aio_updates = await aio.get_updates()
    assert (
        aio_updates[0].my_chat_member is not None
        and aio_updates[0].my_chat_member.new_chat_member.status == "member"
    )
    assert (await ptb.send_message(-1005, "大家好，我是邻里")).chat.title == "5号楼邻居群"


# --- group -> supergroup migration

OLD = -4001  # a basic group; becomes -1004001


async def test_migrate_group_to_supergroup(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    sb.add_group(OLD, "5号楼老群", type="group")
    sb.set_admin(OLD, ZHANG, owner=True)
    sb.send_text(chat_id=OLD, user_id=WANG, text="老群里的话")
    notice = await ptb.send_message(OLD, "旧通知")
    assert len(await ptb.get_updates()) == 1

    new = sb.migrate_group(OLD)
    assert new == -1004001
    farewell, welcome = await ptb.get_updates(offset=2)
    assert farewell.message.migrate_to_chat_id == new and farewell.message.chat.id == OLD
    assert farewell.message.from_user.id == ZHANG  # the owner upgrades it
    assert (welcome.message.chat.id, welcome.message.chat.type) == (new, "supergroup")
    assert welcome.message.chat.title == "5号楼老群" and welcome.message.migrate_from_chat_id == OLD
    assert welcome.message.message_id == 1  # a supergroup numbers its messages afresh
    assert welcome.message.from_user.to_dict() == GROUP_ANONYMOUS_BOT
    assert welcome.message.sender_chat.id == new
    aio_updates = await aio.get_updates(offset=2)
    assert aio_updates[0].message is not None and aio_updates[0].message.migrate_to_chat_id == new
    assert aio_updates[1].message is not None and aio_updates[1].message.migrate_from_chat_id == OLD

    with pytest.raises(ChatMigrated) as migrated:
        await ptb.send_message(OLD, "还发旧群")
    assert migrated.value.new_chat_id == new
    with pytest.raises(ChatMigrated):
        await ptb.edit_message_text("改", chat_id=OLD, message_id=notice.message_id)
    with pytest.raises(ChatMigrated):
        await ptb.pin_chat_message(OLD, notice.message_id)
    with pytest.raises(TelegramMigrateToChat) as aio_migrated:
        await aio.send_photo(OLD, BufferedInputFile(make_png(4, 4), "a.png"))
    assert aio_migrated.value.migrate_to_chat_id == new
    async with httpx.AsyncClient(base_url=f"{sb.url}/bot{TOKEN}") as http:
        answer = await http.post("/sendMessage", json={"chat_id": OLD, "text": "x"})
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new},
    }

    assert (await ptb.send_message(new, "新群你好")).chat.type == "supergroup"
    assert (await ptb.get_chat_member(new, ZHANG)).status == "creator"
    assert (await ptb.get_chat_member(new, WANG)).status == "member"
    assert (await ptb.get_chat(OLD)).type == "group"  # reading the old chat still works
    assert [m.get("text") for m in sb.messages(OLD)] == ["老群里的话", "旧通知", None]
    assert sb.messages(OLD)[-1]["migrate_to_chat_id"] == new
    with pytest.raises(ValueError, match="upgraded to supergroup"):
        sb.send_text(chat_id=OLD, user_id=WANG, text="x")
    sb.send_text(chat_id=new, user_id=WANG, text="在新群")
    assert [m.get("text") for m in sb.messages(new)] == [None, "新群你好", "在新群"]
    assert "[5号楼老群] 张阿姨 把群升级为超级群 (新 id -1004001)" in sb.render_transcript().splitlines()

    with pytest.raises(ValueError, match="already upgraded"):
        sb.migrate_group(OLD)
    with pytest.raises(ValueError, match="not a basic group"):
        sb.migrate_group(GROUP)


async def test_migrate_group_options_and_control_route(sb: Sandbox, ptb: telegram.Bot) -> None:
    sb.add_group(-4002, "6号楼", type="group", bot_is_member=False)
    sb.join_group(chat_id=-4002, user_id=LI)
    assert sb.migrate_group(-4002, -1009999, user_id=WANG) == -1009999
    assert sb.messages(-4002)[-1]["from"]["id"] == WANG
    (joined,) = await ptb.get_updates()  # the bot wasn't in the group: no migration messages
    assert joined.message.new_chat_members[0].id == LI
    assert [(await ptb.get_chat_member(-1009999, uid)).status for uid in (LI, WANG)] == ["member"] * 2
    sb.add_group(-4004, "空群", type="group")
    with pytest.raises(ValueError, match="has no members"):
        sb.migrate_group(-4004)

    async with httpx.AsyncClient(base_url=sb.url) as http:
        await http.post("/sandbox/message", json={"chat_id": -4003, "user_id": 77, "text": "hi"})
        migrated = await http.post("/sandbox/migrate", json={"chat_id": -4003})
        assert migrated.json() == {"ok": True, "result": {"migrate_to_chat_id": -1004003}}
        again = await http.post("/sandbox/migrate", json={"chat_id": -4003})
        assert again.status_code == 400 and "already upgraded" in again.json()["description"]
    updates = await ptb.get_updates(offset=joined.update_id + 1)
    assert [u.message.from_user.id for u in updates] == [77, 77, GROUP_ANONYMOUS_BOT["id"]]
    assert updates[1].message.migrate_to_chat_id == -1004003


# --- flood limits


async def test_group_flood_limit_20_per_minute() -> None:
    clock = FakeClock()
    async with Sandbox(clock=clock) as sb, ptb_bot(sb) as bot:
        populate(sb)
        for n in range(20):
            last = await bot.send_message(GROUP, f"通知 {n}")
            clock.advance(1)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "第21条")
        assert ptb_retry_after(caught.value) == 40  # the first of the 20 leaves the window at t=60
        failed = sb.calls_of("sendMessage", ok=False)[-1]
        assert (failed.error_code, failed.retry_after, failed.params["text"]) == (429, 40, "第21条")

        assert await bot.send_message(STAFF, "另一个群不受影响")
        edited = await bot.edit_message_text("编辑不受限", chat_id=GROUP, message_id=last.message_id)
        assert edited.text == "编辑不受限"

        clock.advance(39.5)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "还不行")
        assert ptb_retry_after(caught.value) == 1
        clock.advance(0.5)
        assert (await bot.send_message(GROUP, "可以了")).text == "可以了"


async def test_concurrent_sends_hit_the_group_limit_exactly() -> None:
    async with Sandbox(clock=FakeClock()) as sb:
        populate(sb)
        aio = aio_bot(sb)
        try:
            sends = [aio.send_message(GROUP, f"并发 {n}") for n in range(25)]
            outcomes = await asyncio.gather(*sends, return_exceptions=True)
        finally:
            await aio.session.close()
    assert sum(isinstance(o, AioMessage) for o in outcomes) == 20
    assert sum(isinstance(o, TelegramRetryAfter) and o.retry_after == 60 for o in outcomes) == 5
    assert len(sb.messages(GROUP)) == 20


async def test_private_burst_and_global_limits() -> None:
    clock = FakeClock()
    async with Sandbox(clock=clock, limits=FloodLimits(global_per_second=5)) as sb:
        populate(sb)
        aio = aio_bot(sb)
        try:
            for n in range(3):
                await aio.send_message(ZHANG, f"提醒 {n}")
            with pytest.raises(TelegramRetryAfter) as caught:
                await aio.send_message(ZHANG, "第4条")
            assert caught.value.retry_after == 1
            clock.advance(1)
            await aio.send_message(ZHANG, "一秒后可以")
            with pytest.raises(TelegramRetryAfter):
                await aio.send_message(ZHANG, "桶空了")

            clock.advance(10)
            for user_id in (101, 102, 103, 104, 105):
                sb.add_user(user_id, f"邻居{user_id}")
                await aio.send_message(user_id, "群发")
            with pytest.raises(TelegramRetryAfter) as caught:  # 6th message within a second, any chat
                await aio.send_message(GROUP, "超过总量")
            assert caught.value.retry_after == 1
        finally:
            await aio.session.close()


async def test_limits_can_be_disabled() -> None:
    async with Sandbox(limits=FloodLimits(enabled=False)) as sb, ptb_bot(sb) as bot:
        populate(sb)
        for n in range(25):
            await bot.send_message(GROUP, f"#{n}")
        assert len(sb.calls_of("sendMessage", ok=True)) == 25


# --- faults and errors


async def test_fail_next(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    sb.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await ptb.send_message(GROUP, "限流")
    assert ptb_retry_after(caught.value) == 7
    assert (await ptb.send_message(GROUP, "重试成功")).text == "重试成功"
    assert sb.find_messages("限流") == []  # the failed call did nothing

    sb.fail_next("SENDMESSAGE", error_code=500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await aio.send_message(GROUP, "服务器错误")
    await aio.send_message(GROUP, "好了")

    sb.fail_next("sendMessage", error_code=403)
    with pytest.raises(Forbidden, match="blocked"):
        await ptb.send_message(ZHANG, "x")
    sb.fail_next("getUpdates", error_code=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await ptb.get_updates()
    sb.fail_next("answerCallbackQuery", error_code=400, description="Bad Request: custom")
    with pytest.raises(BadRequest, match=r"[Cc]ustom"):
        await ptb.answer_callback_query("123")

    codes = [c.error_code for c in sb.calls if not c.ok]
    assert codes == [429, 500, 500, 403, 502, 400]


async def test_drop_connection(sb: Sandbox, ptb: telegram.Bot) -> None:
    sb.drop_connection_next("sendMessage")
    with pytest.raises(NetworkError):
        await ptb.send_message(GROUP, "断线")
    assert (await ptb.send_message(GROUP, "重连")).text == "重连"
    assert sb.calls_of("sendMessage")[0].description == "connection dropped"


async def test_bad_requests(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
        await ptb.send_message(-100999, "x")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await aio.send_message(GROUP, "长" * 4097)
    assert (await aio.send_message(GROUP, "长" * 4096)).text == "长" * 4096
    with pytest.raises(BadRequest, match=r"[Mm]essage text is empty"):
        await ptb.send_message(GROUP, "   \n ")
    chinese_data = InlineKeyboardMarkup(
        [[InlineKeyboardButton("改分类", callback_data="分类:" + "电梯故障" * 6)]]
    )
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):  # 64 *bytes*, and 汉字 take 3 each
        await ptb.send_message(GROUP, "x", reply_markup=chinese_data)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag"):
        await ptb.send_message(GROUP, "温度 <3号楼> 高", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await ptb.set_my_commands([("报事", "报事")])

    sb.add_user(LI, "李叔", started=False)
    with pytest.raises(Forbidden, match="initiate conversation"):
        await ptb.send_message(LI, "hi")
    sb.send_text(chat_id=LI, user_id=LI, text="/start")
    assert await ptb.send_message(LI, "欢迎")
    sb.block_bot(LI)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await ptb.send_message(LI, "hi")

    async with httpx.AsyncClient(base_url=f"{sb.url}/bot{TOKEN}") as http:
        missing = await http.post("/sendMessage", json={"text": "no chat"})
        assert missing.status_code == 400 and missing.json()["description"] == "Bad Request: chat_id is empty"
        unknown = await http.post("/frobnicate", json={})
        assert unknown.status_code == 404
        assert unknown.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        assert sb.calls[-1].method == "frobnicate" and sb.calls[-1].error_code == 404


async def test_text_and_caption_limits_count_utf16_after_parsing(sb: Sandbox, ptb: telegram.Bot) -> None:
    limits = FloodLimits(enabled=False)
    async with Sandbox(limits=limits) as sandbox, ptb_bot(sandbox) as bot:
        populate(sandbox)
        assert (await bot.send_message(GROUP, "😀" * 2048)).text == "😀" * 2048  # 4,096 UTF-16 units
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.send_message(GROUP, "😀" * 2049)  # 2,049 characters, but 4,098 units
        bold = await bot.send_message(GROUP, "<b>" + "长" * 4096 + "</b>", parse_mode="HTML")
        assert len(bold.text) == 4096  # the tags don't count
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.edit_message_text("长" * 4097, chat_id=GROUP, message_id=bold.message_id)

        photo = await bot.send_photo(GROUP, make_png(4, 4), caption="长" * 1024)
        assert photo.caption == "长" * 1024
        for caption in ("长" * 1025, "😀" * 513):
            with pytest.raises(BadRequest, match=r"^Message is too long$"):
                await bot.send_photo(GROUP, make_png(4, 4), caption=caption)
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.edit_message_caption(chat_id=GROUP, message_id=photo.message_id, caption="长" * 1025)
        assert [c.error_code for c in sandbox.calls if not c.ok] == [400] * 5


async def test_too_long_texts_and_captions_answer_400_message_is_too_long(sb: Sandbox) -> None:
    # Texts and captions alike: one description, so a bot needs one check to split or shorten.
    too_long = (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"})
    photo = "https://example.com/lift.jpg"  # stored by name, never fetched
    async with httpx.AsyncClient(base_url=f"{sb.url}/bot{TOKEN}") as http:

        async def call(method: str, **params: Any) -> tuple[int, dict[str, Any]]:
            answer = await http.post(f"/{method}", json={"chat_id": GROUP, **params})
            return answer.status_code, answer.json()

        status, text = await call("sendMessage", text="😀" * 2048)  # 4,096 UTF-16 code units: the limit
        assert status == 200
        status, shown = await call("sendPhoto", photo=photo, caption="😀" * 512)  # 1,024 units
        assert status == 200
        refused = {
            "text": ("sendMessage", {"text": "长" * 4097}),
            "text in UTF-16": ("sendMessage", {"text": "😀" * 2049}),  # 2,049 characters, 4,098 units
            "formatted text": ("sendMessage", {"text": f"<b>{'长' * 4097}</b>", "parse_mode": "HTML"}),
            "caption": ("sendPhoto", {"photo": photo, "caption": "长" * 1025}),
            "caption in UTF-16": ("sendPhoto", {"photo": photo, "caption": "😀" * 513}),
            "document caption": ("sendDocument", {"document": photo, "caption": "长" * 1025}),
            "voice caption": ("sendVoice", {"voice": photo, "caption": "长" * 1025}),
            "edited text": (
                "editMessageText",
                {"message_id": text["result"]["message_id"], "text": "长" * 4097},
            ),
            "edited caption": (
                "editMessageCaption",
                {"message_id": shown["result"]["message_id"], "caption": "😀" * 513},
            ),
        }
        for what, (method, params) in refused.items():
            assert await call(method, **params) == too_long, what
    assert sb.messages(GROUP)[-1]["caption"] == "😀" * 512  # the refused edit left it alone


async def test_lone_surrogate_from_either_side_leaves_get_updates_working(sb: Sandbox) -> None:
    typed = sb.send_text(chat_id=GROUP, user_id=ZHANG, text="\ud800abc")
    assert typed["text"] == "\ufffdabc"
    sb.send_photo(chat_id=GROUP, user_id=ZHANG, caption="照片\udfff")
    async with httpx.AsyncClient(base_url=sb.url) as http:
        # The bot's side: a JSON body carries the escape, which Python decodes to a lone surrogate.
        body = f'{{"chat_id": {GROUP}, "text": "收到\\udbff", "reply_markup": {{"inline_keyboard": '
        body += '[[{"text": "\\ud800好", "callback_data": "ok\\udc00"}]]}}'
        sent = await http.post(
            f"/bot{TOKEN}/sendMessage", content=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert sent.status_code == 200
        bot_message = sent.json()["result"]
        assert bot_message["text"] == "收到\ufffd"
        # Later updates carry the bot's message: in a reply, and in the callback query of a tap on it.
        sb.send_text(chat_id=GROUP, user_id=WANG, text="好的", reply_to=bot_message["message_id"])
        sb.press(chat_id=GROUP, user_id=WANG, message_id=bot_message["message_id"], button="\ufffd好")

        for _ in range(2):  # unconfirmed, so the second call answers the same updates again
            answer = await http.get(f"/bot{TOKEN}/getUpdates")
            assert answer.status_code == 200
            updates = json.loads(answer.content.decode("utf-8"))["result"]  # strict UTF-8, valid JSON
            messages = [u["message"] for u in updates if "message" in u]
            assert [m.get("text", m.get("caption")) for m in messages] == ["\ufffdabc", "照片\ufffd", "好的"]
            assert messages[-1]["reply_to_message"]["text"] == "收到\ufffd"
            (query,) = [u["callback_query"] for u in updates if "callback_query" in u]
            assert query["data"] == "ok\ufffd"
            assert query["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "\ufffd好"
        transcript = await http.get("/sandbox/transcript")
        assert transcript.status_code == 200 and "\ufffdabc" in transcript.text


async def test_lone_surrogates_never_break_the_sandbox(sb: Sandbox, ptb: telegram.Bot) -> None:
    typed = sb.send_text(chat_id=GROUP, user_id=ZHANG, text="坏\ud800字 /report")
    assert typed["text"] == "坏\ufffd字 /report"
    assert typed["entities"] == [{"type": "bot_command", "offset": 4, "length": 7}]
    sb.raw_update({"message": {**typed, "message_id": 99, "text": "\udc00"}})
    async with httpx.AsyncClient(base_url=sb.url) as http:
        # Raw bytes: httpx itself can't encode a lone surrogate, but a JSON body can carry its escape.
        json_body = f'{{"chat_id": {GROUP}, "text": "\\ud800 \\udc00好 \\ud83d\\ude00"}}'.encode()
        headers = {"Content-Type": "application/json"}
        sent = await http.post(f"/bot{TOKEN}/sendMessage", content=json_body, headers=headers)
        assert sent.status_code == 200 and sent.json()["result"]["text"] == "\ufffd \ufffd好 😀"
        markup = '{"inline_keyboard": [[{"text": "\\ud800", "callback_data": "x"}]]}'
        form = {"chat_id": str(GROUP), "text": "按钮", "reply_markup": markup}
        with_markup = await http.post(f"/bot{TOKEN}/sendMessage", data=form)
        assert with_markup.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "\ufffd"
        control = f'{{"chat_id": {GROUP}, "user_id": {WANG}, "text": "\\udfff!"}}'.encode()
        posted = await http.post("/sandbox/message", content=control, headers=headers)
        assert posted.json()["result"]["text"] == "\ufffd!"

        for _ in range(2):  # used to answer 500 every time once such a text was queued
            updates = await ptb.get_updates()
            assert [u.message.text for u in updates] == ["坏\ufffd字 /report", "\ufffd", "\ufffd!"]
        transcript = await http.get("/sandbox/transcript")
        assert transcript.status_code == 200 and "坏\ufffd字" in transcript.text
        messages = await http.get("/sandbox/messages", params={"chat_id": GROUP})
        assert messages.status_code == 200
    assert "🤖 邻里: \ufffd \ufffd好 😀" in sb.render_transcript()
    assert sb.calls_of("sendMessage")[0].params["text"] == "\ufffd \ufffd好 😀"


async def test_commands(sb: Sandbox, ptb: telegram.Bot) -> None:
    assert await ptb.set_my_commands([("report", "报事"), ("mine", "我的报事")])
    assert [(c.command, c.description) for c in await ptb.get_my_commands()] == [
        ("report", "报事"),
        ("mine", "我的报事"),
    ]
    assert sb.bot_commands()[0] == {"command": "report", "description": "报事"}
    assert await ptb.delete_my_commands()
    assert await ptb.get_my_commands() == ()


# --- encodings


async def test_json_form_and_query_encodings_coerce_alike(sb: Sandbox) -> None:
    markup = '{"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}'
    async with httpx.AsyncClient(base_url=f"{sb.url}/bot{TOKEN}") as http:
        as_json = await http.post(
            "/sendMessage",
            json={"chat_id": str(GROUP), "text": "[1]", "reply_markup": markup, "disable_notification": True},
        )
        as_form = await http.post(
            "/sendmessage",
            data={
                "chat_id": str(GROUP),
                "text": "[1]",
                "reply_markup": markup,
                "disable_notification": "true",
            },
        )
        as_query = await http.get(
            "/SendMessage",
            params={
                "chat_id": str(GROUP),
                "text": "[1]",
                "reply_markup": markup,
                "disable_notification": "true",
            },
        )
        bad = await http.post(
            "/sendMessage", data={"chat_id": str(GROUP), "text": "x", "reply_markup": "{oops"}
        )
    assert [r.status_code for r in (as_json, as_form, as_query)] == [200, 200, 200]
    assert as_form.json()["result"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]
    }
    calls = sb.calls_of("sendMessage", ok=True)
    assert len(calls) == 3
    for call in calls:
        assert call.method == "sendMessage"
        assert call.params["chat_id"] == GROUP and call.params["disable_notification"] is True
        assert call.params["text"] == "[1]"  # texts stay texts even when they look like JSON
        assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "好"
    assert bad.status_code == 400 and "can't parse reply keyboard markup" in bad.json()["description"]


async def test_multipart_uploads_and_downloads(sb: Sandbox, ptb: telegram.Bot, aio: AioBot) -> None:
    png = make_png(64, 48)
    photo = await ptb.send_photo(GROUP, png, caption="<b>电梯</b> 照片", parse_mode="HTML")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (64, 48)
    assert photo.caption == "电梯 照片" and photo.caption_entities[0].type == "bold"
    ptb_file = await ptb.get_file(photo.photo[-1].file_id)
    assert bytes(await ptb_file.download_as_bytearray()) == png

    aio_photo = await aio.send_photo(STAFF, BufferedInputFile(make_png(10, 20), "现场.png"), caption="现场")
    assert aio_photo.photo is not None and (aio_photo.photo[-1].width, aio_photo.photo[-1].height) == (10, 20)
    assert (await aio.download(aio_photo.photo[-1].file_id)).read() == make_png(10, 20)  # type: ignore[union-attr]
    assert sb.calls_of("sendPhoto")[-1].params["photo"].filename == "现场.png"

    document = await aio.send_document(GROUP, BufferedInputFile("报修单\n".encode(), "报修单.txt"))
    assert document.document is not None and document.document.file_name == "报修单.txt"
    voice = await ptb.send_voice(ZHANG, b"OggS fake", duration=4)
    assert voice.voice.duration == 4 and voice.voice.mime_type == "audio/ogg"

    resent = await ptb.send_photo(STAFF, photo.photo[-1].file_id)  # by file_id, no upload
    assert resent.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type voice as photo"):
        await ptb.send_photo(GROUP, voice.voice.file_id)
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await ptb.send_photo(GROUP, b"not an image")
    with pytest.raises(BadRequest, match=r"[Ii]nvalid file_id"):
        await ptb.get_file("nope")

    sent = sb.send_photo(chat_id=GROUP, user_id=ZHANG, caption="漏水")  # a user's photo is downloadable too
    user_file = await ptb.get_file(sent["photo"][-1]["file_id"])
    assert bytes(await user_file.download_as_bytearray()) == sb.file_bytes(sent["photo"][-1]["file_id"])
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{sb.url}/file/bot{TOKEN}/photos/missing.jpg")).status_code == 404


# --- formatting


def test_detected_entities_use_utf16_offsets() -> None:
    text = "😀 /help 找 @wangshifu，邮件a@b.cc /不是命令"
    assert detect_entities(text) == [
        {"type": "bot_command", "offset": 3, "length": 5},
        {"type": "mention", "offset": 11, "length": 10},
    ]


def test_parse_modes() -> None:
    text, entities = parse_formatted(
        '<b>报事 #1</b> <a href="https://x.cn/1?a=1&amp;b=2">详情</a> &lt;3号楼&gt;', "HTML"
    )
    assert text == "报事 #1 详情 <3号楼>"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "text_link", "offset": 6, "length": 2, "url": "https://x.cn/1?a=1&b=2"},
    ]
    text, entities = parse_formatted("*报事 \\#1* _已受理_ `a_b`", "MarkdownV2")
    assert text == "报事 #1 已受理 a_b"
    assert [e["type"] for e in entities] == ["bold", "italic", "code"]
    with pytest.raises(Exception, match=r"Character '\.' is reserved"):
        parse_formatted("谢谢.", "MarkdownV2")
    with pytest.raises(Exception, match="Can't find end of Bold entity at byte offset 0"):
        parse_formatted("*未闭合", "MarkdownV2")
    with pytest.raises(Exception, match='Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'):
        parse_formatted("<b><i>x</b></i>", "HTML")


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_formatted(html.escape(text, quote=False), "HTML") == (text, [])
    escaped = re.sub(r"([_*\[\]()~`>#+\-=|{}.!\\])", r"\\\1", text)
    assert parse_formatted(escaped, "MarkdownV2") == (text, [])


# --- recording, waiting, transcript, control API


async def test_wait_helpers_and_settle(sb: Sandbox, ptb: telegram.Bot) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.1)
        await ptb.send_message(GROUP, "稍后回复")

    task = asyncio.create_task(reply_later())
    (call,) = await sb.wait_calls("sendMessage", chat_id=GROUP, text=lambda t: "稍后" in t, timeout=2)
    assert call.result["text"] == "稍后回复"
    assert (await sb.wait_message("稍后", chat_id=GROUP))["message_id"] == call.result["message_id"]
    await task

    with pytest.raises(TimeoutError) as caught:
        await sb.wait_calls("sendMessage", n=5, timeout=0.1)
    assert "5 x sendMessage" in str(caught.value) and "sendMessage(chat_id=-1001234567890" in str(
        caught.value
    )

    await sb.settle(quiet=0.05, timeout=1)  # nothing queued: settles at once
    sb.send_text(chat_id=GROUP, user_id=ZHANG, text="有人吗")
    with pytest.raises(TimeoutError, match="not fetched"):
        await sb.settle(quiet=0.05, timeout=0.2)
    await ptb.get_updates()
    started = time.monotonic()
    await sb.settle(quiet=0.2, timeout=2)
    assert time.monotonic() - started >= 0.19


async def test_ptb_application_and_aiogram_dispatcher_end_to_end(sb: Sandbox) -> None:
    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("已收到 #1", reply_markup=INLINE)

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("已处理")
        await update.callback_query.edit_message_text("报事 #1 已解决")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{sb.url}/bot")
        .base_file_url(f"{sb.url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CallbackQueryHandler(done))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, poll_interval=0)
        sb.send_text(chat_id=GROUP, user_id=ZHANG, text="/report 电梯坏了")
        receipt = await sb.wait_message("已收到 #1", chat_id=GROUP, timeout=5)
        sb.press(chat_id=GROUP, user_id=WANG, message_id=receipt["message_id"], button="已解决")
        await sb.wait_calls("editMessageText", timeout=5)
        await sb.settle(quiet=0.1)
        await app.updater.stop()
        await app.stop()

    dispatcher = Dispatcher()

    @dispatcher.message(Command("mine"))
    async def mine(message: AioMessage) -> None:
        await message.answer("您有 1 条报事")

    aio = aio_bot(sb)
    polling = asyncio.create_task(dispatcher.start_polling(aio, handle_signals=False, polling_timeout=5))
    try:
        sb.send_text(chat_id=ZHANG, user_id=ZHANG, text="/mine")
        await sb.wait_message("您有 1 条报事", chat_id=ZHANG, timeout=5)
    finally:
        await dispatcher.stop_polling()
        await polling
        await aio.session.close()

    assert sb.render_transcript().splitlines() == [
        "[3号楼业主群] 张阿姨: /report 电梯坏了",
        "[3号楼业主群] 🤖 邻里 (回复 张阿姨): 已收到 #1",
        "  [已解决] [改分类]",
        "[3号楼业主群] 王师傅 按下 [已解决]",
        "  💬 提示: 已处理",
        "[3号楼业主群] 🤖 邻里 ✎ 编辑了消息 #2: 报事 #1 已解决",
        "  (按钮已移除)",
        "[私聊 张阿姨] 张阿姨: /mine",
        "[私聊 张阿姨] 🤖 邻里: 您有 1 条报事",
    ]


async def test_transcript_rendering(sb: Sandbox, ptb: telegram.Bot) -> None:
    report = sb.send_text(chat_id=GROUP, user_id=ZHANG, text="报事 3号楼电梯又坏了")
    await ptb.send_message(
        GROUP,
        "已收到 #1\n分类: 电梯\n状态: 待处理",
        reply_markup=INLINE,
        reply_to_message_id=report["message_id"],
    )
    task = await ptb.send_message(STAFF, "新报事 #1: 3号楼电梯又坏了", reply_markup=INLINE)
    mark = sb.transcript_mark()
    query = sb.press(chat_id=STAFF, user_id=WANG, message_id=task.message_id, data="done:1")
    await ptb.answer_callback_query(query, text="已标记为已解决")
    await ptb.edit_message_text(
        "报事 #1 已解决 ✅", chat_id=STAFF, message_id=task.message_id, reply_markup=INLINE
    )
    sb.press(chat_id=STAFF, user_id=WANG, message_id=task.message_id, data="forged")
    notice = await ptb.send_message(GROUP, "停水通知：明天 9:00-12:00 停水，请提前储水。")
    await ptb.pin_chat_message(GROUP, notice.message_id)
    sb.send_text(chat_id=ZHANG, user_id=ZHANG, text="/start")
    await ptb.send_message(
        ZHANG, "您好！", reply_markup=ReplyKeyboardMarkup([["我要报事", "我的报事"], ["帮助"]])
    )
    sb.send_photo(chat_id=GROUP, user_id=ZHANG, caption="漏水照片")
    sb.send_voice(chat_id=GROUP, user_id=WANG, duration=5, reply_to=report["message_id"])
    await ptb.delete_message(GROUP, notice.message_id)
    photo = await ptb.send_photo(GROUP, make_png(4, 4), caption="维修完成")
    await ptb.edit_message_caption(chat_id=GROUP, message_id=photo.message_id, caption="维修完成，请验收")

    lines = sb.render_transcript().splitlines()
    assert lines == [
        "[3号楼业主群] 张阿姨: 报事 3号楼电梯又坏了",
        "[3号楼业主群] 🤖 邻里 (回复 张阿姨): 已收到 #1",
        "    分类: 电梯",
        "    状态: 待处理",
        "  [已解决] [改分类]",
        "[物业工作群] 🤖 邻里: 新报事 #1: 3号楼电梯又坏了",
        "  [已解决] [改分类]",
        "[物业工作群] 王师傅 按下 [已解决]",
        "  💬 提示: 已标记为已解决",
        "[物业工作群] 🤖 邻里 ✎ 编辑了消息 #1: 报事 #1 已解决 ✅",
        "  [已解决] [改分类]",
        "[物业工作群] 王师傅 按下 [?] (data=forged)",
        "[3号楼业主群] 🤖 邻里: 停水通知：明天 9:00-12:00 停水，请提前储水。",
        "[3号楼业主群] 🤖 邻里 📌 置顶了消息 #3「停水通知：明天 9:00-12:00 停…」",
        "[私聊 张阿姨] 张阿姨: /start",
        "[私聊 张阿姨] 🤖 邻里: 您好！",
        "  ⌨ 我要报事 | 我的报事",
        "    帮助",
        "[3号楼业主群] 张阿姨: [图片] 漏水照片",
        "[3号楼业主群] 王师傅 (回复 张阿姨): [语音 5秒]",
        "[3号楼业主群] 🤖 邻里 🗑 删除了消息 #3「停水通知：明天 9:00-12:00 停…」",
        "[3号楼业主群] 🤖 邻里: [图片] 维修完成",
        "[3号楼业主群] 🤖 邻里 ✎ 编辑了消息 #7 的说明: [图片] 维修完成，请验收",
    ]
    assert sb.render_transcript(mark).splitlines()[0] == "[物业工作群] 王师傅 按下 [已解决]"
    assert "[3号楼业主群] #1 张阿姨: 报事 3号楼电梯又坏了" in sb.render_transcript(show_ids=True)


async def test_control_api(sb: Sandbox, ptb: telegram.Bot) -> None:
    async with httpx.AsyncClient(base_url=sb.url) as http:
        posted = await http.post("/sandbox/message", json={"chat_id": -1007, "user_id": 77, "text": "/start"})
        assert posted.json()["result"]["chat"] == {"id": -1007, "title": "群1007", "type": "group"}
        (update,) = await ptb.get_updates()
        assert update.message.from_user.first_name == "用户77"

        sent = await ptb.send_message(-1007, "请确认", reply_markup=INLINE)
        pressed = await http.post(
            "/sandbox/press",
            json={"chat_id": -1007, "user_id": 77, "message_id": sent.message_id, "button": "改分类"},
        )
        query_id = pressed.json()["result"]["callback_query_id"]
        (update,) = await ptb.get_updates(offset=update.update_id + 1)
        assert (update.callback_query.id, update.callback_query.data) == (query_id, "cat:1")

        calls = (await http.get("/sandbox/calls", params={"since": 1})).json()["result"]
        assert [c["method"] for c in calls] == ["getUpdates", "sendMessage", "getUpdates"]
        transcript = await http.get("/sandbox/transcript")
        assert transcript.headers["content-type"].startswith("text/plain")
        assert transcript.text.splitlines()[-1] == "[群1007] 用户77 按下 [改分类]"
        bad = await http.post(
            "/sandbox/press", json={"chat_id": -1007, "user_id": 77, "message_id": 999, "data": "x"}
        )
        assert bad.status_code == 400 and "no message 999" in bad.json()["description"]


RESOLVE_OR_RATE = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("✅ 已解决", callback_data="resolve")],
        [InlineKeyboardButton("🏷 改分类", callback_data="reclassify")],
        [InlineKeyboardButton("改分类", callback_data="change")],
        [
            InlineKeyboardButton("😊 满意", callback_data="good"),
            InlineKeyboardButton("😞 不满意", callback_data="bad"),
            InlineKeyboardButton("👍🏽 好评", callback_data="thumbs"),
        ],
        [
            InlineKeyboardButton("下一页 ▶", callback_data="next"),
            InlineKeyboardButton("⭐", callback_data="star"),
        ],
    ]
)


async def test_buttons_are_found_by_their_label_with_or_without_emoji(sb: Sandbox, ptb: telegram.Bot) -> None:
    sent = await ptb.send_message(GROUP, "报事 #1", reply_markup=RESOLVE_OR_RATE)

    def data(label: str) -> str:
        return sb.button_data(GROUP, sent.message_id, label)

    assert data("✅ 已解决") == data("已解决") == data(" 已解决 ") == data("已解决 ✅") == "resolve"
    assert (data("满意"), data("不满意"), data("😞 不满意")) == ("good", "bad", "bad")
    assert data("好评") == "thumbs"  # a skin tone modifier is part of the emoji
    assert data("下一页") == "next"
    assert (data("改分类"), data("🏷 改分类")) == ("change", "reclassify")  # the exact label wins
    assert data("⭐") == "star"
    with pytest.raises(ValueError, match=r"no button '🌟' .*'✅ 已解决'"):  # emoji alone match exactly
        data("🌟")
    with pytest.raises(ValueError, match="no button '已'"):  # the rest of the label must match whole
        data("已")

    query_id = sb.press(chat_id=GROUP, user_id=ZHANG, message_id=sent.message_id, button="已解决")
    (update,) = await ptb.get_updates()
    assert (update.callback_query.id, update.callback_query.data) == (query_id, "resolve")
    assert sb.render_transcript().splitlines()[-1] == "[3号楼业主群] 张阿姨 按下 [✅ 已解决]"


async def test_a_label_matching_several_buttons_only_without_emoji_is_refused(
    sb: Sandbox, ptb: telegram.Bot
) -> None:
    twins = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ 已解决", callback_data="a"),
                InlineKeyboardButton("☑️ 已解决", callback_data="b"),
            ]
        ]
    )
    sent = await ptb.send_message(GROUP, "报事 #2", reply_markup=twins)
    with pytest.raises(ValueError, match=r"'已解决' could be any of the buttons '✅ 已解决', '☑️ 已解决'"):
        sb.button_data(GROUP, sent.message_id, "已解决")
    assert sb.button_data(GROUP, sent.message_id, "☑️ 已解决") == "b"
    async with httpx.AsyncClient(base_url=sb.url) as http:
        press = {"chat_id": GROUP, "user_id": ZHANG, "message_id": sent.message_id}
        ambiguous = await http.post("/sandbox/press", json={**press, "button": "已解决"})
        assert ambiguous.status_code == 400
        assert "'✅ 已解决', '☑️ 已解决'" in ambiguous.json()["description"]
        exact = await http.post("/sandbox/press", json={**press, "button": "✅ 已解决"})
        assert exact.status_code == 200
    assert [u.callback_query.data for u in await ptb.get_updates()] == ["a"]


async def test_control_api_presses_a_button_by_its_label_without_emoji(
    sb: Sandbox, ptb: telegram.Bot
) -> None:
    sent = await ptb.send_message(GROUP, "请评价", reply_markup=RESOLVE_OR_RATE)
    async with httpx.AsyncClient(base_url=sb.url) as http:
        press = {"chat_id": GROUP, "user_id": ZHANG, "message_id": sent.message_id}
        for label in ("已解决", "满意", "不满意", "改分类"):
            pressed = await http.post("/sandbox/press", json={**press, "button": label})
            assert pressed.status_code == 200, pressed.text
        missing = await http.post("/sandbox/press", json={**press, "button": "驳回"})
        assert missing.status_code == 400 and "no button '驳回'" in missing.json()["description"]
    updates = await ptb.get_updates()
    assert [u.callback_query.data for u in updates] == ["resolve", "good", "bad", "change"]


def test_user_side_validation() -> None:
    sandbox = Sandbox()
    with pytest.raises(ValueError, match="private chat's id"):
        sandbox.send_text(chat_id=5, user_id=6, text="x")
    with pytest.raises(ValueError, match="to reply to"):
        sandbox.send_text(chat_id=GROUP, user_id=ZHANG, text="x", reply_to=42)
    message: dict[str, Any] = sandbox.send_text(chat_id=GROUP, user_id=ZHANG, text="hi")
    with pytest.raises(ValueError, match="no button"):
        sandbox.press(chat_id=GROUP, user_id=ZHANG, message_id=message["message_id"], button="无")
    assert sandbox.raw_update({"update_id": 50, "message": message})["update_id"] == 50
    assert sandbox.send_text(chat_id=GROUP, user_id=ZHANG, text="next")["message_id"] == 2
    assert [q["update_id"] for q in (sandbox.raw_update({"poll": {}}),)] == [52]
