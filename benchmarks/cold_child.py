"""One cold start in a fresh interpreter: ``cold_child.py MODE [JSON]`` (see ``benchmarks.cold``).

Prints one JSON line: the wall seconds from its first statement to the first answer, and this
process's CPU seconds over the same span (which other processes' load disturbs far less). No
import comes before the clock starts, so each mode pays exactly what it names. It runs inside
the unpacked package (or the venv) with nothing of the benchmarks importable: the parent
passes the event or card as JSON.
"""

import time

_STARTED = time.perf_counter()
_CPU_STARTED = time.process_time()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

#: What the Connect Lambda creates: its DynamoDB client, Connect and Q in Connect.
CONNECT_SERVICES = ("dynamodb", "connect", "qconnect")


def _clients(*services):
    """The floor: import boto3 and create one client per service."""
    import boto3

    session = boto3.session.Session()
    region, endpoint = os.environ["AWS_DEFAULT_REGION"], os.environ["DYNAMODB_ENDPOINT"]
    clients = [
        session.client(name, region_name=region, endpoint_url=endpoint)
        if name == "dynamodb"
        else session.client(name, region_name=region)
        for name in services
    ]
    return clients[0]


def _minimal(card_id):
    """What any implementation on the mandated stack pays: Chalice's runtime, pydantic
    validating one body with a one-field model, the floor and the lock's two calls, raw."""
    import chalice.app  # noqa: F401
    from pydantic import BaseModel

    class Ref(BaseModel):
        card_id: str

    Ref.model_validate_json(json.dumps({"card_id": card_id}))
    client = _clients("dynamodb")
    customer = {"customer_id": {"S": "CUSTBENCH"}}
    customers, cards = os.environ["CUSTOMERS_TABLE"], os.environ["CARDS_TABLE"]
    client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": customers, "Key": customer}},
            {"Get": {"TableName": cards, "Key": {"card_id": {"S": card_id}}}},
        ]
    )
    event = {"card_id": {"S": card_id}, "version": {"N": "1000"}}
    condition = "attribute_exists(customer_id)"
    return client.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": customers,
                    "Key": customer,
                    "ConditionExpression": condition,
                }
            },
            {"Put": {"TableName": os.environ["CARD_EVENTS_TABLE"], "Item": event}},
        ]
    )


class _ClientContext:
    def __init__(self, custom):
        self.custom, self.client, self.env = custom, None, None


class LambdaContext:
    """What the Lambda runtime passes a handler; AgentCore Gateway names the tool in
    ``client_context.custom``. (``benchmarks.harness`` uses it in process too.)"""

    def __init__(self, tool=None):
        self.aws_request_id = self.function_name = "bench"
        custom = {"bedrockAgentCoreToolName": f"cards___{tool}"} if tool else None
        self.client_context = _ClientContext(custom) if custom else None

    def get_remaining_time_in_millis(self):
        """Plenty: the bench never runs against a deadline."""
        return 30_000


def _rest(event):
    import app

    return app.app(event, LambdaContext())


def _mcp(arguments):
    import app

    return app.mcp_lock_card(arguments, LambdaContext("lock_card"))


def _connect(event):
    import app

    return app.connect_update_session_data(event, LambdaContext())


#: Each mode's work, and what its answer must be for the timing to count.
MODES = {
    "floor": (lambda _: _clients("dynamodb"), None),
    "floor-connect": (lambda _: _clients(*CONNECT_SERVICES), None),
    "minimal": (_minimal, None),
    "rest": (_rest, lambda a: json.loads(a["body"]).get("data", {}).get("changed") is True),
    "mcp": (_mcp, lambda a: isinstance(a, dict) and a.get("changed") is True),
    "connect": (_connect, lambda a: a.get("status") == "OK" and a.get("sessionUpdated") == "true"),
}


def main():
    """Run one mode, then print what it measured; exit non-zero if its answer is wrong."""
    work, check = MODES[sys.argv[1]]
    argument = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the app's JSON logs are not results
    answer = work(argument)
    seconds = time.perf_counter() - _STARTED
    cpu_seconds = time.process_time() - _CPU_STARTED
    if check is not None and not check(answer):
        raise SystemExit(f"{sys.argv[1]}: the first answer is wrong: {answer}")
    sys.__stdout__.write(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds}) + "\n")


if __name__ == "__main__":
    main()
