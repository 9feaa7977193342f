import shutil
from pathlib import Path

import psycopg2
import pytest

from echolot import migrations
from echolot.errors import MigrationError


def tables(url: str) -> set[str]:
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = {row[0] for row in cur.fetchall()}
    conn.close()
    return names


def test_fresh_database_gets_every_table_and_rerun_is_a_no_op(new_database) -> None:
    url = new_database()
    conn = psycopg2.connect(url)
    applied = migrations.migrate(conn)
    assert applied == [m.path.name for m in migrations.discover()]
    assert migrations.migrate(conn) == []
    conn.close()
    assert tables(url) >= {
        "schema_migrations", "pipeline_runs", "authors", "author_snapshots", "posts",
        "interactions", "ingest_checkpoints", "quarantine", "post_scores", "topics",
        "author_influence", "findings", "campaign_kpis", "digests", "outbox",
    }  # fmt: skip


def test_failing_migration_rolls_back_and_names_the_file(new_database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for migration in migrations.discover():
        shutil.copy(migration.path, folder)
    (folder / "9000_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nALTER TABLE no_such_table ADD COLUMN x int;\n"
    )
    url = new_database()
    conn = psycopg2.connect(url)
    with pytest.raises(MigrationError) as error:
        migrations.migrate(conn, folder)
    assert "migration 9000_broken.sql failed and was rolled back" in str(error.value)
    assert 'relation "no_such_table" does not exist' in str(error.value)
    # Earlier files stay applied; nothing of the broken one remains.
    assert "half_done" not in tables(url)
    assert "9000" not in migrations.applied_versions(conn)
    assert "0001" in migrations.applied_versions(conn)
    conn.close()


def test_editing_an_applied_migration_is_refused(new_database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_one.sql").write_text("CREATE TABLE one (id int);\n")
    conn = psycopg2.connect(new_database())
    migrations.migrate(conn, folder)
    (folder / "0001_one.sql").write_text("CREATE TABLE one (id bigint);\n")
    with pytest.raises(
        MigrationError, match=r"0001_one\.sql: already applied, but the file has changed"
    ):
        migrations.migrate(conn, folder)
    conn.close()


def test_badly_named_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="must start with a number"):
        migrations.discover(tmp_path)


def test_a_missing_migrations_folder_is_an_error_not_an_empty_success(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="no migration files in"):
        migrations.discover(tmp_path / "absent")
