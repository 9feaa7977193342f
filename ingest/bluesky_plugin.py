"""The Bluesky source plug-in (`type: bluesky`): post search and author feeds via `atproto`.

Credentials: a handle and an app password (Settings -> App passwords on bsky.app), from
ECHOLOT_BLUESKY_HANDLE / ECHOLOT_BLUESKY_APP_PASSWORD or the Airflow connection
`echolot_bluesky` (login = handle, password = app password, host = the service, optional).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from psycopg2.extensions import connection as Connection
from pydantic import Field, model_validator

from echolot.config.base import Name, Strict
from echolot.errors import SourceAccessError
from echolot.models import Window

HANDLE_ENV = "ECHOLOT_BLUESKY_HANDLE"
APP_PASSWORD_ENV = "ECHOLOT_BLUESKY_APP_PASSWORD"
SERVICE_ENV = "ECHOLOT_BLUESKY_SERVICE"


class BlueskySource(Strict):
    type: Literal["bluesky"]
    name: Name
    enabled: bool = True
    # Search terms for app.bsky.feed.searchPosts (Lucene-like: words, "phrases", from:, #tags).
    queries: list[str] = Field(default_factory=list)
    # Handles (brand.bsky.social) or DIDs whose feeds (posts and reposts) are read.
    accounts: list[str] = Field(default_factory=list)
    # Where to log in; the entryway serves search and feeds through the account's PDS.
    service: str = "https://bsky.social"
    page_size: int = Field(default=100, gt=0, le=100)
    # Pages read per query or account in one run (the next run resumes at the cursor).
    max_pages: int = Field(default=50, gt=0)
    # Longest a task sleeps for a rate-limit reset before it ends with a retryable error.
    max_rate_limit_wait_seconds: int = Field(default=60, ge=0)

    @model_validator(mode="after")
    def _something_to_read(self) -> BlueskySource:
        if not self.queries and not self.accounts:
            raise ValueError("give `queries`, `accounts` or both")
        return self


class BlueskyPlugin:
    type_name = "bluesky"
    settings = BlueskySource
    api_pool = "echolot_bluesky_api"
    connection_id = "echolot_bluesky"

    def environment(self, connection: Any) -> dict[str, str | None]:
        service = f"https://{connection.host}" if connection.host else None
        return {HANDLE_ENV: connection.login, APP_PASSWORD_ENV: connection.password,
                SERVICE_ENV: service}  # fmt: skip

    def ingest(
        self,
        conn: Connection,
        settings: BlueskySource,
        *,
        window: Window | None = None,
        retry: Any = None,
        now: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Any:
        # atproto takes half a second to import: only here, never when a DAG file is parsed.
        from ingest.bluesky_source import ingest_bluesky, make_client
        from ingest.retry import RetryPolicy

        handle, password = os.environ.get(HANDLE_ENV), os.environ.get(APP_PASSWORD_ENV)
        if not handle or not password:
            raise SourceAccessError(
                f"source {settings.name!r}: set {HANDLE_ENV} and {APP_PASSWORD_ENV} "
                "(or the Airflow connection echolot_bluesky) to read Bluesky"
            )
        policy = retry or RetryPolicy(
            max_rate_limit_wait_seconds=settings.max_rate_limit_wait_seconds
        )
        service = os.environ.get(SERVICE_ENV) or settings.service
        client = make_client(service, handle, password, policy)
        return ingest_bluesky(
            conn, settings, client, window=window, retry=policy, now=now, on_page=on_page
        )


SOURCE = BlueskyPlugin()
