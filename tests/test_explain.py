"""Drivers of a change and sub-themes of evidence, on posts written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from routing.explain import explain_change
from routing.subthemes import MAX_QUOTES, condense_evidence
from routing.words import near_identical

START = datetime(2026, 11, 2, tzinfo=UTC)


def post(n: int, text: str, *, topic: int | None = None, areas: list[str] | None = None,
         author: str | None = None, parent: str | None = None, kind: str = "post",
         parent_author: str | None = None) -> dict:  # fmt: skip
    return {
        "id": n, "text": text, "topic_id": topic, "product_areas": areas or [],
        "username": author or f"user{n}", "parent_id": parent, "parent_author": parent_author,
        "kind": kind, "created_at": START + timedelta(minutes=n), "reach": 100, "engagement": 0,
    }  # fmt: skip


def baseline_week() -> list[dict]:
    """Seven quiet days: a few negative posts a day, spread over areas and topics."""
    posts = []
    for day in range(7):
        posts += [
            post(1000 + 10 * day, "The hub dropped offline again", topic=2, areas=["connectivity"]),
            post(1001 + 10 * day, "Bulb flicker is back", topic=3, areas=["hardware"]),
        ]
    return posts


def bad_day() -> list[dict]:
    """Eight negative posts about broken schedules after an update, most replying to one
    post by @GadgetGrant, and the day's usual two."""
    broken = [
        post(i, f"Schedules broke after the update, lights stayed off {i}", topic=7,
             areas=["app"], parent="p1", parent_author="GadgetGrant", kind="reply")
        for i in range(1, 6)
    ] + [post(i, f"Update killed my morning schedule {i}", topic=7, areas=["app"])
         for i in range(6, 9)]  # fmt: skip
    usual = [
        post(20, "The hub dropped offline again", topic=2, areas=["connectivity"]),
        post(21, "Bulb flicker is back", topic=3, areas=["hardware"]),
    ]
    return broken + usual


def test_drivers_name_the_area_topic_and_the_post_replies_pile_onto() -> None:
    explained = explain_change(bad_day(), baseline_week(), 1 / 7,
                               topic_labels={7: "schedules update broke"},
                               what="negative posts")  # fmt: skip
    assert explained["posts"] == 10 and explained["expected"] == 2.0 and explained["extra"] == 8
    top: dict[str, dict] = {}
    for driver in explained["drivers"]:  # strongest first
        top.setdefault(driver["dimension"], driver)
    assert top["product_area"]["value"] == "app" and top["product_area"]["share"] == 1.0
    assert top["topic"]["value"] == "schedules update broke"
    assert top["term"]["value"] == "update" and top["term"]["posts"] == 8
    assert explained["reply_concentration"] == {
        "parent_id": "p1",
        "author": "GadgetGrant",
        "replies": 5,
        "share": 0.5,
    }
    sentence = explained["summary"]
    assert sentence.startswith("100% of the extra negative posts are about")
    assert "50% of them reply to one post by @GadgetGrant" in sentence
    # Areas and topics that only kept their usual count are no drivers.
    assert all(d["value"] not in {"connectivity", "hardware"} for d in explained["drivers"])


def test_drivers_are_deterministic_and_empty_without_a_rise() -> None:
    first = explain_change(bad_day(), baseline_week(), 1 / 7)
    again = explain_change(list(reversed(bad_day())), list(reversed(baseline_week())), 1 / 7)
    assert first == again
    steady = explain_change(bad_day()[-2:], baseline_week(), 1 / 7)
    assert steady["drivers"] == [] and steady["extra"] == 0 and steady["summary"] == ""


def unit(*values: float) -> list[float]:
    vector = np.asarray(values, dtype=np.float64)
    return list(vector / np.linalg.norm(vector))


def test_subthemes_group_by_embedding_label_by_words_and_quote_each_text_once() -> None:
    endings = ["this morning", "all weekend", "in the kitchen", "for my kids", "since Monday",
               "at sunrise", "twice now", "again and again"]  # fmt: skip
    app = [post(i, f"Schedules broke after the app update, lights stayed off {endings[i - 1]}")
           for i in range(1, 9)]  # fmt: skip
    # The first complaint copied with a link and a counter: never quoted twice.
    app += [post(9, "Schedules broke after the app update, lights stayed off this morning "
                 "https://t.co/a #2")]  # fmt: skip
    hub = [post(i, f"Pairing the hub fails, wifi drops every hour, router reset {i}")
           for i in range(10, 14)]  # fmt: skip
    lonely = [post(20, "Nice colours on the new bulbs")]
    posts = app + hub + lonely
    embeddings = {p["id"]: unit(1, 0.05 * (p["id"] % 3), 0) for p in app}
    embeddings |= {p["id"]: unit(0, 1, 0.05 * (p["id"] % 2)) for p in hub}
    embeddings[20] = unit(0, 0, 1)
    condensed = condense_evidence(posts, embeddings, ignore={"lumora"})
    labels = [t.label for t in condensed.subthemes]
    counts = [t.count for t in condensed.subthemes]
    assert counts == [9, 4]  # the single post is no sub-theme
    # Labels are words distinctive of their group (c-TF-IDF), three at most.
    assert set(labels[0].split(" · ")) <= {"schedules", "broke", "app", "update", "lights",
                                           "stayed", "morning"}  # fmt: skip
    assert set(labels[1].split(" · ")) <= {"pairing", "hub", "fails", "wifi", "drops", "hour",
                                           "router", "reset"}  # fmt: skip
    assert all(len(label.split(" · ")) == 3 for label in labels)
    assert condensed.subthemes[0].share == round(9 / 14, 4)
    # Two quotes for the leading sub-themes; the hub posts differ only by a number: one quote.
    assert len(condensed.subthemes[0].quotes) == 2 and len(condensed.subthemes[1].quotes) == 1
    quoted = [next(p for p in posts if p["id"] == q)["text"] for q in condensed.quotes]
    for i, text in enumerate(quoted):
        assert not any(near_identical(text, other) for other in quoted[i + 1 :]), quoted
    assert condensed.membership[10] == labels[1]


def test_never_more_than_twelve_quotes() -> None:
    posts, embeddings = [], {}
    for theme in range(8):
        for k in range(3):
            n = theme * 10 + k
            posts.append(
                post(n, f"theme{theme} word{theme}a word{theme}b distinct text number {n}")
            )
            vector = [0.0] * 8
            vector[theme] = 1.0
            vector[(theme + 1) % 8] = 0.01 * k
            embeddings[n] = unit(*vector)
    condensed = condense_evidence(posts, embeddings)
    assert len(condensed.quotes) <= MAX_QUOTES
    assert len(condensed.subthemes) <= 5
