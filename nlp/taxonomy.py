"""The report taxonomy: categories, weighted keywords, urgency vocabulary and response times.

A taxonomy is configuration, read from TOML. The packaged ``default_taxonomy.toml`` is one; staff can
point ``LINLI_TAXONOMY_FILE`` at their own. Every problem in a file is reported as a :class:`TaxonomyError`
that names the file, the entry and what is wrong.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from nlp.normalize import normalize

TAXONOMY_ENV = "LINLI_TAXONOMY_FILE"
DEFAULT_TAXONOMY = "default_taxonomy.toml"
PHRASE_SEPARATOR = "+"

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
_DURATION_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+$")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_SLA_KEYS = ("accept", "resolve", "urgent_accept", "urgent_resolve")
# The built-in response times apply when a file has no [sla] table (e.g. a freshly mined one).
_SLA_DEFAULTS = {"accept": "24h", "resolve": "7d", "urgent_accept": "30m", "urgent_resolve": "24h"}


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file, the entry and the problem."""

    def __init__(self, source: str, entry: str, problem: str) -> None:
        self.source = source
        self.entry = entry
        self.problem = problem
        where = f"{source}: {entry}" if entry else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class Keyword:
    """A term as written in the file (``label``) and as matched (``text``, normalised)."""

    text: str
    weight: float
    label: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """Parts that must all occur close together (written ``"电梯+困"``)."""

    parts: tuple[str, ...]
    weight: float
    label: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    keywords: tuple[Keyword, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    negative: tuple[Keyword, ...] = ()

    def __len__(self) -> int:
        return len(self.keywords) + len(self.phrases) + len(self.negative)


@dataclass(frozen=True, slots=True)
class Sla:
    accept: timedelta
    resolve: timedelta
    urgent_accept: timedelta
    urgent_resolve: timedelta


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    description: str
    vocabulary: Vocabulary
    sla: Sla


@dataclass(frozen=True, slots=True)
class TermGroup:
    """A named list of terms in the urgency grammar: a live state, an exposure or a lowering cue."""

    id: str
    terms: tuple[Keyword, ...]


@dataclass(frozen=True, slots=True)
class Hazard:
    """Something dangerous (gas, fire, a falling object...): ``reason`` is what staff and residents read.

    ``terms`` name the hazard and need a live state nearby; ``signals`` are urgent on their own.
    ``categories``: where a report of it belongs; an urgent report filed elsewhere leans to the first.
    """

    id: str
    reason: str
    terms: tuple[Keyword, ...]
    signals: tuple[Keyword, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UrgencyRule:
    """A hazard term with one of ``states`` nearby is urgent (also needing one of ``exposure``, if given).

    With ``alone``, the state is enough by itself, written exactly (快要砸下来: a thing about to come down
    needs no name).
    """

    hazard: str
    states: tuple[str, ...]
    exposure: tuple[str, ...] = ()
    alone: bool = False


@dataclass(frozen=True, slots=True)
class Lowering:
    """Cues that make a danger not live: a negation, a near miss that is over, a hypothetical, a warning.

    ``scope``: ``before`` (from the cue to ``reach`` characters after it: 没有漏, 不咬人), ``clause``
    (between commas), ``sentence`` or ``message``; a clause or sentence with a ``reach`` ends at most that
    many characters either side of the cue (a message written with spaces for commas is one long clause).
    With ``with_terms``, one of them must share the scope. A cue inside one of the ``unless`` words is no cue
    (不 in 是不是: a question, not a negation), and one of the ``not_with`` words in its scope cancels it
    (上个月 … 今天又漏了: the past is told, but the danger is back). With ``learned_overrules``, the learned
    urgency model may still find the report urgent: a cue that as often belongs to the danger itself (没人应,
    打不开) as it denies one. With ``denies``, the danger words it lowers say what the message is not about
    (没有闻到煤气味，就是水压低): they count for no category either. With ``hazards``, only those hazards are
    lowered (someone smoking is no fire, but smoking beside a gas bottle stays urgent).
    """

    id: str
    terms: tuple[Keyword, ...]
    scope: str
    reach: int = 0
    with_terms: tuple[Keyword, ...] = ()
    unless: tuple[Keyword, ...] = ()
    not_with: tuple[Keyword, ...] = ()
    learned_overrules: bool = False
    denies: bool = False
    hazards: tuple[str, ...] = ()


LOWERING_SCOPES = ("before", "clause", "sentence", "message")


@dataclass(frozen=True, slots=True)
class UrgencyGrammar:
    window: int
    exposure_window: int
    default_reason: str
    hazards: tuple[Hazard, ...]
    states: tuple[TermGroup, ...]
    exposure: tuple[TermGroup, ...]
    rules: tuple[UrgencyRule, ...]
    lowering: tuple[Lowering, ...]
    # The category an urgent report leans to (a person collapsed in the car park is a safety matter, not
    # parking), by ``category_weight`` points; empty: no lean.
    category: str = ""
    category_weight: float = 0.0

    def __len__(self) -> int:
        return (
            len(self.hazards) + len(self.states) + len(self.exposure) + len(self.rules) + len(self.lowering)
        )


@dataclass(frozen=True, slots=True)
class Urgency:
    vocabulary: Vocabulary
    threshold: float
    grammar: UrgencyGrammar | None = None
    # Whether the packaged learned model (nlp.learned) may add urgency where the grammar found none.
    learned: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """Classifier tuning that belongs to a taxonomy because weights are on the taxonomy's own scale."""

    min_score: float = 2.5
    min_confidence: float = 0.2
    smoothing: float = 1.0
    fuzzy: bool = True
    longest_match: bool = True
    count_repeats: bool = False
    phrase_window: int = 20
    max_chars: int = 1000
    # Whether the packaged learned category model (nlp.learned) chooses the category when the keywords found
    # something but are not confident.
    learned_category: bool = False


@dataclass(frozen=True, slots=True)
class MiningSettings:
    """How ``linli nlp mine`` produced a file; ``eval --folds`` re-mines with the same settings."""

    min_count: int = 3
    max_keywords: int = 300
    alpha: float = 0.3
    min_relative_weight: float = 0.1
    bigrams: bool = True


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    fallback: str
    urgency: Urgency
    settings: Settings
    sla: Sla
    mining: MiningSettings
    source: str
    _by_id: Mapping[str, Category] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {category.id: category for category in self.categories})

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(category.id for category in self.categories)

    def category(self, category_id: str) -> Category:
        try:
            return self._by_id[category_id]
        except KeyError:
            raise KeyError(f"unknown category {category_id!r}; known: {', '.join(self.ids)}") from None

    def name_of(self, category_id: str) -> str:
        category = self._by_id.get(category_id)
        return category.name if category else category_id

    def sla_for(self, category_id: str, urgent: bool) -> tuple[timedelta, timedelta]:
        """(time to accept, time to resolve) for a report; unknown ids get the global defaults."""
        category = self._by_id.get(category_id)
        sla = category.sla if category else self.sla
        return (sla.urgent_accept, sla.urgent_resolve) if urgent else (sla.accept, sla.resolve)


def parse_duration(value: str) -> timedelta:
    """``"30m"``, ``"24h"``, ``"7d"``, ``"1h30m"``, ``"2w"`` → timedelta; raises ValueError otherwise."""
    if not isinstance(value, str) or not _DURATION_WHOLE.match(value):
        raise ValueError(f"cannot read duration {value!r} (use e.g. 30m, 24h, 7d)")
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(value))
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    return timedelta(seconds=seconds)


def default_sla() -> Sla:
    """The response times a taxonomy gets when its file has no [sla] table."""
    return Sla(**{key: parse_duration(value) for key, value in _SLA_DEFAULTS.items()})


def load_taxonomy(path: str | os.PathLike[str] | None = None) -> Taxonomy:
    """Read and validate a taxonomy file; ``None`` means the packaged default."""
    if path is None:
        text = resources.files(__package__).joinpath(DEFAULT_TAXONOMY).read_text("utf-8")
        return parse_taxonomy(text, DEFAULT_TAXONOMY)
    source = os.fspath(path)
    try:
        text = Path(source).read_text("utf-8")
    except FileNotFoundError:
        raise TaxonomyError(source, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(source, "", f"cannot read file ({exc})") from None
    return parse_taxonomy(text, source)


def configured_taxonomy_path() -> str | None:
    return os.environ.get(TAXONOMY_ENV) or None


def parse_taxonomy(text: str, source: str = "<string>") -> Taxonomy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(source, "", f"not valid TOML ({exc})") from None
    return _Reader(source).taxonomy(data)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, entry: str, problem: str) -> TaxonomyError:
        return TaxonomyError(self.source, entry, problem)

    def table(self, value: Any, entry: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(entry, f"must be a table, got {_describe(value)}")
        return value

    def known_keys(self, table: dict[str, Any], allowed: tuple[str, ...], entry: str) -> None:
        for key in table:
            if key not in allowed:
                where = f"{entry} " if entry else ""
                raise self.fail(
                    f"{where}key {key!r}".strip(), f"unknown key; expected one of {', '.join(allowed)}"
                )

    def number(
        self, value: Any, entry: str, *, minimum: float, inclusive: bool = True, what: str = "value"
    ) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (value >= minimum if inclusive else value > minimum)
        if not ok:
            bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
            raise self.fail(entry, f"{what} must be a number {bound} (got {value!r})")
        return float(value)

    def integer(self, value: Any, entry: str, *, minimum: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(entry, f"value must be a whole number >= {minimum} (got {value!r})")
        return value

    def boolean(self, value: Any, entry: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(entry, f"value must be true or false (got {value!r})")
        return value

    def string(self, value: Any, entry: str, *, required: bool = True) -> str:
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(entry, f"must be a non-empty string (got {value!r})")
        return value.strip()

    def taxonomy(self, data: dict[str, Any]) -> Taxonomy:
        self.known_keys(
            data, ("version", "name", "fallback", "settings", "sla", "urgency", "categories", "mining"), ""
        )
        if "version" in data and data["version"] != 1:
            raise self.fail("version", f"unsupported version {data['version']!r}; this Linli reads version 1")
        if "name" in data:
            self.string(data["name"], "name")
        settings = self.settings(self.table(data.get("settings", {}), "[settings]"))
        sla = self.sla(self.table(data.get("sla", {}), "[sla]"), "[sla]", _SLA_DEFAULTS)
        urgency = self.urgency(self.table(data.get("urgency", {}), "[urgency]"))
        mining = self.mining(self.table(data.get("mining", {}), "[mining]"))
        raw_categories = self.table(data.get("categories"), "[categories]") if "categories" in data else {}
        if not raw_categories:
            raise self.fail("[categories]", "no categories defined; add at least one [categories.<id>] table")
        categories = tuple(self.category(cid, raw, sla) for cid, raw in raw_categories.items())
        if "fallback" not in data:
            raise self.fail(
                "fallback",
                "missing; name the category used when nothing matches, "
                f"e.g. fallback = {categories[-1].id!r}",
            )
        fallback = self.string(data["fallback"], "fallback")
        grammar = urgency.grammar
        leans = [("[urgency.grammar] category", grammar.category)] if grammar and grammar.category else []
        for hazard in grammar.hazards if grammar else ():
            leans += [(f"[urgency.grammar.hazards.{hazard.id}] categories", c) for c in hazard.categories]
        for where, lean in leans:
            if lean not in raw_categories:
                raise self.fail(where, f"{lean!r} is not one of the categories ({', '.join(raw_categories)})")
        if fallback not in raw_categories:
            raise self.fail(
                "fallback", f"{fallback!r} is not one of the categories ({', '.join(raw_categories)})"
            )
        return Taxonomy(
            categories=categories,
            fallback=fallback,
            urgency=urgency,
            settings=settings,
            sla=sla,
            mining=mining,
            source=self.source,
        )

    def settings(self, raw: dict[str, Any]) -> Settings:
        defaults = Settings()
        self.known_keys(raw, Settings.__slots__, "[settings]")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            entry = f"[settings] {key}"
            default = getattr(defaults, key)
            if isinstance(default, bool):
                values[key] = self.boolean(value, entry)
            elif isinstance(default, int):
                values[key] = self.integer(value, entry, minimum=1)
            elif key == "min_confidence":
                values[key] = self.number(value, entry, minimum=0)
                if values[key] > 1:
                    raise self.fail(entry, f"value must be between 0 and 1 (got {value!r})")
            else:
                values[key] = self.number(value, entry, minimum=0)
        return Settings(**values)

    def mining(self, raw: dict[str, Any]) -> MiningSettings:
        defaults = MiningSettings()
        self.known_keys(raw, MiningSettings.__slots__, "[mining]")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            default = getattr(defaults, key)
            entry = f"[mining] {key}"
            if isinstance(default, bool):
                values[key] = self.boolean(value, entry)
            elif isinstance(default, int):
                values[key] = self.integer(value, entry, minimum=1)
            else:
                values[key] = self.number(value, entry, minimum=0, inclusive=False)
        return MiningSettings(**values)

    def sla(self, raw: dict[str, Any], entry: str, fallback: Mapping[str, Any]) -> Sla:
        self.known_keys(raw, _SLA_KEYS, entry)
        values = {}
        for key in _SLA_KEYS:
            value = raw.get(key)
            if value is None:
                value = fallback[key]
                if isinstance(value, timedelta):
                    values[key] = value
                    continue
            try:
                values[key] = parse_duration(value)
            except ValueError as exc:
                raise self.fail(f"{entry} {key}", str(exc)) from None
        return Sla(**values)

    def urgency(self, raw: dict[str, Any]) -> Urgency:
        self.known_keys(
            raw, ("threshold", "learned", "keywords", "phrases", "negative", "grammar"), "[urgency]"
        )
        threshold = self.number(
            raw.get("threshold", 1.0), "[urgency] threshold", minimum=0, inclusive=False, what="threshold"
        )
        grammar = None
        if "grammar" in raw:
            grammar = self.grammar(self.table(raw["grammar"], "[urgency.grammar]"))
        learned = self.boolean(raw.get("learned", False), "[urgency] learned")
        return Urgency(
            vocabulary=self.vocabulary(raw, "urgency"), threshold=threshold, grammar=grammar, learned=learned
        )

    def grammar(self, raw: dict[str, Any]) -> UrgencyGrammar:
        entry = "[urgency.grammar]"
        keys = (
            "window",
            "exposure_window",
            "default_reason",
            "hazards",
            "states",
            "exposure",
            "rules",
            "lowering",
            "category",
            "category_weight",
        )
        self.known_keys(raw, keys, entry)
        window = self.integer(raw.get("window", 10), f"{entry} window", minimum=1)
        exposure_window = self.integer(raw.get("exposure_window", 30), f"{entry} exposure_window", minimum=1)
        default_reason = self.string(raw.get("default_reason", "紧急情况"), f"{entry} default_reason")
        hazards = []
        for hid, item in self.table(raw.get("hazards", {}), f"{entry} hazards").items():
            where = f"[urgency.grammar.hazards.{hid}]"
            item = self.table(item, where)
            self.known_keys(item, ("reason", "terms", "signals", "categories"), where)
            categories = item.get("categories", [])
            if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
                raise self.fail(f"{where} categories", "must be a list of category ids")
            if "reason" not in item:
                raise self.fail(where, 'missing reason (plain words for staff, e.g. reason = "燃气泄漏")')
            hazards.append(
                Hazard(
                    id=hid,
                    reason=self.string(item["reason"], f"{where} reason"),
                    terms=self.term_list(item.get("terms"), f"{where} terms"),
                    signals=self.term_list(item.get("signals", []), f"{where} signals", allow_empty=True),
                    categories=tuple(categories),
                )
            )
        if not hazards:
            raise self.fail(
                f"{entry} hazards", "no hazards defined; add at least one [urgency.grammar.hazards.<id>]"
            )
        states = self.groups(raw.get("states", {}), "states")
        exposure = self.groups(raw.get("exposure", {}), "exposure")
        known = {
            "hazard": {h.id for h in hazards},
            "state": {g.id for g in states},
            "exposure": {g.id for g in exposure},
        }
        rules = []
        raw_rules = raw.get("rules", [])
        if not isinstance(raw_rules, list) or not raw_rules:
            raise self.fail(f"{entry} rules", "needs one or more [[urgency.grammar.rules]] tables")
        for number, item in enumerate(raw_rules, 1):
            where = f"[[urgency.grammar.rules]] #{number}"
            item = self.table(item, where)
            self.known_keys(item, ("hazard", "states", "exposure", "alone"), where)
            hazard = self.string(item.get("hazard"), f"{where} hazard")
            if hazard not in known["hazard"]:
                raise self.fail(
                    f"{where} hazard",
                    f"unknown hazard {hazard!r}; known: {', '.join(sorted(known['hazard']))}",
                )
            rule_states = self.id_list(item.get("states"), f"{where} states", known["state"], "state")
            rule_exposure = self.id_list(
                item.get("exposure", []), f"{where} exposure", known["exposure"], "exposure", allow_empty=True
            )
            alone = self.boolean(item.get("alone", False), f"{where} alone")
            rules.append(UrgencyRule(hazard=hazard, states=rule_states, exposure=rule_exposure, alone=alone))
        lowering = []
        for lid, item in self.table(raw.get("lowering", {}), f"{entry} lowering").items():
            where = f"[urgency.grammar.lowering.{lid}]"
            item = self.table(item, where)
            self.known_keys(
                item,
                (
                    "terms",
                    "scope",
                    "reach",
                    "with",
                    "unless",
                    "not_with",
                    "learned_overrules",
                    "denies",
                    "hazards",
                ),
                where,
            )
            scope = item.get("scope")
            if scope not in LOWERING_SCOPES:
                raise self.fail(
                    f"{where} scope", f"must be one of {', '.join(LOWERING_SCOPES)} (got {scope!r})"
                )
            reach = 0
            if scope == "before":
                reach = self.integer(item.get("reach", 4), f"{where} reach", minimum=1)
            elif "reach" in item and scope in ("clause", "sentence"):
                reach = self.integer(item.get("reach"), f"{where} reach", minimum=1)
            elif "reach" in item:
                raise self.fail(f"{where} reach", 'only used with scope = "before", "clause" or "sentence"')
            lowering.append(
                Lowering(
                    id=lid,
                    terms=self.term_list(item.get("terms"), f"{where} terms"),
                    scope=scope,
                    reach=reach,
                    with_terms=self.term_list(item.get("with", []), f"{where} with", allow_empty=True),
                    unless=self.term_list(item.get("unless", []), f"{where} unless", allow_empty=True),
                    not_with=self.term_list(item.get("not_with", []), f"{where} not_with", allow_empty=True),
                    learned_overrules=self.boolean(
                        item.get("learned_overrules", False), f"{where} learned_overrules"
                    ),
                    denies=self.boolean(item.get("denies", False), f"{where} denies"),
                    hazards=self.id_list(
                        item.get("hazards", []),
                        f"{where} hazards",
                        known["hazard"],
                        "hazard",
                        allow_empty=True,
                    ),
                )
            )
        return UrgencyGrammar(
            window=window,
            exposure_window=exposure_window,
            default_reason=default_reason,
            hazards=tuple(hazards),
            states=states,
            exposure=exposure,
            rules=tuple(rules),
            lowering=tuple(lowering),
            category=self.string(raw["category"], f"{entry} category") if "category" in raw else "",
            category_weight=self.number(raw.get("category_weight", 0), f"{entry} category_weight", minimum=0),
        )

    def groups(self, raw: Any, kind: str) -> tuple[TermGroup, ...]:
        groups = []
        for gid, item in self.table(raw, f"[urgency.grammar] {kind}").items():
            where = f"[urgency.grammar.{kind}.{gid}]"
            item = self.table(item, where)
            self.known_keys(item, ("terms",), where)
            groups.append(TermGroup(id=gid, terms=self.term_list(item.get("terms"), f"{where} terms")))
        return tuple(groups)

    def id_list(
        self, value: Any, entry: str, known: set[str], kind: str, *, allow_empty: bool = False
    ) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(
                entry,
                f"must be a list of {kind} ids (got {_describe(value) if value is not None else 'nothing'})",
            )
        if not value and not allow_empty:
            raise self.fail(entry, f"is empty; name at least one {kind}")
        for item in value:
            if item not in known:
                raise self.fail(
                    entry, f"unknown {kind} {item!r}; known: {', '.join(sorted(known)) or 'none'}"
                )
        return tuple(value)

    def term_list(self, value: Any, entry: str, *, allow_empty: bool = False) -> tuple[Keyword, ...]:
        if value is None:
            raise self.fail(entry, 'missing; give a list of terms, e.g. terms = ["燃气", "煤气"]')
        if not isinstance(value, list):
            raise self.fail(entry, f"must be a list of terms, got {_describe(value)}")
        if not value and not allow_empty:
            raise self.fail(entry, "is empty; give at least one term")
        seen: dict[str, str] = {}
        terms = []
        for label in value:
            if not isinstance(label, str):
                raise self.fail(entry, f"terms must be strings (got {label!r})")
            if "{" in label:
                # A family written once: "{快,要,随时}掉{下来,了}" is every combination, each once.
                for form in expand_braces(label):
                    text = normalize(form)
                    if text and text not in seen:
                        seen[text] = label
                        terms.append(Keyword(text=text, weight=1.0, label=form))
                continue
            text = normalize(label)
            if not text:
                raise self.fail(
                    f"{entry} {label!r}",
                    "is empty after normalisation (emoji, spaces and symbols are dropped)",
                )
            if text in seen:
                raise self.fail(
                    f"{entry} {label!r}", f"is the same as {seen[text]!r} after normalisation; keep one"
                )
            seen[text] = label
            terms.append(Keyword(text=text, weight=1.0, label=label))
        return tuple(terms)

    def category(self, category_id: str, raw: Any, sla: Sla) -> Category:
        entry = f"category {category_id!r}"
        if not category_id.strip() or any(ch.isspace() for ch in category_id) or len(category_id) > 64:
            raise self.fail(entry, "id must be 1-64 characters without spaces")
        raw = self.table(raw, entry)
        self.known_keys(raw, ("name", "description", "keywords", "phrases", "negative", "sla"), entry)
        if "name" not in raw:
            raise self.fail(entry, "missing name (the Chinese name users see)")
        name = self.string(raw["name"], f"{entry} name")
        description = self.string(raw.get("description", ""), f"{entry} description", required=False)
        category_sla = self.sla(
            self.table(raw.get("sla", {}), f"{entry} sla"),
            f"{entry} sla",
            {key: getattr(sla, key) for key in _SLA_KEYS},
        )
        return Category(
            id=category_id,
            name=name,
            description=description,
            vocabulary=self.vocabulary(raw, entry),
            sla=category_sla,
        )

    def vocabulary(self, raw: dict[str, Any], entry: str) -> Vocabulary:
        keywords = self.terms(raw.get("keywords", {}), entry, "keyword")
        negative = self.terms(raw.get("negative", {}), entry, "negative keyword")
        phrases = self.phrases(raw.get("phrases", {}), entry)
        return Vocabulary(keywords=keywords, phrases=phrases, negative=negative)

    def terms(self, raw: Any, entry: str, kind: str) -> tuple[Keyword, ...]:
        raw = self.table(raw, f"{entry} {kind}s")
        seen: dict[str, str] = {}
        terms = []
        for label, weight in raw.items():
            where = f"{entry} {kind} {label!r}"
            text = normalize(label)
            if not text:
                raise self.fail(where, "is empty after normalisation (emoji, spaces and symbols are dropped)")
            if PHRASE_SEPARATOR in text:
                raise self.fail(where, f"contains {PHRASE_SEPARATOR!r}; put multi-part entries under phrases")
            if text in seen:
                raise self.fail(where, f"is the same as {seen[text]!r} after normalisation; keep one")
            seen[text] = label
            weight = self.number(weight, where, minimum=0, inclusive=False, what="weight")
            terms.append(Keyword(text=text, weight=weight, label=label))
        return tuple(terms)

    def phrases(self, raw: Any, entry: str) -> tuple[Phrase, ...]:
        raw = self.table(raw, f"{entry} phrases")
        phrases = []
        for label, weight in raw.items():
            where = f"{entry} phrase {label!r}"
            parts = tuple(normalize(part) for part in label.split(PHRASE_SEPARATOR))
            if len(parts) < 2 or not all(parts):
                raise self.fail(
                    where, f'needs two or more non-empty parts joined by {PHRASE_SEPARATOR!r}, e.g. "电梯+困"'
                )
            weight = self.number(weight, where, minimum=0, inclusive=False, what="weight")
            phrases.append(Phrase(parts=parts, weight=weight, label=label))
        return tuple(phrases)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def expand_braces(label: str) -> list[str]:
    """Every form of a term family: "{快,要}掉{下来,}" → 快掉下来, 快掉, 要掉下来, 要掉 (an empty choice is
    allowed; braces do not nest)."""
    forms = [""]
    rest = label
    while "{" in rest:
        head, _, tail = rest.partition("{")
        choices, closed, rest = tail.partition("}")
        if not closed:
            choices, rest = "{" + choices, ""
            forms = [form + head + choices for form in forms]
            break
        forms = [form + head + choice for form in forms for choice in choices.split(",")]
    return [form + rest for form in forms]
