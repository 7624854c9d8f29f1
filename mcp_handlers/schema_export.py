"""Tool schemas in the subset AgentCore Gateway accepts, and the targets that carry them.

A Gateway Lambda target's tool schema may only use ``type``, ``properties``, ``required``,
``items`` and ``description`` (botocore rejects ``enum``, ``pattern``, ``anyOf``, ``default``,
``$ref``, ``title``… before the call is sent). So the pydantic schemas are rewritten: references
inlined, optional values reduced to their type, and enums, patterns and defaults folded into the
description, where the model reading it still learns them.

``python -m mcp_handlers.schema_export --out DIR`` writes one ``inlinePayload`` per target.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chalicelib import models
from mcp_handlers.tool_names import target_name
from mcp_handlers.tools import TOOLS, ToolSpec

ALLOWED_TYPES = {"string", "number", "object", "array", "boolean", "integer"}


def _notes(node: dict[str, Any]) -> list[str]:
    notes = []
    if "enum" in node:
        notes.append("One of: " + ", ".join(str(v) for v in node["enum"]) + ".")
    if "const" in node:
        notes.append(f"Always {node['const']}.")
    if "pattern" in node:
        notes.append(f"Format: {node['pattern']}")
    if "default" in node and node["default"] is not None:
        notes.append(f"Default: {json.dumps(node['default'])}.")
    notes += _bounds(node.get("minimum"), node.get("maximum"), "")
    notes += _bounds(node.get("minLength"), node.get("maxLength"), " characters")
    return notes


def _bounds(low: Any, high: Any, unit: str) -> list[str]:
    """A range the tool enforces, said in words (the subset has no ``minimum``/``maxLength``)."""
    if low is not None and high is not None:
        return [f"From {low} to {high}{unit}."]
    if low is not None:
        return [f"At least {low}{unit}."]
    if high is not None:
        return [f"At most {high}{unit}."]
    return []


def _options(node: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    options = node.get("anyOf") or node.get("oneOf") or []
    resolved = [_resolve(option, defs) for option in options]
    return [option for option in resolved if option.get("type") != "null"]


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _merge_objects(options: list[dict[str, Any]]) -> dict[str, Any]:
    """Several object shapes as one: every property, required only where all require it."""
    properties: dict[str, Any] = {}
    required = set(options[0].get("required", []))
    for option in options:
        properties.update(option.get("properties", {}))
        required &= set(option.get("required", []))
    return {"type": "object", "properties": properties, "required": sorted(required)}


def restrict(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """One JSON Schema node in the Gateway's subset."""
    node = _resolve(node, defs)
    options = _options(node, defs)
    if options:
        merged = options[0] if len(options) == 1 else _merge_objects(options)
        rest = {k: v for k, v in node.items() if k not in {"anyOf", "oneOf"}}
        node = {
            **merged,
            **rest,
            "description": rest.get("description") or merged.get("description"),
        }
    kind = node.get("type", "object")
    result: dict[str, Any] = {"type": kind if kind in ALLOWED_TYPES else "string"}
    description = " ".join(filter(None, [node.get("description"), *_notes(node)]))
    if description:
        result["description"] = description
    if result["type"] == "object":
        props = node.get("properties", {})
        result["properties"] = {name: restrict(value, defs) for name, value in props.items()}
        if node.get("required"):
            result["required"] = list(node["required"])
    if result["type"] == "array" and isinstance(node.get("items"), dict):
        result["items"] = restrict(node["items"], defs)
    return result


def _restrict_root(schema: dict[str, Any]) -> dict[str, Any]:
    return restrict(schema, schema.get("$defs", {}))


def gateway_tool(tool: ToolSpec) -> dict[str, Any]:
    """One ``inlinePayload`` entry: the tool with its input and output in the Gateway subset.

    The output also names ``error``: a refusal comes back as ``{"error": {...}}`` (see
    ``lambda_adapter``), so no property is required.
    """
    definition = tool.definition()
    output = _restrict_root(definition["outputSchema"])
    error = _restrict_root(models.ErrorBody.model_json_schema(mode="serialization"))
    error["description"] = "Present instead of the result when the request was refused."
    output["properties"]["error"] = error
    output.pop("required", None)
    return {
        "name": tool.name,
        "description": tool.description,
        "inputSchema": _restrict_root(definition["inputSchema"]),
        "outputSchema": output,
    }


def export(out: Path) -> list[Path]:
    """Write ``<target>.json`` (an ``inlinePayload`` list) for every tool; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for tool in TOOLS:
        path = out / f"{target_name(tool.name)}.json"
        path.write_text(json.dumps([gateway_tool(tool)], indent=2) + "\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("build/gateway-schemas"))
    args = parser.parse_args(argv)
    for path in export(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
