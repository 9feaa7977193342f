"""Influence of authors per window and scope (everything, a discovered topic, a product area).

Four components, each scaled to 0..1 against the strongest author of the same scope, add up
with configured weights to one score, so every score can be recomputed from its stored parts:

- potential reach: followers (X) or karma (Reddit) at posting time, log-scaled;
- amplification: reposts, quotes, replies, mentions (kind-weighted) and likes or score received,
  and the number of distinct amplifiers, each log-scaled, averaged;
- centrality: weighted PageRank on the window's interaction graph; for a topic or area, the
  same graph personalised to the authors of that scope's posts (TwitterRank-like);
- consistency: share of the last `consistency_days` days the author posted in the scope.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np

from echolot.config import InfluenceSettings
from reach.graph import Graph, Node, graph_from_arrays, pagerank

KINDS = ("repost", "quote", "reply", "mention")


@dataclass(frozen=True, order=True)
class Scope:
    """topic_id 0 and product_area '' together: everything in the window."""

    topic_id: int = 0
    product_area: str = ""

    @property
    def kind(self) -> str:
        return "topic" if self.topic_id else "product_area" if self.product_area else "all"


ALL = Scope()


class PostFacts(NamedTuple):
    author: Node
    topic_id: int | None
    areas: tuple[str, ...]
    audience: int
    created_at: datetime
    reposts: int
    quotes: int
    replies: int
    likes: int


class EdgeFacts(NamedTuple):
    source: Node
    target: Node
    kind: str
    topic_id: int | None
    areas: tuple[str, ...]


class ActiveDay(NamedTuple):
    author: Node
    day: date
    topic_id: int | None
    areas: tuple[str, ...]


@dataclass(frozen=True)
class AuthorInfluence:
    scope: Scope
    author: Node
    potential_reach: float
    amplification: float
    centrality: float
    consistency: float
    score: float
    rank: int | None  # None: not eligible to lead (no own post in the scope, or owned)
    is_leader: bool
    details: dict[str, Any] = field(default_factory=dict)


def scopes_of(topic_id: int | None, areas: Iterable[str]) -> list[Scope]:
    """Every scope a post or edge with this topic and these areas counts towards."""
    scopes = [ALL]
    if topic_id:
        scopes.append(Scope(topic_id=topic_id))
    scopes.extend(Scope(product_area=area) for area in sorted(set(areas)) if area)
    return scopes


def strongest_edges(
    edges: Iterable[tuple[str, EdgeFacts]], weights: dict[str, float]
) -> list[EdgeFacts]:
    """One edge per interacting post and target author, of its strongest kind: an X reply that
    starts with @name is also a mention of the same person, and must not count twice."""
    best: dict[tuple[str, Node], EdgeFacts] = {}
    for source_post, edge in edges:
        if edge.source == edge.target:
            continue
        key = (source_post, edge.target)
        if key not in best or weights[edge.kind] > weights[best[key].kind]:
            best[key] = edge
    return list(best.values())


def compute_influence(
    posts: Sequence[PostFacts],
    edges: Sequence[EdgeFacts],
    active: Sequence[ActiveDay],
    settings: InfluenceSettings,
    window_end: datetime,
    owned: frozenset[Node] = frozenset(),
) -> list[AuthorInfluence]:
    """Influence rows for every author active in the window, per scope; empty input, none."""
    kind_weight = settings.edge_weights.model_dump()
    nodes: dict[Node, int] = {}
    for edge in edges:
        nodes.setdefault(edge.source, len(nodes))
        nodes.setdefault(edge.target, len(nodes))
    for post in posts:
        nodes.setdefault(post.author, len(nodes))
    if not nodes:
        return []
    node_list = list(nodes)
    sources = np.fromiter((nodes[e.source] for e in edges), dtype=np.int64, count=len(edges))
    targets = np.fromiter((nodes[e.target] for e in edges), dtype=np.int64, count=len(edges))
    kinds = np.fromiter((KINDS.index(e.kind) for e in edges), dtype=np.int64, count=len(edges))
    edge_weights = np.asarray([kind_weight[k] for k in KINDS])[kinds] if len(edges) else np.zeros(0)
    graph = graph_from_arrays(node_list, nodes, sources, targets, edge_weights)
    global_rank = pagerank(graph, settings.damping)

    edges_in: dict[Scope, list[int]] = defaultdict(list)
    for i, edge in enumerate(edges):
        for scope in scopes_of(edge.topic_id, edge.areas):
            edges_in[scope].append(i)
    posts_in: dict[Scope, list[PostFacts]] = defaultdict(list)
    for post in posts:
        for scope in scopes_of(post.topic_id, post.areas):
            posts_in[scope].append(post)
    days_in: dict[tuple[Scope, Node], set[date]] = defaultdict(set)
    for day in active:
        for scope in scopes_of(day.topic_id, day.areas):
            days_in[(scope, day.author)].add(day.day)
    audience = _audience_at_window_end(posts, window_end)

    rows: list[AuthorInfluence] = []
    for scope in sorted(set(edges_in) | set(posts_in)):
        context = _ScopeContext(
            scope=scope,
            graph=graph,
            global_rank=global_rank,
            settings=settings,
            sources=sources,
            targets=targets,
            kinds=kinds,
            edge_ids=np.asarray(edges_in.get(scope, []), dtype=np.int64),
            posts=posts_in.get(scope, []),
            audience=audience,
            days_in=days_in,
            owned=owned,
        )
        rows.extend(context.rows())
    return rows


def _audience_at_window_end(posts: Sequence[PostFacts], window_end: datetime) -> dict[Node, int]:
    """Each author's audience on their latest post before the window's end."""
    latest: dict[Node, tuple[datetime, int]] = {}
    for post in posts:
        if post.created_at < window_end and (
            post.author not in latest or post.created_at >= latest[post.author][0]
        ):
            latest[post.author] = (post.created_at, post.audience)
    return {author: value for author, (_, value) in latest.items()}


@dataclass
class _ScopeContext:
    scope: Scope
    graph: Graph
    global_rank: np.ndarray
    settings: InfluenceSettings
    sources: np.ndarray
    targets: np.ndarray
    kinds: np.ndarray
    edge_ids: np.ndarray
    posts: list[PostFacts]
    audience: dict[Node, int]
    days_in: dict[tuple[Scope, Node], set[date]]
    owned: frozenset[Node]

    def rows(self) -> list[AuthorInfluence]:
        size = len(self.graph.nodes)
        index = self.graph.index
        targets = self.targets[self.edge_ids]
        received = np.zeros((len(KINDS), size))
        for k in range(len(KINDS)):
            mask = self.kinds[self.edge_ids] == k
            received[k] = np.bincount(targets[mask], minlength=size)
        pairs = np.unique(self.sources[self.edge_ids] * size + targets)
        amplifiers = np.bincount(pairs % size, minlength=size) if len(pairs) else np.zeros(size)

        # What the platform counted (reposts etc. by people outside our data too) beside what
        # we observed; the larger of the two, so nothing is counted twice.
        counted = np.zeros((4, size))  # reposts, quotes, replies, likes
        post_count = np.zeros(size)
        for post in self.posts:
            i = index[post.author]
            counted[:, i] += (post.reposts, post.quotes, post.replies, post.likes)
            post_count[i] += 1
        weights = self.settings.edge_weights
        engagement = (
            weights.repost * np.maximum(received[0], counted[0])
            + weights.quote * np.maximum(received[1], counted[1])
            + weights.reply * np.maximum(received[2], counted[2])
            + weights.mention * received[3]
            + self.settings.like_weight * counted[3]
        )
        members = np.flatnonzero((post_count > 0) | (received.sum(axis=0) > 0))
        if self.scope == ALL:
            centrality, topic_rank = self.global_rank, None
        else:
            topic_rank = pagerank(self.graph, self.settings.damping, personalization=post_count)
            centrality = topic_rank
        audience = np.asarray([self.audience.get(self.graph.nodes[i], 0) for i in members], float)
        components = {
            "potential_reach": _log_scaled(audience),
            "amplification": (
                _log_scaled(engagement[members]) + _log_scaled(amplifiers[members].astype(float))
            )
            / 2,
            "centrality": _max_scaled(centrality[members]),
            "consistency": np.asarray(
                [len(self.days_in.get((self.scope, self.graph.nodes[i]), ())) for i in members],
                float,
            )
            / self.settings.consistency_days,
        }
        components["consistency"] = np.minimum(components["consistency"], 1.0)
        weight_of = self.settings.weights.model_dump()
        total_weight = sum(weight_of.values())
        scores = sum(weight_of[name] * values for name, values in components.items()) / total_weight

        eligible = [
            j
            for j, i in enumerate(members)
            if post_count[i] > 0 and self.graph.nodes[i] not in self.owned
        ]
        eligible.sort(key=lambda j: (-scores[j], self.graph.nodes[members[j]]))
        rank_of = {j: position + 1 for position, j in enumerate(eligible)}
        leaders = self.settings.leaders.cutoff(len(eligible))

        rows = []
        for j, i in enumerate(members):
            rank = rank_of.get(j)
            details = {
                "audience": int(audience[j]),
                "received": {kind: int(received[k, i]) for k, kind in enumerate(KINDS)},
                "platform_counts": dict(
                    zip(
                        ("reposts", "quotes", "replies", "likes"),
                        (int(v) for v in counted[:, i]),
                        strict=True,
                    )
                ),
                "engagement": round(float(engagement[i]), 4),
                "distinct_amplifiers": int(amplifiers[i]),
                "pagerank": float(self.global_rank[i]),
                "topic_pagerank": None if topic_rank is None else float(topic_rank[i]),
                "posts": int(post_count[i]),
                "active_days": len(self.days_in.get((self.scope, self.graph.nodes[i]), ())),
                "consistency_days": self.settings.consistency_days,
                "weights": weight_of,
            }
            rows.append(
                AuthorInfluence(
                    scope=self.scope,
                    author=self.graph.nodes[i],
                    potential_reach=float(components["potential_reach"][j]),
                    amplification=float(components["amplification"][j]),
                    centrality=float(components["centrality"][j]),
                    consistency=float(components["consistency"][j]),
                    score=float(scores[j]),
                    rank=rank,
                    is_leader=rank is not None and rank <= leaders,
                    details=details,
                )
            )
        return rows


def _log_scaled(values: np.ndarray) -> np.ndarray:
    logged = np.log1p(np.maximum(values, 0))
    top = logged.max(initial=0.0)
    return logged / top if top > 0 else np.zeros_like(logged)


def _max_scaled(values: np.ndarray) -> np.ndarray:
    top = values.max(initial=0.0)
    return values / top if top > 0 else np.zeros_like(values)


def explain(row: AuthorInfluence) -> float:
    """The score again, from the stored components and weights (what the README promises)."""
    weights = row.details["weights"]
    parts = (row.potential_reach, row.amplification, row.centrality, row.consistency)
    names = ("potential_reach", "amplification", "centrality", "consistency")
    return math.fsum(weights[n] * v for n, v in zip(names, parts, strict=True)) / math.fsum(
        weights.values()
    )
