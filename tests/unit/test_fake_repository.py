"""The in-memory repository is held to the protocol the service uses: the same methods with the
same signatures as ``CardRepository`` and ``CardStore``, and none the service needs missing.
(Its behaviour is checked against DynamoDB Local in ``tests/integration``.)"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from chalicelib import service
from chalicelib.repository import CardRepository
from chalicelib.store.dynamodb import CardStore
from tests.fakes.repository import FakeRepository

MEMBERS = sorted(
    name
    for name, value in vars(CardRepository).items()
    if inspect.isfunction(value) and not name.startswith("_")
)


def store_calls_of_the_service() -> set[str]:
    """Every ``self._store.NAME`` the service's source uses."""
    tree = ast.parse(Path(inspect.getfile(service)).read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "_store"
    }


def test_the_protocol_is_exactly_what_the_service_uses() -> None:
    assert set(MEMBERS) == store_calls_of_the_service()
    assert len(MEMBERS) == 7


@pytest.mark.parametrize("name", MEMBERS)
def test_the_fake_and_the_store_keep_the_protocols_signatures(name: str) -> None:
    expected = inspect.signature(getattr(CardRepository, name))
    assert inspect.signature(getattr(FakeRepository, name)) == expected
    assert inspect.signature(getattr(CardStore, name)) == expected
