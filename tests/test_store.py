from conftest import count, load_fixture

from echolot import store
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
