"""Model-based testing: random sequences of card operations through ``CardService`` on
DynamoDB Local, each answer and each stored card compared with the lifecycle model
(``card_model``), the events with what clients were told (``card_machine``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from chalicelib.runtime import card_service
from tests.reliability.card_requests import Figures
from tests.reliability.card_seams import CardSeamMachine
from tests.reliability.world import World


def run_machine(world: World, examples: int, steps: int, say: Callable[[str], None]) -> Figures:
    """Run ``examples`` sequences of up to ``steps`` steps; return what ran."""
    figures = Figures()

    class Machine(CardSeamMachine):
        pass

    Machine.world = world
    Machine.service = card_service()
    Machine.figures = figures
    started = time.perf_counter()
    run_state_machine_as_test(
        Machine,
        settings=settings(
            # The seeding counts as a step: one more, so each example can run ``steps`` rules.
            # Hypothesis still ends some examples early on purpose (shorter sequences are part
            # of its search); the report quotes the distribution.
            max_examples=examples,
            stateful_step_count=steps + 1,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    elapsed = time.perf_counter() - started
    full = sum(1 for n in figures.steps_per_example if n >= steps)
    say(  # the figures the report quotes
        f"model-based: {len(figures.steps_per_example)} examples run to the end, {full} of them "
        f"with {steps} steps (steps: count = "
        f"{sorted(Counter(figures.steps_per_example).items())}); "
        f"{figures.steps} service calls in {elapsed:.1f} s; "
        f"outcomes {dict(sorted(figures.outcomes.items()))}"
    )
    return figures


def test_card_operations_follow_the_spec_model(world: World, say: Callable[[str], None]) -> None:
    figures = run_machine(world, examples=200, steps=25, say=say)
    assert len(figures.steps_per_example) >= 200
    assert sum(figures.steps_per_example) >= 200 * 25 * 3 // 4  # most run all 25 steps
    # Every outcome the model knows happened at least once: the run explored the lifecycle.
    for code in (
        "OK",
        "replayed",
        "IDEMPOTENCY_KEY_REUSED",
        "AUTH_FAILED",
        "CARD_NOT_FOUND",
        "CARD_CLOSED",
        "INVALID_CARD_STATE",
        "UNLOCK_NOT_PERMITTED",
        "FRAUD_HOLD",
        "REPLACEMENT_ALREADY_REQUESTED",
    ):
        assert figures.outcomes[code] > 0, (code, figures.outcomes)


@pytest.mark.soak
def test_soak_card_operations_follow_the_spec_model(
    world: World, say: Callable[[str], None]
) -> None:
    figures = run_machine(world, examples=2000, steps=40, say=say)
    assert len(figures.steps_per_example) >= 2000
    assert sum(figures.steps_per_example) >= 2000 * 40 * 3 // 4
