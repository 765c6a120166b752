"""The event store (SQLite or PostgreSQL by URL), its schema, and the in-memory mirror the map reads.

Everything that writes SQL lives here; the rest of the core asks the store and its repositories.
"""

from geo.store.core import (
    READ_COLUMNS,
    Store,
    epoch_ms,
    event_rows,
    events_frame,
    open_store,
    resolve_url,
)
from geo.store.mirror import StoreMirror
from geo.store.schema import SCHEMA_VERSION, statements

__all__ = [
    "READ_COLUMNS",
    "SCHEMA_VERSION",
    "Store",
    "StoreMirror",
    "epoch_ms",
    "event_rows",
    "events_frame",
    "open_store",
    "resolve_url",
    "statements",
]
