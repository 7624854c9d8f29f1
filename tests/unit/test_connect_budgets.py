"""The Connect Lambda's time budget: client timeouts that add up, and the wall-clock deadline."""

from __future__ import annotations

import threading
import time

import pytest

from chalicelib.clients import (
    CONNECT_DESCRIBE_BUDGET,
    CONNECT_DYNAMODB_BUDGET,
    QCONNECT_BUDGET,
    ClientBudget,
)
from chalicelib.connect.handler import RETURN_RESERVE_SECONDS, TOTAL_BUDGET_SECONDS
from chalicelib.deadline import Deadline, DeadlineExceededError
from tests.fakes.connect import FakeLambdaContext

CONNECT_LIMIT_SECONDS = 6.5


def test_worst_case_of_every_client_adds_up_under_the_limit() -> None:
    # Caller lookup: two DynamoDB calls in a row; DescribeContact runs beside them; then
    # UpdateSessionData. Every attempt hung, the longest backoff before each retry.
    caller = 2 * CONNECT_DYNAMODB_BUDGET.worst_case_seconds()
    before_update = max(caller, CONNECT_DESCRIBE_BUDGET.worst_case_seconds())
    total = before_update + QCONNECT_BUDGET.worst_case_seconds()
    assert total <= CONNECT_LIMIT_SECONDS
    assert TOTAL_BUDGET_SECONDS < CONNECT_LIMIT_SECONDS


def test_every_connect_client_states_timeouts_and_attempts() -> None:
    for budget in (CONNECT_DYNAMODB_BUDGET, CONNECT_DESCRIBE_BUDGET, QCONNECT_BUDGET):
        config = budget.config()
        assert config.connect_timeout == budget.connect_timeout <= 0.5
        assert config.read_timeout == budget.read_timeout <= 1.0
        assert config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_worst_case_formula() -> None:
    assert ClientBudget(0.5, 1.0, 1).worst_case_seconds() == 1.5
    assert ClientBudget(0.5, 1.0, 3).worst_case_seconds() == pytest.approx(3 * 1.5 + 1 + 2)


def test_deadline_follows_the_lambda_context_when_it_is_shorter() -> None:
    short = Deadline.for_invocation(
        FakeLambdaContext(1500), TOTAL_BUDGET_SECONDS, RETURN_RESERVE_SECONDS
    )
    assert short.remaining() == pytest.approx(1.0, abs=0.05)
    long = Deadline.for_invocation(FakeLambdaContext(900_000), TOTAL_BUDGET_SECONDS, 0.5)
    assert long.remaining() == pytest.approx(TOTAL_BUDGET_SECONDS, abs=0.05)
    assert Deadline.for_invocation(None, 2.0, 0.5).remaining() == pytest.approx(2.0, abs=0.05)
    spent = Deadline.for_invocation(FakeLambdaContext(100), TOTAL_BUDGET_SECONDS, 0.5)
    assert spent.remaining() == 0.0


def test_a_step_that_outlives_the_deadline_is_abandoned_in_time() -> None:
    release = threading.Event()
    deadline = Deadline(0.3)
    started = time.perf_counter()
    with pytest.raises(DeadlineExceededError):
        deadline.run(lambda: release.wait(10))
    assert time.perf_counter() - started < 0.5
    release.set()


def test_no_step_starts_without_enough_time() -> None:
    ran: list[bool] = []
    with pytest.raises(DeadlineExceededError):
        Deadline(0.1).run(lambda: ran.append(True), minimum=0.25)
    assert ran == []


def test_a_step_s_value_and_exception_come_back() -> None:
    assert Deadline(1).run(lambda: 42) == 42

    def fail() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        Deadline(1).run(fail)
