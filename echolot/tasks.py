"""Stage entry points for orchestrators: open the database, run one stage, return its report.

Airflow tasks call these with a config path (and a data interval where one applies); so can any
other scheduler. Each returns plain JSON-able data, which Airflow keeps as the task's XCom.
Nothing here imports Airflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg2.extensions

from echolot import migrations, store
from echolot.config import load_config
from echolot.database import connect, resolve_database_url
from echolot.errors import EcholotError
from ingest.runner import ingest_source
from nlp.analyse import DEFAULT_BATCH_SIZE, analyse_range, analyser_for, plan_batches
from nlp.topic_stage import update_topics
from reach.stage import update_reach
from routing import detectors
from routing.digests import route, send_alerts
from routing.relay import amqp_url, relay_outbox

T = TypeVar("T")
FINDINGS_STAGE = "findings"


def _with_database(work: Callable[[psycopg2.extensions.connection], T]) -> T:
    conn = connect(resolve_database_url())
    try:
        migrations.migrate(conn)
        return work(conn)
    finally:
        conn.close()


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    return (start, end) if start is not None and end is not None else None


def ingest(
    config_path: str | Path,
    source_name: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Ingest one source; X and Reddit read exactly [start, end) when given."""
    config = load_config(config_path)
    by_name = {s.name: s for s in config.sources}
    if source_name not in by_name:
        raise EcholotError(f"{config_path}: no source named {source_name!r}")
    source = by_name[source_name]
    return _with_database(
        lambda conn: asdict(ingest_source(conn, source, window=_window(start, end)))
    )


def plan_analysis(config_path: str | Path, batch_size: int = DEFAULT_BATCH_SIZE) -> list[list[int]]:
    """Id ranges of posts the current NLP pipeline has not analysed; one mapped task each."""
    analyser = analyser_for(load_config(config_path))
    ranges = _with_database(lambda conn: plan_batches(conn, analyser, batch_size))
    return [[first, last] for first, last in ranges]


def analyse(config_path: str | Path, id_range: list[int]) -> dict[str, Any]:
    analyser = analyser_for(load_config(config_path))
    first, last = id_range
    return _with_database(lambda conn: asdict(analyse_range(conn, analyser, (first, last))))


def _changed_days(conn: psycopg2.extensions.connection, project: str) -> list[datetime]:
    """Days changed since findings last ran; topics and influence cover the same days first
    (only find_changed moves the watermark)."""
    with conn, conn.cursor() as cur:
        since = store.load_watermark(cur, project, FINDINGS_STAGE)
        return store.changed_days(cur, since)[0]


def topics(config_path: str | Path) -> dict[str, Any]:
    """Assign new posts of every changed day to topics (creating, merging, splitting)."""
    config = load_config(config_path)

    def work(conn: psycopg2.extensions.connection) -> dict[str, Any]:
        days = _changed_days(conn, config.project)
        if not days:
            return {"days": []}
        start, end = days[0], days[-1] + timedelta(days=1)
        report = update_topics(conn, config, start, end, analyser_for(config).embedder)
        return {"days": [d.date().isoformat() for d in days], "topics": asdict(report)}

    return _with_database(work)


def influence(config_path: str | Path) -> dict[str, Any]:
    """Influence, post reach and campaign KPI chains over the changed days."""
    config = load_config(config_path)

    def work(conn: psycopg2.extensions.connection) -> dict[str, Any]:
        days = _changed_days(conn, config.project)
        if not days:
            return {"days": []}
        report = update_reach(conn, config, days[0], days[-1] + timedelta(days=1))
        return {"days": [d.date().isoformat() for d in days], "reach": asdict(report)}

    return _with_database(work)


def find_changed(config_path: str | Path) -> dict[str, Any]:
    """Recompute daily findings for every day whose posts or scores changed since last time."""
    config = load_config(config_path)

    def work(conn: psycopg2.extensions.connection) -> dict[str, Any]:
        with conn, conn.cursor() as cur:
            since = store.load_watermark(cur, config.project, FINDINGS_STAGE)
            days, newest = store.changed_days(cur, since)
        if not days:
            return {"days": [], "findings": 0}
        start, end = days[0], days[-1] + timedelta(days=1)
        written = sum(detectors.detect(conn, config, start, end).values())
        with conn, conn.cursor() as cur:
            store.save_watermark(cur, config.project, FINDINGS_STAGE, newest)
        return {"days": [d.date().isoformat() for d in days], "findings": written}

    return _with_database(work)


def deliver(
    config_path: str | Path, start: datetime, end: datetime, team: str | None = None
) -> list[dict[str, Any]]:
    """Write the digest of findings completed in (start, end] for one team (or all teams)."""
    config = load_config(config_path)
    if team is not None and team not in config.teams:
        raise EcholotError(f"{config_path}: no team {team!r}")
    teams = [team] if team is not None else None
    reports = _with_database(lambda conn: route(conn, config, start, end, teams=teams))
    return [{"team": r.team, "digest_id": r.digest_id, "findings": r.findings,
             "queued": r.queued} for r in reports]  # fmt: skip


def alert(config_path: str | Path, now: datetime | None = None) -> dict[str, Any]:
    """Alert each team at once about severe findings it has not had (quiet hours permitting)."""
    config = load_config(config_path)
    instant = now or datetime.now(UTC)
    sent, held = _with_database(lambda conn: send_alerts(conn, config, instant))
    return {
        "alerts": [{"team": r.team, "digest_id": r.digest_id, "findings": r.findings,
                    "queued": r.queued} for r in sent],
        "held": [{"team": h.team, "findings": h.findings, "until": h.until.isoformat()}
                 for h in held],
    }  # fmt: skip


def relay() -> dict[str, Any]:
    """Publish due outbox messages when a broker is configured; otherwise the outbox waits."""
    url = amqp_url()
    if url is None:
        return {"broker": None}
    report = _with_database(lambda conn: relay_outbox(conn, url))
    return asdict(report)


def maintain(config_path: str | Path, now: datetime | None = None) -> dict[str, Any]:
    """Retention purge and re-applying deletions (a post stored by a run that overlapped a
    `forget` is removed again)."""
    config = load_config(config_path)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=config.schedule.retention_days)

    def work(conn: psycopg2.extensions.connection) -> dict[str, Any]:
        with conn, conn.cursor() as cur:
            purged = store.purge_older_than(cur, cutoff)
            reapplied = 0
            for platform, kind, platform_id in store.forgotten_items(cur):
                ids = {"post_id": platform_id} if kind == "post" else {"author_id": platform_id}
                reapplied += store.forget(cur, platform, **ids).posts
        return {"cutoff": cutoff.isoformat(), "purged": purged, "reforgotten_posts": reapplied}

    return _with_database(work)
