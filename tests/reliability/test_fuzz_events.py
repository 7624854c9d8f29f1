"""Hypothesis fuzzes the raw Lambda events of every MCP tool Lambda (the REST Lambda's:
``test_fuzz_rest_events``; the Connect Lambda's: ``test_fuzz_connect_events``).

Events are arbitrary JSON, near-valid tool arguments (right and wrong types, unknown fields,
malformed ids, card secrets, generated card numbers), JSON-RPC in a ``body`` string (plain,
base64-encoded, deeply nested, batched past the cap) and bare, with and without the AgentCore
Gateway context. Whatever arrives:

* nothing raises, and nothing is a server error (no 5xx, no ``INTERNAL_ERROR``);
* arguments the tool's published ``inputSchema`` rejects are never accepted;
* no answer, log line or stored item holds a generated card number;
* error bodies name no stack trace, exception class, table or ARN.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcp_handlers.dispatch import VERSION_META
from mcp_handlers.tools import TOOLS_BY_NAME
from tests.reliability import hostile
from tests.reliability.channels import LAMBDAS, LambdaContext, gateway_context

EXAMPLES = 150
SOAK_EXAMPLES = 1000
#: ``make test`` runs EXAMPLES per fuzzer; ``make soak`` the same fuzzers with SOAK_EXAMPLES.
SIZES = [EXAMPLES, pytest.param(SOAK_EXAMPLES, marks=pytest.mark.soak, id="soak")]
#: Never in an answer: traces, exception classes, table names (any stage), ARNs.
LEAKS = (
    "Traceback",
    'File "',
    "Exception",
    "Error:",
    "botocore",
    "betterbank-customers",
    "betterbank-cards",
    "betterbank-card-events",
    "betterbank-idempotency",
    "arn:aws",
)
#: Every status the Connect Lambda may answer (``test_fuzz_connect_events``).
STATUSES = {"OK", "CUSTOMER_NOT_FOUND", "SESSION_NOT_FOUND", "ERROR"}
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.one_of(
    st.sampled_from(["CUST001", "CUST002", "CARD001", "CARD003", "CARD004", "CARD0MISSING0"]),
    st.from_regex(r"\A(CUST|CARD)[0-9A-Z]{0,34}\Z"),
    st.text(max_size=40),
    st.integers(),
    st.none(),
    hostile.pan_strings,
)
fields = st.sampled_from(
    [
        "customer_id",
        "card_id",
        "reason",
        "shipping_speed",
        "confirm",
        "idempotency_key",
        "card_number",
        "cvv",
        "extra",
    ]
)
field_values = st.one_of(
    ids,
    st.sampled_from(
        [
            "customer_request",
            "suspected_fraud",
            "lost",
            "damaged",
            "standard",
            "expedited",
            "4111111111111111",
            "123",
        ]
    ),
    st.booleans(),
    json_values,
)
tool_arguments = st.one_of(
    st.dictionaries(fields, field_values, max_size=6),
    st.fixed_dictionaries(
        {"customer_id": ids, "card_id": ids},
        optional={"reason": field_values, "confirm": st.booleans(), "shipping_speed": field_values},
    ),
    json_values,
    # A real customer, and a card number where the card id or the retry key goes: the request
    # gets as far as it can, so a card number that slipped through would reach logs and items.
    st.fixed_dictionaries(
        {
            "customer_id": st.sampled_from(["CUST001", "CUST002"]),
            "card_id": st.sampled_from(["CARD001", "CARD003"]) | hostile.pan_strings,
        },
        optional={"idempotency_key": hostile.pan_strings, "confirm": st.booleans()},
    ),
)


def rpc(tool: str) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "method": st.sampled_from(
                [
                    "tools/call",
                    "tools/list",
                    "initialize",
                    "ping",
                    "notifications/initialized",
                    "nope",
                ]
            ),
        },
        optional={
            "jsonrpc": st.sampled_from(["2.0", "1.0", 2]),
            "id": st.one_of(
                st.integers(), st.text(max_size=8), st.none(), st.floats(), hostile.pan_strings
            ),
            "params": st.one_of(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from([tool, "lock_card", "other"]),
                        "arguments": tool_arguments,
                    }
                ),
                json_values,
                st.fixed_dictionaries(
                    {"_meta": st.fixed_dictionaries({VERSION_META: hostile.pan_strings})}
                ),
            ),
        },
    )


def no_leak(value: Any) -> None:
    text = json.dumps(value)
    for leak in LEAKS:
        assert leak not in text, (leak, text[:500])
    assert "INTERNAL_ERROR" not in text, text[:500]
    assert hostile.pans_in(text) == [], text[:500]


def no_pan_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert hostile.pans_in(hostile.log_text(caplog.records)) == []
    caplog.clear()


def accepted(result: dict[str, Any]) -> bool:
    return not (set(result) == {"error"} and isinstance(result["error"], dict))


def outcome_of(result: Any) -> str:
    """A short name for an answer: HTTP status, JSON-RPC error, refusal code or ``result``."""
    if isinstance(result, dict) and "statusCode" in result:
        return str(result["statusCode"])
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        return str(result["error"].get("code"))
    return "result" if result else "none"


@pytest.mark.parametrize("examples", SIZES)
@pytest.mark.parametrize("tool", list(LAMBDAS))
def test_gateway_events(
    ddb_tables: Any, tool: str, examples: int, caplog: pytest.LogCaptureFixture, say: Any
) -> None:
    schema = TOOLS_BY_NAME[tool].definition()["inputSchema"]
    tally = hostile.Tally(f"{tool} (AgentCore Gateway)")

    @settings(FUZZ, max_examples=examples)
    @given(arguments=tool_arguments)
    def check(arguments: Any) -> None:
        result = LAMBDAS[tool](arguments, gateway_context(tool))
        assert isinstance(result, dict)
        tally.add(outcome_of(result))
        no_leak(result)
        no_pan_logged(caplog)
        valid = jsonschema.Draft202012Validator(schema).is_valid(arguments)
        if not valid:
            assert not accepted(result), (arguments, result)
            assert result["error"]["code"] == "VALIDATION_ERROR"

    check()
    assert hostile.pans_in(hostile.stored_text(ddb_tables)) == []
    say(tally.line())


@pytest.mark.parametrize("examples", SIZES)
@pytest.mark.parametrize("tool", list(LAMBDAS))
def test_jsonrpc_events(
    ddb_tables: Any, tool: str, examples: int, caplog: pytest.LogCaptureFixture, say: Any
) -> None:
    tally = hostile.Tally(f"{tool} (JSON-RPC events)")

    @settings(FUZZ, max_examples=examples)
    @given(
        message=rpc(tool),
        wrap=st.sampled_from(sorted(hostile.MCP_WRAPS)),
        raw=st.text(max_size=60),
        batch=st.integers(1, 14),
    )
    def check(message: dict[str, Any], wrap: str, raw: str, batch: int) -> None:
        result = LAMBDAS[tool](hostile.MCP_WRAPS[wrap](message, raw, batch), LambdaContext())
        tally.add(outcome_of(result))
        no_leak(result)
        no_pan_logged(caplog)
        if isinstance(result, dict) and "statusCode" in result:
            assert result["statusCode"] < 500, result
            body = json.loads(result["body"]) if result["body"] else None
        else:
            body = result
        if wrap in {"body", "base64_body", "bare"} and (
            isinstance(body, dict)
            and isinstance(body.get("result"), dict)
            and "isError" in body["result"]
        ):
            arguments = (
                (message.get("params") or {}).get("arguments")
                if isinstance(message.get("params"), dict)
                else None
            )
            schema = TOOLS_BY_NAME[tool].definition()["inputSchema"]
            if not jsonschema.Draft202012Validator(schema).is_valid(arguments):
                assert body["result"]["isError"] is True, (message, body)

    check()
    assert hostile.pans_in(hostile.stored_text(ddb_tables)) == []
    say(tally.line())
