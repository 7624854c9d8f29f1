"""The AgentCore Gateway schema subset: what ``restrict`` keeps, folds and collapses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
