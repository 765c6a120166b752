"""The `limes` command line as a user runs it: a real subprocess, exit codes, JSON and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.test_importer import IOM_SAMPLE


def _limes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_import_json_report_and_idempotency(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    first = _limes("import", str(IOM_SAMPLE), "--mapping", "iom", "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"read": 238, "inserted": 236, "duplicates": 0, "quarantined": 2,
                                        "reasons": {"bad_persons": 2}}
    second = _limes("import", str(IOM_SAMPLE), "--db", db)
    assert second.returncode == 0
    assert "duplicates         236" in second.stdout and "238 rows read" in second.stderr


def test_unreadable_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = _limes("import", str(empty), "--db", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert result.returncode == 2
    assert result.stderr.strip() == "limes: empty.csv is empty"
    bad_mapping = _limes("import", str(IOM_SAMPLE), "--mapping", "nonsense", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert bad_mapping.returncode == 2 and "no mapping preset or file 'nonsense'" in bad_mapping.stderr
    assert "Traceback" not in result.stderr + bad_mapping.stderr
