"""Reading what people typed: commands, report prefixes, mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: str


def parse_command(text: str, bot_username: str) -> Command | None:
    """`/name@bot args`; a command addressed to another bot is not ours."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name, target, args = match.groups()
    if target and target.lower() != bot_username.lower():
        return None
    return Command(name.lower(), (args or "").strip())


def strip_report_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    """The report body when the text starts with one of `prefixes` (报事 / #报事), else None."""
    stripped = text.lstrip()
    for prefix in prefixes:
        if stripped.startswith(prefix):
            return stripped[len(prefix) :].lstrip(" ：:，,、\n")
    return None


def strip_mention(text: str, bot_username: str) -> str | None:
    """The text without @bot when the bot is mentioned, else None."""
    pattern = re.compile(rf"@{re.escape(bot_username)}\b", re.IGNORECASE)
    if not pattern.search(text):
        return None
    return pattern.sub(" ", text).strip(" ：:，,\n")


def first_int(text: str) -> tuple[int, str] | None:
    """Leading "12" or "#12" and the rest, for commands like /resolve 12 说明."""
    match = re.match(r"^#?(\d{1,18})\b\s*(.*)$", text.strip(), re.DOTALL)
    if match is None:
        return None
    return int(match.group(1)), match.group(2).strip()
