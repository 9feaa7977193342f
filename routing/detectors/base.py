"""What every finding detector shares: the posts it judges, and the finding rows it writes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from echolot import store
from echolot.config import Brand, FindingKind, ProjectConfig, Severity

# Evidence kept per finding; digests cut it further to the team's detail level.
MAX_EVIDENCE = 12
# Wording that marks a post as an advert rather than a voice worth quoting.
_PROMO = re.compile(
    r"\b(promo ?code|coupon|giveaway|% ?off|deal alert|use code|limited offer|dm for)\b", re.I
)


def brand_pattern(brand: Brand) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of the brand name or any alias (also as #tag/@handle)."""
    terms = sorted({t.lstrip("#@").lower() for t in brand.terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(t) for t in terms)
    return re.compile(rf"(?<![\w])[#@]?(?:{alternatives})(?![\w])", re.IGNORECASE)


def day_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Finding:
    """One finding before it is stored; `metrics` carries what filters and ranking need."""

    kind: FindingKind
    scope_kind: str
    scope_value: str
    window_start: datetime
    window_end: datetime
    severity: Severity
    headline: str
    metrics: dict[str, Any] = field(default_factory=dict)
    evidence: list[int] = field(default_factory=list)
    # Rows a `full` digest shows as a table (every row with the same keys).
    table: list[dict[str, object]] = field(default_factory=list)

    def row(self, project: str) -> tuple:
        return (
            project, self.kind.value, self.scope_kind, self.scope_value, self.window_start,
            self.window_end, self.severity.value, self.headline, self.metrics,
            self.evidence[:MAX_EVIDENCE], {"table": self.table},
        )  # fmt: skip


@dataclass
class DetectionContext:
    """The posts of [start - baseline_days, end), loaded once and shared by all detectors."""

    config: ProjectConfig
    start: datetime
    end: datetime
    posts: list[dict[str, Any]]
    cur: store.Cursor
    # post id -> brands / products the post names
    brands: dict[int, list[str]] = field(init=False)
    # First day with any post: earlier days are unknown, not quiet, and make no baseline.
    history_start: datetime = field(init=False)
    products: dict[int, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        brand_patterns = [(b.name, brand_pattern(b)) for b in self.config.all_brands]
        product_patterns = [
            (p.name, brand_pattern(Brand(name=p.name, aliases=p.aliases)))
            for p in self.config.products
        ]
        self.brands = {
            p["id"]: [name for name, rx in brand_patterns if rx.search(p["text"])]
            for p in self.posts
        }
        self.products = {
            p["id"]: [name for name, rx in product_patterns if rx.search(p["text"])]
            for p in self.posts
        }
        self.history_start = day_of(self.posts[0]["created_at"]) if self.posts else self.start

    def known_days_before(self, day: datetime) -> list[datetime]:
        """The baseline days before `day` for which posts were collected."""
        days = [day - timedelta(days=n) for n in range(1, self.config.findings.baseline_days + 1)]
        return [d for d in days if d >= self.history_start]

    @property
    def baseline_start(self) -> datetime:
        return self.start - timedelta(days=self.config.findings.baseline_days)

    def brand_posts(self, brand: str) -> list[dict[str, Any]]:
        return [p for p in self.posts if brand in self.brands[p["id"]]]

    def has_intent(self, post: dict[str, Any], intent: str) -> bool:
        confidence = (post["intents"] or {}).get(intent, 0.0)
        return confidence >= self.config.findings.min_intent_confidence

    def in_window(self, post: dict[str, Any]) -> bool:
        return self.start <= post["created_at"] < self.end

    def scope_tags(self, posts: list[dict[str, Any]]) -> dict[str, Any]:
        """Brands, products and languages the posts touch: what team filters match against."""
        return {
            "brands": sorted({b for p in posts for b in self.brands[p["id"]]}),
            "products": sorted({x for p in posts for x in self.products[p["id"]]}),
            "languages": sorted({p["lang"] for p in posts if p["lang"]}),
            "reach": reach_of(posts),
        }


def is_promotional(post: dict[str, Any]) -> bool:
    return bool(_PROMO.search(post["text"]))


def representative(posts: Iterable[dict[str, Any]], limit: int = MAX_EVIDENCE) -> list[int]:
    """Evidence worth quoting: original wording, no adverts, one post per distinct text,
    the widest-reaching and most engaged first (older first on ties, for stable output)."""
    best: dict[str, dict[str, Any]] = {}
    for post in posts:
        if post["kind"] == "repost" or not post["text"].strip() or is_promotional(post):
            continue
        key = " ".join(post["text"].lower().split())
        if key not in best or (_weight(post), -post["id"]) > (_weight(best[key]), -best[key]["id"]):
            best[key] = post
    ranked = sorted(best.values(), key=lambda p: (-_weight(p), p["id"]))
    return [p["id"] for p in ranked[:limit]]


def _weight(post: dict[str, Any]) -> float:
    # One engagement counts like 50 followers: a reply or repost shows the post was seen.
    return float(post["reach"] or 0) + 50.0 * float(post["engagement"] or 0)


def reach_of(posts: Iterable[dict[str, Any]]) -> int:
    """Potential reach of a set of posts: each distinct author's audience counted once."""
    audiences: dict[tuple[str, str | None], int] = {}
    for post in posts:
        key = (post["platform"], post["author_id"])
        audiences[key] = max(audiences.get(key, 0), int(post["reach"] or 0))
    return sum(audiences.values())
