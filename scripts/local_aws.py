"""``make invoke``'s AWS: DynamoDB Local for data, a stand-in for the rest, nothing beyond.

Two parts:

- ``refuse_non_local_connections`` installs an audit hook (``sys.addaudithook``) that refuses
  every name lookup and connection to anything but this machine, for the rest of the process.
  It sits below botocore, urllib3 and every other library, so no code path (a client built
  without an endpoint, a credential provider, a new dependency) can reach AWS, whatever the
  environment says. A refused attempt raises ``ConnectionRefusedError`` where the socket call
  was, which the SDK reports as a connection error, and is recorded for the output.
- ``StandIn`` answers, on 127.0.0.1, the two calls the Connect Lambda makes besides DynamoDB:
  ``connect:DescribeContact`` (a contact with a Q in Connect session) and
  ``qconnect:UpdateSessionData`` (accepted and echoed, as the service does), and the stream
  publisher's ``events:PutEvents`` (every entry accepted). It speaks the services' wire
  formats, so the real SDK signs, sends and parses each call. It is not Amazon Connect or
  EventBridge: it knows no instances, contacts, assistants or buses, accepts any ids, and never
  answers ``ResourceNotFoundException`` or throttles (the fault tests cover those paths).
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOCAL_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
#: What the stand-in's DescribeContact says about where the session lives.
STAND_IN_ACCOUNT = "123456789012"
_DESCRIBE_CONTACT = re.compile(r"^/contacts/(?P<instance>[^/]+)/(?P<contact>[^/?]+)$")
_UPDATE_SESSION_DATA = re.compile(
    r"^/assistants/(?P<assistant>[^/]+)/sessions/(?P<session>[^/]+)/data$"
)


def is_local_host(host: object) -> bool:
    """Whether ``host`` (a name or an address) is this machine."""
    if host is None:
        return True  # a lookup of "no host" (bind to any interface) resolves locally
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def refuse_non_local_connections(refused: list[str]) -> None:
    """Refuse, for the rest of this process, every lookup of or connection to another host."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
            host = args[0]
        elif event == "socket.connect":
            address = args[1]
            if not isinstance(address, tuple):
                return  # a Unix socket
            host = address[0]
        else:
            return
        if not is_local_host(host):
            refused.append(str(host))
            raise ConnectionRefusedError(f"make invoke reaches this machine only, not {host}")

    sys.addaudithook(hook)


@dataclass
class StandIn:
    """A local stand-in for Amazon Connect and Amazon Q in Connect; ``notes`` says what it did."""

    region: str
    notes: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where it listens (set as every service's endpoint but DynamoDB's)."""
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StandIn:
        """Listen on a free port of 127.0.0.1, in a daemon thread."""
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.answer(self)

            def do_PATCH(self) -> None:
                stand_in.answer(self)

            def do_POST(self) -> None:
                stand_in.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the notes say what happened."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        """Route one request by method and path, as the services' REST-JSON protocol does."""
        path = request.path.split("?", 1)[0]
        length = int(request.headers.get("Content-Length") or 0)
        body = json.loads(request.rfile.read(length) or b"{}")
        described = _DESCRIBE_CONTACT.match(path)
        updated = _UPDATE_SESSION_DATA.match(path)
        status = 200
        if request.command == "GET" and described:
            reply = self.describe_contact(described["instance"], described["contact"])
        elif request.headers.get("X-Amz-Target") == "AWSEvents.PutEvents":
            reply = self.put_events(body)
        elif request.command == "PATCH" and updated:
            reply = self.update_session_data(updated["assistant"], updated["session"], body)
        else:
            self.notes.append(f"stand-in: refused {request.command} {path} (not a call it knows)")
            status, reply = 400, {"message": "The local stand-in does not know this call."}
        payload = json.dumps(reply).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        if status >= 400:
            request.send_header("x-amzn-ErrorType", "ValidationException")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def describe_contact(self, instance_id: str, contact_id: str) -> dict[str, Any]:
        """A contact whose Q in Connect session ids are derived from the contact id."""
        assistant = uuid.uuid5(uuid.NAMESPACE_URL, f"assistant/{instance_id}")
        session = uuid.uuid5(uuid.NAMESPACE_URL, f"session/{contact_id}")
        arn = f"arn:aws:wisdom:{self.region}:{STAND_IN_ACCOUNT}:session/{assistant}/{session}"
        self.notes.append(
            f"stand-in for Amazon Connect: DescribeContact {contact_id} -> session {session}"
        )
        return {"Contact": {"Id": contact_id, "WisdomInfo": {"SessionArn": arn}}}

    def put_events(self, body: dict[str, Any]) -> dict[str, Any]:
        """Accept every entry, as EventBridge answers a bus that takes them all."""
        entries = body.get("Entries") or []
        sent = ", ".join(
            f"{e.get('DetailType')} {json.loads(e.get('Detail') or '{}').get('event_id')}"
            for e in entries
        )
        bus = entries[0].get("EventBusName") if entries else None
        self.notes.append(f"stand-in for Amazon EventBridge: PutEvents on {bus}: {sent}")
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in entries]}

    def update_session_data(
        self, assistant_id: str, session_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Accept the data and echo it, as ``UpdateSessionData`` answers."""
        data = body.get("data") or []
        pairs = "; ".join(
            f"{item.get('key')}={(item.get('value') or {}).get('stringValue')}" for item in data
        )
        self.notes.append(
            f"stand-in for Amazon Q in Connect: UpdateSessionData session {session_id}, "
            f"namespace {body.get('namespace')}, {len(data)} keys: {pairs}"
        )
        arn = f"arn:aws:wisdom:{self.region}:{STAND_IN_ACCOUNT}:session/{assistant_id}/{session_id}"
        return {
            "sessionArn": arn,
            "sessionId": session_id,
            "namespace": body.get("namespace"),
            "data": data,
        }
