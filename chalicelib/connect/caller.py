"""Who is calling: the caller's identification in a ``ContactFlowEvent`` and its lookup.

The order: the flow's ``customerId`` parameter, then the ``customerId`` contact
attribute, then the caller's number through ``phone-index``. The number is looked up but never
logged: log lines say "phone lookup" and carry customer ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.connect.events import ContactFlowEvent, is_customer_id, normalise_phone
from chalicelib.connect.session_data import CallerProfile
from chalicelib.domain import Card, Customer


class CustomerDirectory(Protocol):
    """The reads caller lookup needs (``chalicelib.store.dynamodb.CardStore`` provides them)."""

    def get_customer(self, customer_id: str) -> Customer | None:
        """One customer by id, or ``None``."""

    def customers_with_phone(self, phone: str) -> list[Customer]:
        """Customers whose phone on file is ``phone`` (E.164)."""

    def cards_of(self, customer_id: str) -> list[Card]:
        """Every card of a customer."""


@dataclass(frozen=True, slots=True)
class CallerKey:
    """How the caller is identified: a customer id (``None`` if malformed) or a phone number."""

    source: str
    customer_id: str | None = None
    phone: str | None = None


def identify_caller(event: ContactFlowEvent) -> CallerKey | None:
    """The first identification present: flow parameter, contact attribute, caller's number.

    An id given explicitly is authoritative: a malformed or unknown one is "not found" rather
    than a fall-back to the phone number, which could belong to someone else in the household.
    """
    for source, value in (
        ("parameter", event.parameter("customerId")),
        ("attribute", event.attribute("customerId")),
    ):
        if value is not None:
            return CallerKey(source, customer_id=value if is_customer_id(value) else None)
    endpoint = event.contact.CustomerEndpoint
    if endpoint is None or endpoint.Type not in (None, "TELEPHONE_NUMBER"):
        return None
    phone = normalise_phone(endpoint.Address)
    return CallerKey("phone", phone=phone) if phone else None


def find_caller(
    directory: CustomerDirectory, event: ContactFlowEvent, log: Any
) -> CallerProfile | None:
    """The identified, active caller and the cards they hold, or ``None``."""
    key = identify_caller(event)
    customer = _lookup(directory, key, log) if key is not None else None
    log.info(
        "caller lookup",
        extra={
            "source": key.source if key else "none",
            "found": customer is not None,
            "customer_id": customer.customer_id if customer else None,
        },
    )
    if customer is None:
        return None
    return CallerProfile.of(customer, directory.cards_of(customer.customer_id))


def _lookup(directory: CustomerDirectory, key: CallerKey, log: Any) -> Customer | None:
    """The active customer behind ``key``; several customers on one number is nobody."""
    if key.customer_id is not None:
        customer = directory.get_customer(key.customer_id)
    elif key.phone is not None:
        log.info("phone lookup")  # never the number itself
        matches = directory.customers_with_phone(key.phone)
        customer = matches[0] if len(matches) == 1 else None
    else:
        customer = None
    return customer if customer is not None and customer.is_active else None
