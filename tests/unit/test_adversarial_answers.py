"""Answers to hostile input found after the fraud-hold and bad-input work was merged: each
test replays one input an adversarial caller sent, and checks the answer names nothing of the
implementation (no class, table or exception name) and carries no card number.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.reliability.channels import LAMBDAS, gateway_context

#: What the code calls its pydantic models: an answer must name none of them.
MODEL_NAMES = ("Args", "Request", "instance of")


@pytest.mark.parametrize("event", ["x", 5, None, True, ["CUST001"]])
@pytest.mark.parametrize("tool", list(LAMBDAS))
def test_gateway_arguments_that_are_not_an_object_name_no_class(tool: str, event: Any) -> None:
    # GIVEN AgentCore Gateway invokes a tool Lambda with arguments that are not an object
    answer = LAMBDAS[tool](event, gateway_context(tool))
    # THEN the refusal is a validation error that names no model class
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    text = json.dumps(answer)
    assert not any(name in text for name in MODEL_NAMES), text
    assert answer["error"]["details"]["fields"] == [
        {"field": "body", "issue": "must be a JSON object"}
    ]
