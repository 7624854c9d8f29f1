"""Validation errors as every channel reports them: field names and what is wrong, never input."""

from __future__ import annotations

from pydantic import ValidationError as PydanticValidationError


def field_errors(exc: PydanticValidationError, known: set[str]) -> list[dict[str, str]]:
    """Pydantic errors as ``{field, issue}`` without echoing any input (unknown field names
    included: a client may have sent a card number as a key)."""
    result = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        name = ".".join(loc) if loc and loc[0] in known else "body"
        issue = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        if error["type"] == "json_invalid":
            issue = "is not valid JSON"
        result.append({"field": name, "issue": issue})
    return result
