"""Every post a finding rests on, one page at a time, as `echolot findings show ID` prints it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from echolot import store
from echolot.errors import UsageError
from echolot.store import evidence as evidence_store

DEFAULT_PAGE_SIZE = 50
_TEXT_CHARS = 280


def evidence_page(
    cur: store.Cursor, finding_id: int, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> tuple[int, list[dict[str, Any]]]:
    """(posts in all, the posts of page `page`, 1-based) in evidence order."""
    if page < 1 or page_size < 1:
        raise UsageError("page and page size start at 1")
    return evidence_store.finding_evidence_page(
        cur, finding_id, offset=(page - 1) * page_size, limit=page_size
    )


def format_page(
    finding_id: int, total: int, rows: list[dict[str, Any]], page: int, page_size: int
) -> str:
    """Lines of one page: rank, quoted mark, time, author, platform, sub-theme, text, link."""
    pages = max(1, -(-total // page_size))
    lines = [f"Evidence of finding {finding_id}: {total} post{'s' if total != 1 else ''}, "
             f"page {page} of {pages} ({page_size} a page)"]  # fmt: skip
    if not rows:
        lines.append("  (no posts on this page)" if total else "  (no posts stored)")
    for row in rows:
        mark = "*" if row["quoted"] else " "
        theme = f" [{row['subtheme']}]" if row["subtheme"] else ""
        text = " ".join((row["text"] or "").split())
        if len(text) > _TEXT_CHARS:
            text = text[: _TEXT_CHARS - 1].rstrip() + "…"
        lines.append(f"{mark}{row['rank']:>5}  {_time(row['created_at'])}  "
                     f"@{row['author'] or '?'} ({row['platform']}){theme}")  # fmt: skip
        lines.append(f"        {text}")
        if row["url"]:
            lines.append(f"        {row['url']}")
    if page < pages:
        size = f" --page-size {page_size}" if page_size != DEFAULT_PAGE_SIZE else ""
        lines.append(f"next: echolot findings show {finding_id} --page {page + 1}{size}")
    lines.append("(* quoted in digests)")
    return "\n".join(lines) + "\n"


def _time(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" if moment else "?"
