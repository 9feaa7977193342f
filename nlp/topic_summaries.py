"""Clustering a large look-back horizon through summaries of its posts.

HDBSCAN on every post of the horizon costs the square of its size (a distance matrix, or tree
searches that do not prune in 384 dimensions): 300,000 posts cannot be clustered that way. Above
`nlp.topics.BRUTE_FORCE_POSTS` posts the topic stage clusters summaries instead:

1. a leader pass in the horizon's canonical (time) order: a post joins the most similar leader
   when it is at least `radius` close, else it becomes a leader itself. The leader is the first
   post of its group and never moves, so the groups depend only on the posts and their order:
   the first half of a horizon gets exactly the leaders the whole horizon gets for those posts,
   which keeps "scored in two halves = scored at once" for the summaries too;
2. while there are more leaders than HDBSCAN handles with a full matrix, leaders are summarised
   again, with a wider radius (a leader of leaders carries the posts of its members);
3. HDBSCAN runs on the top summaries; converged clusters are merged and outlier summaries join
   a close cluster by the weighted centroids (the posts' mean, not the leaders'); clusters with
   fewer posts than `min_cluster_size` become outliers; every post takes its summary's label.

Cost: one pass of (posts x leaders) dot products in batches, plus HDBSCAN on at most
`MAX_SUMMARIES` points: linear in the horizon for a bounded number of leaders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.cluster import HDBSCAN

# A post this similar to a leader is summarised by it (MiniLM: paraphrases are above ~0.8).
FIRST_RADIUS = 0.8
# Each further level of summaries accepts members this much less similar.
RADIUS_STEP = 0.1
LOWEST_RADIUS = 0.45
# HDBSCAN's full distance matrix for this many points takes 0.5 GB.
MAX_SUMMARIES = 8000
_BATCH = 2048


@dataclass
class Summaries:
    """A level of summaries: each post's summary, and per summary its vector, posts and sum."""

    of_post: np.ndarray  # summary index per input row
    vectors: np.ndarray  # the leaders' own vectors (k x d)
    weights: np.ndarray  # posts summarised (k,)
    sums: np.ndarray  # sum of the posts' unit vectors (k x d)


def leader_pass(vectors: np.ndarray, radius: float, weights: np.ndarray | None = None) -> Summaries:
    """Group unit vectors, in their given order, under leaders at least `radius` similar."""
    count, dims = vectors.shape
    weights = np.ones(count, dtype=np.float64) if weights is None else weights
    of_post = np.empty(count, dtype=np.int64)
    leaders = np.empty((min(count, 1024), dims), dtype=np.float32)
    size = 0
    for begin in range(0, count, _BATCH):
        batch = vectors[begin : begin + _BATCH]
        if size:
            similarity = batch @ leaders[:size].T
            best = similarity.argmax(axis=1)
            best_similarity = similarity[np.arange(len(batch)), best]
        else:
            best = np.zeros(len(batch), dtype=np.int64)
            best_similarity = np.full(len(batch), -np.inf)
        joined = best_similarity >= radius
        of_post[begin : begin + len(batch)][joined] = best[joined]
        # The rest in order: each becomes a leader unless a leader made earlier in this batch
        # is close enough (and closer than any older leader).
        first_new = size
        for row in np.flatnonzero(~joined):
            vector = batch[row]
            if size > first_new:
                fresh = leaders[first_new:size] @ vector
                j = int(fresh.argmax())
                if fresh[j] >= radius and fresh[j] > best_similarity[row]:
                    of_post[begin + row] = first_new + j
                    continue
            if size == len(leaders):
                leaders = np.concatenate([leaders, np.empty_like(leaders)])
            leaders[size] = vector
            of_post[begin + row] = size
            size += 1
    sums = _group_sums(of_post, vectors, size, weights)
    return Summaries(of_post, leaders[:size].copy(), np.bincount(of_post, weights, size), sums)


def _group_sums(
    group: np.ndarray, rows: np.ndarray, groups: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Sum of `rows` (times `weights`) per group, as one sparse product (np.add.at is ~10x
    slower on 300,000 rows)."""
    data = np.ones(len(group)) if weights is None else weights
    members = sparse.csr_matrix((data, (group, np.arange(len(group)))), shape=(groups, len(group)))
    return np.asarray(members @ rows, dtype=np.float64)


def summarise(vectors: np.ndarray) -> tuple[np.ndarray, Summaries]:
    """Summaries small enough for HDBSCAN, and each post's top-level summary."""
    level = leader_pass(vectors, FIRST_RADIUS)
    of_post = level.of_post
    radius = FIRST_RADIUS
    while len(level.weights) > MAX_SUMMARIES and radius - RADIUS_STEP >= LOWEST_RADIUS - 1e-9:
        radius -= RADIUS_STEP
        upper = leader_pass(level.vectors, radius, level.weights)
        # Carry the posts' sums up, not the leaders' own vectors.
        sums = _group_sums(upper.of_post, level.sums, len(upper.weights))
        of_post = upper.of_post[of_post]
        level = Summaries(upper.of_post, upper.vectors, upper.weights, sums)
    return of_post, level


def cluster_summarised(
    vectors: np.ndarray, min_cluster_size: int, join_similarity: float, merge_similarity: float
) -> np.ndarray:
    """Cluster labels per post (-1 outlier), found on the horizon's summaries."""
    of_post, top = summarise(vectors)
    centroids = _unit(top.sums)
    labels = np.full(len(top.weights), -1)
    if len(top.weights) >= 3:
        labels = HDBSCAN(min_cluster_size=2, min_samples=2, algorithm="brute",
                         copy=True).fit_predict(centroids)  # fmt: skip
    labels = _merge(top, labels, merge_similarity)
    labels = _absorb(top, labels, join_similarity)
    labels = _merge(top, labels, merge_similarity)
    posts = (
        np.bincount(labels[labels >= 0], top.weights[labels >= 0]) if (labels >= 0).any() else []
    )
    small = [c for c, n in enumerate(posts) if 0 < n < min_cluster_size]
    labels = np.where(np.isin(labels, small), -1, labels)
    return labels[of_post]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def _cluster_centroids(top: Summaries, labels: np.ndarray) -> tuple[list[int], np.ndarray]:
    names = sorted(set(labels.tolist()) - {-1})
    return names, _unit(np.stack([top.sums[labels == n].sum(axis=0) for n in names]))


def _merge(top: Summaries, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge the most similar pair of clusters (posts' mean) until no pair reaches threshold.

    The same greedy order as merging one pair at a time from scratch, with the pair
    similarities kept and only the merged cluster's row recomputed."""
    names = sorted(set(labels.tolist()) - {-1})
    if len(names) < 2:
        return labels
    row_of = {name: row for row, name in enumerate(names)}
    clustered = labels >= 0
    rows = np.asarray([row_of[x] for x in labels[clustered].tolist()])
    sums = _group_sums(rows, top.sums[clustered], len(names))
    centroids = _unit(sums)
    similarity = np.triu(centroids @ centroids.T, k=1)
    similarity[np.tril_indices(len(names))] = -np.inf
    into = np.arange(len(names))
    while True:
        a, b = np.unravel_index(int(similarity.argmax()), similarity.shape)
        if similarity[a, b] < threshold:
            break
        into[into == b] = a
        sums[a] += sums[b]
        similarity[b, :] = similarity[:, b] = -np.inf
        centroid = _unit(sums[a][None, :])[0]
        fresh = centroids @ centroid
        centroids[a] = centroid
        alive = into == np.arange(len(names))
        fresh[~alive] = -np.inf
        fresh[a] = -np.inf
        # Keep the matrix upper-triangular: pair (i, j) lives at i < j.
        similarity[a, a + 1 :] = fresh[a + 1 :]
        similarity[:a, a] = fresh[:a]
    merged = labels.copy()
    merged[clustered] = np.asarray(names)[into[rows]]
    return merged


def _absorb(top: Summaries, labels: np.ndarray, threshold: float) -> np.ndarray:
    outliers = np.flatnonzero(labels == -1)
    if not len(outliers) or (labels == -1).all():
        return labels
    names, centroids = _cluster_centroids(top, labels)
    similarity = _unit(top.sums[outliers]) @ centroids.T
    best = similarity.argmax(axis=1)
    labels = labels.copy()
    close = similarity[np.arange(len(outliers)), best] >= threshold
    labels[outliers[close]] = np.asarray(names)[best[close]]
    return labels
