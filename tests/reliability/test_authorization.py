"""Authorization matrix: every operation x {own, other customer's, missing, malformed card} x
{REST, MCP Gateway event, MCP JSON-RPC body event, POST /mcp}.

Another customer's card gets exactly the answer a card that does not exist gets (apart from
request ids), so nobody can probe for cards; nothing of the other customer changes; malformed
ids are validation errors; and a suspended customer is refused on every operation and channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app
from tests.reliability.channels import CHANNELS, WRITES, Channels
from tests.reliability.world import World

OPERATIONS = (*WRITES, "list", "history")
MISSING = "CARD0NOSUCHCARD0"
MALFORMED = "card-001'; --"


def arguments(operation: str, customer: str, card: str) -> dict[str, Any]:
    args: dict[str, Any] = {"customer_id": customer, "card_id": card}
    if operation == "request_new":
        args["reason"] = "damaged"
    if operation == "list":
        del args["card_id"]
    return args


@pytest.fixture
def channels(ddb_tables: Any, tmp_path: Path) -> Iterator[Channels]:
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Channels(client)


def state_of(world: World, customer: str) -> list[Any]:
    cards = sorted(world.cards_of(customer), key=lambda c: c["card_id"])
    return [(c, world.events(c["card_id"])) for c in cards]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("operation", [*WRITES, "history"])
def test_other_customers_card_is_answered_as_missing(
    world: World, channels: Channels, operation: str, channel: str
) -> None:
    me = world.seed_customer(["active"])
    other = world.seed_customer(["active", "locked"])
    theirs_before = state_of(world, other.customer_id)
    mine_before = state_of(world, me.customer_id)

    theirs = [
        channels.send(channel, operation, arguments(operation, me.customer_id, card))
        for card in other.card_ids
    ]
    missing = channels.send(channel, operation, arguments(operation, me.customer_id, MISSING))
    malformed = channels.send(channel, operation, arguments(operation, me.customer_id, MALFORMED))

    assert missing.code == "CARD_NOT_FOUND", missing
    for answer in theirs:
        assert (answer.code, answer.status, answer.raw) == (
            missing.code,
            missing.status,
            missing.raw,
        )
    assert malformed.code == "VALIDATION_ERROR", malformed
    assert MALFORMED not in malformed.raw  # input is not echoed
    if channel == "rest":
        assert (missing.status, malformed.status) == (404, 400)
    assert state_of(world, other.customer_id) == theirs_before
    assert state_of(world, me.customer_id) == mine_before

    own = channels.send(channel, operation, arguments(operation, me.customer_id, me.card_ids[0]))
    assert own.code == "OK", own  # activate on an active card: OK, changed false
    assert state_of(world, other.customer_id) == theirs_before


@pytest.mark.parametrize("channel", CHANNELS)
def test_list_shows_only_the_customers_own_cards(
    world: World, channels: Channels, channel: str
) -> None:
    me = world.seed_customer(["active", "active"])
    world.seed_customer(["active"])
    answer = channels.send(channel, "list", {"customer_id": me.customer_id})
    assert answer.code == "OK"
    assert sorted(c["card_id"] for c in answer.data["cards"]) == sorted(me.card_ids)
    nobody = channels.send(channel, "list", {"customer_id": "CUST0NOSUCH0"})
    assert nobody.code == "AUTH_FAILED"


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_suspended_customer_is_refused_everywhere(
    world: World, channels: Channels, channel: str
) -> None:
    me = world.seed_customer(["active", "locked"], customer_status="suspended")
    before = world.dump()
    for operation in OPERATIONS:
        for card in me.card_ids:
            answer = channels.send(channel, operation, arguments(operation, me.customer_id, card))
            assert answer.code == "AUTH_FAILED", (operation, answer)
            assert answer.data["message"] == "Authentication failed. Customer not found."
            if channel == "rest":
                assert answer.status == 401
    assert world.dump() == before
