"""The published card event: one pydantic model is the contract, its JSON Schema the document.

``docs/card-event.schema.json`` is generated from ``CardEventDetail`` (``python -m
chalicelib.publishing.detail``) and a test fails when the committed file drifts from it. The
detail carries ids, statuses and ``last4`` only: never a phone number, e-mail, address or name.
Adding an optional field keeps ``schema_version`` 1; renaming, removing or retyping one is a new
version.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.card_numbers import contains_card_number
from chalicelib.domain import CardStatus, Channel
from chalicelib.models import CARD_ID_PATTERN, CUSTOMER_ID_PATTERN

SOURCE: Final = "betterbank.cards"
SCHEMA_VERSION: Final = 1
BUS_BASE_NAME: Final = "betterbank-cards"
SCHEMA_PATH: Final = Path(__file__).resolve().parents[2] / "docs" / "card-event.schema.json"

#: ``detail-type`` of each event type the lifecycle writes; any other type gets
#: "Card" and its words (``fraud_hold`` -> "Card Fraud Hold"), so a new type is never stuck.
DETAIL_TYPES: Final = {
    "issued": "Card Issued",
    "locked": "Card Locked",
    "lock_escalated": "Card Lock Escalated",
    "unlocked": "Card Unlocked",
    "replacement_requested": "Replacement Requested",
    "activated": "Card Activated",
    "closed": "Card Closed",
}


def detail_type(event_type: str) -> str:
    """The EventBridge ``detail-type`` of an event type."""
    return DETAIL_TYPES.get(event_type) or "Card " + event_type.replace("_", " ").title()


def bus_name(stage: str) -> str:
    """The stage's event bus (stage ``local`` has no suffix, as its tables have none)."""
    return BUS_BASE_NAME if stage == "local" else f"{BUS_BASE_NAME}-{stage}"


class CardEventDetail(BaseModel):
    """The detail of every card event: one change of one card, at the version it produced."""

    # Every field is always sent (null included), so the schema says each is required.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="CardEventDetail",
        json_schema_serialization_defaults_required=True,
        defer_build=True,
    )

    schema_version: Literal[1] = Field(
        default=SCHEMA_VERSION, description="Version of this schema; additive changes keep it."
    )
    event_id: str = Field(
        pattern=r"^CARD[0-9A-Z]{3,32}:[1-9][0-9]*$",
        description="card_id:version, unique per change: de-duplicate deliveries on it.",
        examples=["CARD001:2"],
    )
    type: str = Field(
        pattern=r"^[a-z][a-z_]{1,40}$",
        description="The change, as the card's history names it: issued, locked, "
        "lock_escalated, unlocked, replacement_requested, activated, closed.",
    )
    card_id: str = Field(pattern=CARD_ID_PATTERN, description="The card that changed.")
    customer_id: str = Field(pattern=CUSTOMER_ID_PATTERN, description="The card's owner.")
    version: int = Field(
        ge=1, description="The card's version after the change; increases by one per change."
    )
    from_status: CardStatus | Literal["none"] = Field(
        description="Status before the change (none: the card was just issued)."
    )
    to_status: CardStatus = Field(description="Status after the change.")
    reason: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z_]{1,40}$",
        description="Why: the lock or replacement reason, replaced, or null.",
    )
    channel: Channel = Field(
        description="Where the change was asked for: api (back office), mcp (AI agent), connect."
    )
    actor: str = Field(
        max_length=256, description="Who asked: the IAM principal, the agent gateway, or api/mcp."
    )
    occurred_at: str = Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$",
        json_schema_extra={"format": "date-time"},
        description="When the change was committed, ISO-8601 UTC (as in the card's history).",
        examples=["2026-12-01T09:30:00.000Z"],
    )
    last4: str = Field(pattern=r"^[0-9]{4}$", description="Last four digits of the card number.")

    @field_validator("occurred_at")
    @classmethod
    def _a_real_instant(cls, value: str) -> str:
        """The pattern admits 2026-02-30; the ``Time`` of the entry needs a real date."""
        datetime.fromisoformat(value)  # ValueError: pydantic's ValidationError
        return value

    @field_validator("actor")
    @classmethod
    def _no_personal_data(cls, value: str) -> str:
        """An actor is an id: never an e-mail address (an SSO session name) or a card number."""
        if "@" in value or contains_card_number(value):
            raise ValueError("actor holds personal data")
        return value

    @classmethod
    def from_event_item(cls, values: dict[str, Any]) -> CardEventDetail:
        """The detail of a stored event item (a plain mapping; raises ``ValidationError``)."""
        fields = {k: values.get(k) for k in cls.model_fields if k not in ("schema_version",)}
        fields["event_id"] = f"{values.get('card_id')}:{values.get('version')}"
        fields["actor"] = _without_personal_data(fields["actor"], fields["channel"])
        return cls.model_validate({k: v for k, v in fields.items() if v is not None})

    def entry(self, bus: str) -> dict[str, Any]:
        """The ``PutEvents`` entry that publishes this detail on ``bus``."""
        return {
            "Source": SOURCE,
            "DetailType": detail_type(self.type),
            "Detail": self.model_dump_json(),
            "EventBusName": bus,
            "Time": datetime.fromisoformat(self.occurred_at),
        }


def _without_personal_data(actor: Any, channel: Any) -> Any:
    """The stored actor as published: an IAM principal whose session name is an e-mail address
    (IAM Identity Center's) loses that part; one still holding personal data becomes its
    channel, as an anonymous caller's actor is."""
    if not isinstance(actor, str):
        return actor
    kept = "/".join(part for part in actor.split("/") if "@" not in part)
    if kept and "@" not in kept and not contains_card_number(kept):
        return kept
    return channel


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``detail``, as committed in docs/."""
    schema = CardEventDetail.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://betterbank.example/schemas/card-event/v1.json",
        **schema,
    }


def json_schema_text() -> str:
    """The committed file's exact text."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the JSON Schema to docs/ (or ``--out``)."""
    parser = argparse.ArgumentParser(description="Write the card event's JSON Schema.")
    parser.add_argument("--out", type=Path, default=SCHEMA_PATH)
    args = parser.parse_args(argv)
    args.out.write_text(json_schema_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
