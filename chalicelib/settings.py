"""The one reader of ``os.environ``.

Settings are read lazily, on first use, never at import time: Chalice's test client sets the
stage's environment only around each call, and importing ``app`` must stay free of side effects.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Runtime configuration of every function: table names, region, endpoint, bus."""

    model_config = ConfigDict(frozen=True)

    customers_table: str = Field(min_length=3)
    cards_table: str = Field(min_length=3)
    card_events_table: str = Field(min_length=3)
    idempotency_table: str = Field(min_length=3)
    card_events_bus: str = Field(min_length=1)
    card_events_failure_queue_url: str | None = None
    dynamodb_endpoint: str | None = None
    region: str = "us-east-1"
    log_level: str = "INFO"
    service_name: str = "betterbank-card-operations"

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from an environment mapping (``os.environ`` by default).

        Local defaults apply to the table and bus names, so a bare ``python -c`` against
        DynamoDB Local works; deployed stages always set them explicitly.
        """
        env = dict(os.environ if environ is None else environ)
        return cls(
            customers_table=env.get("CUSTOMERS_TABLE", "betterbank-customers"),
            cards_table=env.get("CARDS_TABLE", "betterbank-cards"),
            card_events_table=env.get("CARD_EVENTS_TABLE", "betterbank-card-events"),
            idempotency_table=env.get("IDEMPOTENCY_TABLE", "betterbank-idempotency"),
            card_events_bus=env.get("CARD_EVENTS_BUS", "betterbank-cards"),
            card_events_failure_queue_url=env.get("CARD_EVENTS_FAILURE_QUEUE_URL") or None,
            dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            service_name=env.get("POWERTOOLS_SERVICE_NAME") or "betterbank-card-operations",
        )


#: What ``chalice deploy`` would wire the publisher to when ``CARD_EVENTS_STREAM_ARN`` is unset:
#: no stream exists there, so the deploy fails on it instead of reading another table's stream.
STREAM_ARN_UNSET = (
    "arn:aws:dynamodb:us-east-1:000000000000:table/betterbank-card-events/stream/"
    "set-CARD_EVENTS_STREAM_ARN"
)


def deploy_stream_arn(environ: dict[str, str] | None = None) -> str:
    """The card-events stream the publisher's ``on_dynamodb_record`` names.

    The one setting read when ``app`` is imported: Chalice needs the ARN in the decorator, and
    only ``chalice deploy`` uses it (``scripts/create_tables.py --stage dev`` prints it). The
    packaged stack replaces it with its own table's stream; the Lambda runtime ignores it.
    """
    env = os.environ if environ is None else environ
    return env.get("CARD_EVENTS_STREAM_ARN") or STREAM_ARN_UNSET


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, built on first use."""
    return Settings.from_environ()


def reset_settings() -> None:
    """Forget cached settings (tests and the local server change the environment)."""
    get_settings.cache_clear()
