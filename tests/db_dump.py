"""Every stored string of a database, for tests that grep it for what must not be there.

Reads each text, varchar, json, jsonb and array column of every base table in the public
schema (what `pg_dump --data-only` would print for them), table by table.
"""

from __future__ import annotations

import psycopg2.extensions
from psycopg2 import sql

_TEXTUAL = ("text", "character varying", "json", "jsonb", "ARRAY", "USER-DEFINED")


def dump_strings(
    conn: psycopg2.extensions.connection, skip: tuple[str, ...] = ()
) -> dict[str, str]:
    """table -> all its textual values, one per line."""
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
            "AND c.data_type = ANY(%s) ORDER BY 1, c.ordinal_position",
            (list(_TEXTUAL),),
        )
        columns: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            if table not in skip:
                columns.setdefault(table, []).append(column)
        out = {}
        for table, names in columns.items():
            cur.execute(
                sql.SQL("SELECT concat_ws(E'\\n', {}) FROM {}").format(
                    sql.SQL(", ").join(
                        sql.SQL("{}::text").format(sql.Identifier(n)) for n in names
                    ),
                    sql.Identifier(table),
                )
            )
            out[table] = "\n".join(row[0] or "" for row in cur.fetchall())
    return out


def tables_containing(dump: dict[str, str], needle: str) -> list[str]:
    return sorted(table for table, text in dump.items() if needle.lower() in text.lower())
