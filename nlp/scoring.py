"""The scoring stage: score unscored posts in batches; each batch commits on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg2.extensions

from echolot import store
from nlp.sentiment import VaderSentiment

DEFAULT_BATCH_SIZE = 2_000


@dataclass
class ScoringReport:
    scored: int = 0
    skipped_language: int = 0


def score_unscored(
    conn: psycopg2.extensions.connection,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> ScoringReport:
    """Score every post this model version has not scored; rerunning scores nothing twice."""
    model = VaderSentiment()
    report = ScoringReport()
    for id_range in plan_batches(conn, batch_size, model):
        scored = score_range(conn, id_range, model)
        report.scored += scored.scored
        report.skipped_language += scored.skipped_language
        if on_batch:
            on_batch(scored.scored + scored.skipped_language)
    return report


def plan_batches(
    conn: psycopg2.extensions.connection,
    batch_size: int = DEFAULT_BATCH_SIZE,
    model: VaderSentiment | None = None,
) -> list[tuple[int, int]]:
    """Id ranges of unscored posts, each small enough for one worker (Airflow maps over them)."""
    model = model or VaderSentiment()
    with conn, conn.cursor() as cur:
        return store.unscored_id_ranges(cur, model.name, model.version, batch_size)


def score_range(
    conn: psycopg2.extensions.connection,
    id_range: tuple[int, int],
    model: VaderSentiment | None = None,
) -> ScoringReport:
    """Score the unscored posts in one id range, atomically; a rerun finds nothing left to do."""
    model = model or VaderSentiment()
    report = ScoringReport()
    with conn, conn.cursor() as cur:
        pending = store.posts_without_score(
            cur, model.name, model.version, limit=2**31 - 1, id_range=id_range
        )
        rows = []
        for post_id, text, lang in pending:
            if not model.supports(lang):
                # Recorded as skipped so the post is not fetched again for this model.
                details = {"skipped": f"language {lang!r} is not supported by {model.name}"}
                rows.append((post_id, model.name, model.version, lang, None, None, None, details))
                report.skipped_language += 1
                continue
            result = model.score(text)
            rows.append((post_id, model.name, model.version, lang, result.label,
                         result.polarity, result.confidence, {}))  # fmt: skip
            report.scored += 1
        store.upsert_scores(cur, rows)
    return report
