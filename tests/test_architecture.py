"""The floors of DESIGN.md, the offline settings, and the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from dashboard.cli import main
from tests.conftest import ROOT


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert len(contracts) >= 5 and f"{len(contracts)} kept, 0 broken" in result.stdout


def test_streamlit_settings_for_an_air_gapped_control_room() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableStaticServing"] is True
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 200 and config["server"]["maxMessageSize"] <= 200
    assert config["client"]["showErrorDetails"] == "none"  # no exception text or traceback in the browser
    assert config["server"]["enableCORS"] is True
    assert config["server"]["address"] == "127.0.0.1"  # loopback unless a deployment says otherwise
    assert set(config["server"]["allowedHosts"]) == {"localhost", "127.0.0.1"}  # DNS rebinding
    from streamlit import config as st_config

    # The settings are real options of this Streamlit and parse to what we wrote.
    st_config.get_config_options(force_reparse=True, options_from_flags={})
    assert st_config.get_option("server.allowedHosts") == config["server"]["allowedHosts"]
    assert st_config.get_option("client.showErrorDetails") == "none"
    assert config["runner"]["magicEnabled"] is False  # page modules' docstrings must not render
    # A full collection after every run of every session (Streamlit's default) held the GIL ~100 ms each time.
    assert config["runner"]["postScriptGC"] is False
    assert st_config.get_option("runner.postScriptGC") is False


def test_offline_style_has_no_remote_source() -> None:
    style = json.loads((ROOT / "static" / "limes-dark-style.json").read_text())
    assert style["version"] == 8 and style["sources"] == {}
    assert [layer["type"] for layer in style["layers"]] == ["background"]
    assert "glyphs" not in style and "sprite" not in style


def test_no_remote_addresses_in_code() -> None:
    """URLs in the code name only loopback (the simulator, the demo) or are built from configuration."""
    url = re.compile(r"https?://([A-Za-z0-9.-]*)")
    for package in ("geo", "layers", "dashboard"):
        for path in (ROOT / package).rglob("*.py"):
            hosts = set(url.findall(path.read_text()))  # "" for schemes alone and f-string placeholders
            assert hosts <= {"127.0.0.1", "localhost", ""}, (path, hosts)


def test_bench_json_reports_figures_beside_naive(capsys) -> None:
    assert main(["bench", "--json", "--events", "30000", "--import-rows", "4000", "--live-events", "0",
                 "--mirror-events", "20000", "--load-events", "0", "--only", "hexgrid", "hotspot", "store", "mirror"]) == 0
    figures = json.loads(capsys.readouterr().out)
    names = " | ".join(figures)
    for expected in ("indexing", "re-aggregate", "map payload", "into SQLite", "peak memory", "mirror_append_ms_p95",
                     "mirror_bytes_per_event"):
        assert expected in names
    for figure in figures.values():
        assert figure["ours"] > 0 and {"naive", "bar", "unit", "speedup"} <= figure.keys()
    payload = next(f for name, f in figures.items() if name.startswith("map payload"))
    assert payload["ours"] < payload["naive"]  # bytes: deterministic, not a timing


def test_every_page_is_one_render_and_thin() -> None:
    """A page module defines exactly one public function, ``render()``, and calls it; components do the rest.

    Read from the source (importing a page would run it).
    """
    import ast

    pages = sorted(p for p in (ROOT / "dashboard" / "pages").glob("*.py") if p.name != "__init__.py")
    assert len(pages) >= 6
    for path in pages:
        tree = ast.parse(path.read_text())
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        public = [f.name for f in functions if not f.name.startswith("_")]
        assert public == ["render"], (path.name, public)
        (render,) = [f for f in functions if f.name == "render"]
        assert not render.args.args and not render.args.kwonlyargs, path.name  # render() takes nothing
        classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
        assert not classes, (path.name, classes)
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == "render"]
        assert calls, f"{path.name} never calls render()"
        assert len(path.read_text().splitlines()) <= 150, path.name


def test_session_state_keys_are_named_in_one_module() -> None:
    """No page or component spells a session-state key or widget key as a string literal: dashboard.state names them."""
    import ast

    for path in [*(ROOT / "dashboard").rglob("*.py")]:
        if path.name in {"state.py", "cache.py", "cli.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "key":
                assert not isinstance(node.value, ast.Constant | ast.JoinedStr), (path, ast.unparse(node))
            if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("session_state"):
                assert not isinstance(node.slice, ast.Constant | ast.JoinedStr), (path, ast.unparse(node))
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and ast.unparse(node.func.value).endswith("session_state") and node.args):
                assert not isinstance(node.args[0], ast.Constant | ast.JoinedStr), (path, ast.unparse(node))


def test_sql_lives_in_the_store_only() -> None:
    """Only geo/store writes SQL: the rest of the code calls its repositories inside store.transaction()."""
    sql = re.compile(r"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET|CREATE TABLE)\b|\.(fetch|execute|executemany)\(")
    store = ROOT / "geo" / "store"
    for package in ("geo", "layers", "dashboard"):
        for path in (ROOT / package).rglob("*.py"):
            if store not in path.parents:
                assert not sql.search(path.read_text()), path
    assert max(len(path.read_text().splitlines()) for path in store.glob("*.py")) <= 400


def test_configuration_is_read_at_the_edge_and_paths_in_one_resolver() -> None:
    """Nothing below dashboard/ reads the environment; only geo/settings.py derives paths from ``__file__``."""
    environment = re.compile(r"os\.environ|getenv\(")
    for package in ("geo", "layers"):
        for path in (ROOT / package).rglob("*.py"):
            assert not environment.search(path.read_text()), path
    readers = {path.relative_to(ROOT).as_posix() for package in ("geo", "layers", "dashboard", "bench")
               for path in (ROOT / package).rglob("*.py") if re.search(r"Path\(__file__\)", path.read_text())}
    assert readers == {"geo/settings.py"}


def test_readme_architecture_table_is_the_tree() -> None:
    """Each row of the README's architecture table lists exactly the modules of its folder."""
    rows = re.findall(r"^\| `([a-z0-9/]+)/` \| [^|]+ \| (.+) \|$", (ROOT / "README.md").read_text(), flags=re.M)
    assert len(rows) >= 15
    for folder, modules in rows:
        listed = set(re.findall(r"`([a-z0-9_]+)`", modules))
        present = {p.stem for p in (ROOT / folder).glob("*.py") if p.name != "__init__.py"}
        assert listed == present, (folder, listed ^ present)
    packages = {p.parent.relative_to(ROOT).as_posix() for p in ROOT.glob("geo/**/__init__.py")}
    assert packages <= {folder for folder, _ in rows}, packages - {folder for folder, _ in rows}



def test_rooms_are_entered_through_their_package() -> None:
    """Outside a package of geo/, code imports the package (its ``__all__``), never one of its modules."""
    import ast

    modules = re.compile(r"^geo\.([a-z0-9]+)\.[a-z0-9_]+$")
    for package in ("geo", "layers", "dashboard", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            home = parts[1] if parts[0] == "geo" and len(parts) > 2 else None
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and (room := modules.match(node.module)):
                    assert room.group(1) == home, (path.relative_to(ROOT).as_posix(), node.module)
            for room in re.findall(r"^from geo\.([a-z]+)\.[a-z_]+ import", path.read_text(), flags=re.M):
                assert room == home, (path.relative_to(ROOT).as_posix(), room)


def test_no_module_over_400_lines() -> None:
    sizes = {path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines())
             for package in ("geo", "layers", "dashboard", "bench") for path in (ROOT / package).rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
