"""The outbox relay against the real RabbitMQ on this machine."""

from __future__ import annotations

import threading
import time

import kombu
from conftest import REPO, drain
from typer.testing import CliRunner

from echolot.app.pipeline import run_pipeline
from echolot.cli import app
from echolot.config import load_config
from routing.follow import follow_outbox, follow_queue
from routing.relay import relay_outbox, team_queue

EXAMPLE = REPO / "config" / "example.yaml"
DOWN = "amqp://guest:guest@127.0.0.1:1//"


def produce_digests(db) -> dict[str, int]:
    summary = run_pipeline(db, load_config(EXAMPLE))
    return {d.team: d.digest_id for d in summary.digests}


def outbox_rows(db) -> list[tuple]:
    with db, db.cursor() as cur:
        cur.execute("SELECT team, sent_at IS NOT NULL, attempts, last_error, "
                    "next_attempt_at > now() FROM outbox ORDER BY team")  # fmt: skip
        return cur.fetchall()


def test_relay_publishes_persistent_confirmed_messages_once(db, amqp_url, exchange_name) -> None:
    digests = produce_digests(db)
    report = relay_outbox(db, amqp_url, exchange_name)
    assert (report.published, report.failed, report.backlog) == (2, 0, 0)
    assert [row[:3] for row in outbox_rows(db)] == [("product", True, 1), ("sales", True, 1)]

    sales = drain(amqp_url, team_queue("lumora", "sales", exchange_name))
    assert len(sales) == 1
    message = sales[0]
    assert message.properties["message_id"] == str(digests["sales"])
    assert message.properties["delivery_mode"] == 2
    assert message.content_type == "application/json"
    payload = message.decode()
    assert payload["schema_version"] == 2 and payload["team"] == "sales"
    assert payload["digest_id"] == digests["sales"]
    assert payload["text"].startswith("Echolot digest for sales — lumora")
    assert len(drain(amqp_url, team_queue("lumora", "product", exchange_name))) == 1

    again = relay_outbox(db, amqp_url, exchange_name)
    assert again.published == 0
    assert drain(amqp_url, team_queue("lumora", "sales", exchange_name)) == []


def test_broker_down_keeps_messages_and_retries_later(db, amqp_url, exchange_name) -> None:
    produce_digests(db)
    report = relay_outbox(db, DOWN, exchange_name)
    assert (report.published, report.failed, report.backlog) == (0, 2, 2)
    assert "Connection refused" in report.error
    for team, sent, attempts, error, later in outbox_rows(db):
        assert (sent, attempts, later) == (False, 1, True), team
        assert "guest:**@127.0.0.1:1" in error or "***" in error or "Connection refused" in error

    # Not due yet: the backoff holds it back even though the broker is back.
    assert relay_outbox(db, amqp_url, exchange_name).published == 0
    with db, db.cursor() as cur:
        cur.execute("UPDATE outbox SET next_attempt_at = now()")  # the backoff has passed
    assert relay_outbox(db, amqp_url, exchange_name).published == 2
    assert len(drain(amqp_url, team_queue("lumora", "sales", exchange_name))) == 1


def test_tail_follows_a_team_without_taking_its_messages(db, amqp_url, exchange_name) -> None:
    produce_digests(db)
    seen: list[dict] = []
    ready = threading.Event()

    def follow() -> None:
        ready.set()
        follow_queue(amqp_url, "lumora", "sales", lambda p: bool(seen.append(p)), timeout=10,
                     exchange_name=exchange_name)  # fmt: skip

    # Declare the exchange first so the follower can bind to it.
    with kombu.Connection(amqp_url) as broker:
        team_queue("lumora", "sales", exchange_name)(broker.channel()).declare()
    follower = threading.Thread(target=follow)
    follower.start()
    ready.wait()
    time.sleep(1.0)  # let the follower bind its queue
    relay_outbox(db, amqp_url, exchange_name)
    follower.join(timeout=15)
    assert [p["team"] for p in seen] == ["sales"]
    # The team's own durable queue still holds its message.
    assert len(drain(amqp_url, team_queue("lumora", "sales", exchange_name))) == 1


def test_without_a_broker_the_outbox_is_the_queue(db) -> None:
    produce_digests(db)
    seen: list[dict] = []
    follow_outbox(db, "product", lambda p: bool(seen.append(p)), timeout=0, from_start=True)
    assert [p["team"] for p in seen] == ["product"]


def test_cli_relay_needs_a_broker_and_digests_show_prints_one(db, monkeypatch) -> None:
    digests = produce_digests(db)
    monkeypatch.delenv("ECHOLOT_AMQP_URL", raising=False)
    result = CliRunner().invoke(app, ["relay"])
    assert result.exit_code == 1
    assert "no broker configured: set ECHOLOT_AMQP_URL" in result.stderr
    shown = CliRunner().invoke(app, ["digests", "show", str(digests["product"])])
    assert shown.exit_code == 0
    assert "Echolot digest for product — lumora" in shown.stdout
    missing = CliRunner().invoke(app, ["digests", "show", "999999"])
    assert missing.exit_code == 1 and "no digest with id 999999" in missing.stderr


def test_broker_outage_mid_publishing_loses_nothing_and_sends_each_digest_once(
    db, amqp_url, exchange_name
) -> None:
    from datetime import UTC, datetime, timedelta

    from tcp_proxy import CuttableProxy

    from routing.digests import route

    config = load_config(EXAMPLE)
    run_pipeline(db, config)
    # One digest per team and day: enough messages for the outage to hit mid-run.
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for day in range(14):
        route(db, config, start + timedelta(days=day), start + timedelta(days=day + 1))
    with db, db.cursor() as cur:
        cur.execute("SELECT digest_id FROM outbox")
        expected = sorted(str(row[0]) for row in cur.fetchall())
    assert len(expected) >= 20

    proxy = CuttableProxy(5672)
    proxied = amqp_url.replace(":5672/", f":{proxy.port}/")
    try:
        proxy.cut_after(12)  # the connection handshake, then a handful of publishes
        down = relay_outbox(db, proxied, exchange_name)
        assert down.error and 0 < down.published < len(expected)
        assert down.backlog == len(expected) - down.published
        with db, db.cursor() as cur:
            cur.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND attempts = 1 "
                        "AND last_error IS NOT NULL")  # fmt: skip
            assert cur.fetchone()[0] == down.backlog

        proxy.restore()
        with db, db.cursor() as cur:
            cur.execute("UPDATE outbox SET next_attempt_at = now()")  # the backoff has passed
        back = relay_outbox(db, proxied, exchange_name)
        assert (back.published, back.backlog) == (down.backlog, 0)
    finally:
        proxy.close()

    received = [
        message.properties["message_id"]
        for team in ("sales", "product")
        for message in drain(amqp_url, team_queue("lumora", team, exchange_name))
    ]
    assert sorted(received) == expected  # everything arrived, and exactly once
