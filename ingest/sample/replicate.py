"""Larger corpora for benchmarks and crash tests: the sample X pages with shifted ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SAMPLE_X_PAGES = Path(__file__).resolve().parent / "data" / "x_search.jsonl"
_ID_KEYS = {"id", "author_id", "conversation_id", "in_reply_to_user_id", "newest_id", "oldest_id"}
# Larger than any real snowflake id, so copies never collide with each other or the original.
ID_OFFSET = 10**19


def shifted(value: Any, offset: int) -> Any:
    """A copy of a page whose tweet and user ids are moved by `offset`."""
    if isinstance(value, dict):
        return {
            k: str(int(v) + offset)
            if k in _ID_KEYS and isinstance(v, str) and v.isdigit()
            else shifted(v, offset)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            str(int(v) + offset) if isinstance(v, str) and v.isdigit() else shifted(v, offset)
            for v in value
        ]
    return value


def replicated_pages(copies: int, path: Path = SAMPLE_X_PAGES) -> Iterator[dict[str, Any]]:
    originals = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for copy in range(copies):
        for page in originals:
            yield shifted(page, copy * ID_OFFSET)


def write_replicated(out: Path, copies: int) -> Path:
    with out.open("w", encoding="utf-8") as handle:
        for page in replicated_pages(copies):
            handle.write(json.dumps(page, ensure_ascii=False) + "\n")
    return out
