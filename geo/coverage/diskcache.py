"""A disk cache for the Coverage planner's slow results, so a server's first Coverage page does not recompute them.

Each entry is one file named by its kind and key; the key is a SHA-256 over what the result
depends on: the bytes of the input files (the DEM, the border and country files), the parameters
and the sensors (their ``repr``: frozen dataclasses) and :data:`CACHE_FORMAT`. A changed DEM or
sensor therefore gives a new key, and the old entry is simply never asked for again (the newest
:attr:`DiskCache.keep` of a kind stay on disk).

An entry is read back only when its header holds the full key and the SHA-256 of its payload, and
the payload matches it: a truncated, corrupt or foreign file is recomputed and written again,
never trusted. Writes go to a temporary file in the same folder, moved into place with
:func:`os.replace`, so a reader never sees half an entry. Payloads of arrays are ``.npz`` read
with ``allow_pickle=False``; only objects this module wrote itself (their checksum verified first)
are unpickled.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

CACHE_FORMAT: Final[str] = "limes-coverage-cache/1"
"""Part of every key: bump it when a cached computation (viewshed, corridor, candidate sites) changes."""
MAGIC: Final[bytes] = b"LIMES-CACHE-1\n"
_DIGEST_LEN: Final[int] = 64
_HEADER_LEN: Final[int] = len(MAGIC) + 2 * (_DIGEST_LEN + 1)

T = TypeVar("T")


@lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, hex (remembered per path, size and modification time: a 15 MB DEM is read once)."""
    info = path.stat()
    return _file_digest(str(path.resolve()), info.st_size, info.st_mtime_ns)


def content_key(*parts: object, files: Iterable[Path] = ()) -> str:
    """The cache key of a result: SHA-256 over :data:`CACHE_FORMAT`, the ``repr`` of ``parts`` and the bytes of
    ``files`` (hex digits). Parts must have a stable ``repr`` (numbers, strings, tuples, frozen dataclasses)."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\0")
    for path in files:
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class DiskCache:
    """Entries under ``folder`` (created on first write), the newest ``keep`` of each kind."""

    folder: Path
    keep: int = 24

    def path(self, kind: str, key: str) -> Path:
        """The file of one entry."""
        return self.folder / f"{kind}-{key[:32]}.bin"

    def read(self, kind: str, key: str) -> bytes | None:
        """The payload stored under ``key``, or None when there is none or the file is not intact."""
        try:
            blob = self.path(kind, key).read_bytes()
        except OSError:
            return None
        if len(blob) < _HEADER_LEN or not blob.startswith(MAGIC):
            return None
        stored_key, checksum = blob[len(MAGIC):_HEADER_LEN].decode("ascii", "replace").split("\n")[:2]
        payload = blob[_HEADER_LEN:]
        if stored_key != key or hashlib.sha256(payload).hexdigest() != checksum:
            return None
        return payload

    def write(self, kind: str, key: str, payload: bytes) -> None:
        """Store ``payload`` under ``key`` atomically, then drop the oldest entries of ``kind`` beyond ``keep``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        header = MAGIC + key.encode("ascii") + b"\n" + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n"
        handle = tempfile.NamedTemporaryFile(dir=self.folder, prefix=f".{kind}-", suffix=".tmp", delete=False)
        try:
            with handle:
                handle.write(header + payload)
            os.replace(handle.name, self.path(kind, key))
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        entries = sorted(self.folder.glob(f"{kind}-*.bin"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in entries[self.keep:]:
            stale.unlink(missing_ok=True)

    def objects(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """The object stored under ``key`` (pickled by this cache, its checksum verified), else ``compute()``
        stored there."""
        payload = self.read(kind, key)
        if payload is not None:
            try:
                return pickle.loads(payload)  # noqa: S301 - our own entry; key and checksum verified above
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
                pass  # written by another version of the code: recompute
        value = compute()
        self.write(kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value

    def arrays(self, kind: str, key: str, compute: Callable[[], Mapping[str, npt.ArrayLike]]
               ) -> dict[str, npt.NDArray[np.generic]]:
        """The named arrays stored under ``key`` (``.npz``, no pickles), else ``compute()``'s stored there."""
        payload = self.read(kind, key)
        if payload is not None:
            try:
                with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
                    return {name: stored[name] for name in stored.files}
            except (OSError, ValueError, KeyError):
                pass
        value = {name: np.asarray(array) for name, array in compute().items()}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **value)  # type: ignore[arg-type]
        self.write(kind, key, buffer.getvalue())
        return value
