"""Impact-level rules (crafted figures give each level, the evidence names the rule) and the level history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from geo.briefing import (
    DEFAULT_RULES,
    REACTIONS,
    SECTION_LEVELS,
    current_levels,
    effective_levels,
    level_history,
    load_rules,
    propose_level,
    propose_levels,
    record_level,
)
from geo.errors import LevelError
from geo.i18n import translator
from geo.store import open_store
from tests.stores import store_url  # noqa: F401  (fixture)

QUIET = {"events": 12, "events_per_10km_day": 1.5, "change_pct": 5.0, "hot_share": 0.0, "coverage_share": float("nan")}


def test_quiet_figures_propose_low() -> None:
    proposal = propose_level(QUIET)
    assert proposal.level == "low"
    assert proposal.evidence == ("no rule fired (12 events) — low",)


def test_density_gives_medium_then_high_with_the_numbers() -> None:
    medium = propose_level({**QUIET, "events": 300, "events_per_10km_day": 12.5})
    assert medium.level == "medium"
    assert medium.evidence == ("12.5 events a day per 10 km of border — medium (from 10)",)
    high = propose_level({**QUIET, "events": 900, "events_per_10km_day": 31.0})
    assert high.level == "high"
    assert high.evidence == ("31.0 events a day per 10 km of border — high (from 30)",)  # not again at medium


def test_a_rise_needs_enough_events() -> None:
    rising = propose_level({**QUIET, "events": 60, "change_pct": 80.0})
    assert rising.level == "high"
    assert rising.evidence == ("events rose 80 % to 60 — high (from a rise of 50 %)",)
    few = propose_level({**QUIET, "events": 30, "change_pct": 80.0})
    assert few.level == "medium"  # 30 events: the medium rise rule (>= 20 events) fires, the high one does not
    assert few.evidence == ("events rose 80 % to 30 — medium (from a rise of 20 %)",)
    assert propose_level({**QUIET, "events": 8, "change_pct": 300.0}).level == "low"


def test_the_deciding_rule_comes_first_as_a_sentence() -> None:
    proposal = propose_level({**QUIET, "events": 470, "change_pct": 80.0, "events_per_10km_day": 12.0})
    assert proposal.level == "high"
    assert proposal.evidence == ("events rose 80 % to 470 — high (from a rise of 50 %)",
                                 "12.0 events a day per 10 km of border — medium (from 10)")
    greek = propose_level({**QUIET, "events": 1470, "change_pct": 80.0}, tr=translator("el"))
    assert greek.level == "high" and "1.470" in greek.evidence[0] and "80" in greek.evidence[0]


def test_hot_cells_and_missing_coverage() -> None:
    assert propose_level({**QUIET, "hot_share": 0.45}).evidence == (
        "45 % of the section's cells are hot spots — high (from 40 %)",)
    uncovered = propose_level({**QUIET, "events": 40, "coverage_share": 0.3})
    assert uncovered.level == "medium"
    assert uncovered.evidence == ("sensors see 30 % of the corridor — medium (at 50 % or less)",)
    assert propose_level({**QUIET, "events": 40}).level == "low"  # coverage unknown: the rule stays silent


def test_rules_from_toml_replace_the_defaults() -> None:
    rules = load_rules('[[rule]]\nname = "sar"\nfigure = "events_search_and_rescue"\nop = ">="\nthreshold = 3\n'
                       'level = "high"\n')
    frame = pd.DataFrame([{**QUIET, "events_search_and_rescue": 4}, {**QUIET, "events_search_and_rescue": 1}])
    proposed = propose_levels(frame, rules)
    assert list(proposed["proposed_level"]) == ["high", "low"]
    assert proposed["evidence"].iloc[0] == ("sar: events_search_and_rescue is 4 — high (rule: >= 3)",)
    assert len(DEFAULT_RULES.rules) == 7


@pytest.mark.parametrize(("text", "message"), [
    ("[[rule", "not valid TOML"),
    ("x = 1", "at least one"),
    ('[[rule]]\nname="a"\nfigure="events"\nop=">"\nthreshold=1\nlevel="high"', "op must be"),
    ('[[rule]]\nname="a"\nfigure="events"\nop=">="\nthreshold=1\nlevel="critical"', "level must be"),
    ('[[rule]]\nname="a"\nfigure="events"\nop=">="\nthreshold="x"\nlevel="high"', "threshold must be a number"),
    ('[[rule]]\nname="a"\nfigure="events"\nop=">="\nlevel="high"\ncolour=1', "unknown keys \\['colour'\\]"),
])
def test_bad_rule_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(LevelError, match=message):
        load_rules(text)


def test_a_rule_on_an_unknown_figure_says_so() -> None:
    rules = load_rules('[[rule]]\nname="a"\nfigure="nonsense"\nop=">="\nthreshold=1\nlevel="high"')
    with pytest.raises(LevelError, match="nonsense"):
        propose_level(QUIET, rules)


def test_level_history_is_kept(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    try:
        t0 = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)
        assert current_levels(store) == {}
        record_level(store, section_id="GRC-MKD-07", level="high", proposed_level="high",
                     evidence=("density: events_per_10km_day = 70 >= 30 -> high",), comment="agree", set_by="duty officer",
                     at=t0)
        record_level(store, section_id="GRC-MKD-07", level="critical", proposed_level="high", evidence=(),
                     comment="mass arrival at Idomeni", set_by="commander", at=t0 + timedelta(hours=2))
        record_level(store, section_id="BGR-MKD-01", level="medium", proposed_level="low", evidence=(),
                     comment="intelligence report", set_by="commander", at=t0 + timedelta(hours=3))
        assert current_levels(store) == {"GRC-MKD-07": "critical", "BGR-MKD-01": "medium"}
        history = level_history(store, section_id="GRC-MKD-07")
        assert list(history["level"]) == ["critical", "high"]
        assert list(history["set_by"]) == ["commander", "duty officer"]
        assert history["set_at"].iloc[0] == pd.Timestamp(t0 + timedelta(hours=2))
        assert history["evidence"].iloc[1] == "density: events_per_10km_day = 70 >= 30 -> high"
        for bad, message in (({"level": "extreme"}, "level must be one of"), ({"comment": "  "}, "comment"),
                             ({"set_by": ""}, "who sets")):
            kwargs = {"section_id": "X", "level": "low", "proposed_level": None, "evidence": (), "comment": "c",
                      "set_by": "me", "at": t0, **bad}
            with pytest.raises(LevelError, match=message):
                record_level(store, **kwargs)
        assert len(level_history(store)) == 3
    finally:
        store.close()


def test_set_levels_override_proposals_and_every_level_has_its_reactions() -> None:
    levels = effective_levels(pd.Series(["low", "high"]), {"B": "critical"}, pd.Series(["A", "B"]))
    assert list(levels) == ["low", "critical"]
    assert set(REACTIONS) == set(SECTION_LEVELS)
    assert any("Agency" in line for line in REACTIONS["high"])
    assert any("Commission" in line for line in REACTIONS["critical"])
