"""The AgentCore Gateway schema subset: what ``restrict`` keeps, folds and collapses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcp_handlers.schema_export import gateway_tool, main, restrict
from mcp_handlers.tool_names import TOOL_NAMES, target_name
from mcp_handlers.tools import TOOLS_BY_NAME

ALLOWED = {"type", "properties", "required", "items", "description"}


def keys(node: dict[str, Any]) -> set[str]:
    found = set(node)
    for child in node.get("properties", {}).values():
        found |= keys(child)
    if isinstance(node.get("items"), dict):
        found |= keys(node["items"])
    return found


def test_optional_collapses_to_its_type_and_refs_are_inlined() -> None:
    defs = {"Lock": {"type": "object", "properties": {"at": {"type": "string"}}, "title": "Lock"}}
    node = {
        "type": "object",
        "properties": {
            "lock": {"anyOf": [{"$ref": "#/$defs/Lock"}, {"type": "null"}], "default": None},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "A note."},
        },
        "required": [],
    }
    out = restrict(node, defs)
    assert out == {
        "type": "object",
        "properties": {
            "lock": {"type": "object", "properties": {"at": {"type": "string"}}},
            "note": {"type": "string", "description": "A note."},
        },
    }


def test_enums_patterns_and_defaults_are_folded_into_the_description() -> None:
    node = {"type": "string", "enum": ["a", "b"], "default": "a", "description": "Pick."}
    assert restrict(node, {}) == {
        "type": "string",
        "description": 'Pick. One of: a, b. Default: "a".',
    }
    assert restrict({"type": "string", "pattern": "^X$"}, {}) == {
        "type": "string",
        "description": "Format: ^X$",
    }


def test_a_union_of_objects_keeps_every_property_and_requires_only_the_common_ones() -> None:
    node = {
        "anyOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]},
        ]
    }
    out = restrict(node, {})
    assert set(out["properties"]) == {"a", "b"}
    assert "required" not in out


def test_arrays_keep_their_items() -> None:
    out = restrict({"type": "array", "items": {"type": "string", "enum": ["x"]}}, {})
    assert out == {"type": "array", "items": {"type": "string", "description": "One of: x."}}


def test_every_tool_exports_only_allowed_keys_with_required_arguments_kept() -> None:
    for tool in TOOLS_BY_NAME.values():
        entry = gateway_tool(tool)
        assert set(entry) == {"name", "description", "inputSchema", "outputSchema"}
        assert keys(entry["inputSchema"]) <= ALLOWED
        assert keys(entry["outputSchema"]) <= ALLOWED
    lock = gateway_tool(TOOLS_BY_NAME["lock_card"])["inputSchema"]
    assert lock["required"] == ["customer_id", "card_id"]
    request_new = gateway_tool(TOOLS_BY_NAME["request_new_card"])
    assert request_new["inputSchema"]["properties"]["confirm"]["type"] == "boolean"
    assert "error" in request_new["outputSchema"]["properties"]
    assert "preview" in request_new["outputSchema"]["properties"]


def test_the_command_writes_one_inline_payload_per_target(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path / "schemas")]) == 0
    files = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert files == sorted(f"{target_name(tool)}.json" for tool in TOOL_NAMES)
    for tool in TOOL_NAMES:
        payload = json.loads((tmp_path / "schemas" / f"{target_name(tool)}.json").read_text())
        assert [entry["name"] for entry in payload] == [tool]


def test_numeric_and_length_bounds_are_folded_into_the_description() -> None:
    node = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "N."}
    assert restrict(node, {}) == {
        "type": "integer",
        "description": "N. Default: 20. From 1 to 100.",
    }
    assert restrict({"type": "string", "minLength": 1, "maxLength": 512}, {}) == {
        "type": "string",
        "description": "From 1 to 512 characters.",
    }
    assert restrict({"type": "integer", "minimum": 1}, {})["description"] == "At least 1."
    at_most = restrict({"type": "string", "maxLength": 9}, {})
    assert at_most["description"] == "At most 9 characters."


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_every_input_bound_reaches_the_gateway_schema(name: str) -> None:
    # the Gateway subset has no minimum/maximum/minLength/maxLength: a bound the tool enforces
    # (get_card_history's limit, 1..100) must still reach the agent, in the description
    schema = TOOLS_BY_NAME[name].definition()["inputSchema"]
    exported = gateway_tool(TOOLS_BY_NAME[name])["inputSchema"]["properties"]
    for field, spec in schema["properties"].items():
        for option in spec.get("anyOf", [spec]):
            for bound in ("minimum", "maximum", "minLength", "maxLength"):
                if bound in option:
                    assert f" {option[bound]}" in exported[field]["description"], (field, bound)
