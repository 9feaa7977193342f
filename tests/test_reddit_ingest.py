"""Reddit ingestion through praw, replayed from recorded API bodies — never a live call."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
from conftest import count, load_fixture

from echolot import store
from echolot.config import RedditSource
from ingest import reddit_payload
from ingest.reddit_connector import make_reddit, submission_page
from ingest.reddit_source import ingest_reddit
from ingest.retry import RetryableSourceError, RetryPolicy, SourceAccessError

API = "https://oauth.reddit.com"
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_real_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    # prawcore backs off between its own retries with time.sleep; keep the tests fast.
    monkeypatch.setattr("prawcore.sessions.time.sleep", lambda _s: None)


def source(**settings) -> RedditSource:
    return RedditSource(type="reddit", name="reddit_test", subreddits=["smarthome"], **settings)


def reddit():
    return make_reddit("client-id", "client-secret", "echolot-tests/0.1")


def token() -> None:
    responses.add(
        responses.POST,
        "https://www.reddit.com/api/v1/access_token",
        json={"access_token": "tok", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
    )


def replay_all(fail_comments_of: str | None = None) -> None:
    token()
    responses.add(responses.GET, f"{API}/r/smarthome/new", json=load_fixture("reddit/new.json"))
    for sid in ("s1", "s2"):
        if sid == fail_comments_of:
            responses.add(responses.GET, f"{API}/comments/{sid}/", json={}, status=500)
        else:
            responses.add(
                responses.GET,
                f"{API}/comments/{sid}/",
                json=load_fixture(f"reddit/comments_{sid}.json"),
            )
    responses.add(
        responses.POST, f"{API}/api/morechildren/", json=load_fixture("reddit/morechildren_s2.json")
    )
    for name in ("alice", "bob", "carol"):
        responses.add(
            responses.GET,
            f"{API}/user/{name}/about/",
            json=load_fixture(f"reddit/about_{name}.json"),
        )


def calls_to(path: str) -> int:
    return sum(1 for c in responses.calls if path in c.request.url)


def run(db, **kwargs):
    retry = RetryPolicy(sleep=lambda _s: None, max_attempts=2)
    return ingest_reddit(db, kwargs.pop("src", source()), reddit(), retry=retry, now=NOW, **kwargs)


@responses.activate
def test_submissions_comment_trees_more_comments_and_karma(db) -> None:
    replay_all()
    report = run(db)

    assert report.pages == 2
    # 2 submissions, 2 comments in s1 (one deleted), 1 in s2 plus 2 behind MoreComments.
    assert count(db, "posts") == 7
    assert count(db, "posts", "platform_id IN ('t1_m1', 't1_m2')") == 2
    assert count(db, "posts", "platform_id = 't1_c2' AND author_id IS NULL AND text = ''") == 1
    assert count(db, "interactions", "kind = 'reply' AND source_post_id = 't1_m2' "
                 "AND target_post_id = 't1_m1' AND target_author_id = 't2_c3'") == 1  # fmt: skip
    assert (
        count(
            db,
            "interactions",
            "kind = 'mention' AND source_post_id = 't1_c3' AND target_author_id = 't2_b2'",
        )
        == 1
    )
    assert count(db, "author_snapshots", "author_id = 't2_c3' AND karma = 88000") == 1
    assert calls_to("/user/") == 3
    # The comment request asked praw's way; the listing asked for up to 100 at a time.
    listing_call = next(c for c in responses.calls if "/r/smarthome/new" in c.request.url)
    assert "limit=100" in listing_call.request.url and "raw_json=1" in listing_call.request.url
    with db, db.cursor() as cur:
        saved = store.load_checkpoint(cur, "reddit_test", "r/smarthome/new")
    assert set(saved["seen"]) == {"t3_s1", "t3_s2"}


@responses.activate
def test_rerun_fetches_no_seen_submission_and_no_profile_twice_a_day(db) -> None:
    replay_all()
    run(db)
    before = {t: count(db, t) for t in ("posts", "interactions", "author_snapshots")}
    responses.calls.reset()
    report = run(db)
    assert report.pages == 0
    assert calls_to("/comments/") == 0 and calls_to("/user/") == 0
    assert {t: count(db, t) for t in before} == before


@responses.activate
def test_failure_mid_run_keeps_earlier_pages_and_a_rerun_resumes(db) -> None:
    replay_all(fail_comments_of="s2")
    with pytest.raises(RetryableSourceError, match="submission s2: Reddit API still failing"):
        run(db)
    # s1 is older, so it was stored first, with its checkpoint.
    assert count(db, "posts", "platform_id = 't3_s1'") == 1
    assert count(db, "posts", "platform_id = 't3_s2'") == 0

    responses.reset()
    replay_all()
    report = run(db)
    assert report.pages == 1  # only s2 is fetched again
    assert count(db, "posts") == 7


@responses.activate
def test_window_stores_only_submissions_created_inside_it(db) -> None:
    replay_all()
    created = load_fixture("reddit/new.json")["data"]["children"][0]["data"]["created_utc"]
    window = (datetime.fromtimestamp(created - 1, UTC), datetime.fromtimestamp(created + 1, UTC))
    report = run(db, window=window)
    assert report.pages == 1
    assert count(db, "posts", "platform_id = 't3_s1'") == 0
    assert count(db, "posts", "platform_id = 't3_s2'") == 1


@responses.activate
def test_bad_credentials_are_explained(db) -> None:
    responses.add(responses.POST, "https://www.reddit.com/api/v1/access_token",
                  json={"message": "Unauthorized", "error": 401}, status=401)  # fmt: skip
    with pytest.raises(SourceAccessError, match=r"rejected the app credentials \(HTTP 401\)"):
        run(db)


@responses.activate
def test_private_subreddit_is_explained(db) -> None:
    token()
    responses.add(responses.GET, f"{API}/r/smarthome/new", json={"reason": "private"}, status=403)
    with pytest.raises(
        SourceAccessError, match=r"r/smarthome/new: Reddit refused access \(HTTP 403\)"
    ):
        run(db)


# --- issue 13: what praw gives back, per-item isolation, one fetch per submission -------------

POLL = {"options": [{"id": "1", "text": "Lumora", "vote_count": 12}, {"id": "2", "text": "Kelvo", "vote_count": 7}],
        "total_vote_count": 19, "voting_end_timestamp": 1762900000000, "user_selection": None}  # fmt: skip


def comments_with_poll() -> list:
    body = load_fixture("reddit/comments_s1.json")
    body[0]["data"]["children"][0]["data"]["poll_data"] = POLL
    return body


@responses.activate
def test_praw_objects_are_stored_as_api_json_and_a_reread_is_unchanged(db) -> None:
    replay_all()
    responses.replace(responses.GET, f"{API}/comments/s1/", json=comments_with_poll())
    run(db)
    with db, db.cursor() as cur:
        cur.execute("SELECT raw, content_hash FROM posts WHERE platform_id = 't3_s1'")
        raw, stored_hash = cur.fetchone()
    assert raw["poll_data"]["options"][0] == {"id": "1", "text": "Lumora", "vote_count": 12}
    assert "<praw" not in json.dumps(raw)
    # Read the same submission again through praw: the payload, and so its hash, is the same.
    again = reddit().submission("s1")
    body = submission_page(again, replace_more_limit=0, retry=RetryPolicy(sleep=lambda _s: None))
    post = next(p for p in reddit_payload.normalize_body(body).posts if p.platform_id == "t3_s1")
    assert post.content_hash == stored_hash


@responses.activate
def test_a_comment_page_praw_cannot_read_is_quarantined_and_the_rest_stored(db) -> None:
    replay_all()
    # A listing without `data` makes praw raise KeyError inside its parser.
    responses.replace(
        responses.GET, f"{API}/comments/s1/", json=[{"kind": "Listing"}, {"kind": "Listing"}]
    )
    report = run(db)
    assert (
        count(
            db,
            "quarantine",
            "reason LIKE 'submission t3_s1: Reddit sent a body praw could not read%'",
        )
        == 1
    )
    assert count(db, "posts", "platform_id = 't3_s2'") == 1 and report.quarantined == 1
    with db, db.cursor() as cur:
        assert set(store.load_checkpoint(cur, "reddit_test", "r/smarthome/new")["seen"]) == {
            "t3_s1",
            "t3_s2",
        }


@responses.activate
def test_submission_in_new_and_in_a_search_is_fetched_once(db) -> None:
    replay_all()
    responses.add(responses.GET, f"{API}/r/smarthome/search/", json=load_fixture("reddit/new.json"))
    report = run(db, src=source(search_terms=["lumora"]))
    assert calls_to("/comments/s1/") == 1 and calls_to("/comments/s2/") == 1
    assert report.pages == 2 and report.duplicates == 0


@responses.activate
def test_unexpanded_more_stubs_are_counted_in_the_report(db) -> None:
    replay_all()
    report = run(db, src=source(replace_more_limit=0))
    assert calls_to("/api/morechildren") == 0
    assert report.dropped_more == 2


@responses.activate
def test_a_profile_that_answered_404_is_not_asked_for_again(db) -> None:
    replay_all()
    responses.replace(
        responses.GET,
        f"{API}/user/carol/about/",
        json={"message": "Not Found", "error": 404},
        status=404,
    )
    run(db)
    assert (
        count(
            db,
            "unavailable_items",
            "platform = 'reddit' AND resource_type = 'author' AND resource_id = 't2_c3'",
        )
        == 1
    )
    # A later run meets carol in a new submission: her profile is not requested again.
    responses.calls.reset()
    with db, db.cursor() as cur:
        cur.execute("DELETE FROM ingest_checkpoints")
        cur.execute("DELETE FROM posts WHERE platform_id IN ('t3_s2', 't1_m1', 't1_m2', 't1_c3')")
        cur.execute("DELETE FROM author_snapshots")
    run(db)
    assert calls_to("/user/carol/about/") == 0
    assert calls_to("/user/bob/about/") == 1
