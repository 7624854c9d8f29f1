"""Throughput: writes per second at 1, 4 and 16 threads on distinct cards, and on one hot card."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks.harness import BENCH_CUSTOMER, Stack, WireCounter, rest_call, write_event


@dataclass(frozen=True)
class Throughput:
    """One run: threads, cards, operations done, outcomes and cancelled transactions."""

    label: str
    threads: int
    seconds: float
    outcomes: dict[str, int]
    cancelled: int

    @property
    def ops(self) -> int:
        """Operations answered (any outcome)."""
        return sum(self.outcomes.values())

    @property
    def per_second(self) -> float:
        """Operations per second."""
        return self.ops / self.seconds


def _worker(
    card: str, stop_at: float, outcomes: Counter[str], lock: threading.Lock, max_ops: int
) -> None:
    for index in range(max_ops):  # bounded even if the clock misbehaves
        if time.monotonic() >= stop_at:
            return
        operation = "lock" if index % 2 == 0 else "unlock"
        status, body = rest_call(write_event(operation, BENCH_CUSTOMER, card))
        if status < 300:
            outcome = "changed" if body["data"]["changed"] else "no-op"
        else:
            outcome = body["error"]["code"]
        with lock:
            outcomes[outcome] += 1


def run(label: str, cards: list[str], seconds: float, wire: WireCounter) -> Throughput:
    """One thread per entry of ``cards`` (repeat a card to make it hot) for ``seconds``."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    wire.reset()
    began = time.monotonic()
    stop_at = began + seconds
    threads = [
        threading.Thread(target=_worker, args=(card, stop_at, outcomes, lock, 100_000))
        for card in cards
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - began
    return Throughput(label, len(cards), elapsed, dict(outcomes), wire.cancelled)


def throughput(stack: Stack, wire: WireCounter, seconds: float) -> list[Throughput]:
    """Distinct cards at 1, 4 and 16 threads; one hot card at 4 and 16 threads."""
    results = [
        run("distinct cards", stack.add_cards(f"TP{n}X", n), seconds, wire) for n in (1, 4, 16)
    ]
    for n in (4, 16):
        hot = stack.add_cards(f"HOT{n}X", 1)[0]
        results.append(run("one hot card", [hot] * n, seconds, wire))
    return results
