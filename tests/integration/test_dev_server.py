"""``make dev``'s server: keeps serving while files under the project change, refuses a busy port.

chalice local's default reloader restarts the server whenever any file under the project
changes, and ``make dev`` keeps DynamoDB Local's data file under ``.cache/``: every write the
API made restarted the server and dropped the requests that followed it (found by running the
README's curl examples one after another). ``make serve`` therefore runs without the reloader.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scripts.dynamodb_local_process import free_port, port_in_use
from tests.dev_server import ROOT, make_serve

# chalice's stat reloader polls once a second; three polls leave no doubt.
RELOADER_POLLS_S = 3.2


def post_lock(base_url: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/v1/cards/lock",
        data=json.dumps({"customer_id": "CUST001", "card_id": "CARD001"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        status: int = response.status
        return status


def test_a_file_written_under_the_project_does_not_restart_the_server(
    ddb_tables: Any, tmp_path: Path
) -> None:
    probe = ROOT / "build" / f"reload-probe-{tmp_path.name}.txt"
    probe.parent.mkdir(exist_ok=True)
    with make_serve(ddb_tables, tmp_path / "serve.log") as server:
        try:
            # WHEN a file under the project changes, as DynamoDB Local's data file does
            probe.write_text("first")
            time.sleep(RELOADER_POLLS_S)
            probe.write_text("second")
            time.sleep(RELOADER_POLLS_S)
            # THEN the server never restarted (chalice logs each restart; a request alone could
            # not tell, because a restart takes well under the reloader's poll interval)
            assert post_lock(server.base_url) == 200
        finally:
            probe.unlink(missing_ok=True)
        output = server.output()
    assert "Restarting" not in output, output


def run_make(target: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", target, *args],
        check=False,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("target", ["serve", "dev"])
def test_a_busy_api_port_is_refused_before_anything_starts(ddb_tables: Any, target: str) -> None:
    # GIVEN something (another make dev, say) already listening on the API port
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, **ddb_tables.names, "DYNAMODB_ENDPOINT": ddb_tables.endpoint}
        result = run_make(target, env, f"DEV_PORT={port}")
    # THEN one clear line and a failure, before any table is created or data seeded
    assert_refused(result, port)


def assert_refused(result: subprocess.CompletedProcess[str], port: int) -> None:
    assert result.returncode != 0
    assert f"port {port} is in use" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "seeded" not in result.stdout
    assert "created" not in result.stdout


def test_a_busy_api_port_is_refused_before_dynamodb_local_starts() -> None:
    # GIVEN make dev's own DynamoDB Local (no DYNAMODB_ENDPOINT), on a port nobody uses
    env = {k: v for k, v in os.environ.items() if k != "DYNAMODB_ENDPOINT"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        ddb_port = free_port()
        try:
            result = run_make("dev", env, f"DEV_PORT={port}", f"DYNAMODB_LOCAL_PORT={ddb_port}")
            started = port_in_use(ddb_port)
        finally:  # if this regresses, stop what make dev started in the background
            run_make("dev-stop", env, f"DYNAMODB_LOCAL_PORT={ddb_port}")
    # THEN it is refused, and no DynamoDB Local was started on that port
    assert_refused(result, port)
    assert "DynamoDB Local on" not in result.stdout
    assert not started
