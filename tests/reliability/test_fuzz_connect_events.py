"""Hypothesis fuzzes the Connect Lambda's raw events: mutated ``ContactFlowEvent``s whose fields
are missing, of the wrong type, or carry generated card numbers (split from
``test_fuzz_events``, which fuzzes the MCP tool Lambdas). Whatever arrives, the Lambda answers
a flat string map with a known status, never raises, and no answer or log line holds a
generated card number.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.connect.handler import handle_contact_flow_event
from tests.fakes.connect import FakeLambdaContext, dependencies, load_event
from tests.reliability import hostile
from tests.reliability.test_fuzz_events import (
    FUZZ,
    SIZES,
    STATUSES,
    field_values,
    json_values,
    no_leak,
    no_pan_logged,
)


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
    values = st.one_of(field_values, hostile.ill_typed(hostile.pan_strings))
    return st.one_of(json_values, st.tuples(places, values).map(mutate))


@pytest.mark.parametrize("examples", SIZES)
def test_connect_events(examples: int, caplog: pytest.LogCaptureFixture, say: Any) -> None:
    deps = dependencies()
    for client in (deps.connect, deps.qconnect):
        client.meta.events.register("before-send", _answer_everything)
    tally = hostile.Tally("Connect")

    @settings(FUZZ, max_examples=examples)
    @given(event=connect_events())
    def check(event: Any) -> None:
        result = handle_contact_flow_event(event, FakeLambdaContext(), lambda: deps)
        assert isinstance(result, dict)
        tally.add(result.get("status"))
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items()), result
        assert result["status"] in STATUSES
        no_leak(result)
        no_pan_logged(caplog)
        if not (isinstance(event, dict) and isinstance(event.get("Details"), dict)):
            assert result["status"] == "ERROR"
            assert result["sessionUpdated"] == "false"

    check()
    say(tally.line())
