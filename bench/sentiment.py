"""Sentiment and relevance on real posts nobody here wrote: VADER, the default heads, a user head.

    .venv/bin/python bench/sentiment.py [--eval-dir ../shared/eval] [--algorithms svm,mlp]

Sets (read by path, never copied): TweetEval sentiment validation (en, 2,000 tweets) and
GermEval 2017 dev (de, 2,584 posts about Deutsche Bahn). Per set and model: macro-recall (the
TweetEval metric) and accuracy (GermEval's micro-F1).

- vader: VADER on the masked text (for German, the only thing there was before: VADER reads
  emoji and English words in German posts, nothing else).
- default: the shipped heads (nlp/models/sentiment-en.json, sentiment-de.json), trained only on
  the project's own posts.
- user_trained: what a customer with labelled posts gets: a head trained with the same code on
  one half of the set (by id hash) and scored on the other half; `default_same_half` scores
  the default head on that half too, for a like-for-like comparison; with `--algorithms
  svm,mlp`, `user_trained_svm` and `user_trained_mlp` are the other algorithms on the same
  halves (user_trained is logreg, the default).
- relevance (GermEval): the stage's entities plus the relevance rules of
  bench/projects/deutsche_bahn.yaml; precision and recall of "about Deutsche Bahn" against the
  set's `relevant` flag.

Texts are masked as the stage masks them (TweetEval: handles and URLs, no brands configured;
GermEval: the Deutsche Bahn project's names). Without the folder it says so and exits 0.
Ends with one JSON line: {"benchmark": "sentiment", "sets": {...}}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

# bench/nlp.py shares its name with the `nlp` package; keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.support import machine  # noqa: E402
from echolot.config import EmbeddingSettings, load_config  # noqa: E402
from nlp.analyse import _cached_embedder  # noqa: E402
from nlp.classifiers import SENTIMENT_LABELS, load_head, resolve_head  # noqa: E402
from nlp.entities import EntityExtractor  # noqa: E402
from nlp.masking import BrandMasker  # noqa: E402
from nlp.relevance import RelevanceJudge  # noqa: E402
from nlp.sentiment import VaderSentiment  # noqa: E402
from nlp.training import Example, HeadInputs, train_head  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
DB_PROJECT = REPO / "bench" / "projects" / "deutsche_bahn.yaml"
SETS = {
    "tweeteval_val": ("tweeteval_sentiment_val.jsonl", "en", "sentiment-en"),
    "germeval_dev": ("germeval2017_dev.jsonl", "de", "sentiment-de"),
}


def read_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def in_training_half(post_id: object) -> bool:
    return hashlib.sha256(str(post_id).encode()).digest()[0] % 2 == 0


def scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    truth_a, pred_a = np.array(truth), np.array(predicted)
    recalls = [float(np.mean(pred_a[truth_a == c] == c)) for c in SENTIMENT_LABELS if
               np.any(truth_a == c)]  # fmt: skip
    return {
        "macro_recall": round(float(np.mean(recalls)), 4),
        "accuracy": round(float(np.mean(truth_a == pred_a)), 4),
        "n": len(truth),
    }


def head_labels(head, embeddings: np.ndarray, cues: np.ndarray) -> list[str]:
    probabilities = head.probabilities(embeddings, cues)
    return [head.labels[i] for i in probabilities.argmax(axis=1)]


ALGORITHMS_TO_COMPARE: list[str] = []


def run_set(name: str, rows: list[dict], lang: str, head_name: str, masker: BrandMasker,
            embedder) -> dict:  # fmt: skip
    inputs = HeadInputs(masker, embedder)
    texts = [r["text"] for r in rows]
    truth = [r["label"] for r in rows]
    started = time.perf_counter()
    embeddings, cues = inputs(texts, [lang] * len(texts))
    print(f"{name}: {len(rows)} posts, features in {time.perf_counter() - started:.1f} s")
    vader = VaderSentiment()
    masked = [masker.mask(t).text for t in texts]
    out = {"vader": scores(truth, [vader.score(t).label for t in masked])}
    default = load_head(resolve_head(head_name), "sentiment", SENTIMENT_LABELS)
    default_labels = head_labels(default, embeddings, cues)
    out["default"] = scores(truth, default_labels)
    train = [i for i, r in enumerate(rows) if in_training_half(r["id"])]
    test = [i for i, r in enumerate(rows) if not in_training_half(r["id"])]
    examples = [Example(texts[i], (truth[i],), lang, i + 1) for i in train]
    started = time.perf_counter()
    user = train_head("sentiment", examples, f"user-{name}", inputs, source=name,
                      cross_validate=False)  # fmt: skip
    seconds = time.perf_counter() - started
    chosen = (user.training["embedding_weight"], user.training["regularisation_c"])
    print(f"{name}: user head trained on {len(train)} posts in {seconds:.1f} s "
          f"(embedding weight, C chosen by CV on its half: {chosen})")  # fmt: skip
    out["user_trained"] = scores([truth[i] for i in test],
                                 head_labels(user, embeddings[test], cues[test]))  # fmt: skip
    out["default_same_half"] = scores([truth[i] for i in test],
                                      [default_labels[i] for i in test])  # fmt: skip
    # Other algorithms `echolot train --algorithm` offers, on the same halves (--algorithms).
    for algorithm in ALGORITHMS_TO_COMPARE:
        other = train_head("sentiment", examples, f"user-{name}", inputs, algorithm,
                           source=name, cross_validate=False)  # fmt: skip
        out[f"user_trained_{algorithm}"] = scores(
            [truth[i] for i in test], head_labels(other, embeddings[test], cues[test])
        )
    for model, figures in out.items():
        print(f"  {model:18s} macro-recall {figures['macro_recall']:.3f}  "
              f"accuracy {figures['accuracy']:.3f}  (n={figures['n']})")  # fmt: skip
    return out


def relevance(rows: list[dict]) -> dict[str, float]:
    config = load_config(DB_PROJECT)
    brand = config.brands[0].name
    extractor = EntityExtractor.from_config(config, languages=["de"])
    judge = RelevanceJudge.from_config(config)
    texts = [r["text"] for r in rows]
    entities = extractor.extract(texts, ["de"] * len(texts))
    predicted = [brand in s.brands for s in judge.scopes(texts, entities)]
    truth = [bool(r["relevant"]) for r in rows]
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    precision = tp / max(sum(predicted), 1)
    recall = tp / max(sum(truth), 1)
    everything = sum(truth) / len(truth)
    print(f"germeval_dev relevance: precision {precision:.3f} recall {recall:.3f} "
          f"(calling every post relevant: precision {everything:.3f}, recall 1.000)")  # fmt: skip
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "baseline_all_relevant_precision": round(everything, 4)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--algorithms", default="", help="also train these user heads: svm,mlp")
    args = parser.parse_args()
    ALGORITHMS_TO_COMPARE[:] = [a for a in args.algorithms.split(",") if a]
    folder = args.eval_dir
    missing = [f for f, _, _ in SETS.values() if not (folder / f).is_file()]
    if missing:
        print(f"evaluation sets not found in {folder} ({', '.join(missing)}): nothing measured")
        print(json.dumps({"benchmark": "sentiment", "skipped": f"no eval sets in {folder}"}))
        return 0
    print(f"machine: {machine()}")
    embedder = _cached_embedder(EmbeddingSettings(backend="onnx").model_dump_json())
    db_masker = BrandMasker.from_config(load_config(DB_PROJECT))
    result: dict[str, dict] = {}
    for name, (file, lang, head) in SETS.items():
        rows = read_set(folder / file)
        masker = db_masker if name == "germeval_dev" else BrandMasker([])
        result[name] = run_set(name, rows, lang, head, masker, embedder)
        if name == "germeval_dev":
            result[name]["relevance"] = relevance(rows)
    print(json.dumps({"benchmark": "sentiment", "sets": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
