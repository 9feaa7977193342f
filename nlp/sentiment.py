"""Sentiment scoring: classifier heads (the default, en and de), VADER and transformers models.

Every model follows `SentimentModel`: a `name` and a `version` (scores are stored per model and
version, so a changed model rescores), `supports(lang)`, and `score_batch(texts)` giving one
`SentimentScore(label, polarity, confidence)` per text. `load_sentiment(choice)` builds the
model a `SentimentModelChoice` from the project file names.

Every model scores masked text (nlp/masking.py: brand names, handles, URLs replaced); the stage
masks before it calls them. A head (`HeadSentiment`) reads the stage's embedding of that masked
text and its cue features instead of the text, so nothing is embedded twice.

Transformers models load offline only, from a local folder or from the local Hugging Face
cache: no machine here reaches the hub.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from echolot.errors import ConfigError
from nlp.classifiers import SENTIMENT_LABELS, Head, load_head, resolve_head

if TYPE_CHECKING:
    from echolot.config import SentimentModelChoice

# No machine here reaches the Hugging Face hub; never let transformers try.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# VADER's own recommended cut-offs on the compound score.
_POSITIVE_AT = 0.05
_NEGATIVE_AT = -0.05
# VADER's lexicon is English; other languages get their own models in later stages.
SUPPORTED_LANGUAGES = frozenset({"en"})

LABELS = ("negative", "neutral", "positive")
# Files holding a model's weights; their content goes into the model's version.
_WEIGHT_FILES = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt", "*.h5", "*.msgpack")
# "name" or "org/name": what the hub accepts as a model id.
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


@dataclass(frozen=True)
class SentimentScore:
    label: str
    polarity: float
    confidence: float


@runtime_checkable
class SentimentModel(Protocol):
    name: str
    version: str

    def supports(self, lang: str | None) -> bool: ...

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]: ...


class VaderSentiment:
    name = "vader"

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()
        self.version = version("vadersentiment")

    def supports(self, lang: str | None) -> bool:
        # Reddit gives no language; X marks undetermined text as "und".
        return lang is None or lang in ("und", "zxx") or lang in SUPPORTED_LANGUAGES

    def score(self, text: str) -> SentimentScore:
        compound = self._analyzer.polarity_scores(text)["compound"]
        if compound >= _POSITIVE_AT:
            label = "positive"
        elif compound <= _NEGATIVE_AT:
            label = "negative"
        else:
            label = "neutral"
        # Confidence grows with distance from the neutral band's centre.
        confidence = abs(compound) if label != "neutral" else 1.0 - abs(compound) / _POSITIVE_AT
        return SentimentScore(label, compound, round(min(1.0, max(0.0, confidence)), 4))

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]:
        return [self.score(text) for text in texts]


class TransformersSentiment:
    """A sequence-classification model from a local folder or the local Hugging Face cache.

    Texts run in batches of similar length (longest first, so padding stays short), truncated
    to `max_length` tokens; identical texts run once. The model's labels map to ours through
    `choice.labels`, or directly when they already are negative/neutral/positive; several
    model labels may map to one of ours (their probabilities add up). Polarity is
    P(positive) − P(negative); confidence is the probability of the chosen label.
    """

    def __init__(
        self, choice: SentimentModelChoice, languages: Collection[str] | None = None
    ) -> None:
        if not choice.model:
            raise ConfigError("sentiment backend 'transformers' needs `model` (id or folder)")
        self.choice = choice
        # None: the caller routes by language (nlp.sentiment maps each language to a model).
        self.languages = frozenset(languages) if languages is not None else None
        self.batch_size = choice.batch_size
        folder, hub_id = _locate(choice.model)
        self.name = hub_id or folder.name
        self._torch, self.tokenizer, self.model = _load(folder, hub_id)
        self.max_length = _usable_max_length(choice.max_length, self.tokenizer, self.model.config)
        self._columns = _label_columns(self.name, self.model.config.id2label, choice.labels)
        # The hub id, or the folder's name: the same model at another path scores the same.
        origin = hub_id or Path(str(self.model.config._name_or_path)).name or self.name
        self.version = f"{origin}@{weights_digest(folder)}"

    def supports(self, lang: str | None) -> bool:
        return self.languages is None or lang in self.languages

    def score(self, text: str) -> SentimentScore:
        return self.score_batch([text])[0]

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]:
        unique = sorted(set(texts), key=len, reverse=True)
        scored: dict[str, SentimentScore] = {}
        for start in range(0, len(unique), self.batch_size):
            chunk = unique[start : start + self.batch_size]
            scored.update(zip(chunk, self._run(chunk), strict=True))
        return [scored[text] for text in texts]

    def _run(self, texts: list[str]) -> list[SentimentScore]:
        torch = self._torch
        encoded = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        with torch.inference_mode():
            logits = self.model(**encoded).logits
        probabilities = torch.softmax(logits.float(), dim=-1).tolist()
        return [self._verdict(row) for row in probabilities]

    def _verdict(self, row: list[float]) -> SentimentScore:
        ours = dict.fromkeys(LABELS, 0.0)
        for column, label in self._columns.items():
            ours[label] += row[column]
        # Ties go to neutral first: an undecided model says nothing either way.
        label = max(("neutral", "negative", "positive"), key=lambda name: ours[name])
        polarity = max(-1.0, min(1.0, ours["positive"] - ours["negative"]))
        return SentimentScore(label, round(polarity, 4), round(ours[label], 4))


class HeadSentiment:
    """A sentiment classifier head (nlp/classifiers.py) over embedding and cue features.

    Polarity is P(positive) - P(negative); confidence is the probability of the chosen label.
    The caller routes by language, so it takes any language it is given.
    """

    def __init__(self, head: Head) -> None:
        self.head = head
        self.name = f"head:{head.name}"
        self.version = head.version

    def supports(self, lang: str | None) -> bool:
        return True

    def score_features(self, embeddings: np.ndarray, cues: np.ndarray) -> list[SentimentScore]:
        probabilities = self.head.probabilities(embeddings, cues)
        labels = self.head.labels
        positive = labels.index("positive") if "positive" in labels else None
        negative = labels.index("negative") if "negative" in labels else None
        out = []
        for row in probabilities:
            best = int(row.argmax())
            polarity = (row[positive] if positive is not None else 0.0) - (
                row[negative] if negative is not None else 0.0
            )
            out.append(
                SentimentScore(labels[best], round(float(polarity), 4), round(float(row[best]), 4))
            )
        return out

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]:
        raise ConfigError(
            f"sentiment head {self.head.name!r} scores the stage's features, not raw texts"
        )


def load_sentiment(
    choice: SentimentModelChoice,
    languages: Collection[str] | None = None,
    heads_dir: Path | None = None,
) -> SentimentModel:
    """The model a project's `nlp.sentiment` entry names (VADER keeps its own languages)."""
    if choice.backend == "vader":
        return VaderSentiment()
    if choice.backend == "transformers":
        return TransformersSentiment(choice, languages)
    if choice.backend == "head":
        path = resolve_head(choice.head or "", heads_dir)
        return HeadSentiment(load_head(path, "sentiment", SENTIMENT_LABELS))
    raise ConfigError(
        f"unknown sentiment backend {choice.backend!r}; use head, vader or transformers"
    )


def neutral_unscorable() -> SentimentScore:
    """What a text that masks to nothing gets (only a brand name, only links)."""
    return SentimentScore("neutral", 0.0, 0.0)


def weights_digest(folder: Path, length: int = 12) -> str:
    """A short hash of the weight files' names and contents."""
    files = sorted({path for pattern in _WEIGHT_FILES for path in folder.glob(pattern)})
    if not files:
        raise ConfigError(f"sentiment model folder {folder} holds no weights file")
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:length]


def _locate(model: str) -> tuple[Path, str | None]:
    """(folder holding the model's files, hub id or None for a local folder)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve(), None
    if path.is_absolute() or model.startswith((".", "~")) or not _HUB_ID.match(model):
        raise ConfigError(f"sentiment model folder {model!r} does not exist ({path.absolute()})")
    from huggingface_hub import constants, try_to_load_from_cache

    cached = try_to_load_from_cache(model, "config.json")
    if not isinstance(cached, str):
        raise ConfigError(
            f"sentiment model {model!r} is neither a local folder nor in the local Hugging Face "
            f"cache ({constants.HF_HUB_CACHE}): this machine is offline and the Hugging Face "
            "hub is not reachable, so it cannot be downloaded. Copy the model into a folder "
            "(save_pretrained) and set `model` to that folder's path."
        )
    return Path(cached).parent, model


def _load(folder: Path, hub_id: str | None):  # -> (torch, tokenizer, model)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    where = f"folder {str(folder)!r}" if hub_id is None else f"{hub_id!r} (cached in {folder})"
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot load sentiment model {where}: {first}") from None
    return torch, tokenizer, model.eval()


def _usable_max_length(wanted: int, tokenizer, config) -> int:
    """`max_length`, capped by what the tokenizer and the model's position table allow."""
    limits = [wanted]
    # Tokenizers without a recorded limit report a huge sentinel.
    recorded = getattr(tokenizer, "model_max_length", None)
    if isinstance(recorded, int) and 0 < recorded < 100_000:
        limits.append(recorded)
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        # RoBERTa-style models reserve two positions (514 for 512 tokens).
        reserved = 2 if getattr(config, "model_type", "") in {"roberta", "xlm-roberta"} else 0
        limits.append(positions - reserved)
    return max(1, min(limits))


def _label_columns(name: str, id2label: dict[int, str], mapping: dict[str, str]) -> dict[int, str]:
    """Output column -> negative|neutral|positive, or an error naming the unmapped labels."""
    labels = {int(column): str(label) for column, label in id2label.items()}
    shown = ", ".join(labels[c] for c in sorted(labels))
    if not mapping:
        columns = {c: label.lower() for c, label in labels.items() if label.lower() in LABELS}
        if len(columns) != len(labels):
            raise ConfigError(
                f"sentiment model {name!r} has labels {shown}, not negative/neutral/positive: "
                "map them with `labels` in its nlp.sentiment entry"
            )
        return columns
    wanted = {key.lower(): value for key, value in mapping.items()}
    columns: dict[int, str] = {}
    for column, label in labels.items():
        # A label by its name (any case) or by its column number.
        ours = wanted.get(label.lower(), wanted.get(str(column)))
        if ours is not None:
            columns[column] = ours
    known = {label.lower() for label in labels.values()} | {str(column) for column in labels}
    unknown = sorted(key for key in mapping if key.lower() not in known)
    missing = [labels[c] for c in sorted(labels) if c not in columns]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"no mapping for {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown label(s) {', '.join(unknown)}")
        raise ConfigError(
            f"sentiment model {name!r} has labels {shown}; `labels` gives {'; '.join(problems)}"
        )
    return columns
