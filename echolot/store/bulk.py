"""The machinery every store module writes through: COPY into a temporary table and one
INSERT .. ON CONFLICT, so a batch is a single round trip and rerunning it changes nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg2.extensions
import psycopg2.extras

Cursor = psycopg2.extensions.cursor


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


@dataclass(frozen=True)
class Json:
    """Marks a value for a json/jsonb column (a list would otherwise become a SQL array)."""

    value: Any


def _copy_value(value: Any) -> str:
    """Render one value in COPY's text format (NULL is \\N; tabs and newlines escaped)."""
    if value is None:
        return r"\N"
    if type(value) is str:  # the common case first: this runs for every column of every row
        text = value
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, Json):
        text = json.dumps(value.value, ensure_ascii=False, default=str)
    elif isinstance(value, list | tuple):
        text = "{" + ",".join(_array_item(v) for v in value) + "}"
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array_item(value: Any) -> str:
    """One element of a SQL array literal; strings are quoted so commas and spaces survive."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _copy_rows(cur: Cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def copy_upsert(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    key: Sequence[str],
    update: dict[str, str] | None = None,
    changed_when: str | None = None,
) -> UpsertCounts:
    """Upsert rows; `update` maps column -> SQL expression, `changed_when` limits rewrites."""
    if not rows:
        return UpsertCounts()
    # ON CONFLICT cannot touch one row twice in a statement, so keep the last of each key.
    key_index = [columns.index(k) for k in key]
    unique = list({tuple(row[i] for i in key_index): row for row in rows}.values())
    staging = f"staging_{table}"
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
        f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    # Empty unless this table was already upserted in this transaction; DELETE is cheaper
    # than TRUNCATE on a temp table that is usually empty.
    cur.execute(f"DELETE FROM {staging}")
    _copy_rows(cur, staging, columns, unique)
    column_list = ", ".join(columns)
    if update:
        assignments = ", ".join(f"{col} = {expr}" for col, expr in update.items())
        action = f"DO UPDATE SET {assignments}"
        if changed_when:
            action += f" WHERE {changed_when}"
    else:
        action = "DO NOTHING"
    cur.execute(
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
        f"ON CONFLICT ({', '.join(key)}) {action} RETURNING (xmax = 0)"
    )
    flags = [row[0] for row in cur.fetchall()]
    inserted = sum(flags)
    updated = len(flags) - inserted
    return UpsertCounts(inserted, updated, len(unique) - len(flags))


def dict_rows(cur: Cursor) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
