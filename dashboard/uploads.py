"""Uploaded files on disk for as long as a parser needs them, and never longer.

Parsers (OGR, pyogrio, our readers) take paths, so an upload is written to a private temporary
folder, after :func:`geo.ingest.guard_upload` has checked it (size, zip bombs, paths outside an
archive). The folder goes when the ``with`` block ends, however it ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from geo.ingest import UploadLimits, guard_upload


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
    folder = Path(tempfile.mkdtemp(prefix="limes-upload-"))
    try:
        yield guard_upload(upload.name, upload.getvalue(), folder, allowed=allowed, limits=limits)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
