"""Whole-word, case-insensitive matching of campaign hashtags, keywords and brand names."""

from __future__ import annotations

import re
from collections.abc import Iterable


def hashtag_pattern(hashtags: Iterable[str]) -> re.Pattern[str] | None:
    """#GlowWeek matches #glowweek, not #GlowWeekend; None when there are no hashtags."""
    tags = sorted({t.lstrip("#").lower() for t in hashtags if t.lstrip("#")}, key=len, reverse=True)
    if not tags:
        return None
    return re.compile(rf"(?<![\w#])#(?:{'|'.join(map(re.escape, tags))})(?!\w)", re.IGNORECASE)


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the terms as a whole word or phrase, also written as a #tag or @handle."""
    words = sorted({t.lstrip("#@").lower() for t in terms if t.lstrip("#@")}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(rf"(?<!\w)[#@]?(?:{'|'.join(map(re.escape, words))})(?!\w)", re.IGNORECASE)
