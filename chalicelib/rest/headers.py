"""The request headers that guard writes, each with one pattern (the OpenAPI document's too).

``If-Match`` follows RFC 9110 §13.1.1: ``*`` or a list of entity tags, compared strongly, so a
weak tag (``W/"3"``) never matches, and character by character, so ``"03"`` is not version 3's
tag. Our entity tags are card versions in ASCII digits (``"3"``); a bare ``3`` is accepted
too. Spaces and tabs may surround the value and every list comma (RFC 9110 §5.6.1). A
well-formed tag that is not a version can never match (412); a malformed header, or one carrying
a card number, is a 400.
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

#: The grammar, once: validation, the tags read from a valid header and the OpenAPI document's
#: pattern are all built from these pieces. OWS (spaces, tabs) may surround the value and every
#: list comma; an entity tag is ``W/``-weak or strong, its opaque part printable ASCII but ``"``.
_OWS = r"[ \t]*"
_OPAQUE = r"[\x21\x23-\x7e]*"
_ENTITY_TAG = rf'(?:W/)?"{_OPAQUE}"'
_VERSION_DIGITS = f"[0-9]{{1,{len(str(MAX_VERSION))}}}"
#: ``*``, a bare version, or a comma-separated list of entity tags.
_VALUE = rf"(?:\*|{_VERSION_DIGITS}|{_ENTITY_TAG}(?:{_OWS},{_OWS}{_ENTITY_TAG})*)"
IF_MATCH_PATTERN = rf"^{_OWS}{_VALUE}{_OWS}$"
_IF_MATCH = re.compile(rf"{_OWS}({_VALUE}){_OWS}")  # the same, the value without its OWS captured
_TAG = re.compile(rf'(W/)?"({_OPAQUE})"')  # one tag, its weakness and opaque part captured
_VERSION = re.compile(_VERSION_DIGITS)
IF_MATCH_RULE = 'must be *, or versions as entity tags, e.g. "3"'
IDEMPOTENCY_KEY_RULE = "must be 1-255 letters, digits or . _ : - and no card number"


def parse_if_match(raw: str | None) -> frozenset[int] | None:
    """The versions ``If-Match`` lets a write proceed on; ``None`` when any will do (no header,
    or ``*``: every write already needs the card to exist). An empty set matches nothing."""
    if raw is None:
        return None
    valid = _IF_MATCH.fullmatch(raw)
    if valid is None:
        raise errors.ValidationFailedError(
            details={"fields": [field_error("If-Match", IF_MATCH_RULE)]}
        )
    if contains_card_number(raw):
        raise errors.ValidationFailedError(
            details={"fields": [field_error("If-Match", CARD_NUMBER_ISSUE)]}
        )
    value = valid.group(1)
    if value == "*":
        return None
    if _VERSION.fullmatch(value):
        tags = [value]
    else:
        tags = [tag for weak, tag in _TAG.findall(value) if not weak]
    return frozenset(int(tag) for tag in tags if _is_version_tag(tag))


def _is_version_tag(tag: str) -> bool:
    """Whether ``tag`` is the entity tag of a card version: its decimal digits exactly as the
    ``version`` field shows them (strong comparison is character by character, so ``"03"``
    is not version 3's tag)."""
    return (
        _VERSION.fullmatch(tag) is not None
        and str(int(tag)) == tag
        and 1 <= int(tag) <= MAX_VERSION
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
