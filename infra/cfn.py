"""CloudFormation building blocks shared by the app template modules: intrinsics, tags, stages."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
NO_VALUE: Json = {"Ref": "AWS::NoValue"}
PROJECT = "betterbank-card-operations"

#: Per-stage knobs. prod keeps a year of logs (PCI DSS 10.5.1) and its data on stack deletion.
STAGE_SETTINGS: dict[str, Json] = {
    "dev": {"log_days": 30, "rate": 50, "burst": 100, "retain": False},
    "prod": {"log_days": 365, "rate": 500, "burst": 1000, "retain": True},
}


def sub(text: str) -> Json:
    """``Fn::Sub``."""
    return {"Fn::Sub": text}


def ref(name: str) -> Json:
    """``Ref``."""
    return {"Ref": name}


def arn_of(logical_id: str) -> Json:
    """``Fn::GetAtt [id, Arn]``."""
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def stage_settings(stage: str) -> Json:
    """The knobs of a stage; stages other than prod get dev's (cheap, deletable)."""
    return STAGE_SETTINGS.get(stage, STAGE_SETTINGS["dev"])


def tags(stage: str) -> list[Json]:
    """Tags for resources Chalice does not tag (the stack's tags reach the rest)."""
    return [{"Key": "project", "Value": PROJECT}, {"Key": "stage", "Value": stage}]


def alarm_actions() -> Json:
    """Notify the ``AlarmTopicArn`` topic when one is given."""
    return {"Fn::If": ["HasAlarmTopic", [ref("AlarmTopicArn")], NO_VALUE]}
