"""Routing: pick, condense and render the findings each team wants, and queue them.

A digest covers the findings completed in a period (window end in (start, end]); an alert
covers severe findings of the last day as soon as they exist. Either is written in one
transaction with its outbox message and a delivery record per finding, so a team never gets
the same finding twice unless its severity rose.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg2.extensions

from echolot import store
from echolot.config import FindingKind, ProjectConfig, Severity, Team
from routing import cadence, feedback
from routing.condense import Condensed, condense, impact
from routing.detectors.base import brand_pattern, day_of
from routing.digest_view import DayPoint, DigestItem, DigestKind, DigestView, EvidencePost
from routing.render import render_html, render_markdown, render_text
from routing.team_filter import wants

PAYLOAD_SCHEMA_VERSION = 2
PINNED_KINDS = {FindingKind.CAMPAIGN_KPI.value}
SUMMARY_EVIDENCE = 3
# The chart shows at least this many days, so a daily digest still shows the trend.
CHART_DAYS = 7
# Alerts look back this far for severe findings not yet sent.
ALERT_LOOKBACK = timedelta(days=1)
# Table columns in the order a reader scans them; others follow alphabetically.
_COLUMN_ORDER = ("step", "figures", "scope", "topic_or_area", "rank", "score", "author",
                 "platform", "reach", "confidence", "preferred", "post", "url")  # fmt: skip
# Metrics that drive filters and ranking rather than tell the reader something.
_HIDDEN_FIGURES = {"brands", "products", "languages", "by_area", "keywords"}


@dataclass(frozen=True)
class DigestReport:
    team: str
    digest_id: int
    findings: int
    queued: bool
    body: str
    kind: DigestKind = "digest"


@dataclass(frozen=True)
class HeldAlert:
    team: str
    findings: int
    until: datetime


def route(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    start: datetime,
    end: datetime,
    teams: list[str] | None = None,
) -> list[DigestReport]:
    """Write each team's digest of the findings completed in (start, end]."""
    reports = []
    for name, team in config.teams.items():
        if teams is not None and name not in teams:
            continue
        with conn, conn.cursor() as cur:
            kinds = [kind.value for kind in team.signals]
            candidates = store.findings_in_window(cur, config.project, kinds, start, end)
            existing = store.digest_exists(cur, config.project, name, "digest", start, end)
            fresh = _unsent(cur, config, name, team, candidates, existing)
            reports.append(_write(cur, config, name, team, "digest", start, end, fresh))
    return reports


def send_alerts(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    now: datetime,
    teams: list[str] | None = None,
) -> tuple[list[DigestReport], list[HeldAlert]]:
    """Alert every team about severe findings of the last day it has not heard of yet.

    Quiet hours hold non-critical alerts back; they go out on the first call after.
    """
    reports, held = [], []
    start = now - ALERT_LOOKBACK
    for name, team in config.teams.items():
        if (teams is not None and name not in teams) or team.cadence.alert_above is None:
            continue
        with conn, conn.cursor() as cur:
            kinds = [kind.value for kind in team.signals]
            severe = [
                f
                for f in store.findings_in_window(
                    cur, config.project, kinds, start, now, overlapping=True
                )
                if cadence.alerts_for(team.cadence, Severity(f["severity"]))
            ]
            if not severe:
                continue
            existing = store.digest_exists(cur, config.project, name, "alert", start, now)
            fresh = _unsent(cur, config, name, team, severe, existing)
            if not fresh:
                continue
            holds = [cadence.quiet_until(team.cadence, now, Severity(f["severity"]))
                     for f, _ in fresh]  # fmt: skip
            waiting = [hold for hold in holds if hold is not None]
            if waiting:
                held.append(HeldAlert(name, len(waiting), min(waiting)))
            due = [pair for pair, hold in zip(fresh, holds, strict=True) if hold is None]
            if due:
                reports.append(_write(cur, config, name, team, "alert", start, now, due))
    return reports, held


def dispatch(
    conn: psycopg2.extensions.connection, config: ProjectConfig, now: datetime
) -> tuple[list[DigestReport], list[HeldAlert]]:
    """What a scheduler tick does: alerts now, and each team's digest once its send time came.

    Only the latest due period is produced: a scheduler that was down sends one digest on
    return, not a backlog.
    """
    reports, held = send_alerts(conn, config, now)
    for name, team in config.teams.items():
        if team.cadence.mode == "immediate":
            continue
        start, end = cadence.period_ending(team.cadence, cadence.last_send_time(team.cadence, now))
        with conn, conn.cursor() as cur:
            done = store.digest_exists(cur, config.project, name, "digest", start, end)
        if done is None:
            reports.extend(route(conn, config, start, end, teams=[name]))
    return reports, held


def _unsent(
    cur: store.Cursor,
    config: ProjectConfig,
    name: str,
    team: Team,
    findings: list[dict[str, Any]],
    this_digest: int | None,
) -> list[tuple[dict[str, Any], bool]]:
    """(finding, escalated) for the wanted findings the team has not had at this severity.
    Findings already in this very digest stay, so a rerun renders the same digest again."""
    wanted = [f for f in findings if wants(f, team, config)]
    sent = store.deliveries(cur, config.project, name, [f["id"] for f in wanted])
    fresh = []
    for finding in wanted:
        before = sent.get(finding["id"])
        if before is None:
            fresh.append((finding, False))
            continue
        severity, digest_id, escalated = before
        if digest_id == this_digest:
            fresh.append((finding, escalated))
        elif Severity(finding["severity"]).rank > Severity(severity).rank:
            fresh.append((finding, True))
    return fresh


def _write(
    cur: store.Cursor,
    config: ProjectConfig,
    name: str,
    team: Team,
    kind: DigestKind,
    start: datetime,
    end: datetime,
    fresh: list[tuple[dict[str, Any], bool]],
) -> DigestReport:
    """Condense, rank, render and queue the (finding, escalated) pairs the team has not had."""
    escalated = {f["id"] for f, up in fresh if up}
    groups = condense([f for f, _ in fresh])
    # A campaign's KPI chain is the summary a subscribed team reads first, whatever else
    # happened: it leads the digest and is never crowded out by max_items.
    groups.sort(
        key=lambda g: (g.lead["kind"] not in PINNED_KINDS,
                       -impact(g, end, escalated=g.lead["id"] in escalated)),
    )  # fmt: skip
    pinned = sum(g.lead["kind"] in PINNED_KINDS for g in groups)
    # What the team said about earlier digests moves findings up or down (routing/feedback.py).
    groups[pinned:] = feedback.rerank(
        cur, config.project, name, groups[pinned:],
        lambda g: impact(g, end, escalated=g.lead["id"] in escalated),
    )  # fmt: skip
    shown = groups[: max(team.max_items, pinned)]
    view = _view(cur, config, name, team, kind, start, end, shown, escalated,
                 hidden=len(groups) - len(shown))  # fmt: skip
    text, markdown, html = render_text(view), render_markdown(view), render_html(view)
    content_hash = hashlib.sha256((text + "\0" + html).encode("utf-8")).hexdigest()
    finding_ids = [f["id"] for group in shown for f in group.members]
    payload: dict[str, Any] = {
        "schema_version": PAYLOAD_SCHEMA_VERSION,
        "kind": kind,
        "project": config.project,
        "team": name,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "detail_level": team.detail,
        "language": team.language,
        "finding_ids": finding_ids,
        "items": feedback.payload_items(view.items),
        "text": text,
        "markdown": markdown,
        "html": html,
    }
    digest_id, queued = store.upsert_digest_with_outbox(
        cur, project=config.project, team=name, window_start=start, window_end=end,
        detail_level=team.detail, finding_ids=finding_ids, body_text=text,
        content_hash=content_hash, payload=payload, kind=kind, body_markdown=markdown,
        body_html=html,
    )  # fmt: skip
    store.record_deliveries(
        cur, config.project, name, digest_id,
        [(f["id"], f["severity"], f["id"] in escalated) for group in shown for f in group.members],
    )  # fmt: skip
    return DigestReport(name, digest_id, len(shown), queued, text, kind)


def _view(
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
    limit = {"headline": 0, "summary": SUMMARY_EVIDENCE, "full": None}[team.detail]
    wanted_ids = [pid for g in shown for pid in g.evidence[:limit]]
    posts = store.evidence_posts(cur, wanted_ids) if wanted_ids else {}
    items = [_item(group, posts, limit, team, group.lead["id"] in escalated) for group in shown]
    return DigestView(
        project=config.project, team=name, kind=kind, language=team.language,
        detail=team.detail, window_start=start, window_end=end, items=items, hidden=hidden,
        chart=_chart(cur, config, team, start, end) if team.detail != "headline" else [],
    )  # fmt: skip


def _item(
    group: Condensed, posts: dict[int, dict], limit: int | None, team: Team, escalated: bool
) -> DigestItem:
    lead = group.lead
    start, end = group.window
    evidence = [_evidence(posts[pid]) for pid in group.evidence[:limit] if pid in posts]
    figures = {
        key: value
        for key, value in (lead["metrics"] or {}).items()
        if key not in _HIDDEN_FIGURES and value is not None and not isinstance(value, dict)
    }
    if group.merged:
        figures["merged_findings"] = len(group.merged)
    table = (lead.get("details") or {}).get("table", []) if team.detail == "full" else []
    table = [_in_reading_order(row) for row in table]
    return DigestItem(
        finding_id=lead["id"], kind=lead["kind"], severity=lead["severity"],
        headline=lead["headline"], scope_kind=lead["scope_kind"],
        scope_value=lead["scope_value"], window_start=start, window_end=end,
        figures=figures if team.detail != "headline" else {}, evidence=evidence, table=table,
        merged_ids=[f["id"] for f in group.merged], escalated=escalated,
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
    """Daily volume and mean sentiment of the team's brands (own brands when unfiltered)."""
    names = set(team.filters.brands) or {b.name for b in config.brands}
    patterns = [brand_pattern(b) for b in config.all_brands if b.name in names]
    first = min(day_of(start), day_of(end) - timedelta(days=CHART_DAYS))
    days: dict[datetime, list[float | None]] = defaultdict(list)
    for post in store.finding_posts(cur, first, end):
        if any(p.search(post["text"]) for p in patterns):
            days[day_of(post["created_at"])].append(post["polarity"])
    points = []
    day = first
    while day < end:
        scores = [s for s in days.get(day, []) if s is not None]
        points.append(DayPoint(day.date(), len(days.get(day, [])),
                               round(statistics.fmean(scores), 3) if scores else None))  # fmt: skip
        day += timedelta(days=1)
    return points
