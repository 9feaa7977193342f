"""Real receivers for delivery tests, on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP
webhook receiver standing in for Slack and Teams (both reached only through their incoming
webhooks, whose answers — 200 "ok", 503, 404 — the receiver gives as the real services do).
Plus a fixed set of findings and teams to route, written by this project."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from echolot.config import Brand, ProjectConfig, Team

PROJECT = "lumora"
DAY = datetime(2026, 11, 9, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.messages.append(
                email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `messages` holds every accepted e-mail, parsed."""

    def __init__(self, **controller_options: Any) -> None:
        self.collector = _Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port,
                                     **controller_options)  # fmt: skip
        self.controller.start()

    @property
    def messages(self) -> list[Message]:
        with self.collector.lock:
            return list(self.collector.messages)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=false"

    def stop(self) -> None:
        self.controller.stop()


class WebhookReceiver:
    """Records JSON posts per path; `status[path]` sets the answer (default 200 "ok")."""

    def __init__(self) -> None:
        self.posts: dict[str, list[dict[str, Any]]] = {}
        self.status: dict[str, int] = {}
        self.on_post: Callable[[str, dict[str, Any]], None] | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                code = receiver.status.get(self.path, 200)
                if code == 200:
                    data = json.loads(body)
                    with receiver.lock:
                        receiver.posts.setdefault(self.path, []).append(data)
                    if receiver.on_post:
                        receiver.on_post(self.path, data)
                answer = b"ok" if code == 200 else b"no_service" if code == 404 else b"busy"
                self.send_response(code)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def received(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.posts.get(path, []))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def finding(kind: str, scope_value: str, severity: str, headline: str, day: datetime = DAY,
            volume: int = 20, reach: int = 1000) -> dict[str, Any]:  # fmt: skip
    return {"project": PROJECT, "kind": kind, "scope_kind": "product_area",
            "scope_value": scope_value, "window_start": day, "window_end": day + timedelta(days=1),
            "severity": severity, "headline": headline,
            "metrics": {"volume": volume, "reach": reach}}  # fmt: skip


def insert_findings(db: Any, rows: list[dict[str, Any]]) -> list[int]:
    with db, db.cursor() as cur:
        ids = []
        for row in rows:
            cur.execute(
                "INSERT INTO findings (project, kind, scope_kind, scope_value, window_start, "
                "window_end, severity, headline, metrics) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                "%s, %s) RETURNING id",
                (row["project"], row["kind"], row["scope_kind"], row["scope_value"],
                 row["window_start"], row["window_end"], row["severity"], row["headline"],
                 json.dumps(row["metrics"])),
            )  # fmt: skip
            ids.append(cur.fetchone()[0])
        return ids


def sample_findings(day: datetime = DAY) -> list[dict[str, Any]]:
    """Two teams' worth: the product team's bug reports and feature requests, sales' leads."""
    return [
        finding("bug_report", "app", "high", "App crashes when pairing a lamp", day, 40, 9000),
        finding("feature_request", "app", "medium", "People ask for a sunrise timer", day, 25),
        finding("bug_report", "battery", "medium", "Battery drains overnight", day, 15),
        finding("purchase_intent", "pricing", "high", "Buyers ask where to get the Glow 2", day),
        finding("churn_risk", "pricing", "medium", "Owners threaten to switch to Kelvo", day),
    ]


def project_config(mail_to: dict[str, str], **team_overrides: dict[str, Any]) -> ProjectConfig:
    """A project with two teams delivering by e-mail and through Slack and Teams webhooks whose
    URLs sit in environment variables named ECHOLOT_TEST_<TEAM>_<TYPE>."""
    teams: dict[str, dict[str, Any]] = {
        "product": {"signals": ["bug_report", "feature_request"], "detail": "summary"},
        "sales": {"signals": ["purchase_intent", "churn_risk"], "detail": "headline"},
    }
    for name, team in teams.items():
        team["deliver"] = [
            {"type": "email", "to": [mail_to[name]], "from": "echolot@lumora.example"},
            {"type": "slack", "webhook_env": f"ECHOLOT_TEST_{name.upper()}_SLACK"},
            {"type": "teams", "webhook_env": f"ECHOLOT_TEST_{name.upper()}_TEAMS"},
        ]
        team.update(team_overrides.get(name, {}))
    # Built without sources: the consumer never reads them, and each team is validated on its own.
    return ProjectConfig.model_construct(
        project=PROJECT, brands=[Brand(name="Lumora")], competitors=[], products=[], sources=[],
        teams={name: Team.model_validate(team) for name, team in teams.items()},
    )  # fmt: skip


def webhook_environment(receiver: WebhookReceiver) -> dict[str, str]:
    return {f"ECHOLOT_TEST_{team.upper()}_{kind.upper()}": receiver.url(f"/{team}/{kind}")
            for team in ("product", "sales") for kind in ("slack", "teams")}  # fmt: skip
