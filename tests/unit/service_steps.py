"""What the card service tests share: the callers, the clock the test moves, and the commands
and concurrent changes they send over the in-memory repository (fixtures in ``conftest``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.commands import Caller, LockCard, RequestNewCard
from chalicelib.domain import Lock
from tests.fakes.repository import FakeRepository

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
API = Caller(channel="api", actor="back-office", request_id="req-api")
MCP = Caller(channel="mcp", actor="agent", request_id="req-mcp")
ALICE = {"customer_id": "CUST001", "card_id": "CARD001"}


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def lock(reason: str = "misplaced", key: str | None = None, **target: Any) -> LockCard:
    return LockCard(**{**ALICE, **target}, reason=reason, idempotency_key=key)


def order(reason: str = "damaged", key: str | None = None, **target: Any) -> RequestNewCard:
    target = {**ALICE, **target}
    return RequestNewCard(**target, reason=reason, shipping_speed="standard", idempotency_key=key)


def suspend(repo: FakeRepository, customer_id: str = "CUST001") -> None:
    repo.customers[customer_id] = replace(repo.customers[customer_id], status="suspended")


def concurrent_lock(reason: str) -> Callable[[FakeRepository], None]:
    """Another writer locking CARD001 (next version) between the service's read and write."""

    def change(repo: FakeRepository) -> None:
        card = repo.cards["CARD001"]
        held = Lock(reason=reason, channel="api", at="2026-12-02T09:59:59.000Z")
        repo.cards["CARD001"] = replace(card, status="locked", lock=held, version=card.version + 1)

    return change
