"""Impact levels of border sections (EUROSUR, Regulation (EU) 2019/1896 Art. 34-35).

The app *proposes* a level per section from documented rules on the section's figures
(:mod:`geo.briefing.figures`); an authorised person *sets* the level, with a comment, and every
decision is kept in the store's ``section_levels`` table (newest wins, nothing is overwritten).
To audit a decision with it, record both in one ``store.transaction()``.

Rules
-----
A rule reads one figure, compares it with a threshold and, when it holds for a section with at
least ``min_events`` events in the period, proposes its level. The proposal is the highest level
any rule gives (low when none fires). The evidence reads as sentences ("events rose 80 % to 470 —
high (from a rise of 50 %)"): the rule that decided the level first, then the other rules that
fired, each rule once (a rule that fired at high is not repeated at medium).
The default rules (:data:`DEFAULT_RULES`) are a starting point for the bundled scenario, not a
doctrine; a TOML file replaces them (:func:`load_rules`)::

    [[rule]]
    name = "density"                  # shown in the evidence
    figure = "events_per_10km_day"    # a numeric column of the figures
    op = ">="                         # ">=" or "<="
    threshold = 30
    level = "high"                    # "medium" or "high"
    min_events = 0                    # the rule applies only from this many events in the period

The regulation's "critical" level is never proposed: it is attributed temporarily, by people,
when a section's situation puts the Schengen area at risk (Art. 34(2)).
"""

from __future__ import annotations

import operator
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pandas as pd

from geo.errors import LevelError, msg
from geo.i18n import N_, Translator, translator
from geo.store import Db, append_level, epoch_ms, level_rows

PROPOSED_LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high")
SECTION_LEVELS: Final[tuple[str, ...]] = (*PROPOSED_LEVELS, "critical")
"""Levels a person may set, lowest first; "critical" is temporary (Art. 34(2))."""

LEVEL_COLOURS: Final[dict[str, str]] = {"low": "#3a9d5d", "medium": "#e8b021", "high": "#e4572e", "critical": "#b0127f"}
"""One colour per level for every map, table and PDF (green, amber, red, magenta)."""

_OPS: Final[dict[str, Callable[[float, float], bool]]] = {">=": operator.ge, "<=": operator.le}

LEVEL_WORDS: Final[dict[str, str]] = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"),
                                      "critical": N_("critical")}
"""The levels as words (messages: pass them through a translator)."""
EVIDENCE_SENTENCES: Final[dict[tuple[str, str], str]] = {
    ("events_per_10km_day", ">="): N_("{value} events a day per 10 km of border — {level} (from {threshold})"),
    ("change_pct", ">="): N_("events rose {value} % to {events} — {level} (from a rise of {threshold} %)"),
    ("hot_share", ">="): N_("{value} % of the section's cells are hot spots — {level} (from {threshold} %)"),
    ("coverage_share", "<="): N_("sensors see {value} % of the corridor — {level} (at {threshold} % or less)"),
}
"""The evidence sentence of each known figure and comparison; a rule on any other figure reads generically."""
_PERCENT_FIGURES: Final[frozenset[str]] = frozenset({"hot_share", "coverage_share"})

REACTIONS: Final[dict[str, tuple[str, ...]]] = {
    "low": (
        N_("Regular border control organised on the basis of risk analysis (Art. 35(1)(a))."),
        N_("Sufficient personnel and resources kept available for the section."),
    ),
    "medium": (
        N_("All low-level measures, plus appropriate border control measures at the section (Art. 35(1)(b))."),
        N_("National coordination centre notified of the measures taken."),
        N_("Support coordinated by the national coordination centre (Art. 21(3))."),
    ),
    "high": (
        N_("All medium-level measures, plus reinforced border control measures (Art. 35(1)(c))."),
        N_("Through the national coordination centre: necessary support given to the authorities at the section."),
        N_("Consider requesting support from the Agency (joint operation or rapid border intervention, Art. 36)."),
    ),
    "critical": (
        N_("All high-level measures (Art. 35(1)(d)); the level is temporary and attributed with the Member State (Art. 34(2))."),
        N_("The Agency notifies the Commission; the Executive Director may recommend a joint operation or rapid border intervention."),
        N_("The Member State responds to the recommendation; the situation is reviewed until the level is lowered."),
    ),
}
"""The reactions Regulation (EU) 2019/1896 Art. 35 attaches to each level, paraphrased as a checklist.
Each level includes the measures of the levels below it."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: ``figure op threshold`` proposes ``level`` when the section had ``min_events`` events or more."""

    name: str
    figure: str
    op: str
    threshold: float
    level: str
    min_events: int = 0

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise LevelError(msg("rule {name!r}: op must be one of {ops}; got {op!r}",
                                 name=self.name, ops=sorted(_OPS), op=self.op))
        if self.level not in PROPOSED_LEVELS[1:]:
            raise LevelError(msg("rule {name!r}: level must be 'medium' or 'high'; got {level!r}",
                                 name=self.name, level=self.level))
        if self.min_events < 0:
            raise LevelError(msg("rule {name!r}: min_events must be >= 0; got {min_events}",
                                 name=self.name, min_events=self.min_events))

    def fires(self, figures: Mapping[str, float]) -> bool:
        """Whether the rule holds for one section's ``figures`` (a missing or NaN figure never fires)."""
        if self.figure not in figures:
            raise LevelError(msg("rule {name!r} reads the figure {figure!r}, which the sections do not have",
                                 name=self.name, figure=self.figure))
        value = figures[self.figure]
        if value is None or pd.isna(value) or figures.get("events", 0) < self.min_events:
            return False
        return _OPS[self.op](float(value), self.threshold)

    def explain(self, figures: Mapping[str, float], tr: Translator | None = None) -> str:
        """The evidence as a sentence in ``tr``'s language (default English): what the section's figure is, the
        level it gives, and the rule's threshold."""
        tr = tr or translator()
        value, level = float(figures[self.figure]), tr.gettext(LEVEL_WORDS[self.level])
        sentence = EVIDENCE_SENTENCES.get((self.figure, self.op))
        if sentence is None:
            guard = tr.gettext(", with {events} events").format(events=tr.number(figures["events"])) \
                if self.min_events else ""
            return tr.gettext("{name}: {figure} is {value}{guard} — {level} (rule: {op} {threshold})").format(
                name=self.name, figure=self.figure, value=tr.number(round(value, 3)), guard=guard, level=level,
                op=self.op, threshold=tr.number(self.threshold))
        scale = 100.0 if self.figure in _PERCENT_FIGURES else 1.0
        decimals = 1 if self.figure == "events_per_10km_day" else 0
        return tr.gettext(sentence).format(value=tr.number(value * scale, decimals=decimals), level=level,
                                           threshold=tr.number(self.threshold * scale),
                                           events=tr.number(figures.get("events", 0)))


@dataclass(frozen=True, slots=True)
class LevelRules:
    """A set of rules; see the module docstring."""

    rules: tuple[Rule, ...]


DEFAULT_RULES: Final[LevelRules] = LevelRules(rules=(
    Rule("density", "events_per_10km_day", ">=", 30.0, "high"),
    Rule("density", "events_per_10km_day", ">=", 10.0, "medium"),
    Rule("rising", "change_pct", ">=", 50.0, "high", min_events=50),
    Rule("rising", "change_pct", ">=", 20.0, "medium", min_events=20),
    Rule("hot cells", "hot_share", ">=", 0.40, "high"),
    Rule("hot cells", "hot_share", ">=", 0.15, "medium"),
    Rule("uncovered", "coverage_share", "<=", 0.50, "medium", min_events=20),
))
"""Rules for the bundled scenario, per period: density in events per 10 km of border and day,
growth against the previous period, the share of Gi* hot cells, and low sensor coverage."""


def load_rules(text: str) -> LevelRules:
    """Rules from TOML text with ``[[rule]]`` tables (see the module docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LevelError(msg("the level rules are not valid TOML: {exc}", exc=exc)) from None
    tables = data.get("rule")
    if not isinstance(tables, list) or not tables:
        raise LevelError(msg("the level rules need at least one [[rule]] table"))
    fields = {"name", "figure", "op", "threshold", "level", "min_events"}
    rules = []
    for i, table in enumerate(tables, start=1):
        unknown, missing = set(table) - fields, fields - {"min_events"} - set(table)
        if unknown or missing:
            raise LevelError(msg("rule {i}: unknown keys {unknown}, missing keys {missing}",
                                 i=i, unknown=sorted(unknown), missing=sorted(missing)))
        if not isinstance(table["threshold"], (int, float)) or not isinstance(table.get("min_events", 0), int):
            raise LevelError(msg("rule {i}: threshold must be a number and min_events an integer", i=i))
        rules.append(Rule(name=str(table["name"]), figure=str(table["figure"]), op=str(table["op"]),
                          threshold=float(table["threshold"]), level=str(table["level"]),
                          min_events=int(table.get("min_events", 0))))
    return LevelRules(rules=tuple(rules))


@dataclass(frozen=True, slots=True)
class Proposal:
    """The proposed level of one section and why."""

    level: str
    evidence: tuple[str, ...]


def propose_level(figures: Mapping[str, float], rules: LevelRules = DEFAULT_RULES, *,
                  tr: Translator | None = None) -> Proposal:
    """The highest level of the rules that fire for one section's ``figures``, with their evidence in ``tr``'s
    language: the deciding rule first, then the others that fired, each rule (name and figure) once."""
    tr = tr or translator()
    fired = [rule for rule in rules.rules if rule.fires(figures)]
    if not fired:
        return Proposal("low", (tr.gettext("no rule fired ({events} events) — {level}").format(
            events=tr.number(figures.get("events", 0)), level=tr.gettext(LEVEL_WORDS["low"])),))
    # Highest level first (stable: the rules' own order among equals); a rule repeated at a lower level is dropped.
    fired.sort(key=lambda rule: -PROPOSED_LEVELS.index(rule.level))
    seen: set[tuple[str, str]] = set()
    deciding = []
    for rule in fired:
        if (rule.name, rule.figure) not in seen:
            seen.add((rule.name, rule.figure))
            deciding.append(rule)
    return Proposal(fired[0].level, tuple(rule.explain(figures, tr) for rule in deciding))


def propose_levels(figures: pd.DataFrame, rules: LevelRules = DEFAULT_RULES, *,
                   tr: Translator | None = None) -> pd.DataFrame:
    """``proposed_level`` and ``evidence`` (a tuple of sentences, the deciding one first) per row of a figures
    frame, same index."""
    proposals = [propose_level(row, rules, tr=tr) for row in figures.to_dict("records")]
    return pd.DataFrame({"proposed_level": [p.level for p in proposals], "evidence": [p.evidence for p in proposals]},
                        index=figures.index)


def record_level(db: Db, *, section_id: str, level: str, proposed_level: str | None, evidence: tuple[str, ...],
                 comment: str, set_by: str, at: datetime) -> None:
    """Append a level decision to the history; a comment and the name of who decided are required.

    ``db`` is the store, or the open transaction that also audits the decision.
    """
    if level not in SECTION_LEVELS:
        raise LevelError(msg("level must be one of {section_levels}; got {level!r}",
                             section_levels=list(SECTION_LEVELS), level=level))
    if not comment.strip():
        raise LevelError(msg("a level is set with a comment saying why"))
    if not set_by.strip():
        raise LevelError(msg("say who sets the level (operator name)"))
    if at.tzinfo is None:
        raise LevelError(msg("the decision time must be timezone-aware"))
    append_level(db, section_id=section_id, level=level, proposed_level=proposed_level, evidence="\n".join(evidence),
                 comment=comment.strip(), set_by=set_by.strip(), set_at_ms=epoch_ms(at))


def level_history(db: Db, *, section_id: str | None = None) -> pd.DataFrame:
    """Level decisions, newest first: ``section_id``, ``level``, ``proposed_level``, ``evidence``,
    ``comment``, ``set_by``, ``set_at`` (UTC)."""
    return level_rows(db, section_id=section_id)


def current_levels(db: Db) -> dict[str, str]:
    """The level last set for each section that has one."""
    history = level_history(db)
    return history.drop_duplicates("section_id", keep="first").set_index("section_id")["level"].to_dict()


def effective_levels(proposed: pd.Series, set_levels: Mapping[str, str], section_ids: pd.Series) -> pd.Series:
    """The set level where a person set one, else the proposal; aligned with ``section_ids``."""
    return pd.Series([set_levels.get(sid, p) for sid, p in zip(section_ids, proposed)], index=proposed.index,
                     name="level")


def level_rank(levels: pd.Series) -> pd.Series:
    """0 (low) .. 3 (critical), for sorting sections by level."""
    return levels.map({level: i for i, level in enumerate(SECTION_LEVELS)}).astype(int)
