"""Each MCP tool Lambda, run on DynamoDB Local, calls only what its IAM role grants.

The grants of ``infra.permissions`` are written from reading the store; this checks them
against what the code does. Every DynamoDB call a tool's Lambda sends is recorded as the IAM
actions that authorise it (a transaction by its per-item actions) on the logical table and
index, and must be among the grants of that Lambda's role. Each tool runs its paths that touch
the most: idempotency keys, a keyed no-op, a lost report that finds a replacement on its way,
an activation that closes the card it replaces.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.cursor import encode_cursor
from chalicelib.runtime import dynamodb_client
from chalicelib.store.tables import TABLES
from infra.permissions import by_chalice_name
from mcp_handlers.tool_names import TOOL_NAMES, lambda_name
from tests.reliability.channels import LAMBDAS, gateway_context

Call = tuple[str, str, str | None]  #: (IAM action, logical table, index)
#: The item actions of ``TransactWriteItems`` and the IAM action each needs.
TRANSACT_WRITE_ACTIONS = {
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
}


class IamRecorder:
    """Turns every DynamoDB request the app's client builds into the IAM actions it needs."""

    def __init__(self, names: dict[str, str]) -> None:
        self.logical = {names[env]: logical for logical, (env, _) in TABLES.items()}
        self.calls: set[Call] = set()

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "TransactGetItems":
            for item in params["TransactItems"]:
                self._add("dynamodb:GetItem", item["Get"]["TableName"])
        elif model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, action),) = item.items()
                self._add(TRANSACT_WRITE_ACTIONS[kind], action["TableName"])
        else:
            self._add(f"dynamodb:{model.name}", params["TableName"], params.get("IndexName"))

    def _add(self, action: str, table: str, index: str | None = None) -> None:
        self.calls.add((action, self.logical[table], index))


@pytest.fixture
def recorder(ddb_tables: Any) -> Iterator[IamRecorder]:
    recording = IamRecorder(ddb_tables.names)
    events = dynamodb_client().meta.events
    events.register("before-parameter-build.dynamodb", recording)
    yield recording
    events.unregister("before-parameter-build.dynamodb", recording)


ALICE = {"customer_id": "CUST001"}
CARD001 = {**ALICE, "card_id": "CARD001"}
CARD002 = {**ALICE, "card_id": "CARD002"}
#: (tool, arguments) in order, on the seeded data; then the new card CARD002 got is activated.
SCENARIO = [
    ("list_cards", ALICE),
    ("lock_card", {**CARD001, "idempotency_key": "g-lock"}),
    ("lock_card", {**CARD001, "idempotency_key": "g-noop"}),  # keyed no-op: its record
    ("unlock_card", {**CARD001, "idempotency_key": "g-unlock"}),
    ("request_new_card", {**CARD002, "reason": "damaged"}),  # the preview
    ("request_new_card", {**CARD002, "reason": "damaged", "confirm": True}),
    # lost while the damaged one's replacement is on its way: that one is read too
    ("request_new_card", {**CARD002, "reason": "lost", "confirm": True}),
    ("get_card_history", {**CARD001, "limit": 2}),
    ("get_card_history", {**CARD001, "limit": 2, "cursor": encode_cursor("CARD001", 3)}),
]


def test_every_tool_calls_only_what_its_role_grants(ddb_tables: Any, recorder: IamRecorder) -> None:
    calls: dict[str, set[Call]] = defaultdict(set)

    def run(tool: str, arguments: dict[str, Any]) -> None:
        recorder.calls.clear()
        answer = LAMBDAS[tool](arguments, gateway_context(tool))
        assert "error" not in answer, (tool, answer)
        calls[tool] |= recorder.calls

    for tool, arguments in SCENARIO:
        run(tool, arguments)
    new_card = ddb_tables.card("CARD002")["replaced_by"]["S"]
    run("activate_card", {**ALICE, "card_id": new_card, "idempotency_key": "g-activate"})

    assert set(calls) == set(TOOL_NAMES)  # every tool ran
    for tool, made in calls.items():
        function = by_chalice_name(lambda_name(tool))
        granted = {(a, g.table, g.index) for g in function.grants for a in g.actions}
        assert made, tool
        assert made <= granted, (tool, made - granted)
