"""Hypothesis fuzzes the raw Lambda events of every MCP tool Lambda and of the Connect Lambda.

Events are arbitrary JSON, near-valid tool arguments (right and wrong types, unknown fields,
malformed ids, card secrets), JSON-RPC in a ``body`` string and bare, with and without the
AgentCore Gateway context; for Connect, mutated ``ContactFlowEvent``s. Whatever arrives:

* nothing raises, and nothing is a server error (no 5xx, no ``INTERNAL_ERROR``);
* arguments the tool's published ``inputSchema`` rejects are never accepted;
* error bodies name no stack trace, exception class, table or ARN;
* Connect always answers a flat string map with a SPEC §7 status.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from botocore.awsrequest import AWSResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.connect import handle_contact_flow_event
from mcp_handlers.tools import TOOLS_BY_NAME
from tests.connect_fakes import FakeLambdaContext, dependencies, load_event
from tests.reliability.channels import LAMBDAS, LambdaContext, gateway_context

EXAMPLES = 150
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
            "id": st.one_of(st.integers(), st.text(max_size=8), st.none(), st.floats()),
            "params": st.one_of(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from([tool, "lock_card", "other"]),
                        "arguments": tool_arguments,
                    }
                ),
                json_values,
            ),
        },
    )


def no_leak(value: Any) -> None:
    text = json.dumps(value)
    for leak in LEAKS:
        assert leak not in text, (leak, text[:500])
    assert "INTERNAL_ERROR" not in text, text[:500]


def accepted(result: dict[str, Any]) -> bool:
    return not (set(result) == {"error"} and isinstance(result["error"], dict))


@pytest.mark.parametrize("tool", list(LAMBDAS))
def test_gateway_events(ddb_tables: Any, tool: str) -> None:
    schema = TOOLS_BY_NAME[tool].definition()["inputSchema"]

    @FUZZ
    @given(arguments=tool_arguments)
    def check(arguments: Any) -> None:
        result = LAMBDAS[tool](arguments, gateway_context(tool))
        assert isinstance(result, dict)
        no_leak(result)
        valid = jsonschema.Draft202012Validator(schema).is_valid(arguments)
        if not valid:
            assert not accepted(result), (arguments, result)
            assert result["error"]["code"] == "VALIDATION_ERROR"

    check()


@pytest.mark.parametrize("tool", list(LAMBDAS))
def test_jsonrpc_events(ddb_tables: Any, tool: str) -> None:
    @FUZZ
    @given(
        message=rpc(tool),
        wrap=st.sampled_from(["body", "bare", "raw_body"]),
        raw=st.text(max_size=60),
    )
    def check(message: dict[str, Any], wrap: str, raw: str) -> None:
        if wrap == "body":
            event: Any = {"body": json.dumps(message)}
        elif wrap == "raw_body":
            event = {"body": raw}
        else:
            event = message
        result = LAMBDAS[tool](event, LambdaContext())
        no_leak(result)
        if isinstance(result, dict) and "statusCode" in result:
            assert result["statusCode"] < 500, result
            body = json.loads(result["body"]) if result["body"] else None
        else:
            body = result
        if (
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


def _answer_everything(request: Any, **_: Any) -> AWSResponse:
    """Connect and Q in Connect answer 200 with nothing: no network is ever used."""

    class Raw:
        def stream(self, **__: Any) -> Any:
            yield b"{}"

    return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, Raw())


def connect_events() -> st.SearchStrategy[Any]:
    base = load_event("voice_customer_id_parameter")

    def mutate(path_value: tuple[str, Any]) -> Any:
        where, value = path_value
        event = json.loads(json.dumps(base))
        node = event
        keys = where.split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node[keys[-1]] = value
        return event

    places = st.sampled_from(
        [
            "Name",
            "Details",
            "Details.ContactData",
            "Details.Parameters",
            "Details.Parameters.customerId",
            "Details.Parameters.sessionArn",
            "Details.ContactData.Attributes",
            "Details.ContactData.Attributes.customerId",
            "Details.ContactData.CustomerEndpoint",
            "Details.ContactData.CustomerEndpoint.Address",
            "Details.ContactData.InstanceARN",
            "Details.ContactData.ContactId",
        ]
    )
    return st.one_of(json_values, st.tuples(places, field_values).map(mutate))


def test_connect_events() -> None:
    deps = dependencies()
    for client in (deps.connect, deps.qconnect):
        client.meta.events.register("before-send", _answer_everything)

    @FUZZ
    @given(event=connect_events())
    def check(event: Any) -> None:
        result = handle_contact_flow_event(event, FakeLambdaContext(), deps)
        assert isinstance(result, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items()), result
        assert result["status"] in STATUSES
        no_leak(result)
        if not (isinstance(event, dict) and isinstance(event.get("Details"), dict)):
            assert result["status"] == "ERROR"
            assert result["sessionUpdated"] == "false"

    check()
