"""Embedding throughput: all-MiniLM-L6-v2 on the bundled sample corpus, torch vs ONNX Runtime.

Embeds the texts of the sample corpus (X `data[].text`; Reddit submission title + body and
comment bodies) three ways, each timed with a fresh `Embedder` so no cache is warm:

* torch fp32 through `Embedder` (identical texts once, length-sorted batches),
* ONNX fp32 through `Embedder` (the same),
* ONNX int8 (`onnx-int8`: MatMul weights quantised per channel) through `Embedder`, with its
  cosine to ONNX fp32,
* torch fp32 with unsorted fixed batches: the same unique texts as `Embedder` computes, in input
  order, straight through `backend.embed_batch` -- the baseline for the length sorting.

Duplicates (retweets, copies) are part of the real workload, so posts/s counts every input text;
`model_texts_per_second` counts the texts actually run through the model.

    .venv/bin/python bench/embeddings.py [--limit N] [--batch-size 64] [--repeats 2] [--cache-dir D]

Each figure is the best of `--repeats` runs, after a warm-up batch of the longest texts.

Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

# This folder holds bench/nlp.py, which would shadow the `nlp` package; keep it off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support import machine  # noqa: E402
from nlp.embeddings import Embedder, TorchBackend, default_model_path, normalise  # noqa: E402
from nlp.onnx_backend import OnnxBackend, cpu_count, export_path  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "ingest" / "sample" / "data"
_GONE = {"[deleted]", "[removed]"}


def _reddit_texts(thing: Any) -> Iterator[str]:
    """Texts of a Listing, a [submission, comments] pair or a thing, replies included."""
    if isinstance(thing, list):
        for item in thing:
            yield from _reddit_texts(item)
        return
    if not isinstance(thing, dict):
        return
    kind, data = thing.get("kind"), thing.get("data") or {}
    if kind == "Listing":
        for child in data.get("children", []):
            yield from _reddit_texts(child)
    elif kind == "t3":
        body = data.get("selftext") or ""
        yield f"{data.get('title', '')}\n\n{'' if body in _GONE else body}".strip()
    elif kind == "t1":
        body = data.get("body") or ""
        yield "" if body in _GONE else body
        yield from _reddit_texts(data.get("replies"))


def sample_texts(folder: Path = SAMPLE) -> list[str]:
    texts: list[str] = []
    with (folder / "x_search.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            texts.extend(tweet["text"] for tweet in json.loads(line).get("data", []))
    with (folder / "reddit.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            texts.extend(_reddit_texts(json.loads(line)))
    return [t for t in texts if t.strip()]  # deleted bodies leave nothing to embed


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(run: Callable[[], np.ndarray], repeats: int) -> tuple[np.ndarray, float]:
    """The vectors and the best wall time of `repeats` runs (each run builds what it needs)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        vectors = run()
        best = min(best, time.perf_counter() - started)
    return vectors, best


def unsorted_batches(
    backend: TorchBackend | OnnxBackend, texts: list[str], size: int
) -> np.ndarray:
    """What `Embedder` computes (unique normalised texts), but in input order, unsorted."""
    keys = [normalise(t) for t in texts]
    unique = list(dict.fromkeys(keys))
    vectors = np.concatenate(
        [backend.embed_batch(unique[i : i + size]) for i in range(0, len(unique), size)]
    )
    by_key = dict(zip(unique, vectors, strict=True))
    return np.stack([by_key[k] for k in keys])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N texts")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2, help="best of N runs per measurement")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="folder for the ONNX export [default: $ECHOLOT_DATA_DIR/models or .echolot/models]",
    )
    args = parser.parse_args()

    import onnxruntime
    import torch
    import transformers

    texts = sample_texts()[: args.limit]
    unique = len({normalise(t) for t in texts})
    model = default_model_path()
    # A full batch of the longest texts: the first large shapes cost allocations, not work.
    warmup = [normalise(t) for t in sorted(texts, key=len)[-args.batch_size :]]
    print(f"{len(texts)} texts, {unique} unique after normalising (case, white space)")

    torch_backend = TorchBackend(model, args.max_length)
    torch_backend.embed_batch(warmup)
    torch_vectors, torch_s = timed(
        lambda: Embedder(torch_backend, args.batch_size).embed(texts), args.repeats
    )
    unsorted_vectors, unsorted_s = timed(
        lambda: unsorted_batches(torch_backend, texts, args.batch_size), args.repeats
    )
    rss_after_torch = peak_rss_mib()

    export_reused = export_path(model, args.cache_dir).is_file()
    started = time.perf_counter()
    onnx_backend = OnnxBackend(model, args.max_length, cache_dir=args.cache_dir)
    onnx_setup_s = time.perf_counter() - started
    onnx_backend.embed_batch(warmup)
    onnx_vectors, onnx_s = timed(
        lambda: Embedder(onnx_backend, args.batch_size).embed(texts), args.repeats
    )

    int8_backend = OnnxBackend(model, args.max_length, cache_dir=args.cache_dir, quantized=True)
    int8_backend.embed_batch(warmup)
    int8_vectors, int8_s = timed(
        lambda: Embedder(int8_backend, args.batch_size).embed(texts), args.repeats
    )
    int8_cosines = (onnx_vectors * int8_vectors).sum(axis=1)

    cosines = (torch_vectors * onnx_vectors).sum(axis=1)
    sorting_cosines = (torch_vectors * unsorted_vectors).sum(axis=1)
    n = len(texts)
    figures = {
        "benchmark": "embeddings",
        "machine": machine(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "versions": f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"transformers {transformers.__version__}",
        "torch_threads": torch.get_num_threads(),
        "onnx_intra_op_threads": cpu_count(),
        "texts": n,
        "unique_texts": unique,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "repeats": args.repeats,
        "torch_posts_per_second": round(n / torch_s, 1),
        "onnx_posts_per_second": round(n / onnx_s, 1),
        "onnx_int8_posts_per_second": round(n / int8_s, 1),
        "onnx_int8_speedup_over_onnx": round(onnx_s / int8_s, 2),
        "mean_cosine_onnx_int8": round(float(int8_cosines.mean()), 6),
        "min_cosine_onnx_int8": round(float(int8_cosines.min()), 6),
        "torch_unsorted_posts_per_second": round(n / unsorted_s, 1),
        "torch_model_texts_per_second": round(unique / torch_s, 1),
        "onnx_model_texts_per_second": round(unique / onnx_s, 1),
        "torch_unsorted_model_texts_per_second": round(unique / unsorted_s, 1),
        "onnx_speedup_over_torch": round(torch_s / onnx_s, 2),
        "sorting_speedup_torch": round(unsorted_s / torch_s, 2),
        "mean_cosine_torch_onnx": round(float(cosines.mean()), 6),
        "min_cosine_torch_onnx": round(float(cosines.min()), 6),
        "min_cosine_torch_sorted_unsorted": round(float(sorting_cosines.min()), 6),
        "onnx_export_reused": export_reused,
        "onnx_setup_seconds": round(onnx_setup_s, 2),
        "peak_rss_mib_after_torch": rss_after_torch,
        "peak_rss_mib": peak_rss_mib(),
    }
    for label, seconds in (
        ("torch, sorted", torch_s),
        ("onnx, sorted", onnx_s),
        ("onnx-int8, sorted", int8_s),
        ("torch, unsorted", unsorted_s),
    ):
        print(
            f"{label:<17}: {n} texts ({unique} through the model) in {seconds:6.2f} s "
            f"= {n / seconds:7.1f} posts/s"
        )
    print(
        f"cosine torch vs onnx: mean {cosines.mean():.6f}, min {cosines.min():.6f}; "
        f"onnx setup {onnx_setup_s:.1f} s ({'reused export' if export_reused else 'exported'}); "
        f"peak RSS {figures['peak_rss_mib']} MiB ({rss_after_torch} MiB after torch)"
    )
    print(f"cosine onnx vs onnx-int8: mean {int8_cosines.mean():.6f}, min {int8_cosines.min():.6f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
