"""One typed command per write, built by ``write_command`` from the validated request model:
the REST body model and the MCP argument model of the same request give the same command, and
what a request leaves out comes from the model's defaults, never from the command or service."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib import models
from chalicelib.commands import (
    ActivateCard,
    LockCard,
    RequestNewCard,
    UnlockCard,
    write_command,
)
from mcp_handlers import arguments

TARGET = {"customer_id": "CUST001", "card_id": "CARD001"}


@pytest.mark.parametrize(
    ("rest", "mcp", "expected"),
    [
        (
            models.LockCardRequest,
            arguments.LockCardArgs,
            LockCard(**TARGET, reason="misplaced", idempotency_key="K1"),
        ),
        (
            models.UnlockCardRequest,
            arguments.UnlockCardArgs,
            UnlockCard(**TARGET, idempotency_key="K1"),
        ),
        (
            models.ActivateCardRequest,
            arguments.ActivateCardArgs,
            ActivateCard(**TARGET, idempotency_key="K1"),
        ),
        (
            models.RequestNewCardRequest,
            arguments.RequestNewCardArgs,
            RequestNewCard(
                **TARGET, reason="lost", shipping_speed="expedited", idempotency_key="K1"
            ),
        ),
    ],
)
def test_rest_and_mcp_requests_build_the_same_command(rest: Any, mcp: Any, expected: Any) -> None:
    fields = {**TARGET, **expected.params}
    from_rest = write_command(rest.model_validate(fields), "K1")
    from_mcp = write_command(mcp.model_validate({**fields, "idempotency_key": "K1"}), "K1")
    assert from_rest == from_mcp == expected
    assert type(from_rest) is type(expected)


def test_an_mcp_only_argument_is_not_part_of_the_command() -> None:
    args = arguments.RequestNewCardArgs.model_validate(
        {**TARGET, "reason": "lost", "confirm": True}
    )
    assert write_command(args).params == {"reason": "lost", "shipping_speed": "standard"}


def test_what_a_request_leaves_out_is_the_models_default() -> None:
    lock = write_command(models.LockCardRequest.model_validate(TARGET))
    assert lock.reason == models.LockCardRequest.model_fields["reason"].default
    order = write_command(models.RequestNewCardRequest.model_validate({**TARGET, "reason": "lost"}))
    assert (
        order.shipping_speed == models.RequestNewCardRequest.model_fields["shipping_speed"].default
    )


def test_a_command_has_no_default_of_its_own() -> None:
    with pytest.raises(TypeError):
        LockCard(**TARGET)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        RequestNewCard(**TARGET, reason="lost")  # type: ignore[call-arg]


def test_the_guards_are_carried_and_the_command_is_frozen() -> None:
    guarded = write_command(models.UnlockCardRequest.model_validate(TARGET), "K9", frozenset({3}))
    assert (guarded.idempotency_key, guarded.if_match) == ("K9", frozenset({3}))
    assert write_command(models.UnlockCardRequest.model_validate(TARGET)).idempotency_key is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        guarded.card_id = "CARD002"  # type: ignore[misc]


def test_each_write_names_its_own_operation() -> None:
    assert [kind.operation for kind in (LockCard, UnlockCard, RequestNewCard, ActivateCard)] == [
        "lock",
        "unlock",
        "request_new",
        "activate",
    ]


@pytest.mark.parametrize(
    "request_",
    [
        models.CardRef(customer_id="CUST001", card_id="CARD001"),
        arguments.GetCardHistoryArgs(customer_id="CUST001", card_id="CARD001"),
    ],
)
def test_a_request_that_is_no_write_builds_no_command(request_: Any) -> None:
    # a read's arguments name a card too; taken for a write they must not become the last
    # write checked (activate, which closes the card it replaces)
    with pytest.raises(TypeError):
        write_command(request_)
