"""The transcript: what happened in the chats, as a person reading them would see it.

The demo prints it, `linli sandbox` serves it at /sandbox/transcript, and tests compare it line by line,
so its wording is part of the sandbox's contract."""

from __future__ import annotations

from collections.abc import Iterator

from bot.sandbox.protocol import JSON
from bot.sandbox.state import Event, SandboxState


class Transcript(SandboxState):
    """Renders the events the other sides record (messages, edits, presses, toasts...) as text."""

    def transcript_mark(self) -> int:
        """Position to pass as `since` to render only what happens from now on."""
        return len(self._events)

    def transcript_lines(self, since: int = 0, *, show_ids: bool = False) -> Iterator[str]:
        for event in self._events[since:]:
            yield from self._render(event, show_ids)

    def render_transcript(self, since: int = 0, *, show_ids: bool = False) -> str:
        return "\n".join(self.transcript_lines(since, show_ids=show_ids))

    def _render(self, event: Event, show_ids: bool) -> Iterator[str]:
        label = f"[{self._chat_label(event.chat_id)}]"
        message = event.message or {}
        number = f" #{message.get('message_id')}" if show_ids and message else ""
        bot = f"🤖 {self.bot_user['first_name']}"
        if event.kind == "message":
            head = f"{label}{number} {_display(message['from'])}"
            if replied := message.get("reply_to_message"):
                head += f" (回复 {_display(replied['from'])})"
            yield from _body(f"{head}: ", _content(message))
            yield from _markup_lines(event.markup)
        elif event.kind == "edit":
            what = " 的说明" if event.text == "caption" else " 的按钮" if event.text == "markup" else ""
            body = "" if event.text == "markup" else _content(message)
            yield from _body(f"{label} {bot} ✎ 编辑了消息 #{message['message_id']}{what}: ", body)
            yield from _markup_lines(message.get("reply_markup"))
            if (event.previous or {}).get("reply_markup") and not message.get("reply_markup"):
                yield "  (按钮已移除)"
        elif event.kind == "press":
            yield f"{label} {_display(event.actor or {})} 按下 {_button_label(message, event.text)}"
        elif event.kind == "toast":
            yield from _body("  ⚠️ 弹窗: " if event.alert else "  💬 提示: ", event.text)
        elif event.kind in ("pin", "unpin", "delete"):
            verb = {"pin": "📌 置顶了", "unpin": "📌 取消置顶", "delete": "🗑 删除了"}[event.kind]
            yield f"{label} {bot} {verb}消息 #{message['message_id']}{_snippet(message)}"
        elif event.kind == "bot_added":
            yield f"{label} {_display(event.actor or {})} 把 {bot} 拉进了群聊"
        elif event.kind == "joined":
            yield f"{label} {_display(event.actor or {})} 加入了群聊"
        elif event.kind == "migrate":
            yield f"{label} {_display(event.actor or {})} 把群升级为超级群 (新 id {event.text})"

    def _chat_label(self, chat_id: int) -> str:
        chat = self._chats[chat_id]
        if chat.private:
            user = self._users.get(chat_id)
            return f"私聊 {_display(user.data if user else chat.data)}"
        return str(chat.data.get("title", chat_id))


def _display(user: JSON) -> str:
    name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k)) or str(
        user.get("id", "?")
    )
    return f"🤖 {name}" if user.get("is_bot") else name


def _content(message: JSON) -> str:
    parts = []
    if "photo" in message:
        parts.append("[图片]")
    if "voice" in message:
        parts.append(f"[语音 {message['voice'].get('duration', 0)}秒]")
    if "document" in message:
        parts.append(f"[文件 {message['document'].get('file_name', '')}]")
    if "contact" in message:
        parts.append(f"[名片 {message['contact'].get('phone_number', '')}]")
    if text := message.get("text") or message.get("caption"):
        parts.append(str(text))
    return " ".join(parts)


def _snippet(message: JSON, width: int = 20) -> str:
    text = _content(message).replace("\n", " ")
    return f"「{text[:width]}{'…' if len(text) > width else ''}」" if text else ""


def _body(prefix: str, text: str) -> Iterator[str]:
    first, *rest = text.split("\n") if text else [""]
    yield (prefix + first).rstrip()
    for line in rest:
        yield ("    " + line).rstrip()


def _markup_lines(markup: JSON | None) -> Iterator[str]:
    if not markup:
        return
    for row in markup.get("inline_keyboard", []):
        yield "  " + " ".join(f"[{b.get('text', '')}{' ↗' if 'url' in b else ''}]" for b in row)
    for index, row in enumerate(markup.get("keyboard", [])):
        labels = [b if isinstance(b, str) else _key_label(b) for b in row]
        yield ("  ⌨ " if index == 0 else "    ") + " | ".join(labels)
    if markup.get("remove_keyboard"):
        yield "  ⌨ (收起键盘)"
    if markup.get("force_reply"):
        yield "  ↩ (请求回复)"


def _key_label(button: JSON) -> str:
    """A reply-keyboard button as shown: its text, and whether pressing it sends the user's phone."""
    return str(button.get("text", "")) + (" (发送电话)" if button.get("request_contact") else "")


def _button_label(message: JSON, data: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data") == data:
                return f"[{button.get('text', '')}]"
    return f"[?] (data={data})"
