"""Who may invoke the stack's functions from outside it: AgentCore Gateway and Amazon Connect.

The gateway gets a role that can invoke exactly the MCP tool functions (or, as an MCP server
target, call exactly ``POST /mcp`` of this stack's API), assumable only from this account's
gateways; Connect gets a Lambda permission scoped to the one instance a stage is
given (none when the ``ConnectInstanceArn`` parameter is empty). Split from
``infra/app_template.py``, which assembles the whole template.
"""

from __future__ import annotations

from infra.cfn import Json, arn_of, ref, sub, tags
from infra.permissions import MCP_FUNCTIONS


def gateway_role(stage: str) -> Json:
    """The role AgentCore Gateway assumes: the MCP tool functions, or ``POST /mcp``."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": f"betterbank-gateway-role-{stage}",
            "Description": "AgentCore Gateway: invoke the BetterBank MCP tool Lambdas or POST /mcp",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")},
                            "ArnLike": {
                                "aws:SourceArn": sub(
                                    "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}"
                                    ":${AWS::AccountId}:gateway/*"
                                )
                            },
                        },
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "invoke-mcp-tools",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "InvokeMcpTools",
                                "Effect": "Allow",
                                "Action": "lambda:InvokeFunction",
                                "Resource": [arn_of(f.logical_id) for f in MCP_FUNCTIONS],
                            },
                            {
                                # The alternative MCP server target: one target, the deployed
                                # POST /mcp, signed with this role (docs/DEPLOYMENT.md).
                                "Sid": "CallMcpEndpoint",
                                "Effect": "Allow",
                                "Action": "execute-api:Invoke",
                                "Resource": sub(
                                    "arn:${AWS::Partition}:execute-api:${AWS::Region}"
                                    ":${AWS::AccountId}:${RestAPI}/*/POST/mcp"
                                ),
                            },
                        ],
                    },
                }
            ],
            "Tags": tags(stage),
        },
    }


def connect_permission() -> Json:
    """Amazon Connect may invoke the session Lambda, from exactly the given instance."""
    return {
        "Type": "AWS::Lambda::Permission",
        "Condition": "HasConnectInstance",
        "Properties": {
            "FunctionName": arn_of("ConnectUpdateSessionData"),
            "Action": "lambda:InvokeFunction",
            "Principal": "connect.amazonaws.com",
            "SourceArn": ref("ConnectInstanceArn"),
            "SourceAccount": ref("AWS::AccountId"),
        },
    }
