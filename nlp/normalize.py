"""Text normalisation shared by the classifier, keyword mining and duplicate detection."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from importlib import resources

import opencc

# Characters that never need a closer look; everything else goes through a category check.
# Keeping the common case on a C-level regex is what makes normalisation cheap for ordinary messages.
_SUSPECT = re.compile(r"[^\x20-\x7e\u4e00-\u9fff\u3001-\u3002\u300a-\u3011\u2018-\u201d\u2014\u2026]")
_DROP_CATEGORIES = frozenset({"So", "Sk", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_PUNCT_RUN = re.compile(r"([!?.,;:~。、…—·\-])[!?.,;:~。、…—·\-]+")
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


DIALECT_FILE = "dialect.toml"


@cache
def dialect_forms() -> dict[str, str]:
    """Dialect or colloquial form → standard Mandarin (``dialect.toml``); ``keep`` words map to themselves."""
    data = tomllib.loads(resources.files(__package__).joinpath(DIALECT_FILE).read_text("utf-8"))
    forms = {word: word for word in data.get("keep", [])}
    forms.update(data["forms"])
    return forms


@cache
def _dialect_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a cheap gate: any character that starts a form, the forms longest first)."""
    forms = dialect_forms()
    starts = "".join(sorted({re.escape(form[0]) for form in forms}))
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=lambda f: (-len(f), f)))
    return re.compile(f"[{starts}]"), re.compile(alternatives)


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
    text = unicodedata.normalize("NFKC", text)
    text = _SUSPECT.sub(_clean_char, text)
    text = _simplified(text)
    text = text.lower()
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip()
    return standardize_dialect(_SPACE_BETWEEN_HAN.sub("", text))


# Raw input beyond this multiple of the limit is never looked at, so a 100 KB paste costs no more than a long
# message; normalisation mostly shrinks text (emoji, spaces), and the multiple leaves room for that.
_RAW_FACTOR = 4


def normalize_prefix(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``normalize(text)``, without normalising all of a huge text."""
    return normalize(text[: limit * _RAW_FACTOR])[:limit]
