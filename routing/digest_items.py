"""What a team's digest shows of each condensed finding, cut to its detail level.

`headline`: one line. `summary`: the explanation of a change first, key figures and up to three
quotes. `full`: also the sub-themes of the evidence (label, count, share, one or two quotes
each; at most `MAX_QUOTES` quotes per finding), the finding's table (at most `MAX_TABLE_ROWS`
rows) and how to list every post (`echolot findings show ID`). A team filtered to brands sees
only quotes whose stored brand scope names one of them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from echolot import store
from echolot.config import ProjectConfig, Team
from echolot.store import evidence as evidence_store
from routing.condense import Condensed
from routing.detectors.base import about_brands, day_of, without_spam
from routing.digest_view import (
    DayPoint,
    DigestItem,
    DigestKind,
    DigestView,
    EvidencePost,
    SubthemeView,
)
from routing.subthemes import MAX_QUOTES
from routing.words import near_identical

# What a digest shows per finding. A finding stores up to MAX_QUOTES quotes and every post;
# digests show fewer so that a whole digest stays readable (tests/test_digest_budget.py: full
# HTML <= 80 KB, summary <= 30 KB, headline <= 10 KB on the sample project).
SUMMARY_EVIDENCE = 2
SUMMARY_FIGURES = 4
FULL_EVIDENCE = 5
MAX_TABLE_ROWS = 5
# The chart shows at least this many days, so a daily digest still shows the trend.
CHART_DAYS = 7
# Table columns in the order a reader scans them; others follow alphabetically.
_COLUMN_ORDER = ("step", "figures", "dimension", "name", "negative_posts", "share",
                 "change_points", "competitors", "scope", "topic_or_area", "rank", "score",
                 "author", "platform", "reach", "confidence", "preferred", "post",
                 "url")  # fmt: skip
# Metrics that drive filters, ranking or other parts of the digest rather than the figures.
_HIDDEN_FIGURES = {"brands", "products", "languages", "by_area", "keywords", "drivers",
                   "subthemes", "audience_data", "competitors_compared", "areas"}  # fmt: skip
NO_AUDIENCE_NOTE = "no_audience"
# Figures in the order a reader wants them (jsonb keeps keys sorted by length); others follow.
_FIGURE_ORDER = ("score_rests_on", "missing", "audience", "amplifications", "tone", "count",
                 "negative_posts", "previous_negative_posts", "volume", "posts", "comparisons",
                 "preferred_competitor", "preferred_us", "mean_sentiment", "baseline_sentiment",
                 "delta", "delta_ci95", "p_value", "negative_share", "volume_ratio",
                 "typical_daily_volume", "trend", "usual_daily_count", "peak_posts",
                 "expected_posts", "ratio", "growth", "usual_daily_posts", "reach")  # fmt: skip


def build_view(
    cur: store.Cursor,
    config: ProjectConfig,
    name: str,
    team: Team,
    kind: DigestKind,
    start: datetime,
    end: datetime,
    shown: list[Condensed],
    escalated: set[int],
    hidden: int,
) -> DigestView:
    limit = {"headline": 0, "summary": SUMMARY_EVIDENCE, "full": FULL_EVIDENCE}[team.detail]
    candidates = [pid for g in shown for pid in _quote_order(g)] if limit else []
    posts = store.evidence_posts(cur, candidates) if candidates else {}
    if team.filters.brands and posts:
        scopes = evidence_store.post_scopes(cur, list(posts))
        wanted = set(team.filters.brands)
        posts = {pid: p for pid, p in posts.items()
                 if wanted & set(about_brands(scopes.get(pid, {}), config))}  # fmt: skip
    totals = evidence_store.evidence_counts(cur, [g.lead["id"] for g in shown])
    items = [_item(g, posts, limit, team, g.lead["id"] in escalated, totals.get(g.lead["id"], 0))
             for g in shown]  # fmt: skip
    leads = [g.lead["metrics"] or {} for g in shown]
    no_audience = bool(leads) and all(m.get("audience_data") is False for m in leads)
    return DigestView(
        project=config.project, team=name, kind=kind, language=team.language,
        detail=team.detail, window_start=start, window_end=end, items=items, hidden=hidden,
        chart=_chart(cur, config, team, start, end) if team.detail != "headline" else [],
        notes=[NO_AUDIENCE_NOTE] if no_audience else [],
    )  # fmt: skip


def _quote_order(group: Condensed) -> list[int]:
    """The lead's quotes: the first of each sub-theme, then their second ones (so the largest
    sub-themes are all heard before any gets a second quote); merged findings' quotes only when
    the lead has no sub-themes."""
    themes = (group.lead["metrics"] or {}).get("subthemes") or []
    if not themes:
        return list(dict.fromkeys(group.evidence))[:MAX_QUOTES]
    rounds = max(len(t["quotes"]) for t in themes)
    return list(dict.fromkeys(t["quotes"][n] for n in range(rounds) for t in themes
                              if n < len(t["quotes"])))  # fmt: skip


def _item(
    group: Condensed,
    posts: dict[int, dict],
    limit: int,
    team: Team,
    escalated: bool,
    total_posts: int,
) -> DigestItem:
    lead = group.lead
    metrics = lead["metrics"] or {}
    start, end = group.window
    full = team.detail == "full"
    quotes: list[EvidencePost] = []
    for pid in _quote_order(group):
        # Merged findings quote their own posts: the same words may come twice, never shown so.
        if pid in posts and len(quotes) < limit:
            post = posts[pid]
            if not any(near_identical(post["text"], q.text) for q in quotes):
                quotes.append(_evidence(post))
    by_id = {q.post_id: q for q in quotes}
    subthemes = []
    if full:
        for theme in metrics.get("subthemes") or []:
            shown = [by_id[pid] for pid in theme["quotes"] if pid in by_id]
            if shown:
                subthemes.append(SubthemeView(theme["label"], int(theme["count"]),
                                              float(theme["share"]), shown))  # fmt: skip
    figures = {
        key: value
        for key, value in metrics.items()
        if key not in _HIDDEN_FIGURES and value is not None and not isinstance(value, dict)
    }
    # `volume` feeds ranking; shown only when no other figure already counts the posts.
    if figures.keys() & {"count", "posts", "comparisons", "negative_posts"}:
        figures.pop("volume", None)
    order = {key: n for n, key in enumerate(_FIGURE_ORDER)}
    figures = dict(sorted(figures.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    if group.merged:
        figures["merged_findings"] = len(group.merged)
    if not full:
        figures = dict(list(figures.items())[:SUMMARY_FIGURES])
    table = (lead.get("details") or {}).get("table", []) if full else []
    # Links stay with the quotes (and `echolot findings show`): a column of URLs would squeeze
    # every other column of a 640-pixel page.
    rows = [_in_reading_order({k: v for k, v in row.items() if k != "url"})
            for row in table[:MAX_TABLE_ROWS]]  # fmt: skip
    return DigestItem(
        finding_id=lead["id"], kind=lead["kind"], severity=lead["severity"],
        headline=lead["headline"], scope_kind=lead["scope_kind"],
        scope_value=lead["scope_value"], window_start=start, window_end=end,
        figures=figures if team.detail != "headline" else {}, evidence=quotes, table=rows,
        merged_ids=[f["id"] for f in group.merged], escalated=escalated,
        explanation=((metrics.get("drivers") or {}).get("summary") or "")
        if team.detail != "headline" else "",
        subthemes=subthemes, total_posts=total_posts,
        hidden_rows=max(0, len(table) - MAX_TABLE_ROWS),
    )  # fmt: skip


def _in_reading_order(row: dict[str, object]) -> dict[str, object]:
    """jsonb stores keys sorted by length; put who and what first and the link last again."""
    rank = {key: n for n, key in enumerate(_COLUMN_ORDER)}
    return dict(sorted(row.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _evidence(post: dict[str, Any]) -> EvidencePost:
    return EvidencePost(
        post_id=post["id"], platform=post["platform"], text=post["text"], url=post["url"],
        author=post["author"], created_at=post["created_at"], reach=float(post["reach"] or 0),
    )  # fmt: skip


def _chart(
    cur: store.Cursor, config: ProjectConfig, team: Team, start: datetime, end: datetime
) -> list[DayPoint]:
    """Daily volume and mean sentiment of the team's brands (own brands when unfiltered), by
    the posts' stored brand scope."""
    names = set(team.filters.brands) or {b.name for b in config.brands}
    first = min(day_of(start), day_of(end) - timedelta(days=CHART_DAYS))
    days: dict[datetime, list[float | None]] = defaultdict(list)
    for post in without_spam(evidence_store.scoped_posts(cur, first, end)):
        if post.get("relevant", True) is not False and names & set(about_brands(post, config)):
            days[day_of(post["created_at"])].append(post["polarity"])
    points = []
    day = first
    while day < end:
        scores = [s for s in days.get(day, []) if s is not None]
        points.append(DayPoint(day.date(), len(days.get(day, [])),
                               round(statistics.fmean(scores), 3) if scores else None))  # fmt: skip
        day += timedelta(days=1)
    return points
