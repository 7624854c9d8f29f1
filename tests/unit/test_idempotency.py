"""Idempotency keys: scoped to customer, channel and operation; the hash covers every part of
the request; the replay mark and where REST takes it off."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib import idempotency, models
from chalicelib.commands import Caller, WriteCommand

COMMAND = WriteCommand(
    "lock", "CUST001", "CARD001", {"reason": "misplaced"}, "K1", if_match=frozenset({3})
)
API = Caller(channel="api", actor="tester", request_id="r1")


def test_the_stored_key_names_customer_channel_and_operation() -> None:
    assert idempotency.record_key(COMMAND, API) == "CUST001#api#lock#K1"
    mcp = replace(API, channel="mcp")
    assert idempotency.record_key(COMMAND, mcp) == "CUST001#mcp#lock#K1"
    assert idempotency.record_key(replace(COMMAND, idempotency_key=None), API) is None


@pytest.mark.parametrize(
    "different",
    [
        replace(COMMAND, customer_id="CUST002"),
        replace(COMMAND, operation="unlock"),
        replace(COMMAND, card_id="CARD002"),
        replace(COMMAND, params={"reason": "customer_request"}),
        replace(COMMAND, params={"reason": "misplaced", "extra": 1}),
        replace(COMMAND, if_match=frozenset({4})),
        replace(COMMAND, if_match=None),
    ],
)
def test_the_hash_covers_every_part_of_the_request(different: WriteCommand) -> None:
    assert idempotency.request_hash(different, API) != idempotency.request_hash(COMMAND, API)


def test_the_hash_ignores_who_is_asking_and_the_request_id() -> None:
    other = Caller(channel="api", actor="someone-else", request_id="r2")
    assert idempotency.request_hash(COMMAND, other) == idempotency.request_hash(COMMAND, API)
    assert idempotency.request_hash(COMMAND, replace(API, channel="mcp")) != (
        idempotency.request_hash(COMMAND, API)
    )


def test_a_replay_is_marked_and_the_mark_can_be_taken_off() -> None:
    first = {"card": {"card_id": "CARD001"}, "changed": False}
    marked = idempotency.replayed(first)
    assert marked == {**first, "replayed": True}
    assert "replayed" not in first
    assert idempotency.take_replayed(marked) is True
    assert marked == first
    assert idempotency.take_replayed(dict(first)) is False


def test_the_mark_is_a_field_of_the_mcp_write_result() -> None:
    assert idempotency.REPLAYED in models.ReplayableWriteResult.model_fields
    assert idempotency.REPLAYED not in models.WriteResult.model_fields
