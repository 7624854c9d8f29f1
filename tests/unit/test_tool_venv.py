"""``scripts/tool_venv.sh`` rebuilds a tool's venv when it would not run: new pins, or moved.

A venv's scripts start with the absolute path of its interpreter, so a venv that was moved or
reached through another path (a renamed checkout, a ``.cache`` shared by two checkouts) has an
``aws`` that cannot start. Here the interpreter that builds venvs is a stand-in that records each
build, so the test needs no network and takes milliseconds.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: ``PYTHON -m venv DIR`` makes DIR/bin/{python,pip}; both only log that they ran.
FAKE_PYTHON = """#!/bin/sh
echo "$0 $*" >> "{log}"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/python"
    printf '#!/bin/sh\\necho pip "$@" >> "{log}"\\n' > "$3/bin/pip"
    chmod +x "$3/bin/python" "$3/bin/pip"
fi
"""


def tool_venv(venvs: Path, log: Path, python: Path) -> str:
    result = subprocess.run(
        [str(ROOT / "scripts" / "tool_venv.sh"), "checkov"],
        env={**os.environ, "TOOL_VENVS": str(venvs), "PYTHON": str(python)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def fake_python(folder: Path) -> Path:
    """The stand-in interpreter, logging to ``folder/calls.log``."""
    python = folder / "python3.11"
    python.write_text(FAKE_PYTHON.format(log=folder / "calls.log"))
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    return python


def builds(log: Path) -> int:
    return log.read_text().count(" -m venv ") if log.exists() else 0


def test_a_venv_is_built_once_and_rebuilt_after_a_move(tmp_path: Path) -> None:
    log, python = tmp_path / "calls.log", fake_python(tmp_path)
    first = tmp_path / "cache"
    # GIVEN a venv the script built, WHEN it is asked again, THEN it is reused
    assert tool_venv(first, log, python) == str(first / "checkov-venv")
    assert tool_venv(first, log, python) == str(first / "checkov-venv")
    assert builds(log) == 1
    # WHEN the cache is moved (its venv's scripts still name the old path), THEN it is rebuilt
    moved = tmp_path / "moved"
    first.rename(moved)
    assert tool_venv(moved, log, python) == str(moved / "checkov-venv")
    assert builds(log) == 2


def test_a_cache_reached_through_a_symlink_is_the_same_venv(tmp_path: Path) -> None:
    log, python = tmp_path / "calls.log", fake_python(tmp_path)
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    # GIVEN one cache seen from two checkouts, one through a symlink: one venv, built once
    assert tool_venv(real, log, python) == str(real / "checkov-venv")
    assert tool_venv(tmp_path / "link", log, python) == str(real / "checkov-venv")
    assert builds(log) == 1
