"""Hypothesis strategies for what hostile or sloppy callers send, and the scan for card numbers.

Card numbers are generated (Luhn-valid, 13-19 digits, bare or written with spaces, dashes, dots,
underscores or colons, alone or inside ids and keys) and remembered, so a test can prove that
none of them reached an answer, a log line or a stored item without trusting the product's own
detector. JSON is nested
past any sane depth, bodies are base64-encoded (validly or not), and every field of an event can
be missing or of the wrong type.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

#: The digits of every card number generated in this process (the items scan uses them all).
GENERATED_PANS: set[str] = set()
_SEPARATORS = re.compile(r"[ ._:-]")


def _with_check_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:  # doubled: the check digit will sit to their right
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


def _remember(pan: str) -> str:
    GENERATED_PANS.add(_SEPARATORS.sub("", pan))
    return pan


def _written(digits: str, separator: str) -> str:
    return separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))


card_numbers = st.builds(
    lambda length, seed, separator: _remember(
        _written(_with_check_digit(str(seed).zfill(length - 1)[: length - 1]), separator)
    ),
    st.integers(13, 19),
    st.integers(10**11, 10**18),
    st.sampled_from(["", "", " ", "-", ".", "_", ":"]),
)
#: Card numbers alone and where a careless caller puts them: ids, keys, versions, request ids.
pan_strings = st.one_of(
    card_numbers,
    card_numbers.map(lambda pan: "CARD" + _SEPARATORS.sub("", pan)),
    card_numbers.map(lambda pan: "CUST" + _SEPARATORS.sub("", pan)),
    st.tuples(st.sampled_from(["key-", "order:", "v", "req-"]), card_numbers).map("".join),
)


def deep_json(depth: int) -> str:
    """``[[[…]]]`` or ``{"a":{"a":…}}`` nested ``depth`` deep."""
    return "[" * depth + "]" * depth


deep_bodies = st.one_of(
    st.integers(33, 6000).map(deep_json),
    st.integers(33, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
)


def base64_of(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: The ways a JSON-RPC message reaches an MCP tool Lambda, well and badly: in a body string,
#: base64-encoded (or claiming to be), as noise, nested too deep, batched past the cap, bare.
MCP_WRAPS: dict[str, Callable[[Any, str, int], Any]] = {
    "body": lambda message, raw, batch: {"body": json.dumps(message)},
    "base64_body": lambda message, raw, batch: {
        "body": base64_of(json.dumps(message)),
        "isBase64Encoded": True,
    },
    "broken_base64": lambda message, raw, batch: {"body": raw, "isBase64Encoded": True},
    "raw_body": lambda message, raw, batch: {"body": raw},
    "deep_body": lambda message, raw, batch: {"body": deep_json(40 + len(raw) * 100)},
    "batch_body": lambda message, raw, batch: {"body": json.dumps([message] * batch)},
    "bare": lambda message, raw, batch: message,
}


def ill_typed(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: a valid one, or anything of another JSON type."""
    return st.one_of(
        valid,
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=12),
        st.lists(st.text(max_size=6), max_size=3),
        st.dictionaries(st.text(max_size=6), st.none() | st.text(max_size=6), max_size=3),
        pan_strings,
    )


def pans_in(text: str) -> list[str]:
    """The generated card numbers ``text`` contains (also with their separators removed)."""
    squeezed = _SEPARATORS.sub("", text)
    return [pan for pan in GENERATED_PANS if pan in text or pan in squeezed]


def log_text(records: list[logging.LogRecord]) -> str:
    """Everything a log line carries: message, extra fields and any exception trace."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(json.dumps({k: str(v) for k, v in record.__dict__.items()}))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def stored_text(ddb_tables: Any) -> str:
    """Every item of every table of this test, as text."""
    items = []
    for table in ddb_tables.names.values():
        items += ddb_tables.client.scan(TableName=table)["Items"]
    return json.dumps(items)


@dataclass
class Tally:
    """What a fuzz run saw, for its figure line: events sent and their outcomes."""

    label: str
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Any) -> None:
        self.outcomes[str(outcome)] += 1

    def line(self) -> str:
        cases = sum(self.outcomes.values())
        top = ", ".join(f"{k} x{v}" for k, v in self.outcomes.most_common(6))
        return (
            f"event fuzz {self.label}: {cases} events, 0 raises, 0 5xx, 0 card numbers in "
            f"answers, logs or items; outcomes {top}"
        )
