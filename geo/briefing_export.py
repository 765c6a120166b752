"""Exports of a briefing's aggregated figures: CSV, GeoJSON, GeoParquet (sections), CSV (hexagons).

What is written comes from a :class:`geo.briefing.Briefing`, so it has passed small-count
suppression; :func:`geo.suppression.check_suppressed` runs again on every table before it is
written, so that a future change upstream cannot leak a small count. No event rows, event ids,
times or positions of single events are in any export: sections carry their line geometry and
figures, hexagons their H3 id and counts.
"""

from __future__ import annotations

import io
from typing import Final

import geopandas as gpd
import pandas as pd

from geo.briefing import Briefing
from geo.hexgrid import cells_to_hex
from geo.suppression import SECTION_COUNT_COLUMNS, check_suppressed

EXPORT_COLUMNS: Final[tuple[str, ...]] = (
    "section_id", "name", "pair", "length_km", "level", "proposed_level", "level_set", "evidence",
    "events", "persons", "high_impact", "events_prev", "persons_prev", "change_pct", "events_per_10km_day",
    "hot_share", "coverage_share",
)
"""Leading columns of the section exports; the by-type counts follow."""


def sections_table(briefing: Briefing) -> gpd.GeoDataFrame:
    """The sections' suppressed figures as one flat table with period, threshold and geometry (EPSG:4326)."""
    s = briefing.sections
    by_type = [c for c in s.columns if c.startswith(("events_", "persons_")) and c not in EXPORT_COLUMNS]
    table = s[[*EXPORT_COLUMNS, *by_type]].copy()
    table["evidence"] = ["; ".join(lines) for lines in table["evidence"]]
    table.insert(0, "period_start", briefing.window.start.isoformat())
    table.insert(1, "period_end", briefing.window.end.isoformat())
    table["k"] = briefing.k
    check_suppressed(table, columns=SECTION_COUNT_COLUMNS, k=briefing.k)
    return gpd.GeoDataFrame(table, geometry=s.geometry.to_numpy(), crs="EPSG:4326")


def cells_table(briefing: Briefing) -> pd.DataFrame:
    """The map's hexagons: ``h3`` (hex id), ``res``, ``events``, ``persons``, all at or above k."""
    cells = briefing.cells
    table = pd.DataFrame({"h3": cells_to_hex(cells["cell"].to_numpy()), "res": cells["res"].to_numpy(),
                          "events": cells["events"].to_numpy(), "persons": cells["persons"].to_numpy()})
    check_suppressed(table, columns=("events", "persons"), k=briefing.k)
    return table


def sections_csv(briefing: Briefing) -> bytes:
    """Sections as CSV (UTF-8, no geometry; blanked counts are empty fields)."""
    return sections_table(briefing).drop(columns="geometry").to_csv(index=False).encode("utf-8")


def sections_geojson(briefing: Briefing) -> bytes:
    """Sections as a GeoJSON FeatureCollection (EPSG:4326 lines; blanked counts are null)."""
    return sections_table(briefing).to_json(na="null", drop_id=True).encode("utf-8")


def sections_geoparquet(briefing: Briefing) -> bytes:
    """Sections as GeoParquet (EPSG:4326; blanked counts are null)."""
    buffer = io.BytesIO()
    sections_table(briefing).to_parquet(buffer, index=False)
    return buffer.getvalue()


def cells_csv(briefing: Briefing) -> bytes:
    """The map's hexagons as CSV."""
    return cells_table(briefing).to_csv(index=False).encode("utf-8")
