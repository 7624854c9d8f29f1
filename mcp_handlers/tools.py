"""The card tools: generated from the REST API's pydantic models, run through its service.

A tool's input schema, validation and descriptions come from ``chalicelib.models`` plus the two
MCP-only arguments (``idempotency_key`` on writes, ``confirm`` on ``request_new_card``); its
output schema from the result models. Refusals are results an agent can read, never exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from chalicelib import errors, models
from chalicelib.commands import (
    ActivateCard,
    Caller,
    LockCard,
    RequestNewCard,
    UnlockCard,
    write_command,
)
from chalicelib.validation import field_errors
from mcp_handlers.arguments import (
    ActivateCardArgs,
    GetCardHistoryArgs,
    ListCardsArgs,
    LockCardArgs,
    RequestNewCardArgs,
    UnlockCardArgs,
)


class CardOperations(Protocol):
    """What the tools need of ``chalicelib.service.CardService`` (tests pass a fake)."""

    def lock_card(self, command: LockCard, caller: Caller) -> dict[str, Any]: ...
    def unlock_card(self, command: UnlockCard, caller: Caller) -> dict[str, Any]: ...
    def request_new_card(self, command: RequestNewCard, caller: Caller) -> dict[str, Any]: ...
    def preview_new_card(self, command: RequestNewCard, caller: Caller) -> dict[str, Any]: ...
    def activate_card(self, command: ActivateCard, caller: Caller) -> dict[str, Any]: ...
    def list_cards(self, customer_id: str, caller: Caller) -> dict[str, Any]: ...
    def card_history(
        self, customer_id: str, card_id: str, caller: Caller, limit: int, cursor: str | None
    ) -> dict[str, Any]: ...


#: How a channel reaches the card service: called only once a call needs it, so a malformed
#: call builds no client (the app passes the process-wide service's; tests pass a fake's).
ServiceProvider = Callable[[], CardOperations]
Runner = Callable[[Any, Caller, CardOperations], dict[str, Any]]


# A write is built as REST builds it (``write_command``); an agent's retry key, an argument
# because agents send no headers, is the REST Idempotency-Key.


def _lock(args: LockCardArgs, caller: Caller, service: CardOperations) -> dict[str, Any]:
    return service.lock_card(write_command(args, args.idempotency_key), caller)


def _unlock(args: UnlockCardArgs, caller: Caller, service: CardOperations) -> dict[str, Any]:
    return service.unlock_card(write_command(args, args.idempotency_key), caller)


def _activate(args: ActivateCardArgs, caller: Caller, service: CardOperations) -> dict[str, Any]:
    return service.activate_card(write_command(args, args.idempotency_key), caller)


def _request_new(
    args: RequestNewCardArgs, caller: Caller, service: CardOperations
) -> dict[str, Any]:
    """``confirm`` decides between the read-only preview and the order itself."""
    command = write_command(args, args.idempotency_key)
    if args.confirm:
        return service.request_new_card(command, caller)
    return service.preview_new_card(command, caller)


def _list(args: ListCardsArgs, caller: Caller, service: CardOperations) -> dict[str, Any]:
    return service.list_cards(args.customer_id, caller)


def _history(args: GetCardHistoryArgs, caller: Caller, service: CardOperations) -> dict[str, Any]:
    return service.card_history(args.customer_id, args.card_id, caller, args.limit, args.cursor)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One MCP tool: its wire definition and how to run it."""

    name: str
    title: str
    description: str
    arguments: type[BaseModel]
    output: Any
    annotations: dict[str, bool]
    run: Runner

    def definition(self) -> dict[str, Any]:
        """The tool as ``tools/list`` describes it."""
        output = TypeAdapter(self.output).json_schema(mode="serialization")
        output.setdefault("type", "object")
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.arguments.model_json_schema(),
            "outputSchema": output,
            "annotations": {"title": self.title, **self.annotations},
        }


def _hints(*, read_only: bool, destructive: bool, idempotent: bool) -> dict[str, bool]:
    """MCP tool annotations; every tool acts only on this bank's own data (not open world)."""
    return {
        "readOnlyHint": read_only,
        "destructiveHint": destructive,
        "idempotentHint": idempotent,
        "openWorldHint": False,
    }


_CHANGE = _hints(read_only=False, destructive=False, idempotent=True)
_READ = _hints(read_only=True, destructive=False, idempotent=True)

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="lock_card",
        title="Lock a card",
        description=(
            "Temporarily lock one of the customer's payment cards so that no new payment goes "
            "through. Use it when the customer cannot find the card, suspects misuse, or asks "
            "for it. Reversible with unlock_card, except a suspected_fraud lock, which only the "
            "bank's fraud team can lift. Locking a locked card changes nothing. Confirm which "
            "card (brand and last four digits from list_cards) before calling."
        ),
        arguments=LockCardArgs,
        output=models.ReplayableWriteResult,
        annotations=_CHANGE,
        run=_lock,
    ),
    ToolSpec(
        name="unlock_card",
        title="Unlock a card",
        description=(
            "Unlock a card the customer locked earlier, so payments work again. Confirm with "
            "the customer that they have the card and want it unlocked. A card locked for "
            "suspected fraud cannot be unlocked here (UNLOCK_NOT_PERMITTED): tell the customer "
            "the fraud team will contact them. Unlocking an active card changes nothing."
        ),
        arguments=UnlockCardArgs,
        output=models.ReplayableWriteResult,
        annotations=_CHANGE,
        run=_unlock,
    ),
    ToolSpec(
        name="request_new_card",
        title="Order a replacement card",
        description=(
            "Order a replacement for a lost, stolen, damaged or expiring card. Call it first "
            "with confirm=false to get a preview (which card stops working and when, where the "
            "new card ships, the delivery estimate), read it to the customer, and call again "
            "with confirm=true only once they agree. Lost or stolen closes the current card "
            "immediately and cannot be undone, also a replacement that never arrived (a new one "
            "is issued); if a replacement is already on its way, no second card is issued and "
            "the answer names it. Only one replacement per card can be pending. A card under "
            "fraud review (FRAUD_HOLD) can only be reported lost or stolen here: tell the "
            "customer the bank will contact them."
        ),
        arguments=RequestNewCardArgs,
        output=models.ReplayableWriteResult | models.ReplacementPreview,
        annotations=_hints(read_only=False, destructive=True, idempotent=False),
        run=_request_new,
    ),
    ToolSpec(
        name="list_cards",
        title="List the customer's cards",
        description=(
            "List the customer's payment cards with brand, product, last four digits, expiry "
            "and status (active, locked, pending_activation, closed). Use it first to find the "
            "card_id the customer means; it changes nothing."
        ),
        arguments=ListCardsArgs,
        output=models.CardList,
        annotations=_READ,
        run=_list,
    ),
    ToolSpec(
        name="activate_card",
        title="Activate a replacement card",
        description=(
            "Activate a replacement card the customer has received (status "
            "pending_activation). This also closes the card it replaces, if that one still "
            "works. Confirm the last four digits of the new card with the customer first. A "
            "card held for fraud review cannot be activated here (FRAUD_HOLD): tell the "
            "customer the bank will contact them."
        ),
        arguments=ActivateCardArgs,
        output=models.ReplayableWriteResult,
        annotations=_CHANGE,
        run=_activate,
    ),
    ToolSpec(
        name="get_card_history",
        title="Read a card's history",
        description=(
            "Read what happened to one of the customer's cards, newest first: each change (such "
            "as issued, locked, unlocked, replacement_requested, activated, closed) with the "
            "status before and after, the reason, the channel it came through and when. Use it "
            "to answer why a card is locked or closed, or where a replacement stands; it "
            "changes nothing. Returns up to limit events (default 20, at most 100); when "
            "next_cursor is present, call again with it as cursor for older events."
        ),
        arguments=GetCardHistoryArgs,
        output=models.EventPage,
        annotations=_READ,
        run=_history,
    ),
)

TOOLS_BY_NAME: dict[str, ToolSpec] = {tool.name: tool for tool in TOOLS}


@cache
def tool_definitions(names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The ``tools/list`` entries of the named tools, built once per process."""
    return [TOOLS_BY_NAME[name].definition() for name in names]


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What a tool call produced: the structured result and whether it is a refusal."""

    data: dict[str, Any]
    is_error: bool

    def as_call_result(self) -> dict[str, Any]:
        """The MCP ``CallToolResult``.

        A result: ``structuredContent`` (valid against the tool's ``outputSchema``) and the same
        JSON as text. A refusal: ``isError`` with two text blocks, the sentence to relay and the
        error as JSON, and no ``structuredContent``: the output schema describes results, and
        clients that validate every ``structuredContent`` against it (the TypeScript SDK's,
        hence MCP Inspector) would otherwise turn the refusal into a schema error.
        """
        text = json.dumps(self.data, separators=(",", ":"))
        if self.is_error:
            error = self.data["error"]
            sentence = f"{error['code']}: {error['message']}"
            blocks = [{"type": "text", "text": sentence}, {"type": "text", "text": text}]
            return {"content": blocks, "isError": True}
        return {
            "content": [{"type": "text", "text": text}],
            "structuredContent": self.data,
            "isError": False,
        }


def refusal(exc: errors.CardOpsError, request_id: str) -> ToolOutcome:
    """A domain error as a result an agent can act on and relay to the customer."""
    return ToolOutcome({"error": models.error_body(exc, request_id)}, is_error=True)


def call_tool(
    tool: ToolSpec, arguments: Any, caller: Caller, service: ServiceProvider
) -> ToolOutcome:
    """Validate the arguments, run the tool, and turn any refusal into an ``isError`` outcome.

    The service is asked for only once arguments are valid, so a malformed call costs no client.
    """
    try:
        args = tool.arguments.model_validate(arguments)
    except PydanticValidationError as exc:
        known = set(tool.arguments.model_fields)
        invalid = errors.ValidationFailedError(
            "The arguments are not valid.", details={"fields": field_errors(exc, known)}
        )
        return refusal(invalid, caller.request_id)
    try:
        return ToolOutcome(tool.run(args, caller, service()), is_error=False)
    except errors.CardOpsError as exc:
        return refusal(exc, caller.request_id)
