"""Message text as Telegram treats it: parse modes, entities, limits, broken surrogates, reply markup.

The sandbox parses HTML, MarkdownV2 and legacy Markdown like Telegram, so bots get the same "can't parse
entities" errors; it counts lengths and offsets in UTF-16 code units as Telegram does; and it cleans lone
surrogates out of every text it takes in, so no text can make a later answer fail."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.sandbox.protocol import JSON, ApiError, bad

# --------------------------------------------------------------------------------------------------
# Counting and cleaning


def u16(text: str) -> int:
    """Entity offsets, lengths and the text limits are counted in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_at(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Replace lone UTF-16 surrogates with U+FFFD, as Telegram does.

    JSON lets a client send "\\ud800"; Python keeps it as a str that can't be encoded to UTF-8, so one such
    text would make every later answer that carries it (getUpdates, the transcript) fail. Surrogate pairs
    that arrive as two code points are joined into the character they encode."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------------
# parse_mode handling


def _entity_error(detail: str) -> ApiError:
    return bad(f"can't parse entities: {detail}")


class _Out:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 length so far

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += u16(text)

    def text(self) -> str:
        return "".join(self.parts)


def _entity(kind: str, start: int, end: int, **extra: Any) -> JSON | None:
    return {"type": kind, "offset": start, "length": end - start, **extra} if end > start else None


def _sorted_entities(entities: list[JSON | None]) -> list[JSON]:
    return sorted((e for e in entities if e), key=lambda e: (e["offset"], -e["length"]))


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
_HTML_CHARREF = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_HTML_NAME = re.compile(r"[^\s>/]*")
_HTML_ATTR = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _parse_html(src: str) -> tuple[str, list[JSON]]:
    out, entities = _Out(), []
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(src):
        char = src[i]
        if char == "&" and (ref := _HTML_CHARREF.match(src, i)):
            out.add(html.unescape(ref.group()))
            i = ref.end()
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        at, end = _byte_at(src, i), src.find(">", i)
        if src.startswith("</", i):
            if end < 0:
                raise _entity_error(f"Unclosed end tag at byte offset {at}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {at}")
            tag, start, attrs = stack.pop()
            if name != tag:
                raise _entity_error(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{name}>"'
                )
            entities.append(_html_entity(tag, start, out.pos, attrs, stack))
        else:
            name = _HTML_NAME.match(src, i + 1).group().lower()  # type: ignore[union-attr]
            if name not in _HTML_TAGS:
                raise _entity_error(f'Unsupported start tag "{name}" at byte offset {at}')
            if end < 0:
                raise _entity_error(f"Unclosed start tag at byte offset {at}")
            found = _HTML_ATTR.findall(src, i + 1 + len(name), end)
            attrs = {key.lower(): html.unescape(a or b or c) for key, a, b, c in found}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
            stack.append((name, out.pos, attrs))
        i = end + 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), _sorted_entities(entities)


def _html_entity(
    tag: str, start: int, end: int, attrs: dict[str, str], stack: list[tuple[str, int, dict[str, str]]]
) -> JSON | None:
    kind = _HTML_TAGS[tag]
    css = attrs.get("class", "")
    if tag == "code" and stack and stack[-1][0] == "pre" and css.startswith("language-"):
        stack[-1][2]["language"] = css.removeprefix("language-")  # becomes the pre entity's language
        return None
    if kind == "text_link":
        return _entity(kind, start, end, url=attrs["href"]) if attrs.get("href") else None
    if kind == "pre" and attrs.get("language"):
        return _entity(kind, start, end, language=attrs["language"])
    if kind == "blockquote" and "expandable" in attrs:
        return _entity("expandable_blockquote", start, end)
    if kind == "custom_emoji":
        return _entity(kind, start, end, custom_emoji_id=attrs.get("emoji-id", ""))
    return _entity(kind, start, end)


_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_TOKENS = ("```", "||", "__", "*", "_", "~", "`", "[")
_MD2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler",
              "`": "code", "```": "pre"}  # fmt: skip
_MD2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler",
              "`": "Code", "```": "Pre", "[": "TextUrl"}  # fmt: skip


def _parse_markdown_v2(src: str) -> tuple[str, list[JSON | None]]:
    out, entities = _Out(), []
    stack: list[tuple[str, int, int, str]] = []  # token, start, byte offset, pre language
    quote: int | None = None
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        top = stack[-1][0] if stack else ""
        if top in ("`", "```"):  # code keeps everything literally until its closing token
            if src.startswith(top, i):
                _, start, _, lang = stack.pop()
                entities.append(
                    _entity(_MD2_TYPES[top], start, out.pos, **({"language": lang} if lang else {}))
                )
                i += len(top)
            else:
                out.add(char)
                i += 1
            continue
        if char == "\n" and quote is not None and not src.startswith(">", i + 1):
            entities.append(_entity("blockquote", quote, out.pos))
            quote = None
        if char not in _MD2_RESERVED:
            out.add(char)
            i += 1
            continue
        if char == ">" and (i == 0 or src[i - 1] == "\n"):
            quote = out.pos if quote is None else quote
            i += 1
            continue
        if char == "]" and top == "[":
            _, start, _, _ = stack.pop()
            i += 1
            if src.startswith("(", i):
                close = src.find(")", i)
                if close < 0:
                    raise _entity_error(f"Can't find end of a URL at byte offset {_byte_at(src, i)}")
                entities.append(_entity("text_link", start, out.pos, url=src[i + 1 : close]))
                i = close + 1
            continue
        token = next((t for t in _MD2_TOKENS if src.startswith(t, i)), None)
        if token is None:
            raise _entity_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        at = _byte_at(src, i)
        i += len(token)
        if token == top and token != "[":
            _, start, _, _ = stack.pop()
            entities.append(_entity(_MD2_TYPES[token], start, out.pos))
            continue
        lang = ""
        newline = src.find("\n", i) if token == "```" else -1
        if newline >= 0 and " " not in src[i:newline].strip():  # ```python\n opens a pre with a language
            lang, i = src[i:newline].strip(), newline + 1
        stack.append((token, out.pos, at, lang))
    if quote is not None:
        entities.append(_entity("blockquote", quote, out.pos))
    if stack:
        token, _, at, _ = stack[-1]
        raise _entity_error(f"Can't find end of {_MD2_NAMES[token]} entity at byte offset {at}")
    return out.text(), entities


_MD_TYPES = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


def _parse_markdown(src: str) -> tuple[str, list[JSON | None]]:
    """Legacy Markdown: no nesting, few escapes, unclosed entities are errors."""
    out, entities = _Out(), []
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and src[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.add(src[i + 1])
            i += 2
            continue
        token = "```" if src.startswith("```", i) else char if char in "*_`[" else ""
        if not token:
            out.add(char)
            i += 1
            continue
        at = _byte_at(src, i)
        closing = "]" if token == "[" else token
        end = src.find(closing, i + len(token))
        if end < 0:
            raise _entity_error(f"Can't find end of the entity starting at byte offset {at}")
        inner, start = src[i + len(token) : end], out.pos
        i = end + len(closing)
        if token == "```" and "\n" in inner:
            lang, rest = inner.split("\n", 1)
            inner = rest if " " not in lang else inner
        out.add(inner)
        if token != "[":
            entities.append(_entity(_MD_TYPES[token], start, out.pos))
        elif src.startswith("(", i) and (close := src.find(")", i)) >= 0:
            entities.append(_entity("text_link", start, out.pos, url=src[i + 1 : close]))
            i = close + 1
    return out.text(), entities


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Apply parse_mode like Telegram: returns the plain text and its entities, or raises ApiError."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = _parse_html(text)
    elif mode == "markdownv2":
        plain, entities = _parse_markdown_v2(text)
    elif mode == "markdown":
        plain, entities = _parse_markdown(text)
    elif mode:
        raise bad(f"unsupported parse_mode {parse_mode}")
    else:
        return text, []
    return plain, _sorted_entities(entities)


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Telegram strips surrounding whitespace from texts; entities move with the text."""
    body = text.strip()
    if body == text:
        return text, entities
    shift, total = u16(text[: len(text) - len(text.lstrip())]), u16(body)
    moved = []
    for e in entities:
        start, end = max(e["offset"] - shift, 0), min(e["offset"] + e["length"] - shift, total)
        if end > start:
            moved.append({**e, "offset": start, "length": end - start})
    return body, moved


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_/])@[A-Za-z0-9_]{4,32}(?![A-Za-z0-9_])")


def detect_entities(text: str) -> list[JSON]:
    """The entities a Telegram client attaches to a typed message: bot commands and @mentions."""
    found = [
        {"type": kind, "offset": u16(text[: m.start()]), "length": u16(m.group())}
        for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE))
        for m in pattern.finditer(text)
    ]
    return sorted(found, key=lambda e: e["offset"])


# --------------------------------------------------------------------------------------------------
# A bot's text or caption parameter, and its reply markup


def formatted_text(
    params: JSON, key: str, entities_key: str, limit: int, *, required: bool
) -> tuple[str | None, list[JSON]]:
    """The text (or caption) in params[key] as Telegram would store it, with its entities.

    Raises Telegram's errors for an empty required text and for one over `limit` UTF-16 code units."""
    raw = params.get(key)
    if raw is None or raw == "":
        if required:
            raise bad("message text is empty")
        return None, []
    given = params.get(entities_key)
    if isinstance(given, list):
        text, entities = str(raw), given  # explicit entities win over parse_mode
    else:
        text, entities = parse_formatted(str(raw), params.get("parse_mode"))
    text, entities = _trim(text, entities)
    if not text:
        if required:
            raise bad("message text is empty")
        return None, []
    if u16(text) > limit:  # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice
        # One description for texts and captions alike: bots (and their tests) check for this one.
        raise bad("message is too long")
    return text, entities


_TEXT_BUTTON = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"


def check_reply_markup(markup: Any) -> JSON | None:
    """reply_markup as given, or Telegram's error for a keyboard it would refuse."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("object expected as reply markup")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                raise bad(_TEXT_BUTTON)
            if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                raise bad("BUTTON_DATA_INVALID")
            if len(button) == 1:
                raise bad(_TEXT_BUTTON)
    elif "keyboard" in markup:
        if not isinstance(markup["keyboard"], list):
            raise bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad("can't parse reply keyboard markup JSON object")
    return markup
