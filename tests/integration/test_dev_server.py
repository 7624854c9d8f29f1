"""``make dev``'s server keeps serving while files under the project change.

chalice local's default reloader restarts the server whenever any file under the project
changes, and ``make dev`` keeps DynamoDB Local's data file under ``.cache/``: every write the
API made restarted the server and dropped the requests that followed it (found by running the
README's curl examples one after another). ``make serve`` therefore runs without the reloader.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

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
