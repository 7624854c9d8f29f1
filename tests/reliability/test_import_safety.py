"""Importing ``app`` opens no socket and creates no AWS client or session, and leaves the
garbage collector as it found it, with what the import created frozen out of its generations.

Run in a fresh interpreter, so nothing imported earlier by the test session can hide a client
made at import time. Inside it, every socket connect raises, and botocore's client and session
constructors are wrapped to count calls; the import must leave every counter at zero.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = r"""
import json, socket, sys

attempts = []

def refuse(self, *args, **kwargs):
    attempts.append(repr(args)[:80])
    raise OSError("network blocked during import")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda *a, **k: refuse(None, *a)

import botocore.client, botocore.session

counts = {"clients": 0, "sessions": 0}

def counting(cls, key):
    original = cls.__init__
    def init(self, *args, **kwargs):
        counts[key] += 1
        original(self, *args, **kwargs)
    cls.__init__ = init

counting(botocore.client.BaseClient, "clients")
counting(botocore.session.Session, "sessions")

import app  # noqa: F401

counts["sockets"] = len(attempts)
counts["has_app"] = hasattr(app, "app")
print(json.dumps(counts))
"""


def test_importing_app_makes_no_network_call_and_no_client() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == {"clients": 0, "sessions": 0, "sockets": 0, "has_app": True}


def test_the_probe_would_see_a_client_made_at_import() -> None:
    """The probe itself can fail: a module that builds a client at import is caught."""
    probe = PROBE.replace(
        "import app  # noqa: F401",
        "import app\nimport botocore.session as s\n"
        "s.Session().create_client('dynamodb', region_name='us-east-1')",
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["clients"] == 1
    assert counts["sessions"] == 1


GC_AFTER_IMPORT = """
import gc, json
{before}
import app
print(json.dumps({{"collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}}))
"""


@pytest.mark.parametrize("collecting", [True, False])
def test_importing_app_leaves_the_collector_as_it_was_with_the_imports_frozen(
    collecting: bool,
) -> None:
    # The collector pauses while the app is imported (a cold start's objects all live on), and
    # what the import created is frozen, so no later collection walks it.
    before = "" if collecting else "gc.disable()"
    script = GC_AFTER_IMPORT.format(before=before)
    out = subprocess.check_output([sys.executable, "-c", script], cwd=ROOT, text=True, timeout=60)
    state = json.loads(out.strip().splitlines()[-1])
    assert state["collecting"] is collecting
    assert state["frozen"] > 10_000  # pydantic, Chalice and the app's modules, at least
