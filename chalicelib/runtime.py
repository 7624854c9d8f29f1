"""Where the process builds its dependencies: once, lazily, in one place.

Importing the app creates nothing; the first request builds the settings, the DynamoDB client,
the store and the service, and later requests reuse them (warm Lambda invocations).
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.clients import API_DYNAMODB_BUDGET, make_client
from chalicelib.service import CardService
from chalicelib.settings import get_settings, reset_settings
from chalicelib.store import CardStore

_lock = threading.Lock()
_service: CardService | None = None
_dynamodb: Any = None


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


def reset() -> None:
    """Forget every cached dependency (tests switch tables; ``chalice local`` reloads)."""
    global _service, _dynamodb  # noqa: PLW0603
    with _lock:
        _service = None
        _dynamodb = None
    reset_settings()
    from chalicelib.observability import get_logger

    get_logger.cache_clear()
