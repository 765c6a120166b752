"""dashboard.uploads: an upload is on disk, checked, only inside its ``with`` block."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.uploads import saved_upload
from geo.errors import UploadRejected

ALLOWED = frozenset({".csv"})


@dataclass
class FakeUpload:
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


def test_folder_is_gone_after_success() -> None:
    with saved_upload(FakeUpload("events.csv", b"a,b\n1,2\n"), allowed=ALLOWED) as path:
        assert path is not None and path.read_bytes() == b"a,b\n1,2\n" and path.name == "events.csv"
        folder = path.parent
    assert not folder.exists()


def test_folder_is_gone_after_an_exception() -> None:
    seen: list[Path] = []
    with pytest.raises(RuntimeError, match="parser broke"):
        with saved_upload(FakeUpload("events.csv", b"a\n1\n"), allowed=ALLOWED) as path:
            seen.append(path)
            raise RuntimeError("parser broke")
    assert seen and not seen[0].parent.exists()


def test_a_refused_upload_leaves_nothing(tmp_path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape.csv", "a\n1\n")
    with pytest.raises(UploadRejected):
        with saved_upload(FakeUpload("evil.zip", archive.getvalue()), allowed=ALLOWED):
            pytest.fail("the block must not run for a refused upload")
    assert list(tmp_path.iterdir()) == []


def test_no_upload_yields_none() -> None:
    with saved_upload(None, allowed=ALLOWED) as path:
        assert path is None


def test_the_folder_and_its_files_are_private_to_this_user() -> None:
    import stat

    with saved_upload(FakeUpload("events.csv", b"a,b\n1,2\n"), allowed=ALLOWED) as path:
        assert path is not None
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_folders_of_killed_processes_are_removed_by_the_next_upload() -> None:
    import subprocess
    import sys
    import tempfile

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    orphan = Path(tempfile.mkdtemp(prefix=f"limes-upload-{int(gone.stdout)}-"))
    (orphan / "events.csv").write_bytes(b"left behind by kill -9")
    alive = Path(tempfile.mkdtemp(prefix="limes-upload-1-"))  # pid 1 runs: its folder is not ours to remove
    try:
        with saved_upload(FakeUpload("events.csv", b"a\n1\n"), allowed=ALLOWED):
            pass
        assert not orphan.exists() and alive.exists()
    finally:
        alive.rmdir()
