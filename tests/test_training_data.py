"""The project's own labelled posts (nlp/data): shape, balance, no duplicates, rebuildable."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "nlp" / "data"
JUDGEMENTS = DATA.parent.parent / "bench" / "judgements" / "intent_precision.jsonl"
DOMAINS = {"airline", "rail", "telecom", "retail", "software", "hardware", "banking", "life",
           "news", "sports", "entertainment", "spam"}  # fmt: skip
INTENT_LABELS = {"purchase_intent", "churn_risk", "competitor_comparison", "price_complaint",
                 "feature_request", "bug_report", "praise", "question"}  # fmt: skip


def rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def script(name: str):
    """A script of nlp/data as a module (the folder is data, not a package)."""
    sys.path.insert(0, str(DATA))
    try:
        spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(DATA))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sentiment_corpus_shape_and_balance(lang: str) -> None:
    posts = rows(f"sentiment_{lang}.jsonl")
    for i, post in enumerate(posts, 1):
        assert post["text"].strip(), i
        assert post["label"] in {"negative", "neutral", "positive"}, i
        assert post["lang"] == lang, i
        assert post["domain"] in DOMAINS, i
    labels = Counter(p["label"] for p in posts)
    assert labels.most_common(1)[0][0] == "neutral"
    assert min(labels.values()) >= 0.15 * len(posts)
    written = sum("source" not in p for p in posts)
    assert written > len(posts) / 2, "most posts are written one by one"


def test_sentiment_corpora_are_large_enough_and_deduplicated() -> None:
    compose = script("compose_posts")
    total = 0
    for lang in ("en", "de"):
        posts = rows(f"sentiment_{lang}.jsonl")
        keys = [compose.dedupe_key(p["text"]) for p in posts]
        assert len(keys) == len(set(keys)), lang
        total += len(posts)
    assert total >= 3000


def test_composed_and_copied_rows_are_up_to_date() -> None:
    """Both generators rebuild their rows byte for byte from what is committed."""
    compose = script("compose_posts")
    for lang, kinds in (("en", compose.ENGLISH_KINDS), ("de", compose.GERMAN_KINDS)):
        path = DATA / f"sentiment_{lang}.jsonl"
        assert compose.rebuilt(path, lang, kinds) == path.read_text(encoding="utf-8")
    negatives = script("intent_negatives")
    assert negatives.rebuilt() == (DATA / "intent_train.jsonl").read_text(encoding="utf-8")


def test_intent_training_and_evaluation_sets_are_disjoint() -> None:
    train, evaluation = rows("intent_train.jsonl"), rows("intent_eval.jsonl")
    for row in train + evaluation:
        assert set(row["labels"]) <= INTENT_LABELS, row["id"]
        assert row["lang"] in {"en", "de"}, row["id"]
    assert len({r["id"] for r in train}) == len(train)
    assert len({r["id"] for r in evaluation}) == len(evaluation)
    assert not {r["text"] for r in train} & {r["text"] for r in evaluation}
    counts = Counter(label for r in train for label in r["labels"])
    assert all(counts[label] >= 5 for label in INTENT_LABELS), counts


def test_real_post_judgements_hold_ids_and_judgements_only() -> None:
    with JUDGEMENTS.open(encoding="utf-8") as handle:
        marks = [json.loads(line) for line in handle if line.strip()]
    assert marks
    for mark in marks:
        assert set(mark) == {"intent", "id", "judgement", "reason"}, mark
        assert mark["judgement"] in {"yes", "no"}
        assert mark["intent"] in INTENT_LABELS
    assert len({(m["intent"], m["id"]) for m in marks}) == len(marks)
