"""Topics with ids that stay stable across runs.

Why not BERTopic: its UMAP step is stochastic and it re-fits from scratch, so topic ids change
between runs; we need ids a product manager can follow for weeks. The same building blocks are
used, on our own embeddings, so that topics depend on the posts and not on how they arrived:

1. every run clusters all posts of the look-back horizon (HDBSCAN, no randomness, posts in a
   canonical order); clusters whose centroids converged are merged and outliers join the
   nearest cluster when reasonably close. The same posts therefore give the same clusters
   whether they were scored at once or in several runs;
2. clusters take over existing topic ids by maximum overlap with the posts those topics held
   (Hungarian matching), so a topic keeps its id while it keeps its posts;
3. a cluster made of another topic's posts is a split, a topic whose posts went to a cluster
   carried by another topic is merged into it (both recorded as topic events); a cluster of
   new posts only becomes a new topic, or revives a topic older than the horizon whose
   centroid it matches — that is how new posts join existing topics by centroid;
4. each topic is labelled with class-based TF-IDF keywords and mapped to a product area.

Joining new posts to the nearest centroid alone (the first version) depended on arrival
order: the sample scored in two halves gave 30 topics against 64 at once (adjusted Rand 0.47).

`plan_topics` is pure (arrays in, plan out); `nlp.topic_stage` reads and writes the database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import HDBSCAN

from echolot.config import ProductArea, TopicSettings
from nlp.topic_summaries import cluster_summarised

# Posts this close to a topic are "reasonably close" for the outlier step.
OUTLIER_MARGIN = 0.1
# Centroids this similar describe the same topic.
MERGE_SIMILARITY = 0.85
KEYWORDS = 8
# Up to this many posts HDBSCAN uses a full distance matrix (8 bytes a pair: 0.5 GB); above it
# the horizon is clustered through summaries of its posts (nlp/topic_summaries.py).
BRUTE_FORCE_POSTS = 8000
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
    topics: list[Topic]  # every live topic after this run (old and new)
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


def cluster(vectors: np.ndarray, settings: TopicSettings) -> np.ndarray:
    """Cluster labels (0, 1, … by first member; -1 outlier) of unit vectors.

    A function of the vectors in their given order only: no seed, no history."""
    labels = np.full(len(vectors), -1)
    if len(vectors) < settings.min_cluster_size:
        return labels
    if len(vectors) > BRUTE_FORCE_POSTS:
        # Too many posts for a distance matrix: cluster summaries of them (nlp.topic_summaries).
        labels = cluster_summarised(
            vectors, settings.min_cluster_size, settings.join_similarity - OUTLIER_MARGIN,
            MERGE_SIMILARITY,
        )  # fmt: skip
        return _numbered_by_first_member(labels)
    # Brute force (one BLAS distance matrix) finds the same clusters 4x faster than the tree
    # search in 384 dimensions, while the n² matrix stays small.
    labels = HDBSCAN(
        min_cluster_size=settings.min_cluster_size, min_samples=3, algorithm="brute", copy=True
    ).fit_predict(vectors)
    if (labels == -1).all():
        # HDBSCAN never returns exactly one cluster; one theme is still a topic.
        close = vectors @ _unit(vectors.mean(axis=0)) >= settings.join_similarity
        if close.sum() >= settings.min_cluster_size:
            labels = np.where(close, 0, -1)
    labels = _merge_converged(vectors, labels)
    labels = _absorb_outliers(vectors, labels, settings.join_similarity - OUTLIER_MARGIN)
    labels = _merge_converged(vectors, labels)
    return _numbered_by_first_member(labels)


def _numbered_by_first_member(labels: np.ndarray) -> np.ndarray:
    first: dict[int, int] = {}
    for label in labels.tolist():
        if label >= 0:
            first.setdefault(label, len(first))
    return np.asarray([first[x] if x >= 0 else -1 for x in labels.tolist()])


def _centroids(vectors: np.ndarray, labels: np.ndarray) -> tuple[list[int], np.ndarray]:
    names = sorted(set(labels.tolist()) - {-1})
    return names, np.stack([_unit(vectors[labels == n].mean(axis=0)) for n in names])


def _merge_converged(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Merge the most similar pair of clusters until no pair reaches MERGE_SIMILARITY."""
    labels = labels.copy()
    while len(set(labels.tolist()) - {-1}) > 1:
        names, centroids = _centroids(vectors, labels)
        similarity = np.triu(centroids @ centroids.T, k=1)
        a, b = np.unravel_index(int(similarity.argmax()), similarity.shape)
        if similarity[a, b] < MERGE_SIMILARITY:
            break
        labels[labels == names[b]] = names[a]
    return labels


def _absorb_outliers(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """The "reduce outliers" step: an outlier joins the nearest cluster when reasonably close."""
    outliers = np.flatnonzero(labels == -1)
    if not len(outliers) or (labels == -1).all():
        return labels
    names, centroids = _centroids(vectors, labels)
    similarity = vectors[outliers] @ centroids.T
    best = similarity.argmax(axis=1)
    labels = labels.copy()
    for row, i in enumerate(outliers):
        if similarity[row, best[row]] >= threshold:
            labels[i] = names[best[row]]
    return labels


def plan_topics(
    texts: list[str],
    vectors: np.ndarray,
    existing: list[Topic],
    settings: TopicSettings,
    areas: list[ProductArea] | None = None,
    area_vectors: np.ndarray | None = None,
    previous: list[int | None] | None = None,
) -> TopicPlan:
    """Assign the horizon's posts to topics, carrying ids over, creating, merging, splitting.

    `previous` holds each post's current topic id (None: new post or outlier)."""
    if len(texts) == 0:
        return TopicPlan(list(existing), [], [], [])
    previous = previous if previous is not None else [None] * len(texts)
    vectors = _unit(vectors.astype(np.float32))
    labels = cluster(vectors, settings)
    clusters = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
    by_id = {t.id: t for t in existing}
    held = Counter(t for t in previous if t in by_id)  # posts each topic holds in the horizon
    old = sorted(held)
    overlap = np.zeros((len(clusters), len(old)), dtype=int)
    column = {t: j for j, t in enumerate(old)}
    for label, topic_id in zip(labels, previous, strict=True):
        if label >= 0 and topic_id in column:
            overlap[label, column[topic_id]] += 1

    events: list[TopicEvent] = []
    owner = _carry_ids(clusters, overlap, old, held, by_id)
    dormant = [t for t in existing if held[t.id] == 0]
    for c, idx in enumerate(clusters):
        if owner[c] is None:
            owner[c] = _new_owner(c, vectors[idx], overlap, old, by_id, dormant, owner,
                                  settings, events)  # fmt: skip
    retired = _retire_uncarried(overlap, old, held, by_id, owner, events)

    outside = {id(t): max(0, t.size - held[t.id]) for t in existing}  # posts before the horizon
    for t in retired:
        keep = next(e.topic for e in events if e.kind == "merged" and e.other is t)
        before = outside.get(id(keep), 0)
        keep.centroid = _unit(keep.centroid * before + t.centroid * outside[id(t)])
        outside[id(keep)] = before + outside[id(t)]
    for c, idx in enumerate(clusters):
        topic = owner[c]
        before = outside.get(id(topic), 0)
        topic.centroid = _unit(topic.centroid * before + vectors[idx].sum(axis=0))
        topic.size = before + len(idx)
    assignment: list[Topic | None] = [owner[x] if x >= 0 else None for x in labels]
    _join_dormant(vectors, assignment, previous, dormant, owner, settings)
    # Topics whose horizon posts all became outliers stay, holding their older posts.
    gone = [*owner, *retired]
    emptied = [t for t in existing if held[t.id] and not _among(t, gone)]
    for topic in emptied:
        topic.size = outside[id(topic)]
    live = [*owner, *emptied, *(t for t in dormant if not _among(t, owner))]
    _record_moves(live, previous, assignment, events)
    members = {c: idx.tolist() for c, idx in enumerate(clusters)}
    keywords = _keywords(members, texts)
    for c, topic in enumerate(owner):
        topic.keywords = keywords[c]
        topic.label = " / ".join(topic.keywords[:3])
        topic.product_area = _product_area(topic, areas or [], area_vectors)
    retired += _merge_dormant(live, assignment, events)
    live = [t for t in live if not any(t is r for r in retired)]
    return TopicPlan(live, retired, assignment, events)


def _among(topic: Topic, topics: list) -> bool:
    return any(topic is t for t in topics)


def _record_moves(
    topics: list[Topic],
    previous: list[int | None],
    assignment: list[Topic | None],
    events: list[TopicEvent],
) -> None:
    """A "grown" event per existing topic whose posts changed: new posts, posts moved in from
    another topic, posts dropped to outliers. With the created, split and merged events every
    post that changed topic is on record."""
    new: Counter[int] = Counter()
    moved: Counter[int] = Counter()
    dropped: Counter[int] = Counter()
    for before, now in zip(previous, assignment, strict=True):
        if now is None:
            if before is not None:
                dropped[before] += 1
        elif before is None:
            new[id(now)] += 1
        elif before != now.id:
            moved[id(now)] += 1
    for topic in topics:
        if topic.id is None:
            continue  # new topics record theirs in their created or split event
        counts = new[id(topic)], moved[id(topic)], dropped[topic.id]
        if any(counts):
            new_posts, moved_in, dropped_out = counts
            details = {"posts": new_posts, "moved_in": moved_in, "dropped": dropped_out}
            events.append(TopicEvent("grown", topic, details=details))


def _carry_ids(
    clusters: list[np.ndarray],
    overlap: np.ndarray,
    old: list[int],
    held: Counter,
    by_id: dict[int | None, Topic],
) -> list[Topic | None]:
    """Each existing topic goes to at most one cluster, maximising the posts that keep their
    topic; a pairing counts when the cluster keeps half the topic's posts or is half made of
    them (one stray old post does not hand a topic's id to an unrelated cluster)."""
    owner: list[Topic | None] = [None] * len(clusters)
    if not overlap.size:
        return owner
    for c, j in zip(*linear_sum_assignment(-overlap), strict=True):
        shared = int(overlap[c, j])
        if shared and (2 * shared >= held[old[j]] or 2 * shared >= len(clusters[c])):
            owner[c] = by_id[old[j]]
    return owner


def _new_owner(
    c: int,
    vectors: np.ndarray,
    overlap: np.ndarray,
    old: list[int],
    by_id: dict[int | None, Topic],
    dormant: list[Topic],
    owner: list[Topic | None],
    settings: TopicSettings,
    events: list[TopicEvent],
) -> Topic:
    """A cluster no existing topic carries: a split-off group of an old topic's posts, a
    revived topic older than the horizon, or a new topic."""
    centroid = _unit(vectors.mean(axis=0))
    taken = overlap[c].sum() if overlap.size else 0
    if taken == 0:
        free = [t for t in dormant if not _among(t, owner)]
        if free:
            similarity = np.stack([t.centroid for t in free]) @ centroid
            if similarity.max() >= MERGE_SIMILARITY:
                return free[int(similarity.argmax())]
    topic = Topic(None, centroid, 0)
    # moved_in: posts that had another topic before, so every move is on record.
    details = {"posts": len(vectors), "moved_in": int(taken)}
    source = int(overlap[c].argmax()) if taken else None
    if source is not None and overlap[c, source] >= settings.min_cluster_size:
        events.append(TopicEvent("split", by_id[old[source]], topic, details))
    else:
        events.append(TopicEvent("created", topic, details=details))
    return topic


def _retire_uncarried(
    overlap: np.ndarray,
    old: list[int],
    held: Counter,
    by_id: dict[int | None, Topic],
    owner: list[Topic | None],
    events: list[TopicEvent],
) -> list[Topic]:
    """A topic no cluster carries is merged into the topic that got most of its posts; one whose
    posts all became outliers stays, like a topic older than the horizon."""
    retired = []
    for j, topic_id in enumerate(old):
        topic = by_id[topic_id]
        if any(topic is o for o in owner) or overlap[:, j].sum() == 0:
            continue
        keep = owner[int(overlap[:, j].argmax())]
        retired.append(topic)
        dropped = int(held[topic_id] - overlap[:, j].sum())  # its posts that became outliers
        details = {"posts": int(overlap[:, j].max()), "dropped": dropped}
        events.append(TopicEvent("merged", keep, topic, details))
    return retired


def _join_dormant(
    vectors: np.ndarray,
    assignment: list[Topic | None],
    previous: list[int | None],
    dormant: list[Topic],
    owner: list[Topic],
    settings: TopicSettings,
) -> None:
    """New outliers join a topic older than the horizon when close to its centroid."""
    free = [t for t in dormant if not _among(t, owner)]
    outliers = [i for i, t in enumerate(assignment) if t is None and previous[i] is None]
    if not free or not outliers:
        return
    similarity = vectors[outliers] @ np.stack([t.centroid for t in free]).T
    for row, i in enumerate(outliers):
        best = int(similarity[row].argmax())
        if similarity[row, best] >= settings.join_similarity:
            assignment[i] = free[best]
            free[best].size += 1


def _merge_dormant(
    live: list[Topic], assignment: list[Topic | None], events: list[TopicEvent]
) -> list[Topic]:
    """Merge topics whose centroids converged (clusters of one run never have: they were merged
    while clustering); the larger (or older) one keeps its id."""
    retired: list[Topic] = []
    order = sorted(live, key=lambda t: (-t.size, t.id or 1 << 62))
    for position, kept in enumerate(order):
        if any(kept is r for r in retired):
            continue
        for dropped in order[position + 1 :]:
            if any(dropped is r for r in retired):
                continue
            if float(kept.centroid @ dropped.centroid) < MERGE_SIMILARITY:
                continue
            kept.centroid = _unit(kept.centroid * kept.size + dropped.centroid * dropped.size)
            kept.size += dropped.size
            for i, t in enumerate(assignment):
                if t is dropped:
                    assignment[i] = kept
            retired.append(dropped)
            events.append(TopicEvent("merged", kept, dropped, {"size": dropped.size}))
    return retired


def _keywords(members: dict[int, list[int]], texts: list[str]) -> dict[int, list[str]]:
    """Class-based TF-IDF: words frequent in a topic and rare across the horizon's topics."""
    counts = {t: Counter(_words(" ".join(texts[i] for i in idx))) for t, idx in members.items()}
    overall: Counter[str] = Counter()
    for counter in counts.values():
        overall.update(counter)
    average = sum(overall.values()) / max(1, len(counts))
    keywords = {}
    for topic, own in counts.items():
        size = max(1, sum(own.values()))
        scores = {w: (c / size) * np.log(1 + average / overall[w]) for w, c in own.items()}
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        keywords[topic] = [w for w, _ in ranked[:KEYWORDS]]
    return keywords


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
