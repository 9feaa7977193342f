"""NLP results: per-post language, entities, intents and product areas, embeddings, sentiment
scores, and which posts still need analysing."""

from __future__ import annotations

from collections.abc import Sequence

from echolot.store.bulk import Cursor, Json, UpsertCounts, copy_upsert

_SCORE_COLUMNS = (
    "post_id", "model", "model_version", "lang", "sentiment_label", "sentiment_polarity",
    "sentiment_confidence", "details",
)  # fmt: skip


def upsert_scores(cur: Cursor, rows: Sequence[tuple]) -> UpsertCounts:
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


def upsert_post_nlp(cur: Cursor, rows: Sequence[tuple]) -> UpsertCounts:
    """(post_id, lang, lang_confidence, entities, intents, product_areas, pipeline_version,
    skipped_reason)."""
    columns = ("post_id", "lang", "lang_confidence", "entities", "intents", "product_areas",
               "pipeline_version", "skipped_reason")  # fmt: skip
    return copy_upsert(
        cur, "post_nlp", columns, [(*r[:3], Json(r[3]), Json(r[4]), *r[5:]) for r in rows],
        key=("post_id",),
        update={**{c: f"EXCLUDED.{c}" for c in columns[1:]}, "analysed_at": "now()"},
    )  # fmt: skip


def upsert_embeddings(cur: Cursor, model: str, rows: Sequence[tuple[int, Sequence[float]]]) -> None:
    copy_upsert(
        cur, "post_embeddings", ("post_id", "model", "embedding"),
        [(post_id, model, [float(x) for x in vector]) for post_id, vector in rows],
        key=("post_id",), update={"model": "EXCLUDED.model", "embedding": "EXCLUDED.embedding"},
    )  # fmt: skip


def posts_to_analyse(
    cur: Cursor, pipeline_version: str, id_range: tuple[int, int], limit: int
) -> list[tuple[int, str, str | None]]:
    """Posts in the range not yet analysed by this pipeline version: (id, text, lang hint)."""
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
    return cur.fetchall()


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
