"""The Amazon Connect edge: the ``ContactFlowEvent`` we are given and the map we give back.

Connect keeps adding fields to its event and sends ``null`` for whatever a contact lacks, so the
models here accept unknown fields (``extra="ignore"``, unlike the REST edge, where an unknown
field is the caller's mistake) and treat every field as optional except the four Connect always
sends. Anything else that is malformed becomes ``None`` for the caller to answer with ``ERROR``:
parsing never raises, because a raise makes Connect retry three times into dead air.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from chalicelib.card_numbers import contains_card_number
from chalicelib.models import CUSTOMER_ID_PATTERN
from chalicelib.validation import refuse_card_number

ConnectStatus = Literal["OK", "CUSTOMER_NOT_FOUND", "SESSION_NOT_FOUND", "ERROR"]

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SESSION_ARN = re.compile(
    rf"^arn:aws[a-z-]*:wisdom:(?P<region>[a-z]{{2}}(?:-[a-z]+)+-\d):(?P<account>\d{{12}}):"
    rf"session/(?P<assistant>{_UUID})/(?P<session>{_UUID})$"
)
_INSTANCE_ARN = re.compile(
    r"^arn:aws[a-z-]*:connect:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:instance/(?P<instance>[0-9a-f-]{36})$"
)
_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)
#: Characters people and systems put inside phone numbers; E.164 has none of them.
_PHONE_FORMATTING = re.compile(r"[\s\-().]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _strings_only(value: Any) -> dict[str, str]:
    """Keep the string entries of a map: Connect's maps are string maps, ``null`` is ``{}``."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Endpoint(_Lenient):
    """Who is calling: an E.164 number for voice, often absent for chat."""

    Address: str | None = None
    Type: str | None = None


class Contact(_Lenient):
    """The contact as Connect describes it; only what this Lambda reads is typed."""

    #: Logged with every outcome, so never a card number (the event is then malformed).
    ContactId: Annotated[str, AfterValidator(refuse_card_number)] = Field(
        min_length=1, max_length=256
    )
    InstanceARN: str = Field(min_length=1)
    Channel: str = Field(min_length=1)
    Attributes: dict[str, str]
    CustomerEndpoint: Endpoint | None = None
    InitialContactId: str | None = None
    InitiationMethod: str | None = None
    LanguageCode: str | None = None

    @field_validator("Attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> dict[str, str]:
        return _strings_only(value)


class FlowDetails(_Lenient):
    """``Details``: the contact and the parameters the flow block passes."""

    ContactData: Contact
    Parameters: dict[str, str] = Field(default_factory=dict)

    @field_validator("Parameters", mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> dict[str, str]:
        return _strings_only(value)


class ContactFlowEvent(_Lenient):
    """The event of an "Invoke AWS Lambda function" block."""

    Name: str | None = None
    Details: FlowDetails

    @property
    def contact(self) -> Contact:
        """Shortcut to ``Details.ContactData``."""
        return self.Details.ContactData

    def parameter(self, name: str) -> str | None:
        """A flow parameter, stripped; ``None`` when absent or blank."""
        return _present(self.Details.Parameters.get(name))

    def attribute(self, name: str) -> str | None:
        """A contact attribute, stripped; ``None`` when absent or blank."""
        return _present(self.contact.Attributes.get(name))


def _present(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def parse_event(event: Any) -> ContactFlowEvent | None:
    """The event as a model, or ``None`` if it is not a usable ``ContactFlowEvent``.

    The validation error is dropped on purpose: it echoes input values, the caller's number
    among them, and the caller logs only that the event was malformed.
    """
    try:
        return ContactFlowEvent.model_validate(event)
    except ValidationError:
        return None


def is_customer_id(value: str) -> bool:
    """Whether ``value`` has the shape of a customer id (checked before any table read, and
    before it can be logged: a card-number-shaped id is none)."""
    return _CUSTOMER_ID.fullmatch(value) is not None and not contains_card_number(value)


def normalise_phone(raw: str | None) -> str | None:
    """The E.164 form of a caller's number, or ``None`` for a withheld or unusable one.

    Connect sends E.164 already, but numbers copied through attributes or transfers pick up
    spaces, dashes and parentheses; "anonymous", "withheld" and the like match nothing.
    """
    if raw is None:
        return None
    compact = _PHONE_FORMATTING.sub("", raw)
    return compact if _E164.fullmatch(compact) else None


def instance_id_of(instance_arn: str) -> str | None:
    """The instance id inside ``arn:aws:connect:R:A:instance/ID``, if the ARN has that shape."""
    match = _INSTANCE_ARN.fullmatch(instance_arn.strip())
    return match.group("instance") if match else None


@dataclass(frozen=True, slots=True)
class SessionRef:
    """A Q in Connect session, as ``UpdateSessionData`` addresses it."""

    assistant_id: str
    session_id: str
    region: str


def parse_session_arn(arn: str | None) -> SessionRef | None:
    """Parse ``arn:aws:wisdom:R:A:session/ASSISTANT/SESSION`` strictly (lower-case UUIDs)."""
    match = _SESSION_ARN.fullmatch((arn or "").strip())
    if match is None:
        return None
    return SessionRef(match.group("assistant"), match.group("session"), match.group("region"))


@dataclass(frozen=True, slots=True)
class FlowResult:
    """What the flow reads as ``$.External.*``: a flat map of strings, never ``None``."""

    status: ConnectStatus
    customer_id: str = ""
    first_name: str = ""
    card_count: int = 0
    session_updated: bool = False

    @property
    def customer_found(self) -> bool:
        """A customer was identified (whatever happened to the session)."""
        return bool(self.customer_id)

    def to_map(self) -> dict[str, str]:
        """The flat ``STRING_MAP`` response a contact flow reads its attributes from."""
        return {
            "status": self.status,
            "customerFound": "true" if self.customer_found else "false",
            "customerId": self.customer_id,
            "firstName": self.first_name,
            "cardCount": str(self.card_count),
            "sessionUpdated": "true" if self.session_updated else "false",
        }
