"""The pydantic models at the edge: request validation, responses, OpenAPI and MCP schemas.

One model per shape serves every channel: the REST routes validate bodies with it, the OpenAPI
document and the MCP tool schemas are generated from it. Nothing else describes these shapes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib import errors
from chalicelib.domain.model import (
    CardBrand,
    CardProduct,
    CardStatus,
    LockReason,
    ReplacementReason,
    ShippingSpeed,
)
from chalicelib.validation import refuse_card_number

CUSTOMER_ID_PATTERN = r"^CUST[0-9A-Z]{3,32}$"
CARD_ID_PATTERN = r"^CARD[0-9A-Z]{3,32}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,255}$"
#: The largest card version any input may name (If-Match, a history cursor): a card changes a
#: few times a year, and DynamoDB would refuse a number past its 38 digits with a 500.
MAX_VERSION = 999_999_999_999

# Every id and key is stored, logged and echoed, so none may carry a card number.
CustomerId = Annotated[
    str,
    Field(
        pattern=CUSTOMER_ID_PATTERN,
        description="The customer's id: CUST followed by 3-32 digits or capital letters.",
        examples=["CUST001"],
    ),
    AfterValidator(refuse_card_number),
]
CardId = Annotated[
    str,
    Field(
        pattern=CARD_ID_PATTERN,
        description="The card's id: CARD followed by 3-32 digits or capital letters.",
        examples=["CARD001"],
    ),
    AfterValidator(refuse_card_number),
]
IDEMPOTENCY_KEY_DESCRIPTION = (
    "A unique string for this request (e.g. a UUID): 1-255 letters, digits or . _ : -, never a "
    "card number. Retrying with the same key returns the first answer instead of applying the "
    "change twice."
)
IdempotencyKey = Annotated[
    str, Field(pattern=IDEMPOTENCY_KEY_PATTERN), AfterValidator(refuse_card_number)
]


class _Model(BaseModel):
    """Every model here builds its validator on first use, not at import: a cold start pays
    only for the models its first request needs (docs/PERFORMANCE.md)."""

    model_config = ConfigDict(defer_build=True)


class _Strict(_Model):
    model_config = ConfigDict(extra="forbid", strict=True)


class CardRef(_Strict):
    """Identifies one card of one customer."""

    customer_id: CustomerId
    card_id: CardId


class LockCardRequest(CardRef):
    """Lock a card so no new payment goes through."""

    reason: LockReason = Field(
        default="customer_request",
        description=(
            "Why the card is locked: customer_request (default), misplaced, or suspected_fraud "
            "(a fraud lock can only be lifted by the bank's back office)."
        ),
    )


class UnlockCardRequest(CardRef):
    """Unlock a locked card."""


class ActivateCardRequest(CardRef):
    """Activate a newly issued replacement card."""


class RequestNewCardRequest(CardRef):
    """Order a replacement card."""

    reason: ReplacementReason = Field(
        description=(
            "Why a new card is needed: lost or stolen (the current card is closed at once), "
            "damaged or expiring (it keeps working until the new card is activated)."
        ),
    )
    shipping_speed: ShippingSpeed = Field(
        default="standard",
        description="standard (5 business days, default) or expedited (2 business days).",
    )


class ListCardsRequest(_Strict):
    """Identifies a customer."""

    customer_id: CustomerId


HISTORY_DEFAULT_LIMIT = 20
HISTORY_MAX_LIMIT = 100


class HistoryQuery(_Model):
    """Which page of a card's history to read, from the query string (unknown parameters are
    refused, as unknown body fields are; numbers arrive as text, hence not strict)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(
        default=HISTORY_DEFAULT_LIMIT,
        ge=1,
        le=HISTORY_MAX_LIMIT,
        description="How many events, newest first.",
    )
    cursor: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="The next_cursor of the previous page.",
    )


class LockView(_Model):
    """Why a card is locked."""

    reason: LockReason
    channel: str = Field(description="The channel that locked it: api, mcp or connect.")
    at: str = Field(description="When it was locked (ISO-8601 UTC).")


class ShippingView(_Model):
    """How a replacement card travels."""

    speed: ShippingSpeed
    estimated_delivery: str = Field(description="Estimated delivery date (YYYY-MM-DD).")
    address_summary: str = Field(description="City, region and country it ships to.")


class CardView(_Model):
    """A card as every channel shows it: never more of the number than the last four digits."""

    model_config = ConfigDict(from_attributes=True)

    card_id: str
    customer_id: str
    product: CardProduct
    brand: CardBrand
    last4: str = Field(description="The last four digits of the card number.")
    expiry: str = Field(description="Expiry month and year, MM/YY.")
    status: CardStatus
    lock: LockView | None = None
    replacement_for: str | None = Field(default=None, description="The card this one replaces.")
    replaced_by: str | None = Field(default=None, description="The card replacing this one.")
    closed_reason: str | None = None
    shipping: ShippingView | None = None
    version: int = Field(description="Increases by one with every change; use it in If-Match.")
    updated_at: str


class WriteResult(_Model):
    """The answer to a change: the card after it, and whether anything changed."""

    card: CardView
    changed: bool = Field(description="False when the card already was in the asked state.")
    replaced_card: CardView | None = Field(
        default=None,
        description="The card that was replaced or closed by this change, if any.",
    )


class ReplayableWriteResult(WriteResult):
    """A write result as the MCP tools return it: an agent sees no response headers, so the
    answer to a retried idempotency key says in the result itself that it is the stored one
    (REST sends the ``Idempotent-Replayed`` header instead)."""

    replayed: bool | None = Field(
        default=None,
        description=(
            "True when this is the stored answer to an earlier call with the same "
            "idempotency_key: nothing was changed again. Absent on a first answer."
        ),
    )


class ReplacementPreview(_Model):
    """What requesting a new card would do; nothing has changed yet."""

    preview: Literal[True] = True
    card: CardView = Field(description="The card that would be replaced.")
    closes_current_card_now: bool = Field(
        description="True for lost or stolen: the current card stops working at once."
    )
    shipping: ShippingView
    message: str


class CardList(_Model):
    """A customer's cards."""

    customer_id: str
    cards: list[CardView]


class EventView(_Model):
    """One change in a card's history."""

    card_id: str
    version: int
    type: str
    from_status: str
    to_status: str
    reason: str | None = None
    channel: str
    actor: str
    request_id: str
    occurred_at: str


class EventPage(_Model):
    """A page of a card's history, newest first."""

    card_id: str
    events: list[EventView]
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor for the next (older) page; absent at the end."
    )


class Health(_Model):
    """The API is up (answered without asking the database)."""

    status: Literal["ok"]


# The one shape of a refusal in every channel: the REST envelope's ``error``, an MCP tool's
# ``{"error": ...}`` and the AgentCore Gateway's output schema are all built from it.
class ErrorBody(_Model):
    """Why a request failed."""

    code: str = Field(description="Stable error code, e.g. CARD_NOT_FOUND.")
    message: str = Field(description="A sentence to relay to the customer.")
    request_id: str = Field(description="This request's id, as the logs record it.")
    retryable: bool = Field(description="Whether retrying may succeed.")
    details: dict[str, Any] | None = Field(
        default=None,
        description="What was wrong, e.g. the invalid fields (input values are never echoed).",
    )


class ErrorEnvelope(_Model):
    """Every failed REST response."""

    success: Literal[False]
    error: ErrorBody


def error_body(exc: errors.CardOpsError, request_id: str) -> dict[str, Any]:
    """A domain error as ``ErrorBody`` JSON (``details`` only when there are some)."""
    body = ErrorBody(
        code=exc.code,
        message=exc.message,
        request_id=request_id,
        retryable=exc.retryable,
        details=exc.details or None,
    )
    return body.model_dump(mode="json", exclude_none=True)


def dump(model: type[BaseModel], value: Any) -> dict[str, Any]:
    """Shape ``value`` (a domain object or mapping) through ``model`` into JSON-ready data."""
    return model.model_validate(value, from_attributes=True).model_dump(
        mode="json", exclude_none=True
    )
