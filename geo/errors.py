"""The one exception module of Limes.

Every domain error subclasses :class:`LimesError`, itself a :class:`ValueError`, and carries a
message a user can act on: what was wrong, the value received, and what is accepted instead.
The UI catches :class:`LimesError` and shows the message; it never catches bare ``Exception``.
"""

from __future__ import annotations


class LimesError(ValueError):
    """Base class of every error Limes raises on purpose."""


class ResolutionError(LimesError):
    """An H3 resolution outside the range an operation accepts."""


class CoordinateError(LimesError):
    """Latitude/longitude arrays that are malformed or out of range."""


class TimeWindowError(LimesError):
    """A time window that is empty, reversed or not timezone-aware."""


class EventTypeError(LimesError):
    """An event type that is not in the vocabulary of :mod:`geo.models`."""


class EventDataError(LimesError):
    """An events table that lacks a required column or holds cells at the wrong resolution."""


class RasterError(LimesError):
    """A raster that cannot be read safely (no CRS, too large, outside the area asked for)."""


class GeodataError(LimesError):
    """A vector data file that is missing, unreadable or lacks what Limes needs."""


class SensorError(LimesError):
    """A sensor record with an unknown kind or out-of-range position, height, range or field of view."""


class StoreError(LimesError):
    """The event store cannot be opened, is of an unknown kind, or is newer than this release."""


class MappingError(LimesError):
    """A column mapping that does not fit the file: a required field without a column, or an ambiguous guess."""


class ImportFileError(LimesError):
    """A file that cannot be read at all: missing, empty, of an unknown format, or without a CRS."""


class FeedError(LimesError):
    """A feed that cannot be polled: unreachable, failing after its retries, oversized, or unparseable."""


class SectionError(LimesError):
    """Border sections that cannot be made: an unreadable or CRS-less file, a bad length or corridor."""


class LevelError(LimesError):
    """An impact level, level rule or level decision that is not valid (unknown level, no comment, bad rule file)."""


class BriefingError(LimesError):
    """A briefing or export that cannot be produced: no events in the period, unknown sections, bad k."""


class ViewshedError(LimesError):
    """A viewshed that cannot be computed: a bad grid, observer off the grid or on nodata, or a bad parameter."""


class CoverageError(LimesError):
    """A coverage question that cannot be answered: no corridor, no candidate sites, or a bad sensor file."""


class AccessError(LimesError):
    """An access policy that cannot be used (unknown role, no allow-list), or an unknown page or capability."""


class UploadRejected(LimesError):
    """An uploaded file refused before any parser touched it: too large, a zip bomb, a path outside the archive."""


class ReportError(LimesError):
    """A community report that cannot be taken: no usable place, an unknown category, too long a text.

    ``code`` names the problem for a feed's quarantine (``invalid_report`` unless a check says more).
    """

    def __init__(self, message: str, *, code: str = "invalid_report") -> None:
        super().__init__(message)
        self.code = code


class RateLimitError(ReportError):
    """A client that sent more community reports than the hourly limit allows."""


class ModerationError(LimesError):
    """A moderation step that cannot be done: an unknown or already moderated report, no reason, bad confidence."""


class LayerError(LimesError):
    """Map layer input deck.gl would silently misdraw: unequal columns, mixed H3 resolutions, bad colours or breaks."""
