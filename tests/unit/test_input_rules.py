"""The rules every channel applies to untrusted input, on their own: the card-number rule,
bounded JSON, the guarded headers, the history cursor and the local-credential rule."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import errors
from chalicelib.card_numbers import contains_card_number
from chalicelib.clients import LOCAL_CREDENTIALS, endpoint_credentials, is_local_endpoint
from chalicelib.cursor import decode_cursor, encode_cursor
from chalicelib.domain.replacement import new_card_id
from chalicelib.models import MAX_VERSION
from chalicelib.rest.headers import IF_MATCH_PATTERN, parse_idempotency_key, parse_if_match
from chalicelib.validation import MAX_JSON_DEPTH, load_json


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "CARD4111111111111111",
        "4111-1111-1111-1111",
        "4111 1111 1111 1111",
        "4111.1111.1111.1111",  # separators an idempotency key allows
        "order:4111_1111_1111_1111",
        "4111:1111:1111:1111",
        "order:5555555555554444:retry",
        "378282246310005",  # 15 digits (Amex test number)
        "6011111111111117",
    ],
)
def test_card_numbers_are_found(text: str) -> None:
    assert contains_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "CARD001",
        "4111111111111112",  # fails Luhn
        "550e8400-e29b-41d4-a716-446655440000",
        "123456789012",  # 12 digits: an account id, not a card
        "2025-06-18",
        "41111111111111111111",  # 20 digits: longer than any card number
    ],
)
def test_other_values_are_not_card_numbers(text: str) -> None:
    assert not contains_card_number(text)


def test_deep_json_is_a_value_error_not_a_recursion_error() -> None:
    with pytest.raises(ValueError):
        load_json("[" * 5000 + "]" * 5000)
    with pytest.raises(ValueError):
        load_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert load_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    assert load_json('{"a": [{"b": 1}]}') == {"a": [{"b": 1}]}


PAN = "4111111111111111"


def forged_cursor(version: object, card_id: str = "CARD001") -> str:
    """A cursor written as ``encode_cursor`` writes one, with any version."""
    raw = json.dumps({"c": card_id, "v": version}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("version", [10**38, 10**126, MAX_VERSION + 1, 0, -1, True, 1.5, "3"])
def test_a_forged_cursor_version_is_a_validation_error(version: object) -> None:
    with pytest.raises(errors.ValidationFailedError):
        decode_cursor(forged_cursor(version), "CARD001")


def test_a_real_cursor_reads_back() -> None:
    assert decode_cursor(encode_cursor("CARD001", 7), "CARD001") == 7
    assert decode_cursor(forged_cursor(MAX_VERSION), "CARD001") == MAX_VERSION


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        ("*", None),
        (' "3" ', frozenset({3})),
        ("3", frozenset({3})),
        ('"1", "2"', frozenset({1, 2})),
        ('W/"1"', frozenset()),  # weak: never matches under strong comparison
        ('W/"1", "2"', frozenset({2})),
        ('"abc"', frozenset()),  # a valid entity tag that is no version: matches nothing
        ('"0"', frozenset()),
    ],
)
def test_if_match_follows_rfc_9110(header: str | None, versions: frozenset[int] | None) -> None:
    assert parse_if_match(header) == versions


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        ('"03"', frozenset()),  # strong comparison is character by character: not version 3
        ("03", frozenset()),
        ('"3", "03"', frozenset({3})),
        (' \t"1"\t,  W/"2" ,"3" \t', frozenset({1, 3})),  # OWS around the value and each comma
        ('"1,2"', frozenset()),  # one opaque tag with a comma in it, not two versions
    ],
)
def test_if_match_compares_entity_tags_strongly(
    header: str, versions: frozenset[int] | None
) -> None:
    assert parse_if_match(header) == versions


@given(st.text(alphabet=' \t",W/*0123456789a\n', max_size=24))
def test_the_published_if_match_pattern_is_the_one_the_parser_applies(header: str) -> None:
    try:
        parse_if_match(header)
    except errors.ValidationFailedError:
        accepted = False
    else:
        accepted = True
    # fullmatch: an ECMA-262 `$` (what OpenAPI tools use) never matches before a final newline
    assert accepted == (re.fullmatch(IF_MATCH_PATTERN, header) is not None)


@pytest.mark.parametrize(
    "header",
    ['"\u0661"', "\u0661", "yesterday", '"1" "2"', '"1",', "**", '"1\n"', "", '"3', f'"{PAN}"'],
)
def test_malformed_if_match_is_refused(header: str) -> None:
    with pytest.raises(errors.ValidationFailedError):
        parse_if_match(header)


@pytest.mark.parametrize(
    "key", ["abc\n", "", "x" * 256, "a b", "4111111111111111", "key-4111-1111-1111-1111", "é"]
)
def test_bad_idempotency_keys_are_refused(key: str) -> None:
    with pytest.raises(errors.ValidationFailedError) as caught:
        parse_idempotency_key(key)
    assert key not in json.dumps(caught.value.details) or not key


@pytest.mark.parametrize("key", ["order-7f3a", "x" * 255, "a.b:c_d-e", "550e8400-e29b-41d4"])
def test_good_idempotency_keys_are_kept(key: str) -> None:
    assert parse_idempotency_key(key) == key


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8100", True),
        ("http://dynamodb-local:8000", True),
        ("https://dynamodb.us-east-1.amazonaws.com", False),
        ("https://dynamodb.us-east-1.api.aws", False),
        (None, False),
    ],
)
def test_one_credential_rule_for_local_endpoints(endpoint: str | None, local: bool) -> None:
    assert is_local_endpoint(endpoint) is local
    assert endpoint_credentials(endpoint) == (LOCAL_CREDENTIALS if local else {})


@pytest.mark.parametrize(
    "text",
    [
        "3782-822463-10005",
        "call 555 1234 4111111111111111",
        "4222 2222 2222 2",
        "v4111 1111 1111 1111",
        "x4111-1111-1111-1111",
    ],
)
def test_printed_layouts_and_hidden_runs_are_found(text: str) -> None:
    assert contains_card_number(text)


def test_a_uuid_is_never_a_card_number() -> None:
    # GIVEN the keys clients are told to use; their digit groups join across dashes
    keys = [str(uuid.UUID(int=seed * 0x9E3779B97F4A7C15 % 2**128)) for seed in range(20_000)]
    keys.append("abcdef12-3456-4789-8123-4567abcdef01")
    # THEN none reads as a card number
    assert [key for key in keys if contains_card_number(key)] == []


def test_generated_card_ids_never_read_as_card_numbers() -> None:
    """About one random draw in 2,000 would: 20,000 draws would hold ~9 of them."""
    ids = {new_card_id() for _ in range(20_000)}
    assert [card_id for card_id in ids if contains_card_number(card_id)] == []
