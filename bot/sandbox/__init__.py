"""A local stand-in for the Telegram Bot API.

Used by `linli demo`, `linli shell`, `linli sandbox` and the end-to-end tests.

The real python-telegram-bot / aiogram stacks talk HTTP to it exactly as they would to api.telegram.org;
the "user side" (tests, demo script, shell) drives it through plain Python methods that queue updates.
Updates go out through getUpdates, or, once the bot calls setWebhook, are POSTed to the webhook as Telegram
would (plain http is accepted for loopback hosts, so tests need no certificate).

    async with Sandbox() as sb:
        bot = telegram.Bot(TOKEN, base_url=f"{sb.url}/bot", base_file_url=f"{sb.url}/file/bot")
        sb.add_group(-1001, "3号楼业主群")
        sb.add_user(1, "张阿姨")
        sb.send_text(chat_id=-1001, user_id=1, text="报事 3号楼电梯又坏了")
        ...  # run the bot (polling) against sb.url
        await sb.settle()
        print(sb.render_transcript())

All state lives on the event loop that runs the server; call the user-side methods from that loop.

The package, by concern (`Sandbox` in server.py puts the mixins together; state.py holds all the state):

    protocol.py    the bot's identity, Telegram's limits and error answers
    markup.py      parse modes, entities, UTF-16 lengths, lone surrogates, reply markup checks
    media.py       uploads and stored files
    flood.py       Telegram's sending limits (429 retry_after)
    state.py       users, chats, messages, files, the update queue's items, recorded calls
    updates.py     the update queue and getUpdates
    webhook.py     setWebhook and webhook delivery
    api.py         the Bot API methods
    wire.py        decoding requests, encoding answers
    user_side.py   what users do: write, send media, tap buttons, join, upgrade groups
    inspection.py  what tests look at and wait for
    transcript.py  the human-readable transcript
    control.py     the user side over HTTP (/sandbox/...)
    server.py      Sandbox: lifecycle and the HTTP layer; serve() and main() for `linli sandbox`
"""

from __future__ import annotations

from bot.sandbox.flood import FloodLimits
from bot.sandbox.markup import detect_entities, parse_formatted
from bot.sandbox.media import Upload, make_png
from bot.sandbox.protocol import (
    BOT_ID,
    GROUP_ANONYMOUS_BOT,
    JSON,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    ApiError,
)
from bot.sandbox.server import Sandbox, main, serve
from bot.sandbox.state import WEBHOOK_TIMEOUT, Call, WebhookDelivery
from bot.sandbox.webhook import WEBHOOK_BACKOFF_MAX, WEBHOOK_BACKOFF_START

__all__ = [
    "BOT_ID",
    "GROUP_ANONYMOUS_BOT",
    "JSON",
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "WEBHOOK_BACKOFF_MAX",
    "WEBHOOK_BACKOFF_START",
    "WEBHOOK_TIMEOUT",
    "ApiError",
    "Call",
    "FloodLimits",
    "Sandbox",
    "Upload",
    "WebhookDelivery",
    "detect_entities",
    "main",
    "make_png",
    "parse_formatted",
    "serve",
]
