"""Write the two IOM-shaped fixture CSVs in this folder (deterministic: ``python tests/data/make_iom_fixtures.py``).

- ``iom_europe_curated.csv``: shaped like IOM's curated Missing Migrants Europe export (2014-2026):
  lower-case column variants ("Incident date", "Incident year"), "NA" for unknown counts,
  separate "Latitude"/"Longitude", mixed causes ("Drowning,Violence"), "Presumed drowning",
  thousands separators in large counts, incident types, a few rows without a position.
- ``iom_global_2014_2020.csv``: shaped like the older global export (6,249 incidents, 2014-2020):
  "Web ID", "Reported Date" like "January 05, 2020", "lat, lon" in "Location Coordinates", empty
  (not "NA") unknown counts; data that ended years ago, with a handful of incidents on the
  Greece-North Macedonia border in June-December 2019 among many elsewhere in the world.

Rows are invented (positions jittered around real routes); only the shape is IOM's.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (route, region, country, lat, lon, spread in degrees)
EUROPE_PLACES = [
    ("Central Mediterranean", "Mediterranean", "Libya", 33.4, 13.0, 1.2),
    ("Central Mediterranean", "Mediterranean", "Italy", 35.5, 12.6, 0.4),
    ("Eastern Mediterranean", "Mediterranean", "Greece", 37.2, 26.8, 0.6),
    ("Western Mediterranean", "Mediterranean", "Spain", 36.0, -5.4, 0.3),
    ("Western Balkans", "Europe", "North Macedonia", 41.15, 22.5, 0.15),
    ("Western Balkans", "Europe", "Serbia", 45.1, 19.6, 0.5),
    ("English Channel to the UK", "Europe", "France", 50.95, 1.85, 0.15),
    ("Belarus-EU border", "Europe", "Poland", 52.8, 23.7, 0.3),
    ("Türkiye-Europe land route", "Europe", "Türkiye", 41.5, 26.5, 0.2),
]
CAUSES = [
    ("Drowning", 30), ("Presumed drowning", 8), ("Mixed or unknown", 14),
    ("Vehicle accident / death linked to hazardous transport", 10), ("Violence", 6),
    ("Harsh environmental conditions / lack of adequate shelter, food, water", 8),
    ("Sickness / lack of access to adequate healthcare", 5), ("Accidental death", 5),
    ("Drowning,Violence", 3), ("Harsh environmental conditions / lack of adequate shelter, food, water,Drowning", 3),
    ("Violence,Harsh environmental conditions / lack of adequate shelter, food, water", 2),
]
EUROPE_COLUMNS = [
    "Main ID", "Incident ID", "Incident Type", "Region of Incident", "Incident date", "Incident year",
    "Reported Month", "Number of Dead", "Minimum Estimated Number of Missing", "Total Number of Dead and Missing",
    "Number of Survivors", "Number of Females", "Number of Males", "Number of Children", "Country of Origin",
    "Region of Origin", "Cause of Death", "Country of Incident", "Migration Route", "Location of Incident",
    "Latitude", "Longitude", "UNSD Geographical Grouping", "Information Source", "URL", "Source Quality",
]
GLOBAL_PLACES = [
    ("US-Mexico border crossing", "North America", 31.6, -111.0, 1.5),
    ("Central Mediterranean", "Mediterranean", 34.5, 13.0, 1.2),
    ("Eastern Mediterranean", "Mediterranean", 37.0, 26.9, 0.5),
    ("Sahara Desert crossing", "Northern Africa", 21.5, 9.5, 3.0),
    ("Horn of Africa Route", "Horn of Africa", 11.8, 43.3, 1.0),
    ("Western Balkans", "Europe", 41.15, 22.5, 0.12),
]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _count(rng: random.Random, *, na: float, big: float = 0.0, na_text: str = "NA") -> str:
    if rng.random() < na:
        return na_text
    n = rng.randint(1000, 2500) if rng.random() < big else rng.choice([0, 1, 1, 1, 2, 3, 4, 7, 12, 45])
    return f"{n:,}"


def europe_rows(n: int = 200, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        day = date(2014, 1, 1) + timedelta(days=rng.randrange((date(2026, 4, 30) - date(2014, 1, 1)).days))
        route, region, country, lat, lon, spread = rng.choice(EUROPE_PLACES)
        cause = _pick(rng, CAUSES)
        drown = "rown" in cause
        dead = _count(rng, na=0.25)
        missing = _count(rng, na=0.0 if dead == "NA" else 0.7, big=0.01)
        survivors = _count(rng, na=0.6, big=0.03)
        known = [int(v.replace(",", "")) for v in (dead, missing) if v != "NA"]
        no_position = i in (17, 133)
        rows.append({
            "Main ID": f"{day.year}.MMP{i:05d}",
            "Incident ID": f"{day.year}.MMP{i:05d}",
            "Incident Type": rng.choice(["Incident", "Incident", "Incident", "Cumulative incident", "Split incident"]),
            "Region of Incident": region,
            "Incident date": day.isoformat(),
            "Incident year": str(day.year),
            "Reported Month": day.strftime("%B"),
            "Number of Dead": dead,
            "Minimum Estimated Number of Missing": missing,
            "Total Number of Dead and Missing": f"{sum(known):,}",
            "Number of Survivors": survivors,
            "Number of Females": _count(rng, na=0.8),
            "Number of Males": _count(rng, na=0.6),
            "Number of Children": _count(rng, na=0.85),
            "Country of Origin": rng.choice(["Unknown", "Syrian Arab Republic", "Afghanistan", "Morocco",
                                             "Eritrea", "Iraq", "Pakistan,Bangladesh"]),
            "Region of Origin": rng.choice(["Unknown", "Middle East", "Southern Asia", "Northern Africa"]),
            "Cause of Death": cause,
            "Country of Incident": country,
            "Migration Route": route,
            "Location of Incident": f"{'Off the coast' if drown else 'Near'} {country} ({route})",
            "Latitude": "" if no_position else f"{lat + rng.uniform(-spread, spread):.6f}",
            "Longitude": "NA" if no_position else f"{lon + rng.uniform(-spread, spread):.6f}",
            "UNSD Geographical Grouping": "Uncategorized" if region == "Mediterranean" else "Europe",
            "Information Source": rng.choice(["Hellenic Coast Guard", "UNHCR", "Local media", "Alarm Phone"]),
            "URL": f"https://example.org/mmp/{i}",
            "Source Quality": str(rng.randint(1, 5)),
        })
    return rows


GLOBAL_COLUMNS = [
    "Web ID", "Region of Incident", "Reported Date", "Reported Year", "Reported Month", "Number Dead",
    "Minimum Estimated Number of Missing", "Total Dead and Missing", "Number of Survivors", "Number of Females",
    "Number of Males", "Number of Children", "Cause of Death", "Location Description", "Information Source",
    "Location Coordinates", "Migration Route", "URL", "UNSD Geographical Grouping", "Source Quality",
]


def global_rows(n: int = 220, seed: int = 11) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        route, region, lat, lon, spread = rng.choice(GLOBAL_PLACES)
        if route == "Western Balkans":
            # The Balkan incidents of the late data: June-December 2019, near the GR-MK border.
            day = date(2019, 6, 1) + timedelta(days=rng.randrange(214))
        else:
            day = date(2014, 1, 1) + timedelta(days=rng.randrange((date(2020, 12, 31) - date(2014, 1, 1)).days))
        dead = _count(rng, na=0.1, na_text="")
        rows.append({
            "Web ID": str(40000 + i),
            "Region of Incident": region,
            "Reported Date": day.strftime("%B %d, %Y"),
            "Reported Year": str(day.year),
            "Reported Month": day.strftime("%b"),
            "Number Dead": dead,
            "Minimum Estimated Number of Missing": _count(rng, na=0.7, na_text=""),
            "Total Dead and Missing": dead,
            "Number of Survivors": _count(rng, na=0.7, big=0.02, na_text=""),
            "Number of Females": _count(rng, na=0.8, na_text=""),
            "Number of Males": _count(rng, na=0.6, na_text=""),
            "Number of Children": _count(rng, na=0.85, na_text=""),
            "Cause of Death": _pick(rng, CAUSES[:8]),
            "Location Description": f"Near {route}",
            "Information Source": "Local media",
            "Location Coordinates": f"{lat + rng.uniform(-spread, spread):.5f}, {lon + rng.uniform(-spread, spread):.5f}",
            "Migration Route": route,
            "URL": f"https://example.org/mmp-global/{i}",
            "UNSD Geographical Grouping": region,
            "Source Quality": str(rng.randint(1, 5)),
        })
    return rows


def write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write(HERE / "iom_europe_curated.csv", EUROPE_COLUMNS, europe_rows())
    write(HERE / "iom_global_2014_2020.csv", GLOBAL_COLUMNS, global_rows())
