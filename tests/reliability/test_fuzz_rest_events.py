"""Hypothesis fuzzes the REST Lambda's raw events: API Gateway proxy events and bare ones.

Every field of the event can be missing or of the wrong type; bodies are valid, deeply nested,
base64-encoded (validly or not) or noise; ids, keys, ``If-Match`` values, request ids and
principals can carry generated card numbers; paths cover every route, ``POST /mcp`` (single
messages and batches) included. Whatever arrives:

* the handler returns a response, never raises, never a 5xx or ``INTERNAL_ERROR``;
* no answer, log line or stored item holds any generated card number;
* error bodies name no stack trace, exception class, table or ARN.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import app
from tests.reliability import hostile
from tests.reliability.channels import LambdaContext
from tests.reliability.test_fuzz_events import FUZZ, SIZES, no_leak

ROUTES = {
    "/v1/cards/lock": "POST",
    "/v1/cards/unlock": "POST",
    "/v1/cards/request-new": "POST",
    "/v1/cards/activate": "POST",
    "/v1/customers/{customer_id}/cards": "GET",
    "/v1/customers/{customer_id}/cards/{card_id}/events": "GET",
    "/health": "GET",
    "/mcp": "POST",
}
ids = st.one_of(st.sampled_from(["CUST001", "CARD001", "CARD004", "CUST002"]), hostile.pan_strings)
body_fields = st.fixed_dictionaries(
    {"customer_id": st.sampled_from(["CUST001", "CUST002"]) | ids, "card_id": ids},
    optional={"reason": st.sampled_from(["lost", "damaged", "misplaced"]), "extra": ids},
)
rpc_messages = st.fixed_dictionaries(
    {"jsonrpc": st.just("2.0"), "method": st.sampled_from(["tools/call", "ping", "tools/list"])},
    optional={
        "id": st.integers(-(2**70), 2**70) | hostile.pan_strings | st.text(max_size=8),
        "params": st.fixed_dictionaries(
            {"name": st.sampled_from(["lock_card", "unlock_card"]), "arguments": body_fields}
        ),
    },
)
json_bodies = st.one_of(
    body_fields.map(json.dumps),
    rpc_messages.map(json.dumps),
    st.lists(rpc_messages, min_size=1, max_size=14).map(json.dumps),
)
header_values = st.one_of(
    st.sampled_from(['"1"', "*", 'W/"1"', '"1", "2"', '"\u0661"', "abc\n", "", "1"]),
    hostile.pan_strings,
    st.text(max_size=20),
)
headers = st.dictionaries(
    st.sampled_from(
        [
            "Content-Type",
            "If-Match",
            "if-match",
            "Idempotency-Key",
            "MCP-Protocol-Version",
            "Accept",
        ]
    ),
    hostile.ill_typed(header_values),
    max_size=4,
)


seed_ids = st.sampled_from(["CUST001", "CUST002"]), st.sampled_from(["CARD001", "CARD003"])
#: Values only a hand-built event carries: a forged request id or principal, maybe a card number.
forged = st.one_of(st.just("req-fuzz"), st.just("backoffice"), hostile.pan_strings)


@st.composite
def sound_events(draw: st.DrawFn) -> Any:
    """A well-formed event on seeded data (it reaches the lifecycle), whose request id,
    principal or guard headers may still carry a card number."""
    template = draw(st.sampled_from(sorted(ROUTES)))
    customer_id, card_id = draw(seed_ids[0]), draw(seed_ids[1])
    params = {"customer_id": customer_id, "card_id": card_id}
    params = {name: value for name, value in params.items() if f"{{{name}}}" in template}
    body = json.dumps({"customer_id": customer_id, "card_id": card_id, "reason": "damaged"})
    if template == "/v1/cards/lock":
        body = json.dumps({"customer_id": customer_id, "card_id": card_id})
    guard = draw(st.dictionaries(st.sampled_from(["If-Match", "Idempotency-Key"]), forged))
    return {
        "httpMethod": ROUTES[template],
        "path": template.format(**params),
        "headers": {"Content-Type": "application/json", **guard},
        "body": body if ROUTES[template] == "POST" else None,
        "requestContext": {
            "resourcePath": template,
            "httpMethod": ROUTES[template],
            "requestId": draw(forged),
            "identity": {"userArn": draw(forged)},
        },
        "pathParameters": params or None,
    }


@st.composite
def mangled_events(draw: st.DrawFn) -> Any:
    """A proxy event, then any field dropped or replaced by a value of the wrong type."""
    template = draw(st.sampled_from(sorted(ROUTES)))
    params = {name: draw(ids) for name in ("customer_id", "card_id") if f"{{{name}}}" in template}
    path = template.format(**params)
    body = draw(st.one_of(json_bodies, hostile.deep_bodies, st.text(max_size=40), st.none()))
    encoded = draw(st.booleans())
    if encoded and isinstance(body, str):
        body = draw(st.sampled_from([hostile.base64_of(body), body]))
    method = ROUTES[template]
    event: dict[str, Any] = {
        "httpMethod": method,
        "path": path,
        "headers": {"Content-Type": "application/json", **draw(headers)},
        "multiValueHeaders": draw(
            st.none() | st.dictionaries(st.just("If-Match"), st.lists(header_values, max_size=3))
        ),
        "queryStringParameters": draw(
            st.none()
            | st.dictionaries(
                st.sampled_from(["limit", "cursor", "x"]),
                hostile.ill_typed(st.just("2")),
                max_size=2,
            )
        ),
        "body": body,
        "isBase64Encoded": encoded,
        "requestContext": {
            "resourcePath": template,
            "httpMethod": method,
            "requestId": draw(hostile.ill_typed(st.just("req-fuzz"))),
            "identity": {"userArn": draw(hostile.ill_typed(st.just("backoffice")))},
        },
        "pathParameters": params or None,
    }
    for name in draw(st.lists(st.sampled_from(sorted(event)), max_size=3)):
        if draw(st.booleans()):
            event.pop(name, None)
        else:
            event[name] = draw(hostile.ill_typed(st.none()))
    if draw(st.booleans()) and isinstance(event.get("requestContext"), dict):
        event["requestContext"]["identity"] = draw(hostile.ill_typed(st.none()))
    return event


@pytest.mark.parametrize("examples", SIZES)
def test_rest_events(
    ddb_tables: Any, examples: int, caplog: pytest.LogCaptureFixture, say: Any
) -> None:
    tally = hostile.Tally("REST")

    @settings(FUZZ, max_examples=examples)
    @given(event=st.one_of(sound_events(), mangled_events()))
    def check(event: Any) -> None:
        caplog.clear()
        answer = app(event, LambdaContext())
        assert isinstance(answer, dict)
        assert isinstance(answer.get("statusCode"), int)
        tally.add(answer["statusCode"])
        assert answer["statusCode"] < 500, answer
        text = json.dumps(answer)
        assert hostile.pans_in(text) == [], text[:300]
        assert hostile.pans_in(hostile.log_text(caplog.records)) == []
        if answer["statusCode"] >= 400:
            no_leak(answer)

    check()
    assert hostile.pans_in(hostile.stored_text(ddb_tables)) == []
    say(tally.line())
