"""Idempotency keys: where a keyed answer is stored, what makes two requests the same, and how a
replayed answer is marked.

A record is scoped to the customer, the channel and the operation, so a key the back office
used can never answer an agent (the fraud rules differ by channel), and it remembers a hash of
every parameter of the request: the same key with anything different is refused, never
answered with a stored reply to another question. Every successful answer to a keyed request
is recorded, no-op answers included, in the transaction that makes the change (or, for a no-op,
in one that checks the card is still at the version the answer describes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.commands import Caller, CardCommand

#: The field a replayed answer carries (MCP results); REST turns it into a header.
REPLAYED = "replayed"
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A stored answer to a keyed request (a change or a no-op); ``expires_at`` (epoch
    seconds) is set on a record read back."""

    key: str
    request_hash: str
    response: dict[str, Any]
    expires_at: int | None = None

    def expired(self, now_epoch: int) -> bool:
        """Whether the record is past its lifetime: DynamoDB deletes expired items only
        eventually (typically within days) and returns them until then, so a key past its
        24 hours is treated as never used."""
        return self.expires_at is not None and self.expires_at <= now_epoch


def record_key(command: CardCommand, caller: Caller) -> str | None:
    """The stored key, ``customer#channel#operation#client_key`` (``None`` when unkeyed); the
    operation is the command type's own, so a key used to lock can never answer an unlock."""
    if command.idempotency_key is None:
        return None
    return "#".join(
        (command.customer_id, caller.channel, command.operation, command.idempotency_key)
    )


def request_hash(command: CardCommand, caller: Caller) -> str:
    """A hash of everything the request asks: who, through which channel, which operation on
    which card, every parameter and the ``If-Match`` guard."""
    canonical = json.dumps(
        {
            "customer_id": command.customer_id,
            "channel": caller.channel,
            "operation": command.operation,
            "card_id": command.card_id,
            "params": command.params,
            "if_match": None if command.if_match is None else sorted(command.if_match),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def replayed(response: dict[str, Any]) -> dict[str, Any]:
    """A stored answer, marked as replayed."""
    return {**response, REPLAYED: True}


def take_replayed(data: dict[str, Any]) -> bool:
    """Remove the replay mark from an answer; whether it was there (REST sends a header)."""
    return data.pop(REPLAYED, False) is True
