"""A database connection for one command or task: resolved, connected, schema up to date."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2.extensions

from echolot import migrations
from echolot.database import connect, resolve_database_url


@contextmanager
def database(
    data_dir: Path | None = None, *, migrate: bool = True
) -> Iterator[psycopg2.extensions.connection]:
    """$ECHOLOT_DATABASE_URL, or the embedded server under `data_dir`; closed on the way out.

    `migrate=False` is for the commands that manage or report on the schema themselves.
    """
    conn = connect(resolve_database_url(data_dir))
    try:
        if migrate:
            migrations.migrate(conn)
        yield conn
    finally:
        conn.close()
