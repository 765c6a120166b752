"""The shared picture: what one agreement lets a partner see at one moment, as aggregates only.

A :class:`Picture` holds hexagon counts and section levels, nothing else; the endpoint serves it
and nothing but it. It is built by :func:`geo.sharing.source.picture_from_store` from the store's
SQL aggregates (never from event rows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class SharedLevel:
    """One section's level as shared: the rule evidence is shared, the comment and who set it never."""

    section_id: str
    level: str
    evidence: str
    set_at_ms: int


@dataclass(frozen=True, slots=True)
class Picture:
    """Aggregates for one partner under one version of its agreement.

    ``cells`` are ``(H3 cell id, events)`` with every count at least ``k`` (cells merged into parents
    where needed, so resolutions may be ``res`` or coarser); times are epoch ms, UTC; the window is
    ``[window_start_ms, window_end_ms)`` and ends at least ``delay_s`` before the picture was built.
    """

    publisher: str
    partner: str
    version: int
    res: int
    k: int
    delay_s: int
    window_start_ms: int
    window_end_ms: int
    cells: tuple[tuple[int, int], ...]
    levels: tuple[SharedLevel, ...]

    def head(self) -> dict[str, object]:
        """Everything but the cells and levels: the picture's description in every response."""
        return {"publisher": self.publisher, "partner": self.partner, "agreement_version": self.version,
                "res": self.res, "k": self.k, "delay_s": self.delay_s, "window_start_ms": self.window_start_ms,
                "window_end_ms": self.window_end_ms}

    def digest(self) -> str:
        """A hash of the whole picture: equal pictures give equal ETags, any change a new one."""
        doc = {**self.head(), "cells": self.cells, "levels": [asdict(level) for level in self.levels]}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]
