"""Writes as the tests send them to the service: each command built the way REST and MCP build
theirs (the request model's validation and defaults, then ``write_command``), and run through
the use case its type names."""

from __future__ import annotations

from typing import Any

from chalicelib import models
from chalicelib.commands import (
    ActivateCard,
    Caller,
    LockCard,
    RequestNewCard,
    UnlockCard,
    WriteCommand,
    write_command,
)
from chalicelib.service import CardService

REQUESTS: dict[str, type[models.CardRef]] = {
    "lock": models.LockCardRequest,
    "unlock": models.UnlockCardRequest,
    "request_new": models.RequestNewCardRequest,
    "activate": models.ActivateCardRequest,
}


def command(
    operation: str,
    customer_id: str,
    card_id: str,
    params: dict[str, Any] | None = None,
    key: str | None = None,
) -> WriteCommand:
    """The command a client's ``operation`` request on one card asks for."""
    request = REQUESTS[operation](customer_id=customer_id, card_id=card_id, **(params or {}))
    return write_command(request, key)


def run(service: CardService, command: WriteCommand, caller: Caller) -> dict[str, Any]:
    """Run ``command`` through the use case of its type."""
    if isinstance(command, LockCard):
        return service.lock_card(command, caller)
    if isinstance(command, UnlockCard):
        return service.unlock_card(command, caller)
    if isinstance(command, RequestNewCard):
        return service.request_new_card(command, caller)
    assert isinstance(command, ActivateCard)
    return service.activate_card(command, caller)
