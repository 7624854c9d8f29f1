"""What the model-based test sends and counts: requests, strategies, figures, and the model's
view of a card (shared by ``card_machine`` and the report)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

CHANNELS = ("api", "mcp", "connect")
LOCK_REASONS = ("customer_request", "misplaced", "suspected_fraud")
REPLACEMENT_REASONS = ("lost", "stolen", "damaged", "expiring")
SPEEDS = ("standard", "expedited")
KEYS = st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"]))
CHANNEL = st.sampled_from(CHANNELS)


@dataclass
class Figures:
    """What the runs did, for the report: examples, steps, calls by outcome."""

    examples: int = 0
    steps: int = 0
    #: rule steps of each example that reached teardown
    steps_per_example: list[int] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)


def card_observable(view: dict[str, Any]) -> dict[str, Any]:
    """The model's fields of a card, read from a response or a stored item."""
    lock = view.get("lock")
    return {
        "status": view["status"],
        "version": view["version"],
        "lock_reason": lock["reason"] if lock else None,
        "replacement_for": view.get("replacement_for"),
        "replaced_by": view.get("replaced_by"),
        "closed_reason": view.get("closed_reason"),
    }


@dataclass(frozen=True)
class Request:
    """One write as a client sends it."""

    op: str
    customer: str
    card: str
    params: dict[str, Any]
    key: str | None = None
    channel: str = "api"

    @property
    def scope(self) -> tuple[str, str, str, str]:
        """Where its idempotency key lives: per customer, channel and operation."""
        return (self.customer, self.channel, self.op, self.key or "")
