"""The CSV reader's fast path (plain blocks parsed by Arrow) gives exactly what the careful line-by-line path gives.

Blocks are forced small so that a generated file of 30-80 lines falls into many blocks, some
plain and some damaged, and records run across block ends.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.ingest._csv import CsvChunk, csv_chunks
from tests.hostile import HEADER, HostileCsv, good_line, hostile_csvs

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read(path: Path, chunk_rows: int, block_bytes: int) -> list[CsvChunk]:
    return list(csv_chunks(path, delimiter=",", chunk_rows=chunk_rows, block_bytes=block_bytes))


def _assert_same(fast: list[CsvChunk], careful: list[CsvChunk]) -> None:
    assert len(fast) == len(careful)
    for a, b in zip(fast, careful, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert a.frame.dtypes.eq(object).all()
        np.testing.assert_array_equal(a.lines_of_rows, b.lines_of_rows)
        assert a.refused == b.refused  # line, text, reason and detail of every refused line
        assert (a.lines, a.blank) == (b.lines, b.blank)


def _write(data: bytes) -> Path:
    path = Path(tempfile.mkdtemp(prefix="limes-csvfast-")) / "f.csv"
    path.write_bytes(data)
    return path


@SETTINGS
@given(hostile_csvs(), st.integers(1, 2_000), st.integers(1, 40), st.integers(0, 3))
def test_fast_and_careful_paths_read_a_damaged_csv_alike(csv_file: HostileCsv, block_bytes: int, chunk_rows: int,
                                                         clean_blocks: int) -> None:
    # Clean stretches before and after the damage, so that whole plain blocks occur beside damaged ones.
    data = csv_file.content()
    ending = b"\r\n" if data.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    head, _, body = data.partition(ending)
    clean = ending.join(good_line(1000 + k).encode() for k in range(clean_blocks * 20))
    data = head + ending + (clean + ending if clean else b"") + body
    path = _write(data)
    fast = _read(path, chunk_rows, block_bytes)
    _assert_same(fast, _read(path, chunk_rows, 0))
    assert sum(c.lines for c in fast) == clean_blocks * 20 + csv_file.lines


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 4_000), st.integers(1, 500))
def test_a_clean_file_reads_alike_whatever_the_blocks_and_chunks(rows: int, block_bytes: int, chunk_rows: int) -> None:
    path = _write((HEADER + "\n" + "\n".join(good_line(k) for k in range(1, rows + 1)) + "\n").encode())
    fast = _read(path, chunk_rows, block_bytes)
    _assert_same(fast, _read(path, chunk_rows, 0))
    assert [len(c.frame) for c in fast[:-1]] == [chunk_rows] * (rows // chunk_rows)


def test_a_plain_file_goes_the_fast_way_and_keeps_its_line_numbers(monkeypatch: object) -> None:
    import geo.ingest._csv as module

    parsed: list[int] = []
    plain = module.plain_frame

    def counting(block: bytes, *args: object) -> pd.DataFrame | None:
        frame = plain(block, *args)  # type: ignore[arg-type]
        parsed.append(0 if frame is None else len(frame))
        return frame

    monkeypatch.setattr(module, "plain_frame", counting)  # type: ignore[attr-defined]
    lines = [good_line(k) for k in range(1, 5001)]
    lines[2500] += ",extra"  # one row too long: its block goes the careful way, and only it
    path = _write((HEADER + "\n" + "\n".join(lines) + "\n").encode())
    chunks = _read(path, 1_000, 32_768)
    assert sum(parsed) >= 4_400 and parsed.count(0) == 1  # one block read line by line, the others whole
    rows = np.concatenate([c.lines_of_rows for c in chunks])
    refused = [r.line for c in chunks for r in c.refused]
    assert sorted([*rows.tolist(), *refused]) == list(range(2, 5002))
    assert pd.concat([c.frame for c in chunks])["event_id"].tolist() == [f"e{k - 1}" for k in rows]
