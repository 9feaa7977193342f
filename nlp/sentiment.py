"""Sentiment scoring with VADER, the default for English posts."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's own recommended cut-offs on the compound score.
_POSITIVE_AT = 0.05
_NEGATIVE_AT = -0.05
# VADER's lexicon is English; other languages get their own models in later stages.
SUPPORTED_LANGUAGES = frozenset({"en"})


@dataclass(frozen=True)
class SentimentScore:
    label: str
    polarity: float
    confidence: float


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
