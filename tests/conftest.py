"""Shared fixtures: one scenario per test session, generated for a fixed end time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from geo.grid import EventIndex
from geo.scenario import Scenario, generate

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
SCENARIO_END = datetime(2026, 11, 28, 12, 37, tzinfo=timezone.utc)
"""Deliberately not on the hour: the scenario must still start and end exactly there."""


@pytest.fixture(scope="session", autouse=True)
def isolated_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every test session gets its own SQLite store (the app, AppTest and the browser's server use it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'limes-test.sqlite'}"
    os.environ["LIMES_DB"] = url
    return url


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return generate(end=SCENARIO_END)


@pytest.fixture(scope="session")
def index(scenario: Scenario) -> EventIndex:
    return EventIndex(scenario.events)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """One `streamlit run` of the app (local mode, the session's store) shared by the browser tests."""
    from bench.serving import start_streamlit

    with start_streamlit() as url:
        yield url
