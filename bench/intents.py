"""Intent detection quality and speed on the hand-labelled evaluation set.

Embeds the 480 posts of nlp/data/intent_eval.jsonl with MiniLM (torch backend), classifies them
with the built-in rules and the example project's configuration, and prints precision, recall, F1
and support per intent, per language and overall (micro and macro averages), then the
classifier's throughput without and with embedding time.

    .venv/bin/python bench/intents.py [--rules-only] [--repeat 3] [--errors tune]

The set is split in two halves by a hash of each post's id (`split_of`): rules may be tuned on the
"tune" half (`--errors tune` lists its misses); the "held-out" half is the test set, never read
to write rules. Figures are printed for both halves and the whole set; the targets are judged on
the held-out half. Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

# This folder holds scripts named like the project's packages (bench/ingest.py); keep it off
# the import path so `ingest` and friends resolve to the packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from echolot.config import load_config  # noqa: E402
from nlp.intents import INTENTS, IntentClassifier  # noqa: E402

EVAL_PATH = ROOT / "nlp" / "data" / "intent_eval.jsonl"
CONFIG_PATH = ROOT / "config" / "example.yaml"
TARGETS = {"feature_request": 0.80, "bug_report": 0.80, "purchase_intent": 0.80}
LANGS = ("en", "de")


SPLITS = ("tune", "held-out")


def split_of(row: dict[str, Any]) -> str:
    """A fixed half of the set per post id, independent of file order and of the labels."""
    digest = int(hashlib.sha256(row["id"].encode()).hexdigest(), 16)
    return SPLITS[digest % 2]


def load_eval(path: Path = EVAL_PATH) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def score(rows: list[dict[str, Any]], predicted: list[set[str]]) -> dict[str, Any]:
    """Per-intent figures plus micro and macro averages over the given posts."""
    per_intent: dict[str, dict[str, Any]] = {}
    totals = {"tp": 0, "fp": 0, "fn": 0}
    for intent in INTENTS:
        tp = fp = fn = 0
        for row, pred in zip(rows, predicted, strict=True):
            gold = intent in row["labels"]
            got = intent in pred
            tp += gold and got
            fp += got and not gold
            fn += gold and not got
        support = tp + fn
        per_intent[intent] = {**prf(tp, fp, fn), "support": support, "tp": tp, "fp": fp, "fn": fn}
        totals["tp"] += tp
        totals["fp"] += fp
        totals["fn"] += fn
    with_support = [v for v in per_intent.values() if v["support"]]
    macro = {
        key: round(sum(v[key] for v in with_support) / max(1, len(with_support)), 4)
        for key in ("precision", "recall", "f1")
    }
    exact = sum(set(r["labels"]) == p for r, p in zip(rows, predicted, strict=True))
    return {
        "posts": len(rows),
        "intents": per_intent,
        "micro": {
            **prf(totals["tp"], totals["fp"], totals["fn"]),
            "support": totals["tp"] + totals["fn"],
        },
        "macro": macro,
        "exact_match": round(exact / max(1, len(rows)), 4),
    }


def print_table(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title} ({figures['posts']} posts)")
    header = (
        f"{'intent':<24}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}{'FP':>5}{'FN':>5}"
    )
    print(f"  {header}")
    for intent, v in figures["intents"].items():
        print(
            f"  {intent:<24}{v['precision']:>10.3f}{v['recall']:>10.3f}{v['f1']:>8.3f}"
            f"{v['support']:>9}{v['fp']:>5}{v['fn']:>5}"
        )
    micro, macro = figures["micro"], figures["macro"]
    print(f"  {'micro average':<24}{micro['precision']:>10.3f}{micro['recall']:>10.3f}"
          f"{micro['f1']:>8.3f}{micro['support']:>9}")  # fmt: skip
    print(f"  {'macro average':<24}{macro['precision']:>10.3f}{macro['recall']:>10.3f}"
          f"{macro['f1']:>8.3f}")  # fmt: skip
    print(f"  exact label-set match: {figures['exact_match']:.3f}")


def print_errors(rows: list[dict[str, Any]], predicted: list[set[str]], part: str) -> None:
    """Missed and wrong intents of one half, to read when tuning rules on it."""
    print(f"\nErrors in the {part} half (FN: missed, FP: wrongly given)")
    for row, pred in zip(rows, predicted, strict=True):
        if split_of(row) != part:
            continue
        gold = set(row["labels"])
        for intent in sorted((gold - pred) | (pred - gold)):
            kind = "FN" if intent in gold else "FP"
            print(f"  {kind} {intent:<22} {row['id']}  {row['text'][:110]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules-only", action="store_true", help="no embeddings or prototypes")
    parser.add_argument("--repeat", type=int, default=3, help="timed classifier runs (best)")
    parser.add_argument("--eval", type=Path, default=EVAL_PATH)
    parser.add_argument("--config", type=Path, default=CONFIG_PATH)
    parser.add_argument("--errors", choices=["tune"], help="list the tune half's misses")
    args = parser.parse_args()

    rows = load_eval(args.eval)
    texts = [r["text"] for r in rows]
    langs = [r["lang"] for r in rows]
    config = load_config(args.config)

    started = time.perf_counter()
    embedder = None
    if not args.rules_only:
        from nlp.embeddings import make_embedder

        embedder = make_embedder("torch")
    classifier = IntentClassifier.from_config(config, embedder)
    classifier.classify(texts[:2], langs[:2], None)  # build the matchers outside the timing
    setup_seconds = time.perf_counter() - started

    embed_seconds = 0.0
    embeddings = None
    if embedder is not None:
        started = time.perf_counter()
        embeddings = embedder.embed(texts)  # cold cache: every text runs through the model
        embed_seconds = time.perf_counter() - started

    timings = []
    predictions: list[dict[str, float]] = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        predictions = classifier.classify(texts, langs, embeddings)
        timings.append(time.perf_counter() - started)
    classify_seconds = min(timings)
    predicted = [set(p) for p in predictions]

    overall = score(rows, predicted)
    by_lang = {}
    for lang in LANGS:
        index = [i for i, r in enumerate(rows) if r["lang"] == lang]
        by_lang[lang] = score([rows[i] for i in index], [predicted[i] for i in index])
    by_split = {}
    for part in SPLITS:
        index = [i for i, r in enumerate(rows) if split_of(r) == part]
        by_split[part] = score([rows[i] for i in index], [predicted[i] for i in index])

    mode = "rules only" if args.rules_only else "rules + MiniLM prototypes"
    shown = args.eval.relative_to(ROOT) if args.eval.is_relative_to(ROOT) else args.eval
    print(f"Intent evaluation: {shown}, {mode}")
    print_table("All languages, whole set", overall)
    for part in SPLITS:
        print_table(f"All languages, {part} half", by_split[part])
    for lang in LANGS:
        print_table(f"Language {lang}, whole set", by_lang[lang])
    if args.errors:
        print_errors(rows, predicted, args.errors)

    n = len(texts)
    speed = {
        "posts_per_second_classifier": round(n / classify_seconds, 1),
        "posts_per_second_with_embedding": round(n / (classify_seconds + embed_seconds), 1),
        "classify_seconds": round(classify_seconds, 4),
        "embed_seconds": round(embed_seconds, 4),
        "setup_seconds": round(setup_seconds, 2),
    }
    runs = len(timings)
    print(f"\nSpeed ({n} posts, best of {runs} classifier runs; setup {setup_seconds:.1f} s)")
    print(f"  classifier alone (rules + similarity, embeddings given): "
          f"{speed['posts_per_second_classifier']:>8.1f} posts/s")  # fmt: skip
    if embedder is not None:
        print(f"  including MiniLM embedding (torch, cold cache):         "
              f"{speed['posts_per_second_with_embedding']:>8.1f} posts/s")  # fmt: skip

    held = by_split["held-out"]["intents"]
    targets = {
        intent: {
            "target_f1": goal,
            "f1_held_out": held[intent]["f1"],
            "f1_whole_set": overall["intents"][intent]["f1"],
            "met": held[intent]["f1"] >= goal,
        }
        for intent, goal in TARGETS.items()
    }
    print("\nTargets (F1 over both languages, judged on the held-out half)")
    for intent, t in targets.items():
        verdict = "met" if t["met"] else f"NOT met, {t['target_f1'] - t['f1_held_out']:.3f} short"
        print(f"  {intent:<18} held-out F1 {t['f1_held_out']:.3f}, whole set "
              f"{t['f1_whole_set']:.3f} (target {t['target_f1']:.2f}): {verdict}")  # fmt: skip

    figures = {
        "bench": "intents",
        "mode": "rules_only" if args.rules_only else "rules_embeddings",
        "posts": n,
        "overall": overall,
        "by_language": by_lang,
        "by_split": by_split,
        "speed": speed,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "python": platform.python_version(),
    }
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
