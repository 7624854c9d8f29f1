"""``make invoke``: run one of app.py's Lambda handlers in this process, as Lambda would.

The habit of ``sam local invoke`` and ``chalice invoke``, without an AWS account: the handler
gets the event from a file and a Lambda context like the real one (request id, function name
and ARN, memory, a remaining time counting down from the function's timeout in
``.chalice/config.json``, and for the MCP tools the client context AgentCore Gateway sends),
with the function's environment from the ``local`` stage. Data lives in DynamoDB Local
(``DYNAMODB_ENDPOINT``, the one ``make dev`` starts by default); every other AWS service is the
local stand-in of ``local_aws.py``, and an audit hook refuses any connection beyond this
machine, so nothing ever reaches AWS whatever the shell's environment holds.

stdout: what the stand-in did (one ``stand-in …`` line per call), refused connections, then the
handler's return value as compact JSON (what ``aws lambda invoke`` writes to its outfile).
stderr: the function's own logs and metrics, as CloudWatch would get them.

    .venv/bin/python -m scripts.invoke_local [--client-context gateway|none] FUNCTION EVENT_FILE
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

from infra.permissions import FUNCTIONS, Function, by_chalice_name  # noqa: E402
from scripts.local_aws import StandIn, refuse_non_local_connections  # noqa: E402

STAGE = "local"
ACCOUNT = "123456789012"
DEFAULT_DYNAMODB_ENDPOINT = "http://localhost:8000"
#: Nothing from the shell may choose credentials, a profile or an endpoint for the SDK.
UNSAFE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@dataclass(frozen=True)
class ClientContext:
    """``context.client_context``: what ``aws lambda invoke --client-context`` carries."""

    custom: dict[str, str]
    client: Any = None
    env: Any = None


@dataclass
class LambdaContext:
    """The Python runtime's context object, attribute for attribute."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: float
    region: str
    client_context: ClientContext | None = None
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        """The ARN a caller would have used."""
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        """Where CloudWatch would keep this function's logs."""
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        """A stream name shaped like Lambda's."""
        return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        """Time left before the function's timeout, counting from the invocation's start."""
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def gateway_client_context(function: Function, request_id: str) -> ClientContext:
    """The client context AgentCore Gateway sends a Lambda target (its six keys, exactly)."""
    return ClientContext(
        custom={
            "bedrockAgentCoreMessageVersion": "1.0",
            "bedrockAgentCoreAwsRequestId": request_id,
            "bedrockAgentCoreMcpMessageId": "1",
            "bedrockAgentCoreGatewayId": "local-gateway",
            "bedrockAgentCoreTargetId": "local-target",
            "bedrockAgentCoreToolName": f"{function.gateway_target}___{function.mcp_tool}",
        }
    )


def stage_config(name: str) -> Any:
    """Chalice's own reading of ``.chalice/config.json`` for this function in stage ``local``."""
    from chalice.config import Config

    on_disk = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return Config(chalice_stage=STAGE, function_name=name, config_from_disk=on_disk)


def prepare_environment(config: Any, stand_in_url: str) -> str:
    """The function's environment (config first, the shell's values win), local credentials,
    DynamoDB Local and the stand-in for every other service. Returns the region."""
    for variable in [*UNSAFE_VARIABLES, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]:
        os.environ.pop(variable, None)
    for variable in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[variable]
    for variable, value in (config.environment_variables or {}).items():
        os.environ.setdefault(variable, value)
    os.environ.update(LOCAL_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = stand_in_url  # every service but DynamoDB
    os.environ.setdefault("DYNAMODB_ENDPOINT", DEFAULT_DYNAMODB_ENDPOINT)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
    return region


def handler_of(name: str) -> Any:
    """The callable Lambda runs for the function named ``name`` in app.py."""
    import app

    if name == "api_handler":
        return app.app
    handlers = {f.name: f for f in app.app.pure_lambda_functions}
    handlers.update({s.name: getattr(app, s.name) for s in app.app.event_sources})
    return handlers[name]


def lambda_context(function: Function, config: Any, region: str, client_context: str) -> Any:
    """The context Lambda would pass this function; the Gateway's client context for MCP tools
    unless ``client_context`` is ``none``."""
    context = LambdaContext(
        function_name=function.base_name,  # stage local has no suffix
        memory_limit_in_mb=int(config.lambda_memory_size or 128),
        timeout_seconds=float(config.lambda_timeout or 3),
        region=region,
    )
    if function.mcp_tool is not None and client_context == "gateway":
        context.client_context = gateway_client_context(function, context.aws_request_id)
    return context


def report(notes: list[str], refused: list[str], result: Any) -> None:
    """stdout: what the stand-in did, what was refused, then the handler's answer."""
    for note in notes:
        print(note)
    for host in dict.fromkeys(refused):
        print(f"refused: a connection to {host} (make invoke reaches this machine only)")
    print(json.dumps(result, separators=(",", ":")))


def finish_background_work(running: set[threading.Thread], context: Any) -> None:
    """Let calls the handler left in flight (the Connect Lambda's background DescribeContact)
    end within the function's time, so the notes always say what was sent."""
    for thread in set(threading.enumerate()) - running:
        thread.join(timeout=context.get_remaining_time_in_millis() / 1000)


def warm_up(function: Function) -> None:
    """Build the clients the function builds on its first call, as a warm Lambda has them.

    A cold Lambda builds them within its first invocation's time; here that would let a busy
    machine's slowness (loading botocore's service models) eat the Connect function's 6 s and
    make the outcome depend on the machine's load rather than on the event.
    """
    from chalicelib import runtime

    if function.connect:
        runtime.connect_dependencies()
    else:
        runtime.card_service()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """FUNCTION (a name in app.py), EVENT (a JSON file) and the client context to send."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function", choices=[f.chalice_name for f in FUNCTIONS], metavar="FUNCTION")
    parser.add_argument("event", type=Path, metavar="EVENT")
    parser.add_argument(
        "--client-context",
        choices=("gateway", "none"),
        default="gateway",
        help="MCP tools: the AgentCore Gateway client context (default) or none, as a plain "
        "'aws lambda invoke' sends",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Invoke the function once; print the stand-in's notes and the handler's answer."""
    args = parse_args(argv)
    try:
        event = json.loads(args.event.read_text())
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the event {args.event}: {exc}", file=sys.stderr)
        return 2
    refused: list[str] = []
    refuse_non_local_connections(refused)
    function = by_chalice_name(args.function)
    config = stage_config(function.chalice_name)
    stand_in = StandIn(region="us-east-1").start()
    stand_in.region = prepare_environment(config, stand_in.url)
    handler = handler_of(function.chalice_name)
    warm_up(function)  # Lambda's init phase: the clock starts after it
    context = lambda_context(function, config, stand_in.region, args.client_context)
    print(
        f"invoke {function.chalice_name} ({context.function_name}) with {args.event}: DynamoDB at "
        f"{os.environ['DYNAMODB_ENDPOINT']}, other AWS services answered by a local stand-in",
        file=sys.stderr,
    )
    running = set(threading.enumerate())
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the function's logs go where Lambda's do
            result = handler(event, context)
            finish_background_work(running, context)
    finally:
        stand_in.stop()
    report(stand_in.notes, refused, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
