"""The ``CreateGatewayTarget`` requests for a stage: one Lambda target per MCP tool, or one
MCP server target for the deployed ``POST /mcp``.

Two ways to put the card tools behind an AgentCore Gateway, both signed with the gateway's own
role (``betterbank-gateway-role-STAGE``, which may do exactly these calls):

* **Lambda targets** (default): ``lock-card``, ``unlock-card``, … each point at
  ``betterbank-mcp-<tool>-<stage>`` with the tool's schema in the gateway's subset
  (``mcp_handlers.schema_export``); the gateway speaks MCP and invokes the function with the
  arguments. Schemas live in the target, so a schema change needs a rerun.
* **An MCP server target**: one target, ``card-operations``, whose endpoint is the stage's
  ``https://API.execute-api.REGION.amazonaws.com/api/mcp``; the gateway lists the tools from
  the server itself and signs every request with SigV4 for ``execute-api`` (the route needs
  IAM auth). One target for every tool, schemas never copied, but every call goes through API
  Gateway and the REST handler.

Split from ``register_gateway_targets.py`` (the command that sends them).
"""

from __future__ import annotations

from typing import Any

from infra.permissions import MCP_FUNCTIONS
from mcp_handlers.schema_export import gateway_tool
from mcp_handlers.tools import TOOLS_BY_NAME

LAMBDA_CREDENTIALS = [{"credentialProviderType": "GATEWAY_IAM_ROLE"}]
MCP_SERVER_TARGET = "card-operations"


def target_requests(
    gateway_id: str, stage: str, region: str, account: str, partition: str = "aws"
) -> list[dict[str, Any]]:
    """The ``CreateGatewayTarget`` arguments of every Lambda target of ``stage``: one per MCP
    tool Lambda (``infra.permissions.MCP_FUNCTIONS``), with its tool's schema."""
    requests = []
    for function in MCP_FUNCTIONS:
        tool = TOOLS_BY_NAME[function.mcp_tool]
        arn = f"arn:{partition}:lambda:{region}:{account}:function:{function.function_name(stage)}"
        requests.append(
            {
                "gatewayIdentifier": gateway_id,
                "name": function.gateway_target,
                "description": f"BetterBank {tool.title.lower()} ({stage})",
                "targetConfiguration": {
                    "mcp": {
                        "lambda": {
                            "lambdaArn": arn,
                            "toolSchema": {"inlinePayload": [gateway_tool(tool)]},
                        }
                    }
                },
                "credentialProviderConfigurations": LAMBDA_CREDENTIALS,
            }
        )
    return requests


def mcp_server_request(gateway_id: str, stage: str, endpoint: str, region: str) -> dict[str, Any]:
    """The one MCP server target: the stage's ``POST /mcp``, signed with the gateway role."""
    if not endpoint.startswith("https://") or not endpoint.rstrip("/").endswith("/mcp"):
        raise ValueError(f"--mcp-endpoint must be the https URL of POST /mcp, not {endpoint!r}")
    return {
        "gatewayIdentifier": gateway_id,
        "name": MCP_SERVER_TARGET,
        "description": f"BetterBank card operations, every tool, over POST /mcp ({stage})",
        "targetConfiguration": {"mcp": {"mcpServer": {"endpoint": endpoint.rstrip("/")}}},
        "credentialProviderConfigurations": [
            {
                "credentialProviderType": "GATEWAY_IAM_ROLE",
                "credentialProvider": {
                    "iamCredentialProvider": {"service": "execute-api", "region": region}
                },
            }
        ],
    }
