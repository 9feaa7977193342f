"""Build one plain-text digest per team and queue it through the transactional outbox."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extensions

from echolot import store
from echolot.config import ProjectConfig, Severity, Team

PAYLOAD_SCHEMA_VERSION = 1
_EXCERPT_CHARS = 160

_LABELS = {
    "en": {
        "title": "Echolot digest for {team} — {project}",
        "window": "Window: {start} to {end} (UTC)",
        "none": "No findings matched this team's settings in this window.",
        "evidence": "Evidence",
        "figures": "Key figures",
        "more": "… and {n} more findings not shown (max_items = {limit}).",
    },
    "de": {
        "title": "Echolot-Digest für {team} — {project}",
        "window": "Zeitraum: {start} bis {end} (UTC)",
        "none": "Keine Befunde entsprachen in diesem Zeitraum den Einstellungen des Teams.",
        "evidence": "Belege",
        "figures": "Kennzahlen",
        "more": "… und {n} weitere Befunde nicht gezeigt (max_items = {limit}).",
    },
}


@dataclass(frozen=True)
class DigestReport:
    team: str
    digest_id: int
    findings: int
    queued: bool
    body: str


def route(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    start: datetime,
    end: datetime,
    teams: list[str] | None = None,
) -> list[DigestReport]:
    """For each team (or the named ones): select, rank and render the findings completed in
    (start, end], then write digest + outbox together."""
    reports = []
    for team_name, team in config.teams.items():
        if teams is not None and team_name not in teams:
            continue
        with conn, conn.cursor() as cur:
            kinds = [kind.value for kind in team.signals]
            findings = [
                f
                for f in store.findings_in_window(cur, config.project, kinds, start, end)
                if _passes_filters(f, team)
            ]
            ranked = sorted(findings, key=_impact, reverse=True)
            shown = ranked[: team.max_items]
            evidence_ids = [pid for f in shown for pid in f["evidence_post_ids"]]
            evidence = store.post_texts(cur, evidence_ids) if team.detail != "headline" else {}
            body = render(config.project, team_name, team, start, end, shown, evidence,
                          hidden=len(ranked) - len(shown))  # fmt: skip
            content_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()
            payload: dict[str, Any] = {
                "schema_version": PAYLOAD_SCHEMA_VERSION,
                "project": config.project,
                "team": team_name,
                "window_start": start.isoformat(),
                "window_end": end.isoformat(),
                "detail_level": team.detail,
                "finding_ids": [f["id"] for f in shown],
                "text": body,
            }
            digest_id, queued = store.upsert_digest_with_outbox(
                cur,
                project=config.project,
                team=team_name,
                window_start=start,
                window_end=end,
                detail_level=team.detail,
                finding_ids=[f["id"] for f in shown],
                body_text=body,
                content_hash=content_hash,
                payload=payload,
            )
        reports.append(DigestReport(team_name, digest_id, len(shown), queued, body))
    return reports


def _passes_filters(finding: dict[str, Any], team: Team) -> bool:
    filters = team.filters
    if Severity(finding["severity"]).rank < filters.min_severity.rank:
        return False
    return not (
        filters.brands and finding["scope_kind"] == "brand"
        and finding["scope_value"] not in filters.brands
    )  # fmt: skip


def _impact(finding: dict[str, Any]) -> tuple[int, float, datetime]:
    metrics = finding["metrics"] or {}
    return (
        Severity(finding["severity"]).rank,
        float(metrics.get("volume_ratio") or 0) * float(metrics.get("volume") or 0),
        finding["window_start"],
    )


def render(
    project: str,
    team_name: str,
    team: Team,
    start: datetime,
    end: datetime,
    findings: list[dict[str, Any]],
    evidence: dict[int, tuple[str, str | None]],
    hidden: int = 0,
) -> str:
    labels = _LABELS[team.language]
    lines = [
        labels["title"].format(team=team_name, project=project),
        labels["window"].format(start=f"{start:%Y-%m-%d %H:%M}", end=f"{end:%Y-%m-%d %H:%M}"),
        "",
    ]
    if not findings:
        lines.append(labels["none"])
    for finding in findings:
        lines.append(f"[{finding['severity'].upper()}] {finding['headline']}")
        if team.detail == "headline":
            continue
        metrics = finding["metrics"] or {}
        figures = ", ".join(f"{k}={v}" for k, v in metrics.items() if v is not None)
        lines.append(f"    {labels['figures']}: {figures}")
        post_ids = finding["evidence_post_ids"]
        limit = 3 if team.detail == "summary" else len(post_ids)
        quoted = [evidence[p] for p in post_ids[:limit] if p in evidence]
        if quoted:
            lines.append(f"    {labels['evidence']}:")
        for text, url in quoted:
            lines.append(f"      - {_excerpt(text, team.detail)}" + (f" <{url}>" if url else ""))
        lines.append("")
    if hidden:
        lines.append(labels["more"].format(n=hidden, limit=team.max_items))
    return "\n".join(lines).rstrip() + "\n"


def _excerpt(text: str, detail: str) -> str:
    flat = " ".join(text.split())
    if detail == "full" or len(flat) <= _EXCERPT_CHARS:
        return flat
    return flat[: _EXCERPT_CHARS - 1].rstrip() + "…"
