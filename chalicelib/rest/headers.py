"""The request headers that guard writes, each with one pattern (the OpenAPI document's too).

``If-Match`` follows RFC 9110 §13.1.1: ``*`` or a list of entity tags, compared strongly, so a
weak tag (``W/"3"``) never matches. Our entity tags are card versions in ASCII digits
(``"3"``); a bare ``3`` is accepted too. A well-formed tag that is not a version can never
match (412); a malformed header, or one carrying a card number, is a 400.
``Idempotency-Key`` is ``models.IdempotencyKey``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from chalicelib import errors
from chalicelib.card_numbers import contains_card_number
from chalicelib.models import MAX_VERSION, IdempotencyKey
from chalicelib.validation import CARD_NUMBER_ISSUE, field_error

_OWS = r"[ \t]*"
_ETAG = r'(?:W/)?"[\x21\x23-\x7e]*"'
#: ``*``, a bare version, or a comma-separated list of entity tags (printable ASCII only).
IF_MATCH_PATTERN = rf"^{_OWS}(?:\*|[0-9]{{1,12}}|{_ETAG}(?:{_OWS},{_OWS}{_ETAG})*){_OWS}$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)
_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e]*)"')
_VERSION = re.compile(r"[0-9]{1,12}")
IF_MATCH_RULE = 'must be *, or versions as entity tags, e.g. "3"'
IDEMPOTENCY_KEY_RULE = "must be 1-255 letters, digits or . _ : - and no card number"


def parse_if_match(raw: str | None) -> frozenset[int] | None:
    """The versions ``If-Match`` lets a write proceed on; ``None`` when any will do (no header,
    or ``*``: every write already needs the card to exist). An empty set matches nothing."""
    if raw is None:
        return None
    if _IF_MATCH.fullmatch(raw) is None:
        raise errors.ValidationFailedError(
            details={"fields": [field_error("If-Match", IF_MATCH_RULE)]}
        )
    if contains_card_number(raw):
        raise errors.ValidationFailedError(
            details={"fields": [field_error("If-Match", CARD_NUMBER_ISSUE)]}
        )
    value = raw.strip(" \t")
    if value == "*":
        return None
    if _VERSION.fullmatch(value):
        tags = [value]
    else:
        tags = [tag for weak, tag in _TAG.findall(value) if not weak]
    return frozenset(
        int(tag) for tag in tags if _VERSION.fullmatch(tag) and 1 <= int(tag) <= MAX_VERSION
    )


@cache
def _key_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(IdempotencyKey)


def parse_idempotency_key(raw: str | None) -> str | None:
    """The ``Idempotency-Key`` header, if any, validated as the MCP argument is."""
    if raw is None:
        return None
    try:
        key: str = _key_adapter().validate_python(raw)
    except PydanticValidationError:
        raise errors.ValidationFailedError(
            details={"fields": [field_error("Idempotency-Key", IDEMPOTENCY_KEY_RULE)]}
        ) from None
    return key
