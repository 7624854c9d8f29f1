"""Create or update a stage's AgentCore Gateway targets: one per MCP Lambda, or one MCP server.

    python -m scripts.register_gateway_targets --gateway-id GW --stage dev [--region R]
        [--account 123456789012] [--mcp-endpoint https://API.execute-api.R.amazonaws.com/api/mcp]
        [--dry-run]

By default each target (``lock-card``, ``unlock-card``, …) points at
``betterbank-mcp-<tool>-<stage>`` with the tool's schema in the Gateway subset and the gateway's
own IAM role as credentials (``GATEWAY_IAM_ROLE``: the stack's ``betterbank-gateway-role-<stage>``
may invoke exactly these functions). With ``--mcp-endpoint`` it registers instead the one
MCP server target ``card-operations`` for the deployed ``POST /mcp``, signed by the same role
(``scripts/gateway_targets.py`` compares the two). Rerunning updates targets in place; a gateway
that already holds the other kind is named on stderr (its agents would see every tool twice).

``--dry-run`` prints the requests and calls nothing, not even STS: without ``--account`` the
ARNs carry the placeholder account 123456789012, and without a region (``--region`` or
``AWS_DEFAULT_REGION``) the placeholder region us-east-1; one line on stderr says which.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mcp_handlers.tool_names import TOOL_NAMES, target_name
from scripts.gateway_targets import MCP_SERVER_TARGET, mcp_server_request, target_requests

#: What a dry run puts in the ARNs when it is not told the account or cannot find a region.
PLACEHOLDER_ACCOUNT = "123456789012"
PLACEHOLDER_REGION = "us-east-1"
MESSAGES = {
    "AccessDeniedException": "access denied: your credentials may not manage this gateway's "
    "targets (bedrock-agentcore:*GatewayTarget*), or the gateway role may not invoke the function",
    "ResourceNotFoundException": "gateway not found: check --gateway-id and --region",
    "ValidationException": "the service rejected a target definition",
    "UnrecognizedClientException": "the credentials are not valid",
    "ExpiredTokenException": "the credentials have expired",
    "ConflictException": "a target is being changed by someone else; rerun in a minute",
    "ThrottlingException": "throttled by the service; rerun in a minute",
}


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


def _placeholders(account: str | None, region: str | None) -> str:
    """The dry run's one-line warning about made-up ARN parts ("" when there are none)."""
    values: list[str] = []
    flags: list[str] = []
    if not account:
        values.append(f"account {PLACEHOLDER_ACCOUNT}")
        flags.append("--account")
    if not region:
        values.append(f"region {PLACEHOLDER_REGION}")
        flags.append("--region (or set AWS_DEFAULT_REGION)")
    if not values:
        return ""
    return (
        f"dry run: the Lambda ARNs use a placeholder {' and '.join(values)}; "
        f"pass {' and '.join(flags)} for the real {'ones' if len(values) > 1 else 'one'}"
    )


def _client_error(exc: Any) -> str:
    """One line for an AWS error: what it means here, plus the service's own sentence where it
    says something we cannot (which field a ValidationException is about)."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    meaning = MESSAGES.get(code, code or "request failed")
    detail = " ".join(str(error.get("Message", "")).split())[:300]
    return f"{meaning}: {detail}" if code == "ValidationException" and detail else meaning


def _run(args: argparse.Namespace) -> int:
    import boto3

    session = boto3.session.Session(region_name=args.region)
    region = session.region_name
    if region is None and not args.dry_run:
        print("error: no region: pass --region or set AWS_DEFAULT_REGION", file=sys.stderr)
        return 1
    if args.dry_run:
        warning = _placeholders(args.account, region)
        if warning:
            print(warning, file=sys.stderr)
        region = region or PLACEHOLDER_REGION
        account = args.account or PLACEHOLDER_ACCOUNT
    else:
        account = args.account or _account(args, session)
    partition = session.get_partition_for_region(region)
    if args.mcp_endpoint:
        requests = [mcp_server_request(args.gateway_id, args.stage, args.mcp_endpoint, region)]
    else:
        requests = target_requests(args.gateway_id, args.stage, region, account, partition)
    if args.dry_run:
        print(json.dumps(requests, indent=2))
        return 0
    client = session.client("bedrock-agentcore-control", region_name=region)
    other = _other_kind(existing_targets(client, args.gateway_id), bool(args.mcp_endpoint))
    if other:
        print(
            f"warning: gateway {args.gateway_id} also has the target(s) {', '.join(other)}: "
            "its agents see every tool twice; remove them with aws bedrock-agentcore-control "
            "delete-gateway-target",
            file=sys.stderr,
        )
    for line in register(client, requests):
        print(line)
    return 0


def _other_kind(existing: dict[str, str], mcp_server: bool) -> list[str]:
    """Targets of the kind not being registered (Lambda targets vs the MCP server target)."""
    lambda_names = {target_name(tool) for tool in TOOL_NAMES}
    other = {MCP_SERVER_TARGET} if not mcp_server else lambda_names
    return sorted(set(existing) & other)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; exit 1 with one line (no traceback) on any AWS error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gateway-id", required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--account", default=None, help="skip the STS lookup of the account id")
    parser.add_argument(
        "--mcp-endpoint",
        help="register one MCP server target for this https URL of POST /mcp instead",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the requests, call nothing (not even STS)"
    )
    args = parser.parse_args(argv)

    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    try:
        return _run(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ClientError as exc:
        print(f"error: {_client_error(exc)}", file=sys.stderr)
    except ParamValidationError as exc:
        reason = " ".join(str(exc).split())[:300]
        print(f"error: invalid request (check --gateway-id): {reason}", file=sys.stderr)
    except BotoCoreError as exc:
        print(
            f"error: {type(exc).__name__}: configure AWS credentials and a region", file=sys.stderr
        )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
