"""The user preferences repository: small named choices a signed-in user makes once and finds again
(the interface language), one row per user and name."""

from __future__ import annotations

from geo.store.core import Db


def set_preference(db: Db, *, user: str, name: str, value: str) -> None:
    """Remember ``value`` as ``user``'s ``name`` preference (replacing an earlier one)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO user_preferences (user_name, name, value) VALUES (?, ?, ?) "
                   "ON CONFLICT (user_name, name) DO UPDATE SET value = excluded.value", (user, name, value))


def preference(db: Db, *, user: str, name: str) -> str | None:
    """``user``'s ``name`` preference, or ``None`` when they never chose one."""
    with db.transaction(write=False) as tx:
        rows = tx.fetch("SELECT value FROM user_preferences WHERE user_name = ? AND name = ?", (user, name))
    return str(rows[0][0]) if rows else None
