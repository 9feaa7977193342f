"""Deletion compliance: `echolot forget` removes every trace and keeps it out on re-ingest."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import REPO, count, load_fixture
from db_dump import dump_strings, tables_containing
from typer.testing import CliRunner

from echolot import store
from echolot.cli import app
from echolot.store.redaction import REMOVED, Forgotten
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


# --- forgetting in what was derived: digests, outbox payloads, findings -------------------------

SLICE_PAGES = 60  # of the sample corpus's X pages: enough for findings and quoted evidence


def quoted_author(db) -> tuple[str, str, list[str], list[str]]:
    """(id, username, texts, needles) of an author whose name a stored digest quotes and whose
    name, id and words appear in no one else's post (the sample repeats template texts)."""
    with db, db.cursor() as cur:
        cur.execute(
            """
            SELECT a.platform_id, a.username FROM authors a
            WHERE a.platform = 'x' AND length(a.username) >= 5
              AND EXISTS (SELECT 1 FROM digests d WHERE strpos(d.body_text, a.username) > 0
                          AND d.detail_level <> 'headline')
            ORDER BY a.platform_id
            """
        )
        for author_id, username in cur.fetchall():
            cur.execute(
                "SELECT text FROM posts WHERE platform = 'x' AND author_id = %s "
                "AND kind <> 'repost' AND text <> ''",
                (author_id,),
            )
            texts = [row[0] for row in cur.fetchall()]
            # Exact texts and the opening words that excerpts and headlines carry.
            needles = [author_id, username, *texts]
            needles += [" ".join(t.split()[:5]) for t in texts if len(t.split()) >= 5]
            cur.execute(
                "SELECT count(*) FROM posts q, unnest(%s::text[]) AS n(needle) "
                "WHERE q.author_id IS DISTINCT FROM %s AND (strpos(lower(q.text), lower(needle)) > 0 "
                "OR strpos(lower(q.raw::text), lower(needle)) > 0)",
                (needles, author_id),
            )
            if texts and cur.fetchone()[0] == 0:
                return author_id, username, texts, needles
    raise AssertionError("the sample slice should quote someone no one else names")


def test_forget_author_leaves_no_word_of_them_in_the_database(db, tmp_path) -> None:
    from echolot.app.pipeline import run_pipeline
    from echolot.config import load_config

    config = load_config(REPO / "config" / "example.yaml")
    source = next(s for s in config.sources if s.name == "sample_x")
    copy = tmp_path / "x.jsonl"
    copy.write_bytes(b"".join(source.path.read_bytes().splitlines(keepends=True)[:SLICE_PAGES]))
    # Channels are not what this test is about (digests are stored without them).
    teams = {name: team.model_copy(update={"deliver": []}) for name, team in config.teams.items()}
    small = config.model_copy(
        update={"sources": [source.model_copy(update={"path": copy})], "teams": teams}
    )
    run_pipeline(db, small)
    author_id, username, texts, needles = quoted_author(db)
    before = dump_strings(db)
    assert {"digests", "outbox"} <= set(tables_containing(before, username))

    with db, db.cursor() as cur:
        counts = store.forget(cur, "x", author_id=author_id)
    assert counts.redacted >= 2 and counts.posts >= len(texts)

    # The tombstone keeps the id on purpose: it is what refuses the author on re-ingest.
    dump = dump_strings(db, skip=("forgotten", "forget_redactions"))
    left = {needle: tables_containing(dump, needle) for needle in needles}
    assert {needle: tables for needle, tables in left.items() if tables} == {}
    with db, db.cursor() as cur:
        cur.execute("SELECT table_name, fields, posts FROM forget_redactions ORDER BY id")
        recorded = cur.fetchall()
    digests = [fields for table, fields, _ in recorded if table == "digests"]
    assert digests and all(f == ["body_html", "body_markdown", "body_text"] for f in digests)
    assert any(table == "outbox" for table, _, _ in recorded)
    assert all(posts >= 0 for _, _, posts in recorded)
    # What was recorded names rows and columns, never the words taken out.
    assert not any(username in str(row) for row in recorded)


def test_redaction_finds_quotes_through_escapes_excerpts_and_lines() -> None:
    text = 'My Lumora_Hub drops Wi-Fi every night & the app says "all good" — not good at all'
    forgotten = Forgotten(texts=[text], tokens=["Grid_Goblin", "1861000000000000009"])
    renderings = {
        "plain": f"- {text} <https://x.com/Grid_Goblin/status/1861000000000000009>",
        "excerpt": "- My Lumora_Hub drops Wi-Fi every night & the a…",
        "html": "My Lumora_Hub drops Wi-Fi every night &amp; the app says &quot;all good&quot;",
        "markdown": "> My Lumora\\_Hub drops Wi\\-Fi every night & the app\n>\n> — Grid\\_Goblin · X",
        "lines": "My Lumora_Hub drops Wi-Fi<br>every night & the app says",
    }
    for name, rendering in renderings.items():
        redacted, quoted = forgotten.redact(rendering)
        assert "drops Wi" not in redacted and "Goblin" not in redacted, (name, redacted)
        assert REMOVED in redacted and 0 in quoted, name
    # Other people's words stay, and so do two common words shared by chance.
    kept, quoted = forgotten.redact("Totally agree, the app says so too. Lumora rocks")
    assert kept == "Totally agree, the app says so too. Lumora rocks" and not quoted
