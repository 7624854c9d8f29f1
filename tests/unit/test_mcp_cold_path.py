"""What each cold start imports: the REST API pays nothing for MCP, and a tool Lambda never
loads the MCP SDK, ``mcp-types`` or a JSON Schema validator (tests-only dependencies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("mcp", "mcp_types", "jsonschema", "boto3")


def loaded_after(code: str) -> set[str]:
    """Top-level modules a fresh interpreter has loaded after running ``code``."""
    report = "import sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    script = f"{code}\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_importing_the_app_loads_no_mcp_code() -> None:
    assert "mcp_handlers" not in loaded_after("import app")


def test_a_tool_lambda_answering_tools_list_loads_no_sdk_or_validator() -> None:
    modules = loaded_after(
        'import app\napp.mcp_lock_card({\'body\': \'{"method": "tools/list", "id": 1}\'}, None)'
    )
    assert "mcp_handlers" in modules
    assert not modules & set(HEAVY), modules & set(HEAVY)
