"""Text normalisation shared by the classifier, keyword mining and duplicate detection."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

import opencc

# Characters that never need a closer look; everything else goes through a category check.
# Keeping the common case on a C-level regex is what makes normalisation cheap for ordinary messages.
_SUSPECT = re.compile(r"[^\x20-\x7e\u4e00-\u9fff\u3001-\u3002\u300a-\u3011\u2018-\u201d\u2014\u2026]")
_DROP_CATEGORIES = frozenset({"So", "Sk", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
# Text made only of these characters (those _SUSPECT lets through, plus the ideographic space and the
# full-width forms of ASCII that Chinese input methods type) needs neither NFKC's full decomposition and
# recomposition (the slowest step for a message holding a single "，") nor _SUSPECT: none of them combines
# with a neighbour, so NFKC maps each on its own, and each maps to a character _SUSPECT lets through.
_PLAIN_SET = r"\x20-\x7e\u4e00-\u9fff\u3001-\u3002\u300a-\u3011\u2018-\u201d\u2014\u2026\u3000\uff01-\uff5e"
_PLAIN = re.compile(f"[{_PLAIN_SET}]*")
# A stretch of other characters with the plain one before it (see normalize).
_NOT_PLAIN = re.compile(f"[{_PLAIN_SET}]?[^{_PLAIN_SET}]+")
_PLAIN_NFKC = {
    char: unicodedata.normalize("NFKC", char)
    for char in ("\u2026", "\u3000", *map(chr, range(0xFF01, 0xFF5F)))
}
_PLAIN_CHANGED = re.compile("[\u2026\u3000\uff01-\uff5e]")
# A pattern that opens with a character set is searched with a fast set scan, which a group-first one
# (replaced by its first mark) was not: three times faster on a message with no run at all.
_PUNCT_RUN = re.compile(r"[!?.,;:~。、…—·\-]{2,}")
_SPACES = re.compile(r"\s+")
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _replacement(char: str) -> str:
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    # Emoji, pictographs, control and format characters carry no words; a space keeps neighbours apart.
    return " " if category in _DROP_CATEGORIES else char


def _simplified(text: str) -> str:
    """Traditional → Simplified, leaving text that is already Simplified alone.

    OpenCC's phrase table also rewrites some Simplified phrases ("一坏" → "一坯"), so text that GB2312 can
    encode — Simplified Chinese with ASCII — is not converted; one Traditional character sends it through.
    """
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return _converter().convert(text)
    return text


def _clean_char(match: re.Match[str]) -> str:
    return _replacement(match.group())


def _nfkc_clean(match: re.Match[str]) -> str:
    return _SUSPECT.sub(_clean_char, unicodedata.normalize("NFKC", match.group()))


def _first_mark(match: re.Match[str]) -> str:
    return match.group()[0]


DIALECT_FILE = "dialect.toml"


@cache
def dialect_forms() -> dict[str, str]:
    """Dialect or colloquial form → standard Mandarin (``dialect.toml``); ``keep`` words map to themselves."""
    data = tomllib.loads(resources.files(__package__).joinpath(DIALECT_FILE).read_text("utf-8"))
    forms = {word: word for word in data.get("keep", [])}
    forms.update(data["forms"])
    return forms


def _trie(words: Iterable[str]) -> str:
    """A pattern matching the longest of ``words`` at a position, written as their prefix tree.

    Python's ``re`` tries a flat alternation's branches one by one at every position; as a tree, the first
    character picks the branch (nearly every message holds a character that starts one of 240 forms).
    """
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        # A word ending here: the longer ones first (the optional group is greedy), else this one.
        return f"(?:{body})?" if "" in node else body

    return render(tree)


@cache
def _dialect_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a cheap gate: any character that starts a form, the forms, the longest at each position)."""
    forms = dialect_forms()
    starts = "".join(sorted({re.escape(form[0]) for form in forms}))
    return re.compile(f"[{starts}]"), re.compile(_trie(forms))


def _standard_form(match: re.Match[str]) -> str:
    return dialect_forms()[match.group()]


def standardize_dialect(text: str) -> str:
    """Cantonese, Northern and other colloquial forms in normalised ``text`` → standard Mandarin."""
    gate, pattern = _dialect_pattern()
    if gate.search(text) is None:
        return text
    return pattern.sub(_standard_form, text)


def normalize(text: str) -> str:
    """Return ``text`` in the canonical form all matching is done on.

    Full-width forms become half-width (NFKC), Traditional becomes Simplified (OpenCC t2s), letters are
    lower-cased, emoji and control characters are dropped, runs of punctuation collapse to their first
    mark and whitespace collapses (spaces between two Chinese characters are removed), and dialect and
    colloquial forms become standard Mandarin (``dialect.toml``: 冇 → 没, 咋 → 怎么).
    """
    if not text:
        return ""
    if not _PLAIN.fullmatch(text):
        # NFKC and _SUSPECT only where the text is not plain: a plain character never combines with what is
        # before it, so the text can be cut before any of them, and each stretch of other characters is
        # normalised with the plain one before it (which a combining mark after it belongs to).
        text = _NOT_PLAIN.sub(_nfkc_clean, text)
    # A message holds a few distinct full-width marks (，！？): one C-level replace each beats a
    # per-character translate. NFKC's own output holds none of them.
    for char in set(_PLAIN_CHANGED.findall(text)):
        text = text.replace(char, _PLAIN_NFKC[char])
    text = _simplified(text)
    text = text.lower()
    text = _PUNCT_RUN.sub(_first_mark, text)
    text = _SPACES.sub(" ", text).strip()
    if " " in text:
        # Only a space can sit between two Chinese characters; most messages have none.
        text = _SPACE_BETWEEN_HAN.sub("", text)
    return standardize_dialect(text)


# Raw input beyond this multiple of the limit is never looked at, so a 100 KB paste costs no more than a long
# message; normalisation mostly shrinks text (emoji, spaces), and the multiple leaves room for that.
_RAW_FACTOR = 4


def normalize_prefix(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``normalize(text)``, without normalising all of a huge text."""
    return normalize(text[: limit * _RAW_FACTOR])[:limit]
