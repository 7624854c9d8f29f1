"""BetterBank Card Operations: the Chalice application.

Wiring only. Each entry point parses its input, calls one service use case and shapes the output;
the rules live in ``chalicelib``. Importing this module creates no client and reads no
environment. It is the composition root: every channel gets its dependencies from here, as the
functions of ``chalicelib.runtime`` that build them on first use and reuse them after; no
channel fetches its own.
"""

from __future__ import annotations

import gc

# A cold start creates tens of thousands of objects that live as long as the process (modules,
# classes, pydantic's schemas): collecting while they are created only walks them again and
# again, a tenth of a cold start. The collector pauses while the app is imported and resumes
# at the end of this module, with all of it frozen out of its generations so that no later
# collection walks it either (benchmarks/FIXES.md).
_COLLECTING = gc.isenabled()
gc.disable()

from collections.abc import Callable
from typing import Any

from chalice.app import DynamoDBEvent, IAMAuthorizer

from chalicelib import errors
from chalicelib.commands import write_command
from chalicelib.models import (
    ActivateCardRequest,
    CardList,
    EventPage,
    Health,
    HistoryQuery,
    LockCardRequest,
    RequestNewCardRequest,
    UnlockCardRequest,
    WriteResult,
)
from chalicelib.publishing import STREAM_BATCH_SIZE, STREAM_STARTING_POSITION
from chalicelib.rest import edge as rest
from chalicelib.rest.bare_event_shim import CardOperationsApp
from chalicelib.runtime import card_event_publisher, card_service, connect_dependencies
from chalicelib.settings import deploy_stream_arn
from mcp_handlers.tool_names import TOOL_NAMES, lambda_name

# Powertools owns logging (JSON lines); Chalice adding its own handler would print twice.
#: Deployed stages require SigV4 (IAM) on every route; ``chalice local`` does not enforce it.
IAM = IAMAuthorizer()

app = CardOperationsApp(app_name="betterbank-card-operations", configure_logs=False)


def _guards() -> tuple[str | None, frozenset[int] | None]:
    """What guards a REST write, read after its body: ``Idempotency-Key``, then ``If-Match``."""
    return rest.idempotency_key(), rest.if_match()


@app.route("/v1/cards/lock", methods=["POST"], authorizer=IAM)
@rest.api_operation(request=LockCardRequest, response=WriteResult)
def lock_card() -> dict[str, Any]:
    """Lock a card."""
    command = write_command(rest.parse_body(LockCardRequest), *_guards())
    return card_service().lock_card(command, rest.caller())


@app.route("/v1/cards/unlock", methods=["POST"], authorizer=IAM)
@rest.api_operation(
    request=UnlockCardRequest,
    response=WriteResult,
    refuses=(*rest.WRITE_REFUSALS, errors.UnlockNotPermittedError),
)
def unlock_card() -> dict[str, Any]:
    """Unlock a card."""
    command = write_command(rest.parse_body(UnlockCardRequest), *_guards())
    return card_service().unlock_card(command, rest.caller())


@app.route("/v1/cards/request-new", methods=["POST"], authorizer=IAM)
@rest.api_operation(
    request=RequestNewCardRequest,
    response=WriteResult,
    refuses=(*rest.WRITE_REFUSALS, errors.FraudHoldError),
)
def request_new_card() -> dict[str, Any]:
    """Order a replacement card."""
    command = write_command(rest.parse_body(RequestNewCardRequest), *_guards())
    return card_service().request_new_card(command, rest.caller())


@app.route("/v1/cards/activate", methods=["POST"], authorizer=IAM)
@rest.api_operation(
    request=ActivateCardRequest,
    response=WriteResult,
    refuses=(*rest.WRITE_REFUSALS, errors.FraudHoldError),
)
def activate_card() -> dict[str, Any]:
    """Activate a replacement card."""
    command = write_command(rest.parse_body(ActivateCardRequest), *_guards())
    return card_service().activate_card(command, rest.caller())


@app.route("/v1/customers/{customer_id}/cards", methods=["GET"], authorizer=IAM)
@rest.api_operation(response=CardList)
def list_cards(customer_id: str) -> dict[str, Any]:
    """List a customer's cards."""
    return card_service().list_cards(rest.path_customer_id(customer_id), rest.caller())


@app.route("/v1/customers/{customer_id}/cards/{card_id}/events", methods=["GET"], authorizer=IAM)
@rest.api_operation(
    response=EventPage,
    query=HistoryQuery,
    refuses=(*rest.READ_REFUSALS, errors.CardNotFoundError),
)
def card_history(customer_id: str, card_id: str) -> dict[str, Any]:
    """A card's history, newest first."""
    ref = rest.path_card_ref(customer_id, card_id)
    page = rest.history_query()
    return card_service().card_history(
        ref.customer_id, ref.card_id, rest.caller(), page.limit, page.cursor
    )


@app.route("/health", methods=["GET"], authorizer=IAM)
@rest.api_operation(response=Health, refuses=rest.EDGE_REFUSALS)
def health() -> dict[str, Any]:
    """Liveness (no database call)."""
    return {"status": "ok"}


@app.route("/openapi.json", methods=["GET"], authorizer=IAM)
@rest.own_body
def openapi() -> Any:
    """The OpenAPI 3.1 document, generated from the pydantic models."""
    return rest.openapi_response(app.routes)


@app.route("/mcp", methods=["POST", "GET", "DELETE"], content_types=["*/*"], authorizer=IAM)
@rest.own_body
def mcp_http() -> Any:
    """MCP Streamable HTTP (stateless, JSON responses) serving every tool."""
    from mcp_handlers.http import handle_http

    return handle_http(rest.current_http(), card_service)


# -- MCP tool Lambdas: AgentCore Gateway targets, each serving its own tool ----------------------
# One per name in mcp_handlers.tool_names, registered as ``mcp_<tool>`` and bound to this module
# under that name (Chalice's handler for it is ``app.mcp_<tool>``). The tool code is imported on
# the Lambda's first event: importing this module loads the names only.


def _mcp_tool_lambda(tool: str) -> Callable[[Any, Any], Any]:
    def handler(event: Any, context: Any) -> Any:
        from mcp_handlers.lambda_adapter import handle_lambda_event

        return handle_lambda_event(tool, event, context, card_service)

    handler.__name__ = handler.__qualname__ = lambda_name(tool)
    handler.__doc__ = f"The ``{tool}`` MCP tool."
    return handler


for _tool in TOOL_NAMES:
    globals()[lambda_name(_tool)] = app.lambda_function(name=lambda_name(_tool))(
        _mcp_tool_lambda(_tool)
    )


# -- Amazon Connect ------------------------------------------------------------------------------


@app.lambda_function(name="connect_update_session_data")
def connect_update_session_data(event: Any, context: Any) -> dict[str, str]:
    """Put the caller's context into the Q in Connect session (contact flow Lambda)."""
    from chalicelib.connect.handler import handle_contact_flow_event

    return handle_contact_flow_event(event, context, connect_dependencies)


# -- Card events: the card-events table's stream, published to EventBridge -------------------------


@app.on_dynamodb_record(
    stream_arn=deploy_stream_arn(),
    batch_size=STREAM_BATCH_SIZE,
    starting_position=STREAM_STARTING_POSITION,
    name="publish_card_events",
)
def publish_card_events(event: DynamoDBEvent) -> dict[str, Any]:
    """Publish each new event item as one card event; report the records to retry."""
    from chalicelib.publishing.stream import handle_stream_batch

    return handle_stream_batch(event.to_dict(), event.context, card_event_publisher)


gc.freeze()
if _COLLECTING:
    gc.enable()
