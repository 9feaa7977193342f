"""Findings built from post intents: leads and churn risk for sales, comparisons with
competitors, and feature requests and bug reports by product area for product development.

Each is one finding per day and scope, carrying its posts as evidence and a table of them
(author, reach, confidence) so a `full` digest can list every lead or report.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from echolot.config import FindingKind, Severity
from routing.detectors.base import DetectionContext, Finding, day_of
from routing.detectors.preference import preferred_brand

# Audience from which a single lead or churn threat deserves attention on its own.
WIDE_REACH = 50_000
_EXCERPT = 140

Post = dict[str, Any]
Scoper = Callable[[DetectionContext, Post], Iterable[str]]


def _own_brands(ctx: DetectionContext, post: Post) -> list[str]:
    return ctx.own_brands(post)


def _any_brand(ctx: DetectionContext, post: Post) -> list[str]:
    return ctx.brands[post["id"]]


def _areas(ctx: DetectionContext, post: Post) -> list[str]:
    # Only feedback about our brands (the post's stored scope) is ours to fix: not a
    # competitor's product, not a post about no configured brand at all.
    if not ctx.own_brands(post):
        return []
    return list(post["product_areas"]) or ["general"]


def _group(
    ctx: DetectionContext, intent: str, scoper: Scoper
) -> dict[str, dict[datetime, list[Post]]]:
    """scope -> day -> posts with the intent, over the baseline days and the window."""
    groups: dict[str, dict[datetime, list[Post]]] = defaultdict(lambda: defaultdict(list))
    for post in ctx.posts:
        if post["kind"] == "repost" or not ctx.has_intent(post, intent):
            continue
        for scope in scoper(ctx, post):
            groups[scope][day_of(post["created_at"])].append(post)
    return groups


# Fewer known days before a day than this, and there is no baseline to compare it with.
MIN_BASELINE_DAYS = 3


def _usual(ctx: DetectionContext, days: dict[datetime, list[Post]], day: datetime) -> float | None:
    """Median daily count over the known baseline days before `day` (quiet days count as 0)."""
    known = ctx.known_days_before(day)
    if len(known) < MIN_BASELINE_DAYS:
        return None
    return float(statistics.median(len(days.get(d, [])) for d in known))


def _table(posts: list[Post], intent: str) -> list[dict[str, object]]:
    ranked = sorted(posts, key=lambda p: (-(p["reach"] or 0), p["id"]))
    return [
        {
            "author": p["username"] or p["author_id"] or "?",
            "platform": p["platform"],
            "reach": int(p["reach"] or 0),
            "confidence": round(float((p["intents"] or {}).get(intent, 0.0)), 2),
            "post": _excerpt(p["text"]),
            "url": p["url"] or "",
        }
        for p in ranked
    ]


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1].rstrip() + "…"


def _daily(
    ctx: DetectionContext,
    kind: FindingKind,
    intent: str,
    scope_kind: str,
    scoper: Scoper,
    describe: Callable[[str, datetime, list[Post], float], tuple[Severity, str]],
) -> list[Finding]:
    findings = []
    for scope, days in sorted(_group(ctx, intent, scoper).items()):
        for day in sorted(d for d in days if ctx.start <= d < ctx.end):
            posts = days[day]
            usual = _usual(ctx, days, day)
            severity, headline = describe(scope, day, posts, usual)
            metrics = {
                "count": len(posts),
                "usual_daily_count": usual,
                "trend": round(len(posts) / max(usual, 0.5), 2) if usual is not None else None,
                "max_reach": max(int(p["reach"] or 0) for p in posts),
                "volume": len(posts),
                **ctx.scope_tags(posts),
            }
            findings.append(
                Finding(kind, scope_kind, scope, day, day + timedelta(days=1), severity,
                        headline, metrics, ctx.representative(posts),
                        table=_table(posts, intent))
            )  # fmt: skip
    return findings


def _surge(count: int, usual: float | None) -> bool:
    """Three times a usual day, and at least five: a day worth a closer look."""
    return usual is not None and count >= max(3 * usual, 5)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def purchase_intent(ctx: DetectionContext) -> list[Finding]:
    def describe(brand: str, day: datetime, posts: list[Post], usual: float | None):
        widest = max(posts, key=lambda p: p["reach"] or 0)
        severity = (
            Severity.HIGH if (widest["reach"] or 0) >= WIDE_REACH or _surge(len(posts), usual)
            else Severity.MEDIUM if len(posts) >= 2
            else Severity.LOW
        )  # fmt: skip
        who = widest["username"] or "an author"
        return severity, (
            f"{_plural(len(posts), 'purchase-intent lead')} mentioning {brand} on "
            f"{day:%Y-%m-%d} (widest reach: @{who}, {int(widest['reach'] or 0):,} followers)"
        )

    return _daily(ctx, FindingKind.PURCHASE_INTENT, "purchase_intent", "brand", _any_brand,
                  describe)  # fmt: skip


def churn_risk(ctx: DetectionContext) -> list[Finding]:
    def describe(brand: str, day: datetime, posts: list[Post], usual: float | None):
        widest = max(posts, key=lambda p: p["reach"] or 0)
        severity = (
            Severity.HIGH if (widest["reach"] or 0) >= WIDE_REACH or _surge(len(posts), usual)
            else Severity.MEDIUM
        )  # fmt: skip
        return severity, (
            f"{_plural(len(posts), 'customer')} of {brand} threatening to leave on "
            f"{day:%Y-%m-%d} ({_plural(len({p['author_id'] for p in posts}), 'author')})"
        )

    return _daily(ctx, FindingKind.CHURN_RISK, "churn_risk", "brand", _own_brands, describe)


def _feedback(ctx: DetectionContext, kind: FindingKind, noun: str) -> list[Finding]:
    def describe(area: str, day: datetime, posts: list[Post], usual: float | None):
        trend = len(posts) / max(usual, 0.5) if usual is not None else None
        rising = trend is not None and trend >= 2
        severity = (
            Severity.HIGH if kind is FindingKind.BUG_REPORT and len(posts) >= 10 and rising
            else Severity.MEDIUM if len(posts) >= 5 and (rising or trend is None)
            else Severity.LOW
        )  # fmt: skip
        trend_text = (
            f"{trend:.1f}× the usual {usual:g}/day" if trend is not None else "no baseline yet"
        )
        return severity, (f"{_plural(len(posts), noun)} on {area} on {day:%Y-%m-%d} ({trend_text})")

    intent = kind.value
    return _daily(ctx, kind, intent, "product_area", _areas, describe)


def feature_request(ctx: DetectionContext) -> list[Finding]:
    return _feedback(ctx, FindingKind.FEATURE_REQUEST, "feature request")


def bug_report(ctx: DetectionContext) -> list[Finding]:
    return _feedback(ctx, FindingKind.BUG_REPORT, "bug report")


def competitor_comparison(ctx: DetectionContext) -> list[Finding]:
    """Per competitor and day: how often people compare it with us, who they prefer, for what."""
    own = [b.name for b in ctx.config.brands]
    findings = []
    for competitor in ctx.config.competitors:
        by_day: dict[datetime, list[Post]] = defaultdict(list)
        for post in ctx.posts:
            named = ctx.brands[post["id"]]
            if post["kind"] == "repost" or competitor.name not in named:
                continue
            if ctx.has_intent(post, "competitor_comparison") or set(own) & set(named):
                by_day[day_of(post["created_at"])].append(post)
        for day in sorted(d for d in by_day if ctx.start <= d < ctx.end):
            findings.append(_comparison(ctx, competitor.name, own, day, by_day[day]))
    return findings


def _comparison(
    ctx: DetectionContext, competitor: str, own: list[str], day: datetime, posts: list[Post]
) -> Finding:
    tally: dict[str, int] = defaultdict(int)
    by_area: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = []
    for post in posts:
        about = [b for b in (competitor, *own) if b in ctx.brands[post["id"]]]
        winner = preferred_brand(post["text"], about, ctx.config) or "undecided"
        tally[winner] += 1
        for area in post["product_areas"] or ["general"]:
            by_area[area][winner] += 1
        rows.append({"author": post["username"] or "?", "reach": int(post["reach"] or 0),
                     "preferred": winner, "post": _excerpt(post["text"]),
                     "url": post["url"] or ""})  # fmt: skip
    theirs = tally.get(competitor, 0)
    ours = sum(tally.get(b, 0) for b in own)
    severity = (
        Severity.HIGH if theirs >= 5 and theirs > 2 * ours
        else Severity.MEDIUM if theirs > ours
        else Severity.LOW
    )  # fmt: skip
    aspects = "; ".join(
        f"{area}: {_leader(counts, competitor, own)}" for area, counts in sorted(by_area.items())
        if area != "general"
    )  # fmt: skip
    headline = (
        f"{competitor} vs {'/'.join(own)} on {day:%Y-%m-%d}: {_plural(len(posts), 'comparison')}"
        f" — {competitor} preferred {theirs}×, {'/'.join(own)} {ours}×"
        + (f" ({aspects})" if aspects else "")
    )
    metrics = {
        "comparisons": len(posts),
        "preferred_competitor": theirs,
        "preferred_us": ours,
        "undecided": tally.get("undecided", 0),
        "by_area": {a: dict(c) for a, c in sorted(by_area.items())},
        "volume": len(posts),
        **ctx.scope_tags(posts),
    }
    return Finding(
        FindingKind.COMPETITOR_COMPARISON, "competitor", competitor, day,
        day + timedelta(days=1), severity, headline, metrics, ctx.representative(posts),
        table=sorted(rows, key=lambda r: -int(r["reach"])),
    )  # fmt: skip


def _leader(counts: dict[str, int], competitor: str, own: list[str]) -> str:
    theirs = counts.get(competitor, 0)
    ours = sum(counts.get(b, 0) for b in own)
    if theirs == ours:
        return "even"
    return competitor if theirs > ours else "/".join(own)
