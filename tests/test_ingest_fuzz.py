"""Seeded, bounded fuzzing: mutated items built from the real shapes of every source format.

Each mutated item goes alone into a page of its format: it must come out as a post or as a
quarantined payload, never both, never neither, never an exception. A smaller set goes through
the database too: posts stored + quarantined rows = items fed.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from conftest import count, load_fixture

from echolot.config import ColumnMapping, FileSource
from echolot.models import Batch
from ingest import bluesky_payload, mastodon_payload, reddit_payload, tabular, x_payload
from ingest.records import Page
from ingest.runner import ingest_file
from ingest.writer import prepare, write_page

SEED = 1313
PER_FORMAT = 2_000  # six formats: 12,000 mutated items

X_TWEET = next(t for t in load_fixture("x_page.json")["data"] if t.get("referenced_tweets"))
REDDIT_COMMENT = {
    "kind": "t1",
    "data": {
        k: v
        for k, v in load_fixture("reddit_comments.json")[1]["data"]["children"][0]["data"].items()
        if k != "replies"
    },
}
BLUESKY_POST = {
    "uri": "at://did:plc:a/app.bsky.feed.post/3k1",
    "cid": "bafy",
    "author": {"did": "did:plc:a", "handle": "a.bsky.social"},
    "record": {
        "$type": "app.bsky.feed.post",
        "text": "Lumora lamp",
        "createdAt": "2026-11-10T10:00:00.000Z",
        "facets": [
            {"features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:b"}]}
        ],
    },
    "likeCount": 1,
    "indexedAt": "2026-11-10T10:00:01.000Z",
}
MASTODON_STATUS = {
    "id": "1",
    "uri": "https://s.example/users/a/statuses/1",
    "created_at": "2026-11-10T10:00:00.000Z",
    "content": "<p>Lumora &amp; hub</p>",
    "account": {"id": "9", "url": "https://s.example/@a", "acct": "a", "followers_count": 3},
    "in_reply_to_id": None,
    "mentions": [{"url": "https://s.example/@b", "acct": "b"}],
    "favourites_count": 2,
    "reblog": None,
}
RECORD = {
    "id": "r1",
    "text": "Lumora lamp",
    "ts": "2026-11-10T10:00:00Z",
    "user": {"id": "u1", "name": "Ann", "followers": 10},
    "likes": 3,
    "reply_to": None,
}
COLUMNS = ColumnMapping(
    id="id",
    text="text",
    created_at="ts",
    author_id="user.id",
    author_name="user.name",
    followers="user.followers",
    likes="likes",
    parent_id="reply_to",
)


def hostile(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            0,
            -1,
            2**70,
            1.5,
            float("nan"),
            True,
            "",
            "x" * 120_000,
            "a\x00b",
            "a\ud800b",
            "\udfff",
            "yesterday",
            "2026-13-45T99:00:00Z",
            [],
            [None],
            {},
            {"id": None},
            "not a dict",
            _deep(rng.randint(50, 2_000)),
        ]
    )


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"x": value}
    return value


def mutate(item: Any, rng: random.Random) -> Any:
    item = copy.deepcopy(item)
    for _ in range(rng.randint(1, 3)):
        containers = [item]
        target = item
        while isinstance(target, dict | list) and target and rng.random() < 0.5:
            keys = list(target) if isinstance(target, dict) else list(range(len(target)))
            child = target[rng.choice(keys)]
            if not isinstance(child, dict | list) or not child:
                break
            target = child
            containers.append(target)
        if isinstance(target, dict) and target:
            key = rng.choice(list(target))
            if rng.random() < 0.2:
                del target[key]
            else:
                target[key] = hostile(rng)
        elif isinstance(target, list):
            target.append(hostile(rng))
    return item if rng.random() > 0.02 else hostile(rng)


def outcome(batch: Batch) -> tuple[int, int]:
    return len(batch.posts), len(batch.quarantined)


FORMATS = {
    "x_v2_pages": (X_TWEET, lambda i: x_payload.normalize_page({"data": [i]})),
    "reddit_api": (
        REDDIT_COMMENT,
        lambda i: reddit_payload.normalize_body({"kind": "Listing", "data": {"children": [i]}}),
    ),
    "bluesky": (BLUESKY_POST, lambda i: bluesky_payload.read_body({"posts": [i]}).batch),
    "mastodon": (MASTODON_STATUS, lambda i: mastodon_payload.read_statuses([i]).batch),
    "jsonl": (RECORD, lambda i: _tabular(i)),
    "csv": (
        {k: str(v) if not isinstance(v, dict) else v["id"] for k, v in RECORD.items()},
        lambda i: _tabular(i),
    ),
}


def _tabular(record: Any) -> Batch:
    batch = Batch()
    if isinstance(record, dict):
        tabular._add_record(batch, record, COLUMNS, "x", "fuzz record")
    else:
        batch.quarantined.append(
            tabular._bad(json.dumps(record, default=str)[:100], "not an object")
        )
    return batch


def test_every_mutated_item_is_stored_or_quarantined_never_both_never_a_crash() -> None:
    rng = random.Random(SEED)
    fed = stored = quarantined = 0
    for base, normalise in FORMATS.values():
        for _ in range(PER_FORMAT):
            posts, held = outcome(normalise(mutate(base, rng)))
            fed += 1
            assert (posts > 0) != (held > 0), "an item must be stored or quarantined, exactly one"
            stored += posts > 0
            quarantined += held > 0
    assert fed == stored + quarantined == 12_000
    assert stored > 1_000 and quarantined > 1_000  # the mutations hit both ways


def test_duplicate_ids_in_one_page_become_one_post() -> None:
    rng = random.Random(SEED + 1)
    for _ in range(200):
        tweet = mutate(X_TWEET, rng)
        merged, _older = prepare(x_payload.normalize_page({"data": [tweet, tweet]}))
        assert len(merged.posts) == len({p.platform_id for p in merged.posts}) <= 1


def test_database_round_trip_stores_or_quarantines_every_fed_item(db, tmp_path: Path) -> None:
    rng = random.Random(SEED + 2)
    lines = []
    for n in range(400):
        tweet = mutate(X_TWEET, rng)
        if isinstance(tweet, dict):
            tweet["id"] = str(1_900_000_000_000_000_000 + n)
            tweet.pop("edit_history_tweet_ids", None)
        try:
            lines.append(json.dumps({"data": [tweet]}, ensure_ascii=True, default=str))
        except RecursionError:  # too deep to even write down: the file holds a broken line
            lines.append('{"data": [' * 3)
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines) + "\n")
    # One line per transaction, so each item is counted on its own.
    source = FileSource(type="file", name="fuzz", format="x_v2_pages", path=path, batch_size=1)
    report = ingest_file(db, source)
    assert report.fetched + report.quarantined == 400
    # Identical quarantined payloads (a whole item replaced by null, say) are kept once.
    assert count(db, "posts") == report.stored and 0 < count(db, "quarantine") <= report.quarantined
    again = ingest_file(db, source)
    assert again.stored == 0


def test_database_round_trip_for_reddit_bluesky_mastodon_and_exports(db) -> None:
    rng = random.Random(SEED + 3)
    for name in ("reddit_api", "bluesky", "mastodon", "jsonl", "csv"):
        base, normalise = FORMATS[name]
        fed = held = 0
        posts: set[tuple[str, str]] = set()
        for n in range(150):
            item = mutate(base, rng)
            page = Page(normalise(_unique(item, name, n)))
            with db, db.cursor() as cur:
                write_page(cur, f"fuzz_{name}", page)
            fed += 1
            held += bool(page.batch.quarantined)
            posts |= {(p.platform, p.platform_id) for p in page.batch.posts}
        assert len(posts) + held == fed, name
        platforms = {platform for platform, _ in posts}
        stored = sum(
            count(db, "posts", f"platform = '{p}' AND source = 'fuzz_{name}'") for p in platforms
        )
        assert stored == len(posts), name


def _unique(item: Any, name: str, n: int) -> Any:
    """Give each fed item its own id, so every stored post is one fed item."""
    if not isinstance(item, dict):
        return item
    if name == "reddit_api" and isinstance(item.get("data"), dict):
        item["data"]["id"] = f"z{n}"
    elif name == "bluesky":
        item["uri"] = f"at://did:plc:a/app.bsky.feed.post/z{n}"
    elif name == "mastodon":
        item["uri"] = f"https://s.example/users/a/statuses/z{n}"
    elif name in ("jsonl", "csv"):
        item["id"] = f"{name}-{n}"
    return item
