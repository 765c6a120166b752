"""Upload attacks refused before any parser runs, with their message, and nothing written to the store."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geo.errors import ImportFileError, UploadRejected
from geo.ingest import SUPPORTED, UploadLimits, check_raster_header, guard_upload, import_file
from geo.spatial import repair_geometries
from geo.store import open_store

ALLOWED = frozenset(SUPPORTED)
CSV = b"id,lat,lon,type,occurred_at\nA1,41.1,22.5,apprehension,2026-11-27T10:00:00Z\n"


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("big.csv", CSV + b"x" * 2_000_000, "at most 1 MB"),
    ("empty.csv", b"", "is empty"),
    ("script.exe", b"MZ...", "not accepted here"),
    ("../../etc/cron.d/x.csv", CSV, "not a plain file name"),
    ("bomb.zip", _zip({"events.csv": b"0" * 5_000_000}), "zip bomb"),
    ("many.zip", _zip({f"part{i}.txt": b"x" for i in range(40)}), "at most 32"),
    ("escape.zip", _zip({"../../outside.csv": CSV}), "outside the archive"),
    ("absolute.zip", _zip({"/tmp/abs.csv": CSV}), "outside the archive"),
    ("link.zip", _zip({"events.csv": CSV}, symlink="events.prj"), "symbolic link"),
    ("two.zip", _zip({"a.csv": CSV, "b.geojson": b"{}"}), "exactly one data file"),
    ("none.zip", _zip({"readme.md": b"hello"}), "exactly one data file"),
    ("broken.zip", b"PK\x03\x04 not really", "not a readable zip"),
])
def test_upload_attacks_are_refused_before_parsing(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    with pytest.raises(UploadRejected, match=message):
        guard_upload(name, data, folder, allowed=ALLOWED, limits=UploadLimits(max_bytes=1024 * 1024))
    assert not any(folder.iterdir())  # nothing unpacked, nothing left for a parser


def test_a_plain_file_and_a_zipped_shapefile_pass(tmp_path: Path) -> None:
    plain = guard_upload("events.csv", CSV, tmp_path, allowed=ALLOWED)
    assert plain == tmp_path / "events.csv" and plain.read_bytes() == CSV
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame = gpd.GeoDataFrame({"id": ["S1"], "type": ["apprehension"], "time": ["2026-11-27T10:00:00Z"]},
                             geometry=[shapely.Point(22.5, 41.1)], crs=4326)
    frame.to_file(shp_dir / "events.shp")
    members = {f"export/{p.name}": p.read_bytes() for p in shp_dir.iterdir()}
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    path = guard_upload("events.zip", _zip(members), unpacked, allowed=ALLOWED)
    assert path == unpacked / "events.shp"
    assert {p.suffix for p in unpacked.iterdir()} >= {".shp", ".shx", ".dbf", ".prj"}
    assert gpd.read_file(path).crs.to_epsg() == 4326


def test_shapefile_without_crs_and_coordinates_out_of_range_write_no_event(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame = gpd.GeoDataFrame({"id": ["S1"], "type": ["apprehension"], "time": ["2026-11-27T10:00:00Z"]},
                             geometry=[shapely.Point(22.5, 41.1)], crs=None)
    with pytest.warns(UserWarning, match="crs"):  # pyogrio agrees: a file without a CRS is a problem
        frame.to_file(shp_dir / "nocrs.shp")
    members = {p.name: p.read_bytes() for p in shp_dir.iterdir()}
    folder = tmp_path / "upload"
    folder.mkdir()
    path = guard_upload("nocrs.zip", _zip(members), folder, allowed=ALLOWED)
    with pytest.raises(ImportFileError, match="no coordinate reference system"):
        import_file(path, store, mapping="generic")
    assert store.count("events") == 0 and store.count("quarantine") == 0
    far = guard_upload("far.csv", CSV.replace(b"41.1,22.5", b"95.0,500.0"), tmp_path, allowed=ALLOWED)
    report = import_file(far, store, mapping="generic")
    assert report.inserted == 0 and report.reasons == {"coordinates_out_of_range": 1}
    assert store.count("events") == 0
    store.close()


def _raster(path: Path, *, width: int, height: int, crs: str | None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="int16", tiled=True,
                       compress="deflate", sparse_ok=True, crs=crs, transform=from_origin(21.0, 42.0, 1e-4, 1e-4)):
        pass  # sparse: no block is written, the file stays tiny while its header declares the full size
    return path


def test_raster_header_checked_without_reading_pixels(tmp_path: Path) -> None:
    huge = _raster(tmp_path / "huge.tif", width=200_000, height=100_000, crs="EPSG:4326")
    assert huge.stat().st_size < 5_000_000  # the tile index only
    with pytest.raises(UploadRejected, match="declares 40.0 GB"):
        check_raster_header(huge)
    with pytest.raises(UploadRejected, match="no coordinate reference system"):
        check_raster_header(_raster(tmp_path / "nocrs.tif", width=100, height=100, crs=None))
    check_raster_header(_raster(tmp_path / "fine.tif", width=100, height=100, crs="EPSG:4326"))
    folder = tmp_path / "upload"
    folder.mkdir()
    with pytest.raises(UploadRejected, match="declares"):
        guard_upload("dem.tif", huge.read_bytes(), folder, allowed=frozenset({".tif"}))


def test_invalid_geometries_repaired_or_rejected_with_the_reason() -> None:
    bow_tie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    flat = shapely.Polygon([(0, 0), (1, 0), (2, 0)])
    square = shapely.box(0, 0, 1, 1)
    frame = gpd.GeoDataFrame({"name": ["bow", "ok", "flat", "none"]}, geometry=[bow_tie, square, flat, None],
                             crs=32634)
    usable, report = repair_geometries(frame)
    assert usable["name"].tolist() == ["bow", "ok"]
    assert usable.geometry.is_valid.all() and usable.geometry.iloc[0].area == pytest.approx(0.5)
    assert report["action"].tolist() == ["repaired", "rejected", "rejected"]
    assert report["row"].tolist() == [0, 2, 3]
    assert "Self-intersection" in report["reason"].iloc[0] and np.isin(["missing or empty geometry"], report["reason"]).all()


def test_sections_file_with_bad_areas_is_repaired_or_refused(tmp_path: Path) -> None:
    from geo.briefing import read_sections
    from geo.errors import SectionError
    from geo.spatial import border_lines, load_towns

    borders, towns = border_lines(), load_towns()
    # Two station areas across the GR-MK border near Gevgelija; the first drawn as a bow tie.
    west = shapely.Polygon([(22.30, 41.00), (22.50, 41.25), (22.50, 41.00), (22.30, 41.25)])
    east = shapely.box(22.50, 41.00, 22.70, 41.25)
    path = tmp_path / "stations.geojson"
    gpd.GeoDataFrame({"name": ["West", "East"]}, geometry=[west, east], crs=4326).to_file(path)
    sections = read_sections(path, borders=borders, towns=towns)
    assert {"GR–MK · West", "GR–MK · East"} <= set(sections["name"]) and (sections["length_km"] > 0).all()
    flat = shapely.Polygon([(22.3, 41.0), (22.4, 41.0), (22.5, 41.0)])
    bad = tmp_path / "bad.geojson"
    gpd.GeoDataFrame({"name": ["East", "Flat"]}, geometry=[east, flat], crs=4326).to_file(bad)
    with pytest.raises(SectionError, match=r"feature 2: Self-intersection\[22.4 41\]"):
        read_sections(bad, borders=borders, towns=towns)
