from datetime import UTC, datetime, timedelta

from conftest import count, load_fixture

from echolot import store
from echolot.models import Author, AuthorSnapshot, Batch, Post
from ingest import reddit_payload, x_payload


def write(db, batch, source: str = "test"):
    with db, db.cursor() as cur:
        return store.write_batch(cur, source, batch)


def row_counts(db) -> dict[str, int]:
    with db, db.cursor() as cur:
        return store.table_counts(cur)


def test_same_batch_twice_gives_same_row_counts(db) -> None:
    x_batch = x_payload.normalize_page(load_fixture("x_page.json"))
    reddit_batch = reddit_payload.normalize_body(load_fixture("reddit_comments.json"))

    first = write(db, x_batch)
    write(db, reddit_batch)
    after_first = row_counts(db)
    second = write(db, x_batch)
    write(db, reddit_batch)

    assert row_counts(db) == after_first
    assert first.posts.inserted == 5 and first.quarantined == 2
    assert (second.posts.inserted, second.posts.updated, second.posts.unchanged) == (0, 0, 5)
    assert second.interactions.inserted == 0
    assert after_first["posts"] == 9
    assert after_first["quarantine"] == 3


def test_edited_post_updates_stored_text(db) -> None:
    page = load_fixture("x_page.json")
    write(db, x_payload.normalize_page(page))
    page["data"][1]["text"] = "@lumora love it, app fixed now"
    counts = write(db, x_payload.normalize_page(page))
    assert (counts.posts.inserted, counts.posts.updated) == (0, 1)
    assert count(db, "posts", "text = '@lumora love it, app fixed now'") == 1


def test_stub_author_does_not_erase_known_details(db) -> None:
    write(db, x_payload.normalize_page(load_fixture("x_page.json")))
    page = load_fixture("x_page.json")
    del page["includes"]
    write(db, x_payload.normalize_page(page))
    assert count(db, "authors", "platform_id = '2003' AND username = 'techrev'") == 1


def test_failed_batch_leaves_nothing_half_written(db) -> None:
    batch = x_payload.normalize_page(load_fixture("x_page.json"))
    # An interaction pointing at a post that is not in the batch breaks the foreign key
    # after posts and authors were already written in the same transaction.
    from dataclasses import replace

    broken = replace(batch.interactions[0], source_post_id="999")
    batch.interactions.append(broken)
    try:
        write(db, batch)
    except Exception as exc:
        assert "interactions" in str(exc)
    else:
        raise AssertionError("the broken batch was accepted")
    assert row_counts(db)["posts"] == 0
    assert row_counts(db)["authors"] == 0


T = datetime(2026, 11, 9, 12, tzinfo=UTC)


def _post(platform: str, author: str, post_id: str) -> Post:
    return Post(platform, post_id, author, "post", "text", T, raw={"id": post_id})


def _audience(db, platform: str, author: str, moment: datetime) -> list[tuple]:
    with db, db.cursor() as cur:
        cur.execute(
            "SELECT audience FROM author_audience_at(%s, %s, %s)", (platform, author, moment)
        )
        return cur.fetchall()


def test_audience_at_posting_time_is_the_last_snapshot_before_else_the_first_after(db) -> None:
    snapshots = [
        AuthorSnapshot("x", "a", T - timedelta(days=3), followers=100),
        AuthorSnapshot("x", "a", T - timedelta(hours=1), followers=150),
        AuthorSnapshot("x", "a", T + timedelta(hours=2), followers=900),
        # a profile read that carried no figure does not count
        AuthorSnapshot("x", "b", T - timedelta(hours=1)),
        AuthorSnapshot("x", "b", T + timedelta(hours=5), followers=40),
        AuthorSnapshot("x", "b", T + timedelta(days=2), followers=60),
        AuthorSnapshot("reddit", "r", T, karma=-12),
    ]
    authors = [Author("x", "a"), Author("x", "b"), Author("x", "never"), Author("reddit", "r")]
    write(db, Batch(posts=[], authors=authors, snapshots=snapshots))
    assert _audience(db, "x", "a", T) == [(150,)]
    assert _audience(db, "x", "a", T - timedelta(hours=1)) == [(150,)]  # observed at that moment
    assert _audience(db, "x", "a", T - timedelta(days=4)) == [(100,)]  # none before: first after
    assert _audience(db, "x", "b", T) == [(40,)]
    assert _audience(db, "x", "never", T) == []  # never measured: no row, not 0
    assert _audience(db, "reddit", "r", T) == [(0,)]  # negative karma is no audience


def test_latest_sentiment_is_the_newest_labelled_score(db) -> None:
    write(db, Batch(posts=[_post("x", "a", "1")], authors=[Author("x", "a")]))
    with db, db.cursor() as cur:
        cur.execute("SELECT id FROM posts")
        (post_id,) = cur.fetchone()
        cur.execute(
            "INSERT INTO post_scores (post_id, model, model_version, sentiment_label, "
            "sentiment_polarity, scored_at) VALUES "
            "(%(p)s, 'old', '1', 'negative', -0.8, %(t)s - interval '2 hours'), "
            "(%(p)s, 'new', '1', 'positive', 0.6, %(t)s - interval '1 hour'), "
            "(%(p)s, 'unlabelled', '1', NULL, NULL, %(t)s)",
            {"p": post_id, "t": T},
        )
        cur.execute("SELECT model, sentiment_label, sentiment_polarity FROM latest_sentiment(%s)",
                    (post_id,))  # fmt: skip
        assert cur.fetchall() == [("new", "positive", 0.6)]
        cur.execute("SELECT count(*) FROM latest_sentiment(%s)", (post_id + 1,))
        assert cur.fetchone() == (0,)
