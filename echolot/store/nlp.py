"""NLP results: per-post language, entities, intents and product areas, embeddings, sentiment
scores, and which posts still need analysing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from echolot.store import bulk
from echolot.store.bulk import Cursor, Json, UpsertCounts, copy_upsert


class ScoreRow(NamedTuple):
    """One post's sentiment from one model (a post_scores row)."""

    post_id: int
    model: str
    model_version: str
    lang: str | None
    sentiment_label: str
    sentiment_polarity: float
    sentiment_confidence: float
    details: dict[str, Any]


_SCORE_COLUMNS = ScoreRow._fields


def upsert_scores(cur: Cursor, rows: Sequence[ScoreRow]) -> UpsertCounts:
    return copy_upsert(
        cur,
        "post_scores",
        _SCORE_COLUMNS,
        rows,
        key=("post_id", "model"),
        update={
            **{c: f"EXCLUDED.{c}" for c in _SCORE_COLUMNS[2:]},
            "scored_at": "now()",
        },
    )


class PostNlpRow(NamedTuple):
    """What the NLP stage found in one post (a post_nlp row; topics are set separately)."""

    post_id: int
    lang: str
    lang_confidence: float
    entities: list[dict[str, Any]]
    intents: dict[str, float]
    product_areas: list[str]
    pipeline_version: str
    skipped_reason: str | None


def upsert_post_nlp(cur: Cursor, rows: Sequence[PostNlpRow]) -> UpsertCounts:
    columns = PostNlpRow._fields
    # Entities are a list: without Json they would be stored as a SQL array.
    as_json = [
        row._replace(entities=Json(row.entities), intents=Json(row.intents))
        for row in map(PostNlpRow._make, rows)
    ]
    return copy_upsert(
        cur, "post_nlp", columns, as_json, key=("post_id",),
        update={**{c: f"EXCLUDED.{c}" for c in columns[1:]}, "analysed_at": "now()"},
    )  # fmt: skip


def upsert_embeddings(cur: Cursor, model: str, rows: Sequence[tuple[int, Sequence[float]]]) -> None:
    """Vectors stored as real[] by binary COPY straight from one float32 matrix (no Python
    float per element: a batch of 1,000 posts has 384,000)."""
    latest = dict(rows)  # the last vector of a post given twice
    if not latest:
        return
    ids = np.fromiter(latest, np.int64, len(latest))
    vectors = np.stack([np.asarray(v, np.float32) for v in latest.values()])
    model_field = bulk.binary_constant(bulk.binary_text_value(model), len(ids))
    fields = [bulk.binary_int(ids, 8), model_field, bulk.binary_float4_arrays(vectors)]
    bulk.copy_upsert_blocks(
        cur, "post_embeddings", ("post_id", "model", "embedding"), [fields], key=("post_id",),
        update={"model": "EXCLUDED.model", "embedding": "EXCLUDED.embedding"},
    )  # fmt: skip


class PostToAnalyse(NamedTuple):
    id: int
    text: str
    lang_hint: str | None


def posts_to_analyse(
    cur: Cursor, pipeline_version: str, id_range: tuple[int, int], limit: int
) -> list[PostToAnalyse]:
    """Posts in the range not yet analysed by this pipeline version."""
    cur.execute(
        """
        SELECT p.id, p.text, p.lang_hint FROM posts p
        LEFT JOIN post_nlp n ON n.post_id = p.id
        WHERE p.id BETWEEN %s AND %s
          AND (n.post_id IS NULL OR n.pipeline_version <> %s)
        ORDER BY p.id LIMIT %s
        """,
        (*id_range, pipeline_version, limit),
    )
    return [PostToAnalyse(*row) for row in cur.fetchall()]


def unanalysed_id_ranges(cur: Cursor, pipeline_version: str, batch_size: int) -> list[tuple]:
    cur.execute(
        """
        SELECT min(id), max(id) FROM (
            SELECT p.id, (row_number() OVER (ORDER BY p.id) - 1) / %s AS chunk
            FROM posts p LEFT JOIN post_nlp n ON n.post_id = p.id
            WHERE n.post_id IS NULL OR n.pipeline_version <> %s
        ) numbered GROUP BY chunk ORDER BY chunk
        """,
        (batch_size, pipeline_version),
    )
    return cur.fetchall()


# ---------------------------------------------------------------- brand scope (migration 0008)


def upsert_brand_scope(cur: Cursor, rows: Sequence[tuple]) -> None:
    """(post_id, brands, competitors, products, off_topic, relevant) for analysed posts."""
    if not rows:
        return
    from psycopg2.extras import execute_values

    execute_values(
        cur,
        """
        UPDATE post_nlp AS n
        SET brands = v.brands, competitors = v.competitors, products = v.products,
            off_topic = v.off_topic, relevant = v.relevant
        FROM (VALUES %s) AS v (post_id, brands, competitors, products, off_topic, relevant)
        WHERE n.post_id = v.post_id
        """,
        [(r[0], list(r[1]), list(r[2]), list(r[3]), list(r[4]), bool(r[5])) for r in rows],
        template="(%s, %s::text[], %s::text[], %s::text[], %s::text[], %s::boolean)",
        page_size=1000,
    )


def brand_scope(cur: Cursor, post_ids: Sequence[int]) -> dict[int, dict[str, object]]:
    """Which brands, competitors and products each post is about, as the NLP stage decided
    (entities plus relevance): the one definition detectors, reach and routing read.
    `relevant` is false when the post names configured brands and none of them is relevant."""
    cur.execute(
        """
        SELECT post_id, brands, competitors, products, off_topic, relevant
        FROM post_nlp WHERE post_id = ANY(%s)
        """,
        (list(post_ids),),
    )
    return {
        row[0]: {"brands": row[1], "competitors": row[2], "products": row[3],
                 "off_topic": row[4], "relevant": row[5]}
        for row in cur.fetchall()
    }  # fmt: skip
