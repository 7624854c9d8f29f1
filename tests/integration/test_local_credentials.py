"""One credential rule against a DynamoDB Local without ``-sharedDb``: the scripts seed, the app
reads, whatever credentials the environment holds.

DynamoDB Local without ``-sharedDb`` (how Amazon's own image runs) keeps one database per access
key and region. The environment here holds non-dummy credentials, as a developer's shell does;
a client that signed with them would see none of the tables the scripts made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib import runtime
from chalicelib.commands import Caller
from scripts import _common
from scripts.dynamodb_local_process import DynamoDBLocal


def test_the_emulator_runs_without_shared_db() -> None:
    """``make dev``, ``make test`` and ``make bench`` all start it through this command."""
    command = DynamoDBLocal(port=1).command("java", Path("emulator"), Path("classes"))
    assert "-sharedDb" not in command


def test_scripts_and_app_share_one_database_whatever_the_shell_has(
    ddb_tables: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a developer's own credentials in the environment
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "a-session-token")
    runtime.reset()
    # WHEN the scripts' client and the app's client talk to DynamoDB Local
    script_tables = _common.dynamodb_client(ddb_tables.endpoint).list_tables()["TableNames"]
    caller = Caller(channel="api", actor="test", request_id="req-credentials")
    cards = runtime.card_service().list_cards("CUST001", caller)
    # THEN both see the tables the fixture created through the same rule
    assert ddb_tables.names["CARDS_TABLE"] in script_tables
    assert [card["card_id"] for card in cards["cards"]] == ["CARD001", "CARD002"]
    # AND a client signing with the shell's credentials sees another, empty database
    own = boto3.session.Session().client(
        "dynamodb", endpoint_url=ddb_tables.endpoint, region_name="us-east-1"
    )
    assert ddb_tables.names["CARDS_TABLE"] not in own.list_tables()["TableNames"]
