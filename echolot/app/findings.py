"""`echolot findings show ID`: one finding as a reader of a digest wants to look it up.

Every id a digest ever cited resolves: a finding the data no longer supports is withdrawn, not
deleted, and this says when and why.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from echolot import store
from echolot.errors import UsageError
from routing.evidence_pages import DEFAULT_PAGE_SIZE, evidence_page, format_page


def describe(cur: store.Cursor, finding_id: int) -> list[str]:
    """The finding's lines: what, when, how severe, whether withdrawn, figures, evidence, and
    which digests cited it. UsageError when there is no such finding."""
    found = store.finding_by_id(cur, finding_id)
    if found is None:
        raise UsageError(f"no finding with id {finding_id}")
    lines = [
        f"finding {found['id']} — {found['project']} / {found['kind']}, "
        f"{found['scope_kind']} {found['scope_value']}",
        f"window     {_utc(found['window_start'])} – {_utc(found['window_end'])}",
        f"severity   {found['severity']}",
        f"headline   {found['headline']}",
    ]
    if found["withdrawn_at"] is not None:
        lines.append(
            f"WITHDRAWN  {_utc(found['withdrawn_at'])}: {found['withdrawn_reason']} "
            "(kept so digests that cited it still resolve)"
        )
    else:
        lines.append(f"status     live (last recomputed {_utc(found['updated_at'])})")
    for key, value in sorted(_figures(found["metrics"]).items()):
        lines.append(f"  {key}: {value}")
    evidence = found["evidence_post_ids"] or []
    lines.append(f"evidence   {len(evidence)} posts" + (f": {_ids(evidence)}" if evidence else ""))
    cited = found["cited_by"] or []
    citing = ", ".join(f"digest {c}" for c in cited) or "no digest"
    lines.append(f"cited by   {citing}")
    return lines


def evidence(
    cur: store.Cursor, finding_id: int, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> str:
    """Every post the finding rests on (not only what digests quote), one page at a time."""
    if page < 1 or page_size < 1:
        raise UsageError("--page and --page-size start at 1")
    total, rows = evidence_page(cur, finding_id, page, page_size)
    return format_page(finding_id, total, rows, page, page_size)


def _figures(metrics: dict[str, Any]) -> dict[str, str]:
    # Scalars as they are; lists and objects as compact JSON, cut so one line stays one line.
    out = {}
    for key, value in (metrics or {}).items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        out[key] = text if len(text) <= 100 else text[:99] + "…"
    return out


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
