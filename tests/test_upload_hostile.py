"""Damaged and lying zip archives, generated: each answered with an UploadRejected and its reason, never another error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from geo.errors import UploadRejected
from geo.ingest import SUPPORTED, guard_upload
from tests.hostile import HEADER, hostile_zips

ALLOWED = frozenset(SUPPORTED)
# A changed byte in the central directory can land on a field nothing reads (a version, a comment length); a
# flipped bit in a deflate stream can be its final-block flag or padding. The data is then intact: the CRC says so.
HARMLESS_SOMETIMES = {"garbage_directory", "corrupt_deflate"}


@settings(max_examples=250, deadline=None)
@given(hostile_zips())
def test_every_damaged_archive_is_refused_with_a_reason(case: tuple[bytes, str]) -> None:
    data, kind = case
    folder = Path(tempfile.mkdtemp(prefix="limes-zip-"))
    try:
        path = guard_upload("upload.zip", data, folder, allowed=ALLOWED)
    except UploadRejected as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 400  # one line that says why
        return
    assert kind in HARMLESS_SOMETIMES, f"{kind} accepted"
    content = path.read_bytes()
    assert content.startswith(HEADER.encode()) and content.endswith(b",,,\n")


@pytest.mark.parametrize("name", ["a\x00.csv", "x" * 300 + ".csv", "data.csv\x00.exe"])
def test_upload_names_with_nul_or_over_255_bytes_are_refused(name: str) -> None:
    with pytest.raises(UploadRejected, match="not a plain file name"):
        guard_upload(name, b"event_id\n1\n", Path(tempfile.mkdtemp()), allowed=ALLOWED)
