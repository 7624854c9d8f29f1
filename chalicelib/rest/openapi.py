"""The OpenAPI 3.1 document, generated from the pydantic models (never written by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib import models
from chalicelib.idempotency import REPLAYED_HEADER
from chalicelib.rest.headers import IF_MATCH_PATTERN

REF = "#/components/schemas/{model}"


@dataclass(frozen=True, slots=True)
class Operation:
    """One REST operation as the document describes it."""

    method: str
    path: str
    operation_id: str
    summary: str
    response: type[BaseModel] | None
    request: type[BaseModel] | None = None
    errors: tuple[int, ...] = (400, 401, 404, 409, 412, 413, 415, 422, 500, 503)
    idempotent_header: bool = True
    query: type[BaseModel] | None = None


CARD_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/v1/cards/lock",
        "lockCard",
        "Lock a card",
        models.WriteResult,
        models.LockCardRequest,
    ),
    Operation(
        "post",
        "/v1/cards/unlock",
        "unlockCard",
        "Unlock a card",
        models.WriteResult,
        models.UnlockCardRequest,
        errors=(400, 401, 403, 404, 409, 412, 413, 415, 422, 500, 503),
    ),
    Operation(
        "post",
        "/v1/cards/request-new",
        "requestNewCard",
        "Order a replacement card",
        models.WriteResult,
        models.RequestNewCardRequest,
        errors=(400, 401, 403, 404, 409, 412, 413, 415, 422, 500, 503),
    ),
    Operation(
        "post",
        "/v1/cards/activate",
        "activateCard",
        "Activate a replacement card",
        models.WriteResult,
        models.ActivateCardRequest,
        errors=(400, 401, 403, 404, 409, 412, 413, 415, 422, 500, 503),
    ),
    Operation(
        "get",
        "/v1/customers/{customer_id}/cards",
        "listCards",
        "List a customer's cards",
        models.CardList,
        errors=(400, 401, 500, 503),
        idempotent_header=False,
    ),
    Operation(
        "get",
        "/v1/customers/{customer_id}/cards/{card_id}/events",
        "cardHistory",
        "A card's history, newest first",
        models.EventPage,
        errors=(400, 401, 404, 500, 503),
        idempotent_header=False,
        query=models.HistoryQuery,
    ),
)

_PATH_PARAMS = {
    "customer_id": models.CUSTOMER_ID_PATTERN,
    "card_id": models.CARD_ID_PATTERN,
}


@cache
def query_parameters(method: str, path: str) -> frozenset[str]:
    """The query parameters the route ``method path`` takes (none, unless the table says)."""
    for op in CARD_OPERATIONS:
        if op.method == method.lower() and op.path == path and op.query is not None:
            return frozenset(op.query.model_fields)
    return frozenset()


def _envelope(data_ref: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "data"],
        "properties": {"success": {"const": True}, "data": data_ref},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Optional query parameters from the model that validates them: a parameter is a string
    or absent, never JSON null, so an optional field's schema is its non-null branch."""
    params: list[dict[str, Any]] = []
    for name, prop in model.model_json_schema()["properties"].items():
        schema = {k: v for k, v in prop.items() if k not in ("title", "anyOf", "description")}
        for branch in prop.get("anyOf", []):
            if branch.get("type") != "null":
                schema.update(branch)
        if schema.get("default", "") is None:
            del schema["default"]
        params.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": prop.get("description", ""),
                "schema": schema,
            }
        )
    return params


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name, pattern in _PATH_PARAMS.items():
        if "{" + name + "}" in op.path:
            params.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": pattern},
                }
            )
    if op.query is not None:
        params.extend(_query_parameters(op.query))
    if op.idempotent_header:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Retry safely: the same key and body replay the first answer.",
                "schema": {"type": "string", "pattern": models.IDEMPOTENCY_KEY_PATTERN},
            }
        )
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": (
                    'Only change the card if its version is one of these entity tags, e.g. "3" '
                    '(strong comparison: W/"3" never matches); * means the card exists.'
                ),
                "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            }
        )
    return params


def _operation(op: Operation) -> dict[str, Any]:
    error_ref = {"$ref": REF.format(model="ErrorEnvelope")}
    responses: dict[str, Any] = {}
    if op.response is not None:
        ok = _envelope({"$ref": REF.format(model=op.response.__name__)})
        responses["200"] = _json(ok, "Success")
        if op.idempotent_header:
            responses["200"]["headers"] = {
                REPLAYED_HEADER: {
                    "description": "true when this is the stored answer to an earlier request "
                    "with the same Idempotency-Key (the body is the first answer's).",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
    for status in op.errors:
        responses[str(status)] = _json(error_ref, "Error envelope")
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.request is not None:
        body["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=op.request.__name__)}}
            },
        }
        body["description"] = op.request.__doc__ or ""
    return body


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The whole document, built once per process on first request."""
    request_models = [op.request for op in CARD_OPERATIONS if op.request is not None]
    response_models = [op.response for op in CARD_OPERATIONS if op.response is not None]
    pairs: list[tuple[type[BaseModel], Any]] = [(m, "validation") for m in request_models]
    serialized: list[type[BaseModel]] = [*response_models, models.ErrorEnvelope]
    pairs += [(m, "serialization") for m in serialized]
    _, schema = models_json_schema(pairs, ref_template=REF)
    paths: dict[str, Any] = {}
    for op in CARD_OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness (no database call)",
            "responses": {"200": {"description": "Alive"}},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BetterBank Card Operations",
            "version": "1.0.0",
            "description": "Lock, unlock, replace and activate payment cards.",
        },
        "paths": paths,
        "components": {"schemas": schema.get("$defs", {})},
    }
