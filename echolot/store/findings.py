"""Findings: what the detectors read (posts with their signals, topic summaries, embeddings,
evidence) and the findings they write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from echolot.store.bulk import Cursor, UpsertCounts, copy_upsert, dict_rows


class FindingRow(NamedTuple):
    """A finding as stored; the first six fields identify it, so a rerun updates it in place."""

    project: str
    kind: str
    scope_kind: str
    scope_value: str
    window_start: datetime
    window_end: datetime
    severity: str
    headline: str
    metrics: dict[str, Any]
    evidence_post_ids: list[int]
    details: dict[str, Any]


_FINDING_COLUMNS = FindingRow._fields


def upsert_findings(cur: Cursor, rows: Sequence[FindingRow]) -> UpsertCounts:
    changing = ("severity", "headline", "metrics", "evidence_post_ids", "details")
    return copy_upsert(
        cur,
        "findings",
        _FINDING_COLUMNS,
        rows,
        key=_FINDING_COLUMNS[:6],
        # Found again: a withdrawn finding comes back under its id (digests may cite it).
        update={
            **{c: f"EXCLUDED.{c}" for c in changing},
            "updated_at": "now()",
            "withdrawn_at": "NULL",
            "withdrawn_reason": "NULL",
        },
        changed_when=" OR ".join(
            [f"findings.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in changing]
            + ["findings.withdrawn_at IS NOT NULL"]
        ),
    )


def findings_in_window(
    cur: Cursor,
    project: str,
    kinds: Sequence[str],
    start: datetime,
    end: datetime,
    overlapping: bool = False,
) -> list[dict[str, Any]]:
    """Findings whose window closed inside (start, end]: what became complete in that period;
    with `overlapping`, every finding whose window overlaps [start, end] (for alerts)."""
    condition = (
        "window_start <= %s AND window_end > %s" if overlapping
        else "window_end <= %s AND window_end > %s"
    )  # fmt: skip
    cur.execute(
        f"""
        SELECT id, kind, scope_kind, scope_value, window_start, window_end, severity, headline,
               metrics, evidence_post_ids, details, updated_at
        FROM findings
        WHERE project = %s AND kind = ANY(%s) AND {condition} AND withdrawn_at IS NULL
        ORDER BY window_start, kind, scope_value
        """,
        (project, list(kinds), end, start),
    )
    return dict_rows(cur)


def withdraw_stale_findings(
    cur: Cursor, project: str, kind: str, start: datetime, end: datetime, kept: Sequence[tuple]
) -> int:
    """Mark withdrawn the live findings of `kind` starting in [start, end) that a fresh detection
    no longer produced (the data changed); `kept` holds the (scope_kind, scope_value,
    window_start, window_end) of the findings just written. Never deleted: a digest may cite
    them, and their ids must keep resolving."""
    reason = (
        f"no longer supported by the data: {kind} findings of {start:%Y-%m-%d %H:%M} to "
        f"{end:%Y-%m-%d %H:%M} UTC were recomputed without it"
    )
    cur.execute(
        """
        UPDATE findings f SET withdrawn_at = now(), withdrawn_reason = %s
        WHERE f.project = %s AND f.kind = %s AND f.window_start >= %s AND f.window_start < %s
          AND f.withdrawn_at IS NULL
          AND (f.scope_kind, f.scope_value, f.window_start, f.window_end) NOT IN (
              SELECT k.scope_kind, k.scope_value, k.window_start, k.window_end
              FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                   AS k(scope_kind, scope_value, window_start, window_end))
        """,
        (reason, project, kind, start, end, *([list(col) for col in zip(*kept, strict=True)]
                                              if kept else [[], [], [], []])),
    )  # fmt: skip
    return cur.rowcount


def finding_by_id(cur: Cursor, finding_id: int) -> dict[str, Any] | None:
    """One finding, live or withdrawn (with when and why), and the digests that cited it, for
    `echolot findings show`."""
    cur.execute(
        """
        SELECT f.id, f.project, f.kind, f.scope_kind, f.scope_value, f.window_start,
               f.window_end, f.severity, f.headline, f.metrics, f.evidence_post_ids, f.details,
               f.created_at, f.updated_at, f.withdrawn_at, f.withdrawn_reason,
               ARRAY(SELECT d.id || ' ' || d.team FROM digests d
                     WHERE d.finding_ids @> ARRAY[f.id] ORDER BY d.id) AS cited_by
        FROM findings f WHERE f.id = %s
        """,
        (finding_id,),
    )
    rows = dict_rows(cur)
    return rows[0] if rows else None


def findings_of_kind_since(
    cur: Cursor, project: str, kind: str, since: datetime
) -> list[dict[str, Any]]:
    """Stored findings of one kind whose window ends after `since` (for cooldowns)."""
    cur.execute(
        "SELECT id, scope_kind, scope_value, window_start, window_end, severity, metrics "
        "FROM findings WHERE project = %s AND kind = %s AND window_end > %s "
        "AND withdrawn_at IS NULL ORDER BY window_start",
        (project, kind, since),
    )
    return dict_rows(cur)


def topic_summaries(cur: Cursor, topic_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """id -> label, keywords, product area and the time of the topic's first post."""
    cur.execute(
        """
        SELECT t.id, t.label, t.keywords, t.product_area, min(p.created_at) AS first_post_at
        FROM topics t
        LEFT JOIN post_nlp n ON n.topic_id = t.id
        LEFT JOIN posts p ON p.id = n.post_id
        WHERE t.id = ANY(%s)
        GROUP BY t.id
        """,
        (list(topic_ids),),
    )
    return {topic["id"]: topic for topic in dict_rows(cur)}


def embeddings_of(cur: Cursor, post_ids: Sequence[int]) -> dict[int, list[float]]:
    cur.execute(
        "SELECT post_id, embedding FROM post_embeddings WHERE post_id = ANY(%s)",
        (list(post_ids),),
    )
    return dict(cur.fetchall())


def evidence_posts(cur: Cursor, post_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """id -> what a digest quotes of a post: text, url, platform, author, time, and `reach`,
    the author's audience at posting time (0 when never measured)."""
    if not post_ids:
        return {}
    cur.execute(
        """
        SELECT p.id, p.platform, p.text, p.url, p.created_at, a.username AS author,
               COALESCE(au.audience, 0) AS reach
        FROM posts p
        LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
        LEFT JOIN LATERAL author_audience_at(p.platform, p.author_id, p.created_at) au ON true
        WHERE p.id = ANY(%s)
        """,
        (list(post_ids),),
    )
    return {post["id"]: post for post in dict_rows(cur)}
