"""Topics with ids that stay stable across runs.

Why not BERTopic: its UMAP step is stochastic and it re-fits from scratch, so topic ids change
between runs; we need ids a product manager can follow for weeks. The same building blocks are
used, on our own embeddings, incrementally:

1. posts join an existing topic when they are close to its centroid (cosine ≥ join_similarity);
2. the rest are clustered with HDBSCAN (density clusters, no fixed count); a cluster close to an
   existing topic joins it, any other cluster of ≥ min_cluster_size posts becomes a new topic;
3. outliers join the nearest topic when reasonably close (the "reduce outliers" step);
4. topics whose centroids have converged are merged, and a topic whose new posts fall into two
   distant groups is split; both are recorded as topic events;
5. each topic is labelled with class-based TF-IDF keywords and mapped to a product area.

`plan_topics` is pure (arrays in, plan out); `nlp.topic_stage` reads and writes the database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import HDBSCAN, KMeans

from echolot.config import ProductArea, TopicSettings

# Posts this close to a topic are "reasonably close" for the outlier step.
OUTLIER_MARGIN = 0.1
# Centroids this similar describe the same topic.
MERGE_SIMILARITY = 0.85
# Two groups inside one topic further apart than this are two topics.
SPLIT_SIMILARITY = 0.35
KEYWORDS = 8
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)
_STOP_WORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by
    can could did do does doing don't for from had has have having he her here hers him his how i
    i'm if in into is it it's its just me more most my no nor not now of off on once only or other
    our out over own same she should so some such than that that's the their them then there
    these they this those through to too under until up very was we were what when where which
    while who why will with would you your yours im ive get got really still even much one like
    https http www com amp der die das und ist nicht ich ein eine mit auf für von zu den dem des
    sich es auch wie bei nach noch nur aber oder wenn mein meine sind war hat habe schon mal
    doch dass kann kein keine""".split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass
class Topic:
    id: int | None  # None until stored
    centroid: np.ndarray
    size: int
    keywords: list[str] = field(default_factory=list)
    product_area: str | None = None
    label: str = ""


@dataclass
class TopicEvent:
    kind: str  # created | grown | merged | split
    topic: Topic
    other: Topic | None = None
    details: dict = field(default_factory=dict)


@dataclass
class TopicPlan:
    topics: list[Topic]  # every live topic after this window (old and new)
    retired: list[Topic]  # topics merged into another this time
    assignment: list[Topic | None]  # per input post
    events: list[TopicEvent]

    @property
    def outlier_share(self) -> float:
        if not self.assignment:
            return 0.0
        return sum(t is None for t in self.assignment) / len(self.assignment)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def plan_topics(
    texts: list[str],
    vectors: np.ndarray,
    existing: list[Topic],
    settings: TopicSettings,
    areas: list[ProductArea] | None = None,
    area_vectors: np.ndarray | None = None,
) -> TopicPlan:
    """Assign a window's posts to topics, creating, merging and splitting topics as needed."""
    topics = list(existing)
    events: list[TopicEvent] = []
    members: dict[int, list[int]] = {}  # index in `topics` -> post indexes
    assignment: list[int | None] = [None] * len(texts)
    if len(texts) == 0:
        return TopicPlan(topics, [], [], [])
    vectors = _unit(vectors.astype(np.float32))

    # 1. Join existing topics.
    pending = list(range(len(texts)))
    if topics:
        best, score = _nearest(vectors, topics)
        pending = []
        for i in range(len(texts)):
            if score[i] >= settings.join_similarity:
                assignment[i] = int(best[i])
            else:
                pending.append(i)

    # 2. Cluster the rest.
    if len(pending) >= settings.min_cluster_size:
        labels = HDBSCAN(
            min_cluster_size=settings.min_cluster_size,
            min_samples=3,
            copy=True,
        ).fit_predict(vectors[pending])
        if (labels == -1).all():
            # HDBSCAN never returns exactly one cluster; one new theme is still a topic.
            centroid = _unit(vectors[pending].mean(axis=0))
            close = vectors[pending] @ centroid >= settings.join_similarity
            if close.sum() >= settings.min_cluster_size:
                labels = np.where(close, 0, -1)
        for label in sorted(set(labels) - {-1}):
            idx = [pending[j] for j in np.flatnonzero(labels == label)]
            centroid = _unit(vectors[idx].mean(axis=0))
            target = _close_existing(centroid, topics)
            if target is None:
                topics.append(Topic(None, centroid, 0))
                target = len(topics) - 1
                events.append(TopicEvent("created", topics[target]))
            for i in idx:
                assignment[i] = target

    # 3. Outliers join the nearest topic when reasonably close.
    if topics:
        best, score = _nearest(vectors, topics)
        for i in range(len(texts)):
            if assignment[i] is None and score[i] >= settings.join_similarity - OUTLIER_MARGIN:
                assignment[i] = int(best[i])

    for i, t in enumerate(assignment):
        if t is not None:
            members.setdefault(t, []).append(i)
    _split(topics, members, assignment, vectors, settings, events)
    _grow(topics, members, vectors, events)
    retired = _merge(topics, members, assignment, events)
    live = [t for t in topics if not any(t is r for r in retired)]
    for index, topic in enumerate(topics):
        if index in members and not any(topic is r for r in retired):
            topic.keywords = _keywords(index, members, texts)
            topic.label = " / ".join(topic.keywords[:3])
            topic.product_area = _product_area(topic, areas or [], area_vectors)
    return TopicPlan(
        live, retired, [topics[t] if t is not None else None for t in assignment], events
    )


def _nearest(vectors: np.ndarray, topics: list[Topic]) -> tuple[np.ndarray, np.ndarray]:
    similarity = vectors @ np.stack([t.centroid for t in topics]).T
    return similarity.argmax(axis=1), similarity.max(axis=1)


def _close_existing(centroid: np.ndarray, topics: list[Topic]) -> int | None:
    if not topics:
        return None
    similarity = np.stack([t.centroid for t in topics]) @ centroid
    best = int(similarity.argmax())
    return best if similarity[best] >= MERGE_SIMILARITY else None


def _split(
    topics: list[Topic],
    members: dict[int, list[int]],
    assignment: list[int | None],
    vectors: np.ndarray,
    settings: TopicSettings,
    events: list[TopicEvent],
) -> None:
    """A topic whose posts this window form two distant groups gives one group a topic of its
    own (the group further from the topic's established centroid)."""
    for index in list(members):
        idx = members[index]
        if topics[index].id is None or len(idx) < 2 * settings.min_cluster_size:
            continue
        halves = KMeans(n_clusters=2, n_init=4, random_state=0).fit_predict(vectors[idx])
        groups = [[i for i, h in zip(idx, halves, strict=True) if h == g] for g in (0, 1)]
        if min(len(g) for g in groups) < settings.min_cluster_size:
            continue
        centroids = [_unit(vectors[g].mean(axis=0)) for g in groups]
        if float(centroids[0] @ centroids[1]) >= SPLIT_SIMILARITY:
            continue
        away = int(np.argmin([float(c @ topics[index].centroid) for c in centroids]))
        new = Topic(None, centroids[away], 0)
        topics.append(new)
        new_index = len(topics) - 1
        members[index] = groups[1 - away]
        members[new_index] = groups[away]
        for i in groups[away]:
            assignment[i] = new_index
        events.append(TopicEvent("split", topics[index], new, {"posts": len(groups[away])}))


def _grow(
    topics: list[Topic], members: dict[int, list[int]], vectors: np.ndarray, events: list
) -> None:
    """Move each centroid towards its new posts, weighted by how many posts it already had."""
    for index, idx in members.items():
        topic = topics[index]
        total = (
            topic.centroid * topic.size + vectors[idx].sum(axis=0)
            if topic.size
            else (vectors[idx].sum(axis=0))
        )
        topic.centroid = _unit(total)
        if topic.id is not None:
            events.append(TopicEvent("grown", topic, details={"posts": len(idx)}))
        topic.size += len(idx)


def _merge(
    topics: list[Topic],
    members: dict[int, list[int]],
    assignment: list[int | None],
    events: list[TopicEvent],
) -> list[Topic]:
    """Merge topics whose centroids converged; the larger (or older) one keeps its id."""
    retired: list[Topic] = []
    order = sorted(range(len(topics)), key=lambda i: (-topics[i].size, topics[i].id or 1 << 62))
    for position, keep in enumerate(order):
        if any(topics[keep] is r for r in retired):
            continue
        for drop in order[position + 1 :]:
            if any(topics[drop] is r for r in retired):
                continue
            if float(topics[keep].centroid @ topics[drop].centroid) < MERGE_SIMILARITY:
                continue
            kept, dropped = topics[keep], topics[drop]
            total = kept.centroid * kept.size + dropped.centroid * dropped.size
            kept.centroid = _unit(total)
            kept.size += dropped.size
            members.setdefault(keep, []).extend(members.pop(drop, []))
            for i, t in enumerate(assignment):
                if t == drop:
                    assignment[i] = keep
            retired.append(dropped)
            events.append(TopicEvent("merged", kept, dropped, {"size": dropped.size}))
    return retired


def _keywords(index: int, members: dict[int, list[int]], texts: list[str]) -> list[str]:
    """Class-based TF-IDF: words frequent in this topic and rare across the window's topics."""
    counts = {t: Counter(_words(" ".join(texts[i] for i in idx))) for t, idx in members.items()}
    overall: Counter[str] = Counter()
    for counter in counts.values():
        overall.update(counter)
    average = sum(overall.values()) / max(1, len(counts))
    own = counts[index]
    size = max(1, sum(own.values()))
    scores = {w: (c / size) * np.log(1 + average / overall[w]) for w, c in own.items()}
    return [w for w, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:KEYWORDS]]


def _words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+|[@#]\w+", " ", text.lower())
    return [w for w in _WORD.findall(text) if w not in _STOP_WORDS]


def _product_area(
    topic: Topic, areas: list[ProductArea], area_vectors: np.ndarray | None
) -> str | None:
    """The area whose keywords the topic's keywords hit most; else the nearest by meaning."""
    hits = {
        area.name: sum(1 for k in topic.keywords for kw in area.keywords if kw.lower() in k)
        for area in areas
    }
    if hits and max(hits.values()) > 0:
        return max(hits, key=lambda name: (hits[name], name))
    if area_vectors is not None and len(areas):
        similarity = area_vectors @ topic.centroid
        best = int(similarity.argmax())
        if similarity[best] >= 0.3:
            return areas[best].name
    return None
