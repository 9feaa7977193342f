"""Where channels find what the project file only names: SMTP servers and webhook URLs.

Secrets come from the environment or from a connection. Outside Airflow a connection is read
the way Airflow itself reads one from the environment (`AIRFLOW_CONN_<ID>`, a URI or JSON);
inside Airflow the application layer passes a lookup backed by Airflow's Connections instead.
Nothing here logs or repeats a secret: errors name the variable or connection, never its value.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from routing.channels.base import PermanentFailure

SMTP_URL_ENV = "ECHOLOT_SMTP_URL"
SMTP_CONNECTION = "echolot_smtp"


@dataclass(frozen=True)
class ConnectionInfo:
    """The parts of an Airflow connection the channels read."""

    conn_type: str = ""
    host: str = ""
    port: int | None = None
    login: str = ""
    password: str = field(default="", repr=False)
    schema: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


ConnectionLookup = Callable[[str], ConnectionInfo | None]


def environment_connection(conn_id: str) -> ConnectionInfo | None:
    """A connection from `AIRFLOW_CONN_<ID>` (URI or JSON), as Airflow would read it."""
    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not raw:
        return None
    if raw.lstrip().startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise PermanentFailure(f"connection {conn_id}: AIRFLOW_CONN_{conn_id.upper()} "
                                   "is not valid JSON") from None  # fmt: skip
        extra = data.get("extra") or {}
        return ConnectionInfo(
            conn_type=str(data.get("conn_type") or ""), host=str(data.get("host") or ""),
            port=int(data["port"]) if data.get("port") else None,
            login=str(data.get("login") or ""), password=str(data.get("password") or ""),
            schema=str(data.get("schema") or ""),
            extra=json.loads(extra) if isinstance(extra, str) else dict(extra),
        )  # fmt: skip
    return _from_uri(raw)


def _from_uri(raw: str) -> ConnectionInfo:
    parts = urlsplit(raw)
    return ConnectionInfo(
        conn_type=parts.scheme, host=unquote(parts.hostname or ""), port=parts.port,
        login=unquote(parts.username or ""), password=unquote(parts.password or ""),
        schema=unquote(parts.path.lstrip("/")), extra=dict(parse_qsl(parts.query)),
    )  # fmt: skip


def webhook_url(
    env: str | None, connection: str | None, lookup: ConnectionLookup = environment_connection
) -> str:
    """The incoming-webhook URL a channel names, checked to be https (http only on loopback)."""
    if env is not None:
        url = os.environ.get(env, "").strip()
        if not url:
            raise PermanentFailure(f"environment variable {env} (the webhook URL) is not set")
        where = f"environment variable {env}"
    else:
        assert connection is not None
        info = lookup(connection)
        if info is None:
            raise PermanentFailure(f"connection {connection} (the webhook URL) is not defined")
        url = _url_of(info)
        where = f"connection {connection}"
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return url
    raise PermanentFailure(f"{where} must hold an https:// webhook URL")


def _url_of(info: ConnectionInfo) -> str:
    # Accept the shapes people use: the URL in `extra.webhook_url`, the whole URL as the
    # password, or Airflow's Slack webhook shape (host = the service URL, password = the token).
    if info.extra.get("webhook_url"):
        return str(info.extra["webhook_url"])
    if info.password.startswith(("https://", "http://")):
        return info.password
    host = info.host if "://" in info.host else f"https://{info.host}"
    if info.port:
        host = f"{host}:{info.port}"
    path = "/".join(part.strip("/") for part in (info.schema, info.password) if part)
    return f"{host.rstrip('/')}/{path}" if path else host


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    cafile: str | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def smtp_settings(lookup: ConnectionLookup = environment_connection) -> SmtpSettings:
    """The SMTP server from ECHOLOT_SMTP_URL, else the connection `echolot_smtp`.

    `smtp://user:password@host:587` uses STARTTLS (add `?starttls=false` for a local relay
    without TLS), `smtps://...:465` TLS from the first byte; `?from=` sets the sender and
    `?cafile=` a private CA. Credentials are never sent over a connection without TLS.
    """
    raw = os.environ.get(SMTP_URL_ENV, "").strip()
    if raw:
        info, source = _from_uri(raw), SMTP_URL_ENV
    else:
        found = lookup(SMTP_CONNECTION)
        if found is None:
            raise PermanentFailure(f"no SMTP server configured: set {SMTP_URL_ENV} or define "
                                   f"the Airflow connection {SMTP_CONNECTION}")  # fmt: skip
        info, source = found, f"connection {SMTP_CONNECTION}"
    if not info.host:
        raise PermanentFailure(f"{source} names no SMTP host")
    implicit = info.conn_type == "smtps" or _flag(info.extra.get("ssl"), False)
    starttls = not implicit and _flag(info.extra.get("starttls"), True)
    security: Literal["starttls", "tls", "none"] = (
        "tls" if implicit else "starttls" if starttls else "none"
    )
    if info.login and security == "none" and not _loopback(info.host):
        raise PermanentFailure(f"{source}: refusing to send SMTP credentials without TLS "
                               "(drop starttls=false)")  # fmt: skip
    return SmtpSettings(
        host=info.host, port=info.port or (465 if implicit else 587), security=security,
        username=info.login, password=info.password,
        sender=str(info.extra.get("from") or info.extra.get("from_email") or ""),
        cafile=str(info.extra["cafile"]) if info.extra.get("cafile") else None,
    )  # fmt: skip


def _flag(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
