"""Word segmentation with a private jieba tokenizer and the building-management vocabulary."""

from __future__ import annotations

import logging
import marshal
import os
import re
import tempfile
from collections.abc import Iterable
from importlib import resources

import jieba

# jieba logs every dictionary load to stderr at DEBUG; the bot's own logging should decide what shows.
logging.getLogger("jieba").setLevel(logging.WARNING)

USER_DICT = "userdict.txt"
_HAN_ONLY = re.compile(r"^[\u3400-\u9fff]+$")


def domain_words() -> list[str]:
    """Words from the packaged domain dictionary (one per line, ``#`` starts a comment)."""
    text = resources.files(__package__).joinpath(USER_DICT).read_text("utf-8")
    words = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word.split()[0])
    return words


def _initialize(tokenizer: jieba.Tokenizer) -> None:
    """``tokenizer.initialize()``, reading jieba's own dictionary cache in one piece when it is there.

    jieba reads the cache with ``marshal.load`` on the open file, which fetches it in small pieces and costs
    ~0.7 s; ``marshal.loads`` on the whole file reads the same (FREQ, total) in ~0.2 s. Anything unusual (a
    custom dictionary or cache location, no cache yet, a damaged one) goes through jieba as before.
    """
    default = tokenizer.dictionary == jieba.DEFAULT_DICT
    if default and tokenizer.cache_file is None and tokenizer.tmp_dir is None:
        path = os.path.join(tempfile.gettempdir(), "jieba.cache")
        try:
            with open(path, "rb") as handle:
                freq, total = marshal.loads(handle.read())
        except (OSError, EOFError, ValueError, TypeError):
            pass  # jieba's own loader below decides what a missing or bad cache means
        else:
            if isinstance(freq, dict):
                tokenizer.FREQ, tokenizer.total = freq, total
                tokenizer.initialized = True
                return
    tokenizer.initialize()


class Segmenter:
    """A jieba tokenizer of our own, so the bot never changes the process-wide ``jieba`` state."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._tokenizer = jieba.Tokenizer()
        _initialize(self._tokenizer)
        for word in [*domain_words(), *extra_words]:
            if 2 <= len(word) <= 12 and _HAN_ONLY.match(word) and not self._tokenizer.FREQ.get(word):
                self._tokenizer.add_word(word)

    def cut(self, text: str) -> list[str]:
        # HMM off: unknown character pairs stay single characters, so a homophone typo is never glued
        # to its neighbour, and segmentation is about twice as fast.
        return self._tokenizer.lcut(text, HMM=False)

    def word_frequency(self, word: str) -> int:
        return self._tokenizer.FREQ.get(word, 0)
