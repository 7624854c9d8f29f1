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
            # THEN the same server still answers, and never restarted
            assert post_lock(server.base_url) == 200
        finally:
            probe.unlink(missing_ok=True)
        output = server.output()
    assert "Restarting" not in output, output
    assert "--no-autoreload" in output


def run_make(target: str, port: int, ddb_tables: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ddb_tables.names, "DYNAMODB_ENDPOINT": ddb_tables.endpoint}
    return subprocess.run(
        ["make", "--no-print-directory", target, f"DEV_PORT={port}"],
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
        result = run_make(target, port, ddb_tables)
    # THEN one clear line and a failure, before any table is created or data seeded
    assert result.returncode != 0
    assert f"port {port} is in use" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "seeded" not in result.stdout
    assert "created" not in result.stdout
