"""``make dev``'s last line: the time it took, printed once the API answers ``/health``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scripts.dynamodb_local_process import free_port
from tests.doc_commands import ROOT


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def announce(port: int, since: float, pid: int) -> subprocess.CompletedProcess[str]:
    options = ["--port", str(port), "--since", str(since), "--while-pid", str(pid)]
    return subprocess.run(
        [sys.executable, "-m", "scripts.announce_api", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_prints_the_elapsed_time_once_the_api_answers() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        result = announce(port, time.time() - 41.0, os.getpid())
    finally:
        server.shutdown()
    assert result.returncode == 0
    seconds, rest = result.stdout.removeprefix("make dev: ").split("s, ", 1)
    assert 41.0 <= float(seconds) < 100.0
    assert rest == f"the seeded API answers on http://127.0.0.1:{port}\n"


def test_it_gives_up_quietly_when_make_dev_is_gone() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    result = announce(free_port(), time.time(), dead.pid)
    assert (result.returncode, result.stdout) == (1, "")
