"""Import figures: events/s into SQLite and PostgreSQL beside a naive row-at-a-time importer, and peak memory.

The file is our native CSV of the scenario's events scaled up (new ids, jittered positions). The
naive importer is what a first attempt looks like: one INSERT and one commit per row.

With a PostgreSQL server, the import runs side by side into SQLite, into PostgreSQL, and into
PostgreSQL through the previous bulk path (:class:`TempTablePostgresStore`), each into a fresh store,
in turns, best of ``repeat``: on a shared machine only ratios from one run mean anything.
``python -m bench.store_bench --rows N`` prints that comparison alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.harness import Figure, format_table, once_seconds
from geo.ingest import import_file
from geo.scenario import generate
from geo.settings import checkout_root
from geo.store import EVENT_COLUMNS, EVENT_MONTHS, PostgresStore, Store, Transaction, open_store

NAIVE_ROWS = 3_000
NATIVE_COLUMNS = ["event_id", "source", "type", "occurred_at", "lat", "lon", "persons", "impact", "confidence", "status"]


def write_native_csv(path: Path, n_rows: int, *, seed: int = 11) -> None:
    """``n_rows`` scenario-like events in our native CSV format, written in slices (bounded memory)."""
    base = generate(seed=seed).events
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(NATIVE_COLUMNS) + "\n")
        for start in range(0, n_rows, 200_000):
            n = min(200_000, n_rows - start)
            pick = rng.integers(0, len(base), n)
            rows = base.iloc[pick]
            frame = pd.DataFrame({
                "event_id": [f"B{start + i:09d}" for i in range(n)],
                "source": "bench",
                "type": rows["type"].to_numpy(),
                "occurred_at": rows["occurred_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
                "lat": (rows["lat"].to_numpy() + rng.normal(0, 0.004, n)).round(5),
                "lon": (rows["lon"].to_numpy() + rng.normal(0, 0.005, n)).round(5),
                "persons": rows["persons"].to_numpy(),
                "impact": rows["impact"].to_numpy(),
                "confidence": rows["confidence"].to_numpy(),
                "status": rows["status"].to_numpy(),
            })
            frame.to_csv(out, header=False, index=False)


def _naive_rate(url: str, path: Path) -> float:
    """Rows/s of one INSERT and one commit per row, on the first :data:`NAIVE_ROWS` rows."""
    from geo.grid import BASE_RES, latlng_to_cells

    rows = pd.read_csv(path, nrows=NAIVE_ROWS, dtype=str)
    store = open_store(url)
    conn = store._conn  # the naive importer talks to the connection directly, as a first attempt would
    mark = "?" if store.dialect == "sqlite" else "%s"
    columns = "source, event_id, type, occurred_at_ms, received_at_ms, lat, lon, persons, impact, confidence, status, cell"
    sql = f"INSERT INTO events ({columns}) VALUES ({', '.join([mark] * 12)}) ON CONFLICT (source, event_id) DO NOTHING"
    if store.dialect == "postgresql":  # events are partitioned by month there: the key table keeps them unique
        sql = ("WITH fresh AS (INSERT INTO event_keys (source, event_id) VALUES (%s, %s) ON CONFLICT DO NOTHING "
               f"RETURNING 1) INSERT INTO events ({columns}) SELECT {', '.join([mark] * 12)} FROM fresh")

    def run() -> None:
        now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
        for r in rows.itertuples(index=False):
            cell = int(latlng_to_cells([float(r.lat)], [float(r.lon)], BASE_RES)[0])
            when = int(pd.Timestamp(r.occurred_at).timestamp() * 1000)
            row = ("naive", r.event_id, r.type, when, now_ms, float(r.lat), float(r.lon), int(r.persons), r.impact,
                   float(r.confidence), r.status, cell)
            if store.dialect == "postgresql":
                conn.execute("SELECT limes_event_month(%s)", (when,))
            conn.execute(sql, row if store.dialect == "sqlite" else ("naive", r.event_id, *row))
            if store.dialect == "sqlite":
                conn.commit()

    seconds = once_seconds(run)
    store.close()
    return NAIVE_ROWS / seconds


class TempTablePostgresStore(PostgresStore):
    """PostgreSQL with the bulk path before the key look-up: ``COPY`` into a temporary table, then one statement
    inserting the keys (``ON CONFLICT DO NOTHING``) and the events of the new keys (the first row of a repeated key,
    in arrival order). Kept as the baseline the current path is measured against."""

    def _bulk_insert_events(self, tx: Transaction, rows: list[tuple[Any, ...]]) -> int:
        cur = tx.cursor
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('limes-events'))")
        columns = ", ".join(EVENT_COLUMNS)
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS incoming_events ON COMMIT DELETE ROWS AS "
                    f"SELECT {columns} FROM events WITH NO DATA")
        with cur.copy(f"COPY incoming_events ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"SELECT limes_event_month(m) FROM ({EVENT_MONTHS.format(table='incoming_events')}) months")
        picked = ", ".join(f"i.{c}" for c in EVENT_COLUMNS)
        cur.execute("WITH fresh AS (INSERT INTO event_keys (source, event_id) SELECT source, event_id "
                    "FROM incoming_events ON CONFLICT DO NOTHING RETURNING source, event_id), "
                    f"firsts AS (SELECT DISTINCT ON (i.source, i.event_id) i.ctid AS pos, {picked} "
                    "FROM incoming_events i JOIN fresh f ON f.source = i.source AND f.event_id = i.event_id "
                    "ORDER BY i.source, i.event_id, i.ctid) "
                    f"INSERT INTO events ({columns}) SELECT {columns} FROM firsts ORDER BY pos")
        return int(cur.rowcount)


def _import_rate(url: str, path: Path, n_rows: int, *, opener: type[Store] | None = None) -> float:
    """Rows/s of :func:`geo.ingest.import_file` into the empty store at ``url`` (opened by ``opener``'s class if
    given)."""
    store = open_store(url) if opener is None else opener(url)
    seconds = once_seconds(lambda: import_file(path, store))
    assert store.count("events") >= n_rows
    store.close()
    return n_rows / seconds


_RSS_PROBE = """
import resource, sys
from pathlib import Path
# Linux keeps a process's peak RSS across fork and exec: reset it, or the bench's own peak shows.
Path("/proc/self/clear_refs").write_text("5")
from geo.ingest import import_file
from geo.store import open_store
import_file(Path(sys.argv[1]), open_store(sys.argv[2]))
peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM"))
print(peak_kb + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_rss_mb(url: str, path: Path) -> float:
    """Peak resident memory of a fresh process importing ``path``, plus its reader worker (MB)."""
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(path), url], capture_output=True, text=True,
                         check=True, cwd=checkout_root())
    return int(out.stdout.strip()) / 1024


def _fresh_pg_url(base: str) -> str:
    import psycopg

    schema = f"limes_bench_{os.getpid()}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def _drop_pg_schema(base: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS limes_bench_{os.getpid()} CASCADE")


def side_by_side(path: Path, n_rows: int, pg_url: str, *, folder: Path, repeat: int = 3) -> dict[str, float]:
    """Best rows/s of ``repeat`` imports of ``path`` each into SQLite, PostgreSQL and PostgreSQL's previous path
    (:class:`TempTablePostgresStore`), in turns, each import into a fresh store."""
    best = {"sqlite": 0.0, "postgresql": 0.0, "postgresql_temp_table": 0.0}
    try:
        for attempt in range(repeat):
            best["sqlite"] = max(best["sqlite"], _import_rate(f"sqlite:///{folder / f'side{attempt}.sqlite'}", path,
                                                              n_rows))
            best["postgresql"] = max(best["postgresql"], _import_rate(_fresh_pg_url(pg_url), path, n_rows))
            best["postgresql_temp_table"] = max(best["postgresql_temp_table"], _import_rate(
                _fresh_pg_url(pg_url), path, n_rows, opener=TempTablePostgresStore))
    finally:
        _drop_pg_schema(pg_url)
    return best


def side_by_side_figures(best: dict[str, float], n_rows: int, *, repeat: int) -> list[Figure]:
    """The figures of :func:`side_by_side`: PostgreSQL against its previous path, and against SQLite."""
    pg, old, sqlite = best["postgresql"], best["postgresql_temp_table"], best["sqlite"]
    same_run = f"same run, best of {repeat}; SQLite {sqlite / 1e3:.1f} k/s"
    return [
        Figure(f"import {n_rows:,} events into PostgreSQL vs its previous path", "k events/s", pg / 1e3, old / 1e3,
               "—", True, f"keys looked up, then COPY into event_keys and events vs COPY into a temp table and "
               f"INSERT ... ON CONFLICT; {same_run}"),
        Figure(f"import {n_rows:,} events: PostgreSQL vs SQLite", "k events/s", pg / 1e3, sqlite / 1e3, "≥ 50 k/s",
               True, f"'naive' column here: SQLite; the previous path ran at {old / sqlite:.2f}× SQLite; {same_run}"),
    ]


def run(n_rows: int, *, repeat: int = 3) -> list[Figure]:
    """Import figures on ``n_rows`` events (PostgreSQL when ``LIMES_TEST_PG_URL`` names a server, side by side with
    SQLite and its previous path, best of ``repeat``)."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="limes-bench-") as tmp:
        folder = Path(tmp)
        csv = folder / "events.csv"
        write_native_csv(csv, n_rows)
        size_mb = csv.stat().st_size / 1e6
        ours = _import_rate(f"sqlite:///{folder / 'a.sqlite'}", csv, n_rows)
        naive = _naive_rate(f"sqlite:///{folder / 'b.sqlite'}", csv)
        figures.append(Figure(f"import {n_rows:,} events ({size_mb:.0f} MB CSV) into SQLite", "k events/s", ours / 1e3,
                              naive / 1e3, "≥ 100 k/s", True, "chunked, validated, executemany vs INSERT+commit per row"))
        pg = os.environ.get("LIMES_TEST_PG_URL")
        if pg:
            best = side_by_side(csv, n_rows, pg, folder=folder, repeat=repeat)
            naive_pg = _naive_rate(_fresh_pg_url(pg), csv)
            _drop_pg_schema(pg)
            figures.append(Figure(f"import {n_rows:,} events into PostgreSQL", "k events/s", best["postgresql"] / 1e3,
                                  naive_pg / 1e3, "≥ 50 k/s", True, "keys looked up, COPY of the new rows vs INSERT "
                                  "per row"))
            figures += side_by_side_figures(best, n_rows, repeat=repeat)
        small = folder / "small.csv"
        write_native_csv(small, n_rows // 4)
        rss_small = _peak_rss_mb(f"sqlite:///{folder / 'c.sqlite'}", small)
        rss_big = _peak_rss_mb(f"sqlite:///{folder / 'd.sqlite'}", csv)
        figures.append(Figure(f"peak memory importing {size_mb:.0f} MB vs {size_mb / 4:.0f} MB of CSV", "MB", rss_big,
                              rss_small, "bounded: flat in file size", False,
                              "'naive' column here: the quarter-size file (ours ≈ it means memory does not grow)"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="Import rates side by side: SQLite, PostgreSQL, and PostgreSQL's "
                                                 "previous bulk path, in one run (LIMES_TEST_PG_URL names the server)")
    parser.add_argument("--rows", type=int, default=500_000, help="events in the generated file")
    parser.add_argument("--repeat", type=int, default=3, help="imports per store kind; the best counts")
    args = parser.parse_args()
    pg = os.environ.get("LIMES_TEST_PG_URL")
    if not pg:
        parser.error("set LIMES_TEST_PG_URL to a PostgreSQL server")
    with tempfile.TemporaryDirectory(prefix="limes-bench-") as tmp:
        folder = Path(tmp)
        csv = folder / "events.csv"
        write_native_csv(csv, args.rows)
        best = side_by_side(csv, args.rows, pg, folder=folder, repeat=args.repeat)
    print(format_table(side_by_side_figures(best, args.rows, repeat=args.repeat)))


if __name__ == "__main__":
    main()
