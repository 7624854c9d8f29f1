"""Where the process builds its dependencies: once, lazily, in one place.

Importing the app creates nothing; the first request builds the settings, the DynamoDB client,
the store and the service, and later requests reuse them (warm Lambda invocations). Only
``app.py``, the composition root, imports this module: it hands these functions to the
channels, which call them when a request needs what they build, so no channel fetches its own
dependencies and each can be given others (the tests' fakes). Each channel's modules are
imported here inside the function that needs them, so the REST path never loads the others.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chalicelib.clients import (
    API_DYNAMODB_BUDGET,
    CONNECT_DESCRIBE_BUDGET,
    CONNECT_DYNAMODB_BUDGET,
    EVENTS_BUDGET,
    QCONNECT_BUDGET,
    LazyClient,
    make_client,
    reset_session,
)
from chalicelib.service import CardService
from chalicelib.settings import get_settings, reset_settings
from chalicelib.store.dynamodb import CardStore

if TYPE_CHECKING:
    from chalicelib.connect.handler import ConnectDependencies
    from chalicelib.publishing.publisher import CardEventPublisher

_lock = threading.Lock()
_service: CardService | None = None
_dynamodb: Any = None
_connect: ConnectDependencies | None = None
_publisher: CardEventPublisher | None = None


def dynamodb_client() -> Any:
    """The process-wide DynamoDB client for request handling."""
    global _dynamodb  # noqa: PLW0603 - a per-process cache is the point
    if _dynamodb is None:
        with _lock:
            if _dynamodb is None:
                settings = get_settings()
                _dynamodb = make_client(
                    "dynamodb", API_DYNAMODB_BUDGET, settings.region, settings.dynamodb_endpoint
                )
    return _dynamodb


def card_service() -> CardService:
    """The process-wide card service."""
    global _service  # noqa: PLW0603
    if _service is None:
        store = CardStore(dynamodb_client(), get_settings())
        with _lock:
            if _service is None:
                _service = CardService(store)
    return _service


def connect_dependencies() -> ConnectDependencies:
    """The Connect session Lambda's clients: its own, with the tight budgets a caller waiting
    in silence needs (``chalicelib.clients``), separate from the REST/MCP DynamoDB client."""
    global _connect  # noqa: PLW0603
    if _connect is None:
        from chalicelib.connect.handler import ConnectDependencies

        with _lock:
            if _connect is None:
                settings = get_settings()
                dynamodb = make_client(
                    "dynamodb", CONNECT_DYNAMODB_BUDGET, settings.region, settings.dynamodb_endpoint
                )
                _connect = ConnectDependencies(
                    directory=CardStore(dynamodb, settings),
                    connect=LazyClient(
                        lambda: make_client("connect", CONNECT_DESCRIBE_BUDGET, settings.region)
                    ),
                    qconnect=make_client("qconnect", QCONNECT_BUDGET, settings.region),
                )
    return _connect


def card_event_publisher() -> CardEventPublisher:
    """The publisher Lambda's EventBridge client and bus, and its failure queue when the stage
    has one (``AWS_ENDPOINT_URL_EVENTBRIDGE``/``_SQS``, the SDK's own settings, point them at an
    emulator)."""
    global _publisher  # noqa: PLW0603
    if _publisher is None:
        from chalicelib.publishing.failure_queue import FailureQueue
        from chalicelib.publishing.publisher import CardEventPublisher

        with _lock:
            if _publisher is None:
                settings = get_settings()
                client = make_client("events", EVENTS_BUDGET, settings.region)
                park = None
                if settings.card_events_failure_queue_url:
                    sqs = make_client("sqs", EVENTS_BUDGET, settings.region)
                    park = FailureQueue(sqs, settings.card_events_failure_queue_url).park
                _publisher = CardEventPublisher(client, settings.card_events_bus, park=park)
    return _publisher


def reset() -> None:
    """Forget every cached dependency (tests switch tables; ``chalice local`` reloads)."""
    global _service, _dynamodb, _connect, _publisher  # noqa: PLW0603
    with _lock:
        _service = None
        _dynamodb = None
        _connect = None
        _publisher = None
    reset_settings()
    reset_session()
    from chalicelib.observability import get_logger

    get_logger.cache_clear()
