"""Opaque history cursors: where the next page of one card's history starts.

A cursor names its card, so one made for another card (or garbage) is a validation error rather
than a way to page through someone else's history; its version is bounded, so a forged one never
reaches DynamoDB. Only the exact text ``encode_cursor`` writes is read back: stray characters,
padding or extra keys make it someone else's text, refused like garbage.
"""

from __future__ import annotations

import base64
import binascii
import json

from chalicelib import errors
from chalicelib.models import MAX_VERSION
from chalicelib.validation import field_error, load_json


def encode_cursor(card_id: str, version: int) -> str:
    """An opaque cursor: where the next page of ``card_id``'s history starts."""
    raw = json.dumps({"c": card_id, "v": version}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, card_id: str) -> int:
    """Read a cursor back; one made for another card, or garbage, is a validation error."""
    invalid = errors.ValidationFailedError(
        details={"fields": [field_error("cursor", "is not a valid cursor")]}
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = load_json(raw)
    except (ValueError, binascii.Error):
        raise invalid from None
    if not isinstance(value, dict) or value.get("c") != card_id:
        raise invalid
    version = value.get("v")
    # A forged version past what DynamoDB can compare would fail there, as a 500.
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= MAX_VERSION:
        raise invalid
    if encode_cursor(card_id, version) != cursor:
        raise invalid
    return version
