"""Render the ``chalice package --merge-template`` document for one stage.

Chalice emits the functions, their roles and the REST API; this document adds what Chalice cannot
express and names what it leaves unnamed: the deployed ``FunctionName`` of every function, one
least-privilege role per function (stage-scoped ARNs taken from the stack's own resources), the
four tables, log groups, ``VpcConfig`` (the VPC stack's exports, or an existing VPC's subnets),
the Connect invoke permission, the AgentCore Gateway role, the card-events bus and its
publisher's stream mapping, alarms, API throttling and outputs.

It is rendered per stage (``python -m infra.app_template --stage dev``) rather than kept as one
static file with a ``Stage`` parameter: a package then cannot be deployed as another stage, and
the prod-only settings (``Retain``, deletion protection) need no conditions. The deep merge
replaces lists and scalars and merges dicts, so nothing here places an intrinsic where Chalice
already put one (``scripts/check_template.py`` proves it on the output).

This module assembles the document and is its CLI; the parts are built in ``table_resources``
(tables, throttle alarms), ``function_resources`` (per function), ``invoker_resources``
(the gateway role, the Connect permission) and ``publisher_resources`` (bus, failure queue).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.cfn import Json, arn_of, ref, stage_settings
from infra.function_resources import function_resources
from infra.invoker_resources import connect_permission, gateway_role
from infra.permissions import FUNCTIONS, TABLE_LOGICAL_IDS, by_chalice_name
from infra.publisher_resources import BUS_ID, publisher_resources
from infra.table_resources import table_resource, throttle_alarm

PARAMETERS: Json = {
    "ConnectInstanceArn": {
        "Type": "String",
        "Default": "",
        "Description": "ARN of the Amazon Connect instance allowed to invoke the session Lambda "
        "(arn:aws:connect:REGION:ACCOUNT:instance/ID); empty: no Connect permission.",
        "AllowedPattern": "^$|^arn:aws[a-z-]*:connect:[a-z0-9-]+:[0-9]{12}:instance/[0-9a-f-]{36}$",
    },
    "QConnectAssistantId": {
        "Type": "String",
        "Default": "",
        "Description": "Id (UUID) of the Q in Connect assistant whose sessions the Connect "
        "Lambda updates; empty: no UpdateSessionData permission.",
        "AllowedPattern": "^$|^[0-9a-f-]{36}$",
    },
    "AlarmTopicArn": {
        "Type": "String",
        "Default": "",
        "Description": "SNS topic the alarms notify; empty: alarms without actions.",
    },
    "PrivateSubnetIds": {
        "Type": "String",
        "Default": "",
        "Description": "Existing private subnets (two or more, comma-separated, in at least two "
        "AZs) for the functions; empty: the subnets exported by the betterbank-vpc stack.",
        "AllowedPattern": "^$|^subnet-[0-9a-f]+(,subnet-[0-9a-f]+)+$",
    },
    "LambdaSecurityGroupId": {
        "Type": "String",
        "Default": "",
        "Description": "Existing security group of the functions (with PrivateSubnetIds); "
        "empty: the one exported by the betterbank-vpc stack.",
        "AllowedPattern": "^$|^sg-[0-9a-f]+$",
    },
}

CONDITIONS: Json = {
    name: {"Fn::Not": [{"Fn::Equals": [ref(param), ""]}]}
    for name, param in (
        ("HasConnectInstance", "ConnectInstanceArn"),
        ("HasQConnectAssistant", "QConnectAssistantId"),
        ("HasAlarmTopic", "AlarmTopicArn"),
        ("UsesExistingVpc", "PrivateSubnetIds"),
    )
}


API_SKIPS: list[Json] = [
    {
        "id": "CKV_AWS_76",
        "comment": "Access logging needs the account-wide API Gateway CloudWatch role "
        "(AWS::ApiGateway::Account), which an app stack must not overwrite; the handler logs "
        "every request as JSON with its request id (docs/TROUBLESHOOTING.md).",
    },
    {
        "id": "CKV_AWS_120",
        "comment": "No caching: every answer is a card state that a write may change the next "
        "instant; a cache would show a customer a lock that is already lifted.",
    },
]


#: cfn-lint resolves ``Ref LambdaSecurityGroupId`` to the parameter's empty default and warns
#: that "" is no sg- id (W1030), although the ``Fn::If`` branch holding the Ref is only taken
#: when the parameter is set, and its AllowedPattern then requires ``sg-``. W1030 only ever
#: reports such resolved parameter values.
CFN_LINT: Json = {"config": {"ignore_checks": ["W1030"]}}


def rest_api(stage: str) -> Json:
    """Stage-wide throttling on the REST API; IAM auth comes from app.py's IAMAuthorizer."""
    settings = stage_settings(stage)
    return {
        "Metadata": {"checkov": {"skip": API_SKIPS}},
        "Properties": {
            "TracingEnabled": True,
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": settings["rate"],
                    "ThrottlingBurstLimit": settings["burst"],
                    "MetricsEnabled": True,
                }
            ],
        },
    }


def outputs(stage: str) -> Json:
    """Function ARNs, the gateway role and the table names (Chalice adds EndpointURL)."""
    result: Json = {
        f"{f.logical_id}Arn": {"Value": arn_of(f.logical_id)}
        for f in FUNCTIONS
        if f.logical_id != "APIHandler"  # Chalice already outputs APIHandlerArn
    }
    result["GatewayRoleArn"] = {"Value": arn_of("GatewayRole")}
    result["CardEventsBusArn"] = {"Value": arn_of(BUS_ID)}
    for logical_id in TABLE_LOGICAL_IDS.values():
        result[f"{logical_id}Name"] = {"Value": ref(logical_id)}
    result["Stage"] = {"Value": stage}
    return result


def render(stage: str) -> Json:
    """The whole merge template for ``stage``."""
    resources: Json = {}
    for logical, logical_id in TABLE_LOGICAL_IDS.items():
        resources[logical_id] = table_resource(logical, stage)
        resources[f"{logical_id}ThrottleAlarm"] = throttle_alarm(logical, stage)
    for function in FUNCTIONS:
        resources.update(function_resources(function, stage))
    resources["GatewayRole"] = gateway_role(stage)
    resources["ConnectInvokePermission"] = connect_permission()
    resources["RestAPI"] = rest_api(stage)
    resources.update(publisher_resources(by_chalice_name("publish_card_events"), stage))
    return {
        "Description": f"BetterBank Card Operations app stack ({stage})",
        "Metadata": {"cfn-lint": CFN_LINT},
        "Parameters": PARAMETERS,
        "Conditions": CONDITIONS,
        "Resources": resources,
        "Outputs": outputs(stage),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the merge template of a stage to a file (or stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="dev, prod, ...")
    parser.add_argument("--out", type=Path, help="output file (default: stdout)")
    args = parser.parse_args(argv)
    text = json.dumps(render(args.stage), indent=2, sort_keys=False) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
