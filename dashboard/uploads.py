"""Uploaded files on disk for as long as a parser needs them, and never longer.

Parsers (OGR, pyogrio, our readers) take paths, so an upload is written to a private temporary
folder, after :func:`geo.ingest.guard_upload` has checked it (size, zip bombs, paths outside an
archive). The folder goes when the ``with`` block ends, however it ends; it and its files are
readable by this user only. A server killed mid-upload (``kill -9``) cannot remove its folder: each
folder is named with its process id, and the next upload removes the folders of processes gone.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Protocol

from geo.ingest import UploadLimits, guard_upload

PREFIX: Final[str] = "limes-upload-"
"""Upload folders are ``<temp>/limes-upload-<pid>-<random>``."""


class Upload(Protocol):
    """What Streamlit's ``UploadedFile`` offers and we use."""

    name: str

    def getvalue(self) -> bytes: ...


@contextmanager
def saved_upload(upload: Upload | None, *, allowed: frozenset[str],
                 limits: UploadLimits = UploadLimits()) -> Iterator[Path | None]:
    """The checked upload as a file in a fresh private folder (``None`` when there is no upload).

    Raises :class:`geo.errors.UploadRejected` before anything is parsed; the folder is removed on
    leaving the block, after success, a refusal or any other exception alike.
    """
    if upload is None:
        yield None
        return
    _remove_orphans(Path(tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))  # mode 0700
    try:
        path = guard_upload(upload.name, upload.getvalue(), folder, allowed=allowed, limits=limits)
        for written in folder.iterdir():
            written.chmod(0o600)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphans(temp: Path) -> None:
    """Remove upload folders left by processes that no longer run (killed while a parser had the file)."""
    for folder in temp.glob(f"{PREFIX}*-*"):
        pid = folder.name.removeprefix(PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)) and folder.owner() == _me():
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _me() -> str:
    return pwd.getpwuid(os.getuid()).pw_name
