"""The app runs from an installed wheel, not only from a checkout.

The wheel is built from a copy of the repository's files, installed (without dependencies) into
a fresh virtual environment, and `limes serve` started from that environment in a folder outside
the repository. The dependencies come from this interpreter's site-packages through PYTHONPATH:
a ``.pth`` file is processed only in site directories, never on PYTHONPATH, so the checkout's
editable install (a ``.pth`` finder) stays inactive there; the test checks that ``geo`` and the
app files are the installed ones.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.serving import free_port, wait_healthy
from tests.browser import LOOPBACK, MAP, chromium_page, wait_idle
from tests.conftest import ROOT
from tests.test_browser import _hot_pixels

pytestmark = pytest.mark.browser

PROBE = """
import json, geo, dashboard, limes_app
from dashboard.config import settings
s = settings()
print(json.dumps({"geo": geo.__file__, "dashboard": dashboard.__file__, "bundle": limes_app.__file__,
                  "store": s.store_url, "app": str(s.app_dir), "data": str(s.data_dir)}))
"""


def _repository_files(into: Path) -> None:
    """The files git would commit (tracked, or new and not ignored): no build/, .venv/ or generated images."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A virtual environment with only the Limes wheel installed, and the environment to run it with."""
    base = tmp_path_factory.mktemp("wheel")
    source, wheels, venv = base / "src", base / "wheels", base / "venv"
    _repository_files(source)
    # Build isolation fetches setuptools from the package registry (this interpreter has no `wheel` package).
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    [wheel] = wheels.glob("limes-*.whl")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    home = base / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LIMES_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=sysconfig.get_paths()["purelib"], HOME=str(home), LIMES_VAR_DIR=str(base / "var"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return venv, env


def test_the_installed_package_not_the_checkout_is_what_runs(installed, tmp_path: Path) -> None:
    import json

    venv, env = installed
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", PROBE], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True, timeout=120)
    found = json.loads(probe.stdout)
    for key in ("geo", "dashboard", "bundle", "data"):
        assert Path(found[key]).is_relative_to(venv), (key, found[key])
    var = Path(env["LIMES_VAR_DIR"])
    assert found["store"] == f"sqlite:///{var / 'limes.sqlite'}" and found["app"] == str(var / "app")


def test_limes_serve_from_the_wheel_renders_the_map(installed, tmp_path: Path, artifacts: Path) -> None:
    venv, env = installed
    var, port = Path(env["LIMES_VAR_DIR"]), free_port()
    log = artifacts / "wheel-serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(venv / "bin" / "limes"), "serve", "--port", str(port)], cwd=tmp_path, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, server, log=log)
        except RuntimeError as exc:
            pytest.fail(f"limes serve: {exc}\n{log.read_text()}")
        with chromium_page() as session:
            session.page.goto(url)
            wait_idle(session.page, timeout_ms=90_000)
            session.page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
            session.page.wait_for_timeout(4000)  # deck.gl debounces, loads the relief images and draws
            chart, canvas = session.page.locator(MAP).first, session.page.locator(f"{MAP} canvas").first
            box, canvas_box = chart.bounding_box(), canvas.bounding_box()
            assert box and canvas_box
            assert canvas_box["width"] >= 0.98 * box["width"] and canvas_box["height"] >= 0.98 * box["height"]
            assert canvas_box["width"] > 600 and canvas_box["height"] > 500
            png = chart.screenshot(path=str(artifacts / "wheel-map.png"))
            assert _hot_pixels(png) > 300
            assert np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).std() > 20  # relief, land, water
            assert [u for u in session.requests if not u.startswith(LOOPBACK)] == []
            assert any(u.endswith("/app/static/limes-dark-style.json") for u in session.requests)
            assert any(u.split("?")[0].endswith("/app/static/generated/relief-srtm.png") for u in session.requests)
            assert session.errors == []
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Everything written went to the configured var folder: the store, and the app folder Streamlit served.
    assert (var / "limes.sqlite").stat().st_size > 100_000
    assert (var / "app" / "static" / "generated" / "relief-srtm.png").is_file()
    assert (var / "app" / ".streamlit" / "config.toml").read_bytes() == (ROOT / ".streamlit" / "config.toml").read_bytes()
    assert not any(tmp_path.iterdir())  # nothing in the working directory
