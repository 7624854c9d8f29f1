"""DynamoDB round trips per operation and channel, counted at the wire."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import (
    BENCH_CUSTOMER,
    LambdaContext,
    Stack,
    WireCounter,
    contact_flow_event,
    history_event,
    list_event,
    rest_call,
    write_event,
)

SESSION_ARN = (
    "arn:aws:wisdom:us-east-1:123456789012:session/"
    "11111111-1111-1111-1111-111111111111/22222222-2222-2222-2222-222222222222"
)


@dataclass(frozen=True)
class RoundTrips:
    """One measured operation: its channel, what it did, round trips against the budget."""

    channel: str
    operation: str
    budget: int | None
    sent: list[str]
    ok: bool
    note: str = ""

    @property
    def count(self) -> int:
        """Round trips (HTTP requests to DynamoDB)."""
        return len(self.sent)

    @property
    def within(self) -> bool:
        """True when there is no budget or the count meets it."""
        return self.budget is None or self.count <= self.budget


def channel_available(module: str) -> bool:
    """Whether a channel's module exists yet (MCP and Connect are written in parallel)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _measure(wire: WireCounter, action: Callable[[], Any]) -> tuple[list[str], Any]:
    wire.reset()
    result = action()
    return list(wire.sent), result


def pending_card_id(value: Any) -> str | None:
    """The id of the first ``pending_activation`` card anywhere in a result."""
    if isinstance(value, dict):
        if value.get("status") == "pending_activation" and isinstance(value.get("card_id"), str):
            return str(value["card_id"])
        children: list[Any] = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = pending_card_id(child)
        if found:
            return found
    return None


def _failed(value: Any) -> bool:
    if not isinstance(value, dict):
        return True
    return bool(value.get("isError")) or value.get("success") is False or "error" in value


def rest_round_trips(stack: Stack, wire: WireCounter) -> list[RoundTrips]:
    """Every REST operation through the API handler, with a proxy event as Lambda gets it."""
    card, other, lost, on_its_way = stack.add_cards("RT", 4)
    key = uuid.uuid4().hex
    cases: list[tuple[str, int | None, dict[str, Any]]] = [
        ("lock", 2, write_event("lock", BENCH_CUSTOMER, card)),
        ("lock (no-op: already locked)", 1, write_event("lock", BENCH_CUSTOMER, card)),
        ("unlock", 2, write_event("unlock", BENCH_CUSTOMER, card)),
        (
            "unlock (keyed no-op: already active, answer recorded)",
            2,
            write_event("unlock", BENCH_CUSTOMER, card, idempotency_key=f"{key}-noop"),
        ),
        (
            "unlock (keyed no-op replayed)",
            1,
            write_event("unlock", BENCH_CUSTOMER, card, idempotency_key=f"{key}-noop"),
        ),
        (
            "request-new (damaged, Idempotency-Key)",
            2,
            write_event(
                "request-new", BENCH_CUSTOMER, other, reason="damaged", idempotency_key=key
            ),
        ),
        (
            "request-new (idempotent replay)",
            1,
            write_event(
                "request-new", BENCH_CUSTOMER, other, reason="damaged", idempotency_key=key
            ),
        ),
    ]
    results: list[RoundTrips] = []
    new_card: str | None = None
    for name, budget, event in cases:
        sent, (status, body) = _measure(wire, lambda event=event: rest_call(event))
        results.append(RoundTrips("api", name, budget, sent, status < 300))
        new_card = new_card or pending_card_id(body)
    assert new_card is not None, "request-new answered no pending card"
    for name, budget in [
        ("activate (closes the card it replaces)", 3),
        ("activate (no-op: already active)", 1),
    ]:
        event = write_event("activate", BENCH_CUSTOMER, new_card)
        sent, (status, _) = _measure(wire, lambda event=event: rest_call(event))
        results.append(RoundTrips("api", name, budget, sent, status < 300))
    status, body = rest_call(write_event("request-new", BENCH_CUSTOMER, lost, reason="lost"))
    for_lost = pending_card_id(body)
    assert for_lost is not None, "request-new (lost) answered no pending card"
    event = write_event("activate", BENCH_CUSTOMER, for_lost)
    sent, (status, _) = _measure(wire, lambda: rest_call(event))
    name = "activate (replaces a lost card, closed already)"
    results.append(RoundTrips("api", name, 3, sent, status < 300))
    rest_call(write_event("request-new", BENCH_CUSTOMER, on_its_way, reason="damaged"))
    event = write_event("request-new", BENCH_CUSTOMER, on_its_way, reason="stolen")
    sent, (status, _) = _measure(wire, lambda: rest_call(event))
    name = "request-new (stolen, a replacement already on its way: read too)"
    results.append(RoundTrips("api", name, 3, sent, status < 300))
    for name, event in [
        ("list cards", list_event("CUST001")),
        ("history", history_event("CUST001", "CARD001")),
    ]:
        sent, (status, _) = _measure(wire, lambda event=event: rest_call(event))
        results.append(RoundTrips("api", name, 2, sent, status < 300))
    return results


def _mcp(tool: str, arguments: dict[str, Any]) -> Any:
    """Invoke a tool Lambda as the AgentCore Gateway does: the arguments are the event."""
    import app

    function = getattr(app, f"mcp_{tool}")
    return function(arguments, LambdaContext(tool=tool))


def mcp_round_trips(stack: Stack, wire: WireCounter) -> list[RoundTrips]:
    """Every MCP tool through its Lambda, with AgentCore Gateway's event and context."""
    card, other = stack.add_cards("MT", 2)
    ref = {"customer_id": BENCH_CUSTOMER, "card_id": card}
    key = uuid.uuid4().hex
    replace = {"customer_id": BENCH_CUSTOMER, "card_id": other, "reason": "damaged"}
    keyed_noop = {**ref, "idempotency_key": f"{key}-noop"}
    cases: list[tuple[str, int | None, str, dict[str, Any]]] = [
        ("lock_card", 2, "lock_card", ref),
        ("lock_card (no-op)", 1, "lock_card", ref),
        ("unlock_card", 2, "unlock_card", ref),
        ("unlock_card (keyed no-op, answer recorded)", 2, "unlock_card", keyed_noop),
        ("unlock_card (keyed no-op replayed)", 1, "unlock_card", keyed_noop),
        ("request_new_card (preview, confirm=false)", None, "request_new_card", replace),
        (
            "request_new_card (confirm=true, idempotency_key)",
            2,
            "request_new_card",
            {**replace, "confirm": True, "idempotency_key": key},
        ),
        (
            "request_new_card (idempotent replay)",
            1,
            "request_new_card",
            {**replace, "confirm": True, "idempotency_key": key},
        ),
        ("list_cards", 2, "list_cards", {"customer_id": "CUST001"}),
    ]
    results: list[RoundTrips] = []
    new_card: str | None = None
    for name, budget, tool, arguments in cases:
        sent, result = _measure(wire, lambda tool=tool, arguments=arguments: _mcp(tool, arguments))
        results.append(RoundTrips("mcp", name, budget, sent, not _failed(result)))
        if "confirm=true" in name:
            new_card = pending_card_id(result)
    if new_card is None:
        results.append(RoundTrips("mcp", "activate_card", 3, [], False, "no new card id"))
        return results
    activate = {"customer_id": BENCH_CUSTOMER, "card_id": new_card}
    for name, budget in [
        ("activate_card (closes the replaced card)", 3),
        ("activate_card (no-op)", 1),
    ]:
        sent, result = _measure(wire, lambda: _mcp("activate_card", activate))
        results.append(RoundTrips("mcp", name, budget, sent, not _failed(result)))
    return results


class _FakeAwsBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def fake_aws_success(request: Any, **_: Any) -> Any:
    """``before-send`` hook answering 200 ``{}`` without any network: the bench never calls AWS."""
    from botocore.awsrequest import AWSResponse

    return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _FakeAwsBody(b"{}"))


def connect_round_trips(wire: WireCounter) -> list[RoundTrips]:
    """The Connect session Lambda; Q in Connect and Connect are answered locally."""
    import app

    prepare_connect(wire)
    event = contact_flow_event("CUST001", SESSION_ARN)
    sent, result = _measure(wire, lambda: app.connect_update_session_data(event, LambdaContext()))
    ok = isinstance(result, dict) and result.get("status") == "OK"
    note = "" if ok else f"status {result.get('status') if isinstance(result, dict) else result}"
    return [RoundTrips("connect", "customer profile lookup (by customerId)", 2, sent, ok, note)]


def prepare_connect(wire: WireCounter) -> None:
    """Count the Connect Lambda's DynamoDB requests; answer its other AWS calls locally."""
    from chalicelib.runtime import connect_dependencies

    deps = connect_dependencies()
    wire.attach(deps.directory._client)
    for client in (deps.connect, deps.qconnect):
        client.meta.events.register("before-send", fake_aws_success, unique_id="bench-fake-aws")
