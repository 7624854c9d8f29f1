"""Chalice test client against fresh, seeded DynamoDB Local tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app


@dataclass
class ApiResponse:
    """What a test needs of an HTTP response."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any]


class Api:
    """A thin HTTP client over Chalice's test client: JSON in, parsed JSON out."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> ApiResponse:
        raw = body if isinstance(body, str) else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        response = self._client.http.post(path, headers=all_headers, body=raw)
        return ApiResponse(response.status_code, dict(response.headers), json.loads(response.body))

    def get(self, path: str) -> ApiResponse:
        response = self._client.http.get(path)
        return ApiResponse(response.status_code, dict(response.headers), json.loads(response.body))


@pytest.fixture
def api(ddb_tables: Any, tmp_path: Path) -> Iterator[Api]:
    """The REST API over this test's tables. ``project_dir`` is empty on purpose: the stage
    config would otherwise set the deployed table names around each call."""
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Api(client)
