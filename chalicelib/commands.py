"""What a channel hands the service: who is calling, and which change to which card.

Plain data, shared by every channel (REST, MCP, Connect) and the service; no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Caller:
    """Who called, through which channel, under which request id."""

    channel: str
    actor: str
    request_id: str


@dataclass(frozen=True, slots=True)
class WriteCommand:
    """A change to one card, with its optional guards.

    ``if_match``: the versions the card must be at for the change to proceed (``None``: any).
    """

    operation: str
    customer_id: str
    card_id: str
    params: dict[str, Any]
    idempotency_key: str | None = None
    if_match: frozenset[int] | None = None
