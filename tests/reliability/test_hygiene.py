"""Nothing sensitive leaves or stays: during a representative run on every channel, every log
line (stdout/stderr), every response and every stored card, event and idempotency item is
scanned for 13-19-digit Luhn-valid numbers, CVV/PIN fields, phone numbers and e-mail
addresses. The customers table holds phone and e-mail by design and is not scanned.
Requests that try to send a card number or CVV are refused and store nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app
from tests.reliability.channels import CHANNELS, Channels
from tests.reliability.world import World

PAN = "4111111111111111"
DIGITS = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
SECRET_FIELDS = re.compile(r'"(cvv|cvc|cvv2|pin|card_number|pan|security_code)"', re.IGNORECASE)
#: The EMF metric lines' epoch-millisecond timestamp: 13 digits, Luhn-valid one time in ten.
EMF_TIMESTAMP = re.compile(r'"Timestamp":\s*\d{13}\b')
PHONE = re.compile(r"\+\d{10,15}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def luhn_valid(number: str) -> bool:
    total = 0
    for i, digit in enumerate(int(d) for d in reversed(number)):
        doubled = digit * 2 if i % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def findings(text: str) -> list[str]:
    """Every sensitive-looking thing in ``text``."""
    text = EMF_TIMESTAMP.sub('"Timestamp":0', text)
    found = [f"pan:{m}" for m in DIGITS.findall(text) if luhn_valid(m)]
    found += [f"field:{m}" for m in SECRET_FIELDS.findall(text)]
    found += [f"phone:{m}" for m in PHONE.findall(text)]
    found += [f"email:{m}" for m in EMAIL.findall(text)]
    return found


def test_the_scanner_finds_what_it_looks_for() -> None:
    text = (
        f'{{"card_number": "{PAN}", "cvv": "123"}} +15555550101 alice@example.com 4111111111111112'
    )
    assert sorted(findings(text)) == sorted(
        [
            f"pan:{PAN}",
            "field:card_number",
            "field:cvv",
            "phone:+15555550101",
            "email:alice@example.com",
        ]
    )


@pytest.fixture
def channels(ddb_tables: Any, tmp_path: Path) -> Iterator[Channels]:
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Channels(client)


def test_a_representative_run_leaks_nothing(
    world: World, channels: Channels, capfd: pytest.CaptureFixture[str]
) -> None:
    texts: list[str] = []
    customer = "CUST001"  # the seed customer: phone and e-mail on file
    for channel in CHANNELS:
        mine = world.seed_customer(["active"])
        args = {"customer_id": mine.customer_id, "card_id": mine.card_ids[0]}
        for operation, extra in [
            ("lock", {"reason": "suspected_fraud"}),
            ("unlock", {}),  # refused outside the back office (UNLOCK_NOT_PERMITTED)
            ("request_new", {"reason": "damaged"}),  # the same (FRAUD_HOLD)
        ]:
            texts.append(channels.send(channel, operation, {**args, **extra}).raw)
        texts.append(channels.send("rest", "unlock", args).raw)  # the back office lifts it
        for operation, extra in [("request_new", {"reason": "damaged"}), ("list", {})]:
            texts.append(channels.send(channel, operation, {**args, **extra}).raw)
        replaced = world.card(mine.card_ids[0])
        assert replaced is not None
        new_card = {**args, "card_id": replaced["replaced_by"]}
        texts.append(channels.send(channel, "activate", new_card).raw)
        texts.append(channels.send(channel, "lock", {**args, "card_id": "CARD0MISSING0"}).raw)
        texts.append(channels.send(channel, "list", {"customer_id": customer}).raw)
        texts.append(channels.send(channel, "history", args).raw)
        seeded = {"customer_id": customer, "card_id": "CARD001"}
        texts.append(channels.send(channel, "history", seeded).raw)
        texts.append(channels.send(channel, "history", {**args, "card_number": PAN}).raw)
        texts.append(channels.send(channel, "lock", {**args, "card_number": PAN}).raw)
        texts.append(channels.send(channel, "lock", {**args, "cvv": "123"}).raw)
    captured = capfd.readouterr()
    stored = [
        json.dumps(world.scan(t)) for t in ("CARDS_TABLE", "CARD_EVENTS_TABLE", "IDEMPOTENCY_TABLE")
    ]
    assert len(captured.out.splitlines()) > 20, "the run logged (the scan had something to read)"
    hits = {
        "logs": findings(captured.out + captured.err),
        "responses": findings("\n".join(texts)),
        "stored": findings("\n".join(stored)),
    }
    print(
        f"hygiene: {len(captured.out.splitlines())} log lines, {len(texts)} responses, "
        f"{sum(len(s) for s in stored)} bytes stored; hits {hits}"
    )
    assert hits == {"logs": [], "responses": [], "stored": []}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("field", ["card_number", "cvv", "pin", "pan"])
def test_a_request_carrying_card_secrets_is_refused_and_stores_nothing(
    world: World, channels: Channels, channel: str, field: str
) -> None:
    mine = world.seed_customer(["active"])
    before = world.dump()
    answer = channels.send(
        channel,
        "lock",
        {"customer_id": mine.customer_id, "card_id": mine.card_ids[0], field: PAN},
    )
    assert answer.code == "VALIDATION_ERROR", answer
    assert PAN not in answer.raw
    assert world.dump() == before
