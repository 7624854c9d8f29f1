"""Test-wide setup: no test can reach real AWS, markers by folder, DynamoDB Local and moto
EventBridge fixtures.

Dummy credentials and a fixed region are set before any test module is imported, so a client
that someone forgets to point at an emulator fails to authenticate instead of touching an
account, and botocore never asks the instance metadata service for credentials.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dynamodb_local_fixture import (  # noqa: F401 - fixtures are found by name
    ddb_tables,
    dynamodb_admin,
    dynamodb_endpoint,
)
from tests.eventbridge_fixture import (  # noqa: F401 - fixtures are found by name
    card_event_bus,
    moto_endpoint,
)

SAFE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
UNSAFE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

MARKERS = {
    "integration": "needs DynamoDB Local (tests/integration)",
    "functional": "runs the app through its entry points (tests/functional)",
    "infra": "checks templates and the deployment package (tests/infra)",
    "slow": "takes more than a few seconds",
    "soak": "long-running reliability run (make soak), not part of make test",
}
FOLDER_MARKERS = ("integration", "functional", "infra")


def pytest_configure(config: pytest.Config) -> None:
    """Register markers and make the whole process AWS-safe before collection imports code."""
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    for variable in UNSAFE_VARIABLES:
        os.environ.pop(variable, None)
    os.environ.update(SAFE_ENVIRONMENT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder, so ``-m integration`` and friends select by layer."""
    tests_root = Path(__file__).parent
    for item in items:
        parts = Path(item.path).relative_to(tests_root).parts
        if parts and parts[0] in FOLDER_MARKERS:
            item.add_marker(parts[0])
