"""``make serve`` (the API half of ``make dev``) on a free port over a test's tables.

Tests run the developers' own command rather than a copy of it, so a flag lost from the
Makefile is a failing test. The server listens on 127.0.0.1 and its whole process group is
stopped when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.dynamodb_local_process import free_port
from tests.dynamodb_local_fixture import DynamoDBTables

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class DevServer:
    """Where the server answers, and the file that holds everything it printed."""

    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def make_serve(ddb_tables: DynamoDBTables, log: Path) -> Iterator[DevServer]:
    """Run ``make serve`` against ``ddb_tables`` until the block ends."""
    port = free_port()
    env = {**os.environ, **ddb_tables.names, "DYNAMODB_ENDPOINT": ddb_tables.endpoint}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"DEV_PORT={port}"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DevServer(f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        _stop_group(process)


def _wait_until_healthy(server: DevServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make serve exited with {process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"make serve did not answer within {START_TIMEOUT_S:.0f} s:\n{server.output()}")


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to make and the server it started; SIGKILL whatever is left after 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and _group_alive(process):
            time.sleep(0.1)
        if not _group_alive(process):
            break
    process.wait(timeout=10)


def _group_alive(process: subprocess.Popen[bytes]) -> bool:
    process.poll()  # reap make itself, or the group never looks empty
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True
