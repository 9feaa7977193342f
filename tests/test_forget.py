"""Deletion compliance: `echolot forget` removes every trace and keeps it out on re-ingest."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import count, load_fixture
from typer.testing import CliRunner

from echolot import store
from echolot.cli import app
from ingest import x_payload

ORIGINAL = "1861000000000000001"
REPOST = "1861000000000000005"
runner = CliRunner()


def ingest_page(db) -> None:
    with db, db.cursor() as cur:
        store.write_batch(cur, "test", x_payload.normalize_page(load_fixture("x_page.json")))


def finding_with_evidence(db) -> None:
    with db, db.cursor() as cur:
        cur.execute("SELECT array_agg(id ORDER BY id) FROM posts")
        ids = cur.fetchone()[0]
        day = datetime(2026, 11, 5, tzinfo=UTC)
        store.upsert_findings(cur, [("p", "brand_daily", "brand", "Lumora", day, day, "low", "h",
                                     {}, ids, {})])  # fmt: skip


def test_forget_post_removes_it_its_reposts_and_edges_and_keeps_it_out(db) -> None:
    ingest_page(db)
    finding_with_evidence(db)
    result = runner.invoke(app, ["forget", "--platform", "x", "--post", ORIGINAL])
    assert result.exit_code == 0, result.output
    assert "forgot x post 1861000000000000001: 2 posts" in result.stdout

    assert count(db, "posts", f"platform_id IN ('{ORIGINAL}', '{REPOST}')") == 0
    assert count(db, "interactions", f"target_post_id = '{ORIGINAL}'") == 0
    remaining = count(db, "posts")
    with db, db.cursor() as cur:
        cur.execute("SELECT cardinality(evidence_post_ids) FROM findings")
        assert cur.fetchone()[0] == remaining

    ingest_page(db)  # the source sends it again
    assert count(db, "posts", f"platform_id IN ('{ORIGINAL}', '{REPOST}')") == 0
    assert count(db, "posts") == 3


def test_forget_author_removes_posts_snapshots_edges_and_quarantine(db) -> None:
    ingest_page(db)
    result = runner.invoke(app, ["forget", "--platform", "x", "--author", "2003"])
    assert result.exit_code == 0, result.output
    for table, where in (("posts", "author_id = '2003'"), ("authors", "platform_id = '2003'"),
                         ("author_snapshots", "author_id = '2003'"),
                         ("interactions", "source_author_id = '2003' OR target_author_id = '2003'"),
                         ("quarantine", "payload LIKE '%\"2003\"%'")):  # fmt: skip
        assert count(db, table, where) == 0, table
    ingest_page(db)
    assert count(db, "authors", "platform_id = '2003'") == 0
    assert count(db, "posts", "author_id = '2003'") == 0


def test_forget_needs_exactly_one_target(db) -> None:
    result = runner.invoke(app, ["forget", "--platform", "x"])
    assert result.exit_code == 1 and "give exactly one of --post or --author" in result.stderr
    result = runner.invoke(app, ["forget", "--platform", "mastodon", "--post", "1"])
    assert "--platform must be x or reddit, not 'mastodon'" in result.stderr
