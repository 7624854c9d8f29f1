"""What each cold start imports: the REST API pays nothing for MCP (but the list of tool names
``app.py`` registers their Lambdas from) or Connect, the MCP and Connect Lambdas nothing for
each other or for the OpenAPI document, and a tool Lambda never loads the MCP SDK,
``mcp-types`` or a JSON Schema validator (tests-only dependencies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("mcp", "mcp_types", "jsonschema", "boto3")
#: What every function loads of MCP: the tool names, for ``app.py`` to register their Lambdas.
TOOL_NAMES = {"mcp_handlers", "mcp_handlers.tool_names"}

#: A lock through the REST handler as API Gateway sends it, refused before the service (the
#: body names no card): the routing, the edge and the error envelope, without DynamoDB.
REST_LOCK = """
event = {"resource": "/v1/cards/lock", "path": "/v1/cards/lock", "httpMethod": "POST",
         "headers": {"Content-Type": "application/json"}, "body": "{}",
         "requestContext": {"resourcePath": "/v1/cards/lock", "httpMethod": "POST"}}
assert app.app(event, None)["statusCode"] == 400
"""
MCP_TOOLS_LIST = 'app.mcp_lock_card({\'body\': \'{"method": "tools/list", "id": 1}\'}, None)'
CONNECT_BAD_EVENT = "assert app.connect_update_session_data({}, None)['status'] == 'ERROR'"

#: Each function's first answer, the module that answers it, and what it must not load: another
#: channel's code, or the OpenAPI document (built only for ``GET /openapi.json`` or a query
#: string to check). The MCP and Connect Lambdas do load the REST edge: ``app.py`` declares
#: every function, and its routes are decorated when it is imported.
FIRST_ANSWERS = {
    "rest": (
        REST_LOCK,
        "chalicelib.rest.bare_event_shim",
        ("mcp_handlers", "chalicelib.connect", "chalicelib.rest.openapi"),
    ),
    "mcp": (
        MCP_TOOLS_LIST,
        "mcp_handlers.lambda_adapter",
        ("chalicelib.connect", "chalicelib.rest.openapi"),
    ),
    "connect": (
        CONNECT_BAD_EVENT,
        "chalicelib.connect.handler",
        ("mcp_handlers", "chalicelib.rest.openapi"),
    ),
}


def loaded_after(code: str) -> set[str]:
    """Every module a fresh interpreter has loaded after running ``code``."""
    report = "import sys, json; print(json.dumps(sorted(sys.modules)))"
    script = f"{code}\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def tops(modules: set[str]) -> set[str]:
    """The top-level packages of ``modules``."""
    return {name.split(".")[0] for name in modules}


def under(modules: set[str], packages: tuple[str, ...]) -> set[str]:
    """The modules that are one of ``packages`` or inside one."""
    return {m for m in modules if any(m == p or m.startswith(f"{p}.") for p in packages)}


def test_importing_the_app_loads_no_mcp_code_but_the_tool_names() -> None:
    assert under(loaded_after("import app"), ("mcp_handlers",)) == TOOL_NAMES


def test_a_tool_lambda_answering_tools_list_loads_no_sdk_or_validator() -> None:
    modules = tops(loaded_after(f"import app\n{MCP_TOOLS_LIST}"))
    assert "mcp_handlers" in modules
    assert not modules & set(HEAVY), modules & set(HEAVY)


@pytest.mark.parametrize("function", sorted(FIRST_ANSWERS))
def test_a_first_answer_loads_nothing_of_the_other_channels(function: str) -> None:
    code, answering, foreign = FIRST_ANSWERS[function]
    modules = loaded_after(f"import app\n{code}")
    assert answering in modules
    assert under(modules, foreign) - TOOL_NAMES == set()


def test_the_check_sees_a_channel_imported_by_another() -> None:
    """The check itself can fail: the REST handler importing the Connect Lambda is caught."""
    code, _, foreign = FIRST_ANSWERS["rest"]
    modules = loaded_after(f"import app\nimport chalicelib.connect.handler\n{code}")
    assert "chalicelib.connect.handler" in under(modules, foreign)
