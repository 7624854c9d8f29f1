"""The tool definitions: generated from the REST models, valid MCP ``Tool`` objects, written
for a language model, with the annotations each operation deserves."""

from __future__ import annotations

from typing import Any

import jsonschema
import mcp_types
import pytest
from pydantic import BaseModel

from chalicelib import models
from mcp_handlers.tool_names import TOOL_ACCESS, TOOL_NAMES
from mcp_handlers.tools import TOOLS, TOOLS_BY_NAME, call_tool, tool_definitions
from tests.fakes.mcp import MCP_CALLER, SHIPPING, FakeCardService, card

DEFINITIONS = {d["name"]: d for d in tool_definitions(tuple(TOOLS_BY_NAME))}
#: The REST models of each tool's arguments (every tool has them: checked below).
REST_MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "lock_card": (models.LockCardRequest,),
    "unlock_card": (models.UnlockCardRequest,),
    "request_new_card": (models.RequestNewCardRequest,),
    "list_cards": (models.ListCardsRequest,),
    "activate_card": (models.ActivateCardRequest,),
    # the ids of the REST path, then its query string
    "get_card_history": (models.CardRef, models.HistoryQuery),
}
WRITES = tuple(name for name, access in TOOL_ACCESS.items() if access == "write")


def test_the_tools_are_the_registrys_in_its_order() -> None:
    assert [tool.name for tool in TOOLS] == list(TOOL_NAMES)
    assert set(REST_MODELS) == set(TOOL_NAMES)


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_each_definition_is_a_valid_wire_tool(name: str) -> None:
    tool = mcp_types.Tool.model_validate(DEFINITIONS[name])
    assert tool.input_schema["type"] == "object"
    assert tool.output_schema is not None
    assert tool.output_schema["type"] == "object"
    jsonschema.Draft202012Validator.check_schema(DEFINITIONS[name]["inputSchema"])
    jsonschema.Draft202012Validator.check_schema(DEFINITIONS[name]["outputSchema"])


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_input_schema_is_the_rest_model_plus_the_mcp_arguments(name: str) -> None:
    rest: dict[str, Any] = {"properties": {}, "required": []}
    for model in REST_MODELS[name]:
        part = model.model_json_schema()
        rest["properties"].update(part["properties"])
        rest["required"] += part.get("required", [])
    schema = DEFINITIONS[name]["inputSchema"]
    extra = {"idempotency_key"} if name in WRITES else set()
    if name == "request_new_card":
        extra.add("confirm")
    assert set(schema["properties"]) == set(rest["properties"]) | extra
    for field, spec in rest["properties"].items():
        assert schema["properties"][field] == spec  # same patterns, enums, descriptions
    assert schema["required"] == rest["required"]
    assert schema["additionalProperties"] is False
    if name in WRITES:
        pattern = schema["properties"]["idempotency_key"]["anyOf"][0]["pattern"]
        assert pattern == models.IDEMPOTENCY_KEY_PATTERN


def test_confirm_defaults_to_false() -> None:
    confirm = DEFINITIONS["request_new_card"]["inputSchema"]["properties"]["confirm"]
    assert (confirm["type"], confirm["default"]) == ("boolean", False)


#: (readOnlyHint, destructiveHint, idempotentHint) each tool deserves.
ANNOTATIONS = {
    "list_cards": (True, False, True),
    "lock_card": (False, False, True),
    "unlock_card": (False, False, True),
    "activate_card": (False, False, True),
    "request_new_card": (False, True, False),
    "get_card_history": (True, False, True),
}


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_annotations(name: str) -> None:
    read_only, destructive, idempotent = ANNOTATIONS[name]
    assert read_only is (TOOL_ACCESS[name] != "write")  # the grants of its Lambda say the same
    hints = DEFINITIONS[name]["annotations"]
    assert hints["readOnlyHint"] is read_only
    assert hints["destructiveHint"] is destructive
    assert hints["idempotentHint"] is idempotent
    assert hints["openWorldHint"] is False
    assert hints["title"] == DEFINITIONS[name]["title"]


def test_descriptions_tell_an_agent_when_to_use_and_what_to_confirm() -> None:
    text = {name: d["description"] for name, d in DEFINITIONS.items()}
    assert "suspected fraud" in text["unlock_card"]
    assert "UNLOCK_NOT_PERMITTED" in text["unlock_card"]
    assert "fraud team" in text["lock_card"]
    assert "confirm=false" in text["request_new_card"]
    assert "confirm=true" in text["request_new_card"]
    assert "cannot be undone" in text["request_new_card"]
    for name in WRITES:
        assert "onfirm" in text[name] or "agree" in text[name]
    assert "changes nothing" in text["list_cards"]
    assert "why a card is locked" in text["get_card_history"]
    assert "changes nothing" in text["get_card_history"]
    assert "next_cursor" in text["get_card_history"]


def _preview() -> dict[str, Any]:
    return models.dump(
        models.ReplacementPreview,
        {
            "card": card("CARD001"),
            "closes_current_card_now": True,
            "shipping": SHIPPING,
            "message": "m",
        },
    )


def test_request_new_output_schema_accepts_both_the_order_and_the_preview() -> None:
    schema = DEFINITIONS["request_new_card"]["outputSchema"]
    order = models.dump(models.WriteResult, {"card": card("CARD900"), "changed": True})
    jsonschema.validate(order, schema)
    jsonschema.validate(_preview(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"unexpected": 1}, schema)


def test_definitions_are_built_once_per_process() -> None:
    assert tool_definitions(("lock_card",)) is tool_definitions(("lock_card",))
    assert [tool.name for tool in TOOLS] == list(TOOLS_BY_NAME)


@pytest.mark.parametrize(
    ("limit", "taken"),
    [(5, 5), (5.0, 5), (1e2, 100), (5.5, None), (True, None), ("5", None), (1e3, None)],
)
def test_the_history_limit_is_taken_exactly_when_the_input_schema_allows_it(
    limit: Any, taken: int | None
) -> None:
    # GIVEN a limit an agent sends: JSON Schema's integer is any number without a fraction, so
    # 5.0 is one (a client or model that writes numbers as floats sends it); 5.5, true, "5" not
    arguments = {"customer_id": "CUST001", "card_id": "CARD001", "limit": limit}
    schema = jsonschema.Draft202012Validator(DEFINITIONS["get_card_history"]["inputSchema"])
    service = FakeCardService()
    # WHEN the tool is called with it
    outcome = call_tool(TOOLS_BY_NAME["get_card_history"], arguments, MCP_CALLER, lambda: service)
    # THEN it runs with that integer exactly when its own inputSchema accepts the arguments
    assert schema.is_valid(arguments) is (taken is not None)
    assert outcome.is_error is (taken is None), outcome.data
    if taken is not None:
        ((_, (_, _, limit_used, _), _),) = service.calls
        assert (type(limit_used), limit_used) == (int, taken)
    else:
        assert [f["field"] for f in outcome.data["error"]["details"]["fields"]] == ["limit"]
