"""The complaint map on hand-made posts: shares of negative posts per area and topic, change
against the week before, competitors' shares, and a quote per row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPO

from echolot.config import load_config
from routing.detectors import complaint_map
from routing.detectors.base import DetectionContext

WEEK = datetime(2026, 11, 9, tzinfo=UTC)  # a Monday
BEFORE = WEEK - timedelta(days=7)


@pytest.fixture(scope="module")
def config():
    return load_config(REPO / "config" / "example.yaml")


def post(n: int, at: datetime, text: str, areas: list[str], *, brand: str = "Lumora",
         label: str = "negative", topic: int | None = None) -> dict:  # fmt: skip
    own = brand == "Lumora"
    return {
        "id": n, "platform": "x", "created_at": at + timedelta(hours=n % 100), "text": text,
        "url": None, "kind": "post", "author_id": f"a{n}", "username": f"user{n}",
        "lang": "en", "intents": {}, "product_areas": areas, "topic_id": topic,
        "polarity": -0.6 if label == "negative" else 0.5, "sentiment_label": label,
        "engagement": 0, "reach": 10, "brands": [brand] if own else [],
        "competitors": [] if own else [brand], "products": [], "relevant": True,
        "parent_id": None, "parent_author": None,
    }  # fmt: skip


def stream() -> list[dict]:
    posts, n = [], 0

    def add(count: int, at: datetime, text: str, areas: list[str], **kw) -> None:
        nonlocal n
        for i in range(count):
            n += 1
            posts.append(post(n, at, f"{text} ({i} of {count}, case {n})", areas, **kw))

    # The week before: our complaints split evenly between the app and connectivity.
    add(5, BEFORE, "The app lost my schedules again", ["app"])
    add(5, BEFORE, "The hub keeps dropping off the wifi", ["connectivity"])
    # This week: the app dominates; two complaints name no area; praise is no complaint.
    add(12, WEEK, "Since the update the app crashes when I open schedules", ["app"], topic=7)
    add(4, WEEK, "Hub offline for hours, pairing fails", ["connectivity"])
    add(2, WEEK, "Really disappointed, returning everything", [])
    add(6, WEEK, "Love the new colours", ["hardware"], label="positive")
    # Competitors this week.
    add(3, WEEK, "Kelvo app crashes on start", ["app"], brand="Kelvo")
    add(7, WEEK, "Kelvo bridge never connects", ["connectivity"], brand="Kelvo")
    add(2, WEEK, "Brightwave app is slow", ["app"], brand="Brightwave")  # too few to compare
    return sorted(posts, key=lambda p: (p["created_at"], p["id"]))


def test_the_map_ranks_areas_by_share_of_negative_posts_with_change_and_rivals(db, config) -> None:
    posts = stream()
    with db.cursor() as cur:
        ctx = DetectionContext(config, WEEK, WEEK + timedelta(days=7), posts, cur)
        findings = complaint_map.detect(ctx)
    [lumora] = [f for f in findings if f.window_start == WEEK]
    assert (lumora.scope_kind, lumora.scope_value) == ("brand", "Lumora")
    assert lumora.window_end == WEEK + timedelta(days=7)
    assert (
        lumora.metrics["negative_posts"] == 18 and lumora.metrics["previous_negative_posts"] == 10
    )
    areas = [r for r in lumora.table if r["dimension"] == "area"]
    assert [(r["name"], r["negative_posts"], r["share"]) for r in areas] == [
        ("app", 12, "67%"), ("connectivity", 4, "22%"), ("no product area", 2, "11%")
    ]  # fmt: skip
    assert areas[0]["change_points"] == pytest.approx(16.7)  # 67% now, 50% the week before
    assert areas[1]["change_points"] == pytest.approx(-27.8)
    # Kelvo has enough negative posts to compare, Brightwave does not.
    assert areas[0]["competitors"] == "Kelvo 30%" and areas[1]["competitors"] == "Kelvo 70%"
    assert lumora.metrics["competitors_compared"] == ["Kelvo"]
    assert lumora.headline.startswith(
        "Complaint map Lumora, week of 2026-11-09: app 67% of 18 negative posts (+17 points; "
        "competitors 30%); connectivity 22% (-28 points; competitors 70%)"
    )
    assert lumora.severity.value == "high"  # the app's share rose by more than 10 points
    # One quote per area row, each from that row, each a different text; all posts kept.
    themes = lumora.metrics["subthemes"]
    by_id = {p["id"]: p for p in posts}
    for theme in themes:
        [quote] = theme["quotes"]
        assert theme["label"] in (by_id[quote]["product_areas"] or ["no product area"])
    assert len({q for t in themes for q in t["quotes"]}) == len(themes) == 3
    assert lumora.evidence == [q for t in themes for q in t["quotes"]]
    assert len(set(lumora.all_posts)) == 18
    assert {by_id[i]["sentiment_label"] for i in lumora.all_posts} == {"negative"}
    # Topics get rows of their own.
    assert [r["name"] for r in lumora.table if r["dimension"] == "topic"] == ["topic 7"]


def test_a_quiet_week_gets_no_map(db, config) -> None:
    posts = [p for p in stream() if p["created_at"] < WEEK]
    with db.cursor() as cur:
        ctx = DetectionContext(config, WEEK, WEEK + timedelta(days=7), posts, cur)
        assert complaint_map.detect(ctx) == []


def test_the_ranking_for_the_benchmark() -> None:
    ranking = complaint_map.area_ranking([p for p in stream() if p["brands"]])
    assert ranking == [("app", 17), ("connectivity", 9)]


def test_no_change_is_claimed_against_a_week_of_a_handful_of_posts(db, config) -> None:
    posts = [p for p in stream() if p["created_at"] >= WEEK or p["id"] % 2]  # 5 posts before
    with db.cursor() as cur:
        ctx = DetectionContext(config, WEEK, WEEK + timedelta(days=7), posts, cur)
        [lumora] = [f for f in complaint_map.detect(ctx) if f.window_start == WEEK]
    assert lumora.metrics["previous_negative_posts"] is None
    assert all(r["change_points"] is None for r in lumora.table)
    assert "(no comparable week before; competitors 30%)" in lumora.headline
    assert lumora.severity.value == "low"


def test_a_week_is_mapped_whole_by_the_run_whose_window_holds_its_end(db, config) -> None:
    posts = stream()
    with db.cursor() as cur:
        midweek = DetectionContext(config, WEEK + timedelta(days=2), WEEK + timedelta(days=3),
                                   posts, cur)  # fmt: skip
        assert complaint_map.detect(midweek) == []  # the week is not complete yet
        sunday = DetectionContext(config, WEEK + timedelta(days=6), WEEK + timedelta(days=7),
                                  posts, cur)  # fmt: skip
        [lumora] = complaint_map.detect(sunday)
    assert lumora.window_start == WEEK and lumora.metrics["negative_posts"] == 18
