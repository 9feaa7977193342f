from datetime import UTC, datetime

from conftest import load_fixture

from ingest import reddit_payload, x_payload


def test_x_page_becomes_posts_authors_interactions_and_quarantine() -> None:
    batch = x_payload.normalize_page(load_fixture("x_page.json"))

    by_id = {p.platform_id: p for p in batch.posts}
    # 4 valid tweets in data plus the referenced original from includes.tweets.
    assert set(by_id) == {
        "1861000000000000005",
        # An edited post (edit_history 03 -> 04) keeps the id of its first version.
        "1861000000000000003",
        "1861000000000000002",
        "1861000000000000010",
        "1861000000000000001",
    }
    assert by_id["1861000000000000005"].kind == "repost"
    assert by_id["1861000000000000003"].kind == "reply"
    assert by_id["1861000000000000002"].kind == "quote"
    assert by_id["1861000000000000001"].kind == "post"
    assert by_id["1861000000000000003"].created_at == datetime(2026, 11, 5, 9, 5, tzinfo=UTC)
    assert by_id["1861000000000000010"].lang_hint == "de"
    assert by_id["1861000000000000003"].like_count == 4

    edges = {
        (i.kind, i.source_post_id, i.target_post_id, i.target_author_id) for i in batch.interactions
    }
    assert ("repost", "1861000000000000005", "1861000000000000001", "1000000001") in edges
    assert ("reply", "1861000000000000003", "1861000000000000001", "1000000001") in edges
    assert ("mention", "1861000000000000003", "", "1000000001") in edges
    # The quoted tweet is missing from includes: the edge keeps its id, the author is unknown.
    assert ("quote", "1861000000000000002", "1860999999999999999", "") in edges

    reasons = sorted(q.reason for q in batch.quarantined)
    assert reasons == [
        "tweet 1861000000000000009: created_at 'yesterday' is not an ISO 8601 timestamp",
        "tweet: missing id",
    ]
    followers = {s.author_id: s.followers for s in batch.snapshots}
    assert followers["2003"] == 850_000
    assert {a.platform_id for a in batch.authors} >= {"1000000001", "2001", "2002", "2003", "2004"}


def test_x_page_without_includes_still_normalises() -> None:
    page = load_fixture("x_page.json")
    del page["includes"]
    batch = x_payload.normalize_page(page)
    assert len(batch.posts) == 4
    # Authors exist as bare ids so the posts can reference them.
    assert {a.username for a in batch.authors} == {None}


def test_x_rejects_oversized_and_wrongly_typed_items() -> None:
    page = {
        "data": [
            {"id": "1", "text": "x" * 1_000_001, "author_id": "9", "created_at": "2026-11-01T00:00:00Z"},
            {"id": "2", "text": 42, "author_id": "9", "created_at": "2026-11-01T00:00:00Z"},
            {"id": "3", "text": "bad \ud800 surrogate", "author_id": "9", "created_at": "2026-11-01T00:00:00Z"},
            {"id": "4", "text": "ok", "author_id": "9", "created_at": "2026-11-01T00:00:00Z",
             "public_metrics": {"like_count": "many"}},
        ]
    }  # fmt: skip
    batch = x_payload.normalize_page(page)
    assert batch.posts == []
    reasons = [q.reason for q in batch.quarantined]
    assert "over the 100,000 limit" in reasons[0]
    assert reasons[1] == "tweet 2: text must be a string, got int"
    assert reasons[2] == "tweet 3: text is not valid UTF-8"
    assert reasons[3] == "tweet 4: like_count must be a number, got str"


def test_reddit_comment_page_with_deleted_author_and_more_stub() -> None:
    batch = reddit_payload.normalize_body(load_fixture("reddit_comments.json"))

    by_id = {p.platform_id: p for p in batch.posts}
    assert set(by_id) == {"t3_1abc", "t1_c1", "t1_c2", "t1_c3"}
    submission = by_id["t3_1abc"]
    assert submission.kind == "submission"
    assert submission.text.startswith("Lumora Hub keeps going offline\n\nSince the update")
    assert submission.created_at == datetime.fromtimestamp(1762419600, tz=UTC)
    deleted = by_id["t1_c2"]
    assert deleted.author_id is None and deleted.text == ""
    assert by_id["t1_c3"].parent_id == "t1_c2"

    edges = {
        (i.kind, i.source_post_id, i.target_post_id, i.target_author_id) for i in batch.interactions
    }
    assert ("reply", "t1_c1", "t3_1abc", "t2_u1") in edges
    assert ("reply", "t1_c3", "t1_c2", "") in edges  # replied to a deleted author
    assert ("mention", "t1_c1", "", "t2_u1") in edges
    assert [q.reason for q in batch.quarantined] == [
        "t1_c4: created_utc must be seconds since the epoch"
    ]


def test_reddit_profile_gives_karma_snapshot() -> None:
    observed = datetime(2026, 11, 6, tzinfo=UTC)
    batch = reddit_payload.normalize_body(load_fixture("reddit_user.json"), observed_at=observed)
    assert batch.authors[0].username == "bulbnerd"
    assert batch.snapshots[0].karma == 60_000
    assert batch.snapshots[0].observed_at == observed


def test_unknown_reddit_shape_is_quarantined() -> None:
    batch = reddit_payload.normalize_body({"kind": "t5", "data": {}})
    assert batch.posts == []
    assert batch.quarantined[0].reason == "not a Reddit Listing, comment page or user"
