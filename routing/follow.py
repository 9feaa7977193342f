"""Follow a team's digests as a person would: from its RabbitMQ queue, or from the outbox."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import kombu
import psycopg2.extensions

from echolot import store
from routing.relay import EXCHANGE, exchange

# Called with each digest payload; returns False to stop following.
OnDigest = Callable[[dict[str, Any]], bool]
POLL_SECONDS = 1.0


def follow_queue(
    url: str,
    project: str,
    team: str,
    on_digest: OnDigest,
    timeout: float | None = None,
    exchange_name: str = EXCHANGE,
) -> None:
    """Receive copies of new messages for the team through a private, auto-deleted queue.

    Consuming the team's durable queue itself would take messages away from its real
    consumers, so the follower binds a queue of its own to the same routing key.
    """
    watcher = kombu.Queue(
        exchange=exchange(exchange_name),
        routing_key=f"{project}.{team}",
        exclusive=True,
        auto_delete=True,
    )
    with kombu.Connection(url, connect_timeout=5) as broker:
        keep_going = True

        def handle(body: Any, message: kombu.Message) -> None:
            nonlocal keep_going
            message.ack()
            keep_going = on_digest(body if isinstance(body, dict) else json.loads(body))

        with broker.Consumer(watcher, callbacks=[handle], accept=["json"]):
            while keep_going:
                try:
                    broker.drain_events(timeout=timeout)
                except TimeoutError:
                    return


def follow_outbox(
    conn: psycopg2.extensions.connection,
    team: str,
    on_digest: OnDigest,
    timeout: float | None = None,
    from_start: bool = False,
) -> None:
    """Poll the outbox table for new messages of the team (the embedded default's queue)."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT COALESCE(max(id), 0) FROM outbox")
        last = 0 if from_start else cur.fetchone()[0]
    quiet_since = time.monotonic()
    while True:
        with conn, conn.cursor() as cur:
            rows = store.outbox_after(cur, team, last)
        for outbox_id, payload in rows:
            last = outbox_id
            if not on_digest(payload):
                return
        if rows:
            quiet_since = time.monotonic()
        elif timeout is not None and time.monotonic() - quiet_since >= timeout:
            return
        time.sleep(POLL_SECONDS)
