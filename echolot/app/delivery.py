"""Wiring of delivery and feedback: digests to the teams' channels (`echolot deliver`, the
Airflow task after each digest's relay) and the feedback endpoint (`echolot serve`).

Secrets come from the environment (ECHOLOT_SMTP_URL, the webhook variables a project file
names, ECHOLOT_FEEDBACK_SECRET); inside Airflow, `airflow_support` adds Airflow's Connections
and Variables. Without a feedback secret digests go out without feedback links.
"""

from __future__ import annotations

import logging
from pathlib import Path

from echolot import migrations
from echolot.app.stages import Connection, check_team
from echolot.config import ProjectConfig
from echolot.database import connect, resolve_database_url
from echolot.errors import AccessError, BrokerUnavailable, ConfigError
from routing import feedback_server
from routing.channels import ConnectionLookup, environment_connection
from routing.deliver import TeamDelivery, deliver
from routing.feedback import FeedbackNotConfigured, FeedbackSettings, settings_from_environment
from routing.relay import amqp_url

log = logging.getLogger(__name__)

__all__ = [
    "ConnectionLookup",
    "TeamDelivery",
    "feedback_settings",
    "raise_for_delivery",
    "serve",
    "to_channels",
]


def feedback_settings() -> FeedbackSettings | None:
    """The feedback secret and public URL, or None (with a warning) when no secret is set."""
    try:
        return settings_from_environment()
    except FeedbackNotConfigured as exc:
        log.warning("digests go out without feedback links: %s", exc)
        return None


def to_channels(
    conn: Connection,
    config: ProjectConfig,
    team: str | None = None,
    lookup: ConnectionLookup | None = None,
    where: str = "deliver",
) -> list[TeamDelivery]:
    """Hand every waiting digest of the team (or of every team with channels) to its
    channels: from the team's RabbitMQ queue when ECHOLOT_AMQP_URL is set, else the outbox."""
    check_team(config, team, where)
    teams = [team] if team is not None else None
    return deliver(conn, config, teams, amqp_url(), lookup=lookup or environment_connection,
                   feedback=feedback_settings())  # fmt: skip


def raise_for_delivery(reports: list[TeamDelivery]) -> None:
    """A run that could not set up a channel, lost the broker or parked messages is an error
    (after every team had its turn): exit 2, 75 and 1 respectively."""
    setup = [r.error for r in reports if r.error and r.error.startswith("teams.")]
    if setup:
        raise ConfigError("; ".join(setup))
    broker = [f"{r.team}: {r.error}" for r in reports if r.error]
    if broker:
        raise BrokerUnavailable("; ".join(broker) + " (undelivered digests stay queued)")
    parked = sum(r.parked for r in reports)
    if parked:
        raise AccessError(f"{parked} digest(s) parked after their channels kept failing; "
                          "the next run tries them again")  # fmt: skip


def serve(data_dir: Path | None, host: str, port: int) -> None:
    """Run the feedback endpoint until interrupted."""
    try:
        settings = settings_from_environment()
    except FeedbackNotConfigured as exc:
        raise ConfigError(f"echolot serve: {exc}") from None
    url = resolve_database_url(data_dir)
    first = connect(url)
    try:
        migrations.migrate(first)
    finally:
        first.close()
    feedback_server.serve(lambda: connect(url), settings, host, port)
