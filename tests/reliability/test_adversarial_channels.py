"""Inputs an adversarial caller sent after the fraud-hold and bad-input work was merged, through
every entry point, with what is stored read back raw: each test replays one hole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.commands import Caller, LockCard, UnlockCard
from chalicelib.runtime import dynamodb_client
from chalicelib.service import CardService
from chalicelib.settings import get_settings
from chalicelib.store.dynamodb import IDEMPOTENCY_TTL_SECONDS, CardStore
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


def test_a_key_past_its_24_hours_is_a_new_request(world: World, ddb_tables: Any) -> None:
    # DynamoDB deletes an expired item only eventually (typically within days), and until then
    # reads still return it: a key past its 24 hours must not replay or refuse.
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    service = CardService(CardStore(dynamodb_client(), get_settings()), clock=lambda: now[0])
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    caller = Caller(channel="api", actor="tester", request_id="r1")

    def lock(reason: str) -> dict[str, Any]:
        command = LockCard(
            customer_id=customer, card_id=card, reason=reason, idempotency_key="K-day"
        )
        return service.lock_card(command, caller)

    # GIVEN a keyed lock, then an unlock
    assert lock("misplaced")["changed"] is True
    unlock = UnlockCard(customer_id=customer, card_id=card)
    assert service.unlock_card(unlock, caller)["changed"] is True
    # WHEN the key comes back a day and a second later, with the same request and with another
    now[0] += timedelta(seconds=IDEMPOTENCY_TTL_SECONDS + 1)
    again = lock("misplaced")
    # THEN it is a new request: applied, not replayed
    assert (again["changed"], again.get("replayed")) == (True, None)
    assert world.card(card)["status"] == "locked"  # type: ignore[index]
    assert service.unlock_card(unlock, caller)["changed"] is True
    now[0] += timedelta(seconds=IDEMPOTENCY_TTL_SECONDS + 1)
    other = lock("customer_request")
    assert (other["changed"], other.get("replayed")) == (True, None)
