"""Pytest fixtures over a real DynamoDB Local: one JVM per test process, fresh tables per test.

The JVM starts lazily, the first time a test asks for ``ddb_tables`` (unit tests never pay for
it), listens on a free port on 127.0.0.1 and is stopped at session end, at interpreter exit,
and by the kernel if the test process is killed. Under pytest-xdist each worker has its own.
Each test gets four tables with a random suffix, seeded with the demo data, so tests never
see each other's writes and need no cleanup order. Set ``DYNAMODB_ENDPOINT`` to test against
an emulator you run yourself.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib import clients
from chalicelib.clients import ClientBudget
from chalicelib.store.tables import table_names
from scripts.create_tables import create_tables
from scripts.delete_tables import delete_tables
from scripts.dynamodb_local_process import DynamoDBLocal
from scripts.dynamodb_local_setup import DynamoDBLocalError
from scripts.seed_data import seed

REGION = "us-east-1"
#: The environment's credentials differ from the fixed local key the app signs DynamoDB Local
#: requests with, and DynamoDB Local runs without ``-sharedDb``: a client that signs with the
#: environment's instead would find no tables, so every test checks the one credential rule.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
ADMIN_BUDGET = ClientBudget(connect_timeout=5.0, read_timeout=30.0, max_attempts=2)


@dataclass(frozen=True)
class DynamoDBTables:
    """What a test gets: ``names`` (``{env var: table}``), the endpoint, a raw client, and
    consistent raw reads of a card and its events."""

    names: dict[str, str]
    endpoint: str
    client: Any

    def card(self, card_id: str) -> dict[str, Any]:
        """The stored card item, read consistently (raw attribute values)."""
        item: dict[str, Any] = self.client.get_item(
            TableName=self.names["CARDS_TABLE"],
            Key={"card_id": {"S": card_id}},
            ConsistentRead=True,
        )["Item"]
        return item

    def set_customer_status(self, customer_id: str, status: str) -> None:
        """Suspend (or reactivate) a customer behind the app's back, as the back office does."""
        self.client.update_item(
            TableName=self.names["CUSTOMERS_TABLE"],
            Key={"customer_id": {"S": customer_id}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": status}},
        )

    def events(self, card_id: str) -> list[dict[str, Any]]:
        """Every stored event of a card in version order, all pages, read consistently."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.names["CARD_EVENTS_TABLE"],
            "KeyConditionExpression": "card_id = :c",
            "ExpressionAttributeValues": {":c": {"S": card_id}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def make_client(endpoint: str) -> Any:
    """A DynamoDB client for the emulator, signed as the app signs (``make_client``)."""
    return clients.make_client("dynamodb", ADMIN_BUDGET, REGION, endpoint)


def reset_app_caches() -> None:
    """Make the app re-read the environment and rebuild its clients (the tables changed)."""
    from chalicelib import settings

    settings.reset_settings()
    try:
        from chalicelib import runtime
    except ImportError:
        return
    if hasattr(runtime, "reset"):
        runtime.reset()


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """The endpoint of this test process's DynamoDB Local (or ``$DYNAMODB_ENDPOINT``)."""
    configured = os.environ.get("DYNAMODB_ENDPOINT")
    if configured:
        yield configured
        return
    local = DynamoDBLocal(detach=False)
    try:
        local.start()
    except DynamoDBLocalError as exc:
        local.stop()
        pytest.fail(f"cannot start DynamoDB Local: {exc}", pytrace=False)
    try:
        yield local.endpoint
    finally:
        local.stop()


@pytest.fixture(scope="session")
def dynamodb_admin(dynamodb_endpoint: str) -> Any:
    """One client for creating, seeding and dropping tables, shared by the session."""
    return make_client(dynamodb_endpoint)


@pytest.fixture
def ddb_tables(
    dynamodb_endpoint: str, dynamodb_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DynamoDBTables]:
    """Four fresh, seeded tables, and the app's environment pointed at them."""
    suffix = f"t{secrets.token_hex(4)}"
    names = table_names(suffix)
    create_tables(dynamodb_admin, names)
    seed(dynamodb_admin, names, fresh_tables=True)
    for variable, value in {
        **names,
        **DUMMY_CREDENTIALS,
        "DYNAMODB_ENDPOINT": dynamodb_endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    reset_app_caches()
    try:
        yield DynamoDBTables(names=names, endpoint=dynamodb_endpoint, client=dynamodb_admin)
    finally:
        monkeypatch.undo()
        reset_app_caches()
        delete_tables(dynamodb_admin, names)
