"""What a payment card number looks like: the one rule every edge (and the id generator) uses.

No value that is stored, logged or echoed may carry a card number (PCI DSS 3.4: no PAN where
it is not needed). Standard library only: the domain uses it too.
"""

from __future__ import annotations

import re

#: Digits, possibly in groups joined by one separator: a space or dash as card numbers are
#: printed, or a dot, underscore or colon (an idempotency key allows those, not spaces).
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ ._:-][0-9]+)*")
_GROUP_SEPARATOR = re.compile(r"[ ._:-]")
_PAN_LENGTHS = range(13, 20)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: How issuers print card numbers: 4-4-4-4 (a last group of 1-3 for 13-15 or 17-19 digits),
#: and 4-6-4 / 4-6-5 (Diners, Amex).
_WIDE_LAYOUTS = ([4, 6, 4], [4, 6, 5])


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_pan(digits: str) -> bool:
    return len(digits) in _PAN_LENGTHS and _luhn_ok(digits)


def _printed_layout(groups: list[str]) -> bool:
    widths = [len(group) for group in groups]
    four_by_four = all(width == 4 for width in widths[:-1]) and 1 <= widths[-1] <= 4
    return four_by_four or widths in _WIDE_LAYOUTS


def contains_card_number(text: str) -> bool:
    """Whether ``text`` holds a payment card number: 13-19 digits that pass the Luhn check,
    either in one unbroken run (``CARD4111111111111111``) or printed in the issuers' groups
    with single spaces, dashes, dots, underscores or colons (``4111 1111 1111 1111``,
    ``3782-822463-10005``, ``4111.1111.1111.1111``).

    A UUID is never a card number: its digit groups can join across dashes
    (``…ab12-3456-4789-8123-45…``), so grouped runs inside one are not counted, and a UUID
    never holds more than twelve digits in a row.
    """
    uuids = [match.span() for match in _UUID.finditer(text)]
    for match in _DIGIT_RUN.finditer(text):
        groups = _GROUP_SEPARATOR.split(match.group())
        if any(_is_pan(group) for group in groups):
            return True
        if len(groups) > 1 and _printed_layout(groups) and _is_pan("".join(groups)):
            start, end = match.span()
            if not any(low <= start and end <= high for low, high in uuids):
                return True
    return False
