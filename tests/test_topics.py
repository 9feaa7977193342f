"""Stable topics: clustering, joining, new topics, merges, splits, keywords, and storage."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from conftest import count

from echolot import store
from echolot.config import ProductArea, TopicSettings, load_config
from nlp.topic_stage import update_topics
from nlp.topics import Topic, plan_topics

SETTINGS = TopicSettings(min_cluster_size=5, join_similarity=0.6)
RNG = np.random.default_rng(7)
DIRECTIONS = np.linalg.qr(RNG.normal(size=(384, 8)))[0].T  # 8 orthogonal unit directions
WORDS = ["battery drains fast", "widget missing", "price too high", "pairing fails",
         "colours look great", "schedules broken", "dark mode please", "login loop"]  # fmt: skip


def blob(direction: int, n: int, spread: float = 0.15) -> np.ndarray:
    points = DIRECTIONS[direction] + spread * RNG.normal(size=(n, 384)) / np.sqrt(384)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def window(*groups: tuple[int, int]) -> tuple[list[str], np.ndarray]:
    texts, vectors = [], []
    for direction, n in groups:
        texts += [f"{WORDS[direction]} again, number {i}" for i in range(n)]
        vectors.append(blob(direction, n))
    return texts, np.vstack(vectors)


def name(topic: Topic) -> str:
    """The blob a topic came from, read off its top keywords (ties sort alphabetically)."""
    return next(w.split()[0] for w in WORDS if w.split()[0] in topic.keywords[:2])


def stored(plan) -> list[Topic]:
    for number, topic in enumerate(plan.topics, start=1):
        topic.id = topic.id or 100 + number
    return plan.topics


def test_clusters_become_labelled_topics_with_few_outliers() -> None:
    texts, vectors = window((0, 20), (1, 15), (2, 12))
    plan = plan_topics(texts, vectors, [], SETTINGS)
    assert len(plan.topics) == 3
    assert plan.outlier_share <= 0.05
    assert {name(t) for t in plan.topics} == {"battery", "widget", "price"}


def test_later_windows_join_existing_topics_and_keep_their_ids() -> None:
    first = stored(plan_topics(*window((0, 20), (1, 15)), [], SETTINGS))
    ids = {name(t): t.id for t in first}
    second = plan_topics(*window((0, 10), (1, 10), (3, 12)), first, SETTINGS)
    by_keyword = {name(t): t.id for t in second.topics}
    assert by_keyword["battery"] == ids["battery"] and by_keyword["widget"] == ids["widget"]
    created = [e for e in second.events if e.kind == "created"]
    assert [name(e.topic) for e in created] == ["pairing"]
    assert second.outlier_share <= 0.05


def test_converged_topics_are_merged_and_recorded() -> None:
    centroid = DIRECTIONS[4]
    twin = centroid + 0.01 * DIRECTIONS[5]
    twin /= np.linalg.norm(twin)
    existing = [Topic(1, centroid.copy(), 40, ["colours"]), Topic(2, twin, 10, ["colors"])]
    plan = plan_topics(*window((4, 6)), existing, SETTINGS)
    assert [t.id for t in plan.topics] == [1]
    assert [t.id for t in plan.retired] == [2]
    merged = [e for e in plan.events if e.kind == "merged"]
    assert merged[0].topic.id == 1 and merged[0].other.id == 2


def test_a_topic_whose_posts_fall_apart_is_split() -> None:
    middle = DIRECTIONS[6] + DIRECTIONS[7]
    existing = [Topic(1, middle / np.linalg.norm(middle), 50, ["app"])]
    settings = TopicSettings(min_cluster_size=5, join_similarity=0.5)
    plan = plan_topics(*window((6, 12), (7, 12)), existing, settings)
    splits = [e for e in plan.events if e.kind == "split"]
    assert len(splits) == 1 and splits[0].topic.id == 1
    assert len(plan.topics) == 2


def test_topics_map_to_product_areas_by_keywords() -> None:
    areas = [ProductArea(name="hardware", keywords=["battery"]),
             ProductArea(name="app", keywords=["widget"])]  # fmt: skip
    plan = plan_topics(*window((0, 20), (1, 15)), [], SETTINGS, areas)
    assert {name(t): t.product_area for t in plan.topics} == {
        "battery": "hardware", "widget": "app"}  # fmt: skip


def test_update_topics_stores_assignments_and_a_rerun_changes_nothing(db) -> None:
    config = load_config("config/example.yaml").model_copy(
        update={"nlp": load_config("config/example.yaml").nlp.model_copy(
            update={"topics": SETTINGS})}
    )  # fmt: skip
    texts, vectors = window((0, 20), (1, 15))
    day = datetime(2026, 11, 9, tzinfo=UTC)
    from echolot.models import Author, Batch, Post

    batch = Batch(authors=[Author("x", "9")], posts=[
        Post("x", str(i), "9", "post", text, day, {"i": i}) for i, text in enumerate(texts)])  # fmt: skip
    with db, db.cursor() as cur:
        store.write_batch(cur, "t", batch)
        cur.execute("SELECT id FROM posts ORDER BY platform_id::int")
        ids = [r[0] for r in cur.fetchall()]
        store.upsert_post_nlp(cur, [(i, "en", 0.9, [], {}, [], "v1", None) for i in ids])
        store.upsert_embeddings(cur, "test", list(zip(ids, vectors, strict=True)))

    first = update_topics(db, config, day, datetime(2026, 11, 10, tzinfo=UTC))
    assert (first.posts, first.topics, first.created) == (35, 2, 2)
    assert count(db, "post_nlp", "topic_id IS NOT NULL") == 35
    assert count(db, "topics", "centroid IS NOT NULL AND size > 0") == 2
    assert count(db, "topic_events", "kind = 'created'") == 2
    again = update_topics(db, config, day, datetime(2026, 11, 10, tzinfo=UTC))
    assert again.posts == 0 and count(db, "topics") == 2
