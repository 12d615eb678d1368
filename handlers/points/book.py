"""The points book: rules, levels, titles and rewards, read from TOML (`LINLI_POINTS_FILE` replaces the
packaged `default_points.toml`). Every problem names the file, the entry and what is wrong."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from handlers.context import Scope

DEFAULT_FILE = "default_points.toml"
# Rules the bot pays by itself (a report on 受理, a vote) or reads /award by (hours, a plain amount).
REQUIRED_RULES = ("report", "poll", "volunteer", "award")

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=24, strip_whitespace=True)]


class PointsFileError(ValueError):
    def __init__(self, source: str, entry: str, problem: str) -> None:
        self.source, self.entry, self.problem = source, entry, problem
        super().__init__(f"{source}: {entry}: {problem}" if entry else f"{source}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    code: Code
    name: Name
    amount: int = Field(gt=0, le=10_000)
    daily_cap: int | None = Field(default=None, gt=0)
    monthly_cap: int | None = Field(default=None, gt=0)
    by_hand: bool = False
    words: tuple[Name, ...] = ()
    per_hour: bool = False
    pair_monthly_cap: int | None = Field(default=None, gt=0)


class Level(_Strict):
    name: Name
    min: int = Field(ge=0)


class Reward(_Strict):
    code: Code
    name: Name
    price: int = Field(gt=0)
    stock: int | None = Field(default=None, ge=0)


class PointsBook(_Strict):
    rules: tuple[Rule, ...]
    levels: tuple[Level, ...]
    titles: tuple[Level, ...] = ()
    rewards: tuple[Reward, ...] = ()

    def rule(self, code: str) -> Rule:
        return next(rule for rule in self.rules if rule.code == code)

    def find_rule(self, code: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.code == code), None)

    def hand_rule(self, word: str) -> Rule | None:
        """The hand-given rule /award names by one of its words (or its code)."""
        return next((r for r in self.rules if r.by_hand and (word in r.words or word == r.code)), None)

    def reward(self, code: str) -> Reward | None:
        return next((reward for reward in self.rewards if reward.code == code), None)

    def level(self, earned: int) -> tuple[Level, Level | None]:
        """The level `earned` reaches and the next one (None at the top)."""
        reached = [level for level in self.levels if level.min <= earned]
        higher = [level for level in self.levels if level.min > earned]
        return reached[-1], (higher[0] if higher else None)

    def titles_for(self, earned: int) -> list[str]:
        return [title.name for title in self.titles if title.min <= earned]


def _check(book: PointsBook, source: str) -> None:
    for kind, items in (("rules", book.rules), ("rewards", book.rewards)):
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.code in seen:
                raise PointsFileError(source, f"{kind}[{index}] ({item.code})", "this code is used twice")
            seen.add(item.code)
    words: dict[str, str] = {}
    for index, rule in enumerate(book.rules):
        entry = f"rules[{index}] ({rule.code})"
        if rule.pair_monthly_cap is not None and not rule.by_hand:
            raise PointsFileError(
                source, entry, "pair_monthly_cap is for rules given by hand (by_hand = true)"
            )
        if rule.words and not rule.by_hand:
            raise PointsFileError(source, entry, "words are for rules given by hand (by_hand = true)")
        for word in rule.words:
            if word in words:
                raise PointsFileError(source, entry, f"the word {word!r} also names {words[word]}")
            words[word] = rule.code
        if rule.daily_cap and rule.monthly_cap and rule.daily_cap > rule.monthly_cap:
            raise PointsFileError(source, entry, "daily_cap is larger than monthly_cap")
    codes = {rule.code for rule in book.rules}
    for code in REQUIRED_RULES:
        if code not in codes:
            raise PointsFileError(source, "rules", f"the rule {code!r} is missing (the bot pays it itself)")
    for code in ("volunteer", "award"):
        if not book.rule(code).by_hand:
            raise PointsFileError(source, f"rules ({code})", "must be given by hand (by_hand = true)")
    if not book.rule("volunteer").per_hour:
        raise PointsFileError(source, "rules (volunteer)", "must be paid per hour (per_hour = true)")
    if not book.levels:
        raise PointsFileError(source, "levels", "at least one level is needed")
    if book.levels[0].min != 0:
        raise PointsFileError(source, "levels[0]", "the first level must start at min = 0")
    for kind, levels in (("levels", book.levels), ("titles", book.titles)):
        for index in range(1, len(levels)):
            if levels[index].min <= levels[index - 1].min:
                raise PointsFileError(source, f"{kind}[{index}]", "min must be larger than the one before")


def parse_book(text: str, source: str) -> PointsBook:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PointsFileError(source, "", f"not valid TOML ({exc})") from None
    try:
        book = PointsBook.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        entry = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        raise PointsFileError(source, entry.lstrip("."), error["msg"]) from None
    _check(book, source)
    return book


@cache
def default_book() -> PointsBook:
    text = resources.files("handlers.points").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    return parse_book(text, DEFAULT_FILE)


@cache
def load_book(path: str | None) -> PointsBook:
    """The configured book, or the packaged one when `path` is None; read once per process (the runtime
    reads it at start, so a broken file stops the bot before it answers anyone)."""
    if path is None:
        return default_book()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PointsFileError(path, "", f"cannot be read ({exc.strerror})") from None
    return parse_book(text, path)


def book_of(scope: Scope) -> PointsBook:
    return load_book(scope.config.points_file)
