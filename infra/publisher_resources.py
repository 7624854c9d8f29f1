"""The card-events publisher's part of the app stack: bus, stream mapping, failure queue, alarms.

Chalice emits the ``DynamoDB`` event of ``publish_card_events`` with the batch size and starting
position of ``app.py`` (``chalicelib.publishing``); the merge points it at the card-events
table's own stream and adds what Chalice cannot express: partial batch responses, the retry
budget, bisection, the on-failure queue and one shard processed at a time (per-card order).
Split from ``infra/app_template.py``, which assembles the whole template.
"""

from __future__ import annotations

from typing import Final

from chalicelib.publishing.detail import bus_name
from infra.cfn import Json, alarm_actions, arn_of, ref, stage_settings, tags
from infra.permissions import PUT_EVENTS_ACTION, STREAM_ACTIONS, TABLE_LOGICAL_IDS, Function

BUS_ID: Final = "CardEventsBus"
FAILURE_QUEUE_ID: Final = "CardEventsPublisherFailures"
#: Chalice names the event ``<function>-dynamodb-event-source``, in CamelCase.
EVENT_SOURCE_ID: Final = "PublishCardEventsDynamodbEventSource"
#: Retries of a failing batch (bisected meanwhile) before its records go to the failure queue,
#: and the age after which a record stops being retried. Only EventBridge being unavailable
#: fails a batch again and again (a record that is not a card event is parked by the publisher
#: at once), so the budget rides out a long outage: six hours, then replay from the audit log.
MAXIMUM_RETRY_ATTEMPTS: Final = 10_000
MAXIMUM_RECORD_AGE_SECONDS: Final = 6 * 3600
#: The iterator-age alarm: the newest record processed is older than this for 3 minutes.
ITERATOR_AGE_ALARM_MS: Final = 60_000
FAILURE_QUEUE_RETENTION_SECONDS: Final = 14 * 24 * 3600


def stream_arn() -> Json:
    """The card-events table's stream (``StreamArn`` exists because the table has a stream)."""
    return {"Fn::GetAtt": [TABLE_LOGICAL_IDS["card_events"], "StreamArn"]}


def event_source_properties() -> Json:
    """Merged into the function's ``Events``: what the event source mapping must do."""
    return {
        EVENT_SOURCE_ID: {
            "Properties": {
                "Stream": stream_arn(),
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "MaximumRetryAttempts": MAXIMUM_RETRY_ATTEMPTS,
                "MaximumRecordAgeInSeconds": MAXIMUM_RECORD_AGE_SECONDS,
                "BisectBatchOnFunctionError": True,
                "ParallelizationFactor": 1,
                "DestinationConfig": {"OnFailure": {"Destination": arn_of(FAILURE_QUEUE_ID)}},
                # Only new event items are events: TTL expiry (REMOVE) never wakes the function.
                "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]},
            }
        }
    }


def publisher_statements() -> list[Json]:
    """The publisher role's grants beyond its logs: this stream, this bus, this queue."""
    return [
        {
            "Sid": "ReadCardEventsStream",
            "Effect": "Allow",
            "Action": list(STREAM_ACTIONS),
            "Resource": stream_arn(),
        },
        {
            "Sid": "PutCardEvents",
            "Effect": "Allow",
            "Action": PUT_EVENTS_ACTION,
            "Resource": arn_of(BUS_ID),
        },
        {
            "Sid": "SendFailedBatches",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": arn_of(FAILURE_QUEUE_ID),
        },
    ]


def _bus(stage: str) -> Json:
    return {
        "Type": "AWS::Events::EventBus",
        "Properties": {
            "Name": bus_name(stage),
            "Description": "BetterBank card events: one per card change (docs/EVENTS.md)",
            "Tags": tags(stage),
        },
    }


QUEUE_ENCRYPTION_SKIP: Final = {
    "id": "CKV_AWS_27",
    "comment": "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which this "
    "check predates; the messages are Lambda's batch records (shard id, sequence numbers, "
    "times), no card data.",
}


def _failure_queue(function: Function, stage: str) -> Json:
    policy = "Retain" if stage_settings(stage)["retain"] else "Delete"
    return {
        "Type": "AWS::SQS::Queue",
        "DeletionPolicy": policy,
        "UpdateReplacePolicy": policy,
        "Properties": {
            "QueueName": f"{function.function_name(stage)}-failures",
            "MessageRetentionPeriod": FAILURE_QUEUE_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
            "Tags": tags(stage),
        },
        "Metadata": {"checkov": {"skip": [QUEUE_ENCRYPTION_SKIP]}},
    }


def _alarm(name: str, description: str, metric: Json, threshold: int, periods: int) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmDescription": description,
            **metric,
            "Period": 60,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": alarm_actions(),
        },
    }


def publisher_resources(function: Function, stage: str) -> dict[str, Json]:
    """The bus, the failure queue and the two alarms of the publisher."""
    name = function.function_name(stage)
    failures = {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": [FAILURE_QUEUE_ID, "QueueName"]}}
        ],
        "Statistic": "Maximum",
    }
    age = {
        "Namespace": "AWS/Lambda",
        "MetricName": "IteratorAge",
        "Dimensions": [{"Name": "FunctionName", "Value": ref(function.logical_id)}],
        "Statistic": "Maximum",
    }
    return {
        BUS_ID: _bus(stage),
        FAILURE_QUEUE_ID: _failure_queue(function, stage),
        f"{FAILURE_QUEUE_ID}Alarm": _alarm(
            f"{name}-failures",
            "Card events the stream gave up on: replay them (docs/EVENTS.md)",
            failures,
            0,
            1,
        ),
        f"{function.logical_id}IteratorAgeAlarm": _alarm(
            f"{name}-iterator-age",
            f"Card events wait more than {ITERATOR_AGE_ALARM_MS // 1000} s to be published",
            age,
            ITERATOR_AGE_ALARM_MS,
            3,
        ),
    }
