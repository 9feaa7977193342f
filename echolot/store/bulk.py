"""The machinery every store module writes through: COPY into a temporary table and one
INSERT .. ON CONFLICT, so a batch is a single round trip and rerunning it changes nothing;
and binary COPY straight from numpy columns for results of a million rows."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import numpy as np
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
    staging = _empty_staging(cur, table)
    _copy_rows(cur, staging, columns, unique)
    return _merge_staging(cur, table, columns, key, update, changed_when, len(unique))


def _empty_staging(cur: Cursor, table: str) -> str:
    staging = f"staging_{table}"
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
        f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    # Empty unless this table was already upserted in this transaction; DELETE is cheaper
    # than TRUNCATE on a temp table that is usually empty.
    cur.execute(f"DELETE FROM {staging}")
    return staging


def _merge_staging(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    update: dict[str, str] | None,
    changed_when: str | None,
    staged: int,
) -> UpsertCounts:
    """One INSERT .. ON CONFLICT from the staging table (rows unique by key)."""
    staging = f"staging_{table}"
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
    return UpsertCounts(inserted, updated, staged - len(flags))


def dict_rows(cur: Cursor) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# ------------------------------------------------------------ columnar binary COPY (no row objects)
# Large results (a million influence rows) go to the server as one binary COPY stream built
# from numpy arrays: each column is a (rows, width) byte matrix that already holds its 4-byte
# length prefix, a block of rows is those matrices side by side, so no Python object is made
# per row or value. Within a block every row has the same layout; callers group rows so (text
# of equal byte length, NULL or not).

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags 0, no header extension
_COPY_TRAILER = b"\xff\xff"
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_FLOAT4_OID = 700
# repr() of a float64 needs at most 24 characters ('-1.2345678901234567e-100').
FLOAT_TEXT_WIDTH = 24


def _prefixed(length: int, payload: np.ndarray) -> np.ndarray:
    """(rows, 4 + width) uint8: the field's length then its bytes."""
    head = np.broadcast_to(np.frombuffer(struct.pack(">i", length), np.uint8), (len(payload), 4))
    return np.concatenate([head, payload], axis=1)


def binary_float8(values: np.ndarray) -> np.ndarray:
    """Doubles exactly as stored (big-endian IEEE 754), no text round trip."""
    raw = np.ascontiguousarray(values, dtype=">f8").view(np.uint8).reshape(-1, 8)
    return _prefixed(8, raw)


def binary_int(values: np.ndarray, size: int) -> np.ndarray:
    """int2/int4/int8 (size 2, 4 or 8 bytes)."""
    raw = np.ascontiguousarray(values, dtype=f">i{size}").view(np.uint8).reshape(-1, size)
    return _prefixed(size, raw)


def binary_bool(values: np.ndarray) -> np.ndarray:
    return _prefixed(1, np.asarray(values, bool).astype(np.uint8).reshape(-1, 1))


def binary_null(rows: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(struct.pack(">i", -1), np.uint8), (rows, 4))


def binary_bytes(values: np.ndarray) -> np.ndarray:
    """text (or a jsonb body) from an 'S' array whose every value has the array's full width."""
    width = values.dtype.itemsize
    return _prefixed(width, np.ascontiguousarray(values).view(np.uint8).reshape(-1, width))


def binary_float4_arrays(matrix: np.ndarray) -> np.ndarray:
    """real[] values, one row of `matrix` each (exact: IEEE single bytes, no text)."""
    rows, width = matrix.shape
    header = struct.pack(">iiiii", 1, 0, _FLOAT4_OID, width, 1)  # 1-D, no NULLs, lower bound 1
    elements = np.empty((rows, width, 8), np.uint8)
    elements[:, :, :4] = np.frombuffer(struct.pack(">i", 4), np.uint8)
    elements[:, :, 4:] = np.ascontiguousarray(matrix, ">f4").view(np.uint8).reshape(rows, width, 4)
    body = np.concatenate(
        [binary_constant(header, rows), elements.reshape(rows, width * 8)], axis=1
    )
    return _prefixed(body.shape[1], body)


def binary_constant(value: bytes, rows: int) -> np.ndarray:
    """The same encoded field (length prefix included) in every row."""
    return np.broadcast_to(np.frombuffer(value, np.uint8), (rows, len(value)))


def binary_text_value(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">i", len(data)) + data


def binary_timestamptz_value(moment: datetime) -> bytes:
    """Microseconds since 2000-01-01 UTC (integer datetimes, the default since PostgreSQL 10)."""
    delta = moment - _PG_EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return struct.pack(">iq", 8, micros)


def binary_int8_value(value: int) -> bytes:
    return struct.pack(">iq", 8, value)


def float_text(values: np.ndarray) -> np.ndarray:
    """Each double as repr() writes it (shortest round trip: what json.dumps stores), as 'S'
    right-padded with NUL; duplicates are formatted once."""
    unique, inverse = np.unique(np.asarray(values, np.float64), return_inverse=True)
    return _narrowed(unique.astype(f"S{FLOAT_TEXT_WIDTH}"))[inverse.reshape(-1)]


@cache
def _small_ints() -> np.ndarray:
    return np.arange(100_000).astype("S5")


def int_text(values: np.ndarray) -> np.ndarray:
    """Each integer in decimal, as 'S' right-padded with NUL (small ones from a table)."""
    ints = np.asarray(values).astype(np.int64)
    table = _small_ints()
    small = (ints >= 0) & (ints < len(table))
    if small.all():
        return _narrowed(table[ints])
    text = ints.astype("S20")
    text[small] = table[ints[small]]
    return _narrowed(text)


def _narrowed(text: np.ndarray) -> np.ndarray:
    """The same values in the narrowest 'S' width that holds the longest."""
    width = int(np.strings.str_len(text).max(initial=1))
    return text.astype(f"S{max(width, 1)}")


def json_block(pieces: Sequence[bytes | np.ndarray], rows: int) -> np.ndarray:
    """JSON texts of `rows` rows, one fixed width for all: literal pieces and number columns
    ('S' arrays from float_text/int_text) in order; number padding becomes spaces, which JSON
    ignores and jsonb does not store."""
    parts = []
    for piece in pieces:
        if isinstance(piece, bytes):
            parts.append(np.broadcast_to(np.frombuffer(piece, np.uint8), (rows, len(piece))))
        else:
            matrix = np.ascontiguousarray(piece).view(np.uint8).reshape(rows, -1)
            parts.append(np.maximum(matrix, ord(" ")))  # NUL padding -> spaces
    matrix = np.concatenate(parts, axis=1)
    return np.ascontiguousarray(matrix).view(f"S{matrix.shape[1]}").reshape(rows)


class _Chunks(io.RawIOBase):
    """A file for copy_expert that reads from an iterator of bytes, so the next block is built
    while the server parses the previous one."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = memoryview(chunk)
        size = len(self._pending) if size is None or size < 0 else size
        out, self._pending = self._pending[:size], self._pending[size:]
        return bytes(out)


def copy_upsert_blocks(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    blocks: Iterable[Sequence[np.ndarray]],
    key: Sequence[str],
    update: dict[str, str] | None = None,
) -> UpsertCounts:
    """copy_upsert for binary blocks (copy_binary_blocks); the rows must be unique by key."""
    staging = _empty_staging(cur, table)
    staged = copy_binary_blocks(cur, staging, columns, blocks)
    if not staged:
        return UpsertCounts()
    return _merge_staging(cur, table, columns, key, update, None, staged)


def copy_binary_blocks(
    cur: Cursor, table: str, columns: Sequence[str], blocks: Iterable[Sequence[np.ndarray]]
) -> int:
    """COPY blocks of rows in binary format; each block is one encoded field matrix per column
    (binary_* above), all with the same number of rows. Returns the rows written."""
    written = 0
    field_count = struct.pack(">h", len(columns))

    def stream() -> Iterator[bytes]:
        nonlocal written
        yield _COPY_SIGNATURE
        for fields in blocks:
            rows = len(fields[0])
            if rows:
                matrix = np.concatenate([binary_constant(field_count, rows), *fields], axis=1)
                written += rows
                yield matrix.tobytes()
        yield _COPY_TRAILER

    cur.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)",
        _Chunks(stream()),
        size=1 << 20,
    )
    return written
