"""What ``chalicelib.rest.bare_event_shim`` relies on in Chalice, run against a plain ``Chalice``.

The shim overrides ``Chalice.__call__`` only where no public hook can act, and uses Chalice's
middleware for the rest. A Chalice upgrade that changes any of this fails here, naming the
assumption, instead of silently changing the API's answers. Bump ``CHALICE_VERSION`` only after
this file passes on the new release.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import chalice
import pytest
from chalice import Chalice, Response

from chalicelib.rest.bare_event_shim import CHALICE_ERRORS, CHALICE_VERSION

ROOT = Path(__file__).resolve().parents[2]


def with_routes(app: Chalice) -> Chalice:
    """The routes every test app here serves."""

    @app.route("/things/{thing_id}", methods=["POST"])
    def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @app.route("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    @app.route("/binary")
    def binary() -> Response:
        return Response(body=b"\x00", headers={"Content-Type": "application/octet-stream"})

    return app


def plain_app() -> tuple[Chalice, dict[str, Any]]:
    app = with_routes(Chalice(app_name="contract", configure_logs=False))
    seen: dict[str, Any] = {}

    @app.middleware("http")
    def spy(request: Any, get_response: Any) -> Any:
        seen["request"] = request
        if request is not None:
            seen["event"], seen["context"] = request.to_original_event(), request.lambda_context
        seen["response"] = get_response(request)
        return seen["response"]

    return app, seen


def proxy_event(
    method: str, resource: str, path: str, content_type: str = "application/json"
) -> dict[str, Any]:
    params = {"thing_id": path.rsplit("/", 1)[-1]} if "{" in resource else None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": content_type},
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "isBase64Encoded": False,
        "body": "{}",
        "requestContext": {"resourcePath": resource, "httpMethod": method, "requestId": "r-1"},
    }


def test_the_checked_release_is_the_pinned_and_installed_one() -> None:
    pins = (ROOT / "requirements-serve.txt").read_text()
    pinned = re.search(r"^chalice==(\S+)$", pins, re.MULTILINE)
    assert pinned is not None
    assert chalice.__version__ == pinned.group(1) == CHALICE_VERSION, (
        "Chalice changed: run this file against it, re-read bare_event_shim's assumptions, "
        "then set CHALICE_VERSION"
    )


def test_an_event_without_a_resource_path_is_unknown_to_chalice() -> None:
    # the old guide's bare event: middleware gets no request for it and cannot change the event
    # Chalice routes, so the shim must route it before Chalice sees it
    app, seen = plain_app()
    answer = app({"httpMethod": "POST", "path": "/things/1", "body": "{}"}, None)
    assert seen["request"] is None
    assert answer["statusCode"] == 500
    assert json.loads(answer["body"]) == {
        "Code": "InternalServerError",
        "Message": "Unknown request.",
    }


@pytest.mark.parametrize(
    "event",
    [
        "not an object",
        {"requestContext": "not an object"},
        {"requestContext": {"resourcePath": "/x"}},
    ],
)
def test_chalice_reads_the_event_before_any_middleware_runs(event: Any) -> None:
    # so checking the event cannot be a middleware: it has to happen in __call__
    app, seen = plain_app()
    with pytest.raises((AttributeError, KeyError, TypeError)):
        app(event, None)
    assert seen == {}


def test_http_middleware_gets_the_event_and_context_chalice_was_given() -> None:
    app, seen = plain_app()
    event = proxy_event("POST", "/things/{thing_id}", "/things/T1")
    context = SimpleNamespace(aws_request_id="lambda-1")
    answer = app(event, context)
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"id": "T1"})
    assert seen["event"] is event
    assert seen["context"] is context


#: Chalice's own refusals: the event, its status, Chalice's code, and ours for it.
REFUSALS = [
    (proxy_event("PUT", "/things/{thing_id}", "/things/T1"), 405, "MethodNotAllowedError"),
    (
        proxy_event("POST", "/things/{thing_id}", "/things/T1", "text/plain"),
        415,
        "UnsupportedMediaType",
    ),
    (proxy_event("GET", "/binary", "/binary", "application/json"), 400, "BadRequest"),
    (proxy_event("GET", "/boom", "/boom"), 500, "InternalServerError"),
]
REFUSAL_IDS = ["method", "media-type", "binary-accept", "view-raised"]


@pytest.mark.parametrize(("event", "status", "code"), REFUSALS, ids=REFUSAL_IDS)
def test_chalices_own_refusals_reach_middleware_as_code_bodies(
    event: dict[str, Any], status: int, code: str
) -> None:
    app, seen = plain_app()
    app(event, None)
    response = seen["response"]
    assert isinstance(response, Response)
    assert (response.status_code, response.body["Code"]) == (status, code)
    assert code in CHALICE_ERRORS or code == "InternalServerError"
    if status == 405:
        assert response.headers["Allow"] == "POST"


def test_routes_keep_the_view_that_was_registered() -> None:
    # the OpenAPI document reads each view's api_operation from app.routes
    app, _ = plain_app()
    entry = app.routes["/things/{thing_id}"]["POST"]
    assert entry.view_function.__name__ == "thing"
    assert list(app.routes) == ["/things/{thing_id}", "/boom", "/binary"]


def test_current_request_is_one_attribute_shared_by_every_thread() -> None:
    # why the views read a per-thread request (chalice local serves requests on threads)
    app, _ = plain_app()
    event = proxy_event("POST", "/things/{thing_id}", "/things/T1")
    app(event, None)
    assert "current_request" in vars(app)
    assert app.current_request is not None
    assert app.current_request.to_original_event() is event


def our_app() -> Chalice:
    from chalicelib.rest.bare_event_shim import CardOperationsApp

    return with_routes(CardOperationsApp(app_name="ours", configure_logs=False))


OUR_CODES = ["METHOD_NOT_ALLOWED", "UNSUPPORTED_MEDIA_TYPE", "VALIDATION_ERROR", "INTERNAL_ERROR"]


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        *[
            (event, status, ours)
            for (event, status, _), ours in zip(REFUSALS, OUR_CODES, strict=True)
        ],
        ({"httpMethod": "GET", "path": "/nowhere"}, 404, "NOT_FOUND"),
        ("not an object", 400, "VALIDATION_ERROR"),
    ],
    ids=[*REFUSAL_IDS, "no-route", "not-an-object"],
)
def test_our_app_answers_the_same_events_in_its_envelope(
    event: Any, status: int, code: str
) -> None:
    answer = our_app()(event, SimpleNamespace(aws_request_id="lambda-1"))
    body = json.loads(answer["body"])
    assert (answer["statusCode"], body["success"], body["error"]["code"]) == (status, False, code)
    assert body["error"]["request_id"] in {"r-1", "lambda-1"}
    assert "Traceback" not in answer["body"]


def test_a_bare_event_is_routed_by_its_path() -> None:
    event = {"httpMethod": "POST", "path": "/things/T7", "body": "{}"}
    answer = our_app()(event, None)
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"id": "T7"})
