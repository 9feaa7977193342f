"""Reading a corpus file back for the generator scripts of this folder."""

from __future__ import annotations

import json
from pathlib import Path


def rows_not_from(path: Path, source: str) -> list[dict]:
    """The rows of a JSONL corpus, in order, without those a generator tagged `source`.

    A missing file has no rows; a line that is not JSON stops the script with its line number.
    """
    kept = []
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{number}: not JSON ({exc})") from None
                if row.get("source") != source:
                    kept.append(row)
    return kept
