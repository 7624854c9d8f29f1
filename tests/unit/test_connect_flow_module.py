"""The importable flow module "Customer profile lookup" (infra/connect): a well-formed graph in
the Amazon Connect Flow Language that calls the session Lambda the way it expects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib.connect.events import FlowResult
from tests.fakes.connect import INSTANCE_ID, connect_client

MODULE = Path(__file__).parents[2] / "infra" / "connect" / "customer-profile-lookup.json"
INSTANCE_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE_ID}"
ARN_PLACEHOLDER = (
    "arn:aws:lambda:REGION:ACCOUNT_ID:function:ConnectAssistantUpdateSessionData-STAGE"
)


@pytest.fixture(scope="module")
def module() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(MODULE.read_text())
    return loaded


def actions_of(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {action["Identifier"]: action for action in module["Actions"]}


def targets(action: dict[str, Any]) -> list[str]:
    transitions = action.get("Transitions") or {}
    found = [transitions["NextAction"]] if transitions.get("NextAction") else []
    found += [error["NextAction"] for error in transitions.get("Errors", [])]
    found += [condition["NextAction"] for condition in transitions.get("Conditions", [])]
    return found


def test_the_graph_is_closed_and_every_path_returns(module: dict[str, Any]) -> None:
    assert module["Version"] == "2019-10-30"
    actions = actions_of(module)
    assert len(actions) == len(module["Actions"])  # identifiers are unique
    assert module["StartAction"] in actions
    reached, todo = set(), [module["StartAction"]]
    while todo:
        current = todo.pop()
        if current in reached:
            continue
        reached.add(current)
        action = actions[current]
        nexts = targets(action)
        assert all(target in actions for target in nexts)
        todo.extend(nexts)
        if action["Type"] == "EndFlowModuleExecution":
            assert nexts == []
        else:
            assert nexts, f"{current} leads nowhere"
            errors = [e["ErrorType"] for e in action["Transitions"].get("Errors", [])]
            assert errors == ["NoMatchingError"], f"{current} has no error branch"
        assert action["Type"] != "DisconnectParticipant"  # a module returns to its flow
    assert reached == set(actions)


def test_the_lambda_block(module: dict[str, Any]) -> None:
    (invoke,) = [a for a in module["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    parameters = invoke["Parameters"]
    assert parameters["LambdaFunctionARN"] == ARN_PLACEHOLDER
    assert 7 <= int(parameters["InvocationTimeLimitSeconds"]) <= 8  # the Lambda answers by 6.5 s
    assert parameters["LambdaInvocationAttributes"] == {"sessionArn": "$.Wisdom.SessionArn"}
    assert parameters["ResponseValidation"] == {"ResponseType": "STRING_MAP"}
    assert module["StartAction"] == invoke["Identifier"]


def test_saved_attributes_read_only_keys_the_lambda_returns(module: dict[str, Any]) -> None:
    returned = set(FlowResult("OK").to_map())
    saved = [
        value
        for action in module["Actions"]
        if action["Type"] == "UpdateContactAttributes"
        for value in action["Parameters"]["Attributes"].values()
    ]
    external = [re.fullmatch(r"\$\.External\.(\w+)", value) for value in saved]
    assert {match.group(1) for match in external if match} <= returned
    assert all(
        match or not value.startswith("$") for match, value in zip(external, saved, strict=True)
    )


def test_nothing_personal_is_passed_or_saved(module: dict[str, Any]) -> None:
    text = json.dumps(module)
    for field in ("CustomerEndpoint", "Address", "phone", "email"):
        assert field not in text


def test_the_module_is_valid_create_contact_flow_module_input(module: dict[str, Any]) -> None:
    client = connect_client()
    content = MODULE.read_text().replace(
        ARN_PLACEHOLDER,
        "arn:aws:lambda:us-east-1:123456789012:function:ConnectAssistantUpdateSessionData-dev",
    )
    with Stubber(client) as stubber:
        stubber.add_response(
            "create_contact_flow_module",
            {
                "Id": "m-1",
                "Arn": f"{INSTANCE_ARN}/flow-module/m-1",
            },
            expected_params={
                "InstanceId": INSTANCE_ID,
                "Name": "Customer profile lookup",
                "Content": content,
            },
        )
        client.create_contact_flow_module(
            InstanceId=INSTANCE_ID, Name="Customer profile lookup", Content=content
        )
