"""Who may do what: the deployed functions and the exact DynamoDB calls each one makes.

One table drives both places a policy is written: the roles of the packaged app stack
(``infra/app_template.py``, stage-scoped ARNs from the stack's own resources) and the static
``.chalice/policy-*.json`` files of the ``chalice deploy --stage dev`` quick path. The grants
follow ``chalicelib/store/dynamodb.py``: a write is one ``TransactGetItems`` (customer, card,
idempotency record), sometimes a ``GetItem`` of a second card, and one ``TransactWriteItems`` (a
``ConditionCheck`` on the customer, ``Put`` of cards, events and the idempotency record; for a
keyed no-op, a ``ConditionCheck`` on the card and the ``Put`` of its record). Transactions are
authorised by their per-item actions (``GetItem``, ``ConditionCheckItem``, ``PutItem``), so
neither has an action of its own.
Nothing calls ``UpdateItem``, ``DeleteItem`` or ``Scan``, so nobody is granted them.
The MCP tool Lambdas are those of ``mcp_handlers.tool_names``: one per tool, granted what its
kind of access calls.

The card-events publisher touches no table: Lambda reads the card-events stream for it (the
``STREAM_ACTIONS``, on that stream only) and it puts events on the stage's bus
(``events:PutEvents``, on that bus only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from mcp_handlers.tool_names import TOOL_ACCESS, Access, lambda_name, target_name

#: Logical table (``chalicelib.store.tables.TABLES``) -> CloudFormation logical id.
TABLE_LOGICAL_IDS: Final = {
    "customers": "CustomersTable",
    "cards": "CardsTable",
    "card_events": "CardEventsTable",
    "idempotency": "IdempotencyTable",
}


@dataclass(frozen=True)
class Grant:
    """DynamoDB actions on one table, or on one of its indexes when ``index`` is set."""

    table: str
    actions: tuple[str, ...]
    index: str | None = None


@dataclass(frozen=True)
class Function:
    """One Lambda function of the app: its names and what it may touch."""

    chalice_name: str  #: name in app.py / .chalice/config.json
    logical_id: str  #: resource id in the ``chalice package`` template
    base_name: str  #: deployed FunctionName without the ``-STAGE`` suffix
    role_base_name: str  #: IAM role name without the ``-STAGE`` suffix
    grants: tuple[Grant, ...]
    connect: bool = False  #: also DescribeContact and UpdateSessionData (the Connect Lambda)
    #: reads the card-events stream and puts events on the bus; runs outside the VPC
    publishes_card_events: bool = False
    mcp_tool: str | None = field(default=None)  #: the tool an MCP tool Lambda serves

    @property
    def in_vpc(self) -> bool:
        """Whether the function runs in the private subnets: every one that reads the tables.

        The publisher reads no table (Lambda's poller hands it the stream records) and calls
        only EventBridge, which has no gateway endpoint: in the VPC it would need the NAT and
        the network-interface grants for nothing.
        """
        return not self.publishes_card_events

    @property
    def role_logical_id(self) -> str:
        """The id Chalice gives the function's role (``mcp_lock_card`` -> ``McpLockCardRole``)."""
        camel = "".join(part.capitalize() for part in self.chalice_name.split("_"))
        return f"{camel}Role"

    @property
    def gateway_target(self) -> str | None:
        """The AgentCore Gateway target of an MCP tool Lambda (``lock-card``), else None."""
        return target_name(self.mcp_tool) if self.mcp_tool else None

    def function_name(self, stage: str) -> str:
        """Deployed function name of a stage."""
        return f"{self.base_name}-{stage}"

    def role_name(self, stage: str) -> str:
        """Deployed role name of a stage."""
        return f"{self.role_base_name}-{stage}"

    def chalice_deploy_name(self, app_name: str, stage: str) -> str:
        """The name ``chalice deploy`` gives the function (it never applies FunctionName)."""
        if self.chalice_name == "api_handler":
            return f"{app_name}-{stage}"
        return f"{app_name}-{stage}-{self.chalice_name}"


#: A write use case: lock, unlock, request-new (also its preview), activate.
WRITE_GRANTS: Final = (
    Grant("customers", ("dynamodb:ConditionCheckItem", "dynamodb:GetItem")),
    Grant("cards", ("dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem")),
    Grant("card_events", ("dynamodb:PutItem",)),
    Grant("idempotency", ("dynamodb:GetItem", "dynamodb:PutItem")),
)

#: list_cards: the customer, then the customer's cards through customer-index.
LIST_GRANTS: Final = (
    Grant("customers", ("dynamodb:GetItem",)),
    Grant("cards", ("dynamodb:Query",), index="customer-index"),
)

#: History: the customer and the card (one transactional read), then the card's events.
HISTORY_GRANTS: Final = (
    Grant("customers", ("dynamodb:GetItem",)),
    Grant("cards", ("dynamodb:GetItem",)),
    Grant("card_events", ("dynamodb:Query",)),
)

#: The REST handler serves every use case, history included.
API_GRANTS: Final = (
    Grant(
        "customers",
        ("dynamodb:ConditionCheckItem", "dynamodb:GetItem"),
    ),
    Grant("cards", ("dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem")),
    Grant("cards", ("dynamodb:Query",), index="customer-index"),
    Grant("card_events", ("dynamodb:PutItem", "dynamodb:Query")),
    Grant("idempotency", ("dynamodb:GetItem", "dynamodb:PutItem")),
)

#: The Connect Lambda finds the caller (by id or phone) and counts their cards; it never writes.
CONNECT_GRANTS: Final = (
    Grant("customers", ("dynamodb:GetItem",)),
    Grant("customers", ("dynamodb:Query",), index="phone-index"),
    Grant("cards", ("dynamodb:Query",), index="customer-index"),
)


#: The grants of each kind of MCP tool (``mcp_handlers.tool_names.TOOL_ACCESS``).
GRANTS_BY_ACCESS: Final[dict[Access, tuple[Grant, ...]]] = {
    "write": WRITE_GRANTS,
    "list": LIST_GRANTS,
    "history": HISTORY_GRANTS,
}


def _mcp(tool: str, access: Access) -> Function:
    """The Lambda of one MCP tool: its names follow the tool's (``lock_card`` ->
    ``mcp_lock_card``, ``McpLockCard``, ``betterbank-mcp-lock-card``)."""
    dashed = target_name(tool)
    camel = "".join(part.capitalize() for part in tool.split("_"))
    return Function(
        chalice_name=lambda_name(tool),
        logical_id=f"Mcp{camel}",
        base_name=f"betterbank-mcp-{dashed}",
        role_base_name=f"betterbank-mcp-{dashed}-role",
        grants=GRANTS_BY_ACCESS[access],
        mcp_tool=tool,
    )


FUNCTIONS: Final = (
    Function(
        chalice_name="api_handler",
        logical_id="APIHandler",
        base_name="betterbank-card-operations",
        role_base_name="betterbank-card-operations-role",
        grants=API_GRANTS,
    ),
    *(_mcp(tool, access) for tool, access in TOOL_ACCESS.items()),
    Function(
        chalice_name="connect_update_session_data",
        logical_id="ConnectUpdateSessionData",
        base_name="ConnectAssistantUpdateSessionData",
        role_base_name="betterbank-connect-session-role",
        grants=CONNECT_GRANTS,
        connect=True,
    ),
    Function(
        chalice_name="publish_card_events",
        logical_id="PublishCardEvents",
        base_name="betterbank-card-events-publisher",
        role_base_name="betterbank-card-events-publisher-role",
        grants=(),
        publishes_card_events=True,
    ),
)

MCP_FUNCTIONS: Final = tuple(f for f in FUNCTIONS if f.mcp_tool is not None)

#: What a Lambda in a VPC needs to attach its network interfaces (AWSLambdaVPCAccessExecutionRole
#: without its logs:CreateLogGroup on ``*``). EC2 offers no resource-level scoping for the
#: Describe calls, and Lambda creates the interfaces before any function ARN is known.
ENI_ACTIONS: Final = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)


#: What Lambda's poller needs to read a DynamoDB stream for a function (AWS's example policy
#: scopes all four to the stream; ListStreams has no resource type, so it grants nothing more).
STREAM_ACTIONS: Final = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
PUT_EVENTS_ACTION: Final = "events:PutEvents"


def by_chalice_name(name: str) -> Function:
    """Look a function up by its name in ``app.py``."""
    for function in FUNCTIONS:
        if function.chalice_name == name:
            return function
    raise KeyError(name)
