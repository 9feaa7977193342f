"""Which brand a comparison post prefers, from its wording (English and German).

Deliberately conservative: a post counts for a brand only when it says so ("switching to X",
"X is cheaper", "ich bleibe bei X"); everything else is undecided rather than guessed.
"""

from __future__ import annotations

import re

from echolot.config import Brand, ProjectConfig

_BEFORE = (
    r"(?:switch(?:ed|ing)?(?: over)? to|mov(?:ed|ing) to|went (?:with|to)|going with|"
    r"go with|prefer|stick(?:ing)? with|sticking to|team|bought|buying|ordered|chose|"
    r"wechsel(?:e|n|t)? zu|bleibe bei|nehme|gekauft)"
)
_AFTER = (
    r"(?:is|was|feels|felt|looks|seems|works|ist|wirkt|fühlt sich)\s+(?:way |much |a lot |so |"
    r"far |viel |deutlich |einfach )?(?:better|cheaper|nicer|faster|easier|more \w+|"
    r"besser|günstiger|schöner|schneller|einfacher|zuverlässiger)|wins|for the win|ftw|"
    r"already has it|has no subscription|hat das schon|gewinnt"
)
# Wording that speaks against a brand: with two brands in the post, the other one wins.
_AGAINST_AFTER = (
    r"(?:'s)?(?:\s+\w+){0,2}\s+(?:is a mess|feels like a cash grab|is a cash grab|is worse|"
    r"sucks|ist schlechter|ist ein chaos)"
)
_AGAINST_BEFORE = r"(?:switched from|moving away from|weg von)"


def _brand_regex(brand: Brand) -> str:
    """The brand's names as one alternation, to find the wording around them. Which brands a
    post is about comes from its stored scope; this only locates them in the text."""
    names = sorted({t.lstrip("#@").lower() for t in brand.terms if t.lstrip("#@")},
                   key=lambda t: (-len(t), t))  # fmt: skip
    return "(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names) + ")"


def preferred_brand(text: str, names: list[str], config: ProjectConfig) -> str | None:
    """The one brand among `names` — the brands the post is about, from its stored scope — the
    text says it prefers, or None when unclear."""
    brands = {b.name: b for b in config.all_brands if b.name in names}
    named = list(brands)
    winners, losers = set(), set()
    for name in named:
        term = _brand_regex(brands[name])
        before = rf"\b{_BEFORE}\s+(?:the\s+|a\s+|an\s+)?[#@]?{term}\b"
        after = rf"(?:gewinnt\s+)?[#@]?\b{term}\b(?:\s+\w+)?\s+(?:{_AFTER})"
        over = rf"[#@]?\b{term}\b\s+(?:over|statt|vor)\s+"
        gewinnt = rf"\bgewinnt\s+{term}\b"
        if any(re.search(p, text, re.IGNORECASE) for p in (before, after, over, gewinnt)):
            winners.add(name)
        against = rf"[#@]?\b{term}\b{_AGAINST_AFTER}|\b{_AGAINST_BEFORE}\s+{term}\b"
        if re.search(against, text, re.IGNORECASE):
            losers.add(name)
    if not winners and len(losers) == 1 and len(named) == 2:
        winners = set(named) - losers
    winners -= losers
    return winners.pop() if len(winners) == 1 else None
