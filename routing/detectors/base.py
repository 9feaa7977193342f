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
from echolot.config import FindingKind, ProjectConfig, Severity
from echolot.facts import holds_intent, intent_threshold
from routing.words import name_words

# Evidence kept per finding; digests cut it further to the team's detail level.
MAX_EVIDENCE = 12
# Wording that marks a post as an advert rather than a voice worth quoting.
_PROMO = re.compile(
    r"(\bpromo ?code|\bcoupon|\bgiveaway|% ?off\b|\bdeal alert|\buse code|\blimited offer|"
    r"\bdm for\b|\btoday only\b|\bwith every order\b)",
    re.I,
)
_URL_OR_NUMBER = re.compile(r"https?://\S+|\d+")
_NO_EMBEDDING = np.zeros(0, dtype=np.float32)
# An author repeating one text (links and numbers aside) this often is a bot, not a voice.
SPAM_REPEATS = 3


def about_brands(post: dict[str, Any], config: ProjectConfig) -> list[str]:
    """The configured brands and competitors a post is about, as the NLP stage stored it (its
    brand scope, after the relevance rules). A post naming only a product of ours is about our
    brand when the project has one; nothing here reads the text again."""
    named = [*post.get("brands", []), *post.get("competitors", [])]
    if post.get("products") and len(config.brands) == 1 and config.brands[0].name not in named:
        named.append(config.brands[0].name)
    return sorted(set(named))


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
    # Every post the finding rests on (rank order), kept in `finding_evidence`; `evidence` is
    # cut to what is quoted once the finding is condensed (`routing.detectors.condense_finding`).
    all_posts: list[int] = field(default_factory=list)
    # Set by detectors that choose their own quotes and sub-themes (the complaint map's rows).
    condensed: bool = False

    def row(self, project: str) -> store.FindingRow:
        return store.FindingRow(
            project=project,
            kind=self.kind.value,
            scope_kind=self.scope_kind,
            scope_value=self.scope_value,
            window_start=self.window_start,
            window_end=self.window_end,
            severity=self.severity.value,
            headline=self.headline,
            metrics=self.metrics,
            evidence_post_ids=self.evidence[:MAX_EVIDENCE],
            details={"table": self.table},
        )


@dataclass
class DetectionContext:
    """The posts of [start - baseline_days, end), loaded once and shared by all detectors."""

    config: ProjectConfig
    start: datetime
    end: datetime
    posts: list[dict[str, Any]]
    cur: store.Cursor
    # post id -> brands / products the post is about (its stored brand scope)
    brands: dict[int, list[str]] = field(init=False)
    # First day with any post: earlier days are unknown, not quiet, and make no baseline.
    history_start: datetime = field(init=False)
    products: dict[int, list[str]] = field(init=False)
    # topic id -> label, for explanations; filled by `topic_labels` on first use
    _topic_labels: dict[int, str] | None = field(init=False, default=None)
    # post id -> unit embedding (float32), loaded as findings need them
    _embeddings: dict[int, np.ndarray] = field(init=False, default_factory=dict)
    by_id: dict[int, dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        # Posts the NLP stage judged irrelevant (the brand's name used for something else) are
        # stored, but count towards no finding.
        self.posts = [p for p in self.posts if p.get("relevant", True) is not False]
        self.brands = {p["id"]: about_brands(p, self.config) for p in self.posts}
        self.products = {p["id"]: sorted(set(p.get("products") or [])) for p in self.posts}
        self.by_id = {p["id"]: p for p in self.posts}
        self.history_start = day_of(self.posts[0]["created_at"]) if self.posts else self.start

    def known_days_before(self, day: datetime) -> list[datetime]:
        """The baseline days before `day` for which posts were collected."""
        days = [day - timedelta(days=n) for n in range(1, self.config.findings.baseline_days + 1)]
        return [d for d in days if d >= self.history_start]

    def brand_posts(self, brand: str) -> list[dict[str, Any]]:
        return [p for p in self.posts if brand in self.brands[p["id"]]]

    def add_posts(self, posts: Iterable[dict[str, Any]]) -> None:
        """Make posts outside the window known (scope, look-up) without counting them in the
        window's findings (the complaint map reads its last week to the end)."""
        for post in posts:
            self.by_id[post["id"]] = post
            self.brands[post["id"]] = about_brands(post, self.config)
            self.products[post["id"]] = sorted(set(post.get("products") or []))

    def own_brands(self, post: dict[str, Any]) -> list[str]:
        own = {b.name for b in self.config.brands}
        return [b for b in self.brands[post["id"]] if b in own]

    def embeddings(self, post_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """Stored embeddings of the posts that have one (each loaded once per detection)."""
        wanted = list(dict.fromkeys(post_ids))
        missing = [i for i in wanted if i not in self._embeddings]
        if missing:
            for post_id, vector in store.embeddings_of(self.cur, missing).items():
                self._embeddings[post_id] = np.asarray(vector, dtype=np.float32)
            for post_id in missing:
                self._embeddings.setdefault(post_id, _NO_EMBEDDING)
        return {i: self._embeddings[i] for i in wanted if self._embeddings[i] is not _NO_EMBEDDING}

    def topic_labels(self) -> dict[int, str]:
        if self._topic_labels is None:
            ids = sorted({p["topic_id"] for p in self.posts if p["topic_id"] is not None})
            summaries = store.topic_summaries(self.cur, ids) if ids else {}
            self._topic_labels = {i: s["label"] for i, s in summaries.items()}
        return self._topic_labels

    def name_words(self) -> set[str]:
        """Words of every configured brand, competitor and product name: they say which brand
        a post is about, never why something changed."""
        names = [t for b in self.config.all_brands for t in b.terms]
        names += [t for p in self.config.products for t in (p.name, *p.aliases)]
        return name_words(names)

    def has_intent(self, post: dict[str, Any], intent: str) -> bool:
        return holds_intent(post["intents"], intent, intent_threshold(self.config))

    def in_window(self, post: dict[str, Any]) -> bool:
        return self.start <= post["created_at"] < self.end

    def representative(self, posts: list[dict[str, Any]]) -> list[int]:
        """Every post of a finding, the most representative first (see `representative`, by
        embeddings from the NLP stage), then the rest (reposts, adverts, repeated texts) in time
        order: the finding rests on all of them; `routing.subthemes` picks what to quote."""
        ids = [p["id"] for p in posts if p["kind"] != "repost"]
        ranked = representative(posts, limit=len(posts), embeddings=self.embeddings(ids))
        chosen = set(ranked)
        return ranked + [p["id"] for p in posts if p["id"] not in chosen]

    def scope_tags(self, posts: list[dict[str, Any]]) -> dict[str, Any]:
        """Brands, products and languages the posts touch: what team filters match against."""
        return {
            "brands": sorted({b for p in posts for b in self.brands[p["id"]]}),
            "products": sorted({x for p in posts for x in self.products[p["id"]]}),
            "languages": sorted({p["lang"] for p in posts if p["lang"]}),
            "reach": reach_of(posts),
            # False when no post had a measured audience: reach is unknown, not zero.
            "audience_data": any(p.get("audience_known", True) for p in posts),
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


def without_spam(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posts minus every post of the spam authors among them: bots are not voices, so
    their posts count towards no finding, no chart, and are never quoted."""
    spam = spam_authors(posts)
    return [p for p in posts if (p["platform"], p["author_id"]) not in spam]


def is_negative(post: dict[str, Any]) -> bool:
    """The sentiment model called the post negative (its label; polarity for label-less rows)."""
    label = post.get("sentiment_label")
    if label is not None:
        return label == "negative"
    return post["polarity"] is not None and post["polarity"] <= -0.05


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
