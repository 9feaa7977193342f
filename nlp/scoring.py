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
    while True:
        with conn, conn.cursor() as cur:
            pending = store.posts_without_score(cur, model.name, model.version, batch_size)
            if not pending:
                return report
            rows = []
            for post_id, text, lang in pending:
                if not model.supports(lang):
                    # Recorded as skipped so the post is not fetched again for this model.
                    details = {"skipped": f"language {lang!r} is not supported by {model.name}"}
                    rows.append((post_id, model.name, model.version, lang, None, None, None,
                                 details))  # fmt: skip
                    report.skipped_language += 1
                    continue
                result = model.score(text)
                rows.append((post_id, model.name, model.version, lang, result.label,
                             result.polarity, result.confidence, {}))  # fmt: skip
                report.scored += 1
            store.upsert_scores(cur, rows)
        if on_batch:
            on_batch(len(pending))
