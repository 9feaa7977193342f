"""Ordered SQL migrations from `sql/migrations`, each applied in its own transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.extensions

from echolot.errors import MigrationError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "sql" / "migrations"

_CREATE_TRACKING_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     text        PRIMARY KEY,
    filename    text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""
# Two processes migrating at once must not both apply the same file.
_MIGRATION_LOCK_KEY = 0x6563686F6C6F74


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Files named NNNN_description.sql, in version order."""
    # An install that lost the sql/ folder must not "succeed" by applying nothing.
    if not folder.is_dir() or not any(folder.glob("*.sql")):
        raise MigrationError(f"no migration files in {folder}; install Echolot with `pip -e .`")
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        version = path.name.split("_", 1)[0]
        if not version.isdigit():
            raise MigrationError(f"{path}: migration file names must start with a number")
        migrations.append(Migration(version=version, path=path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migration files share a version number")
    return migrations


def applied_versions(conn: psycopg2.extensions.connection) -> dict[str, str]:
    with conn, conn.cursor() as cur:
        cur.execute(_CREATE_TRACKING_TABLE)
        cur.execute("SELECT version, checksum FROM schema_migrations")
        return dict(cur.fetchall())


def migrate(conn: psycopg2.extensions.connection, folder: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the file names applied. Safe to run repeatedly."""
    applied_now: list[str] = []
    with conn, conn.cursor() as cur:
        cur.execute(_CREATE_TRACKING_TABLE)
    for migration in discover(folder):
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_KEY,))
            cur.execute(
                "SELECT checksum FROM schema_migrations WHERE version = %s", (migration.version,)
            )
            row = cur.fetchone()
            if row is not None:
                if row[0] != migration.checksum:
                    raise MigrationError(
                        f"{migration.path.name}: already applied, but the file has changed "
                        "since; add a new migration instead of editing an applied one"
                    )
                continue
            _apply(cur, migration)
        applied_now.append(migration.path.name)
    return applied_now


def _apply(cur: psycopg2.extensions.cursor, migration: Migration) -> None:
    try:
        cur.execute(migration.sql)
    except psycopg2.Error as exc:
        detail = (exc.pgerror or str(exc)).strip()
        # Raising inside `with conn` rolls the whole file back.
        raise MigrationError(
            f"migration {migration.path.name} failed and was rolled back: {detail}"
        ) from None
    cur.execute(
        "INSERT INTO schema_migrations (version, filename, checksum) VALUES (%s, %s, %s)",
        (migration.version, migration.path.name, migration.checksum),
    )
