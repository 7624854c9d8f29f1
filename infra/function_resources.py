"""Per-function additions to the Chalice template: name, VPC, tables, role policy, logs, alarm.

Every function gets its own role (Chalice emits one per function with ``autogen_policy: false``);
the merge names it and replaces its whole ``Policies`` list with one whose resources are this
stack's tables and log group, from ``infra.permissions``.
"""

from __future__ import annotations

from chalicelib.store import tables
from infra import permissions
from infra.cfn import NO_VALUE, Json, alarm_actions, arn_of, ref, stage_settings, sub, tags
from infra.permissions import TABLE_LOGICAL_IDS, Function
from infra.publisher_resources import (
    BUS_ID,
    FAILURE_QUEUE_ID,
    event_source_properties,
    publisher_statements,
)


def _dynamodb_statements(function: Function) -> list[Json]:
    statements: list[Json] = []
    for number, grant in enumerate(function.grants, start=1):
        table_arn = arn_of(TABLE_LOGICAL_IDS[grant.table])
        resource: Json = table_arn
        if grant.index:
            table_id = TABLE_LOGICAL_IDS[grant.table]
            resource = sub(f"${{{table_id}.Arn}}/index/{grant.index}")
        statements.append(
            {
                "Sid": f"DynamoDb{number}",
                "Effect": "Allow",
                "Action": list(grant.actions),
                "Resource": resource,
            }
        )
    return statements


def _connect_statements() -> list[Json]:
    describe = {
        "Sid": "DescribeContact",
        "Effect": "Allow",
        "Action": "connect:DescribeContact",
        "Resource": sub("${ConnectInstanceArn}/contact/*"),
    }
    update = {
        "Sid": "UpdateSessionData",
        "Effect": "Allow",
        "Action": "wisdom:UpdateSessionData",
        "Resource": sub(
            "arn:${AWS::Partition}:wisdom:${AWS::Region}:${AWS::AccountId}"
            ":session/${QConnectAssistantId}/*"
        ),
    }
    return [
        {"Fn::If": ["HasConnectInstance", describe, NO_VALUE]},
        {"Fn::If": ["HasQConnectAssistant", update, NO_VALUE]},
    ]


def role_policy(function: Function) -> Json:
    """The one inline policy of a function's role."""
    statements: list[Json] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": arn_of(f"{function.logical_id}LogGroup"),
        }
    ]
    if function.in_vpc:
        statements.append(
            {
                "Sid": "VpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": list(permissions.ENI_ACTIONS),
                "Resource": "*",
            }
        )
    statements.extend(_dynamodb_statements(function))
    if function.connect:
        statements.extend(_connect_statements())
    if function.publishes_card_events:
        statements.extend(publisher_statements())
    return {"Version": "2012-10-17", "Statement": statements}


def _vpc_config(stage: str) -> Json:
    """The existing VPC's subnets and group when given as parameters, else the VPC stack's."""

    def imported(name: str) -> Json:
        return {"Fn::ImportValue": f"betterbank-vpc-{stage}-{name}"}

    existing = {
        "SubnetIds": {"Fn::Split": [",", ref("PrivateSubnetIds")]},
        "SecurityGroupIds": [ref("LambdaSecurityGroupId")],
    }
    vpc_stack = {
        "SubnetIds": [imported("PrivateSubnet1"), imported("PrivateSubnet2")],
        "SecurityGroupIds": [imported("LambdaSecurityGroup")],
    }
    return {"Fn::If": ["UsesExistingVpc", existing, vpc_stack]}


FUNCTION_SKIPS: list[Json] = [
    {
        "id": "CKV_AWS_116",
        "comment": "No DLQ: every caller invokes synchronously (API Gateway, AgentCore Gateway, "
        "Connect) and gets the error; a DLQ only receives failed asynchronous invocations.",
    },
    {
        "id": "CKV_AWS_173",
        "comment": "The environment holds table names and log settings only, no secrets; "
        "Lambda encrypts it at rest with the AWS managed key.",
    },
    {
        "id": "CKV_AWS_115",
        "comment": "No reserved concurrency: it would carve capacity out of the account pool "
        "and turn bursts into throttles; API Gateway stage throttling bounds the load.",
    },
]


#: The publisher is invoked by Lambda's stream poller, not by a caller.
PUBLISHER_SKIPS: list[Json] = [
    {
        "id": "CKV_AWS_116",
        "comment": "No DLQ: a DLQ only receives failed asynchronous invocations; the stream "
        "mapping's on-failure destination (an SQS queue with an alarm) gets what fails.",
    },
    {
        "id": "CKV_AWS_117",
        "comment": "Outside the VPC on purpose: it reads no table (Lambda's poller reads the "
        "stream) and calls only EventBridge, which has no gateway endpoint; in the VPC it "
        "would need the NAT and the network-interface grants on Resource * for nothing.",
    },
    {
        "id": "CKV_AWS_173",
        "comment": "The environment holds table and bus names and log settings only, no "
        "secrets; Lambda encrypts it at rest with the AWS managed key.",
    },
    {
        "id": "CKV_AWS_115",
        "comment": "Concurrency is bounded by the stream itself: one invocation per shard at a "
        "time (ParallelizationFactor 1, which per-card order needs); a reservation would only "
        "add throttles.",
    },
]


ROLE_ENI_SKIP: Json = {
    "id": "CKV_AWS_111",
    "comment": "The only writes on Resource * are the six EC2 network-interface actions Lambda "
    "needs to attach the function to the VPC (as AWSLambdaVPCAccessExecutionRole grants them); "
    "every DynamoDB and logs write is scoped to this stage's ARNs.",
}


def function_resources(function: Function, stage: str) -> dict[str, Json]:
    """What the merge adds to one function: name, VPC, table refs, role, log group, alarm."""
    name = function.function_name(stage)
    env = {env: ref(TABLE_LOGICAL_IDS[logical]) for logical, (env, _) in tables.TABLES.items()}
    properties: Json = {"FunctionName": name, "Environment": {"Variables": env}}
    skips = FUNCTION_SKIPS
    if function.in_vpc:
        properties["VpcConfig"] = _vpc_config(stage)
    if function.publishes_card_events:
        env["CARD_EVENTS_BUS"] = ref(BUS_ID)
        env["CARD_EVENTS_FAILURE_QUEUE_URL"] = ref(FAILURE_QUEUE_ID)
        properties["Events"] = event_source_properties()
        skips = PUBLISHER_SKIPS
    return {
        function.logical_id: {
            "Properties": properties,
            "Metadata": {"checkov": {"skip": skips}},
        },
        function.role_logical_id: {
            "Properties": {
                "RoleName": function.role_name(stage),
                "Description": f"Least-privilege execution role of {name}",
                "Policies": [
                    {"PolicyName": "least-privilege", "PolicyDocument": role_policy(function)}
                ],
                "Tags": tags(stage),
            },
            "Metadata": {"checkov": {"skip": [ROLE_ENI_SKIP] if function.in_vpc else []}},
        },
        f"{function.logical_id}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{name}",
                "RetentionInDays": stage_settings(stage)["log_days"],
            },
            "Metadata": {
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_158",
                            "comment": "CloudWatch Logs encrypts every log group; our logs "
                            "carry no card numbers, CVVs, PINs or contact details.",
                        }
                    ]
                }
            },
        },
        f"{function.logical_id}ErrorsAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": f"{name}-errors",
                "AlarmDescription": f"{name} raised more than 5 errors in 5 minutes",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": ref(function.logical_id)}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 5,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": alarm_actions(),
            },
        },
    }
