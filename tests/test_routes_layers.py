"""Route layers: what reaches the browser, and the checks deck.gl would not make."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.coverage import Routes
from geo.errors import LayerError
from layers.routes import crossing_layers, route_layers, route_records


def _routes(n: int) -> Routes:
    table = pd.DataFrame({"rank": np.arange(1, n + 1), "from_place": "A", "to_place": "B", "pair": "AAA-BBB",
                          "length_km": 12.345, "walk_h": 2.5, "unseen_share": 0.876, "cost_h": 3.0,
                          "crossing_lat": 41.0, "crossing_lon": 22.0})
    paths = tuple(np.array([[22.0, 41.0 + i / 100], [22.1234567, 41.1]]) for i in range(n))
    band = pd.Series([0.0, 0.05], index=pd.Index(np.array([0x882d0b0d4dfffff, 0x882d0b0d49fffff], np.uint64)))
    return Routes(table=table, paths=paths, band=band, optimum_h=3.0)


def test_records_carry_rank_status_figures_and_rounded_path_only() -> None:
    (first, _) = route_records(_routes(2).table, _routes(2).paths)
    assert first == {"rank": 1, "status": "kept", "length_km": 12.3, "walk_h": 2.5, "unseen_pct": 88,
                     "path": [[22.0, 41.0], [22.12346, 41.1]]}


def test_records_refuse_mismatched_paths_and_unknown_status() -> None:
    routes = _routes(2)
    with pytest.raises(LayerError):
        route_records(routes.table, routes.paths[:1])
    with pytest.raises(LayerError, match="status"):
        route_records(routes.table.assign(status="maybe"), routes.paths)


def test_what_if_layers_draw_closed_routes_beneath() -> None:
    routes = _routes(2)
    changes = pd.concat([routes.table.assign(status=["kept", "new"]),
                         routes.table.iloc[:1].assign(rank=3, status="closed")], ignore_index=True)
    layers = route_layers(routes, changes=changes, closed_paths=(routes.paths[0],))
    assert [layer.id for layer in layers] == ["route-corridor", "routes-halo", "routes"]
    labels = crossing_layers(routes)
    assert [layer.id for layer in labels] == ["route-crossings", "route-ranks"]
    assert [row["rank"] for row in labels[1].data] == ["R1", "R2"]
    assert layers[1].data == layers[2].data  # the outline follows the same routes, beneath them
    data = layers[2].data
    assert [(row["rank"], row["status"]) for row in data] == [(3, "closed"), (1, "kept"), (2, "new")]
    assert {row["hex"] for row in layers[0].data} == {"882d0b0d4dfffff", "882d0b0d49fffff"}
