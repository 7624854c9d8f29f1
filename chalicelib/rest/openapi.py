"""The OpenAPI 3.1 document, generated from the routes Chalice registered and the pydantic models
their ``api_operation`` decorators name (never written by hand)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib import models
from chalicelib.idempotency import REPLAYED_HEADER
from chalicelib.rest.headers import IF_MATCH_PATTERN
from chalicelib.rest.operations import Operation, operation_of

REF = "#/components/schemas/{model}"


@dataclass(frozen=True, slots=True)
class DocumentedRoute:
    """One route as the document describes it: what Chalice registered, and its ``Operation``."""

    method: str
    path: str
    operation_id: str
    summary: str
    operation: Operation


def documented_routes(routes: Mapping[str, Mapping[str, Any]]) -> tuple[DocumentedRoute, ...]:
    """The API operations among Chalice's registered routes (``app.routes``), in their order.

    The view's name is the operation id (``lock_card`` -> ``lockCard``), the first line of its
    docstring the summary; a route whose view is not an ``api_operation`` (``/openapi.json``,
    ``/mcp``) is not documented here.
    """
    found = []
    for path, methods in routes.items():
        for method, entry in methods.items():
            view = entry.view_function
            operation = operation_of(view)
            if operation is None:
                continue
            head, *rest = view.__name__.split("_")
            summary = next(iter((view.__doc__ or "").strip().splitlines()), "").rstrip(".")
            operation_id = head + "".join(word.capitalize() for word in rest)
            found.append(DocumentedRoute(method.lower(), path, operation_id, summary, operation))
    return tuple(found)


_PATH_PARAMS = {
    "customer_id": models.CUSTOMER_ID_PATTERN,
    "card_id": models.CARD_ID_PATTERN,
}


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


def _parameters(route: DocumentedRoute) -> list[dict[str, Any]]:
    op = route.operation
    params: list[dict[str, Any]] = []
    for name, pattern in _PATH_PARAMS.items():
        if "{" + name + "}" in route.path:
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
    if op.is_write:
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


def _operation(route: DocumentedRoute) -> dict[str, Any]:
    op = route.operation
    error_ref = {"$ref": REF.format(model="ErrorEnvelope")}
    ok = _envelope({"$ref": REF.format(model=op.response.__name__)})
    responses: dict[str, Any] = {"200": _json(ok, "Success")}
    if op.is_write:
        responses["200"]["headers"] = {
            REPLAYED_HEADER: {
                "description": "true when this is the stored answer to an earlier request "
                "with the same Idempotency-Key (the body is the first answer's).",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    for status in sorted({error.http_status for error in op.refusals}):
        responses[str(status)] = _json(error_ref, "Error envelope")
    body: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "parameters": _parameters(route),
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


def openapi_document(routes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The whole document of the app's routes (``app.routes``), built once per process."""
    return _document(documented_routes(routes))


@lru_cache(maxsize=4)
def _document(routes: tuple[DocumentedRoute, ...]) -> dict[str, Any]:
    operations = [route.operation for route in routes]
    request_models = list(dict.fromkeys(op.request for op in operations if op.request))
    response_models = list(dict.fromkeys(op.response for op in operations))
    pairs: list[tuple[type[BaseModel], Any]] = [(m, "validation") for m in request_models]
    serialized: list[type[BaseModel]] = [*response_models, models.ErrorEnvelope]
    pairs += [(m, "serialization") for m in serialized]
    _, schema = models_json_schema(pairs, ref_template=REF)
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method] = _operation(route)
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
