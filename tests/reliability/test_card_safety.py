"""The card safety holds where two operations meet, through every entry point.

Each test replays a hole found by trying the product as an adversarial user would (an agent
ending a fraud lock by replacing the card, a stolen card that keeps working because a
replacement is pending, a replacement stolen from the mailbox, a closed card refused for the
wrong reason): the sequence is sent through REST, an MCP tool Lambda as AgentCore Gateway
invokes it, an MCP tool Lambda with JSON-RPC in a body, and ``POST /mcp``, and the stored cards
are read back raw. Keyed retries live in ``test_idempotency_v2``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app
from tests.reliability.channels import CHANNELS, Channels
from tests.reliability.world import World

MCP_CHANNELS = tuple(c for c in CHANNELS if c != "rest")


@pytest.fixture
def channels(ddb_tables: Any, tmp_path: Path) -> Iterator[Channels]:
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Channels(client)


def ref(customer: str, card: str, **extra: Any) -> dict[str, Any]:
    return {"customer_id": customer, "card_id": card, **extra}


def replacements_of(world: World, customer: str, card: str) -> list[dict[str, Any]]:
    return [c for c in world.cards_of(customer) if c.get("replacement_for") == card]


def fraud_lock(channels: Channels, customer: str, card: str) -> None:
    """The back office locks the card for suspected fraud."""
    answer = channels.send("rest", "lock", ref(customer, card, reason="suspected_fraud"))
    assert answer.code == "OK", answer


def order(channels: Channels, channel: str, customer: str, card: str, reason: str) -> str:
    """Order a replacement; the id of the card the answer says is on its way."""
    answer = channels.send(channel, "request_new", ref(customer, card, reason=reason))
    assert answer.code == "OK", answer
    return str(answer.data["card"]["card_id"])


# -- 1. an agent never ends a fraud lock -------------------------------------------------------


@pytest.mark.parametrize("channel", MCP_CHANNELS)
@pytest.mark.parametrize("reason", ["damaged", "expiring"])
def test_an_agent_cannot_replace_a_fraud_locked_card(
    world: World, channels: Channels, channel: str, reason: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    fraud_lock(channels, customer, card)
    before = world.dump()
    answer = channels.send(channel, "request_new", ref(customer, card, reason=reason))
    assert answer.code == "FRAUD_HOLD", answer
    assert "fraud review" in answer.data["message"]
    assert world.dump() == before
    preview = channels.send(
        channel, "request_new", ref(customer, card, reason=reason), confirm=False
    )
    assert preview.code == "FRAUD_HOLD", preview


@pytest.mark.parametrize("channel", MCP_CHANNELS)
def test_an_agent_cannot_activate_the_replacement_of_a_card_fraud_locked_after_ordering(
    world: World, channels: Channels, channel: str
) -> None:
    # GIVEN a damaged replacement ordered first, then a fraud lock by the back office
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    new = order(channels, channel, customer, card, "damaged")
    fraud_lock(channels, customer, card)
    before = world.dump()
    # WHEN the agent activates the replacement
    answer = channels.send(channel, "activate", ref(customer, new))
    # THEN it is refused and the fraud-locked card is still locked, the new one pending
    assert answer.code == "FRAUD_HOLD", answer
    assert world.dump() == before
    # AND the back office can still activate it, which closes the locked card
    assert channels.send("rest", "activate", ref(customer, new)).code == "OK"
    assert world.card(card)["status"] == "closed"  # type: ignore[index]


@pytest.mark.parametrize("channel", MCP_CHANNELS)
@pytest.mark.parametrize("reason", ["lost", "stolen"])
def test_a_lost_report_closes_a_fraud_locked_card_and_holds_its_replacement(
    world: World, channels: Channels, channel: str, reason: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    fraud_lock(channels, customer, card)
    new = order(channels, channel, customer, card, reason)
    assert world.card(card)["status"] == "closed"  # type: ignore[index]
    held = world.card(new)
    assert held is not None
    assert (held["status"], held["lock"]["reason"]) == ("pending_activation", "suspected_fraud")
    before = world.dump()
    assert channels.send(channel, "activate", ref(customer, new)).code == "FRAUD_HOLD"
    assert world.dump() == before
    # Reporting the held replacement lost in turn does not shed the hold.
    newer = order(channels, channel, customer, new, "lost")
    assert world.card(newer)["lock"]["reason"] == "suspected_fraud"  # type: ignore[index]
    assert channels.send(channel, "activate", ref(customer, newer)).code == "FRAUD_HOLD"
    # Only the back office releases the hold (by unlocking it, or by activating it).
    assert channels.send(channel, "unlock", ref(customer, newer)).code == "UNLOCK_NOT_PERMITTED"
    released = channels.send("rest", "unlock", ref(customer, newer))
    assert released.code == "OK", released
    assert (released.data["card"]["status"], "lock" in released.data["card"]) == (
        "pending_activation",
        False,
    )
    activated = channels.send(channel, "activate", ref(customer, newer))
    assert (activated.code, activated.data["card"]["status"]) == ("OK", "active")


@pytest.mark.parametrize("channel", MCP_CHANNELS)
def test_a_stolen_report_on_a_fraud_locked_card_holds_the_replacement_on_its_way(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    fraud_lock(channels, customer, card)
    new = order(channels, "rest", customer, card, "damaged")  # the back office may
    answer = channels.send(channel, "request_new", ref(customer, card, reason="stolen"))
    assert answer.code == "OK", answer
    assert answer.data["card"]["card_id"] == new
    assert answer.data["card"]["lock"]["reason"] == "suspected_fraud"
    assert channels.send(channel, "activate", ref(customer, new)).code == "FRAUD_HOLD"
    assert world.card(new)["status"] == "pending_activation"  # type: ignore[index]


# -- 2. a stolen card stops at once, even with a replacement on its way ----------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("first", ["damaged", "expiring"])
def test_a_stolen_card_closes_although_a_replacement_is_pending(
    world: World, channels: Channels, channel: str, first: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    new = order(channels, channel, customer, card, first)
    answer = channels.send(channel, "request_new", ref(customer, card, reason="stolen"))
    assert answer.code == "OK", answer
    # The answer names the card already on its way; no second card is issued.
    assert answer.data["card"]["card_id"] == new
    assert answer.data["replaced_card"]["status"] == "closed"
    stored = world.card(card)
    assert stored is not None
    assert (stored["status"], stored["closed_reason"]) == ("closed", "stolen")
    assert [c["card_id"] for c in replacements_of(world, customer, card)] == [new]
    assert [e["type"] for e in world.events(card)][-1] == "replacement_requested"
    # Activating the replacement afterwards changes nothing more on the closed card.
    assert channels.send(channel, "activate", ref(customer, new)).code == "OK"
    assert world.card(card)["closed_reason"] == "stolen"  # type: ignore[index]


# -- 3. a replacement lost in the mail ----------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("reason", ["lost", "stolen"])
def test_a_replacement_stolen_from_the_mailbox_is_closed_and_reissued(
    world: World, channels: Channels, channel: str, reason: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    first = order(channels, channel, customer, card, "lost")
    answer = channels.send(channel, "request_new", ref(customer, first, reason=reason))
    assert answer.code == "OK", answer
    second = answer.data["card"]["card_id"]
    stopped = world.card(first)
    assert stopped is not None
    assert (stopped["status"], stopped["closed_reason"]) == ("closed", reason)
    assert stopped["replaced_by"] == second
    assert world.card(second)["status"] == "pending_activation"  # type: ignore[index]
    assert [e["to_status"] for e in world.events(first)] == ["pending_activation", "closed"]
    assert [e["type"] for e in world.events(second)] == ["issued"]
    # Whoever holds the stolen card cannot activate it.
    assert channels.send(channel, "activate", ref(customer, first)).code == "CARD_CLOSED"


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_lost_damaged_replacement_is_reissued_for_the_card_still_in_use(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    first = order(channels, channel, customer, card, "damaged")
    second = order(channels, channel, customer, first, "lost")
    original = world.card(card)
    assert original is not None
    assert (original["status"], original["replaced_by"]) == ("active", second)
    assert world.card(second)["replacement_for"] == card  # type: ignore[index]
    assert [e["type"] for e in world.events(card)][-1] == "replacement_reissued"
    # Activating the new card closes the damaged one still in use.
    activated = channels.send(channel, "activate", ref(customer, second))
    assert activated.code == "OK", activated
    assert world.card(card)["closed_reason"] == "replaced"  # type: ignore[index]


# -- 6. every refusal names the real reason ---------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("reason", ["lost", "stolen", "damaged", "expiring"])
def test_request_new_on_a_closed_original_is_card_closed(
    world: World, channels: Channels, channel: str, reason: str
) -> None:
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    new = order(channels, channel, customer, card, "lost")
    assert channels.send(channel, "activate", ref(customer, new)).code == "OK"
    before = world.dump()
    answer = channels.send(channel, "request_new", ref(customer, card, reason=reason))
    assert answer.code == "CARD_CLOSED", answer
    assert world.dump() == before


# -- 7. every sentence said about a card is true of it --------------------------------------------


@pytest.mark.parametrize("channel", MCP_CHANNELS)
def test_the_preview_of_a_locked_card_does_not_say_it_keeps_working(
    world: World, channels: Channels, channel: str
) -> None:
    seeded = world.seed_customer(["locked", "active"])
    customer = seeded.customer_id
    locked, active = seeded.card_ids
    before = world.dump()
    answer = channels.send(
        channel, "request_new", ref(customer, locked, reason="damaged"), confirm=False
    )
    assert answer.code == "OK", answer
    assert "keeps working" not in answer.data["message"]
    assert "stays locked" in answer.data["message"]
    working = channels.send(
        channel, "request_new", ref(customer, active, reason="damaged"), confirm=False
    )
    assert "keeps working" in working.data["message"]
    assert world.dump() == before
