"""The Mastodon source plug-in (`type: mastodon`): hashtag timelines and search per instance.

Credentials: an access token of an application on the instance (Preferences -> Development,
scope `read`), from the environment variable named by `access_token_env` (default
ECHOLOT_MASTODON_ACCESS_TOKEN) or the Airflow connection `echolot_mastodon` (password = token).
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

ACCESS_TOKEN_ENV = "ECHOLOT_MASTODON_ACCESS_TOKEN"


class MastodonSource(Strict):
    type: Literal["mastodon"]
    name: Name
    enabled: bool = True
    # The instance's base URL, e.g. https://mastodon.social (one source per instance).
    instance: str = Field(pattern=r"^https?://[^\s/]+(:\d+)?/?$")
    hashtags: list[str] = Field(default_factory=list)
    # Status search (needs the token; full-text search depends on the instance).
    queries: list[str] = Field(default_factory=list)
    page_size: int = Field(default=40, gt=0, le=40)
    max_pages: int = Field(default=50, gt=0)
    # How far back the first run of a hashtag or query starts.
    initial_days: int = Field(default=1, gt=0, le=365)
    # Name of the environment variable holding this instance's token (never the token).
    access_token_env: str = Field(default=ACCESS_TOKEN_ENV, pattern=r"^[A-Z_][A-Z0-9_]*$")
    max_rate_limit_wait_seconds: int = Field(default=60, ge=0)

    @model_validator(mode="after")
    def _something_to_read(self) -> MastodonSource:
        if not self.hashtags and not self.queries:
            raise ValueError("give `hashtags`, `queries` or both")
        return self


class MastodonPlugin:
    type_name = "mastodon"
    settings = MastodonSource
    api_pool = "echolot_mastodon_api"
    connection_id = "echolot_mastodon"

    def environment(self, connection: Any) -> dict[str, str | None]:
        return {ACCESS_TOKEN_ENV: connection.password}

    def ingest(
        self,
        conn: Connection,
        settings: MastodonSource,
        *,
        window: Window | None = None,
        retry: Any = None,
        now: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Any:
        from ingest.mastodon_source import ingest_mastodon, make_client
        from ingest.retry import RetryPolicy

        token = os.environ.get(settings.access_token_env)
        if not token:
            raise SourceAccessError(
                f"source {settings.name!r}: set {settings.access_token_env} (or the Airflow "
                "connection echolot_mastodon) to read Mastodon"
            )
        policy = retry or RetryPolicy(
            max_rate_limit_wait_seconds=settings.max_rate_limit_wait_seconds
        )
        api = make_client(settings.instance.rstrip("/"), token)
        return ingest_mastodon(
            conn, settings, api, window=window, retry=policy, now=now, on_page=on_page
        )


SOURCE = MastodonPlugin()
