"""Influence computation on a synthetic interaction graph of 1 million edges, beside networkx.

Builds a graph the shape social graphs have (few authors receive most interactions: targets
drawn Zipf-like, sources uniformly), with edge kinds, discovered topics and product areas, one
post per author with an audience. Then, each in a fresh child process so peak memory is its own:

* `reach.influence.compute_influence`: the whole stage computation -- graph, weighted PageRank,
  a topic-sensitive PageRank per topic and area, all four components, ranks and leaders;
  then its storage as the stage does it (`store.replace_influence_columns`: one binary COPY
  built from the result arrays) into a fresh database on the local server
  (ECHOLOT_BENCH_SERVER_URL, default postgresql://postgres@127.0.0.1:5432/test; the authors are
  stored first, untimed), with its own seconds and peak RSS; beside it the old way's first
  step, turning the results into one Python row per author and scope (the baseline);
* `networkx.pagerank` on the same weighted graph (the baseline), graph construction included;
  its ranking is compared with ours.

    .venv/bin/python bench/influence.py [--edges 1000000] [--authors 200000] [--topics 10]

Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.support import fresh_database, machine, reset_step_peak, step_peak_mib  # noqa: E402

KINDS = ("repost", "quote", "reply", "mention")
AREAS = ("app", "hardware", "connectivity", "pricing")


def synthetic(edges: int, authors: int, topics: int, seed: int = 20261127) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    # Zipf-like popularity: author k is interacted with in proportion to 1 / (k + 10).
    popularity = 1.0 / (np.arange(authors) + 10.0)
    targets = rng.choice(authors, size=edges, p=popularity / popularity.sum())
    sources = rng.integers(0, authors, size=edges)
    kinds = rng.choice(len(KINDS), size=edges, p=[0.35, 0.1, 0.35, 0.2])
    edge_topics = rng.integers(1, topics + 1, size=edges)
    post_topics = rng.integers(1, topics + 1, size=authors)
    audiences = rng.lognormal(mean=6, sigma=2, size=authors).astype(np.int64)
    return {"sources": sources, "targets": targets, "kinds": kinds, "edge_topics": edge_topics,
            "post_topics": post_topics, "audiences": audiences}  # fmt: skip


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def store_influence(results: list[Any], authors: int) -> dict[str, Any]:
    """The stage's storage step into a fresh database: seconds, peak RSS, rows; and the seconds
    of building the COPY blocks alone (the client's share)."""
    from datetime import UTC, datetime

    import psycopg2

    from echolot import store
    from echolot.store.reach import _influence_blocks
    from reach.influence import influence_columns

    start, end = datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC)
    with fresh_database("echolot_bench_influence") as url:
        conn = psycopg2.connect(url)
        with conn, conn.cursor() as cur:  # the authors the rows refer to (foreign key)
            names = "".join(f"x\t{i}\n" for i in range(authors))
            cur.copy_expert("COPY authors (platform, platform_id) FROM STDIN", io.StringIO(names))
        reset_step_peak()
        started = time.perf_counter()
        with conn, conn.cursor() as cur:
            stored = store.replace_influence_columns(
                cur, "bench", start, end, influence_columns(results)
            )
        seconds = time.perf_counter() - started
        peak = step_peak_mib()
        conn.close()
    started = time.perf_counter()
    for scope in influence_columns(results):
        for fields in _influence_blocks(b"", scope):
            del fields
    return {"storage_seconds": round(seconds, 2), "storage_peak_rss_mib": peak,
            "stored_rows": stored,
            "storage_buffer_seconds": round(time.perf_counter() - started, 2)}  # fmt: skip


def run_ours(args: argparse.Namespace, out: Any) -> None:
    from datetime import UTC, datetime

    from echolot.config import InfluenceSettings
    from reach.influence import ALL, EdgeFacts, PostFacts, compute_influence, influence_rows

    data = synthetic(args.edges, args.authors, args.topics)
    when = datetime(2026, 11, 5, tzinfo=UTC)
    names = [("x", str(i)) for i in range(args.authors)]
    area_of = [(AREAS[t % len(AREAS)],) for t in range(args.topics + 1)]
    edges = [
        EdgeFacts(names[s], names[t], KINDS[k], int(topic), area_of[topic])
        for s, t, k, topic in zip(data["sources"], data["targets"], data["kinds"],
                                  data["edge_topics"], strict=True)
    ]  # fmt: skip
    posts = [
        PostFacts(names[i], int(data["post_topics"][i]), area_of[data["post_topics"][i]],
                  int(data["audiences"][i]), when, 0, 0, 0, 0)
        for i in range(args.authors)
    ]  # fmt: skip
    input_rss = peak_rss_mib()
    started = time.perf_counter()
    results = compute_influence(
        posts, edges, [], InfluenceSettings(), datetime(2026, 11, 6, tzinfo=UTC)
    )
    seconds = time.perf_counter() - started
    compute_rss = peak_rss_mib()
    storage = store_influence(results, args.authors)
    reset_step_peak()
    rows_started = time.perf_counter()
    rows = influence_rows(results)
    rows_seconds = time.perf_counter() - rows_started
    overall = next(r for r in results if r.scope == ALL)
    top = np.argsort(-overall.raw["pagerank"], kind="stable")[:20]
    out.put({
        "seconds": round(seconds, 2), "peak_rss_mib": compute_rss,
        **storage, "rows_seconds": round(rows_seconds, 2), "rows_peak_rss_mib": step_peak_mib(),
        "peak_rss_mib_before_compute": input_rss, "rows": len(rows), "scopes": len(results),
        "top": [[overall.nodes[overall.members[j]][1], float(overall.raw["pagerank"][j])]
                for j in top],
    })  # fmt: skip


def run_networkx(args: argparse.Namespace, out: Any) -> None:
    import networkx as nx

    from echolot.config import EdgeWeights

    data = synthetic(args.edges, args.authors, args.topics)
    weight_of = EdgeWeights().model_dump()
    kind_weights = np.asarray([weight_of[k] for k in KINDS])[data["kinds"]]
    input_rss = peak_rss_mib()
    started = time.perf_counter()
    graph = nx.DiGraph()
    # Repeated edges add up, self-loops dropped: the same graph reach.graph builds.
    totals: dict[tuple[str, str], float] = {}
    for s, t, w in zip(data["sources"], data["targets"], kind_weights, strict=True):
        if s != t:
            key = (str(s), str(t))
            totals[key] = totals.get(key, 0.0) + w
    graph.add_weighted_edges_from((s, t, w) for (s, t), w in totals.items())
    graph.add_nodes_from(str(i) for i in range(args.authors))
    built = time.perf_counter()
    rank = nx.pagerank(graph, alpha=0.85, tol=1e-10, max_iter=200)
    seconds = time.perf_counter() - started
    top = sorted(rank.items(), key=lambda item: -item[1])[:20]
    out.put({
        "seconds": round(seconds, 2), "graph_seconds": round(built - started, 2),
        "pagerank_seconds": round(seconds - (built - started), 2),
        "peak_rss_mib": peak_rss_mib(), "peak_rss_mib_before_compute": input_rss,
        "top": [[node, value] for node, value in top],
    })  # fmt: skip


def in_child(target: Any, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")  # a fresh process: its own peak RSS
    queue = context.Queue()
    process = context.Process(target=target, args=(args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--authors", type=int, default=200_000)
    parser.add_argument("--topics", type=int, default=10)
    args = parser.parse_args()

    ours = in_child(run_ours, args)
    baseline = in_child(run_networkx, args)
    ours_top = [node for node, _ in ours.pop("top")]
    nx_top = dict(baseline.pop("top"))
    figures = {
        "benchmark": "influence",
        "machine": machine(),
        "edges": args.edges,
        "authors": args.authors,
        "topics": args.topics,
        "influence_seconds": ours["seconds"],
        "influence_peak_rss_mib": ours["peak_rss_mib"],
        "influence_rows": ours["rows"],
        "storage_seconds": ours["storage_seconds"],
        "storage_peak_rss_mib": ours["storage_peak_rss_mib"],
        "storage_buffer_seconds": ours["storage_buffer_seconds"],
        "stored_rows": ours["stored_rows"],
        "rows_seconds": ours["rows_seconds"],
        "rows_peak_rss_mib": ours["rows_peak_rss_mib"],
        "influence_scopes": ours["scopes"],
        "networkx_pagerank_seconds": baseline["seconds"],
        "networkx_graph_seconds": baseline["graph_seconds"],
        "networkx_peak_rss_mib": baseline["peak_rss_mib"],
        "input_rss_mib": {"influence": ours["peak_rss_mib_before_compute"],
                          "networkx": baseline["peak_rss_mib_before_compute"]},
        "top20_agree_with_networkx": ours_top == list(nx_top),
        "target_seconds": 10,
        "storage_target_seconds": 5,
        "storage_target_rss_mib": 1024,
    }  # fmt: skip
    print(
        f"influence on {args.edges:,} edges: {ours['seconds']} s, peak {ours['peak_rss_mib']} MiB "
        f"({ours['scopes']} scopes); stored: {ours['stored_rows']:,} rows in "
        f"{ours['storage_seconds']} s, peak {ours['storage_peak_rss_mib']} MiB (COPY blocks built "
        f"in {ours['storage_buffer_seconds']} s of it); baseline, the same rows as Python "
        f"objects: {ours['rows_seconds']} s, peak {ours['rows_peak_rss_mib']} MiB; networkx "
        f"pagerank alone: "
        f"{baseline['seconds']} s, peak {baseline['peak_rss_mib']} MiB"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
