"""The thin slice end to end on real PostgreSQL, on the bundled sample corpus."""

from datetime import UTC, datetime

import pytest
from conftest import REPO, count

from echolot.app.pipeline import run_pipeline
from echolot.app.windows import whole_days
from echolot.config import load_config

EXAMPLE = REPO / "config" / "example.yaml"
STABLE_TABLES = ("posts", "authors", "author_snapshots", "interactions", "quarantine",
                 "post_scores", "findings", "digests", "outbox")  # fmt: skip


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE)


def test_run_twice_changes_no_counts(db, config) -> None:
    first = run_pipeline(db, config)
    second = run_pipeline(db, config)

    assert {t: first.totals[t] for t in STABLE_TABLES} == {
        t: second.totals[t] for t in STABLE_TABLES
    }
    assert first.totals["posts"] >= 3000
    assert first.totals["interactions"] > 1000
    assert first.totals["findings"] > 0
    assert first.totals["digests"] == len(config.teams) == first.totals["outbox"]
    # The second run skips pages it has already stored and scores nothing again.
    assert sum(s.stored for s in second.sources) == 0
    assert second.analysis.analysed == 0 and second.topics.posts == 0
    assert all(not d.queued for d in second.digests)
    assert count(db, "pipeline_runs", "status = 'succeeded'") == 2


def test_sample_covers_the_corpus_window_and_languages(db, config) -> None:
    summary = run_pipeline(db, config)
    # The corpus spans 1–14 November; a few referenced originals are older and a few late
    # comments newer, and they count too.
    start, end = summary.window
    assert datetime(2026, 10, 25, tzinfo=UTC) <= start <= datetime(2026, 11, 1, tzinfo=UTC)
    assert datetime(2026, 11, 15, tzinfo=UTC) <= end <= datetime(2026, 11, 20, tzinfo=UTC)
    assert start.hour == 0 and end.hour == 0
    # German posts get a sentiment by default (issue 11: the shipped sentiment-de head).
    assert count(db, "post_nlp", "lang = 'de'") > 250
    german_scored = count(db, "post_scores s JOIN post_nlp n USING (post_id)", "n.lang = 'de'")
    assert german_scored == count(db, "post_nlp", "lang = 'de' AND skipped_reason IS NULL")
    assert count(db, "post_scores", "model = 'head:sentiment-de'") == german_scored
    # Topics: the target is at most 25 % outliers on the sample corpus.
    assert summary.topics.topics >= 10 and summary.topics.outlier_share <= 0.25
    assert count(db, "post_nlp") == count(db, "posts")  # every post, also the empty ones
    assert count(db, "post_nlp", "skipped_reason = 'no text (deleted or removed)'") > 0
    assert count(db, "post_embeddings") == count(db, "post_nlp", "skipped_reason IS NULL")
    assert count(db, "posts", "platform = 'reddit'") > 0
    assert count(db, "author_snapshots", "karma IS NOT NULL") > 0
    assert count(db, "author_snapshots", "followers >= 500000") > 0


def test_planted_sentiment_drop_is_the_worst_lumora_day(db, config) -> None:
    run_pipeline(db, config)
    with db, db.cursor() as cur:
        cur.execute(
            "SELECT window_start, severity, metrics FROM findings "
            "WHERE kind = 'brand_daily' AND scope_value = 'Lumora' "
            "ORDER BY (metrics->>'mean_sentiment')::float LIMIT 1"
        )
        day, severity, metrics = cur.fetchone()
    assert day == datetime(2026, 11, 9, tzinfo=UTC)
    assert severity == "high"
    assert metrics["sentiment_delta"] <= -0.25
    assert metrics["volume_ratio"] >= 1.5


def test_explicit_window_limits_findings(db, config) -> None:
    window = (datetime(2026, 11, 8, 6, tzinfo=UTC), datetime(2026, 11, 9, 18, tzinfo=UTC))
    summary = run_pipeline(db, config, window=window)
    assert summary.window == whole_days(*window)
    assert summary.window == (datetime(2026, 11, 8, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC))
    with db, db.cursor() as cur:
        cur.execute("SELECT DISTINCT date_trunc('day', window_start) FROM findings "
                    "WHERE kind <> 'complaint_map' ORDER BY 1")  # fmt: skip
        days = [row[0].day for row in cur.fetchall()]
        # A week's complaint map is written by the run whose window holds the week's end.
        cur.execute("SELECT DISTINCT window_start, window_end FROM findings "
                    "WHERE kind = 'complaint_map'")  # fmt: skip
        weeks = cur.fetchall()
    assert days == [8, 9]
    assert weeks == [(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC))]


def test_a_changed_file_is_read_again_without_duplicates(db, config, tmp_path) -> None:
    source = config.sources[0]
    copy = tmp_path / "x.jsonl"
    lines = source.path.read_bytes().splitlines(keepends=True)
    copy.write_bytes(b"".join(lines[:3]))
    small = config.model_copy(update={"sources": [source.model_copy(update={"path": copy})]})
    run_pipeline(db, small)
    partial = count(db, "posts")
    copy.write_bytes(b"".join(lines[:3]) + b"{not json\n")
    summary = run_pipeline(db, small)
    assert count(db, "posts") == partial
    assert summary.sources[0].quarantined == 1
    with db, db.cursor() as cur:
        cur.execute("SELECT reason FROM quarantine")
        assert cur.fetchone()[0].startswith("line 4: not valid JSON")
