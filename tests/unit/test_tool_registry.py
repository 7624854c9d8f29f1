"""One list of MCP tools (``mcp_handlers.tool_names``) and everything derived from it: the
tool definitions, one Lambda per tool bound where the Lambda runtime looks for it, and one
function in the permission table per tool with the grants of its kind of access."""

from __future__ import annotations

import app
from infra.permissions import API_GRANTS, GRANTS_BY_ACCESS, MCP_FUNCTIONS, by_chalice_name
from mcp_handlers.tool_names import TOOL_ACCESS, TOOL_NAMES, lambda_name, target_name
from mcp_handlers.tools import TOOLS

#: What a read may call: a consistent read (``TransactGetItems`` is authorised by ``GetItem``)
#: and queries.
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query"}


def test_the_tool_definitions_follow_the_registry() -> None:
    assert [tool.name for tool in TOOLS] == list(TOOL_NAMES)


def test_each_tool_has_its_own_lambda_bound_where_the_runtime_finds_it() -> None:
    registered = {f.name: f for f in app.app.pure_lambda_functions}
    assert {name for name in registered if name.startswith("mcp_")} == {
        lambda_name(tool) for tool in TOOL_NAMES
    }
    for tool in TOOL_NAMES:
        function = registered[lambda_name(tool)]
        # Lambda imports the module and calls the attribute the handler string names.
        assert function.handler_string == f"app.{lambda_name(tool)}"
        assert getattr(app, lambda_name(tool)) is app.app.handler_map[lambda_name(tool)]


def test_the_permission_table_has_one_function_per_tool_with_its_access_grants() -> None:
    assert [f.mcp_tool for f in MCP_FUNCTIONS] == list(TOOL_NAMES)
    for tool, access in TOOL_ACCESS.items():
        function = by_chalice_name(lambda_name(tool))
        assert function.grants == GRANTS_BY_ACCESS[access]
        assert function.gateway_target == target_name(tool)
        assert function.base_name == f"betterbank-mcp-{target_name(tool)}"


def test_read_access_grants_only_reads() -> None:
    reads = {access: grants for access, grants in GRANTS_BY_ACCESS.items() if access != "write"}
    assert reads  # list_cards' at least
    for access, grants in reads.items():
        assert {action for grant in grants for action in grant.actions} <= READ_ACTIONS, access


def test_the_rest_handler_may_do_whatever_any_tool_does() -> None:
    """REST serves every use case, so it holds every kind of tool access."""
    granted = {(g.table, g.index, a) for g in API_GRANTS for a in g.actions}
    for grants in GRANTS_BY_ACCESS.values():
        assert {(g.table, g.index, a) for g in grants for a in g.actions} <= granted
