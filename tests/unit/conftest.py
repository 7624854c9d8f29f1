"""Fixtures of the card service's unit tests: the seed in memory, a clock the test moves, the
sleeps between commit attempts, and the service over them."""

from __future__ import annotations

import pytest

from chalicelib.service import CardService
from tests.fakes.repository import FakeRepository
from tests.unit.service_steps import Clock


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository.seeded()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def service(repo: FakeRepository, clock: Clock, sleeps: list[float]) -> CardService:
    return CardService(repo, clock=clock, sleep=sleeps.append)
