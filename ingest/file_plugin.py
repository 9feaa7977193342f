"""The file source plug-in (`type: file`): recorded API bodies and exports from other tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection

from echolot.config import FileSource
from echolot.models import Window


class FilePlugin:
    type_name = "file"
    settings = FileSource
    api_pool = None  # no API: files need no shared rate limit
    connection_id = None

    def environment(self, connection: Any) -> dict[str, str | None]:
        return {}

    def ingest(
        self,
        conn: Connection,
        settings: FileSource,
        *,
        window: Window | None = None,
        retry: Any = None,
        now: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Any:
        from ingest.runner import ingest_file

        # Files are replayed whole; a window does not apply to a recorded corpus.
        return ingest_file(conn, settings, on_page)


SOURCE = FilePlugin()
