"""Sentiment shifts: a day whose mean polarity differs significantly from the days before.

Scopes are the own brands and the product areas. A day is compared with its baseline days by
Welch's t-test (unequal variances: a bad day is also a noisier one); a shift is reported when it
is significant at `alpha` and at least `min_delta` large. Reposts are left out: they repeat
someone else's words and would count one opinion many times.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from scipy import stats

from echolot.config import FindingKind, Severity
from routing.detectors.base import DetectionContext, Finding, day_of
from routing.explain import explain_change


def detect(ctx: DetectionContext) -> list[Finding]:
    scopes: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for post in ctx.posts:
        if post["kind"] == "repost" or post["polarity"] is None:
            continue
        ours = ctx.own_brands(post)
        for brand in ours:
            scopes[("brand", brand)].append(post)
        # A product area counts only posts about our brands (their stored scope): feedback on
        # a competitor's app, or a post about no configured brand, is not ours.
        if ours:
            for area in post["product_areas"]:
                scopes[("product_area", area)].append(post)
    findings = []
    for (scope_kind, scope), posts in sorted(scopes.items()):
        findings.extend(_shifts(ctx, scope_kind, scope, posts))
    return findings


def _shifts(ctx: DetectionContext, scope_kind: str, scope: str, posts: list[dict]) -> list[Finding]:
    settings = ctx.config.findings.sentiment_shift
    by_day: dict[datetime, list[dict]] = defaultdict(list)
    for post in posts:
        by_day[day_of(post["created_at"])].append(post)
    findings = []
    for day in sorted(d for d in by_day if ctx.start <= d < ctx.end):
        today = [p["polarity"] for p in by_day[day]]
        baseline = [
            p["polarity"]
            for d, ps in by_day.items()
            if day - timedelta(days=ctx.config.findings.baseline_days) <= d < day
            for p in ps
        ]
        if len(today) < settings.min_posts or len(baseline) < settings.min_posts:
            continue
        mean, base = statistics.fmean(today), statistics.fmean(baseline)
        delta = mean - base
        if abs(delta) < settings.min_delta:
            continue
        test = stats.ttest_ind(today, baseline, equal_var=False)
        if not test.pvalue < settings.alpha:
            continue
        low, high = _delta_interval(today, baseline)
        before = [p for d, ps in by_day.items()
                  if day - timedelta(days=ctx.config.findings.baseline_days) <= d < day
                  for p in ps]  # fmt: skip
        found = _finding(ctx, scope_kind, scope, day, by_day[day], mean, base, delta,
                         float(test.pvalue), (low, high), len(baseline))  # fmt: skip
        found.metrics = {"drivers": _drivers(ctx, by_day[day], before, delta), **found.metrics}
        findings.append(found)
    return findings


def _delta_interval(today: list[float], baseline: list[float]) -> tuple[float, float]:
    """95 % confidence interval of the difference in means (normal approximation)."""
    spread = math.sqrt(
        statistics.variance(today) / len(today) + statistics.variance(baseline) / len(baseline)
    )
    delta = statistics.fmean(today) - statistics.fmean(baseline)
    return round(delta - 1.96 * spread, 4), round(delta + 1.96 * spread, 4)


def _finding(
    ctx: DetectionContext,
    scope_kind: str,
    scope: str,
    day: datetime,
    posts: list[dict],
    mean: float,
    base: float,
    delta: float,
    p_value: float,
    interval: tuple[float, float],
    baseline_n: int,
) -> Finding:
    size = abs(delta)
    severity = (
        Severity.CRITICAL if delta <= -0.6
        else Severity.HIGH if size >= 0.4
        else Severity.MEDIUM if size >= 0.25
        else Severity.LOW
    )  # fmt: skip
    direction = "fell" if delta < 0 else "rose"
    shown_p = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
    what = scope if scope_kind == "brand" else f"{scope} (product area)"
    headline = (
        f"Sentiment on {what} {direction} from {base:+.2f} to {mean:+.2f} on {day:%Y-%m-%d} "
        f"({shown_p}, {len(posts)} posts)"
    )
    negative = [p for p in posts if p["polarity"] <= -0.05] if delta < 0 else posts
    metrics = {
        "mean_sentiment": round(mean, 4),
        "baseline_sentiment": round(base, 4),
        "delta": round(delta, 4),
        "delta_ci95": list(interval),
        "p_value": float(f"{p_value:.3g}"),
        "posts": len(posts),
        "baseline_posts": baseline_n,
        "volume": len(posts),
        **ctx.scope_tags(posts),
    }
    return Finding(
        FindingKind.SENTIMENT_SHIFT, scope_kind, scope, day, day + timedelta(days=1), severity,
        headline, metrics, ctx.representative(negative or posts),
    )  # fmt: skip


def _tone_posts(posts: list[dict], falling: bool) -> list[dict]:
    if falling:
        return [p for p in posts if p["polarity"] <= -0.05]
    return [p for p in posts if p["polarity"] >= 0.05]


def _drivers(ctx: DetectionContext, today: list[dict], before: list[dict], delta: float) -> dict:
    """What the day's extra negative (or, for a rise, positive) posts are about: against the
    baseline's share of such posts applied to the day's volume."""
    falling = delta < 0
    changed, baseline = _tone_posts(today, falling), _tone_posts(before, falling)
    scale = len(today) / len(before) if before else 0.0
    return explain_change(
        changed, baseline, scale, topic_labels=ctx.topic_labels(),
        ignore_words=ctx.name_words(), what="negative posts" if falling else "positive posts",
    )  # fmt: skip
