"""One error body, from ``models.ErrorBody``, in every channel and every schema describing it.

It was built by hand three times (REST, MCP refusals, Chalice's re-wrapped errors) in two key
orders, and the Gateway export described it without ``request_id`` and ``details``.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from app import app
from chalicelib import errors, models
from chalicelib.rest.edge import envelope_error
from mcp_handlers.schema_export import gateway_tool
from mcp_handlers.tools import TOOLS, ToolSpec, refusal

REFUSALS = [
    errors.CardNotFoundError(),
    errors.ValidationFailedError(details={"fields": [{"field": "card_id", "issue": "required"}]}),
    errors.ServiceUnavailableError(),
]


@pytest.mark.parametrize("exc", REFUSALS, ids=lambda exc: exc.code)
def test_rest_and_mcp_send_the_same_body_in_the_models_order(exc: errors.CardOpsError) -> None:
    rest = json.loads(envelope_error(exc, "req-1").to_dict()["body"])["error"]
    mcp = json.loads(refusal(exc, "req-1").as_call_result()["content"][1]["text"])["error"]
    assert list(rest.items()) == list(mcp.items())
    assert list(rest) == [name for name in models.ErrorBody.model_fields if name in rest]
    assert models.ErrorBody.model_validate(rest).model_dump(exclude_none=True) == rest


def test_chalices_own_errors_get_the_same_body() -> None:
    event = {
        "httpMethod": "PUT",
        "path": "/v1/cards/lock",
        "resource": "/v1/cards/lock",
        "requestContext": {"resourcePath": "/v1/cards/lock", "httpMethod": "PUT"},
    }
    answer = app(event, SimpleNamespace(aws_request_id="lambda-1"))
    error = json.loads(answer["body"])["error"]
    assert list(error) == ["code", "message", "request_id", "retryable"]
    assert (answer["statusCode"], error["code"]) == (405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("tool", TOOLS, ids=lambda tool: tool.name)
def test_the_gateway_export_describes_every_field_of_the_body(tool: ToolSpec) -> None:
    error = gateway_tool(tool)["outputSchema"]["properties"]["error"]
    assert list(error["properties"]) == list(models.ErrorBody.model_fields)
    assert error["required"] == ["code", "message", "request_id", "retryable"]
