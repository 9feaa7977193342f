"""Mastodon ingestion through the real Mastodon.py client against a replay server on
127.0.0.1, answering with Status entities in the REST API's documented shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import count
from replay_server import ReplayServer

from echolot import store
from echolot.errors import RetryableSourceError
from ingest.mastodon_plugin import MastodonSource
from ingest.mastodon_source import id_at, ingest_mastodon, make_client
from ingest.retry import RetryPolicy

NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
TAG = "/api/v1/timelines/tag/lumora"
SEARCH = "/api/v2/search"
BASE_ID = int(id_at(datetime(2026, 11, 15, tzinfo=UTC)))  # ids are milliseconds << 16


def account(n: int) -> dict:
    return {
        "id": str(100 + n),
        "username": f"fan{n}",
        "acct": f"fan{n}@social.example",
        "display_name": f"Fan {n}",
        "url": f"https://social.example/@fan{n}",
        "note": "<p>I like &amp; lamps</p>",
        "followers_count": 100 * (n + 1),
        "following_count": 5,
        "statuses_count": 40,
        "created_at": "2024-05-01T00:00:00.000Z",
        "bot": False,
        "locked": False,
    }


def status(n: int, **extra) -> dict:
    return {
        "id": str(BASE_ID + n),
        "uri": f"https://social.example/users/fan{n % 3}/statuses/{n}",
        "url": f"https://social.example/@fan{n % 3}/{n}",
        "created_at": f"2026-11-10T10:{n:02d}:00.000Z",
        "account": account(n % 3),
        "content": f"<p>Lumora lamp &amp; hub {n}<br>second line</p>",
        "visibility": "public",
        "sensitive": False,
        "spoiler_text": "",
        "language": "en",
        "replies_count": 0,
        "reblogs_count": 1,
        "favourites_count": n,
        "edited_at": None,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "mentions": [],
        "tags": [{"name": "lumora", "url": "https://social.example/tags/lumora"}],
        "emojis": [],
        "media_attachments": [],
        "card": None,
        "poll": None,
        **extra,
    }


@pytest.fixture
def server():
    replay = ReplayServer()
    # Mastodon.py reads the version from the instance before version-dependent calls.
    instance = {
        "domain": "social.example",
        "title": "Social Example",
        "version": "4.3.2",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "",
        "usage": {},
        "configuration": {"statuses": {"max_characters": 500}},
        "registrations": {"enabled": False},
        "api_versions": {"mastodon": 2},
    }
    replay.add("GET", "/api/v2/instance/", instance)
    replay.add(
        "GET",
        "/api/v1/instance/",
        {"uri": "social.example", "title": "Social Example", "version": "4.3.2"},
    )
    yield replay
    replay.close()


def three_pages(replay: ReplayServer, first_min_id: str) -> None:
    reply = status(
        3,
        in_reply_to_id=status(1)["id"],
        in_reply_to_account_id="101",
        mentions=[
            {
                "id": "102",
                "username": "fan2",
                "acct": "fan2@social.example",
                "url": "https://social.example/@fan2",
            }
        ],
    )
    boost = status(6, reblog=status(5), content="")
    replay.add("GET", TAG, [status(2), status(1)], when=first_min_id)
    replay.add("GET", TAG, [status(4), reply], when=status(2)["id"])
    replay.add("GET", TAG, [boost], when=status(4)["id"])
    replay.add("GET", TAG, [], when=status(6)["id"])


def run(replay: ReplayServer, db, **settings):
    settings = {"hashtags": ["#lumora"]} | settings
    source = MastodonSource(type="mastodon", name="masto_test", instance=replay.url, **settings)
    policy = RetryPolicy(sleep=lambda _s: None, clock=lambda: NOW.timestamp(), max_attempts=2)
    return ingest_mastodon(db, source, make_client(replay.url, "token"), retry=policy, now=NOW)


def test_hashtag_timeline_three_pages_boosts_replies_mentions_html(server, db) -> None:
    start = id_at(datetime(2026, 11, 14, 12, tzinfo=UTC))
    three_pages(server, start)
    report = run(server, db)
    assert (report.pages, report.duplicates) == (3, 0)
    assert count(db, "posts", "platform = 'mastodon'") == 6  # 5 statuses + the boosted original
    assert count(db, "posts", "text = 'Lumora lamp & hub 1\nsecond line'") == 1
    assert count(db, "posts", "kind = 'repost' AND parent_id LIKE '%/statuses/5'") == 1
    assert (
        count(
            db,
            "interactions",
            "kind = 'reply' AND target_post_id LIKE '%/statuses/1' "
            "AND target_author_id = 'https://social.example/@fan1'",
        )
        == 1
    )
    assert (
        count(
            db,
            "interactions",
            "kind = 'mention' AND target_author_id = 'https://social.example/@fan2'",
        )
        == 1
    )
    assert (
        count(
            db, "author_snapshots", "author_id = 'https://social.example/@fan2' AND followers = 300"
        )
        >= 1
    )
    with db, db.cursor() as cur:
        assert store.load_checkpoint(cur, "masto_test", "tag:#lumora") == {
            "min_id": status(6)["id"]
        }
    server.calls.clear()
    rerun = run(server, db)
    asked = [q for _m, path, q in server.calls if path == TAG]
    assert rerun.stored == 0 and asked[0]["min_id"] == [status(6)["id"]]


def test_edit_supersedes_and_5xx_crash_resumes_and_429_waits(server, db) -> None:
    start = id_at(datetime(2026, 11, 14, 12, tzinfo=UTC))
    three_pages(server, start)
    server.answers[("GET", TAG, status(4)["id"])].appendleft((500, {"error": "oops"}, {}))
    server.answers[("GET", TAG, status(4)["id"])].appendleft((502, {"error": "bad gateway"}, {}))
    with pytest.raises(RetryableSourceError, match="Mastodon API still failing after 2 attempts"):
        run(server, db)
    assert count(db, "posts") == 4
    reset = datetime.fromtimestamp(NOW.timestamp() + 3, UTC).isoformat()
    server.answers[("GET", TAG, status(4)["id"])].appendleft(
        (
            429,
            {"error": "Too many requests"},
            {"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0"},
        )
    )
    edited = status(1, content="<p>Lumora lamp, edited</p>", edited_at="2026-11-10T12:00:00.000Z")
    server.add("GET", TAG, [edited], when=status(6)["id"])
    server.answers[("GET", TAG, status(6)["id"])].rotate(1)
    report = run(server, db)
    assert report.pages == 2
    assert (
        count(db, "posts", "platform_id LIKE '%/statuses/1' AND text = 'Lumora lamp, edited'") == 1
    )
    assert count(db, "post_revisions", "platform_id LIKE '%/statuses/1'") == 1
    assert count(db, "posts") == 6


def test_search_with_deleted_and_broken_statuses(server, db) -> None:
    broken = {
        "id": str(BASE_ID + 90),
        "uri": "https://social.example/s/90",
        "account": None,
        "content": "<p>x</p>",
    }
    start = id_at(datetime(2026, 11, 14, 12, tzinfo=UTC))
    server.add(
        "GET", SEARCH, {"accounts": [], "hashtags": [], "statuses": [status(7), broken]}, when=start
    )
    server.add(
        "GET", SEARCH, {"accounts": [], "hashtags": [], "statuses": []}, when=str(BASE_ID + 90)
    )
    report = run(server, db, hashtags=[], queries=["lumora lamp"])
    assert (report.stored, report.quarantined) == (1, 1)
    assert count(db, "quarantine", "payload LIKE '%/s/90%'") == 1


def test_a_window_starts_at_its_first_id_and_stops_at_its_end(server, db) -> None:
    start, end = datetime(2026, 11, 14, tzinfo=UTC), datetime(2026, 11, 15, 0, 0, 0, 3, tzinfo=UTC)
    server.add("GET", TAG, [status(2), status(1)], when=id_at(start))
    settings = {"hashtags": ["#lumora"]}
    source = MastodonSource(type="mastodon", name="masto_test", instance=server.url, **settings)
    policy = RetryPolicy(sleep=lambda _s: None, clock=lambda: NOW.timestamp(), max_attempts=2)
    report = ingest_mastodon(
        db, source, make_client(server.url, "token"), window=(start, end), retry=policy, now=NOW
    )
    assert report.stored == 2
    with db, db.cursor() as cur:
        key = f"tag:#lumora @ {start.isoformat()}/{end.isoformat()}"
        assert store.load_checkpoint(cur, "masto_test", key) == {"min_id": status(2)["id"]}
