"""DynamoDB round trips per operation, counted at the wire, against their budgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.commands import Caller
from chalicelib.runtime import card_service, dynamodb_client
from chalicelib.service import CardService
from tests.card_commands import command, run
from tests.wire_counter import WireCounter

CALLER = Caller(channel="api", actor="test", request_id="req")


@pytest.fixture
def wire(ddb_tables: Any) -> Iterator[WireCounter]:
    counter = WireCounter()
    client = dynamodb_client()
    counter.attach(client)
    yield counter
    counter.detach(client)


def write(
    service: CardService, op: str, card: str = "CARD001", key: str | None = None, **params: Any
) -> Callable[[], Any]:
    write = command(op, "CUST001", card, params, key)
    return lambda: run(service, write, CALLER)


def test_writes_take_one_read_and_one_transaction(wire: WireCounter) -> None:
    service = card_service()
    assert wire.measure(write(service, "lock")) == 2
    assert wire.sent == ["TransactGetItems", "TransactWriteItems"]
    assert wire.measure(write(service, "lock")) == 1  # no-op: read only
    assert wire.measure(write(service, "unlock")) == 2
    assert wire.measure(write(service, "request_new", key="k1", reason="damaged")) == 2
    assert wire.measure(write(service, "request_new", key="k1", reason="damaged")) == 1  # replay


def test_a_keyed_no_op_takes_a_read_and_its_record(wire: WireCounter) -> None:
    service = card_service()
    assert wire.measure(write(service, "unlock", key="noop")) == 2
    assert wire.sent == ["TransactGetItems", "TransactWriteItems"]
    assert wire.measure(write(service, "unlock", key="noop")) == 1  # its replay
    assert wire.measure(write(service, "unlock")) == 1  # unkeyed no-op: the read only


def test_a_lost_report_that_finds_another_card_takes_three(wire: WireCounter) -> None:
    service = card_service()
    pending = write(service, "request_new", reason="damaged")()["card"]["card_id"]
    # The original, reported stolen: the replacement on its way is read, nothing issued.
    assert wire.measure(write(service, "request_new", reason="stolen")) == 3
    assert wire.sent == ["TransactGetItems", "GetItem", "TransactWriteItems"]
    # The replacement, lost in the mail: the card it was to replace is read.
    assert wire.measure(write(service, "request_new", card=pending, reason="lost")) == 3


def test_activate_that_closes_the_old_card_takes_three(wire: WireCounter) -> None:
    service = card_service()
    new = write(service, "request_new", reason="damaged")()["card"]["card_id"]
    assert wire.measure(write(service, "activate", card=new)) == 3
    assert wire.sent == ["TransactGetItems", "GetItem", "TransactWriteItems"]
    assert wire.measure(write(service, "activate", card=new)) == 1


def test_reads_take_two(wire: WireCounter) -> None:
    service = card_service()
    assert wire.measure(lambda: service.list_cards("CUST001", CALLER)) == 2
    assert wire.measure(lambda: service.card_history("CUST001", "CARD001", CALLER)) == 2
