"""The Reddit source plug-in (`type: reddit`): subreddit listings and searches through praw."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection

from echolot.config import RedditSource
from echolot.models import Window

CLIENT_ID_ENV = "ECHOLOT_REDDIT_CLIENT_ID"
CLIENT_SECRET_ENV = "ECHOLOT_REDDIT_CLIENT_SECRET"
USER_AGENT_ENV = "ECHOLOT_REDDIT_USER_AGENT"


class RedditPlugin:
    type_name = "reddit"
    settings = RedditSource
    api_pool = "echolot_reddit_api"
    connection_id = "echolot_reddit"

    def environment(self, connection: Any) -> dict[str, str | None]:
        return {
            CLIENT_ID_ENV: connection.login,
            CLIENT_SECRET_ENV: connection.password,
            USER_AGENT_ENV: connection.extra_dejson.get("user_agent"),
        }

    def ingest(
        self,
        conn: Connection,
        settings: RedditSource,
        *,
        window: Window | None = None,
        retry: Any = None,
        now: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Any:
        # praw is imported here, not at module level: DAG files load every plug-in.
        from ingest.reddit_connector import reddit_from_environment
        from ingest.reddit_source import ingest_reddit

        return ingest_reddit(
            conn, settings, reddit_from_environment(), window=window, retry=retry, now=now,
            on_page=on_page,
        )  # fmt: skip


SOURCE = RedditPlugin()
