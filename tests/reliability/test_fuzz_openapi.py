"""schemathesis against ``/openapi.json``, in process, positive and negative cases per operation.

Chalice is not a WSGI app, so a twenty-line WSGI adapter hands each request to Chalice's own test
client (the same local gateway ``chalice local`` uses): schemathesis loads the document from
``/openapi.json`` through it and sends every case through it, no server or port involved.
Every check schemathesis has runs on every response: no server error, status codes, content
types and bodies as documented, invalid requests rejected (``negative_data_rejection``) and
valid ones accepted. Error bodies are also scanned for traces, classes, table names and ARNs.

``make test`` runs ``CASES`` per operation and mode; ``make soak`` runs ``SOAK_CASES``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import app
from chalicelib.card_numbers import contains_card_number
from chalicelib.rest.openapi import documented_routes

CASES = 100
SOAK_CASES = 1000
LEAKS = (
    "Traceback",
    'File "',
    "Exception",
    "botocore",
    "betterbank-cards",
    "arn:aws",
    "betterbank-customers",
    "betterbank-card-events",
    "betterbank-idempotency",
)
#: Every documented operation, from the route table itself (``app.py``'s decorators).
OPERATIONS = tuple(f"{r.method.upper()} {r.path}" for r in documented_routes(app.routes))


def wsgi_adapter(client: Client) -> Callable[..., Any]:
    """A WSGI application that serves each request through Chalice's test client."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        # The path as sent (still percent-encoded): PATH_INFO is decoded, and a decoded "?" or
        # "/" inside an id would change the route.
        path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        if "?" not in path and environ.get("QUERY_STRING"):  # werkzeug's RAW_URI is the path
            path += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        response = client.http.request(environ["REQUEST_METHOD"], path, headers=headers, body=body)
        start_response(f"{response.status_code} -", list(response.headers.items()))
        return [response.body]

    return application


SEED_CUSTOMERS = ("CUST001", "CUST002", "CUST003")
SEED_CARDS = ("CARD001", "CARD002", "CARD003", "CARD004", "CARD005")


def with_seed_ids(case: Any) -> Any:
    """Half of the valid cases name seeded customers and cards (picked by the generated id),
    so valid requests also reach the lifecycle instead of all ending in AUTH_FAILED."""
    for container in (case.body, case.path_parameters):
        if not isinstance(container, dict):
            continue
        for name, pool in (("customer_id", SEED_CUSTOMERS), ("card_id", SEED_CARDS)):
            value = container.get(name)
            if isinstance(value, str) and len(value) % 2 == 0:
                container[name] = pool[len(value) % len(pool)]
    return case


def run(tmp_path: Path, case: str, cases: int, say: Callable[[str], None]) -> None:
    """``case`` is ``"METHOD /path mode"``."""
    method, path, mode = case.split(" ")
    label = f"{method} {path}"
    with Client(app, project_dir=str(tmp_path)) as client:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", wsgi_adapter(client))
        operation = schema[label.split(" ")[1]][label.split(" ", maxsplit=1)[0]]
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
        if mode == "positive":
            strategy = strategy.map(with_seed_ids)
        statuses: Counter[int] = Counter()

        @settings(
            max_examples=cases,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            # positive_data_acceptance would count 412 (stale If-Match), 422 (a reused
            # idempotency key) and 400 for a made-up opaque cursor as "valid data refused";
            # they are the documented answers to those requests. Checked below instead.
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            statuses[response.status_code] += 1
            if mode == "positive" and response.status_code == 400:
                # A made-up cursor, or a value the schema allows that carries a card number
                # (the Luhn rule has no JSON Schema spelling; an Idempotency-Key of 13 zeros
                # is one): both documented refusals, the second only when the case has one.
                sent = json.dumps([case.body, case.headers, case.path_parameters], default=str)
                refused_pan = "card number" in response.text and contains_card_number(sent)
                assert "cursor" in (case.query or {}) or refused_pan, response.text[:300]
            assert response.status_code < 500, response.text[:300]
            if response.status_code >= 400:
                for leak in LEAKS:
                    assert leak not in response.text, (leak, response.text[:300])

        started = time.perf_counter()
        check()
        elapsed = time.perf_counter() - started
        say(
            f"schemathesis {label} {mode}: {sum(statuses.values())} cases in {elapsed:.1f} s, "
            f"statuses {dict(sorted(statuses.items()))}"
        )
        if mode == "negative" and label != "GET /health":
            assert sum(n for s, n in statuses.items() if 400 <= s < 500) > 0, statuses


#: GET /health takes no input: it has no negative case to generate.
RUNS = [
    (label, mode)
    for label in OPERATIONS
    for mode in ("positive", "negative")
    if (label, mode) != ("GET /health", "negative")
]


@pytest.mark.parametrize(("label", "mode"), RUNS)
@pytest.mark.usefixtures("ddb_tables")
def test_openapi_fuzz(tmp_path: Path, label: str, mode: str, say: Callable[[str], None]) -> None:
    run(tmp_path, f"{label} {mode}", CASES, say)


@pytest.mark.soak
@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("label", [label for label in OPERATIONS if label != "GET /health"])
@pytest.mark.usefixtures("ddb_tables")
def test_soak_openapi_fuzz(
    tmp_path: Path, label: str, mode: str, say: Callable[[str], None]
) -> None:
    run(tmp_path, f"{label} {mode}", SOAK_CASES, say)
