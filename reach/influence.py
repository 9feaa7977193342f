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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np

from echolot import store
from echolot.config import InfluenceSettings
from reach.graph import Graph, Node, graph_from_arrays, pagerank

KINDS = ("repost", "quote", "reply", "mention")
COMPONENTS = ("potential_reach", "amplification", "centrality", "consistency")
COUNTED = ("reposts", "quotes", "replies", "likes")


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


class AuthorInfluence(NamedTuple):
    scope: Scope
    author: Node
    potential_reach: float
    amplification: float
    centrality: float
    consistency: float
    score: float
    rank: int | None  # None: not eligible to lead (no own post in the scope, or owned)
    is_leader: bool
    # raw figures behind the components, and the weights that combined them
    details: dict[str, Any]


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


def _grouped(keys: Sequence[tuple[int | None, tuple[str, ...]]]) -> dict[Scope, np.ndarray]:
    """Scope -> indices of the items (posts or edges) with these (topic, areas) keys that count
    towards it. Items share few distinct keys, so scopes are worked out once per key."""
    key_ids: dict[tuple[int | None, tuple[str, ...]], int] = {}
    ids = np.fromiter((key_ids.setdefault(k, len(key_ids)) for k in keys), np.int64, len(keys))
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(len(key_ids) + 1))
    parts: dict[Scope, list[np.ndarray]] = defaultdict(list)
    for (topic_id, areas), key_id in key_ids.items():
        members = order[bounds[key_id] : bounds[key_id + 1]]
        for scope in scopes_of(topic_id, areas):
            parts[scope].append(members)
    return {scope: np.sort(np.concatenate(chunks)) for scope, chunks in parts.items()}


def compute_influence(
    posts: Sequence[PostFacts],
    edges: Sequence[EdgeFacts],
    active: Sequence[ActiveDay],
    settings: InfluenceSettings,
    window_end: datetime,
    owned: frozenset[Node] = frozenset(),
) -> list[ScopeInfluence]:
    """Influence of every author active in the window, per scope; empty input, none.
    `influence_columns` gives the store its columns, `influence_rows` makes rows of it."""
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
    kind_ids = {kind: k for k, kind in enumerate(KINDS)}
    sources = np.fromiter((nodes[e.source] for e in edges), np.int64, len(edges))
    targets = np.fromiter((nodes[e.target] for e in edges), np.int64, len(edges))
    kinds = np.fromiter((kind_ids[e.kind] for e in edges), np.int64, len(edges))
    edge_weights = np.asarray([kind_weight[k] for k in KINDS])[kinds]
    graph = graph_from_arrays(node_list, nodes, sources, targets, edge_weights)
    global_rank = pagerank(graph, settings.damping)

    post_authors = np.fromiter((nodes[p.author] for p in posts), np.int64, len(posts))
    post_counts = np.asarray([(p.reposts, p.quotes, p.replies, p.likes) for p in posts], float)
    edges_in = _grouped([(e.topic_id, e.areas) for e in edges])
    posts_in = _grouped([(p.topic_id, p.areas) for p in posts])
    days_in: dict[Scope, dict[int, set[date]]] = defaultdict(lambda: defaultdict(set))
    for day in active:
        if day.author in nodes:
            for scope in scopes_of(day.topic_id, day.areas):
                days_in[scope][nodes[day.author]].add(day.day)
    audience_of = _audience_at_window_end(posts, window_end)
    audience = np.asarray([audience_of.get(node, 0) for node in node_list], float)
    owned_mask = np.zeros(len(node_list), bool)
    owned_mask[[nodes[node] for node in owned if node in nodes]] = True
    name_order = np.empty(len(node_list), np.int64)
    name_order[sorted(range(len(node_list)), key=node_list.__getitem__)] = np.arange(len(node_list))

    results: list[ScopeInfluence] = []
    nothing = np.zeros(0, np.int64)
    for scope in sorted(set(edges_in) | set(posts_in)):
        post_ids = posts_in.get(scope, nothing)
        context = _ScopeContext(
            scope=scope,
            graph=graph,
            global_rank=global_rank,
            settings=settings,
            sources=sources,
            targets=targets,
            kinds=kinds,
            edge_ids=edges_in.get(scope, nothing),
            post_authors=post_authors[post_ids],
            post_counts=post_counts[post_ids] if len(post_ids) else np.zeros((0, 4)),
            audience=audience,
            active_days={i: len(days) for i, days in days_in.get(scope, {}).items()},
            owned=owned_mask,
            name_order=name_order,
        )
        results.append(context.compute())
    return results


def _audience_at_window_end(posts: Sequence[PostFacts], window_end: datetime) -> dict[Node, int]:
    """Each author's audience on their latest post before the window's end."""
    latest: dict[Node, tuple[datetime, int]] = {}
    for post in posts:
        if post.created_at < window_end and (
            post.author not in latest or post.created_at >= latest[post.author][0]
        ):
            latest[post.author] = (post.created_at, post.audience)
    return {author: value for author, (_, value) in latest.items()}


@dataclass(frozen=True)
class ScopeInfluence:
    """One scope's influence, column by column (index j = j-th member of the scope)."""

    scope: Scope
    nodes: list[Node]  # the graph's nodes; members index into it
    members: np.ndarray
    components: dict[str, np.ndarray]  # each 0..1, keyed by COMPONENTS
    scores: np.ndarray
    ranks: np.ndarray  # 1 = first; 0 = not eligible (no own post in the scope, or owned)
    leaders: np.ndarray  # bool
    raw: dict[str, np.ndarray]  # the figures behind the components
    weights: dict[str, float]
    consistency_days: int

    def rows(self) -> Iterator[AuthorInfluence]:
        """The scope as rows; plain Python values, since one row per member is many."""
        raw = self.raw
        received, counted = raw["received"].T.tolist(), raw["counted"].T.tolist()
        topic_rank = raw["topic_pagerank"]
        columns = zip(
            self.members.tolist(), *(self.components[n].tolist() for n in COMPONENTS),
            self.scores.tolist(), self.ranks.tolist(), self.leaders.tolist(),
            raw["audience"].tolist(), received, counted, raw["engagement"].tolist(),
            raw["amplifiers"].tolist(), raw["pagerank"].tolist(),
            topic_rank.tolist() if topic_rank is not None else [None] * len(self.members),
            raw["posts"].tolist(), raw["active_days"].tolist(), strict=True,
        )  # fmt: skip
        for (i, reach, amplification, centrality, consistency, score, rank, leader, audience,
             got, platform, engaged, amplified, pagerank_value, topic_value, posts,
             days) in columns:  # fmt: skip
            details = {
                "audience": int(audience),
                "received": {"repost": int(got[0]), "quote": int(got[1]),
                             "reply": int(got[2]), "mention": int(got[3])},
                "platform_counts": {"reposts": int(platform[0]), "quotes": int(platform[1]),
                                    "replies": int(platform[2]), "likes": int(platform[3])},
                "engagement": engaged,
                "distinct_amplifiers": int(amplified),
                "pagerank": pagerank_value,
                "topic_pagerank": topic_value,
                "posts": int(posts),
                "active_days": int(days),
                "consistency_days": self.consistency_days,
                "weights": self.weights,
            }  # fmt: skip
            yield AuthorInfluence(self.scope, self.nodes[i], reach, amplification, centrality,
                                  consistency, score, rank or None, leader, details)  # fmt: skip


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
    post_authors: np.ndarray  # node index of each post in the scope
    post_counts: np.ndarray  # reposts, quotes, replies, likes of each post in the scope
    audience: np.ndarray  # per node
    active_days: dict[int, int]  # node index -> days active in the scope
    owned: np.ndarray  # bool per node
    name_order: np.ndarray  # per node: its position when nodes are sorted (for ties)

    def compute(self) -> ScopeInfluence:
        size = len(self.graph.nodes)
        targets = self.targets[self.edge_ids]
        kinds = self.kinds[self.edge_ids]
        received = np.stack([np.bincount(targets[kinds == k], minlength=size)
                             for k in range(len(KINDS))]).astype(float)  # fmt: skip
        pairs = np.unique(self.sources[self.edge_ids] * size + targets)
        amplifiers = np.bincount(pairs % size, minlength=size).astype(float)

        # What the platform counted (reposts etc. by people outside our data too) beside what
        # we observed; the larger of the two, so nothing is counted twice.
        counted = np.stack([
            np.bincount(self.post_authors, weights=self.post_counts[:, c], minlength=size)
            for c in range(4)
        ])  # fmt: skip
        post_count = np.bincount(self.post_authors, minlength=size).astype(float)
        weights = self.settings.edge_weights
        engagement = (
            weights.repost * np.maximum(received[0], counted[0])
            + weights.quote * np.maximum(received[1], counted[1])
            + weights.reply * np.maximum(received[2], counted[2])
            + weights.mention * received[3]
            + self.settings.like_weight * counted[3]
        )
        members = np.flatnonzero((post_count > 0) | (received.sum(axis=0) > 0))
        topic_rank = None
        if self.scope != ALL:
            topic_rank = pagerank(self.graph, self.settings.damping, personalization=post_count)
        centrality = self.global_rank if topic_rank is None else topic_rank
        active = np.asarray([self.active_days.get(i, 0) for i in members.tolist()], float)
        components = {
            "potential_reach": _log_scaled(self.audience[members]),
            "amplification": (
                _log_scaled(engagement[members]) + _log_scaled(amplifiers[members])
            ) / 2,
            "centrality": _max_scaled(centrality[members]),
            "consistency": np.minimum(active / self.settings.consistency_days, 1.0),
        }  # fmt: skip
        weight_of = self.settings.weights.model_dump()
        scores = sum(weight_of[n] * components[n] for n in COMPONENTS) / sum(weight_of.values())

        # Rank eligible members by score, ties by platform and author id.
        eligible = np.flatnonzero((post_count[members] > 0) & ~self.owned[members])
        order = eligible[np.lexsort((self.name_order[members[eligible]], -scores[eligible]))]
        ranks = np.zeros(len(members), np.int64)
        ranks[order] = np.arange(1, len(order) + 1)
        cutoff = self.settings.leaders.cutoff(len(order))
        # A leader needs a measured audience or measured amplification above the floors: with
        # no follower data a rank alone says nothing. The first `cutoff` evidenced authors lead.
        floors = self.settings.leader_evidence
        amplifications = np.maximum(received[:3], counted[:3]).sum(axis=0)
        evidenced = (self.audience >= max(floors.min_audience, 1)) | (
            amplifications >= max(floors.min_amplifications, 1)
        )
        leading = np.zeros(len(members), bool)
        leading[[i for i in order.tolist() if evidenced[members[i]]][:cutoff]] = True
        return ScopeInfluence(
            scope=self.scope,
            nodes=self.graph.nodes,
            members=members,
            components=components,
            scores=scores,
            ranks=ranks,
            leaders=leading,
            raw={
                "audience": self.audience[members],
                "received": received[:, members],
                "counted": counted[:, members],
                "engagement": np.round(engagement[members], 4),
                "amplifiers": amplifiers[members],
                "pagerank": self.global_rank[members],
                "topic_pagerank": None if topic_rank is None else topic_rank[members],
                "posts": post_count[members],
                "active_days": active,
            },
            weights=weight_of,
            consistency_days=self.settings.consistency_days,
        )


def _log_scaled(values: np.ndarray) -> np.ndarray:
    logged = np.log1p(np.maximum(values, 0))
    top = logged.max(initial=0.0)
    return logged / top if top > 0 else np.zeros_like(logged)


def _max_scaled(values: np.ndarray) -> np.ndarray:
    top = values.max(initial=0.0)
    return values / top if top > 0 else np.zeros_like(values)


def influence_rows(results: Iterable[ScopeInfluence]) -> list[AuthorInfluence]:
    return [row for result in results for row in result.rows()]


def influence_columns(results: Sequence[ScopeInfluence]) -> Iterator[store.InfluenceColumns]:
    """The results as the store's columns, scope by scope: what the stage stores, with the
    values `rows()` gives but no object per row (a 1M-edge window has a million rows)."""
    names: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per node list (scopes share one)
    for result in results:
        if id(result.nodes) not in names:
            platforms, authors = zip(*result.nodes, strict=True) if result.nodes else ((), ())
            names[id(result.nodes)] = (_utf8(platforms), _utf8(authors))
        platform, author = names[id(result.nodes)]
        raw = result.raw
        yield store.InfluenceColumns(
            topic_id=result.scope.topic_id, product_area=result.scope.product_area,
            platform=platform[result.members], author_id=author[result.members],
            **result.components, score=result.scores, rank=result.ranks,
            is_leader=result.leaders, audience=raw["audience"], received=raw["received"],
            platform_counts=raw["counted"], engagement=raw["engagement"],
            distinct_amplifiers=raw["amplifiers"], pagerank=raw["pagerank"],
            topic_pagerank=raw["topic_pagerank"], posts=raw["posts"],
            active_days=raw["active_days"], consistency_days=result.consistency_days,
            weights=result.weights,
        )  # fmt: skip


def _utf8(texts: Sequence[str]) -> np.ndarray:
    return np.strings.encode(np.asarray(texts, dtype=np.str_), "utf-8")


def explain(row: AuthorInfluence) -> float:
    """The score again, from the stored components and weights (what the README promises)."""
    weights = row.details["weights"]
    parts = (row.potential_reach, row.amplification, row.centrality, row.consistency)
    names = ("potential_reach", "amplification", "centrality", "consistency")
    return math.fsum(weights[n] * v for n, v in zip(names, parts, strict=True)) / math.fsum(
        weights.values()
    )
