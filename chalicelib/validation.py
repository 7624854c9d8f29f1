"""Validation errors as every channel reports them: field names and what is wrong, never input."""

from __future__ import annotations

import re

from pydantic import ValidationError as PydanticValidationError

# Card secrets sent as fields are refused without being named back: the answer says what the
# API never takes. Other unknown fields are named when the name is a plain identifier, so a
# typo ("shipping_sped") is easy to find; anything else could carry data (a card number sent
# as a key), so it is reported as part of the body.
SECRET_FIELD_NAMES = frozenset(
    {"card_number", "cardnumber", "pan", "cvv", "cvv2", "cvc", "cvc2", "pin", "security_code"}
)
_NAMEABLE = re.compile(r"[A-Za-z_]{1,40}")


def field_error(field: str, issue: str) -> dict[str, str]:
    """One entry of ``details.fields``."""
    return {"field": field, "issue": issue}


def field_errors(exc: PydanticValidationError, known: set[str]) -> list[dict[str, str]]:
    """Pydantic errors as ``{field, issue}`` without echoing any input value."""
    result = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        if error["type"] == "extra_forbidden":
            result.append(_unknown_field(loc[-1] if loc else ""))
            continue
        name = ".".join(loc) if loc and loc[0] in known else "body"
        issue = "is not valid JSON" if error["type"] == "json_invalid" else error["msg"]
        result.append(field_error(name, issue))
    return result


def _unknown_field(name: str) -> dict[str, str]:
    if name.lower() in SECRET_FIELD_NAMES:
        return field_error("body", "card numbers, CVVs and PINs are never accepted")
    if _NAMEABLE.fullmatch(name):
        return field_error(name, "unknown field")
    return field_error("body", "unknown field")
