"""The local stack a developer relies on: table scripts, the seed and DynamoDB Local itself.

``make dev`` runs these scripts on every start, so rerunning them must be harmless and their
failures must read as instructions, not tracebacks.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from chalicelib.store.tables import CUSTOMER_INDEX, PHONE_INDEX, create_table_request, table_names
from scripts import (
    create_tables,
    delete_tables,
    dynamodb_local,
    dynamodb_local_process,
    seed_data,
    seed_data_aws,
    seed_items,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stage(dynamodb_admin: Any) -> Iterator[str]:
    """A throwaway stage name whose tables are dropped after the test, whatever happened."""
    name = f"it{secrets.token_hex(4)}"
    yield name
    delete_tables.delete_tables(dynamodb_admin, table_names(name))


def scan_all(client: Any, names: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, in a stable order."""
    snapshot = {}
    for env, table in names.items():
        pages = client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        items = [item for page in pages for item in page["Items"]]
        snapshot[env] = sorted(items, key=repr)
    return snapshot


def test_create_tables_script_creates_keys_indexes_and_ttl(
    dynamodb_endpoint: str, dynamodb_admin: Any, stage: str
) -> None:
    # WHEN the script runs as a developer runs it: a file, in a fresh interpreter
    result = subprocess.run(
        [sys.executable, "-m", "scripts.create_tables", "--stage", stage],
        cwd=REPO_ROOT,
        env={**os.environ, "DYNAMODB_ENDPOINT": dynamodb_endpoint},
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN all four tables exist, with their keys, indexes, TTL and the card-events stream
    assert result.returncode == 0, result.stderr
    names = table_names(stage)
    *created, stream = result.stdout.splitlines()
    assert created == [f"created: {name}" for name in names.values()]
    described = {
        env: dynamodb_admin.describe_table(TableName=name)["Table"] for env, name in names.items()
    }
    events_table = described["CARD_EVENTS_TABLE"]
    assert events_table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    assert stream == f"stream: {events_table['LatestStreamArn']}"
    assert all(
        "StreamSpecification" not in t for e, t in described.items() if e != "CARD_EVENTS_TABLE"
    )
    assert {t["TableStatus"] for t in described.values()} == {"ACTIVE"}
    assert [k["AttributeName"] for k in described["CARD_EVENTS_TABLE"]["KeySchema"]] == [
        "card_id",
        "version",
    ]
    indexes = {
        env: [i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])]
        for env, table in described.items()
    }
    assert indexes["CUSTOMERS_TABLE"] == [PHONE_INDEX]
    assert indexes["CARDS_TABLE"] == [CUSTOMER_INDEX]
    for env in ("CARD_EVENTS_TABLE", "IDEMPOTENCY_TABLE"):
        ttl = dynamodb_admin.describe_time_to_live(TableName=names[env])["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_create_tables_rerun_reports_exists(
    dynamodb_endpoint: str, stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--stage", stage, "--endpoint", dynamodb_endpoint]
    assert create_tables.main(args) == 0
    capsys.readouterr()

    assert create_tables.main(args) == 0

    *existing, stream = capsys.readouterr().out.splitlines()
    assert existing == [f"exists: {name}" for name in table_names(stage).values()]
    assert stream.startswith("stream: arn:aws:dynamodb:")


def test_create_tables_rerun_turns_on_the_stream_of_an_older_events_table(
    dynamodb_endpoint: str, dynamodb_admin: Any, stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a card-events table created before it had a stream
    name = table_names(stage)["CARD_EVENTS_TABLE"]
    request = create_table_request("card_events", name)
    del request["StreamSpecification"]
    dynamodb_admin.create_table(**request)

    # WHEN the script runs again THEN the stream is on and its ARN printed
    assert create_tables.main(["--stage", stage, "--endpoint", dynamodb_endpoint]) == 0
    table = dynamodb_admin.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    assert capsys.readouterr().out.splitlines()[-1] == f"stream: {table['LatestStreamArn']}"


def test_delete_tables_asks_then_deletes_and_reports_missing(
    dynamodb_endpoint: str, dynamodb_admin: Any, stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--stage", stage, "--endpoint", dynamodb_endpoint]
    create_tables.main(args)
    names = list(table_names(stage).values())

    # GIVEN no terminal to answer the question: nothing is deleted
    result = subprocess.run(
        [sys.executable, "-m", "scripts.delete_tables", *args],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "nothing deleted" in result.stderr
    assert set(names) <= set(dynamodb_admin.list_tables(Limit=100)["TableNames"])

    capsys.readouterr()
    assert delete_tables.main([*args, "--yes"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"deleted: {name}" for name in names]
    assert not set(names) & set(dynamodb_admin.list_tables(Limit=100)["TableNames"])

    assert delete_tables.main([*args, "--yes"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"missing: {name}" for name in names]


def add_app_leftovers(client: Any, names: dict[str, str]) -> None:
    """What using the app leaves behind: a replacement card, new events, idempotency records."""
    put = client.put_item
    put(
        TableName=names["CARDS_TABLE"],
        Item={
            "card_id": {"S": "CARDNEW1"},
            "customer_id": {"S": "CUST001"},
            "status": {"S": "pending_activation"},
            "version": {"N": "1"},
        },
    )
    for card_id, version in [("CARDNEW1", "1"), ("CARD001", "2"), ("CARD005", "2")]:
        put(
            TableName=names["CARD_EVENTS_TABLE"],
            Item={"card_id": {"S": card_id}, "version": {"N": version}},
        )
    client.update_item(
        TableName=names["CARDS_TABLE"],
        Key={"card_id": {"S": "CARD001"}},
        UpdateExpression="SET #s = :s, version = :v",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "locked"}, ":v": {"N": "2"}},
    )
    for key in ("CUST001#lock#a", "CUST003#request_new#b"):
        put(TableName=names["IDEMPOTENCY_TABLE"], Item={"idempotency_key": {"S": key}})


def test_seed_is_repeatable_and_resets_the_demo_customers(ddb_tables: Any) -> None:
    # GIVEN freshly seeded tables (the fixture seeds them)
    client, names = ddb_tables.client, ddb_tables.names
    first = scan_all(client, names)
    assert [len(first[env]) for env in names] == [3, 5, 5, 0]

    # WHEN the app has been used, someone else has data, and the seed runs twice
    add_app_leftovers(client, names)
    other = {"idempotency_key": {"S": "CUST999#lock#keep"}}
    client.put_item(TableName=names["IDEMPOTENCY_TABLE"], Item=other)
    reset = seed_data.seed(client, names)
    second = scan_all(client, names)
    again = seed_data.seed(client, names)

    # THEN the demo customers are back to the seed, byte for byte; other data is untouched
    assert second == scan_all(client, names)
    # and only what is not part of the seed counts as removed: 1 card, 3 events, 2 records
    assert (reset["removed"], again["removed"]) == (6, 0)
    assert second["IDEMPOTENCY_TABLE"] == [other]
    assert {env: second[env] for env in names if env != "IDEMPOTENCY_TABLE"} == {
        env: first[env] for env in names if env != "IDEMPOTENCY_TABLE"
    }


def test_reseeding_untouched_data_reports_nothing_removed(
    dynamodb_endpoint: str, stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--stage", stage, "--endpoint", dynamodb_endpoint]
    assert create_tables.main(args) == 0
    assert seed_data.main(args) == 0
    capsys.readouterr()

    assert seed_data.main(args) == 0

    out = capsys.readouterr().out
    assert out.startswith(f"seeded {dynamodb_endpoint}: 3 into betterbank-customers-{stage}, ")
    assert out.endswith("; removed 0 items that are not part of the seed\n")


def test_seed_data_aws_ignores_dynamodb_endpoint_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DYNAMODB_ENDPOINT", "http://127.0.0.1:1")

    # stage local with only $DYNAMODB_ENDPOINT set: refused, so the variable was not read
    assert seed_data_aws.main(["--stage", "local"]) == 2
    assert "use scripts/seed_data.py" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        seed_data_aws.main(["--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert (
        "--endpoint ENDPOINT DynamoDB endpoint URL (default: AWS; $DYNAMODB_ENDPOINT is ignored)"
        in usage
    )


def test_seed_matches_the_spec(ddb_tables: Any) -> None:
    snapshot = scan_all(ddb_tables.client, ddb_tables.names)
    cards = {item["card_id"]["S"]: item for item in snapshot["CARDS_TABLE"]}
    summary = {
        card_id: tuple(item[a]["S"] for a in ("customer_id", "product", "brand", "last4", "status"))
        for card_id, item in cards.items()
    }
    assert summary == {
        "CARD001": ("CUST001", "debit", "visa", "4821", "active"),
        "CARD002": ("CUST001", "credit", "mastercard", "1934", "active"),
        "CARD003": ("CUST002", "debit", "visa", "7710", "active"),
        "CARD004": ("CUST002", "credit", "visa", "3056", "locked"),
        "CARD005": ("CUST003", "debit", "mastercard", "6642", "active"),
    }
    assert cards["CARD004"]["lock"]["M"]["reason"] == {"S": "customer_request"}
    absent = {"lock", "replacement_for", "replaced_by", "shipping", "closed_reason"}
    assert not absent & set(cards["CARD001"])
    phones = {i["customer_id"]["S"]: i["phone"]["S"] for i in snapshot["CUSTOMERS_TABLE"]}
    assert phones == {
        "CUST001": "+15555550101",
        "CUST002": "+15555550102",
        "CUST003": "+15555550103",
    }
    events = snapshot["CARD_EVENTS_TABLE"]
    assert {(e["card_id"]["S"], e["version"]["N"], e["type"]["S"]) for e in events} == {
        (card_id, "1", "issued") for card_id in cards
    }
    for event in events:
        occurred = seed_items.epoch_seconds(event["occurred_at"]["S"])
        assert int(event["expires_at"]["N"]) - occurred == 396 * 24 * 3600


def test_scripts_fail_in_one_line_when_dynamodb_is_down(
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = f"http://127.0.0.1:{dynamodb_local_process.free_port()}"

    assert create_tables.main(["--endpoint", endpoint]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach DynamoDB at {endpoint}")
    assert len(err.splitlines()) == 1


def listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on ``port`` (Linux ``/proc/net``)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            # /proc prints each 32-bit word in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(words)))
    return found


@pytest.mark.skipif(
    bool(os.environ.get("DYNAMODB_ENDPOINT")), reason="an external DynamoDB is not ours to check"
)
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net")
def test_dynamodb_local_listens_on_loopback_only(dynamodb_endpoint: str) -> None:
    port = urlparse(dynamodb_endpoint).port
    assert port is not None

    addresses = listening_addresses(port)

    assert addresses
    for address in addresses:
        parsed = ipaddress.ip_address(address)
        mapped = getattr(parsed, "ipv4_mapped", None)
        assert (mapped or parsed).is_loopback, f"DynamoDB Local listens on {address}"


def test_start_defers_to_dynamodb_endpoint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DYNAMODB_ENDPOINT", "http://127.0.0.1:1")

    assert dynamodb_local.main(["start", "--port", "1"]) == 0

    assert "using http://127.0.0.1:1" in capsys.readouterr().out
