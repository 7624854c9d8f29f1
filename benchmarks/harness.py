"""The bench's world: its own DynamoDB Local with seeded tables, and each channel's entry point
called the way Lambda calls it (the events are the samples under ``tests/events``).

Everything listens on 127.0.0.1 and is stopped by ``Stack.close``.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.cold_child import LambdaContext  # noqa: E402
from chalicelib.clients import LOCAL_CREDENTIALS  # noqa: E402
from chalicelib.store.items import to_item  # noqa: E402
from chalicelib.store.tables import table_names  # noqa: E402
from scripts.create_tables import create_tables  # noqa: E402
from scripts.dynamodb_local_process import DynamoDBLocal  # noqa: E402
from scripts.seed_data import seed  # noqa: E402
from scripts.seed_items import card_items, customer_items  # noqa: E402

EVENTS = ROOT / "tests" / "events"
REGION = "us-east-1"
BENCH_CUSTOMER = "CUSTBENCH"


@dataclass
class Stack:
    """DynamoDB Local with the four tables of stage ``bench``, a local Q in Connect, and the
    app's environment pointed at them."""

    local: DynamoDBLocal
    qconnect: ThreadingHTTPServer
    names: dict[str, str]
    env: dict[str, str]
    admin: Any
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def start(cls) -> Stack:
        """Start DynamoDB Local (in memory, a free port), create and seed the tables."""
        from botocore.session import Session

        local = DynamoDBLocal(detach=False).start()
        qconnect = ThreadingHTTPServer(("127.0.0.1", 0), _QConnect)
        threading.Thread(target=qconnect.serve_forever, daemon=True).start()
        names = table_names("bench")
        env = {
            "AWS_ENDPOINT_URL_QCONNECT": f"http://127.0.0.1:{qconnect.server_port}",
            "DYNAMODB_ENDPOINT": local.endpoint,
            # The key the app signs DynamoDB Local requests with, so that the floor's raw
            # clients (environment credentials) see the same database.
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "betterbank-card-operations",
            **names,
        }
        admin = Session().create_client(
            "dynamodb", region_name=REGION, endpoint_url=local.endpoint, **LOCAL_CREDENTIALS
        )
        create_tables(admin, names)
        seed(admin, names, fresh_tables=True)
        os.environ.update(env)
        return cls(local, qconnect, names, env, admin)

    def new_cards(self, count: int) -> list[str]:
        """``count`` new active cards of ``CUSTBENCH`` (the customer is written first)."""
        customer = {**customer_items()[0], "customer_id": BENCH_CUSTOMER, "phone": "+15555550199"}
        self.admin.put_item(TableName=self.names["CUSTOMERS_TABLE"], Item=to_item(customer))
        ids = [f"CARDB{next(self._ids):05d}" for _ in range(count)]
        template = {**card_items()[0], "customer_id": BENCH_CUSTOMER, "status": "active"}
        for card_id in ids:
            item = to_item({**template, "card_id": card_id})
            self.admin.put_item(TableName=self.names["CARDS_TABLE"], Item=item)
        return ids

    def tables_without_stream(self) -> dict[str, str]:
        """The four tables again (stage ``benchns``), seeded, with no card-events stream."""
        names = table_names("benchns")
        create_tables(self.admin, names)
        self.admin.update_table(
            TableName=names["CARD_EVENTS_TABLE"], StreamSpecification={"StreamEnabled": False}
        )
        seed(self.admin, names, fresh_tables=True)
        return names

    def close(self) -> None:
        """Stop Q in Connect and DynamoDB Local."""
        self.qconnect.shutdown()
        self.local.stop()


class _QConnect(BaseHTTPRequestHandler):
    """Answers every request 200 ``{}``: UpdateSessionData as Q in Connect would, locally."""

    def do_PATCH(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PATCH

    def log_message(self, *_: object) -> None:
        """Quiet."""


def rest_event(
    method: str, resource: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event: the sample one, for this request."""
    event: dict[str, Any] = json.loads(
        (EVENTS / "rest" / "apigw_list_cards_event.json").read_text()
    )
    parts = zip(resource.split("/"), path.split("/"), strict=True)
    params = {name[1:-1]: value for name, value in parts if name.startswith("{")}
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    event.update(resource=resource, path=path, httpMethod=method, pathParameters=params or None)
    event.update(headers=all_headers, multiValueHeaders={k: [v] for k, v in all_headers.items()})
    event["body"] = None if body is None else json.dumps(body)
    event["requestContext"].update(resourcePath=resource, httpMethod=method, requestId="bench")
    return event


def write_event(
    operation: str, customer_id: str, card_id: str, idempotency_key: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A REST write: ``lock``, ``unlock``, ``request-new`` or ``activate``."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    path = f"/v1/cards/{operation}"
    body = {"customer_id": customer_id, "card_id": card_id, **extra}
    return rest_event("POST", path, path, body, headers)


def read_event(customer_id: str, card_id: str | None = None) -> dict[str, Any]:
    """``GET`` a customer's cards, or with ``card_id`` that card's history."""
    resource = "/v1/customers/{customer_id}/cards"
    path = f"/v1/customers/{customer_id}/cards"
    if card_id is not None:
        resource, path = f"{resource}/{{card_id}}/events", f"{path}/{card_id}/events"
    return rest_event("GET", resource, path)


def contact_flow_event(customer_id: str) -> dict[str, Any]:
    """A Connect ``ContactFlowEvent`` naming the customer and the Q in Connect session."""
    event: dict[str, Any] = json.loads(
        (EVENTS / "connect" / "voice_customer_id_parameter.json").read_text()
    )
    event["Details"]["Parameters"]["customerId"] = customer_id
    return event


def rest_call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Invoke the REST handler as Lambda would; the status and the parsed body."""
    from app import app

    response = app(event, LambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def mcp_call(tool: str, arguments: dict[str, Any]) -> Any:
    """Invoke a tool Lambda as AgentCore Gateway does: the arguments are the event."""
    import app

    return getattr(app, f"mcp_{tool}")(arguments, LambdaContext(tool))
