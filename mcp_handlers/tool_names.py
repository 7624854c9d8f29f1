"""The MCP tools by name, and what data each one touches: the list the deployment derives from.

``app.py`` registers one Lambda per name (``mcp_lock_card``), ``infra/permissions.py`` gives each
the DynamoDB grants of its kind of access (``python -m infra.chalice_policies`` writes them into
``.chalice/``), and the AgentCore Gateway targets and exported schemas follow the same list;
``mcp_handlers.tools`` defines each tool, in this order. Standard library only: ``app.py``
imports this on every cold start, the REST handler's included, and nothing else of MCP.
"""

from __future__ import annotations

from typing import Final, Literal

#: ``write``: changes a card (and ``request_new_card``'s preview reads what a change would);
#: ``list``: reads a customer's cards; ``history``: reads a card's events.
Access = Literal["write", "list", "history"]

#: Every tool, in ``tools/list`` order, and its kind of access.
TOOL_ACCESS: Final[dict[str, Access]] = {
    "lock_card": "write",
    "unlock_card": "write",
    "request_new_card": "write",
    "list_cards": "list",
    "activate_card": "write",
    "get_card_history": "history",
}
TOOL_NAMES: Final = tuple(TOOL_ACCESS)


def lambda_name(tool: str) -> str:
    """The Chalice name of the tool's own Lambda: ``lock_card`` -> ``mcp_lock_card``."""
    return f"mcp_{tool}"


def target_name(tool: str) -> str:
    """Its AgentCore Gateway target; target names cannot contain ``_``: ``lock-card``."""
    return tool.replace("_", "-")
