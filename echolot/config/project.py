"""The whole project file: every section, and the checks that span sections."""

from __future__ import annotations

from pydantic import Field, model_validator

from echolot.config.base import Name, ProjectId, Strict
from echolot.config.brands import Brand, Product, ProductArea
from echolot.config.campaigns import Campaign
from echolot.config.findings import FindingSettings
from echolot.config.influence import InfluenceSettings
from echolot.config.nlp import NlpSettings
from echolot.config.sources import Source
from echolot.config.teams import Team


class Schedule(Strict):
    """When Airflow runs the project's DAGs (cron expressions or presets like @hourly)."""

    ingest: str = "@hourly"
    maintenance: str = "@daily"
    # Posts (and what derives from them) older than this are purged by maintenance.
    retention_days: int = Field(default=400, gt=0)


class ProjectConfig(Strict):
    project: ProjectId
    schedule: Schedule = Schedule()
    nlp: NlpSettings = NlpSettings()
    influence: InfluenceSettings = InfluenceSettings()
    findings: FindingSettings = FindingSettings()
    brands: list[Brand] = Field(min_length=1)
    competitors: list[Brand] = []
    product_areas: list[ProductArea] = []
    products: list[Product] = []
    sources: list[Source] = Field(min_length=1)
    campaigns: list[Campaign] = []
    teams: dict[Name, Team] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> ProjectConfig:
        areas = {area.name for area in self.product_areas}
        for product in self.products:
            if product.area not in areas:
                raise ValueError(f"product {product.name!r} names unknown area {product.area!r}")
        names = [source.name for source in self.sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique; repeated: {', '.join(duplicates)}")
        self._team_filters_resolve()
        return self

    def _team_filters_resolve(self) -> None:
        """A filter naming an unknown brand or product would silently match nothing."""
        brands = {brand.name for brand in self.all_brands}
        products = {product.name for product in self.products}
        for name, team in self.teams.items():
            for brand in team.filters.brands:
                if brand not in brands:
                    raise ValueError(
                        f"teams.{name}.filters.brands: unknown brand {brand!r} "
                        f"(known: {', '.join(sorted(brands))})"
                    )
            for product in team.filters.products:
                if product not in products:
                    raise ValueError(
                        f"teams.{name}.filters.products: unknown product {product!r} "
                        f"(known: {', '.join(sorted(products)) or 'none configured'})"
                    )

    @property
    def all_brands(self) -> list[Brand]:
        return [*self.brands, *self.competitors]
