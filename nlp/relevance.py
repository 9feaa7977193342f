"""Which brands, competitors and products a post is about: entities, then relevance.

A mention of an ambiguous name must be about the brand ("Bahn" is also a tram, a lane and a
career path). Per brand or competitor in the project file, in this order:

1. an `exclude` term or phrase in the post makes the mention irrelevant;
2. a `context` term makes it relevant;
3. a relevance head (`relevance_head`), when configured, decides the rest by P(relevant) >= 0.5;
4. otherwise the mention is relevant, unless the brand sets `require_context` (a name so common
   that only a context term makes it the brand: "Best", "Joy").

Products are taken as named. A post naming a product of ours is also about our brand when the
project has exactly one brand. The result is the post's brand scope, stored by the stage and read
by detectors, reach and routing (one definition, no second match downstream).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.classifiers import RELEVANCE_LABELS, Head, load_head, resolve_head
from nlp.entities import BRAND, COMPETITOR, PRODUCT


@dataclass(frozen=True)
class BrandScope:
    brands: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    off_topic: tuple[str, ...] = ()  # names mentioned, judged not about the brand
    reasons: dict[str, str] = field(default_factory=dict)  # name -> why it was off topic

    @property
    def relevant(self) -> bool:
        """False when configured names were mentioned and none of them was about the brand."""
        return bool(self.brands or self.competitors or self.products) or not self.off_topic


def compile_terms(terms: Sequence[str]) -> re.Pattern[str] | None:
    """Whole words or phrases, case-insensitive; `term*` for beginnings, `*term` for endings."""
    parts = []
    for term in terms:
        term = " ".join(term.split())
        if not term.strip("*"):
            continue
        prefix, suffix = term.endswith("*"), term.startswith("*")
        body = r"\s+".join(re.escape(w) for w in term.strip("*").split())
        left = r"\w*" if suffix else r"(?<!\w)"
        right = r"\w*" if prefix else r"(?:s|es|e|en|n|er)?(?!\w)"
        parts.append(left + body + right)
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE | re.UNICODE)


@dataclass
class _Rule:
    context: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    head: Head | None
    require_context: bool = False


class RelevanceJudge:
    def __init__(self, rules: dict[str, _Rule], own_brands: Sequence[str]) -> None:
        self.rules = rules
        self.own_brands = tuple(own_brands)

    @classmethod
    def from_config(cls, config: Any, heads_dir: Path | None = None) -> RelevanceJudge:
        rules = {}
        for brand in [*config.brands, *config.competitors]:
            head = None
            if brand.relevance_head:
                path = resolve_head(brand.relevance_head, heads_dir)
                head = load_head(path, "relevance", RELEVANCE_LABELS)
            rules[brand.name] = _Rule(compile_terms(brand.context), compile_terms(brand.exclude),
                                      head, brand.require_context)  # fmt: skip
        return cls(rules, [b.name for b in config.brands])

    @property
    def heads(self) -> dict[str, Head]:
        return {name: rule.head for name, rule in self.rules.items() if rule.head is not None}

    def scopes(
        self,
        texts: Sequence[str],
        entities: Sequence[Sequence[dict[str, Any]]],
        embeddings: np.ndarray | None = None,
        cues: np.ndarray | None = None,
    ) -> list[BrandScope]:
        probabilities = self._head_probabilities(embeddings, cues, len(texts))
        return [
            self._scope(i, text, found, probabilities)
            for i, (text, found) in enumerate(zip(texts, entities, strict=True))
        ]

    def _head_probabilities(self, embeddings, cues, n: int) -> dict[str, np.ndarray]:
        out = {}
        if embeddings is None or cues is None or n == 0:
            return out
        for name, head in self.heads.items():
            probs = head.probabilities(embeddings, cues)
            out[name] = probs[:, head.labels.index("relevant")] if "relevant" in head.labels else 0
        return out

    def _scope(self, index: int, text: str, found: Sequence[dict[str, Any]],
               probabilities: dict[str, np.ndarray]) -> BrandScope:  # fmt: skip
        named: dict[str, list[str]] = {BRAND: [], COMPETITOR: [], PRODUCT: []}
        for entity in found:
            label = entity.get("label")
            if label in named and entity["canonical"] not in named[label]:
                named[label].append(entity["canonical"])
        kept: dict[str, list[str]] = {BRAND: [], COMPETITOR: []}
        off: dict[str, str] = {}
        for label in (BRAND, COMPETITOR):
            for name in named[label]:
                reason = self._off_topic(name, text, index, probabilities)
                if reason is None:
                    kept[label].append(name)
                else:
                    off[name] = reason
        products = named[PRODUCT]
        if products and len(self.own_brands) == 1 and self.own_brands[0] not in kept[BRAND]:
            kept[BRAND].append(self.own_brands[0])
            off.pop(self.own_brands[0], None)
        return BrandScope(tuple(kept[BRAND]), tuple(kept[COMPETITOR]), tuple(products),
                          tuple(off), off)  # fmt: skip

    def _off_topic(self, name: str, text: str, index: int,
                   probabilities: dict[str, np.ndarray]) -> str | None:  # fmt: skip
        rule = self.rules.get(name)
        if rule is None:
            return None
        if rule.exclude is not None:
            match = rule.exclude.search(text)
            if match:
                return f"exclude term: {match.group(0)}"
        if rule.context is not None and rule.context.search(text):
            return None
        if name in probabilities:
            p = float(probabilities[name][index])
            return None if p >= 0.5 else f"relevance head: P(relevant) {p:.2f}"
        return "no context term" if rule.require_context else None
