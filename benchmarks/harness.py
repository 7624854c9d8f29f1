"""The bench's world: its own DynamoDB Local, seeded tables, events for every channel, and a
wire counter (a botocore ``before-send`` hook) on every DynamoDB client the app builds.

Everything listens on 127.0.0.1 and is stopped by ``Stack.close``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.clients import LOCAL_CREDENTIALS  # noqa: E402
from chalicelib.store.items import to_item  # noqa: E402
from chalicelib.store.tables import table_names  # noqa: E402
from scripts.create_tables import create_tables  # noqa: E402
from scripts.dynamodb_local_process import DynamoDBLocal  # noqa: E402
from scripts.seed_data import seed  # noqa: E402
from scripts.seed_items import CUSTOMERS, card_items  # noqa: E402

REGION = "us-east-1"
BENCH_CUSTOMER = "CUSTBENCH"
STAGE = "bench"


def bench_card_id(prefix: str, index: int) -> str:
    """An extra card of the bench customer (``CARD`` + 3-32 of ``[0-9A-Z]``)."""
    return f"CARD{prefix}{index:04d}"


@dataclass
class Stack:
    """DynamoDB Local with the four tables of stage ``bench``, and the app's environment."""

    local: DynamoDBLocal
    names: dict[str, str]
    env: dict[str, str]
    admin: Any

    @classmethod
    def start(cls) -> Stack:
        """Start DynamoDB Local (in memory, a free port), create and seed the tables."""
        import boto3

        local = DynamoDBLocal(detach=False).start()
        env = {
            "DYNAMODB_ENDPOINT": local.endpoint,
            # The key the app signs DynamoDB Local requests with, so the raw floor clients of
            # ``cold_child`` (environment credentials) see the same database.
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "LOG_LEVEL": "INFO",
            "POWERTOOLS_SERVICE_NAME": "betterbank-card-operations",
            **table_names(STAGE),
        }
        admin = boto3.session.Session().client(
            "dynamodb",
            endpoint_url=local.endpoint,
            region_name=REGION,
            **LOCAL_CREDENTIALS,
        )
        names = table_names(STAGE)
        create_tables(admin, names)
        seed(admin, names, fresh_tables=True)
        os.environ.update(env)
        return cls(local=local, names=names, env=env, admin=admin)

    def add_cards(self, prefix: str, count: int, status: str = "active") -> list[str]:
        """``count`` extra cards of ``CUSTBENCH`` (created with the customer if needed)."""
        customer = {**CUSTOMERS[0], "customer_id": BENCH_CUSTOMER, "phone": "+15555550199"}
        customer.update(status="active", created_at="2026-01-15T09:00:00Z")
        customer["updated_at"] = customer["created_at"]
        self.admin.put_item(TableName=self.names["CUSTOMERS_TABLE"], Item=to_item(customer))
        template = card_items()[0]
        ids = [bench_card_id(prefix, i) for i in range(count)]
        for start in range(0, count, 25):
            puts = [
                {
                    "PutRequest": {
                        "Item": to_item(
                            {**template, "card_id": card_id, "customer_id": BENCH_CUSTOMER}
                            | {"status": status}
                        )
                    }
                }
                for card_id in ids[start : start + 25]
            ]
            self.admin.batch_write_item(RequestItems={self.names["CARDS_TABLE"]: puts})
        return ids

    def close(self) -> None:
        """Stop DynamoDB Local."""
        self.local.stop()


@dataclass
class WireCounter:
    """Counts the HTTP requests DynamoDB clients send, by operation (retries included), and
    the transactions DynamoDB cancelled (a version moved under us: a conflict)."""

    sent: list[str] = field(default_factory=list)
    cancelled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_send(self, request: Any, **_: Any) -> None:
        """``before-send``: one round trip leaves the process."""
        target = request.headers.get("X-Amz-Target", b"")
        name = (target.decode() if isinstance(target, bytes) else str(target)).split(".")[-1]
        with self._lock:
            self.sent.append(name)

    def on_response(self, parsed: Any = None, **_: Any) -> None:
        """``after-call``: count cancelled transactions."""
        if isinstance(parsed, dict) and (
            parsed.get("Error", {}).get("Code") == "TransactionCanceledException"
        ):
            with self._lock:
                self.cancelled += 1

    def attach(self, client: Any) -> None:
        """Count every request of ``client`` (idempotent)."""
        events = client.meta.events
        events.register("before-send.dynamodb", self.on_send, unique_id="bench-wire-send")
        events.register("after-call.dynamodb", self.on_response, unique_id="bench-wire-call")

    def reset(self) -> None:
        """Forget what was counted."""
        with self._lock:
            self.sent.clear()
            self.cancelled = 0

    def by_operation(self) -> dict[str, int]:
        """Round trips per DynamoDB operation since the last reset."""
        with self._lock:
            return dict(Counter(self.sent))


class LambdaContext:
    """Enough of a Lambda context for every channel (and AgentCore's ``client_context``)."""

    def __init__(self, tool: str | None = None) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "bench"
        self.client_context: Any = None
        if tool is not None:
            self.client_context = _ClientContext({"bedrockAgentCoreToolName": f"bench___{tool}"})

    def get_remaining_time_in_millis(self) -> int:
        """Plenty: the bench never runs against a deadline."""
        return 30_000


class _ClientContext:
    def __init__(self, custom: dict[str, str]) -> None:
        self.custom = custom
        self.client = None
        self.env = None


def rest_event(
    method: str, resource: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event, as the deployed handler receives it."""
    params = {}
    for template_part, part in zip(resource.split("/"), path.split("/"), strict=True):
        if template_part.startswith("{"):
            params[template_part[1:-1]] = part
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "requestId": str(uuid.uuid4()),
            "stage": "dev",
            "identity": {"caller": "bench", "userArn": "bench"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def write_event(operation: str, customer_id: str, card_id: str, **extra: Any) -> dict[str, Any]:
    """A REST write: ``lock``, ``unlock``, ``request-new`` or ``activate``."""
    headers = {}
    key = extra.pop("idempotency_key", None)
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {"customer_id": customer_id, "card_id": card_id, **extra}
    path = f"/v1/cards/{operation}"
    return rest_event("POST", path, path, body, headers)


def list_event(customer_id: str) -> dict[str, Any]:
    """``GET /v1/customers/{customer_id}/cards``."""
    resource = "/v1/customers/{customer_id}/cards"
    return rest_event("GET", resource, f"/v1/customers/{customer_id}/cards")


def history_event(customer_id: str, card_id: str) -> dict[str, Any]:
    """``GET /v1/customers/{customer_id}/cards/{card_id}/events``."""
    resource = "/v1/customers/{customer_id}/cards/{card_id}/events"
    return rest_event("GET", resource, f"/v1/customers/{customer_id}/cards/{card_id}/events")


def rest_call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Invoke the REST handler as Lambda would; the status and the parsed body."""
    from app import app

    response = app(event, LambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def contact_flow_event(customer_id: str, session_arn: str) -> dict[str, Any]:
    """A Connect ``ContactFlowEvent`` naming the customer and the Q in Connect session."""
    instance = (
        "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
    )
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "ContactId": str(uuid.uuid4()),
                "InitialContactId": str(uuid.uuid4()),
                "Channel": "VOICE",
                "InitiationMethod": "INBOUND",
                "InstanceARN": instance,
                "CustomerEndpoint": {"Address": "+15555550101", "Type": "TELEPHONE_NUMBER"},
                "Attributes": {},
            },
            "Parameters": {"customerId": customer_id, "sessionArn": session_arn},
        },
    }
