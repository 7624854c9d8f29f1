"""A wall-clock deadline for one invocation, enforced around each blocking call.

botocore's connect and read timeouts bound each socket operation, not a whole call: a server
that trickles its answer a byte at a time, a slow DNS lookup or a long ``Retry-After`` can still
hold a call far past them. For a caller waiting in silence that is not good enough, so each
step runs in a daemon thread and the invocation stops waiting when the deadline passes. The
abandoned thread finishes (or fails) on its own under the client's timeouts; its result is
dropped. Threads, not signals: ``signal.alarm`` works only in the main thread and would
interrupt botocore mid-retry.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Work for a REST or MCP request stops being started this long after it arrives: API Gateway
#: gives up at 29 s, and the answer still has to travel back.
REQUEST_BUDGET_SECONDS = 27.0
#: A step is not started with less time left than this: it could not finish usefully.
MIN_STEP_SECONDS = 0.25


class DeadlineExceededError(Exception):
    """The invocation ran out of time before a step finished (or could start)."""


class Pending(Generic[T]):
    """A step running in the background; ``result`` waits no later than the deadline."""

    def __init__(self, future: Future[T], deadline: Deadline) -> None:
        self._future = future
        self._deadline = deadline

    def result(self) -> T:
        """The step's value or exception, or ``DeadlineExceededError`` when time runs out."""
        try:
            return self._future.result(timeout=self._deadline.remaining())
        except FutureTimeoutError as exc:
            raise DeadlineExceededError from exc


class Deadline:
    """The moment by which an invocation must have answered."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + max(seconds, 0.0)

    @classmethod
    def for_invocation(cls, context: Any, budget: float, reserve: float) -> Deadline:
        """``budget`` seconds from now, or less if the Lambda context says time is shorter.

        ``reserve`` is kept back from the context's remaining time to shape and return the
        answer. A context without ``get_remaining_time_in_millis`` (tests, direct calls), or
        whose method fails, leaves the budget alone.
        """
        seconds = budget
        try:
            remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
            if callable(remaining_ms):
                seconds = min(budget, float(remaining_ms()) / 1000.0 - reserve)
        except Exception:  # a context that cannot tell leaves the budget alone, never a raise
            seconds = budget
        if math.isnan(seconds):  # a context that answered nonsense
            seconds = budget
        return cls(seconds)

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(self._end - self._clock(), 0.0)

    def start(self, step: Callable[[], T], minimum: float = MIN_STEP_SECONDS) -> Pending[T]:
        """Run ``step`` in a daemon thread, unless less than ``minimum`` seconds are left."""
        if self.remaining() < minimum:
            raise DeadlineExceededError
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(step())
            except BaseException as exc:  # handed to whoever waits, as concurrent.futures does
                future.set_exception(exc)

        threading.Thread(target=run, name="deadline-step", daemon=True).start()
        return Pending(future, self)

    def run(self, step: Callable[[], T], minimum: float = MIN_STEP_SECONDS) -> T:
        """Run ``step`` and wait for it, no later than the deadline."""
        return self.start(step, minimum).result()
