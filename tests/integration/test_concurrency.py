"""Races on one card against a real DynamoDB Local: what clients were told must match what was
committed (one version per change, one event per version, no gaps)."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from chalicelib import errors
from chalicelib.commands import Caller, LockCard, RequestNewCard, UnlockCard
from chalicelib.runtime import card_service

THREADS = 32


def race(count: int, work: Callable[[int], dict[str, Any]]) -> list[dict[str, Any] | str]:
    """Run ``work(i)`` on ``count`` threads released together; return answers or error codes."""
    barrier = threading.Barrier(count)
    results: list[dict[str, Any] | str] = [""] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except errors.CardOpsError as exc:
            results[i] = exc.code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def caller(i: int) -> Caller:
    return Caller(channel="api", actor=f"thread-{i}", request_id=f"req-{i}")


def test_racing_lock_and_unlock_keeps_versions_and_events_in_step(ddb_tables: Any) -> None:
    service = card_service()

    def work(i: int) -> dict[str, Any]:
        if i % 2:
            lock = LockCard(customer_id="CUST001", card_id="CARD001", reason="customer_request")
            return service.lock_card(lock, caller(i))
        return service.unlock_card(UnlockCard(customer_id="CUST001", card_id="CARD001"), caller(i))

    results = race(THREADS, work) + race(THREADS, work)
    codes = Counter(r if isinstance(r, str) else "OK" for r in results)
    assert set(codes) <= {"OK", "CONCURRENT_MODIFICATION"}, codes
    changed = sum(1 for r in results if isinstance(r, dict) and r["changed"])
    card = ddb_tables.card("CARD001")
    assert int(card["version"]["N"]) == 1 + changed
    events = sorted(ddb_tables.events("CARD001"), key=lambda e: int(e["version"]["N"]))
    assert [int(e["version"]["N"]) for e in events] == list(range(1, 2 + changed))
    # Replaying the events gives the stored state: each starts where the previous ended.
    for before, after in itertools.pairwise(events):
        assert after["from_status"]["S"] == before["to_status"]["S"]
    assert events[-1]["to_status"]["S"] == card["status"]["S"]


def test_racing_replacements_issue_exactly_one_card(ddb_tables: Any) -> None:
    service = card_service()

    def work(i: int) -> dict[str, Any]:
        command = RequestNewCard(
            customer_id="CUST001",
            card_id="CARD001",
            reason="damaged",
            shipping_speed="standard",
            idempotency_key=f"key-{i}",
        )
        return service.request_new_card(command, caller(i))

    results = race(16, work)
    winners = [r for r in results if isinstance(r, dict)]
    assert len(winners) == 1, results
    assert {r for r in results if isinstance(r, str)} <= {
        "REPLACEMENT_ALREADY_REQUESTED",
        "CONCURRENT_MODIFICATION",
    }
    cards = ddb_tables.client.scan(TableName=ddb_tables.names["CARDS_TABLE"])["Items"]
    replacements = [c for c in cards if c.get("replacement_for", {}).get("S") == "CARD001"]
    assert len(replacements) == 1
    assert replacements[0]["card_id"]["S"] == winners[0]["card"]["card_id"]


def test_one_idempotency_key_sent_ten_times_at_once_changes_once(ddb_tables: Any) -> None:
    service = card_service()

    def work(i: int) -> dict[str, Any]:
        command = RequestNewCard(
            customer_id="CUST002",
            card_id="CARD003",
            reason="lost",
            shipping_speed="standard",
            idempotency_key="same-key",
        )
        return service.request_new_card(command, caller(i))

    results = race(10, work)
    refused = [r for r in results if not isinstance(r, dict)]
    assert not refused, refused
    answers = [r for r in results if isinstance(r, dict)]
    first = [r for r in answers if "replayed" not in r]
    assert len(first) == 1, results  # the others are the stored answer, marked as replayed
    assert all({k: v for k, v in r.items() if k != "replayed"} == first[0] for r in answers)
    assert [int(e["version"]["N"]) for e in ddb_tables.events("CARD003")] == [1, 2]
