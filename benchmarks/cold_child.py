"""One cold start, in a fresh interpreter: one of ``MODES`` (see ``benchmarks.cold``).

Prints one JSON line: the seconds measured (wall clock, and this process's CPU time, which other
processes' load disturbs far less), and the peak RSS. Kept free of any import before the
clock starts, so every mode pays exactly what it names. Runs inside the unpacked package
(``benchmarks.lambda_task``) or inside the venv, with nothing of the benchmarks importable.
"""

import time

_STARTED = time.perf_counter()
_CPU_STARTED = time.process_time()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

_cpu_seconds = 0.0


def _elapsed() -> float:
    """Wall seconds since the first statement; records the CPU seconds at the same moment."""
    global _cpu_seconds  # noqa: PLW0603 - one measurement per process
    _cpu_seconds = time.process_time() - _CPU_STARTED
    return time.perf_counter() - _STARTED


#: What the Connect Lambda creates: its own DynamoDB client, Connect and Q in Connect.
CONNECT_SERVICES = ("dynamodb", "connect", "qconnect")


def _clients(*services: str):
    """The floor: import boto3 and create one client per service."""
    import boto3

    session = boto3.session.Session()
    region = os.environ["AWS_DEFAULT_REGION"]
    clients = [
        session.client(name, region_name=region, endpoint_url=os.environ["DYNAMODB_ENDPOINT"])
        if name == "dynamodb"
        else session.client(name, region_name=region)
        for name in services
    ]
    return clients[0]


def _floor_with_calls(card_id: str, stack: bool = False) -> None:
    """The floor plus the two round trips of a lock, issued raw: what any implementation pays.
    With ``stack``, also what the mandated stack makes every implementation import: Chalice's
    runtime and pydantic (one model validating one body)."""
    if stack:
        _chalice()
        _pydantic()
    client = _clients("dynamodb")
    customers, cards = os.environ["CUSTOMERS_TABLE"], os.environ["CARDS_TABLE"]
    client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": customers, "Key": {"customer_id": {"S": "CUSTBENCH"}}}},
            {"Get": {"TableName": cards, "Key": {"card_id": {"S": card_id}}}},
        ]
    )
    client.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": customers,
                    "Key": {"customer_id": {"S": "CUSTBENCH"}},
                    "ConditionExpression": "attribute_exists(customer_id)",
                }
            },
            {
                "Put": {
                    "TableName": os.environ["CARD_EVENTS_TABLE"],
                    "Item": {"card_id": {"S": card_id}, "version": {"N": "1000"}},
                }
            },
        ]
    )


def _pydantic() -> None:
    """The least any pydantic validation costs: import it, define one model, validate once."""
    from pydantic import BaseModel

    class Ref(BaseModel):
        card_id: str

    Ref.model_validate_json('{"card_id": "CARD001"}')


def _chalice() -> None:
    import chalice.app  # noqa: F401


class _ClientContext:
    def __init__(self, custom: dict[str, str]) -> None:
        self.custom, self.client, self.env = custom, None, None


class _Context:
    """What the Lambda runtime passes a handler (AgentCore Gateway sets ``client_context``)."""

    def __init__(self, tool: str | None = None) -> None:
        self.aws_request_id = "cold-start"
        self.function_name = "cold-start"
        custom = {"bedrockAgentCoreToolName": f"cards___{tool}"} if tool else None
        self.client_context = _ClientContext(custom) if custom else None

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _rest_event(operation: str, card_id: str) -> dict[str, object]:
    path = f"/v1/cards/{operation}"
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": "POST", "requestId": "cold"},
        "body": json.dumps({"customer_id": "CUSTBENCH", "card_id": card_id}),
        "isBase64Encoded": False,
    }


def _rest(card_id: str, warm_ops: int) -> float:
    """``import app`` + the REST handler's first lock (then ``warm_ops`` more writes)."""
    import app

    response = app.app(_rest_event("lock", card_id), _Context())
    elapsed = _elapsed()
    if response["statusCode"] != 200 or '"changed":true' not in response["body"].replace(" ", ""):
        raise SystemExit(f"first lock failed: {response}")
    for index in range(warm_ops):
        app.app(_rest_event("unlock" if index % 2 == 0 else "lock", card_id), _Context())
    return elapsed


def _mcp(card_id: str) -> float:
    """``import app`` + the ``lock_card`` tool Lambda's first call from AgentCore Gateway."""
    import app

    arguments = {"customer_id": "CUSTBENCH", "card_id": card_id}
    result = app.mcp_lock_card(arguments, _Context("lock_card"))
    elapsed = _elapsed()
    if not (isinstance(result, dict) and result.get("changed") is True):
        raise SystemExit(f"first MCP lock failed: {result}")
    return elapsed


def _connect(customer_id: str) -> float:
    """``import app`` + the Connect Lambda's first answer (Q in Connect answered locally)."""
    import app

    event = {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "ContactId": "11111111-0000-0000-0000-000000000001",
                "InitialContactId": "11111111-0000-0000-0000-000000000001",
                "Channel": "VOICE",
                "InitiationMethod": "INBOUND",
                "InstanceARN": "arn:aws:connect:us-east-1:123456789012:instance/"
                "11111111-2222-3333-4444-555555555555",
                "Attributes": {},
            },
            "Parameters": {"customerId": customer_id, "sessionArn": os.environ["BENCH_SESSION"]},
        },
    }
    result = app.connect_update_session_data(event, _Context())
    elapsed = _elapsed()
    if result.get("status") != "OK" or result.get("sessionUpdated") != "true":
        raise SystemExit(f"first Connect answer failed: {result}")
    return elapsed


def _timed(work, *args: object) -> float:
    work(*args)
    return _elapsed()


MODES = {
    "floor": lambda: _timed(_clients, "dynamodb"),
    "floor-connect": lambda: _timed(_clients, *CONNECT_SERVICES),
    "floor+calls": lambda card: _timed(_floor_with_calls, card),
    "minimal": lambda card: _timed(_floor_with_calls, card, True),
    "pydantic": lambda: _timed(_pydantic),
    "chalice": lambda: _timed(_chalice),
    "rest": lambda card, warm_ops="0": _rest(card, int(warm_ops)),
    "mcp": _mcp,
    "connect": _connect,
}


def _peak_rss_kib() -> int:
    """This process's peak resident memory (``VmHWM``; ``getrusage`` would report the parent's
    peak too, which Linux carries across ``exec``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    """``cold_child.py MODE [ARG ...]``."""
    mode, args = sys.argv[1], sys.argv[2:]
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the app's JSON logs are not results
    seconds = MODES[mode](*args)
    result = {"seconds": seconds, "cpu_seconds": _cpu_seconds, "rss_kib": _peak_rss_kib()}
    sys.__stdout__.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
