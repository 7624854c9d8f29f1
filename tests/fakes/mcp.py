"""A fake card service for MCP unit tests: canned, model-valid answers and scripted refusals.

It satisfies ``mcp_handlers.tools.CardOperations`` (mypy checks the tests' use of it), records
every call, and never touches AWS, so the protocol code is tested without DynamoDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib import commands, errors, models
from chalicelib.commands import Caller

UPDATED_AT = "2026-11-28T12:00:00Z"


def card(card_id: str, status: str = "active", customer_id: str = "CUST001") -> dict[str, Any]:
    """A card as the service returns it (shaped by the same response model)."""
    return models.dump(
        models.CardView,
        {
            "card_id": card_id,
            "customer_id": customer_id,
            "product": "debit",
            "brand": "visa",
            "last4": "4821",
            "expiry": "08/29",
            "status": status,
            "version": 2,
            "updated_at": UPDATED_AT,
        },
    )


SHIPPING = {"speed": "standard", "estimated_delivery": "2026-12-04", "address_summary": "Portland"}


@dataclass
class FakeCardService:
    """Answers like ``CardService``; ``refusals[card_id]`` is raised for that card, and
    ``crash`` makes every call fail the way a bug would."""

    refusals: dict[str, errors.CardOpsError] = field(default_factory=dict)
    crash: bool = False
    calls: list[tuple[str, Any, Caller]] = field(default_factory=list)

    def _record(self, method: str, subject: Any, caller: Caller, card_id: str) -> None:
        self.calls.append((method, subject, caller))
        if self.crash:
            raise RuntimeError("boom: arn:aws:dynamodb:us-east-1:123456789012:table/secret")
        if card_id in self.refusals:
            raise self.refusals[card_id]

    def _write(
        self, method: str, command: commands.CardCommand, caller: Caller, status: str
    ) -> Any:
        self._record(method, command, caller, command.card_id)
        return models.dump(
            models.WriteResult, {"card": card(command.card_id, status), "changed": True}
        )

    def lock_card(self, command: commands.LockCard, caller: Caller) -> dict[str, Any]:
        """Locks, as far as the caller can tell."""
        result: dict[str, Any] = self._write("lock_card", command, caller, "locked")
        return result

    def unlock_card(self, command: commands.UnlockCard, caller: Caller) -> dict[str, Any]:
        """Unlocks."""
        result: dict[str, Any] = self._write("unlock_card", command, caller, "active")
        return result

    def activate_card(self, command: commands.ActivateCard, caller: Caller) -> dict[str, Any]:
        """Activates."""
        result: dict[str, Any] = self._write("activate_card", command, caller, "active")
        return result

    def request_new_card(self, command: commands.RequestNewCard, caller: Caller) -> dict[str, Any]:
        """Orders a replacement CARD900 and closes the old card."""
        self._record("request_new_card", command, caller, command.card_id)
        new = {**card("CARD900", "pending_activation"), "shipping": SHIPPING}
        closed = {**card(command.card_id, "closed"), "replaced_by": "CARD900"}
        return models.dump(
            models.WriteResult, {"card": new, "changed": True, "replaced_card": closed}
        )

    def preview_new_card(self, command: commands.RequestNewCard, caller: Caller) -> dict[str, Any]:
        """Says what ordering would do."""
        self._record("preview_new_card", command, caller, command.card_id)
        return models.dump(
            models.ReplacementPreview,
            {
                "card": card(command.card_id),
                "closes_current_card_now": command.reason in {"lost", "stolen"},
                "shipping": SHIPPING,
                "message": "Nothing has changed yet.",
            },
        )

    def list_cards(self, customer_id: str, caller: Caller) -> dict[str, Any]:
        """The customer's one card."""
        self._record("list_cards", customer_id, caller, "")
        return models.dump(
            models.CardList, {"customer_id": customer_id, "cards": [card("CARD001")]}
        )

    def card_history(
        self, customer_id: str, card_id: str, caller: Caller, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        """One lock event, and a cursor to more unless a cursor was given."""
        self._record("card_history", (customer_id, card_id, limit, cursor), caller, card_id)
        event = {
            "card_id": card_id,
            "version": 2,
            "type": "locked",
            "from_status": "active",
            "to_status": "locked",
            "reason": "misplaced",
            "channel": caller.channel,
            "actor": caller.actor,
            "request_id": caller.request_id,
            "occurred_at": UPDATED_AT,
        }
        page = {"card_id": card_id, "events": [event], "next_cursor": None if cursor else "next"}
        return models.dump(models.EventPage, page)


MCP_CALLER = Caller(channel="mcp", actor="mcp", request_id="req-unit")


def no_service() -> FakeCardService:
    """The service provider of a request that must never reach the service."""
    raise AssertionError("this request must not reach the card service")
