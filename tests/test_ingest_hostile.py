"""Hostile items in recorded-shape pages: each is stored cleaned or quarantined with a reason,
and every other item of its page and file is stored; a rerun goes on and changes nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import count, load_fixture

from echolot.config import FileSource
from ingest import reddit_payload, x_payload
from ingest.runner import ingest_file

X_PAGE = load_fixture("x_page.json")
REDDIT_PAGE = load_fixture("reddit_comments.json")


def x_case(change) -> dict[str, Any]:
    page = copy.deepcopy(X_PAGE)
    change(page)
    return page


def reddit_case(change) -> Any:
    body = copy.deepcopy(REDDIT_PAGE)
    change(body)
    return body


def _comment(body: Any, index: int = 0) -> dict[str, Any]:
    return body[1]["data"]["children"][index]["data"]


X_CASES = {
    "data null": (lambda p: p.update(data=None), 1),
    "includes.users null": (lambda p: p["includes"].update(users=None), 5),
    "username null": (lambda p: p["includes"]["users"][0].update(username=None), 5),
    "NUL in entities": (
        lambda p: p["data"][0]["entities"]["mentions"][0].update(username="lu\u0000mora"),
        5,
    ),
    "lone surrogate in a user name": (
        lambda p: p["includes"]["users"][2].update(name="Fan \ud83d"),
        5,
    ),
}
REDDIT_CASES = {
    "NUL in author_flair_text": (lambda b: _comment(b).update(author_flair_text="pro\u0000"), 4),
    "lone surrogate in author name": (lambda b: _comment(b).update(author="kelvo\udc00fan"), 4),
    "children null": (lambda b: b[1]["data"].update(children=None), 1),
}


def file_source(tmp_path: Path, fmt: str, bodies: list[Any]) -> FileSource:
    path = tmp_path / f"{fmt}.jsonl"
    # ensure_ascii keeps lone surrogates as \\ud83d escapes, exactly as an API body carries them.
    path.write_text("".join(json.dumps(b, ensure_ascii=True) + "\n" for b in bodies))
    # One line per transaction, as pages of an API arrive: a crash on one keeps the others out.
    return FileSource(type="file", name=f"hostile_{fmt}", format=fmt, path=path, batch_size=1)


@pytest.mark.parametrize("case", X_CASES)
def test_x_hostile_item_does_not_stop_its_page_or_file(db, tmp_path: Path, case: str) -> None:
    change, posts_in_page = X_CASES[case]
    good = copy.deepcopy(X_PAGE)
    good["data"] = [t for t in good["data"] if "id" in t and t.get("created_at") != "yesterday"]
    for tweet in good["data"] + good["includes"]["tweets"]:
        tweet["id"] = str(int(tweet["id"]) + 10**12)
        tweet["edit_history_tweet_ids"] = [tweet["id"]]
    source = file_source(tmp_path, "x_v2_pages", [x_case(change), good])

    report = ingest_file(db, source)
    assert count(db, "posts") == posts_in_page + 5  # the next page is stored whole
    assert report.stored == count(db, "posts")
    # The page's own broken items (missing id, bad date) are quarantined; nothing else.
    assert count(db, "quarantine") == report.quarantined
    rerun = ingest_file(db, source)
    assert rerun.stored == 0 and count(db, "posts") == posts_in_page + 5


def test_x_nul_and_surrogate_outside_the_text_are_cleaned_not_quarantined() -> None:
    page = x_case(X_CASES["NUL in entities"][0])
    X_CASES["lone surrogate in a user name"][0](page)
    batch = x_payload.normalize_page(page)
    tweet = next(p for p in batch.posts if p.platform_id == "1861000000000000005")
    assert tweet.raw["entities"]["mentions"][0]["username"] == "lumora"
    names = {a.platform_id: a.display_name for a in batch.authors}
    assert names["2002"] == "Fan \ufffd"


@pytest.mark.parametrize("case", REDDIT_CASES)
def test_reddit_hostile_item_does_not_stop_its_page_or_file(db, tmp_path: Path, case: str) -> None:
    change, posts_in_body = REDDIT_CASES[case]
    source = file_source(
        tmp_path, "reddit_api", [reddit_case(change), load_fixture("reddit_user.json")]
    )
    report = ingest_file(db, source)
    assert count(db, "posts") == posts_in_body
    assert count(db, "authors", "username = 'bulbnerd'") == 1  # the line after it is stored
    assert report.stored == posts_in_body
    ingest_file(db, source)
    assert count(db, "posts") == posts_in_body


def test_nul_in_a_post_text_is_stripped_and_the_post_kept() -> None:
    page = x_case(lambda p: p["data"][0].update(text="Glow\u0000 Week"))
    post = next(
        p for p in x_payload.normalize_page(page).posts if p.platform_id == "1861000000000000005"
    )
    assert post.text == "Glow Week"


def test_note_tweet_gives_the_full_text_and_entities_are_unescaped_once() -> None:
    long_text = "Lumora &amp; Kelvo: " + "a long thought " * 40
    page = x_case(
        lambda p: p["data"][0].update(
            text=long_text[:270] + "…", note_tweet={"text": long_text, "entities": {}}
        )
    )
    post = next(
        p for p in x_payload.normalize_page(page).posts if p.platform_id == "1861000000000000005"
    )
    assert post.text == long_text.replace("&amp;", "&") and len(post.text) > 280
    page = x_case(lambda p: p["data"][0].update(text="a &lt;b&gt; &amp;amp; c"))
    post = next(
        p for p in x_payload.normalize_page(page).posts if p.platform_id == "1861000000000000005"
    )
    assert post.text == "a <b> &amp; c"


def test_reddit_entities_single_and_double_escaped_are_decoded() -> None:
    body = reddit_case(lambda b: _comment(b).update(body="&amp;gt; quoted &amp; more &lt;3"))
    post = next(p for p in reddit_payload.normalize_body(body).posts if p.platform_id == "t1_c1")
    assert post.text == "> quoted & more <3"


def test_x_edit_supersedes_whatever_the_replay_order_and_keeps_history(db, tmp_path: Path) -> None:
    original = {
        "id": "1870000000000000001",
        "text": "Lumora hub v1 is great",
        "author_id": "9",
        "created_at": "2026-11-05T10:00:00Z",
        "edit_history_tweet_ids": ["1870000000000000001"],
    }
    edited = {
        **original,
        "id": "1870000000000000002",
        "text": "Lumora hub v1 is great (edit: v2)",
        "edit_history_tweet_ids": ["1870000000000000001", "1870000000000000002"],
    }
    pages = [{"data": [edited]}, {"data": [original]}]  # newest first: replay order must not matter
    ingest_file(db, file_source(tmp_path, "x_v2_pages", pages))
    with db, db.cursor() as cur:
        cur.execute("SELECT platform_id, text FROM posts")
        assert cur.fetchall() == [("1870000000000000001", "Lumora hub v1 is great (edit: v2)")]
        cur.execute("SELECT revision, text FROM post_revisions")
        assert cur.fetchall() == [(0, "Lumora hub v1 is great")]


def test_reddit_older_body_replayed_after_an_edit_does_not_revert(db, tmp_path: Path) -> None:
    newer = reddit_case(
        lambda b: _comment(b).update(body="edited: firmware fixed it", edited=1762430000.0)
    )
    older = copy.deepcopy(REDDIT_PAGE)
    ingest_file(db, file_source(tmp_path, "reddit_api", [newer, older]))
    assert count(db, "posts", "platform_id = 't1_c1' AND text = 'edited: firmware fixed it'") == 1
    assert count(db, "post_revisions", "platform_id = 't1_c1'") == 1


def test_same_id_twice_in_a_page_is_one_merged_row_and_no_duplicate_on_empty_db(
    db, tmp_path: Path
) -> None:
    page = copy.deepcopy(X_PAGE)
    reply = next(
        t for t in page["data"] if t.get("referenced_tweets", [{}])[0].get("type") == "replied_to"
    )
    bare = {k: v for k, v in reply.items() if k not in ("referenced_tweets", "in_reply_to_user_id")}
    page["data"].append(bare)  # a second, poorer copy of the reply comes last
    report = ingest_file(db, file_source(tmp_path, "x_v2_pages", [page]))
    assert report.duplicates == 0 and report.stored == report.fetched
    assert (
        count(
            db, "posts", f"platform_id = '{reply['edit_history_tweet_ids'][0]}' AND kind = 'reply'"
        )
        == 1
    )


def test_reddit_author_from_author_name_without_fullname(db, tmp_path: Path) -> None:
    def strip(body: Any) -> None:
        for listing in body:
            for child in listing["data"]["children"]:
                child.get("data", {}).pop("author_fullname", None)

    body = reddit_case(strip)
    ingest_file(db, file_source(tmp_path, "reddit_api", [load_fixture("reddit_user.json"), body]))
    # bulbnerd's profile gave the id: their posts use it; kelvo_fan is kept by name.
    assert count(db, "posts", "author_id = 't2_u1'") == 2
    assert count(db, "posts", "author_id = 'u/kelvo_fan'") == 1
    assert count(db, "posts", "author_id IS NULL") == 1  # the [deleted] one


def test_page_errors_crossposts_and_more_stubs_are_recorded(db, tmp_path: Path) -> None:
    page = copy.deepcopy(X_PAGE)
    page["errors"] = [
        {
            "value": "1860999999999999999",
            "detail": "Could not find tweet with ids: [1860999999999999999].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "referenced_tweets.id",
            "resource_id": "1860999999999999999",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
    crosspost = copy.deepcopy(REDDIT_PAGE[0])
    submission = crosspost["data"]["children"][0]["data"]
    original = {**submission, "id": "0orig", "name": "t3_0orig", "subreddit": "homeautomation"}
    submission.update(
        id="1xp", name="t3_1xp", crosspost_parent="t3_0orig", crosspost_parent_list=[original]
    )
    report = ingest_file(db, file_source(tmp_path, "x_v2_pages", [page]))
    assert report.unavailable == 1
    assert (
        count(
            db,
            "unavailable_items",
            "resource_id = '1860999999999999999' AND reason LIKE 'Not Found Error%'",
        )
        == 1
    )
    report = ingest_file(db, file_source(tmp_path, "reddit_api", [crosspost, REDDIT_PAGE]))
    assert (
        count(
            db,
            "interactions",
            "kind = 'repost' AND source_post_id = 't3_1xp' AND target_post_id = 't3_0orig'",
        )
        == 1
    )
    assert count(db, "posts", "platform_id = 't3_0orig'") == 1
    assert report.dropped_more == 3


def test_a_value_the_database_refuses_quarantines_that_post_alone(db, tmp_path: Path) -> None:
    page = copy.deepcopy(X_PAGE)
    page["data"][0]["public_metrics"]["like_count"] = 2**70  # valid JSON, too big for bigint
    report = ingest_file(db, file_source(tmp_path, "x_v2_pages", [page]))
    assert count(db, "posts", "platform_id = '1861000000000000005'") == 0
    assert (
        count(
            db,
            "quarantine",
            "reason LIKE 'x post 1861000000000000005: not storable (%out of range%'",
        )
        == 1
    )
    assert count(db, "posts") == 4 and report.stored == 4 and report.duplicates == 0
