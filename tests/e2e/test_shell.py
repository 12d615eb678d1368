"""`linli shell` as a new user types in it: a real bot process behind the prompt, bad input never ends it."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest


async def _read_until(
    stream: asyncio.StreamReader, wanted: str, seen: list[str], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in "".join(seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {wanted!r}; got:\n{''.join(seen)[-2000:]}")
        chunk = await asyncio.wait_for(stream.read(4096), left)
        if not chunk:
            raise AssertionError(f"the shell ended before {wanted!r}; got:\n{''.join(seen)[-2000:]}")
        seen.append(chunk.decode(errors="replace"))


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_a_reply_to_a_message_that_is_not_there_is_said_and_the_shell_goes_on(framework: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")} | {"LINLI_FRAMEWORK": framework}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "shell",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    seen: list[str] = []
    try:
        await _read_until(proc.stdout, "> ", seen)
        proc.stdin.write("/reply 99 你好\n".encode())
        await proc.stdin.drain()
        await _read_until(proc.stdout, "no message 99", seen)
        proc.stdin.write(b"/start\n")
        await proc.stdin.drain()
        await _read_until(proc.stdout, "您好", seen)  # the bot still answers
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert "Traceback" not in "".join(seen)
