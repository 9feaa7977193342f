"""Whole-word, case-insensitive matching of campaign hashtags, keywords and brand names: one
definition for every stage that looks for them in text."""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(terms: Iterable[str], prefixes: str = "#@") -> str:
    """The terms, without leading `prefixes`, lower-cased and escaped as one regex alternation;
    longest first, so "lumora hub" wins over "lumora". Empty when no term is left."""
    words = {t.lstrip(prefixes).lower() for t in terms if t.lstrip(prefixes)}
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


def hashtag_pattern(hashtags: Iterable[str]) -> re.Pattern[str] | None:
    """#GlowWeek matches #glowweek, not #GlowWeekend; None when there are no hashtags."""
    tags = alternation(hashtags, "#")
    if not tags:
        return None
    return re.compile(rf"(?<![\w#])#(?:{tags})(?!\w)", re.IGNORECASE)


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the terms as a whole word or phrase, also written as a #tag or @handle."""
    words = alternation(terms)
    if not words:
        return None
    return re.compile(rf"(?<!\w)[#@]?(?:{words})(?!\w)", re.IGNORECASE)
