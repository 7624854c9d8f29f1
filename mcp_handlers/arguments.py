"""The tools' argument models: the REST request models plus the two MCP-only arguments.

Subclassing keeps one source of truth: the ids, patterns, enums and descriptions the REST API
validates are the ones an agent sees in ``inputSchema``; only ``idempotency_key`` (a REST
client sends it as a header, an agent has no headers) and ``confirm`` are added here.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from chalicelib import models

IdempotencyKey = Field(default=None, description="Optional. " + models.IDEMPOTENCY_KEY_DESCRIPTION)


class LockCardArgs(models.LockCardRequest):
    """Arguments of the lock_card tool."""

    idempotency_key: models.IdempotencyKey | None = IdempotencyKey


class UnlockCardArgs(models.UnlockCardRequest):
    """Arguments of the unlock_card tool."""

    idempotency_key: models.IdempotencyKey | None = IdempotencyKey


class ActivateCardArgs(models.ActivateCardRequest):
    """Arguments of the activate_card tool."""

    idempotency_key: models.IdempotencyKey | None = IdempotencyKey


class RequestNewCardArgs(models.RequestNewCardRequest):
    """Arguments of the request_new_card tool."""

    idempotency_key: models.IdempotencyKey | None = IdempotencyKey
    confirm: bool = Field(
        default=False,
        description=(
            "false (default): only preview what would happen, changing nothing. true: order the "
            "card. Call with true only after the customer has agreed to the preview."
        ),
    )


ListCardsArgs = models.ListCardsRequest


class GetCardHistoryArgs(models.HistoryQuery, models.CardRef):
    """Arguments of the get_card_history tool: the card, then the page as REST's query string
    names it (same bounds, same cursor), typed as JSON is (a number, not its text)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("limit", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        """A number without a fraction is an integer to JSON Schema, hence to ``inputSchema``:
        ``20.0`` is ``20`` (a client writing its numbers as floats sends it); ``20.5``, ``true``
        and ``"20"`` stay refused."""
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
