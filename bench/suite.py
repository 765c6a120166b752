"""Which benchmark groups ``limes bench`` runs, in what order, with what sizes."""

from __future__ import annotations

from collections.abc import Iterable

from bench.harness import Figure

GROUPS = ("hexgrid", "hotspot", "store", "viewshed", "routes", "mirror", "live", "load", "replica", "share",
          "dispatch")
"""The groups ``limes bench --only`` picks from; all by default."""


def run(groups: Iterable[str], *, events: int, import_rows: int, mirror_events: int, live_events: int,
        load_events: int = 0) -> list[Figure]:
    """The figures of ``groups``; a size of 0 skips the mirror, the live (browser, with the replica recipe) or the
    load-test figures.

    The history figure holds a tenth of the mirror's events in the store (three years of them).
    """
    from bench import (
        dispatch_bench,
        hexgrid_bench,
        history_bench,
        hotspot_bench,
        live_bench,
        load_bench,
        mirror_bench,
        replica_bench,
        routes_bench,
        share_bench,
        startup_bench,
        store_bench,
        viewshed_bench,
    )

    chosen = set(groups)
    figures: list[Figure] = []
    if "hexgrid" in chosen:
        figures += hexgrid_bench.run(events)
    if "hotspot" in chosen:
        figures += [*hotspot_bench.run(), *hotspot_bench.run_emerging()]
    if "store" in chosen:
        figures += store_bench.run(import_rows)
    if "viewshed" in chosen:
        figures += viewshed_bench.run()
    if "routes" in chosen:
        figures += routes_bench.run()
    if "mirror" in chosen and mirror_events:
        figures += [*mirror_bench.run(mirror_events), *history_bench.run(max(mirror_events // 10, 1000))]
    if "live" in chosen and live_events:
        figures += [*live_bench.run(live_events), *startup_bench.run()]
    if "load" in chosen and load_events:
        figures += load_bench.run(stored=load_events)
    if "share" in chosen:
        figures += share_bench.run(max(import_rows // 2, 1000))
    if "replica" in chosen and live_events:
        figures += replica_bench.run()
    if "dispatch" in chosen:
        figures += dispatch_bench.run()
    return figures
