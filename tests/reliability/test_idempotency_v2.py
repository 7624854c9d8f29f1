"""Idempotency keys through every entry point: every keyed answer is kept, no-ops included;
a key belongs to one customer, operation and channel; the same key with anything different is
refused; and a replayed answer says so (REST header, MCP ``replayed`` in the result).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from chalice.test import Client

from app import app
from mcp_handlers.tools import TOOLS_BY_NAME
from tests.reliability.channels import CHANNELS, TOOLS, Answer, Channels
from tests.reliability.test_card_safety import MCP_CHANNELS, fraud_lock, ref
from tests.reliability.world import World


@pytest.fixture
def channels(ddb_tables: Any, tmp_path: Path) -> Iterator[Channels]:
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Channels(client)


def is_replay(answer: Answer) -> bool:
    """Whether the answer is marked as replayed, the way its channel marks it."""
    if answer.channel == "rest":
        assert "replayed" not in answer.data  # the body is the first answer's, byte for byte
        headers = {name.lower(): value for name, value in answer.headers.items()}
        return headers.get("idempotent-replayed") == "true"
    return answer.data.get("replayed") is True


def first_answer(answer: Answer) -> dict[str, Any]:
    return {k: v for k, v in answer.data.items() if k != "replayed"}


# -- 4. a no-op answer is kept under its key ---------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_keyed_no_op_is_replayed_not_applied_later(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["locked"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    args = ref(customer, card, reason="customer_request")
    # GIVEN a keyed lock of a card already locked: changed false
    noop = channels.send(channel, "lock", args, key="K-noop")
    assert (noop.code, noop.data["changed"], is_replay(noop)) == ("OK", False, False)
    # AND the card is unlocked afterwards
    assert channels.send(channel, "unlock", ref(customer, card)).code == "OK"
    before = world.dump()
    # WHEN the identical request is retried with the same key
    retry = channels.send(channel, "lock", args, key="K-noop")
    # THEN it answers the stored no-op, marked as a replay, and locks nothing
    assert retry.code == "OK", retry
    assert is_replay(retry)
    assert first_answer(retry) == noop.data
    assert world.dump() == before
    assert world.card(card)["status"] == "active"  # type: ignore[index]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_key_first_used_on_a_no_op_is_refused_for_another_request(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["active", "active"])
    customer = seeded.customer_id
    card, other = seeded.card_ids
    noop = channels.send(channel, "unlock", ref(customer, card), key="K-used")
    assert noop.data["changed"] is False
    before = world.dump()
    answer = channels.send(channel, "unlock", ref(customer, other), key="K-used")
    assert answer.code == "IDEMPOTENCY_KEY_REUSED", answer
    assert world.dump() == before


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_changed_keyed_answer_is_marked_when_replayed(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    args = ref(customer, card, reason="damaged")
    first = channels.send(channel, "request_new", args, key="K-order")
    assert (first.code, is_replay(first)) == ("OK", False)
    before = world.dump()
    again = channels.send(channel, "request_new", args, key="K-order")
    assert is_replay(again)
    assert first_answer(again) == first.data
    assert world.dump() == before
    other = channels.send(channel, "request_new", {**args, "reason": "expiring"}, key="K-order")
    assert other.code == "IDEMPOTENCY_KEY_REUSED"


def test_rest_if_match_is_part_of_the_request(world: World, channels: Channels) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    body = json.dumps(ref(customer, card))
    headers = {"Content-Type": "application/json", "Idempotency-Key": "K-match"}
    first = channels.client.http.post(
        "/v1/cards/lock", headers={**headers, "If-Match": '"1"'}, body=body
    )
    assert first.status_code == 200
    second = channels.client.http.post(
        "/v1/cards/lock", headers={**headers, "If-Match": '"2"'}, body=body
    )
    assert second.status_code == 422
    assert json.loads(second.body)["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


# -- 5. a key is bound to its channel ----------------------------------------------------------


@pytest.mark.parametrize("channel", MCP_CHANNELS)
def test_a_back_office_key_never_answers_an_agent(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    fraud_lock(channels, customer, card)
    unlocked = channels.send("rest", "unlock", ref(customer, card), key="K-office")
    assert (unlocked.code, unlocked.data["changed"]) == ("OK", True)
    fraud_lock(channels, customer, card)
    before = world.dump()
    answer = channels.send(channel, "unlock", ref(customer, card), key="K-office")
    assert answer.code == "UNLOCK_NOT_PERMITTED", answer
    assert world.dump() == before
    assert world.card(card)["status"] == "locked"  # type: ignore[index]


# -- the marked answer still matches the tool's output schema --------------------------------------


@pytest.mark.parametrize("channel", MCP_CHANNELS)
@pytest.mark.parametrize("operation", ["lock", "unlock", "request_new", "activate"])
def test_a_replayed_mcp_result_matches_the_output_schema(
    world: World, channels: Channels, channel: str, operation: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    args = ref(customer, card, **({"reason": "damaged"} if operation == "request_new" else {}))
    channels.send(channel, operation, args, key="K-schema")
    replay = channels.send(channel, operation, args, key="K-schema")
    assert replay.code == "OK", replay
    assert replay.data["replayed"] is True
    schema = TOOLS_BY_NAME[TOOLS[operation]].definition()["outputSchema"]
    jsonschema.validate(replay.data, schema)
