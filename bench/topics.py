"""Topics at horizon scale: full re-clusters of 30,000, 100,000 and 300,000 posts, and an
incremental day of 10,000 new posts on top of 300,000, through `nlp.topics.plan_topics`.

Posts are synthetic vectors drawn around real embeddings: the sample corpus's X texts embedded
with all-MiniLM-L6-v2, each synthetic post = one of them plus Gaussian noise (cosine ~0.9 to its
base), carrying its base's text for the keywords. Each measurement runs in a child process so its
peak RSS is its own. The incremental day passes the 300,000 posts' topics and assignments as
`existing`/`previous`, as the topic stage does. Also reported: the adjusted Rand index between the
300,000-post partition and the 310,000-post one restricted to the first 300,000 (how much an
incremental day moves old posts) and the outlier share.

    .venv/bin/python bench/topics.py [--sizes 30000 100000 300000] [--day 10000]

Ends with one JSON line: {"benchmark": "topics", "full": {...}, "incremental_day_seconds": s,
"full_300k_seconds": s, "peak_rss_mib": m, ...}. Baseline beside it: HDBSCAN on every post (the
path below the summary threshold) at the largest size it finishes in 10 minutes, 8,000 posts and
16,000 posts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(REPO))

from bench.support import machine  # noqa: E402

NOISE = 0.48  # cosine 1/sqrt(1 + 0.48²) ~ 0.9 between a synthetic post and its base
CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "echolot_bench_topics_base.npz"


def base_embeddings() -> tuple[np.ndarray, list[str]]:
    """The sample corpus's distinct X texts and their embeddings (cached between children)."""
    if CACHE.exists():
        data = np.load(CACHE, allow_pickle=False)
        return data["vectors"], [str(t) for t in data["texts"]]
    from echolot.config import EmbeddingSettings
    from ingest.sample.replicate import SAMPLE_X_PAGES
    from nlp.embeddings import make_embedder

    texts = sorted({tweet["text"] for line in SAMPLE_X_PAGES.read_text().splitlines()
                    for tweet in json.loads(line).get("data") or []})  # fmt: skip
    settings = EmbeddingSettings()
    embedder = make_embedder(settings.backend, settings.model_path, settings.batch_size)
    vectors = embedder.embed(texts).astype(np.float32)
    np.savez(CACHE, vectors=vectors, texts=np.asarray(texts))
    return vectors, texts


def synthetic(count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    base, texts = base_embeddings()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(base), count)
    noise = rng.standard_normal((count, base.shape[1]), dtype=np.float32)
    noise *= NOISE / np.sqrt(base.shape[1])
    vectors = base[pick] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, [texts[i] for i in pick]


def child(kind: str, size: int, day: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from bench.support import step_peak_mib
    from echolot.config import TopicSettings
    from nlp.topics import cluster, plan_topics

    settings = TopicSettings()
    vectors, texts = synthetic(size + day, seed=20261201)
    if kind == "baseline":
        from sklearn.cluster import HDBSCAN

        began = time.perf_counter()
        HDBSCAN(min_cluster_size=settings.min_cluster_size, min_samples=3,
                algorithm="brute").fit_predict(vectors[:size])  # fmt: skip
        return {
            "seconds": round(time.perf_counter() - began, 2),
            "peak_rss_mib": round(step_peak_mib()),
        }
    began = time.perf_counter()
    plan = plan_topics(texts[:size], vectors[:size], [], settings)
    full_seconds = time.perf_counter() - began
    result = {"seconds": round(full_seconds, 2), "topics": len(plan.topics),
              "outlier_share": round(plan.outlier_share, 4)}  # fmt: skip
    if kind == "incremental":
        for number, topic in enumerate(plan.topics, start=1):
            topic.id = number  # as stored
        previous = [t.id if t else None for t in plan.assignment] + [None] * day
        before = cluster(vectors[:size], settings)
        began = time.perf_counter()
        grown = plan_topics(texts, vectors, plan.topics, settings, previous=previous)
        result["incremental_day_seconds"] = round(time.perf_counter() - began, 2)
        after = np.asarray([id(t) if t else -1 for t in grown.assignment[:size]])
        result["old_posts_adjusted_rand"] = round(float(adjusted_rand_score(before, after)), 4)
        result["day_outlier_share"] = round(grown.outlier_share, 4)
    result["peak_rss_mib"] = round(step_peak_mib())
    return result


def run(kind: str, size: int, day: int = 0, timeout: float = 900) -> dict:
    command = [sys.executable, __file__, "--child", kind, str(size), str(day)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout_seconds": timeout}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30_000, 100_000, 300_000])
    parser.add_argument("--day", type=int, default=10_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size, day = args.child
        print(json.dumps(child(kind, int(size), int(day))))
        return
    base_embeddings()  # embed once, before the children read the cache
    print(f"machine: {machine()}")
    baseline = {str(n): run("baseline", n, timeout=600) for n in (8_000, 16_000)}
    for n, figures in baseline.items():
        print(f"baseline HDBSCAN on every post, {int(n):>7,}: {figures}")
    full = {}
    largest = max(args.sizes)
    for size in sorted(args.sizes):
        kind = "incremental" if size == largest else "full"
        full[str(size)] = run(kind, size, args.day if kind == "incremental" else 0)
        print(f"{kind:<11} {size:>7,} posts: {full[str(size)]}", flush=True)
    top = full[str(largest)]
    peaks = [f.get("peak_rss_mib") for f in full.values() if f.get("peak_rss_mib")]
    print(json.dumps({
        "benchmark": "topics",
        "full": full,
        "baseline_every_post": baseline,
        "incremental_day_seconds": top.get("incremental_day_seconds"),
        f"full_{largest // 1000}k_seconds": top.get("seconds"),
        "peak_rss_mib": max(peaks) if peaks else None,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
