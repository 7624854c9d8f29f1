"""A suspended customer gets nothing back, not even the stored answer to an idempotent retry.

Found by the model-based test (``card_machine``): the service answered a replay from the
idempotency record before checking the customer, so a customer suspended after a keyed change
could still read that card's details by sending the request again.
"""

from __future__ import annotations

import pytest

from chalicelib import errors
from chalicelib.commands import Caller
from chalicelib.runtime import card_service
from tests.card_commands import command, run
from tests.reliability.world import World

CALLER = Caller(channel="api", actor="test", request_id="req-1")


@pytest.mark.parametrize(
    ("operation", "params"),
    [("lock", {"reason": "customer_request"}), ("request_new", {"reason": "damaged"})],
)
def test_a_replay_by_a_suspended_customer_is_auth_failed(
    world: World, operation: str, params: dict[str, str]
) -> None:
    # GIVEN a keyed change, then the customer is suspended
    seeded = world.seed_customer(["active"])
    service = card_service()
    first = command(operation, seeded.customer_id, seeded.card_ids[0], params, "key-1")
    assert run(service, first, CALLER)["changed"] is True
    world.set_customer_status(seeded.customer_id, "suspended")
    before = world.dump()
    # WHEN the same request is sent again, and the same key with another request
    other = command(operation, seeded.customer_id, "CARD0OTHER0", params, "key-1")
    for attempt in (first, other):
        with pytest.raises(errors.AuthFailedError):
            run(service, attempt, CALLER)
    # THEN nothing changed
    assert world.dump() == before
