"""What Echolot's DAGs need from Airflow beyond wiring: credentials from Connections, and the
schedules a project file asks for. Imported by DAG files only; stages never use it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

from echolot import sources
from echolot.config import Cadence

WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}


def _url(scheme: str, conn: Any) -> str:
    # Quote the credentials: passwords may hold characters that mean something in a URL.
    credentials = quote(conn.login or "", safe="")
    if conn.password:
        credentials += ":" + quote(conn.password, safe="")
    at = f"{credentials}@" if credentials else ""
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{at}{conn.host}{port}/{conn.schema or ''}"


def _postgres(conn: Any) -> dict[str, str | None]:
    return {"ECHOLOT_DATABASE_URL": _url("postgresql", conn)}


def _rabbitmq(conn: Any) -> dict[str, str | None]:
    return {"ECHOLOT_AMQP_URL": _url("amqp", conn)}


def _smtp(conn: Any) -> dict[str, str | None]:
    # Extras as Airflow's SMTP provider names them (disable_tls, disable_ssl, from_email), or
    # ours (starttls, ssl, from, cafile).
    extra = conn.extra_dejson
    implicit = str(extra.get("ssl", not extra.get("disable_ssl", True))).lower() == "true"
    starttls = str(extra.get("starttls", not extra.get("disable_tls", False))).lower() == "true"
    query = {"starttls": "true" if starttls else "false"}
    sender = extra.get("from") or extra.get("from_email")
    if sender:
        query["from"] = sender
    if extra.get("cafile"):
        query["cafile"] = extra["cafile"]
    base = _url("smtps" if implicit else "smtp", conn).rstrip("/")
    return {"ECHOLOT_SMTP_URL": base + "?" + urlencode(query)}


# Airflow connection id -> the environment variables the stages read. Each source plug-in
# names its own connection (echolot_x, echolot_reddit, echolot_bluesky, echolot_mastodon, ...).
_TO_ENVIRONMENT: dict[str, Callable[[Any], dict[str, str | None]]] = {
    "echolot_postgres": _postgres,
    "echolot_rabbitmq": _rabbitmq,
    "echolot_smtp": _smtp,
}


def _connections() -> dict[str, Callable[[Any], dict[str, str | None]]]:
    return {**_TO_ENVIRONMENT, **sources.connection_environments()}


# Airflow Variable -> environment variable (secrets that are not a connection).
_VARIABLES = {"echolot_feedback_secret": "ECHOLOT_FEEDBACK_SECRET"}


def export_connections() -> list[str]:
    """Copy credentials from Airflow Connections into this task's environment.

    A connection that is not defined leaves the environment as it is, so plain environment
    variables keep working as the fallback. Returns the connection ids that were found.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    found = []
    for conn_id, to_environment in _connections().items():
        try:
            conn = Connection.get(conn_id)
        except AirflowNotFoundException:
            continue
        os.environ.update({k: v for k, v in to_environment(conn).items() if v})
        found.append(conn_id)
    from airflow.sdk import Variable

    for name, environment in _VARIABLES.items():
        value = Variable.get(name, default=None)
        if value:
            os.environ[environment] = value
            found.append(name)
    return found


def airflow_connection(conn_id: str) -> Any:
    """A connection a project file names (a team's webhook), from Airflow's Connections, as
    the channels read it (`routing.channels.ConnectionInfo`); None when it is not defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    from routing.channels import ConnectionInfo

    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return ConnectionInfo(
        conn_type=conn.conn_type or "", host=conn.host or "", port=conn.port,
        login=conn.login or "", password=conn.password or "", schema=conn.schema or "",
        extra=conn.extra_dejson,
    )  # fmt: skip


def stages() -> ModuleType:
    """The stage entry points (`echolot.tasks`), after exporting this task's credentials.

    Imported here, at run time, so that parsing a DAG file never loads the stages.
    """
    export_connections()
    from echolot import tasks

    return tasks


def cadence_cron(cadence: Cadence) -> str | None:
    """The cron expression of a team's digest cadence (None for `immediate`)."""
    minute, hour = cadence.send_at.minute, cadence.send_at.hour
    if cadence.mode == "hourly":
        return f"{minute} * * * *"
    if cadence.mode == "daily":
        return f"{minute} {hour} * * *"
    if cadence.mode == "weekly":
        return f"{minute} {hour} * * {WEEKDAYS[cadence.weekday]}"
    return None
