"""Create or update one AgentCore Gateway target per MCP Lambda of a stage.

    python scripts/register_gateway_targets.py --gateway-id GW --stage dev [--region R]
        [--account 123456789012] [--dry-run]

Each target (``lock-card``, ``unlock-card``, …) points at ``betterbank-mcp-<tool>-<stage>`` with
the tool's schema in the Gateway subset (``mcp_handlers.schema_export``) and the gateway's own
IAM role as credentials (``GATEWAY_IAM_ROLE``: the stack's ``betterbank-gateway-role-<stage>``
may invoke exactly these five functions). Rerunning updates targets in place.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mcp_handlers.schema_export import function_name, gateway_tool, target_name
from mcp_handlers.tools import TOOLS

CREDENTIALS = [{"credentialProviderType": "GATEWAY_IAM_ROLE"}]
MESSAGES = {
    "AccessDeniedException": "access denied: your credentials may not manage this gateway's "
    "targets (bedrock-agentcore:*GatewayTarget*), or the gateway role may not invoke the function",
    "ResourceNotFoundException": "gateway not found: check --gateway-id and --region",
    "ValidationException": "the service rejected a target definition",
    "ConflictException": "a target is being changed by someone else; rerun in a minute",
    "ThrottlingException": "throttled by the service; rerun in a minute",
}


def target_requests(gateway_id: str, stage: str, region: str, account: str) -> list[dict[str, Any]]:
    """The ``CreateGatewayTarget`` arguments of every target of ``stage``."""
    requests = []
    for tool in TOOLS:
        arn = f"arn:aws:lambda:{region}:{account}:function:{function_name(tool.name, stage)}"
        requests.append(
            {
                "gatewayIdentifier": gateway_id,
                "name": target_name(tool.name),
                "description": f"BetterBank {tool.title.lower()} ({stage})",
                "targetConfiguration": {
                    "mcp": {
                        "lambda": {
                            "lambdaArn": arn,
                            "toolSchema": {"inlinePayload": [gateway_tool(tool)]},
                        }
                    }
                },
                "credentialProviderConfigurations": CREDENTIALS,
            }
        )
    return requests


def existing_targets(client: Any, gateway_id: str) -> dict[str, str]:
    """Target name -> target id, over every page."""
    found: dict[str, str] = {}
    kwargs: dict[str, Any] = {"gatewayIdentifier": gateway_id}
    while True:
        page = client.list_gateway_targets(**kwargs)
        found.update({item["name"]: item["targetId"] for item in page.get("items", [])})
        if not page.get("nextToken"):
            return found
        kwargs["nextToken"] = page["nextToken"]


def register(client: Any, requests: list[dict[str, Any]]) -> list[str]:
    """Create missing targets and update existing ones; return what was done, one line each."""
    existing = existing_targets(client, requests[0]["gatewayIdentifier"])
    done = []
    for request in requests:
        target_id = existing.get(request["name"])
        if target_id is None:
            client.create_gateway_target(**request)
            done.append(f"created {request['name']}")
        else:
            client.update_gateway_target(targetId=target_id, **request)
            done.append(f"updated {request['name']} ({target_id})")
    return done


def _account(args: argparse.Namespace, session: Any) -> str:
    if args.account:
        return str(args.account)
    return str(session.client("sts").get_caller_identity()["Account"])


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; exit 1 with one line on any AWS error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gateway-id", required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--account", default=None, help="skip the STS lookup of the account id")
    parser.add_argument("--dry-run", action="store_true", help="print the requests, call nothing")
    args = parser.parse_args(argv)

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.session.Session(region_name=args.region)
        region = session.region_name or "us-east-1"
        account = args.account or ("123456789012" if args.dry_run else _account(args, session))
        requests = target_requests(args.gateway_id, args.stage, region, account)
        if args.dry_run:
            print(json.dumps(requests, indent=2))
            return 0
        client = session.client("bedrock-agentcore-control", region_name=region)
        for line in register(client, requests):
            print(line)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        print(f"error: {MESSAGES.get(code, code or 'request failed')}", file=sys.stderr)
        return 1
    except BotoCoreError as exc:
        print(
            f"error: {type(exc).__name__}: configure AWS credentials and a region", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
