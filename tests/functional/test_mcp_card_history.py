"""The ``get_card_history`` tool: a card's history for an agent asked "why is my card locked?",
paged like REST's ``GET /v1/customers/{customer_id}/cards/{card_id}/events``: the same events,
the same cursors, the same limits and the same refusals, on every way into the tool."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from chalicelib.cursor import encode_cursor
from chalicelib.models import HISTORY_MAX_LIMIT
from tests.functional.conftest import Api
from tests.reliability.channels import LAMBDAS, MCP_HEADERS, LambdaContext, gateway_context

TOOL = "get_card_history"
ALICE_CARD = {"customer_id": "CUST001", "card_id": "CARD001"}
LOCK = "/v1/cards/lock"
UNLOCK = "/v1/cards/unlock"
#: 13-19 digits in a row: the shape of a card number (no answer holds one).
DIGIT_RUN = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def history(arguments: Any) -> dict[str, Any]:
    """The tool as AgentCore Gateway calls it: the arguments are the event."""
    answer: dict[str, Any] = LAMBDAS[TOOL](arguments, gateway_context(TOOL))
    assert not DIGIT_RUN.search(json.dumps(answer)), answer
    return answer


def rest_history(api: Api, customer: str, card: str, query: str = "") -> dict[str, Any]:
    """The REST answer (``data`` or ``error``) for the same card and page."""
    body = api.get(f"/v1/customers/{customer}/cards/{card}/events{query}").body
    return dict(body["data"] if body["success"] else body["error"])


def rpc_call(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": TOOL, "arguments": arguments},
    }


def test_the_history_says_why_a_card_is_locked(api: Api) -> None:
    # GIVEN an agent locked CARD001 because the customer misplaced it
    locked = LAMBDAS["lock_card"](
        {**ALICE_CARD, "reason": "misplaced"}, gateway_context("lock_card")
    )
    assert locked["card"]["status"] == "locked"
    # WHEN another conversation asks for the card's history
    page = history(ALICE_CARD)
    # THEN the newest event is that lock, with its reason and channel; then the issue
    newest, issued = page["events"]
    assert (newest["type"], newest["to_status"], newest["reason"]) == (
        "locked",
        "locked",
        "misplaced",
    )
    assert (newest["channel"], newest["actor"]) == (
        "mcp",
        "agentcore:gw-reliability/tgt-reliability",
    )
    assert (issued["type"], issued["version"]) == ("issued", 1)
    assert "next_cursor" not in page
    # AND it is exactly what the back office reads over REST
    assert page == rest_history(api, "CUST001", "CARD001")


def test_pages_follow_the_same_cursors_as_rest(api: Api) -> None:
    # GIVEN CARD001 with seven events
    for _ in range(3):
        api.post(LOCK, ALICE_CARD)
        api.post(UNLOCK, ALICE_CARD)
    # WHEN the agent reads pages of three, following next_cursor
    pages = [history({**ALICE_CARD, "limit": 3})]
    while "next_cursor" in pages[-1]:
        pages.append(history({**ALICE_CARD, "limit": 3, "cursor": pages[-1]["next_cursor"]}))
    # THEN every event comes once, newest first, and the last page hands out no cursor
    assert [[e["version"] for e in p["events"]] for p in pages] == [[7, 6, 5], [4, 3, 2], [1]]
    # AND each page, cursor included, is REST's page for the same limit and cursor
    cursors = [None] + [p["next_cursor"] for p in pages[:-1]]
    for page, cursor in zip(pages, cursors, strict=True):
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        assert page == rest_history(api, "CUST001", "CARD001", query)
    # AND a REST cursor works here too
    rest_cursor = rest_history(api, "CUST001", "CARD001", "?limit=6")["next_cursor"]
    last = history({**ALICE_CARD, "limit": 6, "cursor": rest_cursor})
    assert [e["version"] for e in last["events"]] == [1]


def test_json_rpc_in_a_body_and_post_mcp_answer_the_same_page(api: Api) -> None:
    api.post(LOCK, ALICE_CARD)
    arguments = {**ALICE_CARD, "limit": 1}
    expected = history(arguments)
    assert expected["next_cursor"] == encode_cursor("CARD001", 2)
    # the tool Lambda, as an operator tests it with aws lambda invoke
    event = {"body": json.dumps(rpc_call(arguments))}
    response = LAMBDAS[TOOL](event, LambdaContext())
    result = json.loads(response["body"])["result"]
    assert (response["statusCode"], result["isError"]) == (200, False)
    assert result["structuredContent"] == expected
    assert json.loads(result["content"][0]["text"]) == expected
    # POST /mcp, as any MCP client calls it
    over_http = api.post("/mcp", rpc_call(arguments), MCP_HEADERS).body["result"]
    assert over_http["structuredContent"] == expected
    # and the Lambda lists its own tool only, read-only
    listed = json.loads(LAMBDAS[TOOL]({"body": '{"method":"tools/list","id":1}'}, None)["body"])
    (tool,) = listed["result"]["tools"]
    assert (tool["name"], tool["annotations"]["readOnlyHint"]) == (TOOL, True)


@pytest.mark.parametrize(
    ("extra", "field", "rest_query"),
    [
        ({"limit": 0}, "limit", "?limit=0"),
        ({"limit": HISTORY_MAX_LIMIT + 1}, "limit", f"?limit={HISTORY_MAX_LIMIT + 1}"),
        ({"limit": "5"}, "limit", None),  # JSON has numbers: text is not one
        ({"limit": True}, "limit", None),
        ({"limit": 2.5}, "limit", None),
        ({"cursor": ""}, "cursor", None),
        ({"cursor": "%%%"}, "cursor", "?cursor=%25%25%25"),
        ({"cursor": "x" * 513}, "cursor", "?cursor=" + "x" * 513),
        (
            {"cursor": encode_cursor("CARD002", 2)},
            "cursor",
            f"?cursor={encode_cursor('CARD002', 2)}",
        ),
        ({"cursor": encode_cursor("CARD001", 10**13)}, "cursor", None),  # a forged version
        ({"page": 2}, "page", "?page=2"),
    ],
)
def test_bad_input_is_refused_naming_the_field_as_rest_does(
    api: Api, extra: dict[str, Any], field: str, rest_query: str | None
) -> None:
    refused = history({**ALICE_CARD, **extra})["error"]
    assert refused["code"] == "VALIDATION_ERROR"
    assert [f["field"] for f in refused["details"]["fields"]] == [field]
    if rest_query is not None:  # the same question over REST: the same refusal
        rest = rest_history(api, "CUST001", "CARD001", rest_query)
        assert (rest["code"], rest["details"]) == (refused["code"], refused["details"])


@pytest.mark.parametrize(
    "arguments",
    [
        {"customer_id": "CUST001"},
        {"card_id": "CARD001"},
        {"customer_id": "CUST001", "card_id": "card-001"},
        {"customer_id": "CUST001", "card_id": "CARD4111111111111111"},
    ],
)
def test_missing_or_malformed_ids_are_refused_without_echo(arguments: dict[str, Any]) -> None:
    answer = history(arguments)
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    for value in arguments.values():
        if value not in {"CUST001", "CARD001"}:
            assert value not in json.dumps(answer)


def test_another_customers_card_is_answered_as_a_missing_one(api: Api) -> None:
    api.post(LOCK, ALICE_CARD)
    alices_cursor = history({**ALICE_CARD, "limit": 1})["next_cursor"]
    # GIVEN Brian (CUST002) asks about Alice's CARD001, and about a card nobody has
    theirs = history({"customer_id": "CUST002", "card_id": "CARD001"})
    missing = history({"customer_id": "CUST002", "card_id": "CARD0NOSUCH0"})
    # THEN both answers are the same, byte for byte: nothing tells them apart
    assert missing["error"]["code"] == "CARD_NOT_FOUND"
    assert json.dumps(theirs) == json.dumps(missing)
    # AND Alice's own cursor does not help him either
    paged = history({"customer_id": "CUST002", "card_id": "CARD001", "cursor": alices_cursor})
    forged = encode_cursor("CARD0NOSUCH0", 2)
    paged_missing = history({"customer_id": "CUST002", "card_id": "CARD0NOSUCH0", "cursor": forged})
    assert json.dumps(paged) == json.dumps(paged_missing) == json.dumps(missing)
    # AND REST says the same thing
    rest = rest_history(api, "CUST002", "CARD001")
    assert (rest["code"], rest["message"]) == ("CARD_NOT_FOUND", missing["error"]["message"])
    # AND a customer who does not exist is not authenticated
    nobody = history({"customer_id": "CUST999", "card_id": "CARD001"})
    assert nobody["error"]["code"] == "AUTH_FAILED"
