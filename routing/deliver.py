"""The consumer: take each team's digests from its durable queue (or, with no broker, from the
outbox table) and hand them to the team's channels.

A message is acknowledged only after every channel and recipient accepted it. What each channel
accepted is committed to PostgreSQL right after it answered, keyed by the outbox id (one per
digest content version; the relay's message id is the digest id): a redelivered message — the
broker lost our ack, a worker died — goes only to the channels that have not had it. Transient
failures are retried with backoff inside the run; a message that still fails is parked with
the reason (the team's dead-letter queue `<queue>.dead` and `delivery_dead_letters`), and every
later run tries parked messages again first.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import kombu
import psycopg2.extensions

from echolot.config import ProjectConfig
from echolot.store import delivery as store
from routing import feedback as feedback_links
from routing.channels import (
    Channel,
    ConnectionLookup,
    Outgoing,
    OutgoingItem,
    PermanentFailure,
    TransientFailure,
    channels_for,
    environment_connection,
)
from routing.relay import CONNECT_TIMEOUT_SECONDS, EXCHANGE, team_queue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliverySettings:
    attempts: int = 4  # tries per channel and message within one run
    backoff_seconds: float = 1.0  # 1, 2, 4 ... between tries
    backoff_cap_seconds: float = 30.0
    idle_seconds: float = 2.0  # the broker queue stayed empty this long: the run is done
    reconnects: int = 5  # broker connection losses survived in a row

    def delay(self, attempt: int) -> float:
        return min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** (attempt - 1))


@dataclass
class TeamDelivery:
    team: str
    source: str = "outbox"  # or "broker"
    delivered: int = 0  # messages every channel accepted in this run
    duplicates: int = 0  # messages seen again after they had been delivered
    sent: int = 0  # channel sends (one per channel, message and recipient)
    parked: int = 0
    reasons: list[str] = field(default_factory=list)
    error: str | None = None  # the run could not go on for this team


class _Malformed(Exception):
    """A message that no channel could ever send."""


def dead_letter_queue_name(project: str, team: str, exchange_name: str = EXCHANGE) -> str:
    return f"{team_queue(project, team, exchange_name).name}.dead"


def deliver(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    teams: list[str] | None = None,
    amqp_url: str | None = None,
    exchange_name: str = EXCHANGE,
    lookup: ConnectionLookup = environment_connection,
    feedback: feedback_links.FeedbackSettings | None = None,
    settings: DeliverySettings = DeliverySettings(),
    sleep: Callable[[float], None] = time.sleep,
) -> list[TeamDelivery]:
    """Deliver every waiting digest of the teams that have channels; one report per team."""
    reports = []
    for name, team in config.teams.items():
        if (teams is not None and name not in teams) or not team.deliver:
            continue
        report = TeamDelivery(name, source="broker" if amqp_url else "outbox")
        reports.append(report)
        try:
            channels = channels_for(team, lookup)
        except PermanentFailure as exc:
            # Nothing is taken from the queue while a channel cannot even be set up.
            report.error = f"teams.{name}.deliver: {exc}"
            continue
        run = _Run(conn, channels, feedback, settings, sleep, report, team.language)
        if amqp_url:
            _BrokerConsumer(run, amqp_url, config.project, name, exchange_name).consume()
        else:
            _consume_outbox(run, config.project, name)
    return reports


@dataclass
class _Run:
    conn: psycopg2.extensions.connection
    channels: list[Channel]
    feedback: feedback_links.FeedbackSettings | None
    settings: DeliverySettings
    sleep: Callable[[float], None]
    report: TeamDelivery
    language: str

    def hand_over(self, message: store.QueuedMessage) -> str | None:
        """Send to every channel that has not had the message; the reason to park it, or None
        when all accepted (now or before)."""
        with self.conn, self.conn.cursor() as cur:
            if store.message_delivered(cur, message.outbox_id):
                self.report.duplicates += 1
                return None
            base = self._outgoing(cur, message)
        failures = []
        for channel in self.channels:
            for recipient in channel.recipients():
                with self.conn, self.conn.cursor() as cur:
                    if store.channel_accepted(cur, message.outbox_id, channel.name, recipient):
                        continue
                    outgoing = base
                    if self.feedback is not None:
                        outgoing = feedback_links.with_links(
                            cur, self.feedback, base, channel.name, recipient
                        )
                attempts, error = self._send(channel, outgoing, recipient)
                with self.conn, self.conn.cursor() as cur:
                    store.record_channel_result(
                        cur, message, channel.name, channel.type, recipient, attempts, error
                    )
                if error:
                    who = f"{channel.name} ({recipient})" if recipient else channel.name
                    failures.append(f"{who}: {error}")
                else:
                    self.report.sent += 1
        if failures:
            return "; ".join(failures)
        with self.conn, self.conn.cursor() as cur:
            store.mark_message_delivered(cur, message)
        self.report.delivered += 1
        return None

    def park(self, message: store.QueuedMessage, reason: str) -> None:
        failed = sorted({part.split(":", 1)[0].split(" (")[0] for part in reason.split("; ")})
        with self.conn, self.conn.cursor() as cur:
            store.park_message(cur, message, reason, failed)
        self.report.parked += 1
        self.report.reasons.append(f"digest {message.digest_id}: {reason}")
        log.warning("parked digest %s of team %s: %s", message.digest_id, message.team, reason)

    def _send(self, channel: Channel, outgoing: Outgoing, recipient: str) -> tuple[int, str | None]:
        last = ""
        for attempt in range(1, self.settings.attempts + 1):
            try:
                channel.send(outgoing, recipient)
                return attempt, None
            except PermanentFailure as exc:
                return attempt, str(exc)
            except TransientFailure as exc:
                last = str(exc)
                if attempt < self.settings.attempts:
                    self.sleep(exc.retry_after or self.settings.delay(attempt))
            except Exception as exc:  # a bug or surprise in one channel must not stop the rest
                log.exception("channel %s failed unexpectedly", channel.name)
                return attempt, f"{type(exc).__name__}: {exc}"
        return self.settings.attempts, f"still failing after {self.settings.attempts} tries: {last}"

    def _outgoing(self, cur: store.Cursor, message: store.QueuedMessage) -> Outgoing:
        payload = message.payload
        text, html = payload.get("text"), payload.get("html")
        if not isinstance(text, str) or not isinstance(html, str) or not text.strip():
            raise _Malformed("the payload has no text or HTML rendering")
        items = payload.get("items")
        if not isinstance(items, list):  # queued before payloads listed their items
            items = store.findings_as_items(cur, payload.get("finding_ids") or [])
        lines = text.splitlines()
        return Outgoing(
            outbox_id=message.outbox_id, digest_id=message.digest_id, project=message.project,
            team=message.team, kind=str(payload.get("kind", "digest")),
            language=str(payload.get("language", self.language)), title=lines[0].strip(),
            window=lines[1].strip() if len(lines) > 1 else "", text=text, html=html,
            items=[_item(i) for i in items],
        )  # fmt: skip


def _item(raw: dict[str, Any]) -> OutgoingItem:
    try:
        return OutgoingItem(
            finding_id=int(raw["finding_id"]), kind=str(raw["kind"]),
            severity=str(raw["severity"]), headline=str(raw["headline"]),
            scope_kind=str(raw.get("scope_kind", "")), scope_value=str(raw.get("scope_value", "")),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise _Malformed(f"an item of the payload is incomplete ({exc})") from None


def _consume_outbox(run: _Run, project: str, team: str) -> None:
    with run.conn, run.conn.cursor() as cur:
        waiting = store.undelivered_outbox(cur, project, team)
    for message in waiting:
        with run.conn, run.conn.cursor() as cur:
            if not store.try_lock_message(cur, message.outbox_id):
                continue  # another consumer is on it
        try:
            try:
                reason = run.hand_over(message)
            except _Malformed as exc:
                reason = f"malformed message: {exc}"
            if reason:
                run.park(message, reason)
        finally:
            with run.conn, run.conn.cursor() as cur:
                store.unlock_message(cur, message.outbox_id)


class _BrokerConsumer:
    """One team's queue and its dead-letter queue, surviving broker connection losses."""

    def __init__(self, run: _Run, url: str, project: str, team: str, exchange_name: str) -> None:
        self.run, self.url, self.project, self.team = run, url, project, team
        self.queue = team_queue(project, team, exchange_name)
        self.dead_name = dead_letter_queue_name(project, team, exchange_name)
        self.dead_done = False

    def consume(self) -> None:
        losses = 0
        while True:
            broker = kombu.Connection(self.url, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                      transport_options={"confirm_publish": True})  # fmt: skip
            try:
                with broker:
                    broker.ensure_connection(max_retries=1)
                    losses = 0
                    self._retry_parked(broker)
                    self._drain(broker)
                return
            except (*broker.connection_errors, *broker.channel_errors, OSError) as exc:
                losses += 1
                if losses > self.run.settings.reconnects:
                    self.run.report.error = f"broker unreachable: {type(exc).__name__}: {exc}"
                    return
                log.warning("broker connection lost (%s); reconnecting", exc)
                self.run.sleep(self.run.settings.delay(losses))

    def _retry_parked(self, broker: kombu.Connection) -> None:
        """Take the messages parked by earlier runs once: deliver them or park them again."""
        if self.dead_done:
            return
        channel = broker.channel()
        _, waiting, _ = channel.queue_declare(self.dead_name, durable=True)
        dead = kombu.Queue(self.dead_name, durable=True, no_declare=True)(channel)
        for _ in range(waiting):
            message = dead.get(no_ack=False, accept=["json"])
            if message is None:
                break
            self._handle(broker, message.decode(), message)
        self.dead_done = True

    def _drain(self, broker: kombu.Connection) -> None:
        channel = broker.channel()
        channel.basic_qos(prefetch_size=0, prefetch_count=1, a_global=False)
        queue = self.queue(channel)
        queue.declare()

        def on_message(body: Any, message: kombu.Message) -> None:
            self._handle(broker, body, message)

        with kombu.Consumer(channel, [queue], callbacks=[on_message], accept=["json"]):
            while True:
                try:
                    broker.drain_events(timeout=self.run.settings.idle_seconds)
                except TimeoutError:
                    return

    def _handle(self, broker: kombu.Connection, body: Any, message: kombu.Message) -> None:
        headers = dict(message.headers or {})
        try:
            queued = _queued(body, headers, self.project, self.team)
            reason = self.run.hand_over(queued)
        except _Malformed as exc:
            queued, reason = None, f"malformed message: {exc}"
        if reason:
            self._park(broker, body, headers, reason)
            if queued is not None:
                self.run.park(queued, reason)
            else:
                self.run.report.parked += 1
                self.run.report.reasons.append(reason)
        message.ack()  # only now: every channel accepted, or the message is parked

    def _park(self, broker: kombu.Connection, body: Any, headers: dict, reason: str) -> None:
        parked = int(headers.get("x-echolot-times-parked", 0)) + 1
        broker.Producer().publish(
            body, exchange="", routing_key=self.dead_name, serializer="json", delivery_mode=2,
            headers={**headers, "x-echolot-reason": reason[:1000],
                     "x-echolot-times-parked": parked},
            retry=False,
        )  # fmt: skip


def _queued(body: Any, headers: dict, project: str, team: str) -> store.QueuedMessage:
    payload = body
    if isinstance(body, bytes | str):
        try:
            payload = json.loads(body)
        except ValueError:
            raise _Malformed("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise _Malformed("the body is not a JSON object")
    try:
        outbox_id = int(headers["outbox_id"])
        digest_id = int(payload["digest_id"])
    except (KeyError, TypeError, ValueError):
        raise _Malformed("no outbox_id header or digest_id (not sent by echolot relay)") from None
    return store.QueuedMessage(outbox_id, digest_id, project, team, payload)
