"""The event store (SQLite or PostgreSQL by URL): its unit of work, one repository per table family, the schema
and the in-memory mirror the map reads.

Everything that writes SQL lives here; the rest of the core opens ``store.transaction()`` and calls repositories.
"""

from geo.store.audit import AUDIT_COLUMNS, append_audit, audit_rows
from geo.store.core import (
    DEFAULT_SQLITE_PATH,
    Db,
    Store,
    Transaction,
    epoch_ms,
    meta_value,
    open_store,
    resolve_url,
)
from geo.store.events import (
    READ_COLUMNS,
    delete_source,
    event_exists,
    event_rows,
    events_frame,
    events_near,
    insert_events,
    insert_rows,
    newest_event_ms,
    read_events,
    watermark,
)
from geo.store.feeds import feed_health, feed_state, record_poll, set_feed_state
from geo.store.imports import (
    IMPORT_STATUSES,
    add_quarantine,
    begin_import,
    finish_import,
    import_record,
    quarantine_frame,
    quarantine_reasons,
)
from geo.store.levels import append_level, level_rows
from geo.store.mirror import StoreMirror
from geo.store.reports import (
    QUEUE_COLUMNS,
    REPORT_ROW_COLUMNS,
    StoredReport,
    add_reports,
    claim_report,
    delete_contacts,
    find_report_id,
    keyed_reports,
    moderation_state,
    new_report_cells,
    queue_frame,
    rekey_reports,
    reports_with_contact,
    stored_report,
)
from geo.store.schema import SCHEMA_VERSION, statements
from geo.store.sensors import SENSOR_COLUMNS, read_sensors, remove_sensors, sensor_count, upsert_sensors
from geo.store.units import insert_units, latest_units, unit_tracks

__all__ = [
    "AUDIT_COLUMNS",
    "DEFAULT_SQLITE_PATH",
    "QUEUE_COLUMNS",
    "READ_COLUMNS",
    "REPORT_ROW_COLUMNS",
    "SCHEMA_VERSION",
    "SENSOR_COLUMNS",
    "Db",
    "Store",
    "StoreMirror",
    "StoredReport",
    "Transaction",
    "add_quarantine",
    "add_reports",
    "append_audit",
    "append_level",
    "audit_rows",
    "begin_import",
    "claim_report",
    "delete_contacts",
    "delete_source",
    "epoch_ms",
    "event_exists",
    "event_rows",
    "events_frame",
    "events_near",
    "feed_health",
    "feed_state",
    "find_report_id",
    "finish_import",
    "import_record",
    "IMPORT_STATUSES",
    "insert_events",
    "insert_rows",
    "insert_units",
    "keyed_reports",
    "latest_units",
    "level_rows",
    "meta_value",
    "moderation_state",
    "new_report_cells",
    "newest_event_ms",
    "open_store",
    "quarantine_frame",
    "quarantine_reasons",
    "queue_frame",
    "read_events",
    "read_sensors",
    "record_poll",
    "rekey_reports",
    "remove_sensors",
    "reports_with_contact",
    "resolve_url",
    "sensor_count",
    "set_feed_state",
    "statements",
    "stored_report",
    "unit_tracks",
    "upsert_sensors",
    "watermark",
]
