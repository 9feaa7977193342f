"""Routing: pick, condense and render the findings each team wants, and queue them.

A digest covers the findings completed in a period (window end in (start, end]); an alert
covers severe findings of the last day as soon as they exist. Either is written in one
transaction with its outbox message and a delivery record per finding, so a team never gets
the same finding twice unless its severity rose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg2.extensions

from echolot import store
from echolot.config import FindingKind, ProjectConfig, Severity, Team
from routing import cadence, feedback
from routing.condense import condense, impact
from routing.digest_items import build_view
from routing.digest_view import DigestKind
from routing.render import render_html, render_markdown, render_text
from routing.team_filter import wants

PAYLOAD_SCHEMA_VERSION = 2
PINNED_KINDS = {FindingKind.CAMPAIGN_KPI.value}
# Alerts look back this far for severe findings not yet sent.
ALERT_LOOKBACK = timedelta(days=1)


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
        if before.digest_id == this_digest:
            fresh.append((finding, before.escalated))
        elif Severity(finding["severity"]).rank > Severity(before.severity).rank:
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
        lambda g: impact(g, end, escalated=g.lead["id"] in escalated), digest=(kind, start, end),
    )  # fmt: skip
    shown = groups[: max(team.max_items, pinned)]
    view = build_view(cur, config, name, team, kind, start, end, shown, escalated,
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
        [
            store.DeliveredFinding(f["id"], f["severity"], escalated=f["id"] in escalated)
            for group in shown
            for f in group.members
        ],
    )  # fmt: skip
    return DigestReport(name, digest_id, len(shown), queued, text, kind)
