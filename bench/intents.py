"""Intent detection quality and speed: the labelled set, its held-out half, and real posts judged.

1. The labelled set nlp/data/intent_eval.jsonl (written for the project) is split in two halves by
   a hash of each post's id (`split_of`): rules and head settings may be chosen on the "tune" half
   (`--errors tune` lists its misses); the "held-out" half is the test set. Both halves, the whole
   set and each language are printed; targets are judged on the held-out half.
2. Real posts: TweetEval validation and GermEval 2017 dev texts (read by path from --eval-dir,
   default ../shared/eval; skipped with a message when absent) are classified the same way. For
   purchase intent and churn risk a fixed sample of up to 100 of the posts predicted with at least
   `findings.min_intent_confidence` (what becomes a lead) is drawn with a fixed seed; each was
   read and judged by hand, recorded as id + judgement + reason code in
   bench/judgements/intent_precision.jsonl (no texts), and the bench prints precision over them.
   `--draw INTENT` prints that sample's unjudged posts (to the terminal only) for judging.

Scoring is the stage's: texts masked (nlp/masking.py), embedded with MiniLM (ONNX), rules with
prototype similarity, and, for the intents in HEAD_SETTINGS, the intent head (default: the
shipped `intent` head trained on nlp/data/intent_train.jsonl) combined with the rules by
nlp/intent_heads.combine.

    .venv/bin/python bench/intents.py [--rules-only | --head none|NAME|PATH] [--eval-dir DIR]
                                      [--repeat 3] [--errors tune] [--draw purchase_intent]

Ends with one JSON line; keys include `held_out.<intent>.f1` and `real_sample.<intent>.precision`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
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

# The example project reads the bundled sample corpus, which lies outside config/.
os.environ.setdefault("ECHOLOT_IMPORT_DIR", str(ROOT))

from echolot.config import ProjectConfig, load_config  # noqa: E402
from nlp import limits  # noqa: E402
from nlp.features import cue_features  # noqa: E402
from nlp.intent_heads import combine, intent_heads  # noqa: E402
from nlp.intents import INTENTS, IntentClassifier  # noqa: E402
from nlp.masking import BrandMasker  # noqa: E402

EVAL_PATH = ROOT / "nlp" / "data" / "intent_eval.jsonl"
CONFIG_PATH = ROOT / "config" / "example.yaml"
EVAL_DIR = ROOT.parent / "shared" / "eval"
JUDGEMENTS_PATH = ROOT / "bench" / "judgements" / "intent_precision.jsonl"
REAL_SETS = {"tweeteval_val": "tweeteval_sentiment_val.jsonl",
             "germeval_dev": "germeval2017_dev.jsonl"}  # fmt: skip
TARGETS = {"feature_request": 0.80, "bug_report": 0.80, "purchase_intent": 0.80}
REAL_TARGETS = {"purchase_intent": 0.80, "churn_risk": 0.80}
SAMPLE_SIZE, SAMPLE_SEED = 100, 20261201
# Intents the head decides with the rules, and from which probability (chosen on the tune half;
# see the README). The example project would carry the same under nlp.intents.
HEAD_SETTINGS: dict[str, dict[str, float]] = {}
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


class Scorer:
    """The stage's intent scoring for a batch: mask, embed, rules and prototypes, then heads."""

    def __init__(self, config: ProjectConfig, embedder: Any, head: str | None) -> None:
        self.config = with_heads(config, head) if head else config
        self.embedder = embedder
        self.masker = BrandMasker.from_config(self.config)
        self.classifier = IntentClassifier.from_config(self.config, embedder, masker=self.masker)
        self.heads = intent_heads(self.config) if embedder is not None else []

    def embed(self, texts: list[str]) -> tuple[list[str], Any]:
        masked = [m.text for m in self.masker.mask_all(limits.for_models(texts))]
        vectors = self.embedder.embed(masked) if self.embedder is not None else None
        return masked, vectors

    def classify(self, texts: list[str], langs: list[str], masked: list[str],
                 vectors: Any) -> list[dict[str, float]]:  # fmt: skip
        evidence = self.classifier.evidence(limits.for_spacy(texts), langs, vectors)
        cues = cue_features(masked, langs) if self.heads else None
        return combine(evidence, self.heads, vectors, cues)


def with_heads(config: ProjectConfig, head: str) -> ProjectConfig:
    """The project with HEAD_SETTINGS' intents served by `head` (its rules entries kept)."""
    intents = dict(config.nlp.intents)
    for intent, settings in HEAD_SETTINGS.items():
        current = intents.get(intent)
        base = current.model_dump() if current is not None else {}
        intents[intent] = type(current or _intent_rules())(**{**base, "head": head, **settings})
    nlp = config.nlp.model_copy(update={"intents": intents})
    return config.model_copy(update={"nlp": nlp})


def _intent_rules() -> Any:
    from echolot.config.nlp import IntentRules

    return IntentRules()


def load_real_posts(eval_dir: Path) -> list[dict[str, str]] | None:
    """id, text and lang of the public dev sets, or None when the folder is absent."""
    if not all((eval_dir / name).is_file() for name in REAL_SETS.values()):
        return None
    posts = []
    for name in REAL_SETS.values():
        with (eval_dir / name).open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                posts.append({"id": row["id"], "text": row["text"], "lang": row["lang"]})
    return posts


def load_judgements(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(intent, post id) -> {"judgement": "yes"|"no", "reason": code}; one line each."""
    judged: dict[tuple[str, str], dict[str, Any]] = {}
    if not path.is_file():
        return judged
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("judgement") not in ("yes", "no") or row.get("intent") not in INTENTS:
                raise SystemExit(f"{path}:{number}: needs intent and judgement yes|no")
            judged[(row["intent"], row["id"])] = row
    return judged


def draw_sample(ids: list[str], intent: str) -> list[str]:
    """Up to SAMPLE_SIZE of the predicted ids, the same for the same predictions."""
    rng = random.Random(f"{SAMPLE_SEED}-{intent}")
    ordered = sorted(ids)
    return sorted(rng.sample(ordered, min(SAMPLE_SIZE, len(ordered))))


def real_sample(posts: list[dict[str, str]], predictions: list[dict[str, float]],
                min_confidence: float, judged: dict[tuple[str, str], dict[str, Any]],
                ) -> dict[str, Any]:  # fmt: skip
    out = {}
    for intent in REAL_TARGETS:
        ids = [p["id"] for p, got in zip(posts, predictions, strict=True)
               if got.get(intent, 0.0) >= min_confidence]  # fmt: skip
        sample = draw_sample(ids, intent)
        marks = [judged[(intent, i)] for i in sample if (intent, i) in judged]
        correct = sum(m["judgement"] == "yes" for m in marks)
        reasons: dict[str, int] = {}
        for m in marks:
            key = f"{m['judgement']}:{m.get('reason', '')}"
            reasons[key] = reasons.get(key, 0) + 1
        out[intent] = {
            "predicted": len(ids),
            "by_set": {
                s: sum(i.startswith(p) for i in ids)
                for s, p in (("tweeteval_val", "tev"), ("germeval_dev", "gev"))
            },
            "sampled": len(sample),
            "judged": len(marks),
            "unjudged": len(sample) - len(marks),
            "precision": round(correct / len(marks), 4) if marks else None,
            "reasons": dict(sorted(reasons.items())),
            "sample_ids": sample,
        }
    return out


def public(real: dict[str, Any]) -> dict[str, Any]:
    """The figures without the id lists (the judgements file holds those)."""
    return {i: {k: v for k, v in r.items() if k != "sample_ids"} for i, r in real.items()}


def print_draw(posts: list[dict[str, str]], sample_ids: list[str], intent: str,
               judged: dict[tuple[str, str], dict[str, Any]]) -> None:  # fmt: skip
    """The sample's unjudged posts, for a person to read (never written to the repository)."""
    by_id = {p["id"]: p for p in posts}
    print(f"\nUnjudged {intent} sample posts:")
    for i in sample_ids:
        if (intent, i) not in judged:
            print(f"  {i}\t{by_id[i]['text'][:280]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules-only", action="store_true", help="no embeddings or heads")
    parser.add_argument("--head", default="intent", help="head for HEAD_SETTINGS, or 'none'")
    parser.add_argument("--repeat", type=int, default=3, help="timed classifier runs (best)")
    parser.add_argument("--eval", type=Path, default=EVAL_PATH)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="public dev sets")
    parser.add_argument("--judgements", type=Path, default=JUDGEMENTS_PATH)
    parser.add_argument("--config", type=Path, default=CONFIG_PATH)
    parser.add_argument("--errors", choices=["tune"], help="list the tune half's misses")
    parser.add_argument("--draw", choices=list(REAL_TARGETS), help="print unjudged sample posts")
    args = parser.parse_args()

    rows = load_eval(args.eval)
    texts = [r["text"] for r in rows]
    langs = [r["lang"] for r in rows]
    config = load_config(args.config)

    started = time.perf_counter()
    embedder = None
    if not args.rules_only:
        from nlp.embeddings import make_embedder

        embedder = make_embedder("onnx")
    head = None if args.rules_only or args.head == "none" or not HEAD_SETTINGS else args.head
    scorer = Scorer(config, embedder, head)
    scorer.classify(texts[:2], langs[:2], *scorer.embed(texts[:2]))  # build matchers first
    setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    masked, embeddings = scorer.embed(texts)  # cold cache: every text runs through the model
    embed_seconds = time.perf_counter() - started if embedder is not None else 0.0

    timings = []
    predictions: list[dict[str, float]] = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        predictions = scorer.classify(texts, langs, masked, embeddings)
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
    if head:
        mode += f" + head {head!r} for {', '.join(HEAD_SETTINGS)}"
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
    print(f"  classifier alone (rules, similarity, heads; embeddings given): "
          f"{speed['posts_per_second_classifier']:>8.1f} posts/s")  # fmt: skip
    if embedder is not None:
        print(f"  including masking and MiniLM embedding (onnx, cold cache):    "
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

    real = run_real_sample(args, scorer, config)
    figures = {
        "bench": "intents",
        "mode": "rules_only" if args.rules_only else "rules_embeddings" + ("_head" if head else ""),
        "head": head,
        "head_settings": HEAD_SETTINGS if head else {},
        "posts": n,
        "held_out": {
            i: {k: v[k] for k in ("precision", "recall", "f1", "support")} for i, v in held.items()
        },
        "real_sample": real,
        "overall": overall,
        "by_language": by_lang,
        "by_split": by_split,
        "speed": speed,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    print(json.dumps(figures, separators=(",", ":"), ensure_ascii=False))


def run_real_sample(args: argparse.Namespace, scorer: Scorer, config: ProjectConfig) -> Any:
    """Precision on hand-judged samples of real posts, or None without the public sets."""
    posts = load_real_posts(args.eval_dir)
    if posts is None:
        print(f"\nReal-post samples skipped: no public dev sets in {args.eval_dir}")
        return None
    if scorer.embedder is None:
        print("\nReal-post samples skipped: they are judged on the full scoring (no --rules-only)")
        return None
    texts, langs = [p["text"] for p in posts], [p["lang"] for p in posts]
    predictions = scorer.classify(texts, langs, *scorer.embed(texts))
    judged = load_judgements(args.judgements)
    cut = config.findings.min_intent_confidence
    real = real_sample(posts, predictions, cut, judged)
    print(f"\nReal posts ({len(posts)}: TweetEval val + GermEval dev), predictions with "
          f"confidence >= {cut}, up to {SAMPLE_SIZE} drawn per intent, judged by hand")  # fmt: skip
    for intent, r in real.items():
        precision = "n/a" if r["precision"] is None else f"{r['precision']:.3f}"
        goal = REAL_TARGETS[intent]
        verdict = (
            ""
            if r["precision"] is None
            else (
                "met" if r["precision"] >= goal else f"NOT met, {goal - r['precision']:.3f} short"
            )
        )
        print(f"  {intent:<16} predicted {r['predicted']:>4} {r['by_set']}, sampled "
              f"{r['sampled']}, judged {r['judged']}, precision {precision} "
              f"(target {goal:.2f}) {verdict}")  # fmt: skip
        if r["unjudged"]:
            print(f"    {r['unjudged']} sampled posts have no judgement (--draw {intent})")
    if args.draw:
        print_draw(posts, real[args.draw]["sample_ids"], args.draw, judged)
    return public(real)


if __name__ == "__main__":
    main()
