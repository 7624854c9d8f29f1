"""Inputs an adversarial caller sent after the fraud-hold and bad-input work was merged, through
every entry point, with what is stored read back raw: each test replays one hole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app
from tests.reliability.channels import CHANNELS, Channels
from tests.reliability.hostile import stored_text
from tests.reliability.test_card_safety import ref
from tests.reliability.world import World


@pytest.fixture
def channels(ddb_tables: Any, tmp_path: Path) -> Iterator[Channels]:
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Channels(client)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "key", ["4111.1111.1111.1111", "order:4111_1111_1111_1111", "4111:1111:1111:1111"]
)
def test_a_card_number_written_with_key_separators_is_not_a_key(
    world: World, channels: Channels, ddb_tables: Any, channel: str, key: str
) -> None:
    # GIVEN a card number written with dots, underscores or colons, which the key syntax allows
    seeded = world.seed_customer(["active"])
    args = ref(seeded.customer_id, seeded.card_ids[0])
    # WHEN it is sent as the idempotency key of a lock
    answer = channels.send(channel, "lock", args, key=key)
    # THEN it is refused like any other card number, nothing changes and nothing stores it
    assert answer.code == "VALIDATION_ERROR", answer
    assert "4111" not in answer.raw
    assert world.card(seeded.card_ids[0])["status"] == "active"  # type: ignore[index]
    stored = stored_text(ddb_tables)
    for separator in ".:_":
        stored = stored.replace(separator, "")
    assert "4111111111111111" not in stored
