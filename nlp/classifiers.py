"""Classifier heads: small trained layers over the MiniLM embedding and cue features.

A head is one JSON file (no pickle, nothing executable): its kind (sentiment, intent,
relevance), labels, the features it was trained on, the standardisation arrays, its layers
(weights and biases, rounded so a rebuild is byte-identical), the training data's hash and its
cross-validated figures. The stage's model version for a head is the hash of the file's bytes,
so a retrained head re-analyses posts and an unchanged one does no work.

Loading checks everything and stops with the file's path and what is wrong: missing, not JSON,
not a head, another kind, other labels, other features, inconsistent shapes.

Heads are trained by nlp/training.py; `echolot train` wraps it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from echolot.errors import ConfigError
from nlp.embeddings import MODEL_NAME
from nlp.features import FEATURE_NAMES, FEATURE_VERSION

FORMAT = "echolot-head/1"
Kind = Literal["sentiment", "intent", "relevance"]
KINDS: tuple[str, ...] = get_args(Kind)
SENTIMENT_LABELS = ("negative", "neutral", "positive")
RELEVANCE_LABELS = ("irrelevant", "relevant")
# Shipped defaults, rebuilt by `python -m nlp.train_defaults`.
SHIPPED_DIR = Path(__file__).with_name("models")
DECIMALS = 6


class HeadError(ConfigError):
    """A head file that cannot serve: names the file and the problem."""


@dataclass
class Layer:
    weights: np.ndarray  # (inputs, outputs)
    bias: np.ndarray  # (outputs,)
    activation: Literal["relu", "none"] = "none"


@dataclass
class Head:
    name: str
    kind: Kind
    labels: tuple[str, ...]
    algorithm: str
    mean: np.ndarray
    scale: np.ndarray
    layers: list[Layer]
    # softmax: one label per post (sentiment, relevance); sigmoid: each label on its own (intents)
    output: Literal["softmax", "sigmoid"]
    training: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # hash of the saved file, set by load_head / save_head
    path: Path | None = None

    def probabilities(self, embeddings: np.ndarray, cues: np.ndarray) -> np.ndarray:
        """(posts, labels) probabilities from the embedding rows and cue rows."""
        x = np.hstack([np.asarray(embeddings, dtype=np.float32), cues.astype(np.float32)])
        x = (x - self.mean) / self.scale
        for layer in self.layers:
            x = x @ layer.weights + layer.bias
            if layer.activation == "relu":
                np.maximum(x, 0.0, out=x)
        if self.output == "sigmoid":
            return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
        x = x - x.max(axis=1, keepdims=True)
        np.exp(x, out=x)
        return x / x.sum(axis=1, keepdims=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "kind": self.kind,
            "labels": list(self.labels),
            "output": self.output,
            "algorithm": self.algorithm,
            "features": self.features,
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "layers": [
                {
                    "weights": _rounded(layer.weights),
                    "bias": _rounded(layer.bias),
                    "activation": layer.activation,
                }
                for layer in self.layers
            ],
            "training": self.training,
            "figures": self.figures,
        }


def feature_spec() -> dict[str, Any]:
    """What a head's inputs are; a head trained on anything else is refused."""
    from nlp.lexicons import german_lexicon_version

    return {
        "embedding": MODEL_NAME,
        "cues": FEATURE_VERSION,
        "cue_names": list(FEATURE_NAMES),
        "german_lexicon": german_lexicon_version(),
    }


def _rounded(array: np.ndarray) -> Any:
    return np.round(np.asarray(array, dtype=np.float64), DECIMALS).tolist()


def head_bytes(head: Head) -> bytes:
    return (json.dumps(head.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def save_head(head: Head, path: Path) -> Path:
    """Write atomically (a half-written head never serves) and set the head's version."""
    data = head_bytes(head)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    head.version = _version(head.name, data)
    head.path = path
    return path


def _version(name: str, data: bytes) -> str:
    return f"{name}@{hashlib.sha256(data).hexdigest()[:12]}"


def resolve_head(reference: str, heads_dir: Path | None = None) -> Path:
    """A head name -> its file: `heads_dir`, then the shipped nlp/models; a `.json` is a path."""
    if reference.endswith(".json") or "/" in reference:
        return Path(reference).expanduser()
    candidates = ([heads_dir / f"{reference}.json"] if heads_dir else []) + [
        SHIPPED_DIR / f"{reference}.json"
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    where = ", ".join(str(c.parent) for c in candidates)
    raise HeadError(
        f"classifier head {reference!r} not found (looked in {where}); train it with "
        f"`echolot train KIND {reference} --data FILE` or name a .json file"
    )


def load_head(path: Path, kind: Kind, labels: tuple[str, ...] | None = None) -> Head:
    """The head in `path`, checked to be of `kind` (and to use only `labels`, when given)."""
    return _load_cached(str(Path(path).resolve()), kind, labels, _mtime(path))


def _mtime(path: Path) -> float:
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return -1.0


@lru_cache(maxsize=32)
def _load_cached(path_text: str, kind: str, labels: tuple[str, ...] | None, _m: float) -> Head:
    path = Path(path_text)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HeadError(f"classifier head {path}: file is missing") from None
    except OSError as exc:
        raise HeadError(f"classifier head {path}: cannot read it ({exc.strerror})") from None
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HeadError(f"classifier head {path}: corrupt, not valid JSON ({exc})") from None
    head = _parse(path, raw)
    if head.kind != kind:
        raise HeadError(
            f"classifier head {path}: trained for {head.kind}, but configured for {kind}"
        )
    if labels is not None and not set(head.labels) <= set(labels):
        raise HeadError(
            f"classifier head {path}: has labels {', '.join(head.labels)}; "
            f"{kind} takes {', '.join(labels)}"
        )
    head.version = _version(head.name, data)
    head.path = path
    return head


def _parse(path: Path, raw: Any) -> Head:
    def fail(problem: str) -> HeadError:
        return HeadError(f"classifier head {path}: {problem}")

    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise fail(f"not a head file (format is not {FORMAT!r})")
    try:
        kind, labels = raw["kind"], tuple(str(x) for x in raw["labels"])
        output = raw["output"]
        mean = np.asarray(raw["mean"], dtype=np.float32)
        scale = np.asarray(raw["scale"], dtype=np.float32)
        layers = [
            Layer(
                np.asarray(item["weights"], dtype=np.float32),
                np.asarray(item["bias"], dtype=np.float32),
                item.get("activation", "none"),
            )
            for item in raw["layers"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise fail(f"corrupt ({type(exc).__name__}: {exc})") from None
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}")
    if output not in ("softmax", "sigmoid") or not layers or len(set(labels)) != len(labels):
        raise fail("corrupt (output, layers or labels)")
    features = raw.get("features") or {}
    expected = feature_spec()
    for key in ("embedding", "cues", "cue_names"):
        if features.get(key) != expected[key]:
            raise fail(
                f"trained on other features ({key}: {features.get(key)!r}, this version "
                f"computes {expected[key]!r}); retrain it"
            )
    width = mean.shape[0] if mean.ndim == 1 else -1
    if scale.shape != mean.shape or width < len(FEATURE_NAMES) or np.any(scale <= 0):
        raise fail("corrupt (standardisation arrays)")
    for layer in layers:
        if layer.activation not in ("relu", "none"):
            raise fail(f"corrupt (activation {layer.activation!r})")
        if layer.weights.ndim != 2 or layer.weights.shape[0] != width:
            raise fail("corrupt (layer shapes do not chain)")
        if layer.bias.shape != (layer.weights.shape[1],):
            raise fail("corrupt (bias shape)")
        width = layer.weights.shape[1]
    if width != len(labels):
        raise fail(f"corrupt ({width} outputs for {len(labels)} labels)")
    if not all(np.isfinite(a).all() for a in [mean, scale, *(x.weights for x in layers)]):
        raise fail("corrupt (non-finite numbers)")
    return Head(
        name=str(raw.get("name", path.stem)), kind=kind, labels=labels,
        algorithm=str(raw.get("algorithm", "")), mean=mean, scale=scale, layers=layers,
        output=output, training=raw.get("training") or {}, figures=raw.get("figures") or {},
        features=features,
    )  # fmt: skip
