"""The bundled synthetic scenario: its generator, sensors and patrols, the store loader and the live simulator.

Seeded and deterministic, with planted truth that the tests check the analytics against.
"""

from geo.scenario.bundled import ensure_fresh_scenario
from geo.scenario.generator import (
    CORRIDORS,
    EMERGING_CORRIDOR,
    EMERGING_DAYS,
    GAP_LON_RANGE,
    LOCAL_UTC_OFFSET_H,
    Scenario,
    generate,
)
from geo.scenario.simulator import FeedSimulator, demo_feeds_toml, make_server

__all__ = [
    "CORRIDORS",
    "EMERGING_CORRIDOR",
    "EMERGING_DAYS",
    "FeedSimulator",
    "GAP_LON_RANGE",
    "LOCAL_UTC_OFFSET_H",
    "Scenario",
    "demo_feeds_toml",
    "ensure_fresh_scenario",
    "generate",
    "make_server",
]
