"""The one exception module of Limes: one tree, three branches.

::

    LimesError(Exception)                  every error Limes raises on purpose
     ├── InputError(ValueError)            what the caller gave is wrong: fix it and ask again
     │    ├── ResolutionError, CoordinateError, TimeWindowError, EventTypeError, EventDataError
     │    ├── RasterError, GeodataError, SensorError, MappingError, ImportFileError, UploadRejected
     │    ├── SectionError, LevelError, BriefingError, ViewshedError, CoverageError
     │    ├── AccessError, ModerationError
     │    ├── IncidentError
     │    │    └── IncidentConflict (.incident_id, .changed_by, .state)
     │    └── ReportError (.code)
     │         └── RateLimitError
     ├── ServiceError(RuntimeError)        a store or a feed failed: asking again later may work
     │    ├── StoreError (.url, .dialect)
     │    └── FeedError (.feed, .url, .status, .body)
     └── AnalysisError                     valid input, but the data cannot support the analysis
                                           (Gi* on fewer than 3 cells, one value everywhere, too few
                                           time steps, an optimisation without a proven optimum)

Which branch: an :class:`InputError` names the argument, the value received and what is accepted,
so the user can correct it (coordinates, time windows, event types, mappings, files, uploads,
sections, levels, sensors, reports, rate limits, moderation steps, access policies, analysis
parameters). A :class:`ServiceError` says which service failed and keeps what the raise site knew
as attributes, never hidden in ``args``. An :class:`AnalysisError` says why the numbers cannot be
computed; it is neither a bad value nor a broken service.

Adding context: catch, call ``exc.add_note("...")``, and re-raise with a bare ``raise``; never
rebuild an exception from a caught one (``raise type(exc)(f"{exc} ...")``), which drops its class
attributes and chains. Converting a third-party exception (``sqlite3.Error``, ``psycopg.Error``,
``httpx`` errors, ``OSError``) into ours with ``raise ... from exc`` / ``from None`` is the place
where a new Limes exception is made. :func:`describe` renders the message and its notes on one
line, as the UI (``st.error``) and the ``limes`` command line show them; the UI catches
:class:`LimesError` and never catches bare ``Exception``.

In the reader's language: the core does not know who reads its errors, so a message a user meets is
made with :func:`msg`, an English template with named fields (``msg("{name} is empty", name=path.name)``,
extracted into the gettext catalogs like ``_``). ``str(exc)`` is the English text (logs, the store's
import records); ``describe(exc, tr)`` looks the template up in ``tr``'s catalog and fills in the same
fields, so the UI passes the session's translator and the command line its ``--lang`` one. Notes may be
:func:`msg` messages too. Plain-string messages (programmer errors inside private helpers) stay English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit


class LimesError(Exception):
    """Base class of every error Limes raises on purpose; raise one of its three branches instead."""


class InputError(LimesError, ValueError):
    """A value the caller gave that Limes cannot use: the message names it and what is accepted."""


class ServiceError(LimesError, RuntimeError):
    """A service Limes depends on (the event store, a live feed) failed or refused the request."""


class AnalysisError(LimesError):
    """An analysis that cannot run on the data given, although every argument is valid."""


class Message(str):
    """An error message: the English text (this ``str`` itself) that keeps its ``template`` and ``fields``,
    so that :func:`describe` can fill the same fields into the template's translation. Made by :func:`msg`."""

    template: str
    fields: Mapping[str, object]

    def __new__(cls, template: str, fields: Mapping[str, object]) -> Message:
        text = super().__new__(cls, template.format_map(fields))
        text.template, text.fields = template, dict(fields)
        return text

    def __reduce__(self) -> tuple[type[Message], tuple[str, Mapping[str, object]]]:
        """Pickled as template and fields: the importer's reader process sends its errors through a queue."""
        return Message, (self.template, dict(self.fields))

    def translated(self, tr: Gettext) -> str:
        """The message in ``tr``'s language: its template's translation with the fields filled in (the fields are
        never read as templates themselves; a field that is a message itself is translated too, as "feed 'x'" in
        a longer sentence). The English text where the translation's fields do not fit."""
        fields = {name: value.translated(tr) if isinstance(value, Message) else value
                  for name, value in self.fields.items()}
        try:
            return tr.gettext(self.template).format_map(fields)
        except (KeyError, IndexError, ValueError):
            return str(self)


def msg(template: str, /, **fields: object) -> Message:
    """An error message a user may meet: the English ``template`` (a ``str.format`` template with named fields,
    extracted into the catalogs) and the ``fields``' values (numbers and dates may be preformatted texts)."""
    return Message(template, fields)


def joined(parts: Sequence[object], *, sep: str = ", ") -> Message:
    """``parts`` (one at least: texts, and messages to be told in the reader's language) joined by ``sep`` as one
    field of a message (``msg("no column for {missing}", missing=joined(["type", msg("lat/lon")]))``)."""
    if not parts:
        raise ValueError("joined() needs one part at least: an empty template is a catalog's header in gettext")
    names = [f"part{i}" for i in range(len(parts))]
    return Message(sep.join(f"{{{name}}}" for name in names), dict(zip(names, parts, strict=True)))


class Gettext(Protocol):
    """What :func:`describe` needs of a translator (:class:`geo.i18n.Translator`)."""

    def gettext(self, message: str) -> str: ...


def _text(part: object, tr: Gettext | None) -> str:
    return part.translated(tr) if tr is not None and isinstance(part, Message) else str(part)


def describe(exc: BaseException, tr: Gettext | None = None) -> str:
    """The message of ``exc`` followed by its notes (see :meth:`BaseException.add_note`), on one line; in ``tr``'s
    language where they were made with :func:`msg` (English without ``tr``).

    Line breaks inside a message (a driver's two-line diagnosis) become spaces.
    """
    message = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else exc
    parts = [_text(message, tr), *(_text(note, tr) for note in getattr(exc, "__notes__", ()))]
    return " — ".join(" ".join(line.strip() for line in part.splitlines() if line.strip()) for part in parts)


def _without_password(url: str | None) -> str | None:
    """``url`` with any password replaced by ``***``: an error may be logged or shown."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class ResolutionError(InputError):
    """An H3 resolution outside the range an operation accepts."""


class CoordinateError(InputError):
    """Latitude/longitude arrays that are malformed or out of range."""


class TimeWindowError(InputError):
    """A time window that is empty, reversed or not timezone-aware."""


class EventTypeError(InputError):
    """An event type that is not in the vocabulary of :mod:`geo.models`."""


class EventDataError(InputError):
    """An events table that lacks a required column or holds cells at the wrong resolution."""


class RasterError(InputError):
    """A raster that cannot be read safely (no CRS, too large, outside the area asked for)."""


class GeodataError(InputError):
    """A vector data file that is missing, unreadable or lacks what Limes needs."""


class SensorError(InputError):
    """A sensor record with an unknown kind or out-of-range position, height, range or field of view."""


class StoreError(ServiceError):
    """The event store cannot be opened, is of an unknown kind, is newer than this release, or refused an operation.

    ``url`` is the store's URL (password masked) and ``dialect`` ``"sqlite"`` or ``"postgresql"``;
    either is ``None`` where the raise site does not know it (an unsupported URL has no dialect).
    """

    def __init__(self, message: str, *, url: str | None = None, dialect: str | None = None) -> None:
        super().__init__(message)
        self.url = _without_password(url)
        self.dialect = dialect


class MappingError(InputError):
    """A column mapping that does not fit the file: a required field without a column, or an ambiguous guess."""


class ImportFileError(InputError):
    """A file that cannot be read at all: missing, empty, of an unknown format, or without a CRS."""


class FeedError(ServiceError):
    """A feed that cannot be polled: unreachable, failing after its retries, oversized, unparseable, or misconfigured.

    ``feed`` is the feed's name and ``url`` the address asked (``None`` where the raise site does not
    know them: a payload parser sees only bytes); ``status`` is the HTTP status of the last answer,
    or ``None`` when there was none (a timeout, a refused connection, a configuration error);
    ``body`` the last payload received, kept for the quarantine (``b""`` when there is none).
    """

    def __init__(self, message: str, *, feed: str | None = None, url: str | None = None, status: int | None = None,
                 body: bytes = b"") -> None:
        super().__init__(message)
        self.feed = feed
        self.url = url
        self.status = status
        self.body = body


class SectionError(InputError):
    """Border sections that cannot be made: an unreadable or CRS-less file, a bad length or corridor."""


class LevelError(InputError):
    """An impact level, level rule or level decision that is not valid (unknown level, no comment, bad rule file)."""


class BriefingError(InputError):
    """A briefing or export that cannot be produced: no events in the period, unknown sections, bad k."""


class ViewshedError(InputError):
    """A viewshed that cannot be computed: a bad grid, observer off the grid or on nodata, or a bad parameter."""


class CoverageError(InputError):
    """A coverage question that cannot be answered: no corridor, no candidate sites, or a bad sensor file."""


class AccessError(InputError):
    """An access policy that cannot be used (unknown role, no allow-list), or an unknown page or capability."""


class UploadRejected(InputError):
    """An uploaded file refused before any parser touched it: too large, a zip bomb, a path outside the archive."""


class ReportError(InputError):
    """A community report that cannot be taken: no usable place, an unknown category, too long a text.

    ``code`` names the problem for a feed's quarantine (``invalid_report`` unless a check says more).
    """

    def __init__(self, message: str, *, code: str = "invalid_report") -> None:
        super().__init__(message)
        self.code = code


class RateLimitError(ReportError):
    """A client that sent more community reports than the hourly limit allows."""


class ModerationError(InputError):
    """A moderation step that cannot be done: an unknown or already moderated report, no reason, bad confidence."""


class LayerError(InputError):
    """Map layer input deck.gl would silently misdraw: unequal columns, mixed H3 resolutions, bad colours or breaks."""


class ReservedSourceError(InputError):
    """Rows, a file or a feed under the bundled scenario's source name, which its refresh replaces: refused."""


class IncidentError(InputError):
    """An incident step that cannot be taken: an unknown incident, a step its state does not allow, a bad outcome."""


class IncidentConflict(IncidentError):
    """Someone else changed the incident since it was read (optimistic locking).

    ``incident_id`` is the incident, ``changed_by`` who made the change that won and ``state`` the state it left.
    """

    def __init__(self, message: str, *, incident_id: int = 0, changed_by: str = "", state: str = "") -> None:
        super().__init__(message)
        self.incident_id = incident_id
        self.changed_by = changed_by
        self.state = state
