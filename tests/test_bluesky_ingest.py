"""Bluesky ingestion through the real `atproto` client against a replay server on 127.0.0.1,
answering with bodies in the documented shapes of searchPosts, getAuthorFeed and getProfiles."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from conftest import count
from replay_server import ReplayServer

from echolot import store
from echolot.errors import RetryableSourceError
from ingest.bluesky_plugin import BlueskySource
from ingest.bluesky_source import ingest_bluesky, make_client
from ingest.retry import RetryPolicy

NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"


def jwt(payload: dict) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(payload)}.c2ln"


def author(n: int) -> dict:
    return {
        "did": f"did:plc:user{n}",
        "handle": f"user{n}.bsky.social",
        "displayName": f"User {n}",
        "avatar": "https://cdn.bsky.app/img/avatar/plain/x",
        "labels": [],
        "createdAt": "2024-01-01T00:00:00.000Z",
    }


def post(n: int, minute: int, **record) -> dict:
    """A postView as app.bsky.feed.defs#postView documents it."""
    uri = f"at://did:plc:user{n % 3}/app.bsky.feed.post/3k{n:04d}"
    return {
        "uri": uri,
        "cid": f"bafyrei{n:04d}",
        "author": author(n % 3),
        "record": {
            "$type": "app.bsky.feed.post",
            "text": f"Lumora post {n}",
            "createdAt": f"2026-11-10T10:{minute:02d}:00.000Z",
            "langs": ["en"],
            **record,
        },
        "replyCount": 1,
        "repostCount": 2,
        "likeCount": 3 + n,
        "quoteCount": 0,
        "indexedAt": f"2026-11-10T10:{minute:02d}:01.000Z",
        "labels": [],
    }


@pytest.fixture
def server():
    replay = ReplayServer()
    session = {
        "accessJwt": jwt(
            {"scope": "com.atproto.appPass", "sub": "did:plc:me", "iat": 1, "exp": 4102444800}
        ),
        "refreshJwt": jwt({"scope": "com.atproto.refresh", "sub": "did:plc:me", "exp": 4102444800}),
        "handle": "listener.bsky.social",
        "did": "did:plc:me",
        "active": True,
    }
    replay.add("POST", "/xrpc/com.atproto.server.createSession", session)
    replay.add(
        "GET",
        PROFILES,
        {
            "profiles": [
                {
                    **author(i),
                    "followersCount": 1000 * (i + 1),
                    "followsCount": 10,
                    "postsCount": 50,
                }
                for i in range(3)
            ]
        },
    )
    yield replay
    replay.close()


def three_pages(replay: ReplayServer) -> None:
    reply = post(
        7,
        50,
        reply={
            "root": {"uri": post(1, 10)["uri"], "cid": "x"},
            "parent": {"uri": post(1, 10)["uri"], "cid": "x"},
        },
    )
    quote = post(8, 40) | {
        "embed": {
            "$type": "app.bsky.embed.record#view",
            "record": {
                "$type": "app.bsky.embed.record#viewNotFound",
                "uri": "at://did:plc:gone/app.bsky.feed.post/3kgone",
                "notFound": True,
            },
        }
    }
    mention = post(
        9,
        30,
        facets=[
            {
                "index": {"byteStart": 0, "byteEnd": 5},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:user2"}],
            }
        ],
    )
    replay.add("GET", SEARCH, {"posts": [reply, quote], "cursor": "c1", "hitsTotal": 5})
    replay.add("GET", SEARCH, {"posts": [mention, post(2, 20)], "cursor": "c2"}, when="c1")
    replay.add("GET", SEARCH, {"posts": [post(1, 10)]}, when="c2")


def run(replay: ReplayServer, db, **settings):
    source = BlueskySource(type="bluesky", name="bsky_test", **({"queries": ["lumora"]} | settings))
    policy = RetryPolicy(sleep=lambda _s: None, clock=lambda: NOW.timestamp(), max_attempts=2)
    client = make_client(replay.url, "listener.bsky.social", "app-password", policy)
    return ingest_bluesky(db, source, client, retry=policy, now=NOW)


def test_search_across_three_pages_maps_replies_quotes_mentions_and_followers(server, db) -> None:
    three_pages(server)
    report = run(server, db)
    assert (report.pages, report.stored, report.duplicates, report.unavailable) == (3, 5, 0, 1)
    assert count(db, "posts", "platform = 'bluesky'") == 5
    assert count(db, "interactions", "kind = 'reply' AND target_author_id = 'did:plc:user1'") == 1
    assert count(db, "interactions", "kind = 'quote' AND target_post_id LIKE '%3kgone'") == 1
    assert count(db, "interactions", "kind = 'mention' AND target_author_id = 'did:plc:user2'") == 1
    assert (
        count(
            db,
            "unavailable_items",
            "resource_id LIKE '%3kgone' AND reason = 'quoted post notfound'",
        )
        == 1
    )
    assert count(db, "author_snapshots", "author_id = 'did:plc:user2' AND followers = 3000") == 1
    assert count(db, "authors", "username = 'user1.bsky.social'") == 1
    with db, db.cursor() as cur:
        saved = store.load_checkpoint(cur, "bsky_test", "search:lumora")
    assert saved == {"since": "2026-11-10T10:50:00.000Z", "complete": False}
    # The next run asks only for what is newer than the checkpoint.
    server.calls.clear()
    server.add("GET", SEARCH, {"posts": []}, when="2026-11-10T10:50:00.000Z")
    rerun = run(server, db)
    assert rerun.stored == 0 and count(db, "posts") == 5
    assert server.calls[-1][2]["since"] == ["2026-11-10T10:50:00.000Z"]


def test_5xx_then_crash_resumes_at_the_cursor_and_429_waits_for_reset(server, db) -> None:
    three_pages(server)
    server.answers[("GET", SEARCH, "c2")].appendleft((502, {"error": "UpstreamFailure"}, {}))
    server.answers[("GET", SEARCH, "c2")].appendleft((503, {"error": "Unavailable"}, {}))
    with pytest.raises(RetryableSourceError, match="Bluesky API still failing after 2 attempts"):
        run(server, db)
    assert count(db, "posts") == 4  # pages 1 and 2 kept, with the cursor of page 3
    reset = str(int(NOW.timestamp()) + 5)
    server.answers[("GET", SEARCH, "c2")].appendleft(
        (429, {"error": "RateLimitExceeded"}, {"ratelimit-reset": reset})
    )
    report = run(server, db)
    assert report.pages == 1 and count(db, "posts") == 5
    assert sum(1 for _m, p, q in server.calls if p == SEARCH and q.get("cursor") == ["c2"]) >= 4


def test_author_feed_reposts_and_deleted_posts(server, db) -> None:
    repost = {
        "post": post(4, 5),
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": author(2),
            "indexedAt": "2026-11-10T11:00:00.000Z",
        },
    }
    server.add(
        "GET",
        FEED,
        {"feed": [repost, {"post": post(5, 1)}, {"post": {"uri": "at://x", "cid": "y"}}]},
    )
    source_settings = {"queries": [], "accounts": ["user2.bsky.social"]}
    report = run(server, db, **source_settings)
    assert count(db, "posts", "kind = 'repost' AND author_id = 'did:plc:user2'") == 1
    assert count(db, "interactions", "kind = 'repost' AND target_author_id = 'did:plc:user1'") == 1
    assert report.quarantined == 1  # the broken view (no record) alone
    assert report.stored == 3


def test_a_window_asks_for_exactly_it_and_is_not_read_twice(server, db) -> None:
    server.add("GET", SEARCH, {"posts": [post(1, 10), post(2, 20)]})
    source = BlueskySource(type="bluesky", name="bsky_test", queries=["lumora"])
    policy = RetryPolicy(sleep=lambda _s: None, clock=lambda: NOW.timestamp(), max_attempts=2)
    client = make_client(server.url, "listener.bsky.social", "app-password", policy)
    window = (datetime(2026, 11, 10, 10, 15, tzinfo=UTC), datetime(2026, 11, 10, 11, tzinfo=UTC))
    report = ingest_bluesky(db, source, client, window=window, retry=policy, now=NOW)
    asked = [q for _m, path, q in server.calls if path == SEARCH]
    assert asked[0]["since"] == ["2026-11-10T10:15:00.000Z"] and asked[0]["until"] == [
        "2026-11-10T11:00:00.000Z"
    ]
    assert report.stored == 1  # the post of 10:10 lies before the window
    again = ingest_bluesky(db, source, client, window=window, retry=policy, now=NOW)
    assert again.pages == 0 and len([1 for _m, p, _q in server.calls if p == SEARCH]) == 1
