"""What every channel applies to untrusted input, and how it reports what is wrong.

Errors name fields and what is wrong, never the input. Two rules hold on every channel: JSON is
parsed with a nesting bound (Python's parser would otherwise raise ``RecursionError`` on
``[[[[…]]]]``), and no value that could be stored, logged or echoed may carry a card number
(PCI DSS 3.4: no PAN where it is not needed): ``card_numbers.contains_card_number`` decides.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from chalicelib.card_numbers import contains_card_number

CARD_NUMBER_ISSUE = "must not contain a card number"

# Card secrets sent as fields are refused without being named back: the answer says what the
# API never takes. Other unknown fields are named when the name is a plain identifier, so a
# typo ("shipping_sped") is easy to find; anything else could carry data (a card number sent
# as a key), so it is reported as part of the body.
SECRET_FIELD_NAMES = frozenset(
    {"card_number", "cardnumber", "pan", "cvv", "cvv2", "cvc", "cvc2", "pin", "security_code"}
)
_NAMEABLE = re.compile(r"[A-Za-z_]{1,40}")


#: Pydantic messages said in our own words: ``model_type`` names the model class
#: ("... instance of LockCardArgs"), which an answer must never show.
_ISSUE_OF_TYPE = {"json_invalid": "is not valid JSON", "model_type": "must be a JSON object"}


def field_error(field: str, issue: str) -> dict[str, str]:
    """One entry of ``details.fields``."""
    return {"field": field, "issue": issue}


def field_errors(exc: PydanticValidationError, known: set[str]) -> list[dict[str, str]]:
    """Pydantic errors as ``{field, issue}`` without echoing any input value."""
    result = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        if error["type"] == "extra_forbidden":
            result.append(unknown_field(loc[-1] if loc else ""))
            continue
        name = ".".join(loc) if loc and loc[0] in known else "body"
        issue = _ISSUE_OF_TYPE.get(error["type"], error["msg"]).removeprefix("Value error, ")
        result.append(field_error(name, issue))
    return result


def unknown_field(name: str, container: str = "body") -> dict[str, str]:
    """The error for a field (or query parameter) nobody asked for, named only when safe."""
    if name.lower() in SECRET_FIELD_NAMES:
        return field_error(container, "card numbers, CVVs and PINs are never accepted")
    if _NAMEABLE.fullmatch(name):
        return field_error(name, "unknown field")
    return field_error(container, "unknown field")


#: Deeper JSON is refused: no request of ours nests more than a few levels.
MAX_JSON_DEPTH = 32


def refuse_card_number(value: str) -> str:
    """A pydantic ``AfterValidator``: the value, unless it carries a card number."""
    if contains_card_number(value):
        raise ValueError(CARD_NUMBER_ISSUE)
    return value


def load_json(text: str | bytes) -> Any:
    """``json.loads`` for untrusted text: ``ValueError`` for anything that is not JSON or nests
    deeper than ``MAX_JSON_DEPTH`` (the parser's own ``RecursionError`` included)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise ValueError("nested too deeply")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
