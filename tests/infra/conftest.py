"""Package each stage once per test session (``chalice package`` takes seconds, not millis);
a moto server and the real AWS CLI for the deploy rehearsal.

Packaging writes to a per-session temporary directory; a file lock serialises it across
pytest-xdist workers because Chalice shares its wheel cache in ``.chalice/deployments``.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.moto_aws import MotoServer, start_moto, tool_venv

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Package:
    """The outcome of ``scripts/package.sh STAGE``."""

    stage: str
    directory: Path
    returncode: int
    output: str
    seconds: float

    @property
    def template(self) -> dict[str, Any]:
        """The packaged SAM template (fails the test when packaging wrote none)."""
        path = self.directory / "sam.json"
        assert path.is_file(), f"chalice package wrote no template:\n{self.output}"
        template: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return template

    @property
    def resources(self) -> dict[str, Any]:
        """``Resources`` of the template."""
        resources: dict[str, Any] = self.template["Resources"]
        return resources


@contextmanager
def package_lock() -> Iterator[None]:
    """Held while anything runs ``chalice package`` (its wheel cache is shared)."""
    lock_path = ROOT / "build" / ".package.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _package(stage: str, out: Path) -> Package:
    env = {**os.environ, "PACKAGE_OUT": str(out)}
    with package_lock():
        start = time.monotonic()
        result = subprocess.run(
            [str(ROOT / "scripts" / "package.sh"), stage],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        seconds = time.monotonic() - start
    return Package(stage, out, result.returncode, result.stdout + result.stderr, seconds)


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Package]:
    """``packaged("dev")``: the stage's package, built on first use and then reused."""
    cache: dict[str, Package] = {}

    def get(stage: str) -> Package:
        if stage not in cache:
            cache[stage] = _package(stage, tmp_path_factory.mktemp(f"package-{stage}"))
        return cache[stage]

    return get


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One ``moto_server`` per test process, stopped at session end."""
    server = start_moto(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The moto server, emptied: each test starts with a new account."""
    moto_server.reset()
    return moto_server


@pytest.fixture(scope="session")
def aws_cli_bin() -> Path:
    """The bin directory of the real AWS CLI (PyPI's awscli, v1) in its own venv."""
    return tool_venv("awscli") / "bin"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker these tests use (also registered by tests/conftest.py)."""
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
