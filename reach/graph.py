"""Interaction graphs between authors, and weighted PageRank on them.

An edge runs from the author who interacted (replied, reposted, quoted, mentioned) to the author
interacted with, so attention flows towards the people others pass on and answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse

# (platform, author id): X and Reddit authors live in one graph without colliding.
Node = tuple[str, str]


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    index: dict[Node, int]
    # weights[i, j]: summed weight of edges from nodes[i] to nodes[j]
    weights: scipy.sparse.csr_matrix


def build_graph(
    sources: Sequence[Node],
    targets: Sequence[Node],
    weights: Sequence[float],
    extra_nodes: Sequence[Node] = (),
) -> Graph:
    """A graph from parallel edge lists; repeated edges add up, self-loops are dropped."""
    index: dict[Node, int] = {}
    for node in (*sources, *targets, *extra_nodes):
        index.setdefault(node, len(index))
    rows = np.fromiter((index[s] for s in sources), dtype=np.int64, count=len(sources))
    cols = np.fromiter((index[t] for t in targets), dtype=np.int64, count=len(targets))
    return graph_from_arrays(list(index), index, rows, cols, np.asarray(weights, dtype=float))


def graph_from_arrays(
    nodes: list[Node],
    index: dict[Node, int],
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
) -> Graph:
    keep = rows != cols
    size = len(nodes)
    matrix = scipy.sparse.coo_matrix(
        (weights[keep], (rows[keep], cols[keep])), shape=(size, size)
    ).tocsr()
    matrix.sum_duplicates()
    return Graph(nodes=nodes, index=index, weights=matrix)


def pagerank(
    graph: Graph,
    damping: float = 0.85,
    personalization: np.ndarray | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 200,
) -> np.ndarray:
    """Weighted PageRank by power iteration; sums to 1 over the graph's nodes.

    `personalization` (any non-negative weights, one per node) is where a random surfer jumps
    to, and where authors who interacted with nobody pass their rank: personalised to a topic's
    authors this is a topic-sensitive PageRank in the spirit of TwitterRank. Same definition as
    networkx.pagerank (dangling nodes follow the personalization).
    """
    size = len(graph.nodes)
    if size == 0:
        return np.zeros(0)
    if personalization is None:
        jump = np.full(size, 1.0 / size)
    else:
        total = float(personalization.sum())
        jump = personalization / total if total > 0 else np.full(size, 1.0 / size)
    out_weight = np.asarray(graph.weights.sum(axis=1)).ravel()
    dangling = out_weight == 0
    inverse = np.divide(1.0, out_weight, out=np.zeros(size), where=~dangling)
    # Column-stochastic transition matrix, transposed once so each step is one sparse product.
    transition = (scipy.sparse.diags(inverse) @ graph.weights).T.tocsr()
    rank = jump.copy()
    for _ in range(max_iterations):
        previous = rank
        followed = transition @ previous + previous[dangling].sum() * jump
        rank = damping * followed + (1 - damping) * jump
        if np.abs(rank - previous).sum() < tolerance * size:
            break
    return rank / rank.sum()
