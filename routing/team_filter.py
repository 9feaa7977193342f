"""Which findings a team wants: its signals, then its filters on brand, product, language,
severity and reach. Findings carry the brands, products and languages they touch in `metrics`."""

from __future__ import annotations

from typing import Any

from echolot.config import ProjectConfig, Severity, Team


def wants(finding: dict[str, Any], team: Team, config: ProjectConfig) -> bool:
    filters = team.filters
    metrics = finding["metrics"] or {}
    if finding["kind"] not in {kind.value for kind in team.signals}:
        return False
    if Severity(finding["severity"]).rank < filters.min_severity.rank:
        return False
    if int(metrics.get("reach") or 0) < filters.min_reach:
        return False
    if filters.brands and not _touches(finding, metrics, "brand", "brands", filters.brands):
        return False
    if filters.products and not _touches_products(finding, metrics, filters.products, config):
        return False
    languages = metrics.get("languages")
    return not (filters.languages and languages and not set(languages) & set(filters.languages))


def _touches(finding: dict[str, Any], metrics: dict, scope_kind: str, key: str,
             wanted: list[str]) -> bool:  # fmt: skip
    """A finding about one brand matches by scope; others by the brands their posts name.
    Findings that name no brand at all (e.g. a product area) are not about a rival: keep them."""
    if finding["scope_kind"] == scope_kind:
        return finding["scope_value"] in wanted
    named = metrics.get(key)
    return not named or bool(set(named) & set(wanted))


def _touches_products(
    finding: dict[str, Any], metrics: dict, wanted: list[str], config: ProjectConfig
) -> bool:
    areas = {p.area for p in config.products if p.name in wanted}
    if finding["scope_kind"] == "product_area":
        return finding["scope_value"] in areas
    named = metrics.get("products")
    return bool(named and set(named) & set(wanted)) or metrics.get("product_area") in areas
