"""One runner per stage, called alike by the CLI, `echolot.tasks` and so by the DAGs.

Each runner takes an open connection, the project and the window the policy in
`echolot.app.windows` chose, runs its stage and returns the stage's report. Runners hold no
business logic: they pick what the stage needs from the project and call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg2.extensions

from echolot import store
from echolot.app import session, windows
from echolot.app.training import with_heads_dir
from echolot.config import ProjectConfig, Source
from echolot.errors import AccessError, BrokerUnavailable, UsageError
from echolot.models import Window
from ingest.report import SourceReport
from ingest.runner import ingest_source
from nlp.analyse import (
    DEFAULT_BATCH_SIZE,
    AnalysisReport,
    analyse_range,
    analyser_for,
    plan_batches,
)
from nlp.topic_stage import TopicReport, update_topics
from reach.report import format_chain
from reach.stage import ReachReport, find_campaign, update_reach
from reach.stage import campaign_chain as compute_campaign_chain
from routing import detectors
from routing.digests import DigestReport, HeldAlert, route, send_alerts
from routing.digests import dispatch as dispatch_due
from routing.follow import follow_outbox, follow_queue
from routing.relay import AMQP_URL_ENV, RelayReport, amqp_url, relay_outbox, team_queue

Connection = psycopg2.extensions.connection
IdRange = tuple[int, int]

__all__ = [
    "AMQP_URL_ENV",
    "DEFAULT_BATCH_SIZE",
    "AnalysisReport",
    "DigestReport",
    "HeldAlert",
    "ReachReport",
    "RelayReport",
    "SourceReport",
    "TopicReport",
]


# ingest ----------------------------------------------------------------------------------------


def choose_sources(config: ProjectConfig, names: Iterable[str] | None, where: str) -> list[Source]:
    """The named sources (any, enabled or not), or every enabled one when none are named."""
    by_name = {s.name: s for s in config.sources}
    names = list(names or [])
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UsageError(
            f"{where}: no source named {', '.join(map(repr, unknown))}; known: {', '.join(by_name)}"
        )
    return [by_name[n] for n in names] if names else [s for s in config.sources if s.enabled]


def ingest(
    conn: Connection,
    sources: list[Source],
    window: Window | None = None,
    on_page: Callable[[Source], Callable[[int], None] | None] | None = None,
) -> Iterator[SourceReport]:
    """Ingest each source in turn, yielding its report; X and Reddit read exactly `window`
    when given. A caller that collects as it goes keeps the reports of the sources before one
    that fails."""
    for source in sources:
        callback = on_page(source) if on_page else None
        yield ingest_source(conn, source, window=window, on_page=callback)


# nlp: language, sentiment, entities, intents, embeddings ---------------------------------------


def plan_analysis(
    conn: Connection, config: ProjectConfig, batch_size: int = DEFAULT_BATCH_SIZE
) -> list[IdRange]:
    """Id ranges of posts the current NLP pipeline has not analysed; one batch each."""
    return plan_batches(conn, analyser_for(with_heads_dir(config)), batch_size)


def analyse(conn: Connection, config: ProjectConfig, id_range: IdRange) -> AnalysisReport:
    return analyse_range(conn, analyser_for(with_heads_dir(config)), id_range)


# topics, reach, findings -----------------------------------------------------------------------


def topics(conn: Connection, config: ProjectConfig, window: Window) -> TopicReport:
    """Assign the window's new posts to topics (creating, merging, splitting)."""
    return update_topics(conn, config, *window, analyser_for(with_heads_dir(config)).embedder)


def reach(conn: Connection, config: ProjectConfig, window: Window) -> ReachReport:
    """Influence, post reach and the KPI chains of campaigns overlapping the window."""
    return update_reach(conn, config, *window)


def findings(conn: Connection, config: ProjectConfig, window: Window) -> int:
    """Write the findings of the window's days; returns how many."""
    return sum(detectors.detect(conn, config, *window).values())


def campaign_chain(
    conn: Connection,
    config: ProjectConfig,
    name: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    """Compute and store one campaign's KPI chain; returns it formatted for reading."""
    row = compute_campaign_chain(conn, config, name, start, end)
    return format_chain(config.project, row)


def check_campaign(config: ProjectConfig, name: str) -> None:
    """Fail on an unknown campaign name before any database is opened."""
    find_campaign(config, name)


# routing: digests, alerts, dispatch, relay, following -------------------------------------------


def check_team(config: ProjectConfig, team: str | None, where: str) -> None:
    if team is not None and team not in config.teams:
        raise UsageError(f"{where}: no team {team!r}; teams: {', '.join(config.teams)}")


def digests(
    conn: Connection, config: ProjectConfig, period: Window, teams: list[str] | None = None
) -> list[DigestReport]:
    """Each team's (or the named teams') digest of the findings completed in the period."""
    return route(conn, config, *period, teams=teams)


def alerts(
    conn: Connection, config: ProjectConfig, now: datetime
) -> tuple[list[DigestReport], list[HeldAlert]]:
    """Alert each team at once about severe findings it has not had (quiet hours permitting)."""
    return send_alerts(conn, config, now)


def dispatch(
    conn: Connection, config: ProjectConfig, now: datetime
) -> tuple[list[DigestReport], list[HeldAlert]]:
    """A scheduler tick: alerts now, and each team's digest once its send time has come."""
    return dispatch_due(conn, config, now)


def broker_configured() -> bool:
    return amqp_url() is not None


def require_broker() -> str:
    """The broker URL; its absence is an error (for commands that only make sense with one)."""
    url = amqp_url()
    if url is None:
        raise AccessError(
            f"no broker configured: set {AMQP_URL_ENV}; without one, consumers read the "
            "outbox table (see `echolot digests tail`)"
        )
    return url


def publish(conn: Connection, broker_url: str) -> RelayReport:
    """Publish due outbox messages to the broker and mark them sent."""
    return relay_outbox(conn, broker_url)


def relay(conn: Connection) -> RelayReport | None:
    """Publish due outbox messages when a broker is configured; None when there is none (the
    outbox table is then the queue)."""
    url = amqp_url()
    return publish(conn, url) if url else None


def raise_for_relay(report: RelayReport) -> None:
    """A publish that failed midway is a broker error; what was not sent stays queued."""
    if report.error:
        raise BrokerUnavailable(report.error)


@dataclass(frozen=True)
class FollowTarget:
    """Where a team's digests are followed: its broker queue, or the outbox table."""

    queue: str | None  # None: no broker configured, the outbox table is the queue
    broker_url: str | None


def follow_target(config: ProjectConfig, team: str) -> FollowTarget:
    url = amqp_url()
    return FollowTarget(team_queue(config.project, team).name if url else None, url)


def follow(
    target: FollowTarget,
    config: ProjectConfig,
    team: str,
    printer: Callable[[dict[str, Any]], bool],
    timeout: float | None,
    data_dir: Path | None = None,
) -> None:
    """Hand each digest of the team to `printer` until it returns False or `timeout` passes."""
    if target.broker_url is not None:
        follow_queue(target.broker_url, config.project, team, printer, timeout)
        return
    with session.database(data_dir) as conn:
        follow_outbox(conn, team, printer, timeout)


# maintenance -----------------------------------------------------------------------------------


def maintain(conn: Connection, config: ProjectConfig, now: datetime | None = None) -> dict:
    """Retention purge and re-applying deletions (a post stored by a run that overlapped a
    `forget` is removed again)."""
    cutoff = windows.retention_cutoff(config, now)
    with conn, conn.cursor() as cur:
        purged = store.purge_older_than(cur, cutoff)
        reapplied = 0
        for platform, kind, platform_id in store.forgotten_items(cur):
            ids = {"post_id": platform_id} if kind == "post" else {"author_id": platform_id}
            reapplied += store.forget(cur, platform, **ids).posts
    return {"cutoff": cutoff.isoformat(), "purged": purged, "reforgotten_posts": reapplied}
