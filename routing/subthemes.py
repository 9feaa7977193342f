"""Condensed evidence: a finding's posts grouped into sub-themes by their stored embeddings.

Each sub-theme gets a short label (its most distinctive words by class-based TF-IDF against the
finding's other sub-themes), a count, a share of the finding's posts and one or two
representative quotes (most central to the sub-theme, weighted by reach). Near-identical texts
are quoted once, and a finding never quotes more than `MAX_QUOTES` posts in all. Everything is
deterministic: average-linkage clustering on cosine distance, ties broken by post id.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from routing.words import near_identical, tokens

MAX_QUOTES = 12
MAX_THEMES = 5
# Posts further apart than this (cosine distance, average linkage) are not one sub-theme.
CLUSTER_DISTANCE = 0.6
# Clustering is quadratic: beyond this many posts only the widest-reaching ones are clustered
# (the rest still count in "other").
MAX_CLUSTERED = 600
# A sub-theme needs this many posts; smaller groups are counted as "other".
MIN_THEME_POSTS = 2
LABEL_TERMS = 3


@dataclass(frozen=True)
class Subtheme:
    label: str
    count: int
    share: float
    quotes: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count, "share": self.share,
                "quotes": self.quotes}  # fmt: skip


@dataclass(frozen=True)
class Condensed:
    """What a finding quotes: sub-themes (largest first) and the quoted post ids in order."""

    subthemes: list[Subtheme]
    quotes: list[int]
    # Original posts the sub-themes are shares of.
    posts: int
    # post id -> label of its sub-theme (posts of the shown sub-themes only)
    membership: dict[int, str] = field(default_factory=dict)


def condense_evidence(
    posts: Sequence[dict[str, Any]],
    embeddings: dict[int, Sequence[float]],
    ignore: Iterable[str] = (),
    ranked: Sequence[int] = (),
    max_quotes: int = MAX_QUOTES,
) -> Condensed:
    """Sub-themes of `posts` (reposts and empty texts left out) and at most `max_quotes` quotes.

    `ranked` orders the candidates to quote when there are no embeddings to cluster by (the
    caller's evidence ranking); `ignore` holds words that must not label a sub-theme.
    """
    ignore = set(ignore)
    originals = [p for p in posts if p["kind"] != "repost" and p["text"].strip()]
    if not originals:
        return Condensed([], [], 0)
    order = {pid: n for n, pid in enumerate(ranked)}
    by_weight = sorted(originals, key=lambda p: (order.get(p["id"], len(order)), -_weight(p),
                                                 p["id"]))  # fmt: skip
    clustered = [p for p in by_weight if p["id"] in embeddings][:MAX_CLUSTERED]
    groups = _clusters(clustered, embeddings)
    themes = [g for g in groups if len(g) >= MIN_THEME_POSTS][:MAX_THEMES]
    if not themes:
        return Condensed([], _quotes_in_order(by_weight, max_quotes), len(originals))
    labels = _labels([[p["text"] for p in g] for g in groups], ignore)
    total = len(originals)
    per_theme = _quota(len(themes), max_quotes)
    chosen: list[dict[str, Any]] = []
    subthemes = []
    membership: dict[int, str] = {}
    for group, quota in zip(themes, per_theme, strict=True):
        picks = []
        for post in _central_first(group, embeddings):
            if len(picks) == quota:
                break
            if not any(near_identical(post["text"], c["text"]) for c in chosen):
                picks.append(post)
                chosen.append(post)
        label = labels[groups.index(group)] or _fallback_label(group)
        membership.update((p["id"], label) for p in group)
        subthemes.append(Subtheme(label, len(group), round(len(group) / total, 4),
                                  [p["id"] for p in picks]))  # fmt: skip
    return Condensed(subthemes, [p["id"] for p in chosen], total, membership)


def _weight(post: dict[str, Any]) -> float:
    # As in the detectors: one engagement counts like 50 followers.
    return max(0.0, float(post.get("reach") or 0) + 50.0 * float(post.get("engagement") or 0))


def _quotes_in_order(posts: list[dict[str, Any]], limit: int) -> list[int]:
    chosen: list[dict[str, Any]] = []
    for post in posts:
        if len(chosen) == limit:
            break
        if not any(near_identical(post["text"], c["text"]) for c in chosen):
            chosen.append(post)
    return [p["id"] for p in chosen]


def _quota(themes: int, limit: int) -> list[int]:
    """Two quotes for the leading sub-themes, one for the others, never more than `limit`."""
    quota = [1] * min(themes, limit)
    spare = limit - len(quota)
    for i in range(len(quota)):
        if spare <= 0 or i >= 2:
            break
        quota[i] += 1
        spare -= 1
    return quota + [0] * (themes - len(quota))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _clusters(
    posts: list[dict[str, Any]], embeddings: dict[int, Sequence[float]]
) -> list[list[dict[str, Any]]]:
    """Groups of posts, largest first (ties: the group holding the best-ranked post first)."""
    if len(posts) < 2:
        return [posts] if posts else []
    vectors = _unit(np.asarray([embeddings[p["id"]] for p in posts], dtype=np.float64))
    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    condensed = distances[np.triu_indices(len(posts), k=1)]
    tree = linkage(condensed, method="average")
    assignment = fcluster(tree, t=CLUSTER_DISTANCE, criterion="distance")
    groups: dict[int, list[dict[str, Any]]] = {}
    for post, cluster in zip(posts, assignment.tolist(), strict=True):
        groups.setdefault(cluster, []).append(post)
    first = {c: min(posts.index(p) for p in g) for c, g in groups.items()}
    return [groups[c] for c in sorted(groups, key=lambda c: (-len(groups[c]), first[c]))]


def _central_first(
    group: list[dict[str, Any]], embeddings: dict[int, Sequence[float]]
) -> list[dict[str, Any]]:
    """Posts that say what most of the group says, the widest-reaching first among them."""
    vectors = _unit(np.asarray([embeddings[p["id"]] for p in group], dtype=np.float64))
    centre = vectors.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    closeness = vectors @ centre
    score = {p["id"]: (0.5 + 0.5 * max(0.0, float(c))) * math.log10(10 + _weight(p))
             for p, c in zip(group, closeness.tolist(), strict=True)}  # fmt: skip
    return sorted(group, key=lambda p: (-round(score[p["id"]], 9), p["id"]))


def _labels(groups: list[list[str]], ignore: set[str]) -> list[str]:
    """Class-based TF-IDF: a term's frequency in a group, weighted by how rare it is across
    groups (log(1 + mean words per group / the term's frequency over all groups))."""
    counts = [Counter(t for text in texts for t in set(tokens(text, ignore))) for texts in groups]
    overall: Counter[str] = Counter()
    for c in counts:
        overall.update(c)
    words_per_group = [sum(c.values()) or 1 for c in counts]
    mean_words = sum(words_per_group) / len(words_per_group)
    labels = []
    for c, size in zip(counts, words_per_group, strict=True):
        scored = sorted(
            ((n / size) * math.log(1 + mean_words / overall[t]), t) for t, n in c.items() if n >= 2
        )
        top = [t for _, t in sorted(scored, key=lambda s: (-s[0], s[1]))[:LABEL_TERMS]]
        labels.append(" · ".join(top))
    return labels


def _fallback_label(group: list[dict[str, Any]]) -> str:
    words = tokens(group[0]["text"])[:LABEL_TERMS]
    return " · ".join(words) if words else "posts"
