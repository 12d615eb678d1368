"""Word segmentation with a private jieba tokenizer and the building-management vocabulary."""

from __future__ import annotations

import logging
import marshal
import math
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
# What jieba cuts as one block of Chinese text (its ``re_han_default`` without letters and digits).
_JIEBA_HAN = re.compile("[\u4e00-\u9fd5]+")


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

        self._freq: dict[str, int] = self._tokenizer.FREQ
        self._log_total = math.log(self._tokenizer.total)

    def cut(self, text: str) -> list[str]:
        """jieba's words of ``text`` with its HMM off: unknown character pairs stay single characters, so a
        homophone typo is never glued to its neighbour.

        Chinese text is cut here by jieba's own dynamic programme over its own dictionary (``get_DAG`` and
        ``calc``), with one dictionary lookup per fragment where jieba makes three: the lookups into its
        half a million entries are most of the cost, each one a likely cache miss. Anything else goes
        through jieba.
        """
        if not _JIEBA_HAN.fullmatch(text):
            return self._tokenizer.lcut(text, HMM=False)
        get, log_total, size = self._freq.get, self._log_total, len(text)
        # From the end: each position's best route to the end, its score and where its first word ends.
        score = [0.0] * (size + 1)
        word_end = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            best: tuple[float, int] | None = None
            end = start + 1
            count = get(text[start])
            # The dictionary holds every word's prefixes too, with count 0: a fragment not in it ends the
            # search.
            while count is not None:
                if count:
                    route = (math.log(count) - log_total + score[end], end)
                    # Equal scores: the longer word, as jieba's max over (score, end) picks.
                    if best is None or route >= best:
                        best = route
                if end == size:
                    break
                end += 1
                count = get(text[start:end])
            # No word starts here: the character alone, with jieba's count of 1.
            score[start], word_end[start] = best or (score[start + 1] - log_total, start + 1)
        words = []
        start = 0
        while start < size:
            words.append(text[start : word_end[start]])
            start = word_end[start]
        return words

    def word_frequency(self, word: str) -> int:
        return self._freq.get(word, 0)
