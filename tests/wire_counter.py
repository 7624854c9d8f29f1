"""DynamoDB round trips counted at the wire: what the round-trip tests assert and ``make bench``
reports, counted by one instrument.

A botocore ``before-send`` hook sees every HTTP request a client sends, retries included, after
the SDK has decided everything; counting there rather than around our calls means a hidden
extra read (or a retry) cannot go unnoticed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_EVENT = "before-send.dynamodb"


class WireCounter:
    """The DynamoDB operations sent by the clients it is attached to, in order."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._lock = threading.Lock()
        self._id = f"wire-counter-{id(self)}"

    def _on_send(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else str(target)).split(".")[-1]
        with self._lock:
            self.sent.append(operation)

    def attach(self, client: Any) -> None:
        """Count every request ``client`` sends (attaching twice counts once)."""
        client.meta.events.register(_EVENT, self._on_send, unique_id=self._id)

    def detach(self, client: Any) -> None:
        """Stop counting ``client``'s requests."""
        client.meta.events.unregister(_EVENT, unique_id=self._id)

    def record(self, action: Callable[[], T]) -> tuple[list[str], T]:
        """The operations ``action`` sent, and what it returned."""
        with self._lock:
            self.sent.clear()
        result = action()
        with self._lock:
            return list(self.sent), result

    def measure(self, action: Callable[[], Any]) -> int:
        """How many round trips ``action`` took."""
        return len(self.record(action)[0])
