"""Hand-made cue features for the classifier heads, beside the MiniLM embedding.

Computed on the masked text (nlp/masking.py): lexicon polarity (VADER for every language, since
it also reads emoji and English words that German posts use; the German polarity lexicon for
German), negators, intensifiers, emoji and emoticons, punctuation and shouting. Cheap: about
0.1 ms a post, most of it VADER.

The order and meaning of the columns is part of a head's file (FEATURE_NAMES, FEATURE_VERSION):
a head trained on other features is refused when it is loaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from nlp.lexicons import (
    INTENSIFIERS,
    NEGATIVE_EMOJI,
    NEGATIVE_EMOTICONS,
    NEGATORS,
    POSITIVE_EMOJI,
    POSITIVE_EMOTICONS,
    german_lexicon,
    german_polarity,
)
from nlp.masking import HANDLE_PLACEHOLDER, NAME_PLACEHOLDER, URL_PLACEHOLDER

FEATURE_VERSION = "cues-1"
FEATURE_NAMES = (
    "vader_compound", "vader_pos", "vader_neg",
    "de_compound", "de_pos", "de_neg",
    "negated_positive", "negated_negative", "negators", "intensifiers",
    "positive_emoji", "negative_emoji", "exclamations", "questions", "ellipsis",
    "shouting", "placeholders", "links", "log_words", "is_german",
)  # fmt: skip
_TOKEN = re.compile(r"[\wäöüß']+|[^\w\s]", re.UNICODE)
_NEGATION_WINDOW = 3
_PLACEHOLDER_WORDS = frozenset({NAME_PLACEHOLDER.lower(), "user", URL_PLACEHOLDER})

_vader: SentimentIntensityAnalyzer | None = None


def _analyzer() -> SentimentIntensityAnalyzer:
    global _vader
    if _vader is None:
        _vader = SentimentIntensityAnalyzer()
    return _vader


def cue_features(texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    """One row of FEATURE_NAMES per (masked) text."""
    out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        out[i] = _row(text, _language(lang))
    return out


def _language(lang: str | None) -> str:
    return "de" if (lang or "").lower().startswith("de") else "en"


def _row(text: str, lang: str) -> list[float]:
    vader = _analyzer().polarity_scores(text)
    tokens = _TOKEN.findall(text)
    words = [t.lower() for t in tokens if t[0].isalnum() or t[0] == "_"]
    negators, intensifiers = NEGATORS[lang], INTENSIFIERS[lang]
    de_pos = de_neg = 0.0
    negated_pos = negated_neg = 0.0
    table = german_lexicon() if lang == "de" else None
    last_negator = -100
    for index, word in enumerate(words):
        if word in negators or word.endswith("n't"):
            last_negator = index
            continue
        polarity = german_polarity(word, table) if table is not None else 0.0
        if table is None:  # English: VADER's lexicon gives the word's own polarity
            polarity = _analyzer().lexicon.get(word, 0.0) / 4.0
        if not polarity:
            continue
        negated = index - last_negator <= _NEGATION_WINDOW
        if polarity > 0:
            negated_pos += negated
            if table is not None:
                de_pos += polarity * (-0.5 if negated else 1.0)
        else:
            negated_neg += negated
            if table is not None:
                de_neg += -polarity * (-0.5 if negated else 1.0)
    de_compound = 0.0
    if de_pos or de_neg:
        raw = de_pos - de_neg
        de_compound = raw / math.sqrt(raw * raw + 4.0)  # VADER-like squashing to (-1, 1)
    letters = [ch for ch in text if ch.isalpha()]
    upper_words = sum(
        1 for t in tokens if len(t) > 2 and t.isupper() and t.lower() not in _PLACEHOLDER_WORDS
    )
    n_words = max(len(words), 1)
    return [
        vader["compound"], vader["pos"], vader["neg"],
        de_compound, min(de_pos, 5.0) / 5.0, min(de_neg, 5.0) / 5.0,
        min(negated_pos, 3.0), min(negated_neg, 3.0),
        min(sum(w in negators or w.endswith("n't") for w in words), 3.0),
        min(sum(w in intensifiers for w in words), 3.0),
        min(sum(ch in POSITIVE_EMOJI for ch in text)
            + sum(text.count(e) for e in POSITIVE_EMOTICONS), 3.0),
        min(sum(ch in NEGATIVE_EMOJI for ch in text)
            + sum(text.count(e) for e in NEGATIVE_EMOTICONS), 3.0),
        min(text.count("!"), 3.0), min(text.count("?"), 3.0),
        min(text.count("...") + text.count("…"), 3.0),
        upper_words / n_words if letters else 0.0,
        min(text.lower().count(NAME_PLACEHOLDER.lower()) + text.count(HANDLE_PLACEHOLDER), 3.0),
        min(text.count(URL_PLACEHOLDER), 3.0),
        math.log1p(len(words)),
        1.0 if lang == "de" else 0.0,
    ]  # fmt: skip
