"""`echolot db grant-readonly ROLE`: the role reads the reporting views and nothing else."""

from __future__ import annotations

import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest
from typer.testing import CliRunner

from echolot.cli import app


@pytest.fixture
def reader(db, database_url):
    role = f"echolot_reader_{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(app, ["db", "grant-readonly", role])
    assert result.exit_code == 0, result.output
    assert "v_campaign_kpis" in result.output and "v_author_influence" in result.output
    # A LOGIN role connecting over TCP with its own rights (trust auth on this machine).
    conn = psycopg2.connect(psycopg2.extensions.make_dsn(database_url, user=role))
    conn.autocommit = True
    yield role, conn
    conn.close()
    with db, db.cursor() as cur:
        cur.execute(f'DROP OWNED BY "{role}"')
        cur.execute(f'DROP ROLE "{role}"')


VIEWS = ("v_posts", "v_post_analysis", "v_topics", "v_author_influence", "v_opinion_leaders",
         "v_post_reach", "v_findings", "v_campaign_kpis", "v_digests")  # fmt: skip


def test_reader_selects_every_reporting_view(reader) -> None:
    _, conn = reader
    with conn.cursor() as cur:
        for view in VIEWS:
            cur.execute(f"SELECT count(*) FROM {view}")
            assert cur.fetchone()[0] == 0


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) FROM posts",
        "SELECT count(*) FROM author_influence",
        "SELECT count(*) FROM campaign_kpis",
        "INSERT INTO topics (project, label) VALUES ('p', 'l')",
        "INSERT INTO v_topics (project, label) VALUES ('p', 'l')",
        "DELETE FROM findings",
        "UPDATE v_findings SET headline = 'x'",
        "CREATE TABLE sneaky (id int)",
    ],
)
def test_reader_cannot_read_base_tables_or_write(reader, statement: str) -> None:
    _, conn = reader
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)


def test_granting_again_is_harmless_and_takes_back_extra_rights(db, reader) -> None:
    role, conn = reader
    with db, db.cursor() as cur:
        cur.execute(f'GRANT SELECT ON posts TO "{role}"')
    result = CliRunner().invoke(app, ["db", "grant-readonly", role])
    assert result.exit_code == 0, result.output
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("SELECT 1 FROM posts")


def base_tables(db) -> list[str]:
    with db, db.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        return [row[0] for row in cur.fetchall()]


def test_reader_reads_no_base_table_at_all(db, reader) -> None:
    _, conn = reader
    tables = base_tables(db)
    assert {"quarantine", "posts", "authors", "forgotten", "outbox"} <= set(tables)
    readable = []
    for table in tables:
        with conn.cursor() as cur:
            try:
                cur.execute(f'SELECT * FROM "{table}" LIMIT 1')
                readable.append(table)
            except psycopg2.errors.InsufficientPrivilege:
                pass
    assert readable == []


def test_reader_writes_to_no_table_or_view(db, reader) -> None:
    _, conn = reader
    writable = []
    for table in [*base_tables(db), *VIEWS]:
        for statement in (
            f'DELETE FROM "{table}"',
            f'UPDATE "{table}" SET {_first_column(db, table)} = NULL',
            f'TRUNCATE "{table}"',
        ):
            with conn.cursor() as cur:
                try:
                    cur.execute(statement)
                    writable.append(statement)
                except (
                    psycopg2.errors.InsufficientPrivilege,
                    psycopg2.errors.WrongObjectType,
                    psycopg2.errors.ObjectNotInPrerequisiteState,
                ):
                    pass
    assert writable == []


def _first_column(db, table: str) -> str:
    with db, db.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s ORDER BY ordinal_position LIMIT 1",
            (table,),
        )
        return f'"{cur.fetchone()[0]}"'


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE sneaky (id int)",
        "CREATE TEMP TABLE sneaky (id int)",
        "CREATE VIEW sneaky AS SELECT 1",
        "CREATE SCHEMA sneaky",
        "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SEQUENCE sneaky",
    ],
)
def test_reader_cannot_create_anything(reader, statement: str) -> None:
    _, conn = reader
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)
