"""Reach: cascades, interaction edges and active days read by the reach stage; influence,
post reach and campaign KPI chains it writes; campaign look-ups."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
import psycopg2.extras

from echolot.store import bulk
from echolot.store.bulk import Cursor, Json, UpsertCounts, copy_upsert, dict_rows

# One parent per post (a repost beats a quote beats a reply), for the cascade trees.
_PARENT_LINKS = """
    SELECT DISTINCT ON (c.id) c.id AS child, t.id AS parent
    FROM interactions i
    JOIN posts c ON c.platform = i.platform AND c.platform_id = i.source_post_id
    JOIN posts t ON t.platform = i.platform AND t.platform_id = i.target_post_id
    WHERE i.kind IN ('repost', 'quote', 'reply') AND i.target_post_id <> ''
      AND c.id <> t.id AND c.created_at < %(end)s
    ORDER BY c.id, CASE i.kind WHEN 'repost' THEN 0 WHEN 'quote' THEN 1 ELSE 2 END, t.id
"""


# A post's product areas: its own, plus its topic's.
_POST_AREAS = "array_remove(COALESCE(n.product_areas, '{}') || tp.product_area, NULL)"


def reach_posts(cur: Cursor, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Posts created in [start, end) with the whole cascade they belong to (ancestors of any
    age, descendants created before `end`), each with what the reach stage needs."""
    cur.execute(
        f"""
        WITH RECURSIVE links AS MATERIALIZED ({_PARENT_LINKS}),
        up AS (
            SELECT id FROM posts WHERE created_at >= %(start)s AND created_at < %(end)s
            UNION
            SELECT l.parent FROM links l JOIN up ON l.child = up.id
        ),
        down AS (
            SELECT id FROM up
            UNION
            SELECT l.child FROM links l JOIN down ON l.parent = down.id
        )
        SELECT p.id, p.platform, p.platform_id, p.author_id, a.username, p.kind, p.created_at,
               p.text, l.parent AS parent_id,
               (p.created_at >= %(start)s AND p.created_at < %(end)s) AS in_window,
               n.topic_id, {_POST_AREAS} AS areas,
               COALESCE(p.like_count, p.score, 0) AS likes, COALESCE(p.repost_count, 0) AS reposts,
               COALESCE(p.quote_count, 0) AS quotes, COALESCE(p.reply_count, 0) AS replies,
               p.impression_count AS impressions, COALESCE(au.audience, 0) AS audience,
               sc.sentiment_polarity AS polarity, COALESCE(n.intents, '{{}}') AS intents
        FROM down
        JOIN posts p ON p.id = down.id
        LEFT JOIN links l ON l.child = p.id
        LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
        LEFT JOIN post_nlp n ON n.post_id = p.id
        LEFT JOIN topics tp ON tp.id = n.topic_id
        LEFT JOIN LATERAL author_audience_at(p.platform, p.author_id, p.created_at) au ON true
        LEFT JOIN LATERAL latest_sentiment(p.id) sc ON true
        ORDER BY p.id
        """,
        {"start": start, "end": end},
    )
    return dict_rows(cur)


class InteractionEdge(NamedTuple):
    """One interaction, with the topic and product areas it counts for."""

    platform: str
    kind: str
    source_post_id: str
    source_author_id: str | None
    target_author_id: str | None
    topic_id: int | None
    areas: list[str]


def interaction_edges(cur: Cursor, start: datetime, end: datetime) -> list[InteractionEdge]:
    """Interactions in [start, end). Targets missing from the edge are taken from the stored
    target post; the topic is the interacted-with post's, or the interacting post's for
    mentions."""
    cur.execute(
        f"""
        SELECT i.platform, i.kind, i.source_post_id, i.source_author_id,
               COALESCE(NULLIF(i.target_author_id, ''), t.author_id) AS target_author,
               n.topic_id, {_POST_AREAS} AS areas
        FROM interactions i
        LEFT JOIN posts t ON i.target_post_id <> ''
             AND t.platform = i.platform AND t.platform_id = i.target_post_id
        LEFT JOIN posts s ON s.platform = i.platform AND s.platform_id = i.source_post_id
        LEFT JOIN post_nlp n ON n.post_id = COALESCE(t.id, s.id)
        LEFT JOIN topics tp ON tp.id = n.topic_id
        WHERE i.created_at >= %s AND i.created_at < %s
        """,
        (start, end),
    )
    return [InteractionEdge(*row) for row in cur.fetchall()]


class AuthorDay(NamedTuple):
    """A UTC day on which an author posted, with the post's topic and product areas."""

    platform: str
    author_id: str
    day: date
    topic_id: int | None
    areas: list[str]


def active_days(cur: Cursor, start: datetime, end: datetime) -> list[AuthorDay]:
    """One row per post in [start, end) that has an author."""
    cur.execute(
        f"""
        SELECT p.platform, p.author_id, (p.created_at AT TIME ZONE 'UTC')::date, n.topic_id,
               {_POST_AREAS}
        FROM posts p
        LEFT JOIN post_nlp n ON n.post_id = p.id
        LEFT JOIN topics tp ON tp.id = n.topic_id
        WHERE p.created_at >= %s AND p.created_at < %s AND p.author_id IS NOT NULL
        """,
        (start, end),
    )
    return [AuthorDay(*row) for row in cur.fetchall()]


class InfluenceRow(NamedTuple):
    """An author's influence in one scope (everything, a topic or a product area) and window;
    topic_id 0 and product_area '' stand for "any"."""

    project: str
    window_start: datetime
    window_end: datetime
    topic_id: int
    product_area: str
    platform: str
    author_id: str
    potential_reach: float
    amplification: float
    centrality: float
    consistency: float
    score: float
    rank: int | None  # None: not eligible to lead
    is_leader: bool
    details: dict[str, Any]


_INFLUENCE_COLUMNS = InfluenceRow._fields


def replace_influence(
    cur: Cursor, project: str, start: datetime, end: datetime, rows: Sequence[InfluenceRow]
) -> UpsertCounts:
    """Store a window's influence rows in place of the ones a previous run of the same window
    wrote, so authors that dropped out do not linger."""
    cur.execute(
        "DELETE FROM author_influence WHERE project = %s AND window_start = %s AND window_end = %s",
        (project, start, end),
    )
    as_json = [r._replace(details=Json(r.details)) for r in map(InfluenceRow._make, rows)]
    return copy_upsert(
        cur, "author_influence", _INFLUENCE_COLUMNS, as_json, key=_INFLUENCE_COLUMNS[:7],
        update={**{c: f"EXCLUDED.{c}" for c in _INFLUENCE_COLUMNS[7:]}, "computed_at": "now()"},
    )  # fmt: skip


class InfluenceColumns(NamedTuple):
    """One scope's influence rows as columns (index j = the scope's j-th author): what
    `replace_influence_columns` stores without a Python object per row. Names are UTF-8 'S'
    arrays; rank 0 = not eligible (stored NULL); the figures behind the components become
    the row's `details` as `InfluenceRow.details` holds them."""

    topic_id: int
    product_area: str
    platform: np.ndarray
    author_id: np.ndarray
    potential_reach: np.ndarray
    amplification: np.ndarray
    centrality: np.ndarray
    consistency: np.ndarray
    score: np.ndarray
    rank: np.ndarray
    is_leader: np.ndarray
    audience: np.ndarray
    received: np.ndarray  # (4, rows): repost, quote, reply, mention
    platform_counts: np.ndarray  # (4, rows): reposts, quotes, replies, likes
    engagement: np.ndarray
    distinct_amplifiers: np.ndarray
    pagerank: np.ndarray
    topic_pagerank: np.ndarray | None  # None: the "all" scope
    posts: np.ndarray
    active_days: np.ndarray
    consistency_days: int
    weights: dict[str, float]


_BLOCK_ROWS = 32_768  # rows per COPY block: bounds memory, keeps client and server both busy


def replace_influence_columns(
    cur: Cursor, project: str, start: datetime, end: datetime, scopes: Iterable[InfluenceColumns]
) -> int:
    """`replace_influence` for column-wise results: the window's old rows deleted, the new ones
    sent in one binary COPY built from the arrays; returns the rows stored."""
    cur.execute(
        "DELETE FROM author_influence WHERE project = %s AND window_start = %s AND window_end = %s",
        (project, start, end),
    )
    window = (
        bulk.binary_text_value(project)
        + bulk.binary_timestamptz_value(start)
        + bulk.binary_timestamptz_value(end)
    )
    return bulk.copy_binary_blocks(
        cur,
        "author_influence",
        _INFLUENCE_COLUMNS,
        (block for scope in scopes for block in _influence_blocks(window, scope)),
    )


def _influence_blocks(window: bytes, scope: InfluenceColumns) -> Iterator[list[np.ndarray]]:
    """The scope's rows in blocks of one binary layout: same name lengths, rank NULL or not."""
    prefix = (
        window + bulk.binary_int8_value(scope.topic_id) + bulk.binary_text_value(scope.product_area)
    )
    layout = (
        np.strings.str_len(scope.platform).astype(np.int64) * 4096
        + np.strings.str_len(scope.author_id).astype(np.int64)
    ) * 2 + (scope.rank == 0)
    order = np.argsort(layout, kind="stable")
    bounds = np.flatnonzero(np.diff(layout[order])) + 1
    for group in np.split(order, bounds):
        for at in range(0, len(group), _BLOCK_ROWS):
            rows = group[at : at + _BLOCK_ROWS]
            yield _influence_fields(prefix, scope, rows)


def _influence_fields(prefix: bytes, scope: InfluenceColumns, rows: np.ndarray) -> list[np.ndarray]:
    size = len(rows)
    platform, author = scope.platform[rows], scope.author_id[rows]
    rank = scope.rank[rows]
    return [
        bulk.binary_constant(prefix, size),  # project, window, topic_id, product_area
        bulk.binary_bytes(platform.astype(f"S{max(len(platform[0]), 1)}")),
        bulk.binary_bytes(author.astype(f"S{max(len(author[0]), 1)}")),
        *(bulk.binary_float8(getattr(scope, c)[rows]) for c in _INFLUENCE_COLUMNS[7:12]),
        bulk.binary_null(size) if rank[0] == 0 else bulk.binary_int(rank, 4),
        bulk.binary_bool(scope.is_leader[rows]),
        bulk.binary_bytes(_details_json(scope, rows)),
    ]


def _details_json(scope: InfluenceColumns, rows: np.ndarray) -> np.ndarray:
    """jsonb bodies (version byte 1, then the JSON text) with the keys and number forms of
    json.dumps(InfluenceRow.details): ints as ints, floats as repr, no topic PageRank: null."""
    ints, floats = bulk.int_text, bulk.float_text
    received, counted = scope.received[:, rows], scope.platform_counts[:, rows]
    topic = b"null" if scope.topic_pagerank is None else floats(scope.topic_pagerank[rows])
    tail = json.dumps({"consistency_days": scope.consistency_days, "weights": scope.weights})
    pieces = [
        b'\x01{"audience":', ints(scope.audience[rows]),
        b',"received":{"repost":', ints(received[0]), b',"quote":', ints(received[1]),
        b',"reply":', ints(received[2]), b',"mention":', ints(received[3]),
        b'},"platform_counts":{"reposts":', ints(counted[0]), b',"quotes":', ints(counted[1]),
        b',"replies":', ints(counted[2]), b',"likes":', ints(counted[3]),
        b'},"engagement":', floats(scope.engagement[rows]),
        b',"distinct_amplifiers":', ints(scope.distinct_amplifiers[rows]),
        b',"pagerank":', floats(scope.pagerank[rows]), b',"topic_pagerank":', topic,
        b',"posts":', ints(scope.posts[rows]), b',"active_days":', ints(scope.active_days[rows]),
        b"," + tail[1:].encode(),
    ]  # fmt: skip
    return bulk.json_block(pieces, len(rows))


def opinion_leaders(
    cur: Cursor, project: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Opinion leaders of every scope in influence windows overlapping [start, end).

    Each: platform, author_id, username, window_start, window_end, scope_kind ('all', 'topic'
    or 'product_area'), topic_id (0 unless a topic), topic_label, product_area (the area, or
    the topic's area), score, rank, components (potential_reach, amplification, centrality,
    consistency, each 0..1) and details (the raw figures and the weights).
    """
    cur.execute(
        """
        SELECT platform, author_id, username, window_start, window_end, scope_kind, topic_id,
               topic_label, product_area, score, rank,
               jsonb_build_object('potential_reach', potential_reach,
                                  'amplification', amplification, 'centrality', centrality,
                                  'consistency', consistency) AS components,
               details
        FROM v_author_influence
        WHERE project = %s AND is_leader AND window_start < %s AND window_end > %s
        ORDER BY window_end DESC, window_start, scope_kind, topic_id, product_area, rank
        """,
        (project, end, start),
    )
    return dict_rows(cur)


class PostReach(NamedTuple):
    """A post's reach and its cascade's (the reply, repost and quote tree below it)."""

    post_id: int
    root_post_id: int
    parent_post_id: int | None
    author_audience: int
    # the author's audience plus every other author's in the tree, discounted for overlap
    potential_impressions: float
    actual_impressions: int | None
    cascade_size: int  # posts in the tree below and including this one
    cascade_depth: int  # longest chain of replies/reposts/quotes below it
    amplifiers: int  # distinct authors in the tree other than this post's author


_POST_REACH_COLUMNS = (*PostReach._fields, "as_of")


def upsert_post_reach(cur: Cursor, reaches: Sequence[PostReach], as_of: datetime) -> UpsertCounts:
    """Reaches computed as of `as_of` (the window's end). A row computed as of an earlier time
    never replaces a later one (a rerun of an old window must not shrink a cascade a later
    window saw grow)."""
    rows = [(*r, as_of) for r in reaches]
    return copy_upsert(
        cur, "post_reach", _POST_REACH_COLUMNS, rows, key=("post_id",),
        update={**{c: f"EXCLUDED.{c}" for c in _POST_REACH_COLUMNS[1:]}, "computed_at": "now()"},
        changed_when="EXCLUDED.as_of >= post_reach.as_of AND ("
        + " OR ".join(f"post_reach.{c} IS DISTINCT FROM EXCLUDED.{c}"
                      for c in _POST_REACH_COLUMNS[1:]) + ")",
    )  # fmt: skip


def post_reach(cur: Cursor, post_ids: Sequence[int]) -> dict[int, float]:
    """Post id -> potential impressions of the post and its cascade (absent: not computed)."""
    cur.execute(
        "SELECT post_id, potential_impressions FROM post_reach WHERE post_id = ANY(%s)",
        (list(post_ids),),
    )
    return dict(cur.fetchall())


def posts_containing(
    cur: Cursor, needles: Sequence[str], before: datetime
) -> list[tuple[str, str, datetime, str]]:
    """(platform, author id, created_at, text) of posts other than reposts created before
    `before` whose text contains any needle (case-insensitive; callers match exactly)."""
    if not needles:
        return []
    cur.execute(
        "SELECT platform, author_id, created_at, text FROM posts "
        "WHERE created_at < %s AND kind <> 'repost' AND author_id IS NOT NULL "
        "AND text ILIKE ANY(%s) ORDER BY created_at, id",
        (before, [_like_pattern(n) for n in needles]),
    )
    return cur.fetchall()


def _like_pattern(needle: str) -> str:
    """`needle` anywhere in the text, with LIKE's wildcards in it taken literally."""
    escaped = needle.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


def first_post_times(
    cur: Cursor, authors: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], datetime]:
    """(platform, author id) -> when we first saw them post."""
    if not authors:
        return {}
    psycopg2.extras.execute_values(
        cur,
        "SELECT p.platform, p.author_id, min(p.created_at) FROM posts p "
        "JOIN (VALUES %s) AS v(platform, author_id) "
        "ON p.platform = v.platform AND p.author_id = v.author_id GROUP BY 1, 2",
        list(authors),
        page_size=len(authors),
    )
    return {(platform, author): first for platform, author, first in cur.fetchall()}


def author_ids_by_handle(cur: Cursor, accounts: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """(platform, author id) of the given (platform, username) pairs; case-insensitive."""
    if not accounts:
        return set()
    psycopg2.extras.execute_values(
        cur,
        "SELECT a.platform, a.platform_id FROM authors a JOIN (VALUES %s) AS v(platform, handle) "
        "ON a.platform = v.platform AND lower(a.username) = lower(v.handle)",
        [(platform, handle.lstrip("@")) for platform, handle in accounts],
        page_size=len(accounts),
    )
    return set(cur.fetchall())


_KPI_STEPS = ("impulses", "network", "amplifiers", "outcomes", "ratios")


def upsert_campaign_kpi(
    cur: Cursor, project: str, campaign: str, start: datetime, end: datetime, chain: dict[str, Any]
) -> UpsertCounts:
    """One campaign window's chain: the four steps and ratios (dicts) and breaks_at."""
    columns = ("project", "campaign", "window_start", "window_end", *_KPI_STEPS, "breaks_at")
    row = (project, campaign, start, end, *(Json(chain[s]) for s in _KPI_STEPS),
           chain.get("breaks_at"))  # fmt: skip
    return copy_upsert(
        cur, "campaign_kpis", columns, [row], key=columns[:4],
        update={**{c: f"EXCLUDED.{c}" for c in columns[4:]}, "computed_at": "now()"},
    )  # fmt: skip


def campaign_kpi_rows(
    cur: Cursor, project: str, campaign: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Stored KPI chains of a campaign whose window overlaps [start, end), oldest first. Each:
    campaign, window_start, window_end, impulses, network, amplifiers, outcomes, ratios
    (dicts), breaks_at (the first empty step or None) and computed_at."""
    cur.execute(
        "SELECT campaign, window_start, window_end, impulses, network, amplifiers, outcomes, "
        "ratios, breaks_at, computed_at FROM campaign_kpis "
        "WHERE project = %s AND campaign = %s AND window_start < %s AND window_end > %s "
        "ORDER BY window_start, window_end",
        (project, campaign, end, start),
    )
    return dict_rows(cur)
