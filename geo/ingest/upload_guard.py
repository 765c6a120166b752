"""Uploads checked before any parser touches them: size, archives, raster headers.

A browser upload arrives as bytes with a name the browser chose. :func:`guard_upload` checks the
bytes and writes only what may be parsed into a private folder: the file itself (under its base
name), or the members of a zip archive after checking their number, their declared and actual
sizes, their compression ratio and their paths (no absolute paths, no ``..``, no symbolic links),
never with ``extractall``. Encrypted members, compression methods other than stored and deflate,
names with a NUL byte or longer than :data:`MAX_NAME_BYTES`, corrupt deflate streams, bad CRCs
and headers that lie about a member's size are each refused with their reason: whatever the
archive holds, the answer is an :class:`geo.errors.UploadRejected`, never a parser's error. :func:`check_raster_header` reads a raster's declared size and CRS
without reading its pixels. Geometry validity is :mod:`geo.spatial.validity`.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Final

import numpy as np
import rasterio
from rasterio.errors import RasterioIOError

from geo.errors import UploadRejected, msg

RASTER_SUFFIXES: Final[frozenset[str]] = frozenset({".tif", ".tiff", ".hgt"})
SHAPEFILE_SIDECARS: Final[frozenset[str]] = frozenset({".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"})
MAX_NAME_BYTES: Final[int] = 255
"""Longest member name accepted (a file name on every common file system)."""
_METHODS: Final[dict[int, str]] = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
"""Compression methods read; others (bzip2, LZMA, zstd, vendor ones) are refused, not guessed at."""
_BROKEN: Final[tuple[type[BaseException], ...]] = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                                                   RuntimeError, ValueError, OSError, struct.error, OverflowError,
                                                   UnicodeDecodeError)
"""What zipfile raises for a damaged archive: each becomes a refusal with its reason."""


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """What an upload may be: bytes as sent, archive members, bytes once unzipped, compression ratio, raster bytes."""

    max_bytes: int = 50 * 1024 * 1024
    max_members: int = 32
    max_unzipped_bytes: int = 512 * 1024 * 1024
    max_ratio: float = 100.0
    max_raster_bytes: int = 512 * 1024 * 1024


def _safe_name(name: str) -> str:
    """The base name of an uploaded file; refuses names that are paths or empty."""
    if "\x00" in name or len(name.encode("utf-8", errors="replace")) > MAX_NAME_BYTES:
        raise UploadRejected(msg("the file name {name!r} is not a plain file name (a NUL byte, or over "
                                 "{max_name_bytes} bytes)", name=name[:80], max_name_bytes=MAX_NAME_BYTES))
    base = PurePosixPath(name.replace("\\", "/")).name
    if not base or base in {".", ".."} or base != name.strip():
        raise UploadRejected(msg("the file name {name!r} is not a plain file name", name=name))
    return base


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why an archive member may not be unpacked, or ``None``."""
    name = info.filename
    if "\x00" in info.orig_filename:
        return f"member {info.orig_filename!r} has a NUL byte in its name (a name that lies about its type)"
    if len(info.orig_filename.encode("utf-8", errors="replace")) > MAX_NAME_BYTES:
        return f"a member name is {len(info.orig_filename.encode('utf-8', errors='replace'))} bytes long; at most {MAX_NAME_BYTES}"
    if info.flag_bits & 0x1:
        return f"member {name!r} is encrypted"
    if info.compress_type not in _METHODS:
        return f"member {name!r} uses compression method {info.compress_type}; only stored and deflate are read"
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return f"member {name!r} points outside the archive"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"member {name!r} is a symbolic link"
    return None


def _unpack_zip(data: bytes, folder: Path, *, allowed: frozenset[str], limits: UploadLimits) -> Path:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _BROKEN as exc:
        raise UploadRejected(msg("the .zip file is not a readable zip archive ({reason})",
                                 reason=_reason(exc))) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > limits.max_members:
        raise UploadRejected(msg("the archive holds {n} files; at most {max_members} are accepted",
                                 n=len(members), max_members=limits.max_members))
    for info in members:
        problem = _member_problem(info)
        if problem:
            raise UploadRejected(msg("the archive is refused: {problem}", problem=problem))
    declared = sum(m.file_size for m in members)
    if declared > limits.max_unzipped_bytes:
        raise UploadRejected(msg("the archive unpacks to {mb:.0f} MB; at most {max_mb:.0f} MB are accepted",
                                 mb=declared / 1e6, max_mb=limits.max_unzipped_bytes / 1e6))
    for info in members:
        if info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UploadRejected(msg("the archive is refused: {filename!r} expands {ratio:.0f} times (at most "
                                     "{max_ratio:.0f}): a zip bomb or not an export",
                                     filename=info.filename, ratio=info.file_size / max(info.compress_size, 1),
                                     max_ratio=limits.max_ratio))
    data_files = [m for m in members if Path(m.filename).suffix.lower() in allowed]
    if len(data_files) != 1:
        found = ", ".join(m.filename for m in data_files) or "none"
        raise UploadRejected(msg("the archive must hold exactly one data file ({allowed}); found {found}",
                                 allowed=', '.join(sorted(allowed)), found=found))
    main = data_files[0]
    keep = [m for m in members if m is main or (Path(m.filename).stem == Path(main.filename).stem
                                                and Path(m.filename).suffix.lower() in SHAPEFILE_SIDECARS)]
    for info in keep:
        content = _read_member(archive, info)
        (folder / _safe_name(PurePosixPath(info.filename.replace("\\", "/")).name)).write_bytes(content)
    return folder / _safe_name(PurePosixPath(main.filename.replace("\\", "/")).name)


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, checked against its header: size both ways, deflate stream, CRC."""
    try:
        with archive.open(info) as stream:
            # Headers can lie: read one byte past the declared size to catch a member that is longer.
            content = stream.read(info.file_size + 1)
    except _BROKEN as exc:
        # zipfile checks the CRC at the end of the stream and the deflate data as it goes.
        raise UploadRejected(msg("the archive is refused: {filename!r} is damaged ({reason})",
                                 filename=info.filename, reason=_reason(exc))) from None
    if len(content) > info.file_size:
        raise UploadRejected(msg("the archive is refused: {filename!r} is longer than its header says",
                                 filename=info.filename))
    if len(content) < info.file_size or zlib.crc32(content) != info.CRC:
        raise UploadRejected(msg("the archive is refused: {filename!r} does not match its header ({n:,} of "
                                 "{file_size:,} bytes, CRC {actual_crc:08x} instead of {crc:08x})",
                                 filename=info.filename, n=len(content), file_size=info.file_size,
                                 actual_crc=zlib.crc32(content), crc=info.CRC))
    return content


def guard_upload(name: str, data: bytes, folder: Path, *, allowed: frozenset[str],
                 limits: UploadLimits = UploadLimits()) -> Path:
    """Check an upload and write what may be parsed into ``folder``; returns the file to hand to a parser.

    Parameters
    ----------
    name, data : str, bytes
        The upload's name as the browser sent it, and its content.
    folder : pathlib.Path
        A private, empty folder for this upload.
    allowed : frozenset of str
        Lower-case suffixes a parser will take (``.zip`` archives are opened to find one of them).

    Raises
    ------
    geo.errors.UploadRejected
        With the reason, before anything is parsed or written to the store.
    """
    base = _safe_name(name)
    if len(data) > limits.max_bytes:
        raise UploadRejected(msg("{base} is {mb:.1f} MB; at most {max_mb:.0f} MB are accepted",
                                 base=base, mb=len(data) / 1e6, max_mb=limits.max_bytes / 1e6))
    if not data:
        raise UploadRejected(msg("{base} is empty", base=base))
    suffix = Path(base).suffix.lower()
    if suffix == ".zip":
        path = _unpack_zip(data, folder, allowed=allowed, limits=limits)
    elif suffix in allowed:
        path = folder / base
        path.write_bytes(data)
    else:
        raise UploadRejected(msg("{base}: files of type {suffix} are not accepted here; accepted: {accepted}",
                                 base=base, suffix=suffix or "(none)", accepted=", ".join(sorted(allowed | {".zip"}))))
    if path.suffix.lower() in RASTER_SUFFIXES:
        check_raster_header(path, limits=limits)
    return path


def check_raster_header(path: Path, *, limits: UploadLimits = UploadLimits()) -> None:
    """Refuse a raster whose declared width × height × bands × bytes per value exceeds the limit, or without a CRS."""
    try:
        with rasterio.open(path) as src:
            declared = src.width * src.height * src.count * np.dtype(src.dtypes[0]).itemsize
            crs = src.crs
    except RasterioIOError as exc:
        raise UploadRejected(msg("{name} is not a readable raster: {exc}", name=path.name, exc=exc)) from None
    if declared > limits.max_raster_bytes:
        raise UploadRejected(msg("{name} declares {gb:.1f} GB of pixels; at most {max_mb:.0f} MB are accepted",
                                 name=path.name, gb=declared / 1e9, max_mb=limits.max_raster_bytes / 1e6))
    if crs is None:
        raise UploadRejected(msg("{name} has no coordinate reference system; georeference it (e.g. EPSG:4326)",
                                 name=path.name))
