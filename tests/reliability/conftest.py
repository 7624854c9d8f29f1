"""Reliability suite fixtures; ``soak`` tests run only when asked for (``make soak``).

A soak test is deselected, not skipped, unless the ``-m`` expression names ``soak``: ``make
test`` stays fast and reports nothing hidden, ``make soak`` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.reliability.world import World


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep ``soak`` tests out of runs that did not select them by marker."""
    if "soak" in (config.getoption("markexpr") or ""):
        return
    soak = [item for item in items if item.get_closest_marker("soak")]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]


@pytest.fixture
def world(ddb_tables: Any) -> World:
    """Fresh customers and cards in this test's tables."""
    return World(ddb_tables)


@pytest.fixture
def say(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print a figure line to the terminal even while output is captured (the report's figures)."""

    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n{line}")

    return write
