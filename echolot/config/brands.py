"""Brands, competitors, product areas and products a project listens for."""

from __future__ import annotations

from echolot.config.base import Name, Strict, Term, Terms


class Brand(Strict):
    name: Term
    aliases: Terms = []

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
