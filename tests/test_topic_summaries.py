"""Large horizons are clustered through summaries of their posts (nlp/topic_summaries.py):
the same clusters as the posts show, deterministic, and the same whether a horizon is planned
at once or after its first half. Thresholds are lowered so a few thousand posts take that path."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from echolot.config import TopicSettings
from nlp import topic_summaries, topics
from nlp.topic_summaries import leader_pass, summarise
from nlp.topics import cluster, plan_topics

SETTINGS = TopicSettings(min_cluster_size=8, join_similarity=0.6)
THEMES = ["battery drains", "widget missing", "price too high", "pairing fails", "dark mode",
          "login loop", "schedules broken", "colours great", "refund late", "app crashes"]  # fmt: skip


def horizon(posts: int, seed: int = 3) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Posts around ten orthogonal themes, in a shuffled (time) order, with their theme."""
    rng = np.random.default_rng(seed)
    directions = np.linalg.qr(rng.normal(size=(384, len(THEMES))))[0].T
    theme = rng.integers(0, len(THEMES), posts)
    vectors = directions[theme] + 0.5 * rng.normal(size=(posts, 384)) / np.sqrt(384)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"{THEMES[t]} again, post {i}" for i, t in enumerate(theme)]
    return texts, vectors.astype(np.float32), theme


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topics, "BRUTE_FORCE_POSTS", 500)
    monkeypatch.setattr(topic_summaries, "MAX_SUMMARIES", 300)


def test_summaries_find_the_themes_a_full_clustering_finds() -> None:
    _, vectors, theme = horizon(4000)
    labels = cluster(vectors, SETTINGS)
    assert (labels == -1).mean() <= 0.25
    clustered = labels >= 0
    assert adjusted_rand_score(theme[clustered], labels[clustered]) >= 0.9
    assert len(set(labels[clustered].tolist())) == len(THEMES)
    assert np.array_equal(labels, cluster(vectors, SETTINGS))  # no randomness


def test_a_prefix_gets_exactly_the_leaders_the_whole_horizon_gets_for_it() -> None:
    _, vectors, _ = horizon(3000)
    whole = leader_pass(vectors, 0.8)
    first = leader_pass(vectors[:1200], 0.8)
    assert np.array_equal(first.of_post, whole.of_post[:1200])
    assert np.array_equal(first.vectors, whole.vectors[: len(first.vectors)])


def test_summaries_of_summaries_carry_the_posts_they_stand_for() -> None:
    _, vectors, _ = horizon(4000)
    of_post, top = summarise(vectors)
    assert len(top.weights) <= topic_summaries.MAX_SUMMARIES
    assert top.weights.sum() == len(vectors)
    np.testing.assert_allclose(top.sums.sum(axis=0), vectors.astype(np.float64).sum(axis=0),
                               rtol=1e-4, atol=1e-3)  # fmt: skip
    for summary in (0, len(top.weights) - 1):
        assert (of_post == summary).sum() == top.weights[summary]


def test_a_horizon_planned_after_its_first_half_matches_planning_it_at_once() -> None:
    texts, vectors, _ = horizon(4000)
    once = plan_topics(texts, vectors, [], SETTINGS)
    half = plan_topics(texts[:2000], vectors[:2000], [], SETTINGS)
    for number, topic in enumerate(half.topics, start=1):
        topic.id = number
    previous = [t.id if t else None for t in half.assignment] + [None] * 2000
    grown = plan_topics(texts, vectors, half.topics, SETTINGS, previous=previous)
    at_once = [id(t) if t else -1 for t in once.assignment]
    in_halves = [id(t) if t else -1 for t in grown.assignment]
    assert adjusted_rand_score(at_once, in_halves) == 1.0
    assert len(grown.topics) == len(once.topics)
    # Every topic of the first half kept its id and its posts.
    kept = {t.id for t in grown.assignment[:2000] if t}
    assert kept == {t.id for t in half.topics}
