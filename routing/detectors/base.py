"""What every finding detector shares: the posts it judges, and the finding rows it writes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from echolot import store
from echolot.config import Brand, FindingKind, ProjectConfig, Severity
from echolot.matching import term_pattern

# Evidence kept per finding; digests cut it further to the team's detail level.
MAX_EVIDENCE = 12
# Wording that marks a post as an advert rather than a voice worth quoting.
_PROMO = re.compile(
    r"(\bpromo ?code|\bcoupon|\bgiveaway|% ?off\b|\bdeal alert|\buse code|\blimited offer|"
    r"\bdm for\b|\btoday only\b|\bwith every order\b)",
    re.I,
)
_NOTHING = re.compile(r"(?!)")
_URL_OR_NUMBER = re.compile(r"https?://\S+|\d+")
# An author repeating one text (links and numbers aside) this often is a bot, not a voice.
SPAM_REPEATS = 3


def brand_pattern(brand: Brand) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of the brand name or any alias (also as #tag/@handle);
    a brand spelled only with '#' or '@' matches nothing."""
    return term_pattern(brand.terms) or _NOTHING


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

    def brand_posts(self, brand: str) -> list[dict[str, Any]]:
        return [p for p in self.posts if brand in self.brands[p["id"]]]

    def has_intent(self, post: dict[str, Any], intent: str) -> bool:
        confidence = (post["intents"] or {}).get(intent, 0.0)
        return confidence >= self.config.findings.min_intent_confidence

    def in_window(self, post: dict[str, Any]) -> bool:
        return self.start <= post["created_at"] < self.end

    def representative(self, posts: list[dict[str, Any]]) -> list[int]:
        """Evidence for a finding over `posts` (see `representative`), embeddings from the NLP
        stage."""
        ids = [p["id"] for p in posts if p["kind"] != "repost"]
        return representative(posts, embeddings=store.embeddings_of(self.cur, ids))

    def scope_tags(self, posts: list[dict[str, Any]]) -> dict[str, Any]:
        """Brands, products and languages the posts touch: what team filters match against."""
        return {
            "brands": sorted({b for p in posts for b in self.brands[p["id"]]}),
            "products": sorted({x for p in posts for x in self.products[p["id"]]}),
            "languages": sorted({p["lang"] for p in posts if p["lang"]}),
            "reach": reach_of(posts),
        }


def spam_authors(posts: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    """Authors who post the same advert again and again (deal bots, copy-paste shops).

    Only posts with a link or sales wording count: people repeat themselves too ("same here",
    "worst update ever"), and an opinion leader must not be silenced for it.
    """
    repeats: dict[tuple[str, str, str], int] = {}
    for post in posts:
        if post["kind"] == "repost" or not post["author_id"]:
            continue
        if not (is_promotional(post) or "http" in post["text"]):
            continue
        skeleton = " ".join(_URL_OR_NUMBER.sub("", post["text"].lower()).split())
        key = (post["platform"], post["author_id"], skeleton)
        repeats[key] = repeats.get(key, 0) + 1
    return {(platform, author) for (platform, author, _), n in repeats.items()
            if n >= SPAM_REPEATS}  # fmt: skip


def is_promotional(post: dict[str, Any]) -> bool:
    return bool(_PROMO.search(post["text"]))


def representative(
    posts: Iterable[dict[str, Any]],
    limit: int = MAX_EVIDENCE,
    embeddings: dict[int, Sequence[float]] | None = None,
) -> list[int]:
    """Evidence worth quoting: original wording, no adverts, one post per distinct text, ranked
    by how central a post is among the others (cosine to their mean embedding: it says what
    most say) times its log-scaled reach and engagement; older first on ties, for stable output.
    """
    best: dict[str, dict[str, Any]] = {}
    for post in posts:
        if post["kind"] == "repost" or not post["text"].strip() or is_promotional(post):
            continue
        key = " ".join(post["text"].lower().split())
        if key not in best or (_weight(post), -post["id"]) > (_weight(best[key]), -best[key]["id"]):
            best[key] = post
    central = _centrality(list(best.values()), embeddings or {})
    ranked = sorted(best.values(), key=lambda p: (-central[p["id"]] * math.log10(10 + _weight(p)),
                                                  p["id"]))  # fmt: skip
    return [p["id"] for p in ranked[:limit]]


def _weight(post: dict[str, Any]) -> float:
    # One engagement counts like 50 followers: a reply or repost shows the post was seen.
    # (Reddit scores can be negative; a downvoted post reached no one extra.)
    return max(0.0, float(post["reach"] or 0) + 50.0 * float(post["engagement"] or 0))


def _centrality(posts: list[dict[str, Any]], embeddings: dict[int, Sequence[float]]) -> dict:
    """Post id -> 0.5..1: half for being there, half for closeness to the group's centre.
    Posts without an embedding (not analysed, empty) get the middle value."""
    known = [p["id"] for p in posts if p["id"] in embeddings]
    central = {p["id"]: 0.75 for p in posts}
    if len(known) < 2:
        return central
    vectors = np.asarray([embeddings[i] for i in known], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centre = vectors.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    for post_id, cosine in zip(known, vectors @ centre, strict=True):
        central[post_id] = 0.5 + 0.5 * max(0.0, float(cosine))
    return central


def reach_of(posts: Iterable[dict[str, Any]]) -> int:
    """Potential reach of a set of posts: each distinct author's audience counted once."""
    audiences: dict[tuple[str, str | None], int] = {}
    for post in posts:
        key = (post["platform"], post["author_id"])
        audiences[key] = max(audiences.get(key, 0), int(post["reach"] or 0))
    return sum(audiences.values())
