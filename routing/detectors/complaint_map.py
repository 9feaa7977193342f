"""The complaint map: what people complain about, per own brand and week, and whether it grows.

For each own brand and ISO week (Monday 00:00 UTC to Monday): the share of the brand's negative
posts per product area and per topic, the change in points against the week before, and the
same shares among each competitor's negative posts ("app: 34% of our negative posts, +6
points; competitors 22–29%"), each row with a representative quote. Posts count for a brand
by their stored brand scope only. A week is mapped from every post of it that is stored, so a
rerun of one of its days never maps a truncated week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from echolot.config import FindingKind, Severity
from echolot.store import evidence as evidence_store
from routing.detectors.base import (
    DetectionContext,
    Finding,
    day_of,
    is_negative,
    representative,
    without_spam,
)
from routing.words import near_identical

WEEK = timedelta(days=7)
NO_AREA = "no product area"
TOPIC_ROWS = 5
# A competitor's share is shown from this many negative posts on (fewer say nothing).
MIN_COMPETITOR_NEGATIVE = 5
Post = dict[str, Any]


def week_of(moment: datetime) -> datetime:
    day = day_of(moment)
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Shares:
    """Negative posts of one brand in one period, counted per product area and per topic."""

    negative: list[Post]
    areas: Counter[str]
    topics: Counter[int]

    @classmethod
    def of(cls, posts: Iterable[Post]) -> Shares:
        negative = [p for p in posts if p["kind"] != "repost" and is_negative(p)]
        areas = Counter(a for p in negative for a in (p["product_areas"] or [NO_AREA]))
        topics = Counter(p["topic_id"] for p in negative if p["topic_id"] is not None)
        return cls(negative, areas, topics)

    def share(self, dimension: str, key: Any) -> float | None:
        counts = self.areas if dimension == "area" else self.topics
        return counts.get(key, 0) / len(self.negative) if self.negative else None


def area_ranking(posts: Sequence[Post]) -> list[tuple[str, int]]:
    """Product areas by the number of negative posts in them, most first (ties by name): the
    map's ranking, as the benchmark compares it with labels."""
    counts = Shares.of(posts).areas
    return sorted(((a, n) for a, n in counts.items() if a != NO_AREA), key=lambda x: (-x[1], x[0]))


def detect(ctx: DetectionContext) -> list[Finding]:
    settings = ctx.config.findings.complaint_map
    # A week is mapped by the run whose window holds its end, once it is complete.
    weeks = sorted({week_of(ctx.start + timedelta(days=n))
                    for n in range((ctx.end - ctx.start).days + 1)})  # fmt: skip
    weeks = [w for w in weeks if ctx.start < w + WEEK <= ctx.end]
    if not weeks:
        return []
    posts = _posts_before(ctx, min(weeks) - WEEK) + ctx.posts
    competitors = [c.name for c in ctx.config.competitors]
    findings = []
    for brand in (b.name for b in ctx.config.brands):
        for week in weeks:
            now = Shares.of(_about(ctx, posts, brand, week))
            before = Shares.of(_about(ctx, posts, brand, week - WEEK))
            if len(now.negative) < settings.min_negative_posts:
                continue
            # Shares of a handful of posts swing by tens of points: no change against them.
            known_before = len(before.negative) >= settings.min_negative_posts
            rivals = {c: Shares.of(_about(ctx, posts, c, week)) for c in competitors}
            rivals = {c: s for c, s in rivals.items() if len(s.negative) >= MIN_COMPETITOR_NEGATIVE}
            findings.append(_finding(ctx, brand, week, now, before if known_before else None,
                                     rivals, settings.max_rows))  # fmt: skip
    return findings


def _about(ctx: DetectionContext, posts: list[Post], name: str, week: datetime) -> list[Post]:
    """Posts of the week whose stored scope names the brand or competitor."""
    return [p for p in posts if week <= p["created_at"] < week + WEEK
            and name in ctx.brands.get(p["id"], [])]  # fmt: skip


def _posts_before(ctx: DetectionContext, since: datetime) -> list[Post]:
    """Posts of the weeks compared that lie before the posts detection loaded (a short
    `findings.baseline_days`), spam left out; known to the context, counted in no other
    finding."""
    loaded = ctx.start - timedelta(days=ctx.config.findings.baseline_days)
    if since >= loaded:
        return []
    earlier = [p for p in without_spam(evidence_store.scoped_posts(ctx.cur, since, loaded))
               if p.get("relevant", True) is not False]  # fmt: skip
    ctx.add_posts(earlier)
    return earlier


def _finding(
    ctx: DetectionContext,
    brand: str,
    week: datetime,
    now: Shares,
    before: Shares | None,
    rivals: dict[str, Shares],
    max_rows: int,
) -> Finding:
    labels = ctx.topic_labels()
    rows: list[dict[str, Any]] = []
    quotes: list[Post] = []
    subthemes = []
    dimensions: list[tuple[str, Counter, int, Callable[[Any], str]]] = [
        ("area", now.areas, max_rows, str),
        ("topic", now.topics, TOPIC_ROWS, lambda t: labels.get(t, f"topic {t}")),
    ]
    for dimension, counts, limit, name_of in dimensions:
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]:
            share = count / len(now.negative)
            previous = before.share(dimension, key) if before is not None else None
            change = round(100 * (share - previous), 1) if previous is not None else None
            theirs = {c: s.share(dimension, key) for c, s in rivals.items()}
            in_row = [p for p in now.negative if _in(p, dimension, key)]
            quote = _quote(ctx, in_row, quotes)
            rows.append({
                "dimension": dimension, "name": name_of(key), "negative_posts": count,
                "share": f"{share:.0%}", "change_points": change,
                "competitors": _competitor_text(theirs),
            })  # fmt: skip
            if dimension == "area" and quote is not None:
                subthemes.append({"label": name_of(key), "count": count,
                                  "share": round(share, 4), "quotes": [quote["id"]]})  # fmt: skip
    top = [r for r in rows if r["dimension"] == "area"][:2]
    headline = f"Complaint map {brand}, week of {week:%Y-%m-%d}: " + "; ".join(
        _row_text(r, len(now.negative) if i == 0 else None) for i, r in enumerate(top)
    )
    rising = [r["change_points"] for r in rows if r["dimension"] == "area"
              and r["change_points"] is not None and r["negative_posts"] >= 10]  # fmt: skip
    severity = (
        Severity.HIGH if rising and max(rising) >= 10
        else Severity.MEDIUM if rising and max(rising) >= 5
        else Severity.LOW
    )  # fmt: skip
    metrics = {
        "negative_posts": len(now.negative),
        "previous_negative_posts": len(before.negative) if before is not None else None,
        "competitors_compared": sorted(rivals),
        "areas": {r["name"]: r["negative_posts"] for r in rows if r["dimension"] == "area"},
        "subthemes": subthemes,
        "volume": len(now.negative),
        **ctx.scope_tags(now.negative),
    }
    ranked = representative(now.negative, limit=len(now.negative))
    finding = Finding(
        FindingKind.COMPLAINT_MAP, "brand", brand, week, week + WEEK, severity, headline,
        metrics, [q["id"] for q in quotes], table=rows,
        all_posts=[*[q["id"] for q in quotes], *ranked], condensed=True,
    )  # fmt: skip
    return finding


def _in(post: Post, dimension: str, key: Any) -> bool:
    if dimension == "area":
        return key in (post["product_areas"] or [NO_AREA])
    return post["topic_id"] == key


# A row's quote is the most negative of its this-many most representative posts: it should
# read as the complaint the row counts, and still say what most of them say.
QUOTE_CANDIDATES = 10


def _quote(ctx: DetectionContext, posts: list[Post], chosen: list[Post]) -> Post | None:
    ids = [p["id"] for p in posts]
    ranked = representative(posts, limit=len(posts), embeddings=ctx.embeddings(ids))
    head = sorted(ranked[:QUOTE_CANDIDATES], key=lambda i: (ctx.by_id[i]["polarity"] or 0.0, i))
    for post_id in head + ranked[QUOTE_CANDIDATES:]:
        post = ctx.by_id[post_id]
        if all(post_id != c["id"] and not near_identical(post["text"], c["text"]) for c in chosen):
            chosen.append(post)
            return post
    return None


def _competitor_text(shares: dict[str, float | None]) -> str:
    known = {c: s for c, s in shares.items() if s is not None}
    if not known:
        return "–"
    return ", ".join(f"{c} {s:.0%}" for c, s in sorted(known.items()))


def _row_text(row: dict[str, Any], total: int | None) -> str:
    of = f" of {total} negative posts" if total is not None else ""
    change = row["change_points"]
    parts = [f"{change:+.0f} points" if change is not None else "no comparable week before"]
    if row["competitors"] != "–":
        parts.append(f"competitors {_span(row['competitors'])}")
    return f"{row['name']} {row['share']}{of} ({'; '.join(parts)})"


def _span(competitors: str) -> str:
    shares = sorted(int(part.rsplit(" ", 1)[1].rstrip("%")) for part in competitors.split(", "))
    return f"{shares[0]}%" if shares[0] == shares[-1] else f"{shares[0]}–{shares[-1]}%"
