"""The fraud hold and the lost/stolen rules as pure functions, for every channel that is not
the back office (MCP and Connect), and the preview's sentences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib import domain, errors
from chalicelib.domain import Card, Decision, Lock
from tests.unit.test_domain import CUSTOMER, card, ctx, locked

AGENTS = ("mcp", "connect")
FRAUD = Lock(reason="suspected_fraud", channel="api", at="t")


def order(old: Card, reason: str, channel: str = "api", related: Card | None = None) -> Decision:
    return domain.request_new(old, related, CUSTOMER, ctx(channel), reason=reason, speed="standard")


def pending(**changes: object) -> Card:
    base = card("pending_activation", card_id="CARDNEW01", version=1, replacement_for="CARD001")
    return replace(base, **changes)  # type: ignore[arg-type]


# -- fraud hold ----------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", AGENTS)
@pytest.mark.parametrize("reason", ["damaged", "expiring"])
def test_only_the_back_office_replaces_a_fraud_locked_card(channel: str, reason: str) -> None:
    with pytest.raises(errors.FraudHoldError):
        order(locked("suspected_fraud"), reason, channel)
    decision = order(locked("suspected_fraud"), reason, "api")
    assert decision.card.lock is None  # its hold is the open original's lock


@pytest.mark.parametrize("channel", AGENTS)
def test_the_replacement_of_a_fraud_locked_card_is_activated_by_the_back_office_only(
    channel: str,
) -> None:
    original = replace(locked("suspected_fraud"), replaced_by="CARDNEW01")
    with pytest.raises(errors.FraudHoldError):
        domain.activate(pending(), original, ctx(channel))
    decision = domain.activate(pending(), original, ctx("api"))
    assert decision.replaced_card is not None
    assert decision.replaced_card.status == "closed"


@pytest.mark.parametrize("channel", [*AGENTS, "api"])
@pytest.mark.parametrize("reason", ["lost", "stolen"])
def test_a_lost_fraud_locked_card_closes_and_its_replacement_carries_the_hold(
    channel: str, reason: str
) -> None:
    decision = order(locked("suspected_fraud"), reason, channel)
    old, new = (write.card for write in decision.writes)
    assert (old.status, old.lock) == ("closed", None)
    assert new.lock == FRAUD
    assert domain.delivers_held_card(decision)
    for agent in AGENTS:
        with pytest.raises(errors.FraudHoldError):
            domain.activate(new, old, ctx(agent))
    released = domain.activate(new, old, ctx("api")).card
    assert (released.status, released.lock) == ("active", None)


@pytest.mark.parametrize("channel", AGENTS)
def test_only_the_back_office_releases_a_held_card(channel: str) -> None:
    held = pending(lock=FRAUD)
    with pytest.raises(errors.UnlockNotPermittedError):
        domain.unlock(held, ctx(channel))
    (release,) = domain.unlock(held, ctx("api")).writes
    assert (release.card.status, release.card.lock) == ("pending_activation", None)
    assert release.event.type == "hold_released"
    assert domain.activate(release.card, None, ctx(channel)).card.status == "active"
    with pytest.raises(errors.InvalidCardStateError):  # nothing to release on an unheld card
        domain.unlock(pending(), ctx("api"))


@pytest.mark.parametrize("channel", AGENTS)
def test_a_held_card_lost_in_the_mail_passes_the_hold_on(channel: str) -> None:
    held = pending(lock=FRAUD, replacement_for="CARD001")
    original = card("closed", closed_reason="lost", replaced_by="CARDNEW01")
    decision = order(held, "stolen", channel, related=original)
    assert decision.card.lock == FRAUD
    assert decision.card.replacement_for == "CARDNEW01"


# -- lost or stolen always stops the card ------------------------------------------------------


@pytest.mark.parametrize("channel", [*AGENTS, "api"])
def test_a_stolen_card_with_a_replacement_on_its_way_closes_without_a_second_card(
    channel: str,
) -> None:
    original = card(replaced_by="CARDNEW01")
    decision = order(original, "stolen", channel, related=pending())
    (closed,) = decision.writes
    assert (closed.card.status, closed.card.closed_reason) == ("closed", "stolen")
    assert closed.card.replaced_by == "CARDNEW01"
    assert decision.card == pending()  # the answer names the card on its way, unchanged


def test_a_stolen_fraud_locked_card_hands_its_hold_to_the_replacement_on_its_way() -> None:
    original = replace(locked("suspected_fraud"), replaced_by="CARDNEW01")
    decision = order(original, "stolen", "mcp", related=pending())
    closed, held = decision.writes
    assert closed.card.status == "closed"
    assert (held.event.type, held.card.lock, held.card.version) == ("held", FRAUD, 2)


def test_a_lost_replacement_of_a_card_still_in_use_is_reissued_for_that_card() -> None:
    original = card(replaced_by="CARDNEW01")
    decision = order(pending(), "lost", "connect", related=original)
    closed, issued, repointed = decision.writes
    assert (closed.card.status, closed.card.replaced_by) == ("closed", issued.card.card_id)
    assert issued.card.replacement_for == "CARD001"
    assert repointed.card.replaced_by == issued.card.card_id
    assert repointed.event.type == "replacement_reissued"
    assert repointed.expected_version == original.version


def test_which_other_card_a_request_needs() -> None:
    assert domain.related_card_id(card(replaced_by="CARDNEW01"), "lost") == "CARDNEW01"
    assert domain.related_card_id(pending(), "stolen") == "CARD001"
    assert domain.related_card_id(card(replaced_by="CARDNEW01"), "damaged") is None
    assert domain.related_card_id(card("closed", replaced_by="CARDNEW01"), "lost") is None


# -- the preview's sentences are true --------------------------------------------------------------


def test_the_preview_says_what_happens_to_each_kind_of_card() -> None:
    message = domain.preview_message(locked(), order(locked(), "damaged"), "damaged")
    assert "stays locked until the new card is activated" in message
    assert "keeps working" not in message
    active = domain.preview_message(card(), order(card(), "damaged"), "damaged")
    assert "keeps working until the new card is activated" in active
    lost = domain.preview_message(pending(), order(pending(), "lost"), "lost")
    assert "never activated and will be cancelled immediately" in lost
    original = card(replaced_by="CARDNEW01")
    on_its_way = order(original, "stolen", related=pending())
    assert "already on its way" in domain.preview_message(original, on_its_way, "stolen")


def test_the_preview_of_a_fraud_locked_card_says_the_new_card_is_held() -> None:
    fraud = locked("suspected_fraud")
    message = domain.preview_message(fraud, order(fraud, "lost", "mcp"), "lost")
    assert "held for fraud review" in message
    assert "held" not in domain.preview_message(card(), order(card(), "lost"), "lost")
