"""Training classifier heads from labelled posts (CSV or JSONL with `text,label[,lang]`).

    examples = read_examples(Path("labelled.jsonl"), "sentiment")
    head = train_head("sentiment", examples, name="my-sentiment", inputs=HeadInputs(...))
    save_head(head, Path("heads/my-sentiment.json"))

Bad files stop with `FILE:LINE: problem` (unknown label, empty text, unreadable line, missing
column) or `FILE: problem` (too few rows, one class only, a class with too few rows). Training
is deterministic: the same file, masked names and library versions give the same head file.

Which algorithm: `logreg` (default), `svm` (linear SVM; its margins pass through softmax /
sigmoid as scores) or `mlp` (one hidden layer of 64). The README's NLP section has the measured
comparison that chose the default.

Inputs: cue features are standardised; the (unit-length) embedding is multiplied by a weight
instead, so its 384 noisy columns count less than the cues unless the data says otherwise. For
logistic regression on sentiment and relevance, the weight and the regularisation C are chosen
per training file by 3-fold cross-validation on it (macro-recall) among three candidates; the
other cases use (3, 0.1). Both are recorded in the head.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from echolot.config import IntentName
from echolot.errors import DataError, UsageError
from nlp.classifiers import (
    RELEVANCE_LABELS,
    SENTIMENT_LABELS,
    Head,
    Kind,
    Layer,
    feature_spec,
)
from nlp.features import FEATURE_NAMES, cue_features
from nlp.masking import BrandMasker

ALGORITHMS = ("logreg", "svm", "mlp")
# (embedding weight, C) tried by `select_settings`; each costs SELECTION_FOLDS fits.
CANDIDATES = ((1.0, 0.1), (3.0, 0.1), (10.0, 0.03))
DEFAULT_SETTINGS = (3.0, 0.1)
SELECTION_FOLDS = 3
MIN_ROWS = 20
MIN_PER_CLASS = 5
FOLDS = 5
SEED = 0
INTENT_NONE = "none"
INTENT_LABELS: tuple[str, ...] = tuple(IntentName.__args__)  # type: ignore[attr-defined]


class TrainingDataError(DataError):
    """A training file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]  # one label; for intents any number (empty: none)
    lang: str | None
    line: int


def allowed_labels(kind: Kind) -> tuple[str, ...]:
    if kind == "sentiment":
        return SENTIMENT_LABELS
    if kind == "relevance":
        return RELEVANCE_LABELS
    return (*INTENT_LABELS, INTENT_NONE)


def read_examples(path: Path, kind: Kind) -> list[Example]:
    """The rows of a CSV (header row) or JSONL training file, checked."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TrainingDataError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrainingDataError(f"{path}: not UTF-8 ({exc})") from None
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip()[:1] == "{"
    rows = _jsonl_rows(path, text) if jsonl else _csv_rows(path, text)
    allowed = allowed_labels(kind)
    examples = []
    for line, row in rows:
        examples.append(_example(path, line, row, kind, allowed))
    check_examples(examples, kind, str(path))
    return examples


def _jsonl_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise TrainingDataError(f"{path}:{number}: a line must be a JSON object")
        rows.append((number, row))
    return rows


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = reader.fieldnames or []
    for column in ("text", "label"):
        if column not in header:
            raise TrainingDataError(f"{path}:1: no {column!r} column (header: {header})")
    rows = []
    for row in reader:
        if None in row:
            raise TrainingDataError(f"{path}:{reader.line_num}: more fields than the header")
        rows.append((reader.line_num, row))
    return rows


def _example(path: Path, line: int, row: dict[str, Any], kind: Kind,
             allowed: tuple[str, ...]) -> Example:  # fmt: skip
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise TrainingDataError(f"{path}:{line}: empty text")
    if kind == "intent" and "labels" in row and "label" not in row:
        labels = row["labels"]
        if not isinstance(labels, list):
            raise TrainingDataError(f"{path}:{line}: `labels` must be a list")
    elif "label" in row and row["label"] not in (None, ""):
        labels = [row["label"]]
    else:
        raise TrainingDataError(f"{path}:{line}: no label")
    labels = [str(x).strip() for x in labels]
    for label in labels:
        if label not in allowed:
            raise TrainingDataError(
                f"{path}:{line}: unknown label {label!r} for {kind} (use {', '.join(allowed)})"
            )
    if kind == "intent":
        labels = sorted(set(labels) - {INTENT_NONE})
    lang = row.get("lang")
    lang = str(lang).strip() or None if lang is not None else None
    return Example(text, tuple(labels), lang, line)


def check_examples(examples: Sequence[Example], kind: Kind, where: str) -> None:
    if len(examples) < MIN_ROWS:
        raise TrainingDataError(f"{where}: too few rows ({len(examples)}; need {MIN_ROWS})")
    if kind == "intent":
        counts = Counter(label for e in examples for label in e.labels)
        if not counts:
            raise TrainingDataError(f"{where}: only one class (no post has an intent)")
        for label, count in sorted(counts.items()):
            if count < MIN_PER_CLASS or len(examples) - count < MIN_PER_CLASS:
                raise TrainingDataError(
                    f"{where}: intent {label!r} has {count} of {len(examples)} rows; each intent "
                    f"needs at least {MIN_PER_CLASS} posts with it and {MIN_PER_CLASS} without"
                )
        return
    counts = Counter(e.labels[0] for e in examples)
    if len(counts) < 2:
        raise TrainingDataError(f"{where}: only one class ({next(iter(counts))!r})")
    small = {label: n for label, n in counts.items() if n < MIN_PER_CLASS}
    if small:
        shown = ", ".join(f"{label} {n}" for label, n in sorted(small.items()))
        raise TrainingDataError(
            f"{where}: too few rows for {shown} (need {MIN_PER_CLASS} per class)"
        )


class HeadInputs:
    """Masked texts -> (embeddings, cue features): exactly what the stage computes."""

    def __init__(self, masker: BrandMasker, embedder: Any, detector: Any = None) -> None:
        self.masker, self.embedder, self.detector = masker, embedder, detector

    def languages(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[str]:
        if all(langs) or self.detector is None:
            return [lang or "en" for lang in langs]
        found = self.detector.detect(list(texts), list(langs))
        return [lang for lang, _ in found]

    def __call__(self, texts: Sequence[str], langs: Sequence[str | None]) -> tuple[np.ndarray, ...]:
        langs = self.languages(texts, langs)
        masked = [self.masker.mask(t).text for t in texts]
        embeddings = np.asarray(self.embedder.embed(masked), dtype=np.float32)
        return embeddings, cue_features(masked, langs)


def data_hash(examples: Sequence[Example]) -> str:
    canonical = json.dumps([[e.text, list(e.labels), e.lang] for e in examples], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def train_head(kind: Kind, examples: Sequence[Example], name: str, inputs: HeadInputs,
               algorithm: str = "logreg", source: str = "",
               settings: tuple[float, float] | None = None,
               cross_validate: bool = True) -> Head:  # fmt: skip
    """Fit a head on all examples; its `figures` come from 5-fold cross-validation.

    `settings`: (embedding weight, C) to use instead of choosing them by cross-validation;
    `cross_validate=False` skips the figures (benchmarks that score a held-out set instead)."""
    if algorithm not in ALGORITHMS:
        raise UsageError(f"unknown algorithm {algorithm!r}; use {', '.join(ALGORITHMS)}")
    check_examples(examples, kind, source or name)
    embeddings, cues = inputs([e.text for e in examples], [e.lang for e in examples])
    x = np.hstack([embeddings, cues]).astype(np.float64)
    if kind == "intent":
        labels = tuple(sorted({label for e in examples for label in e.labels}))
        y = np.array([[label in e.labels for label in labels] for e in examples], dtype=int)
    else:
        labels = allowed_labels(kind)
        present = {e.labels[0] for e in examples}
        labels = tuple(label for label in labels if label in present)
        y = np.array([labels.index(e.labels[0]) for e in examples])
    weight, c = settings or select_settings(kind, x, y, labels, algorithm)
    mean, scale = _standardisation(x, weight)
    layers = _fit((x - mean) / scale, y, kind, algorithm, len(labels), c)
    head = Head(
        name=name, kind=kind, labels=labels, algorithm=algorithm,
        mean=mean, scale=scale, layers=layers,
        output="sigmoid" if kind == "intent" else "softmax",
        features=feature_spec(),
    )  # fmt: skip
    if cross_validate:
        head.figures = cross_validated(kind, x, y, labels, algorithm, weight, c)
    head.training = {
        "source": source,
        "data_sha256": data_hash(examples),
        "rows": len(examples),
        "labels": _counts(lab for e in examples for lab in e.labels or [INTENT_NONE]),
        "languages": _counts(e.lang or "detected" for e in examples),
        "masked_names_sha256": hashlib.sha256("\n".join(inputs.masker.names).encode()).hexdigest(),
        "embedding_weight": weight,
        "regularisation_c": c,
        "scikit_learn": version("scikit-learn"),
    }  # fmt: skip
    return head


def _counts(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _standardisation(x: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Cue columns to mean 0, sd 1; embedding columns kept, times `weight`."""
    cues = len(FEATURE_NAMES)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-8] = 1.0
    mean[:-cues] = 0.0
    scale[:-cues] = 1.0 / weight
    return mean, scale


def select_settings(kind: str, x: np.ndarray, y: np.ndarray, labels: Sequence[str],
                    algorithm: str) -> tuple[float, float]:  # fmt: skip
    """(embedding weight, C) with the best cross-validated score on the training data."""
    if algorithm != "logreg" or kind == "intent":  # one fit per intent: too slow to search
        return DEFAULT_SETTINGS
    best: tuple[float, float, float] | None = None
    for weight, c in CANDIDATES:
        found = cross_validated(kind, x, y, labels, algorithm, weight, c, SELECTION_FOLDS)
        if best is None or found["macro_recall"] > best[0] + 1e-9:
            best = (found["macro_recall"], weight, c)
    assert best is not None
    return best[1], best[2]


def _fit(x: np.ndarray, y: np.ndarray, kind: str, algorithm: str, n_labels: int,
         c: float) -> list[Layer]:  # fmt: skip
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import LinearSVC

    if algorithm == "mlp":
        model = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-2, max_iter=400,
                              random_state=SEED, early_stopping=False)  # fmt: skip
        model.fit(x, y)
        hidden = Layer(model.coefs_[0], model.intercepts_[0], "relu")
        out_w, out_b = model.coefs_[1], model.intercepts_[1]
        if kind != "intent" and n_labels == 2:  # one logistic output -> two softmax columns
            out_w = np.hstack([np.zeros_like(out_w), out_w])
            out_b = np.concatenate([[0.0], out_b])
        return [hidden, Layer(out_w, out_b)]
    columns_w, columns_b = [], []
    targets = [y[:, j] for j in range(y.shape[1])] if kind == "intent" else [y]
    for target in targets:
        if algorithm == "svm":
            model = LinearSVC(C=c, class_weight="balanced", random_state=SEED, max_iter=5000)
        else:
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        model.fit(x, target)
        w, b = model.coef_.T, model.intercept_
        if kind != "intent" and n_labels == 2:
            w, b = np.hstack([np.zeros_like(w), w]), np.concatenate([[0.0], b])
        columns_w.append(w)
        columns_b.append(b)
    return [Layer(np.hstack(columns_w), np.concatenate(columns_b))]


def cross_validated(kind: str, x: np.ndarray, y: np.ndarray, labels: Sequence[str],
                    algorithm: str, weight: float, c: float,
                    folds: int = FOLDS) -> dict[str, Any]:  # fmt: skip
    """Figures from `folds`-fold cross-validation (stratified for single-label kinds)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if kind == "intent":
        splitter = KFold(folds, shuffle=True, random_state=SEED)
        splits = list(splitter.split(x))
    else:
        folds = min(folds, int(np.bincount(y).min()))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
        splits = list(splitter.split(x, y))
    predicted = np.zeros((len(x), len(labels)))
    for train, test in splits:
        mean, scale = _standardisation(x[train], weight)
        layers = _fit((x[train] - mean) / scale, y[train], kind, algorithm, len(labels), c)
        head = Head("cv", kind, tuple(labels), algorithm, mean.astype(np.float32),
                    scale.astype(np.float32), layers,
                    "sigmoid" if kind == "intent" else "softmax")  # fmt: skip
        z = x[test].astype(np.float32)
        split = z.shape[1] - len(FEATURE_NAMES)
        predicted[test] = head.probabilities(z[:, :split], z[:, split:])
    return figures(kind, y, predicted, labels, folds=len(splits))


def figures(kind: str, y: np.ndarray, probabilities: np.ndarray, labels: Sequence[str],
            folds: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Macro-recall, accuracy and per-label recall (single label) or per-intent P/R/F1."""
    out: dict[str, Any] = {"folds": folds} if folds else {}
    if kind == "intent":
        chosen = probabilities >= 0.5
        for j, label in enumerate(labels):
            tp = int(np.sum(chosen[:, j] & (y[:, j] == 1)))
            fp = int(np.sum(chosen[:, j] & (y[:, j] == 0)))
            fn = int(np.sum(~chosen[:, j] & (y[:, j] == 1)))
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            out[label] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}
        return out
    chosen = probabilities.argmax(axis=1)
    recalls = {}
    for j, label in enumerate(labels):
        mask = y == j
        recalls[label] = round(float(np.mean(chosen[mask] == j)), 4) if mask.any() else 0.0
    out["macro_recall"] = round(float(np.mean(list(recalls.values()))), 4)
    out["accuracy"] = round(float(np.mean(chosen == y)), 4)
    out["recall"] = recalls
    return out
