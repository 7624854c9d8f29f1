"""API Gateway proxy events as untrusted input: every field type-checked before Chalice reads it.

The API Lambda is invoked by API Gateway, by ``chalice local`` and by hand (``aws lambda
invoke``, the old guide's bare ``{httpMethod, path, body}`` event). Chalice indexes the event
directly (``event["multiValueQueryStringParameters"]``, ``identity.get(...)``), so a missing or
ill-typed field would raise out of the handler. Here each field is checked and the event is
rebuilt with every key Chalice reads; anything else is a ``VALIDATION_ERROR`` naming the field.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from chalicelib import errors
from chalicelib.card_numbers import contains_card_number
from chalicelib.validation import field_error

#: Headers a request may carry once: a second copy would be silently dropped by every
#: framework between the caller and us, and they guard writes.
SINGLE_HEADERS = ("if-match", "idempotency-key")
#: A request id we echo and log: API Gateway's are UUIDs; anything else gets one of ours.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_MAX_PRINCIPAL = 512
_PARAM = re.compile(r"\{([^}]+)\}")


def invalid_event(field: str, issue: str) -> errors.ValidationFailedError:
    """A 400 naming the event field that is wrong."""
    return errors.ValidationFailedError(
        "The event is not a valid HTTP request.",
        details={"fields": [field_error(field, issue)]},
    )


def body_text(body: Any, base64_encoded: bool) -> str | None:
    """The body as text: API Gateway gives a string (base64 for binary types), ``chalice
    local`` gives bytes. Undecodable bytes become a NUL, which the JSON parser refuses."""
    if base64_encoded and isinstance(body, str | bytes):
        try:
            body = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return "\x00"
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return "\x00"
    return body if isinstance(body, str) else None


def lambda_request_id(context: Any) -> str | None:
    """The Lambda runtime's request id, if the context has a usable one (it may be anything
    in a direct call, including an object whose attributes raise)."""
    try:
        return safe_request_id(getattr(context, "aws_request_id", None))
    except Exception:
        return None


def safe_request_id(candidate: Any) -> str | None:
    """``candidate`` if it is fit to echo and log (short, plain, no card number)."""
    if isinstance(candidate, str) and _REQUEST_ID.fullmatch(candidate):
        return None if contains_card_number(candidate) else candidate
    return None


def _string_map(event: dict[str, Any], name: str) -> dict[str, str]:
    value = event.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise invalid_event(name, "must be an object of strings")
    return value


def _list_map(event: dict[str, Any], name: str) -> dict[str, list[str]]:
    value = event.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
        for k, v in value.items()
    ):
        raise invalid_event(name, "must be an object of string lists")
    return value


def _object(parent: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = parent.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_event(where, "must be an object")
    return value


def _headers(event: dict[str, Any]) -> dict[str, str]:
    """The headers, lower-cased; a guarded header sent twice is refused: twice in one map (in
    any case), or with one value in ``headers`` and another in ``multiValueHeaders`` (API
    Gateway repeats each header in both maps; only a hand-built event can disagree)."""
    single = _string_map(event, "headers")
    multi = _list_map(event, "multiValueHeaders")
    headers: dict[str, str] = {}
    for name, value in single.items():
        lower = name.lower()
        if lower in headers and lower in SINGLE_HEADERS:
            raise invalid_event(name, "must be sent once")
        headers[lower] = value
    seen: set[str] = set()
    for name, values in multi.items():
        lower = name.lower()
        if lower in SINGLE_HEADERS:
            contradicted = bool(values) and lower in headers and values != [headers[lower]]
            if len(values) > 1 or lower in seen or contradicted:
                raise invalid_event(name, "must be sent once")
        seen.add(lower)
        if values and lower not in headers:
            headers[lower] = values[-1]
    return headers


def _query(event: dict[str, Any]) -> dict[str, str]:
    """The query string; a parameter given twice is refused (which one would count?): twice in
    ``multiValueQueryStringParameters``, or with another value in ``queryStringParameters``."""
    multi = _list_map(event, "multiValueQueryStringParameters")
    single = _string_map(event, "queryStringParameters")
    for name, values in multi.items():
        if len(values) > 1 or (values and single.get(name, values[0]) != values[0]):
            raise invalid_event("query", "a parameter is repeated")
    query = {name: values[0] for name, values in multi.items() if values}
    return {**single, **query} if multi else single


def _method(value: Any) -> str:
    if value is None:
        return "GET"
    if not isinstance(value, str):
        raise invalid_event("httpMethod", "must be a string")
    return value.upper()


def principal_of(context: dict[str, Any]) -> str | None:
    """The IAM principal API Gateway authenticated, if it is fit to store as an actor."""
    identity = _object(context, "identity", "requestContext.identity")
    for name in ("userArn", "caller"):
        value = identity.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid_event(f"requestContext.identity.{name}", "must be a string")
        if value and len(value) <= _MAX_PRINCIPAL and not contains_card_number(value):
            return value
    return None


def clean_proxy_event(
    event: dict[str, Any], templates: list[str], request_id: str
) -> dict[str, Any] | None:
    """The event with every field Chalice reads present and well typed.

    A bare ``{httpMethod, path, body}`` event is routed by its path here (Chalice needs the
    route template). ``None``: no route matches. Raises ``ValidationFailedError``.
    """
    context = _object(event, "requestContext", "requestContext")
    headers = _headers(event)
    query = _query(event)
    body = event.get("body")
    if body is not None and not isinstance(body, str | bytes):
        raise invalid_event("body", "must be a string")
    encoded = event.get("isBase64Encoded")
    if encoded is not None and not isinstance(encoded, bool):
        raise invalid_event("isBase64Encoded", "must be a boolean")
    principal_of(context)
    template = context.get("resourcePath")
    if isinstance(template, str) and template in templates:
        method = _method(context.get("httpMethod"))
        params = _string_map(event, "pathParameters")
        if set(params) != set(_PARAM.findall(template)):
            raise invalid_event("pathParameters", "must name the route's parameters")
    else:
        method = _method(event.get("httpMethod"))
        path = event.get("path")
        matched = match_route(path, templates) if isinstance(path, str) else None
        if matched is None:
            return None
        template, params = matched
        headers.setdefault("content-type", "application/json")
    return {
        **event,
        "resource": template,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "queryStringParameters": query or None,
        "pathParameters": params or None,
        "stageVariables": _string_map(event, "stageVariables") or None,
        "isBase64Encoded": bool(encoded),
        "body": body,
        "requestContext": {
            **context,
            "resourcePath": template,
            "httpMethod": method,
            "requestId": request_id,
        },
    }


def match_route(path: str, templates: list[str]) -> tuple[str, dict[str, str]] | None:
    """Find the route template matching a concrete path, with its path parameters."""
    parts = path.rstrip("/").split("/") if path != "/" else [""]
    for template in templates:
        tparts = template.rstrip("/").split("/") if template != "/" else [""]
        if len(tparts) != len(parts):
            continue
        params: dict[str, str] = {}
        for tpart, part in zip(tparts, parts, strict=True):
            if tpart.startswith("{") and tpart.endswith("}"):
                if not part:
                    break
                params[tpart[1:-1]] = part
            elif tpart != part:
                break
        else:
            return template, params
    return None
