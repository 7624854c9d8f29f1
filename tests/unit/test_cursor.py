"""History cursors: opaque, bound to their card, bounded in version; anything else is a
validation error that echoes nothing of what was sent."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib import errors
from chalicelib.cursor import decode_cursor, encode_cursor
from chalicelib.models import MAX_VERSION, HistoryQuery

INVALID = {"fields": [{"field": "cursor", "issue": "is not a valid cursor"}]}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("version", [1, 2, 9, 10, 255, 65_536, MAX_VERSION])
def test_a_cursor_reads_back_as_the_version_it_was_made_for(version: int) -> None:
    cursor = encode_cursor("CARD0ABC123", version)
    assert decode_cursor(cursor, "CARD0ABC123") == version


def test_a_cursor_is_url_safe_without_padding_and_fits_the_query_parameter() -> None:
    cursor = encode_cursor("CARD" + "Z" * 32, MAX_VERSION)
    assert not set("=+/") & set(cursor)
    assert HistoryQuery.model_validate({"cursor": cursor}).cursor == cursor


def test_a_cursor_made_for_another_card_is_refused() -> None:
    with pytest.raises(errors.ValidationFailedError) as refused:
        decode_cursor(encode_cursor("CARD002", 3), "CARD001")
    assert refused.value.details == {
        "fields": [{"field": "cursor", "issue": "is not a valid cursor"}]
    }


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "a",  # one character: no whole byte
        b64(b"not json"),
        b64(b'["CARD001", 3]'),
        b64(b'{"c": "CARD001"}'),
        b64(b'{"v": 3}'),
        b64(b'{"c": "CARD001", "v": null}'),
        b64(b'{"c": "CARD001", "v": "3"}'),
        b64(b'{"c": "CARD001", "v": false}'),
        b64(b"\xff\xfe"),
        b64(json.dumps({"c": "CARD001", "v": 3}).encode() + b"\x00"),
        b64(b"[" * 100 + b"]" * 100),
        # Decodable, but not the text a cursor is: padded, junk the decoder skips, extra keys,
        # spacing, another spelling of the version.
        encode_cursor("CARD001", 3) + "==",
        encode_cursor("CARD001", 3) + "\x00",
        "!" + encode_cursor("CARD001", 3),
        b64(b'{"c":"CARD001","v":3,"pan":"4111111111111111"}'),
        b64(b'{"c": "CARD001", "v": 3}'),
        b64(b'{"v":3,"c":"CARD001"}'),
        b64(b'{"c":"CARD001","v":3.0}'),
    ],
)
def test_anything_else_is_the_same_validation_error_echoing_nothing(cursor: str) -> None:
    with pytest.raises(errors.ValidationFailedError) as refused:
        decode_cursor(cursor, "CARD001")
    assert refused.value.details == INVALID  # the same words whatever was sent
