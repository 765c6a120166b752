"""The store's schema and its migrations, one list for SQLite and PostgreSQL.

Each migration is a list of statements; ``{serial}`` stands for the dialect's auto-incrementing
primary key. A database records the number of migrations applied in ``meta.schema_version``;
opening an older database applies the missing ones in order (upgrade in place).

Times are integer milliseconds since the Unix epoch, UTC (``*_at_ms``); cells are H3 ids at
:data:`geo.grid.cells.BASE_RES` as signed 64-bit integers (H3's top bit is always 0).
"""

from __future__ import annotations

from typing import Final

EVENT_COLUMNS: Final[tuple[str, ...]] = (
    "source", "event_id", "type", "occurred_at_ms", "received_at_ms", "lat", "lon", "persons", "impact",
    "confidence", "status", "cell", "attrs", "import_id",
)
"""Columns an insert writes, in this order (``seq`` is assigned by the database)."""

UNIT_COLUMNS: Final[tuple[str, ...]] = ("source", "unit_id", "callsign", "at_ms", "stale_at_ms", "lat", "lon", "cell")
"""Columns of a unit position (a patrol's GPS fix), in insert order."""

QUARANTINE_COLUMNS: Final[tuple[str, ...]] = (
    "source", "file_name", "row_number", "reason", "detail", "raw", "quarantined_at_ms", "import_id",
)

POSTGRESQL_ONLY: Final[str] = "-- postgresql only\n"
"""A migration statement starting with this runs on PostgreSQL only (SQLite skips it)."""
EVENT_MONTHS: Final[str] = ("SELECT DISTINCT (extract(epoch FROM date_trunc('month', to_timestamp(occurred_at_ms / 1000.0) "
                            "AT TIME ZONE 'UTC')) * 1000)::bigint AS m FROM {table}")
"""PostgreSQL: the first millisecond of each month (UTC) the events of ``{table}`` occurred in."""

SERIAL: Final[dict[str, str]] = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",  # AUTOINCREMENT: ids never reused, so watermarks hold
    "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: events, quarantine and the meta table.
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE events (
            seq {serial},
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            occurred_at_ms BIGINT NOT NULL,
            received_at_ms BIGINT NOT NULL,
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            persons INTEGER NOT NULL CHECK (persons >= 0),
            impact TEXT NOT NULL,
            confidence DOUBLE PRECISION,
            status TEXT NOT NULL,
            cell BIGINT NOT NULL,
            attrs TEXT NOT NULL DEFAULT '{{}}',
            UNIQUE (source, event_id)
        )""",
        """CREATE TABLE quarantine (
            seq {serial},
            source TEXT NOT NULL,
            file_name TEXT NOT NULL,
            row_number BIGINT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            raw TEXT NOT NULL,
            quarantined_at_ms BIGINT NOT NULL
        )""",
        "INSERT INTO meta (key, value) VALUES ('data_epoch', '0')",
    ),
    # 2: an import log, and every event and quarantined row linked to its import.
    (
        """CREATE TABLE imports (
            import_id {serial},
            file_name TEXT NOT NULL,
            mapping TEXT NOT NULL,
            source TEXT NOT NULL,
            started_at_ms BIGINT NOT NULL,
            finished_at_ms BIGINT,
            read_rows BIGINT NOT NULL DEFAULT 0,
            inserted BIGINT NOT NULL DEFAULT 0,
            duplicates BIGINT NOT NULL DEFAULT 0,
            quarantined BIGINT NOT NULL DEFAULT 0
        )""",
        "ALTER TABLE events ADD COLUMN import_id BIGINT",
        "ALTER TABLE quarantine ADD COLUMN import_id BIGINT",
        "CREATE INDEX quarantine_reason ON quarantine (reason)",
    ),
    # 3: live feeds: unit positions, each feed's cursor and its health record.
    (
        """CREATE TABLE units (
            seq {serial},
            source TEXT NOT NULL,
            unit_id TEXT NOT NULL,
            callsign TEXT NOT NULL,
            at_ms BIGINT NOT NULL,
            stale_at_ms BIGINT NOT NULL,
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            cell BIGINT NOT NULL,
            UNIQUE (source, unit_id, at_ms)
        )""",
        """CREATE TABLE feed_state (
            feed TEXT PRIMARY KEY,
            etag TEXT,
            cursor TEXT,
            updated_at_ms BIGINT NOT NULL
        )""",
        """CREATE TABLE feed_health (
            feed TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            last_success_ms BIGINT,
            last_error_ms BIGINT,
            last_error TEXT,
            lag_s DOUBLE PRECISION,
            polls BIGINT NOT NULL DEFAULT 0,
            failures BIGINT NOT NULL DEFAULT 0,
            events BIGINT NOT NULL DEFAULT 0,
            units BIGINT NOT NULL DEFAULT 0,
            quarantined BIGINT NOT NULL DEFAULT 0
        )""",
    ),
    # 4: sensors as editable data, and the history of border sections' impact levels.
    (
        """CREATE TABLE sensors (
            sensor_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            height_m DOUBLE PRECISION NOT NULL,
            range_m DOUBLE PRECISION NOT NULL,
            azimuth_deg DOUBLE PRECISION NOT NULL,
            fov_deg DOUBLE PRECISION NOT NULL,
            status TEXT NOT NULL,
            source TEXT NOT NULL,
            updated_at_ms BIGINT NOT NULL
        )""",
        """CREATE TABLE section_levels (
            seq {serial},
            section_id TEXT NOT NULL,
            level TEXT NOT NULL,
            proposed_level TEXT,
            evidence TEXT NOT NULL DEFAULT '',
            comment TEXT NOT NULL DEFAULT '',
            set_by TEXT NOT NULL,
            set_at_ms BIGINT NOT NULL
        )""",
        "CREATE INDEX section_levels_section ON section_levels (section_id, seq)",
    ),
    # 5: the audit log (append-only) and community reports with their moderation.
    (
        """CREATE TABLE audit_log (
            seq {serial},
            at_ms BIGINT NOT NULL,
            actor TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            client TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX audit_log_action ON audit_log (action, at_ms)",
        """CREATE TABLE reports (
            report_id {serial},
            source TEXT NOT NULL,
            external_id TEXT NOT NULL,
            received_at_ms BIGINT NOT NULL,
            occurred_at_ms BIGINT NOT NULL,
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            cell BIGINT NOT NULL,
            category TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            place TEXT NOT NULL DEFAULT '',
            contact TEXT,
            status TEXT NOT NULL DEFAULT 'new',
            confidence TEXT,
            event_source TEXT,
            event_id TEXT,
            moderated_by TEXT,
            moderated_at_ms BIGINT,
            reason TEXT,
            contact_deleted_at_ms BIGINT,
            UNIQUE (source, external_id)
        )""",
        "CREATE INDEX reports_status ON reports (status, received_at_ms)",
    ),
    # 6: report feeds count the reports they queued in their health record.
    ("ALTER TABLE feed_health ADD COLUMN reports BIGINT NOT NULL DEFAULT 0",),
    # 7: the mirror reads only its hot window, and history queries only their months.
    ("CREATE INDEX events_occurred ON events (occurred_at_ms)",),
    # 8: an import ends finished or failed (with why), and counts the physical lines it read.
    (
        "ALTER TABLE imports ADD COLUMN status TEXT NOT NULL DEFAULT 'running'",
        "ALTER TABLE imports ADD COLUMN error TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE imports ADD COLUMN read_lines BIGINT NOT NULL DEFAULT 0",
        "UPDATE imports SET status = 'finished' WHERE finished_at_ms IS NOT NULL",
    ),
    # 9: sharing with partner agencies: agreements (versioned), client certificates, what was sent, and the
    # partners' pictures in tables of their own (never mixed with our events).
    (
        """CREATE TABLE share_agreements (
            seq {serial},
            partner TEXT NOT NULL,
            version INTEGER NOT NULL,
            terms TEXT NOT NULL,
            status TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at_ms BIGINT NOT NULL,
            UNIQUE (partner, version)
        )""",
        """CREATE TABLE share_certs (
            serial TEXT PRIMARY KEY,
            partner TEXT NOT NULL,
            not_after_ms BIGINT NOT NULL,
            issued_at_ms BIGINT NOT NULL,
            revoked_at_ms BIGINT
        )""",
        """CREATE TABLE share_log (
            seq {serial},
            partner TEXT NOT NULL,
            version INTEGER,
            path TEXT NOT NULL,
            status INTEGER NOT NULL,
            items INTEGER NOT NULL,
            bytes BIGINT NOT NULL,
            cert_serial TEXT NOT NULL,
            detail TEXT NOT NULL,
            sent_at_ms BIGINT NOT NULL
        )""",
        """CREATE TABLE partner_pictures (
            feed TEXT PRIMARY KEY,
            publisher TEXT NOT NULL,
            version INTEGER NOT NULL,
            res INTEGER NOT NULL,
            delay_s BIGINT NOT NULL,
            k INTEGER NOT NULL,
            window_start_ms BIGINT NOT NULL,
            window_end_ms BIGINT NOT NULL,
            received_at_ms BIGINT NOT NULL
        )""",
        """CREATE TABLE partner_cells (
            feed TEXT NOT NULL,
            cell BIGINT NOT NULL,
            events BIGINT NOT NULL,
            PRIMARY KEY (feed, cell)
        )""",
        """CREATE TABLE partner_levels (
            feed TEXT NOT NULL,
            section_id TEXT NOT NULL,
            level TEXT NOT NULL,
            evidence TEXT NOT NULL,
            set_at_ms BIGINT NOT NULL,
            PRIMARY KEY (feed, section_id)
        )""",
    ),
    # 10: PostgreSQL: events partitioned by the month they occurred in (UTC), so retention and history queries
    # touch only their months. A partitioned table's unique keys must hold the partition key, so
    # (source, event_id) stays unique through a table of keys of its own; deleting an event frees its key.
    # Writers create a month's partition before its first row (limes_event_month). SQLite: unchanged.
    (
        POSTGRESQL_ONLY + "ALTER TABLE events RENAME TO events_before_partitioning",
        POSTGRESQL_ONLY + "ALTER INDEX events_occurred RENAME TO events_before_partitioning_occurred",
        POSTGRESQL_ONLY + """CREATE TABLE events (
            seq BIGINT GENERATED ALWAYS AS IDENTITY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            occurred_at_ms BIGINT NOT NULL,
            received_at_ms BIGINT NOT NULL,
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            persons INTEGER NOT NULL CHECK (persons >= 0),
            impact TEXT NOT NULL,
            confidence DOUBLE PRECISION,
            status TEXT NOT NULL,
            cell BIGINT NOT NULL,
            attrs TEXT NOT NULL DEFAULT '{{}}',
            import_id BIGINT
        ) PARTITION BY RANGE (occurred_at_ms)""",
        POSTGRESQL_ONLY + "CREATE INDEX events_seq ON events (seq)",
        POSTGRESQL_ONLY + "CREATE INDEX events_occurred ON events (occurred_at_ms)",
        POSTGRESQL_ONLY + """CREATE TABLE event_keys (
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            PRIMARY KEY (source, event_id)
        )""",
        POSTGRESQL_ONLY + """CREATE FUNCTION limes_event_month(at_ms BIGINT) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            first_day timestamp := date_trunc('month', to_timestamp(at_ms / 1000.0) AT TIME ZONE 'UTC');
            part text := 'events_' || to_char(first_day, '"y"YYYY"m"MM');
        BEGIN
            IF to_regclass(part) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)', part,
                               (extract(epoch FROM first_day) * 1000)::bigint,
                               (extract(epoch FROM first_day + interval '1 month') * 1000)::bigint);
            END IF;
        END $$""",
        POSTGRESQL_ONLY + f"SELECT limes_event_month(m) FROM ({EVENT_MONTHS.format(table='events_before_partitioning')}) months",
        POSTGRESQL_ONLY + "INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM events_before_partitioning",
        POSTGRESQL_ONLY + "INSERT INTO event_keys (source, event_id) SELECT source, event_id FROM events",
        POSTGRESQL_ONLY + "SELECT setval(pg_get_serial_sequence('events', 'seq'), "
                          "COALESCE((SELECT MAX(seq) FROM events), 0) + 1, false)",
        POSTGRESQL_ONLY + "DROP TABLE events_before_partitioning",
        POSTGRESQL_ONLY + """CREATE FUNCTION limes_forget_event_key() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM event_keys WHERE source = OLD.source AND event_id = OLD.event_id;
            RETURN NULL;
        END $$""",
        POSTGRESQL_ONLY + "CREATE TRIGGER events_forget_key AFTER DELETE ON events FOR EACH ROW "
                          "EXECUTE FUNCTION limes_forget_event_key()",
    ),
    # 11: each signed-in user's own choices (the interface language), found again at the next sign-in.
    (
        """CREATE TABLE user_preferences (
            user_name TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (user_name, name)
        )""",
    ),
    # 12: incidents (issue 18): the queue with its states and version (optimistic locking), the signals fused into
    # each (a signal belongs to one incident at most), every step, and the CoT taskings sent to units.
    (
        """CREATE TABLE incidents (
            incident_id {serial},
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            cell BIGINT NOT NULL,
            anchor_at_ms BIGINT NOT NULL,
            opened_at_ms BIGINT NOT NULL,
            opened_by TEXT NOT NULL,
            priority TEXT NOT NULL,
            state TEXT NOT NULL,
            outcome TEXT,
            owner TEXT,
            unit_callsign TEXT,
            remarks TEXT NOT NULL DEFAULT '',
            changed_at_ms BIGINT NOT NULL,
            changed_by TEXT NOT NULL,
            version BIGINT NOT NULL DEFAULT 1
        )""",
        "CREATE INDEX incidents_state ON incidents (state, opened_at_ms)",
        """CREATE TABLE incident_signals (
            seq {serial},
            incident_id BIGINT NOT NULL REFERENCES incidents (incident_id),
            signal_kind TEXT NOT NULL,
            signal_ref TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            lat DOUBLE PRECISION NOT NULL,
            lon DOUBLE PRECISION NOT NULL,
            at_ms BIGINT NOT NULL,
            attached_at_ms BIGINT NOT NULL,
            attached_by TEXT NOT NULL,
            rule TEXT NOT NULL DEFAULT '',
            UNIQUE (signal_kind, signal_ref)
        )""",
        """CREATE TABLE incident_steps (
            seq {serial},
            incident_id BIGINT NOT NULL REFERENCES incidents (incident_id),
            at_ms BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            from_state TEXT NOT NULL DEFAULT '',
            to_state TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX incident_steps_incident ON incident_steps (incident_id, seq)",
        """CREATE TABLE dispatches (
            dispatch_id {serial},
            incident_id BIGINT NOT NULL REFERENCES incidents (incident_id),
            callsign TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            cot_uid TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            sent_at_ms BIGINT,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX dispatches_incident ON dispatches (incident_id, dispatch_id)",
        "CREATE INDEX units_callsign ON units (callsign, at_ms)",  # the on-scene check follows one unit
    ),
)

SCHEMA_VERSION: Final[int] = len(MIGRATIONS)


def statements(version: int, dialect: str) -> list[str]:
    """The statements of migration ``version`` (1-based) for ``dialect``."""
    return [s.removeprefix(POSTGRESQL_ONLY).format(serial=SERIAL[dialect]) for s in MIGRATIONS[version - 1]
            if dialect == "postgresql" or not s.startswith(POSTGRESQL_ONLY)]
