"""Relay the transactional outbox to RabbitMQ: publish, wait for the broker's confirm, then mark.

Each team has a durable queue bound to one durable direct exchange; messages are persistent,
carry the digest id as message id and a JSON payload with a schema version. A message is marked
sent only after the broker confirmed it; anything else is retried later with backoff. If the
relay dies between confirm and mark, the message is sent again on the next pass (at least once):
consumers de-duplicate on the message id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import kombu
import psycopg2.extensions

from echolot import store
from echolot.database import redact

AMQP_URL_ENV = "ECHOLOT_AMQP_URL"
EXCHANGE = "echolot.digests"
BATCH_SIZE = 100
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 3600.0
CONNECT_TIMEOUT_SECONDS = 5


@dataclass
class RelayReport:
    published: int = 0
    failed: int = 0
    backlog: int = 0
    error: str | None = None


def amqp_url() -> str | None:
    return os.environ.get(AMQP_URL_ENV) or None


def exchange(name: str = EXCHANGE) -> kombu.Exchange:
    return kombu.Exchange(name, type="direct", durable=True)


def team_queue(project: str, team: str, exchange_name: str = EXCHANGE) -> kombu.Queue:
    """The durable queue a team's consumers read: `<exchange>.<project>.<team>`."""
    return kombu.Queue(
        f"{exchange_name}.{project}.{team}",
        exchange(exchange_name),
        routing_key=f"{project}.{team}",
        durable=True,
    )


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: 5, 10, 20, ... capped at 1 h."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))


def relay_outbox(
    conn: psycopg2.extensions.connection, url: str, exchange_name: str = EXCHANGE
) -> RelayReport:
    """Publish every due outbox message once; safe to run concurrently and repeatedly."""
    report = RelayReport()
    broker = kombu.Connection(
        url,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        transport_options={"confirm_publish": True},
    )
    try:
        while True:
            with conn, conn.cursor() as cur:
                due = store.claim_due_outbox(cur, BATCH_SIZE)
                for message in due:
                    _publish_one(cur, broker, message, exchange_name, report)
            if len(due) < BATCH_SIZE or report.error:
                break
    finally:
        broker.release()
    with conn, conn.cursor() as cur:
        report.backlog = store.outbox_backlog(cur)
    return report


def _publish_one(
    cur: store.Cursor,
    broker: kombu.Connection,
    message: store.OutboxMessage,
    exchange_name: str,
    report: RelayReport,
) -> None:
    if report.error:
        # The broker is down: don't hammer it for the rest of this batch, just reschedule.
        store.mark_failed(cur, message.id, retry_delay(message.attempts + 1), report.error)
        report.failed += 1
        return
    queue = team_queue(message.project, message.team, exchange_name)
    try:
        producer = broker.Producer()
        # With confirm_publish the call returns only after the broker has taken the message.
        producer.publish(
            message.payload,
            exchange=queue.exchange,
            routing_key=queue.routing_key,
            declare=[queue],
            serializer="json",
            delivery_mode=2,  # persistent
            message_id=str(message.digest_id),
            headers={
                "schema_version": message.payload.get("schema_version"),
                "outbox_id": message.id,
            },
            retry=False,
        )
    except Exception as exc:  # any broker or network failure: keep the row for a later pass
        report.error = f"publishing to {redact(broker.as_uri())} failed: {exc}"
        store.mark_failed(cur, message.id, retry_delay(message.attempts + 1), report.error)
        report.failed += 1
        return
    store.mark_sent(cur, message.id)
    report.published += 1
