"""The X source plug-in (`type: x`): recent or full-archive search through tweepy."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection

from echolot.config import XSource
from echolot.errors import SourceAccessError
from echolot.models import Window

BEARER_TOKEN_ENV = "ECHOLOT_X_BEARER_TOKEN"


class XPlugin:
    type_name = "x"
    settings = XSource
    api_pool = "echolot_x_api"
    connection_id = "echolot_x"

    def environment(self, connection: Any) -> dict[str, str | None]:
        return {BEARER_TOKEN_ENV: connection.password}

    def ingest(
        self,
        conn: Connection,
        settings: XSource,
        *,
        window: Window | None = None,
        retry: Any = None,
        now: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Any:
        # tweepy is imported here, not at module level: DAG files load every plug-in.
        from ingest.retry import RetryPolicy
        from ingest.x_connector import make_client
        from ingest.x_source import ingest_x

        token = os.environ.get(BEARER_TOKEN_ENV)
        if not token:
            raise SourceAccessError(f"source {settings.name!r}: set {BEARER_TOKEN_ENV} to read X")
        policy = retry or RetryPolicy(
            max_rate_limit_wait_seconds=settings.max_rate_limit_wait_seconds
        )
        return ingest_x(
            conn, settings, make_client(token), window=window, retry=policy, now=now,
            on_page=on_page,
        )  # fmt: skip


SOURCE = XPlugin()
