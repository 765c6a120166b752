"""Store fixtures for both dialects (a fresh SQLite file, a fresh schema on the PostgreSQL server), and a raw reader."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.store import Store

PG_URL = os.environ.get("LIMES_TEST_PG_URL")
PG_SKIP_REASON = "no PostgreSQL server given: set LIMES_TEST_PG_URL (CI sets postgresql://postgres@127.0.0.1:5432/test)"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def _pg_schema_url(schema: str) -> str:
    joiner = "&" if "?" in str(PG_URL) else "?"
    return f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"


def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    import psycopg

    schema = f"limes_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(str(PG_URL), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _pg_schema_url(schema)
    finally:
        with psycopg.connect(str(PG_URL), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes it runs once on SQLite and once on PostgreSQL (skipped, with the reason, without one)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    yield from postgres_url()


def fetch(store: Store, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a read-only ``query``: tests look at tables the way no repository reads them (contacts, counts)."""
    with store.transaction(write=False) as tx:
        return tx.fetch(query, params)
