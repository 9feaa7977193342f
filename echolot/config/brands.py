"""Brands, competitors, product areas and products a project listens for."""

from __future__ import annotations

from pydantic import Field

from echolot.config.base import Name, Strict


class Brand(Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []

    @property
    def terms(self) -> list[str]:
        return [self.name, *self.aliases]


class ProductArea(Strict):
    name: Name
    keywords: list[str] = []


class Product(Strict):
    name: str = Field(min_length=1)
    area: Name
    aliases: list[str] = []
    keywords: list[str] = []
