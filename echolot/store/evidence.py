"""Findings' evidence: the posts detectors judge with the brand scope the NLP stage stored, and
every post a finding rests on (`finding_evidence`), for digests and `echolot findings show`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg2.extras

from echolot.store.bulk import Cursor, dict_rows

# Brand scope of a post, as the NLP stage decided and stored it (migration 0008): canonical
# names of the own brands, competitors and products it is about, after the relevance rules.
# Posts the NLP stage has not analysed have none and count as relevant.
_SCOPE_COLUMNS = """
    COALESCE(n.brands, '{}') AS brands, COALESCE(n.competitors, '{}') AS competitors,
    COALESCE(n.products, '{}') AS products, COALESCE(n.relevant, true) AS relevant
"""


def scoped_posts(cur: Cursor, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every post created in [start, end) with what the detectors judge it by, its brand scope
    (`brands`, `competitors`, `products`, `relevant`) and whom it replies to (`parent_id`, the
    parent's author as `parent_author` when the parent is stored).

    `reach` is the author's audience at posting time (SQL `author_audience_at`, migration 0013);
    0 when never measured, and `audience_known` says whether it was.
    """
    cur.execute(
        f"""
        SELECT p.id, p.platform, p.created_at, p.text, p.url, p.kind, p.author_id,
               a.username, n.lang, COALESCE(n.intents, '{{}}'::jsonb) AS intents,
               COALESCE(n.product_areas, '{{}}') AS product_areas, n.topic_id,
               s.sentiment_polarity AS polarity, s.sentiment_label,
               COALESCE(p.like_count, 0) + COALESCE(p.repost_count, 0)
                 + COALESCE(p.quote_count, 0) + COALESCE(p.reply_count, 0)
                 + COALESCE(p.score, 0) AS engagement,
               COALESCE(au.audience, 0) AS reach, au.audience IS NOT NULL AS audience_known,
               p.parent_id, pa.username AS parent_author,
               {_SCOPE_COLUMNS}
        FROM posts p
        LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
        LEFT JOIN post_nlp n ON n.post_id = p.id
        LEFT JOIN LATERAL latest_sentiment(p.id) s ON true
        LEFT JOIN LATERAL author_audience_at(p.platform, p.author_id, p.created_at) au ON true
        LEFT JOIN posts pp ON pp.platform = p.platform AND pp.platform_id = p.parent_id
        LEFT JOIN authors pa ON pa.platform = pp.platform AND pa.platform_id = pp.author_id
        WHERE p.created_at >= %s AND p.created_at < %s
        ORDER BY p.created_at, p.id
        """,
        (start, end),
    )
    return dict_rows(cur)


def post_scopes(cur: Cursor, post_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """id -> the brands, competitors and products the post is about (as stored by the NLP
    stage), for routing to keep a brand-filtered team's evidence to that brand's posts."""
    if not post_ids:
        return {}
    cur.execute(
        f"SELECT n.post_id AS id, {_SCOPE_COLUMNS} FROM post_nlp n WHERE n.post_id = ANY(%s)",
        (list(post_ids),),
    )
    return {row.pop("id"): row for row in dict_rows(cur)}


EvidenceEntry = tuple[int, bool, str | None]  # post id, quoted, sub-theme label


def replace_finding_evidence(
    cur: Cursor,
    project: str,
    findings: Sequence[tuple[tuple[str, str, str, datetime, datetime], Sequence[EvidenceEntry]]],
) -> int:
    """Store every post each finding rests on, in order (rank 1 first), replacing what the
    finding had. Findings are named by their key (kind, scope_kind, scope_value, window_start,
    window_end) within `project`; returns the rows written."""
    written = 0
    for (kind, scope_kind, scope_value, start, end), entries in findings:
        cur.execute(
            "SELECT id FROM findings WHERE project = %s AND kind = %s AND scope_kind = %s "
            "AND scope_value = %s AND window_start = %s AND window_end = %s",
            (project, kind, scope_kind, scope_value, start, end),
        )
        found = cur.fetchone()
        if found is None:
            continue
        finding_id = found[0]
        cur.execute("DELETE FROM finding_evidence WHERE finding_id = %s", (finding_id,))
        seen: set[int] = set()
        rows = []
        for post_id, quoted, subtheme in entries:
            if post_id in seen:
                continue
            seen.add(post_id)
            rows.append((finding_id, post_id, len(rows) + 1, quoted, subtheme))
        # Posts forgotten since they were loaded are skipped, not an error.
        psycopg2.extras.execute_values(
            cur,
            "INSERT INTO finding_evidence (finding_id, post_id, rank, quoted, subtheme) "
            "SELECT v.finding_id, v.post_id, v.rank, v.quoted, v.subtheme "
            "FROM (VALUES %s) AS v(finding_id, post_id, rank, quoted, subtheme) "
            "JOIN posts p ON p.id = v.post_id",
            rows,
            template="(%s::bigint, %s::bigint, %s::int, %s::boolean, %s::text)",
            page_size=1000,
        )
        written += len(rows)
    return written


def finding_evidence_page(
    cur: Cursor, finding_id: int, offset: int = 0, limit: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of a finding's evidence in rank order) with each post's text, author,
    platform, time, link and sub-theme."""
    cur.execute("SELECT count(*) FROM finding_evidence WHERE finding_id = %s", (finding_id,))
    total = cur.fetchone()[0]
    cur.execute(
        """
        SELECT rank, quoted, subtheme, post_id, platform, post_kind, created_at, author, text, url
        FROM v_finding_evidence WHERE finding_id = %s ORDER BY rank OFFSET %s LIMIT %s
        """,
        (finding_id, offset, limit),
    )
    return total, dict_rows(cur)


def evidence_counts(cur: Cursor, finding_ids: Sequence[int]) -> dict[int, int]:
    """finding id -> how many posts it rests on."""
    if not finding_ids:
        return {}
    cur.execute(
        "SELECT finding_id, count(*) FROM finding_evidence WHERE finding_id = ANY(%s) "
        "GROUP BY finding_id",
        (list(finding_ids),),
    )
    return dict(cur.fetchall())
