"""The section levels repository: the history of impact level decisions, appended, never overwritten.

What a level is and who may set one is :mod:`geo.briefing.levels`'s; this module keeps the rows.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from geo.store.core import Db

_COLUMNS: Final[tuple[str, ...]] = ("seq", "section_id", "level", "proposed_level", "evidence", "comment", "set_by",
                                    "set_at_ms")


def append_level(db: Db, *, section_id: str, level: str, proposed_level: str | None, evidence: str, comment: str,
                 set_by: str, set_at_ms: int) -> None:
    """Append one level decision (``evidence`` as lines of text, ``set_at_ms`` in epoch ms)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO section_levels (section_id, level, proposed_level, evidence, comment, set_by, set_at_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", (section_id, level, proposed_level, evidence, comment, set_by,
                                                    set_at_ms))


def level_rows(db: Db, *, section_id: str | None = None) -> pd.DataFrame:
    """Level decisions, newest first, of one section or all: ``section_id``, ``level``, ``proposed_level``,
    ``evidence``, ``comment``, ``set_by``, ``set_at`` (UTC)."""
    query = f"SELECT {', '.join(_COLUMNS)} FROM section_levels"
    params: tuple[str, ...] = ()
    if section_id is not None:
        query, params = query + " WHERE section_id = ?", (section_id,)
    with db.transaction(write=False) as tx:
        rows = tx.fetch(query + " ORDER BY seq DESC", params)
    frame = pd.DataFrame.from_records(rows, columns=list(_COLUMNS))
    frame["set_at"] = pd.to_datetime(frame.pop("set_at_ms").astype("int64"), unit="ms", utc=True)
    return frame.drop(columns="seq")
