"""DynamoDB round trips per operation and channel, counted at the wire (``tests.wire_counter``,
the counter the round-trip tests assert with).

REST goes through the API handler with API Gateway proxy events, MCP through each tool Lambda
with AgentCore Gateway's event (the arguments) and context, Connect through its Lambda with a
contact flow event (Q in Connect answered locally: it is not DynamoDB). REST and MCP run the
same sequence of operations, each on cards of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import (
    BENCH_CUSTOMER,
    LambdaContext,
    Stack,
    contact_flow_event,
    mcp_call,
    read_event,
    rest_call,
    write_event,
)
from tests.wire_counter import WireCounter

#: A channel: its name, and a call of one operation answering (succeeded, answer).
Call = Callable[[str, dict[str, Any]], tuple[bool, Any]]
MCP_TOOLS = {
    "lock": "lock_card",
    "unlock": "unlock_card",
    "request-new": "request_new_card",
    "activate": "activate_card",
    "list": "list_cards",
}


@dataclass(frozen=True)
class RoundTrips:
    """One measured operation: its channel, what it did, its requests against the budget."""

    channel: str
    operation: str
    budget: int
    sent: list[str]
    ok: bool

    @property
    def within(self) -> bool:
        """The operation answered and took no more round trips than its budget."""
        return self.ok and len(self.sent) <= self.budget


def pending_card_id(value: Any) -> str | None:
    """The id of the first ``pending_activation`` card anywhere in an answer."""
    if isinstance(value, dict):
        if value.get("status") == "pending_activation" and isinstance(value.get("card_id"), str):
            return str(value["card_id"])
        value = list(value.values())
    if isinstance(value, list):
        return next((found for child in value if (found := pending_card_id(child))), None)
    return None


def rest(operation: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    """One operation through the REST handler."""
    if operation in ("list", "history"):
        event = read_event(arguments["customer_id"], arguments.get("card_id"))
    else:
        event = write_event(operation, **arguments)
    status, body = rest_call(event)
    return status < 300, body


def mcp(operation: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    """One operation through its MCP tool Lambda (a new card is ordered with ``confirm``)."""
    if operation == "request-new":
        arguments = {**arguments, "confirm": True}
    result = mcp_call(MCP_TOOLS[operation], arguments)
    failed = not isinstance(result, dict) or bool(result.get("isError")) or "error" in result
    return not failed, result


def channel_round_trips(
    stack: Stack, wire: WireCounter, channel: str, call: Call, operations: set[str]
) -> list[RoundTrips]:
    """Every operation the channel has, in the cases the budgets name."""
    card, other, lost, on_its_way = stack.new_cards(4)
    keyed = {"idempotency_key": uuid.uuid4().hex}
    replace = {"reason": "damaged", "idempotency_key": uuid.uuid4().hex}
    results: list[RoundTrips] = []

    def count(label: str, budget: int | None, operation: str, card_id: str | None, **extra: Any):
        arguments = {"customer_id": BENCH_CUSTOMER, "card_id": card_id, **extra}
        arguments = {name: value for name, value in arguments.items() if value is not None}
        if operation not in operations:
            return None
        sent, (ok, answer) = wire.record(lambda: call(operation, arguments))
        if budget is not None:  # None: a step towards a case, not measured
            results.append(RoundTrips(channel, label, budget, sent, ok))
        return answer

    count("lock", 2, "lock", card)
    count("lock (no-op: already locked)", 1, "lock", card)
    count("unlock", 2, "unlock", card)
    count("unlock (keyed no-op: answer recorded)", 2, "unlock", card, **keyed)
    count("unlock (keyed no-op replayed)", 1, "unlock", card, **keyed)
    new = pending_card_id(count("request-new (damaged, keyed)", 2, "request-new", other, **replace))
    count("request-new (idempotent replay)", 1, "request-new", other, **replace)
    count("activate (closes the card it replaces)", 3, "activate", new)
    count("activate (no-op: already active)", 1, "activate", new)
    for_lost = pending_card_id(count("", None, "request-new", lost, reason="lost"))
    count("activate (replaces a lost card, closed already)", 3, "activate", for_lost)
    count("", None, "request-new", on_its_way, reason="damaged")
    label = "request-new (stolen, a replacement on its way: read too)"
    count(label, 3, "request-new", on_its_way, reason="stolen")
    count("list cards", 2, "list", None, customer_id="CUST001")
    count("history", 2, "history", "CARD001", customer_id="CUST001")
    return results


def connect_round_trips(wire: WireCounter) -> list[RoundTrips]:
    """The Connect session Lambda's first answer for a customer named by id."""
    import app
    from chalicelib.runtime import connect_dependencies

    wire.attach(connect_dependencies().directory._client)
    event = contact_flow_event("CUST001")
    sent, result = wire.record(lambda: app.connect_update_session_data(event, LambdaContext()))
    ok = isinstance(result, dict) and result.get("status") == "OK"
    return [RoundTrips("connect", "customer profile lookup (by customerId)", 2, sent, ok)]


def round_trips(stack: Stack, wire: WireCounter) -> list[RoundTrips]:
    """Every channel's operations."""
    every = {"lock", "unlock", "request-new", "activate", "list", "history"}
    return [
        *channel_round_trips(stack, wire, "api", rest, every),
        *channel_round_trips(stack, wire, "mcp", mcp, set(MCP_TOOLS)),
        *connect_round_trips(wire),
    ]
