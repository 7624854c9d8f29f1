"""The Connect session use case: tell the Q in Connect AI agent who is calling.

The contact flow "Customer profile lookup" invokes this while the caller waits in silence, so
every outcome is an answer, never an exception (a raise makes Connect retry three times, then
take the Error branch), and the whole invocation ends within 6.5 s whatever AWS does: each
client has tight timeouts and two attempts (``chalicelib.clients``), the session lookup runs
beside the caller lookup, and a wall-clock deadline (``chalicelib.deadline``) stops waiting for
any step that outlives it.

Statuses: ``OK`` (customer found, session updated); ``CUSTOMER_NOT_FOUND`` (nobody identifiable
and active; the session is left alone); ``SESSION_NOT_FOUND`` (customer found, no Q in Connect
session to write to); ``ERROR`` (malformed event, AWS failed or time ran out). When the customer
was found the map carries their id, first name and card count whatever the status, so the flow
can still greet them and route on ``customerFound`` while ``sessionUpdated`` stays "false".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.connect.caller import CustomerDirectory, find_caller
from chalicelib.connect.events import (
    ConnectStatus,
    ContactFlowEvent,
    FlowResult,
    SessionRef,
    instance_id_of,
    parse_event,
    parse_session_arn,
)
from chalicelib.connect.session_data import CallerProfile, session_data
from chalicelib.deadline import Deadline, DeadlineExceededError
from chalicelib.errors import CardOpsError
from chalicelib.observability import emit_outcome, get_logger

OPERATION = "connect_update_session"
CHANNEL = "connect"
#: Stop waiting on AWS this long after the handler starts; the rest of 6.5 s is for answering.
TOTAL_BUDGET_SECONDS = 6.0
#: Kept back from the Lambda's own remaining time (``context``) to shape and return the map.
RETURN_RESERVE_SECONDS = 0.5
#: SDK loggers whose DEBUG records carry request parameters: the caller's number, among them.
SDK_LOGGERS = ("botocore", "boto3", "urllib3")


@dataclass(frozen=True, slots=True)
class ConnectDependencies:
    """What the use case talks to: built once per process by the app's composition root."""

    directory: CustomerDirectory
    connect: Any
    qconnect: Any


@dataclass(frozen=True, slots=True)
class SessionLookup:
    """The session to write to, or why there is none."""

    ref: SessionRef | None
    failure: ConnectStatus = "SESSION_NOT_FOUND"


def _soft_failures() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (DeadlineExceededError, CardOpsError, ClientError, BotoCoreError)


def _error_code(exc: Exception) -> str:
    """The AWS error code or the exception class: never the message, which may echo input.

    A store error is read through the botocore error it was raised from (``raise … from``).
    """
    source: BaseException = exc
    if isinstance(exc, CardOpsError) and exc.__cause__ is not None:
        source = exc.__cause__
    response = getattr(source, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(source).__name__)
    return type(source).__name__


def _status_of(exc: Exception) -> ConnectStatus:
    """A missing session (e.g. the Lambda ran before the assistant block) is not an outage."""
    return "SESSION_NOT_FOUND" if _error_code(exc) == "ResourceNotFoundException" else "ERROR"


class SessionContextUpdater:
    """Identifies the caller, finds their Q in Connect session and writes their context to it."""

    def __init__(self, dependencies: ConnectDependencies, logger: Any) -> None:
        self._directory = dependencies.directory
        self._connect = dependencies.connect
        self._qconnect = dependencies.qconnect
        self._log = logger

    def update(self, event: ContactFlowEvent, deadline: Deadline) -> FlowResult:
        """Run the use case; every failure becomes a status."""
        session = self._start_session_lookup(event, deadline)
        try:
            profile = deadline.run(lambda: find_caller(self._directory, event, self._log))
        except _soft_failures() as exc:
            detail = {"error": _error_code(exc), "cause": getattr(exc, "cause", None)}
            self._log.warning("caller lookup failed", extra=detail)
            return FlowResult("ERROR")
        if profile is None:
            return FlowResult("CUSTOMER_NOT_FOUND")
        lookup = session()
        if lookup.ref is None:
            status = lookup.failure
        else:
            status = self._write(lookup.ref, profile, deadline)
        return FlowResult(
            status=status,
            customer_id=profile.customer.customer_id,
            first_name=profile.customer.first_name,
            card_count=profile.card_count,
            session_updated=status == "OK",
        )

    # -- the session -----------------------------------------------------------------------------

    def _start_session_lookup(
        self, event: ContactFlowEvent, deadline: Deadline
    ) -> Callable[[], SessionLookup]:
        """The session from the flow parameter, else ``DescribeContact`` started in the
        background (it runs while the caller is looked up)."""
        given = event.parameter("sessionArn")
        ref = parse_session_arn(given)
        if ref is not None:
            return lambda: SessionLookup(ref)
        if given is not None:
            self._log.warning("sessionArn parameter is not a session ARN; asking DescribeContact")
        try:
            pending = deadline.start(lambda: self._describe_contact(event))
        except DeadlineExceededError:
            return lambda: SessionLookup(None, "ERROR")

        def wait() -> SessionLookup:
            try:
                return pending.result()
            except DeadlineExceededError:
                self._log.warning("DescribeContact outlived the deadline")
                return SessionLookup(None, "ERROR")

        return wait

    def _describe_contact(self, event: ContactFlowEvent) -> SessionLookup:
        instance_id = instance_id_of(event.contact.InstanceARN)
        if instance_id is None:
            self._log.warning("InstanceARN is not a Connect instance ARN")
            return SessionLookup(None)
        try:
            response = self._connect.describe_contact(
                InstanceId=instance_id, ContactId=event.contact.ContactId
            )
        except _soft_failures() as exc:
            self._log.warning("DescribeContact failed", extra={"error": _error_code(exc)})
            return SessionLookup(None, _status_of(exc))
        contact = response.get("Contact") or {}
        arn = (contact.get("WisdomInfo") or {}).get("SessionArn")
        ref = parse_session_arn(arn)
        if ref is None:
            self._log.info("contact has no Q in Connect session")
        return SessionLookup(ref)

    def _write(self, ref: SessionRef, profile: CallerProfile, deadline: Deadline) -> ConnectStatus:
        data = session_data(profile)
        try:
            deadline.run(
                lambda: self._qconnect.update_session_data(
                    assistantId=ref.assistant_id,
                    sessionId=ref.session_id,
                    namespace="Custom",
                    data=data,
                )
            )
        except _soft_failures() as exc:
            self._log.warning(
                "UpdateSessionData failed",
                extra={"error": _error_code(exc), "assistant_id": ref.assistant_id},
            )
            return _status_of(exc)
        self._log.info(
            "session updated",
            extra={
                "assistant_id": ref.assistant_id,
                "session_id": ref.session_id,
                "keys": len(data),
            },
        )
        return "OK"


def quiet_sdk_debug_logs() -> None:
    """Keep the SDK's DEBUG records (which print request parameters, such as the caller's
    number sent to ``phone-index``) out of this function's logs, even with ``LOG_LEVEL=DEBUG``."""
    for name in SDK_LOGGERS:
        sdk_logger = logging.getLogger(name)
        if sdk_logger.getEffectiveLevel() < logging.INFO:
            sdk_logger.setLevel(logging.INFO)


def handle_contact_flow_event(
    event: Any, context: Any, dependencies: Callable[[], ConnectDependencies]
) -> dict[str, str]:
    """The Lambda entry point: always a flat string map, whatever happens: a contact flow reads
    nothing else.

    ``dependencies`` gives the clients (the app passes the process-wide ones; tests their own),
    asked for only once the event is well formed, so a malformed one costs no client.
    """
    started = time.perf_counter()
    result = FlowResult("ERROR")
    contact_id: str | None = None
    try:
        deadline = Deadline.for_invocation(context, TOTAL_BUDGET_SECONDS, RETURN_RESERVE_SECONDS)
        quiet_sdk_debug_logs()
        parsed = parse_event(event)
        if parsed is None:
            get_logger().warning("malformed contact flow event")
        else:
            contact_id = parsed.contact.ContactId
            updater = SessionContextUpdater(dependencies(), get_logger())
            result = updater.update(parsed, deadline)
    except Exception as exc:  # the flow needs a map, not a stack trace
        logging.getLogger(__name__).error("connect session lambda failed: %s", type(exc).__name__)
    _observe(result, contact_id, started)
    return result.to_map()


def _observe(result: FlowResult, contact_id: str | None, started: float) -> None:
    """One log line (ids only) and one metric per invocation; never fails the invocation."""
    try:
        get_logger().info(
            "connect session lookup",
            extra={
                "operation": OPERATION,
                "channel": CHANNEL,
                "contact_id": contact_id,
                "customer_id": result.customer_id or None,
                "outcome": result.status,
                "session_updated": result.session_updated,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        emit_outcome(OPERATION, CHANNEL, result.status)
    except Exception as exc:  # observability must not turn an answer into a retry
        logging.getLogger(__name__).error("observability failed: %s", type(exc).__name__)
