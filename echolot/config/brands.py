"""Brands, competitors, product areas and products a project listens for."""

from __future__ import annotations

from echolot.config.base import Name, Strict, Term, Terms


class Brand(Strict):
    name: Term
    aliases: Terms = []
    # Relevance of a mention (nlp/relevance.py): any `exclude` term or phrase makes it
    # irrelevant, else any `context` term makes it about the brand. `term*` matches word
    # beginnings, `*term` word endings (compounds).
    context: Terms = []
    exclude: Terms = []
    # A mention with neither is relevant, unless this is set (names like "Best" or "Joy").
    require_context: bool = False
    # A relevance head (`echolot train relevance`) deciding mentions the terms leave open.
    relevance_head: str | None = None

    @property
    def terms(self) -> list[str]:
        return [self.name, *self.aliases]


class ProductArea(Strict):
    name: Name
    keywords: Terms = []


class Product(Strict):
    name: Term
    area: Name
    aliases: Terms = []
    keywords: Terms = []
