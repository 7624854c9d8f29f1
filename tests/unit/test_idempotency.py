"""Idempotency keys: scoped to customer, channel and operation; the hash covers every part of
the request; the replay mark and where REST takes it off."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib import idempotency, models
from chalicelib.commands import (
    ActivateCard,
    Caller,
    CardCommand,
    LockCard,
    RequestNewCard,
    UnlockCard,
)

COMMAND = LockCard(
    customer_id="CUST001",
    card_id="CARD001",
    reason="misplaced",
    idempotency_key="K1",
    if_match=frozenset({3}),
)
API = Caller(channel="api", actor="tester", request_id="r1")


def test_the_stored_key_names_customer_channel_and_operation() -> None:
    assert idempotency.record_key(COMMAND, API) == "CUST001#api#lock#K1"
    mcp = replace(API, channel="mcp")
    assert idempotency.record_key(COMMAND, mcp) == "CUST001#mcp#lock#K1"
    assert idempotency.record_key(replace(COMMAND, idempotency_key=None), API) is None


def test_the_operation_in_the_key_is_the_command_types_own() -> None:
    target = {"customer_id": "CUST001", "card_id": "CARD001", "idempotency_key": "K1"}
    keys = {
        idempotency.record_key(UnlockCard(**target), API),
        idempotency.record_key(ActivateCard(**target), API),
        idempotency.record_key(
            RequestNewCard(**target, reason="lost", shipping_speed="standard"), API
        ),
    }
    assert keys == {
        "CUST001#api#unlock#K1",
        "CUST001#api#activate#K1",
        "CUST001#api#request_new#K1",
    }


#: Keys and hashes as records stored before commands were typed hold them: a change to either
#: would make every stored record miss (a retry in flight would change the card a second time)
#: or refuse its own retry as IDEMPOTENCY_KEY_REUSED.
STORED = [
    (
        COMMAND,
        "CUST001#api#lock#K1",
        "c4285e7c83f72782cd32227d991e257444af71b1f32c23e0ff2a85851e1b99af",
    ),
    (
        RequestNewCard(
            customer_id="CUST001",
            card_id="CARD001",
            reason="lost",
            shipping_speed="standard",
            idempotency_key="K2",
        ),
        "CUST001#api#request_new#K2",
        "6d63ad2f5cf85c46dde566e7bff110da501d2b2ffe62865bfb1afa8e08a4aecf",
    ),
    (
        UnlockCard(customer_id="CUST001", card_id="CARD001", idempotency_key="K3"),
        "CUST001#api#unlock#K3",
        "14ce7be766e7ea308fc4fdb280cb8e5fe568b18fb56deb8ed81540e9d8c1d7d2",
    ),
]


@pytest.mark.parametrize(("command", "key", "digest"), STORED)
def test_records_stored_by_the_previous_release_still_match(
    command: CardCommand, key: str, digest: str
) -> None:
    assert idempotency.record_key(command, API) == key
    assert idempotency.request_hash(command, API) == digest


@pytest.mark.parametrize(
    ("base", "different"),
    [
        (COMMAND, replace(COMMAND, customer_id="CUST002")),
        (
            UnlockCard(customer_id="CUST001", card_id="CARD001"),
            ActivateCard(customer_id="CUST001", card_id="CARD001"),
        ),
        (COMMAND, UnlockCard(customer_id="CUST001", card_id="CARD001", if_match=frozenset({3}))),
        (COMMAND, replace(COMMAND, card_id="CARD002")),
        (COMMAND, replace(COMMAND, reason="customer_request")),
        (
            RequestNewCard(
                customer_id="CUST001", card_id="CARD001", reason="lost", shipping_speed="standard"
            ),
            RequestNewCard(
                customer_id="CUST001", card_id="CARD001", reason="lost", shipping_speed="expedited"
            ),
        ),
        (COMMAND, replace(COMMAND, if_match=frozenset({4}))),
        (COMMAND, replace(COMMAND, if_match=None)),
    ],
)
def test_the_hash_covers_every_part_of_the_request(
    base: CardCommand, different: CardCommand
) -> None:
    assert idempotency.request_hash(different, API) != idempotency.request_hash(base, API)


def test_the_params_are_what_the_change_asks_beyond_its_card_and_guards() -> None:
    assert COMMAND.params == {"reason": "misplaced"}
    assert UnlockCard(customer_id="CUST001", card_id="CARD001").params == {}
    order = RequestNewCard(
        customer_id="CUST001", card_id="CARD001", reason="lost", shipping_speed="standard"
    )
    assert order.params == {"reason": "lost", "shipping_speed": "standard"}


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
