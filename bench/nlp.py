"""The NLP stage's throughput on sample posts, beside a naive baseline, in one run.

Stage: language detection, sentiment (per language), entities, MiniLM embeddings (ONNX Runtime,
length-sorted batches, text cache) and intents, in batches of --batch-size posts (no database).
Baseline: the same model run through a transformers feature-extraction pipeline once per post,
no batching and no cache, plus VADER per post: what a first implementation would do.

    .venv/bin/python bench/nlp.py [--posts 5000] [--batch-size 256] [--baseline-posts 300]

"Stream": the sample corpus in order (reposts and copies included), cycled to --posts.
"Unique": each distinct text once. Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

# This script shares its name with the `nlp` package; keep its own folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from echolot.config import load_config  # noqa: E402
from nlp.analyse import (  # noqa: E402
    _analysis_cache,
    _cached_analyser,
    _cached_embedder,
    analyse_texts,
    analyser_for,
)
from nlp.embeddings import default_model_path, normalise  # noqa: E402
from nlp.sentiment import VaderSentiment  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "ingest" / "sample" / "data"


def sample_stream() -> list[tuple[str, str | None]]:
    """(text, language hint) of every sample post, in file order."""
    posts: list[tuple[str, str | None]] = []
    for line in (DATA / "x_search.jsonl").read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        posts += [(t["text"], t.get("lang")) for t in page.get("data", [])]
    for line in (DATA / "reddit.jsonl").read_text(encoding="utf-8").splitlines():
        _reddit_texts(json.loads(line), posts)
    return posts


def _reddit_texts(body: object, out: list[tuple[str, str | None]]) -> None:
    if isinstance(body, list):
        for item in body:
            _reddit_texts(item, out)
    elif isinstance(body, dict) and body.get("kind") == "Listing":
        for child in body["data"].get("children", []):
            data = child.get("data", {})
            if child.get("kind") == "t3":
                out.append((f"{data.get('title', '')}\n\n{data.get('selftext', '')}".strip(), None))
            elif child.get("kind") == "t1":
                out.append((data.get("body", ""), None))
                _reddit_texts(data.get("replies"), out)


def run_stage(posts: list[tuple[str, str | None]], batch_size: int) -> float:
    """Fresh analyser (cold cache), then the stage over all posts; returns seconds."""
    _cached_analyser.cache_clear()
    _cached_embedder.cache_clear()
    _analysis_cache.clear()
    analyser = analyser_for(CONFIG)
    analyse_texts(analyser, ["warm up the models"], ["en"])
    analyser.embedder._cache.clear()
    _analysis_cache.clear()
    started = time.perf_counter()
    for start in range(0, len(posts), batch_size):
        chunk = posts[start : start + batch_size]
        analyse_texts(analyser, [t for t, _ in chunk], [h for _, h in chunk])
    return time.perf_counter() - started


def run_baseline(posts: list[tuple[str, str | None]]) -> float:
    from transformers import pipeline

    extractor = pipeline("feature-extraction", model=str(default_model_path()), device="cpu")
    vader = VaderSentiment()
    extractor("warm up")
    started = time.perf_counter()
    for text, _ in posts:
        extractor(text, truncation=True, max_length=128)
        vader.score(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--baseline-posts", type=int, default=300)
    args = parser.parse_args()

    corpus = sample_stream()
    stream = [corpus[i % len(corpus)] for i in range(args.posts)]
    seen: set[str] = set()
    unique = [p for p in stream if not (normalise(p[0]) in seen or seen.add(normalise(p[0])))]

    unique_seconds = run_stage(unique, args.batch_size)
    stream_seconds = run_stage(stream, args.batch_size)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    baseline_posts = unique[: args.baseline_posts]
    baseline_seconds = run_baseline(baseline_posts)

    unique_rate = len(unique) / unique_seconds
    stream_rate = len(stream) / stream_seconds
    baseline_rate = len(baseline_posts) / baseline_seconds
    print(f"stage, unique texts : {len(unique):>5} posts in {unique_seconds:6.1f} s = "
          f"{unique_rate:7.1f} posts/s")  # fmt: skip
    print(f"stage, sample stream: {len(stream):>5} posts in {stream_seconds:6.1f} s = "
          f"{stream_rate:7.1f} posts/s")  # fmt: skip
    print(f"naive baseline      : {len(baseline_posts):>5} posts in {baseline_seconds:6.1f} s = "
          f"{baseline_rate:7.1f} posts/s")  # fmt: skip
    print(f"peak RSS {rss_mib:.0f} MiB at batch size {args.batch_size}")
    print(json.dumps({
        "benchmark": "nlp",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "embedding_backend": CONFIG.nlp.embeddings.backend,
        "batch_size": args.batch_size,
        "stream_posts": len(stream),
        "unique_posts": len(unique),
        "unique_posts_per_second": round(unique_rate, 1),
        "stream_posts_per_second": round(stream_rate, 1),
        "baseline_posts": len(baseline_posts),
        "baseline_posts_per_second": round(baseline_rate, 1),
        "speedup_unique_vs_baseline": round(unique_rate / baseline_rate, 1),
        "peak_rss_mib": round(rss_mib),
    }))  # fmt: skip


CONFIG = load_config(REPO / "config" / "example.yaml")

if __name__ == "__main__":
    main()
