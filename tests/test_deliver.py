"""`echolot deliver`: digests from each team's queue to a real SMTP server and a webhook receiver
on 127.0.0.1, through the real RabbitMQ and PostgreSQL; the broker cut mid-consumption, a
channel down, de-duplication, and the e-mail as Chromium draws it."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import kombu
import pytest
from browser import run_chromium
from delivery_harness import (
    DAY,
    SmtpServer,
    WebhookReceiver,
    insert_findings,
    project_config,
    sample_findings,
    webhook_environment,
)

from routing.deliver import DeliverySettings, dead_letter_queue_name, deliver
from routing.digests import route
from routing.feedback import settings_from_environment
from routing.relay import relay_outbox

MAIL = {"product": "product-team@lumora.example", "sales": "sales-team@lumora.example"}
FAST = DeliverySettings(attempts=2, backoff_seconds=0.01, idle_seconds=1.0, reconnects=20)
SECRET = "test-secret-" + "x" * 40


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch):
    smtp, hooks = SmtpServer(), WebhookReceiver()
    monkeypatch.setenv("ECHOLOT_SMTP_URL", smtp.url)
    for name, url in webhook_environment(hooks).items():
        monkeypatch.setenv(name, url)
    monkeypatch.setenv("ECHOLOT_FEEDBACK_SECRET", SECRET)
    monkeypatch.setenv("ECHOLOT_PUBLIC_URL", "http://127.0.0.1:8765")
    yield smtp, hooks
    smtp.stop()
    hooks.stop()


@pytest.fixture
def dead_letter_cleanup(amqp_url: str, exchange_name: str):
    yield
    with kombu.Connection(amqp_url) as broker:
        channel = broker.channel()
        for team in ("sales", "product"):
            channel.queue_delete(dead_letter_queue_name("lumora", team, exchange_name))


def produce(db: Any, config: Any, days: int = 1) -> int:
    """Route one digest per team and day; returns the number of outbox messages."""
    for n in range(days):
        day = DAY + timedelta(days=n)
        insert_findings(db, sample_findings(day))
        route(db, config, day, day + timedelta(days=1))
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM outbox")
        return cur.fetchone()[0]


def run(db: Any, config: Any, amqp: str | None = None, exchange: str | None = None, **kw: Any):
    options: dict[str, Any] = {"settings": FAST, "feedback": settings_from_environment()}
    if exchange:
        options["exchange_name"] = exchange
    return {r.team: r for r in deliver(db, config, amqp_url=amqp, **{**options, **kw})}


def titles(posts: list[dict[str, Any]]) -> Counter:
    """How often each digest (title and window) arrived: Slack's fallback text, or the first
    two text blocks of a Teams card."""

    def title(post: dict[str, Any]) -> str:
        if "text" in post:
            return post["text"]
        body = post["attachments"][0]["content"]["body"]
        return body[0]["text"] + body[1]["text"]

    return Counter(title(post) for post in posts)


def test_after_a_relay_every_channel_gets_each_digest_exactly_once(
    db, amqp_url, exchange_name, receivers, dead_letter_cleanup
) -> None:
    smtp, hooks = receivers
    config = project_config(MAIL)
    assert produce(db, config) == 2
    assert relay_outbox(db, amqp_url, exchange_name).published == 2

    reports = run(db, config, amqp_url, exchange_name)
    assert {t: (r.delivered, r.sent, r.parked, r.error) for t, r in reports.items()} == {
        "product": (1, 3, 0, None), "sales": (1, 3, 0, None)}  # fmt: skip
    mails = smtp.messages
    assert sorted(m["To"] for m in mails) == sorted(MAIL.values())
    for team in ("product", "sales"):
        assert len(hooks.received(f"/{team}/slack")) == 1
        assert len(hooks.received(f"/{team}/teams")) == 1

    product = next(m for m in mails if m["To"] == MAIL["product"])
    assert product["Subject"].startswith("Echolot digest for product — lumora")
    assert product.get_content_type() == "multipart/alternative"
    text, html = (part.get_payload(decode=True).decode() for part in product.get_payload())
    assert [p.get_content_type() for p in product.get_payload()] == ["text/plain", "text/html"]
    # three items, each with useful / not useful / wrong team, and the chart kept inline
    assert len(re.findall(r'class="echolot-feedback"', html)) == 3
    assert len(re.findall(r"/feedback/[\w-]{22}\.\d+\.[\w-]{43}\?reaction=", html)) == 9
    assert "<svg" in html and "/digest/" in html
    assert text.count("?reaction=not_useful") == 3

    slack = hooks.received("/product/slack")[0]
    assert len(slack["blocks"]) <= 50
    buttons = [e for b in slack["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons[:3]] == ["Useful", "Not useful", "Wrong team"]
    assert buttons[-1]["url"].startswith("http://127.0.0.1:8765/digest/")
    card = hooks.received("/product/teams")[0]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["actions"][0]["type"] == "Action.OpenUrl"

    # The relay sends the same messages again (it lost its marks): nobody gets a second copy.
    with db, db.cursor() as cur:
        cur.execute("UPDATE outbox SET sent_at = NULL")
    assert relay_outbox(db, amqp_url, exchange_name).published == 2
    again = run(db, config, amqp_url, exchange_name)
    assert {t: (r.duplicates, r.sent) for t, r in again.items()} == {
        "product": (1, 0), "sales": (1, 0)}  # fmt: skip
    assert len(smtp.messages) == 2
    assert len(hooks.received("/sales/teams")) == 1


def test_broker_cut_mid_consumption_redelivers_without_a_duplicate(
    db, amqp_url, exchange_name, receivers, dead_letter_cleanup
) -> None:
    from tcp_proxy import CuttableProxy

    smtp, hooks = receivers
    config = project_config(MAIL)
    expected = produce(db, config, days=6)
    assert relay_outbox(db, amqp_url, exchange_name).published == expected == 12

    proxy = CuttableProxy(5672)
    proxied = amqp_url.replace(":5672/", f":{proxy.port}/")
    cuts = []

    def cut_during_the_third_product_digest(path: str, body: dict[str, Any]) -> None:
        # The consumer's next frame (this message's ack) never reaches the broker.
        if path == "/product/teams" and len(hooks.received(path)) == 3 and not cuts:
            cuts.append(path)
            proxy.cut_after(0)
            threading.Timer(0.5, proxy.restore).start()

    hooks.on_post = cut_during_the_third_product_digest
    try:
        reports = run(db, config, proxied, exchange_name)
    finally:
        proxy.close()
    assert cuts, "the cut never happened"
    product = reports["product"]
    assert product.error is None
    assert product.duplicates >= 1  # the unacknowledged message came back ...
    for team in ("product", "sales"):
        for kind in ("slack", "teams"):
            counts = titles(hooks.received(f"/{team}/{kind}"))
            assert len(counts) == 6 and set(counts.values()) == {1}, (team, kind)  # ... once each
    per_mail = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(per_mail) == 12 and set(per_mail.values()) == {1}


def test_a_channel_down_parks_the_message_and_a_later_run_delivers_it(
    db, amqp_url, exchange_name, receivers, dead_letter_cleanup, caplog
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    smtp, hooks = receivers
    config = project_config(MAIL)
    produce(db, config)
    relay_outbox(db, amqp_url, exchange_name)
    hooks.status["/product/slack"] = 503

    first = run(db, config, amqp_url, exchange_name)["product"]
    assert (first.delivered, first.parked, first.sent) == (0, 1, 2)
    assert "slack: still failing after 2 tries: Slack webhook (environment variable " \
           "ECHOLOT_TEST_PRODUCT_SLACK) answered 503" in first.reasons[0]  # fmt: skip
    assert "127.0.0.1" not in first.reasons[0]  # the webhook URL is a secret
    with kombu.Connection(amqp_url) as broker:
        name = dead_letter_queue_name("lumora", "product", exchange_name)
        _, parked, _ = broker.channel().queue_declare(name, durable=True, passive=True)
    assert parked == 1
    with db, db.cursor() as cur:
        cur.execute("SELECT reason, failed_channels, resolved_at FROM delivery_dead_letters")
        reason, failed, resolved = cur.fetchone()
    assert "503" in reason and failed == ["slack"] and resolved is None
    assert len(smtp.messages) == 2 and len(hooks.received("/product/teams")) == 1

    hooks.status.clear()
    later = run(db, config, amqp_url, exchange_name)["product"]
    assert (later.delivered, later.parked, later.sent) == (1, 0, 1)  # only Slack was missing
    assert len(hooks.received("/product/slack")) == 1
    assert len(smtp.messages) == 2 and len(hooks.received("/product/teams")) == 1
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM delivery_dead_letters WHERE resolved_at IS NULL")
        assert cur.fetchone()[0] == 0
    assert "parked digest" in caplog.text
    assert "/product/slack" not in caplog.text  # no log names a webhook URL


def test_without_a_broker_the_outbox_is_read_and_each_message_sent_once(db, receivers) -> None:
    smtp, _ = receivers
    config = project_config(MAIL)
    produce(db, config, days=2)
    reports = run(db, config)
    assert {t: (r.source, r.delivered, r.sent) for t, r in reports.items()} == {
        "product": ("outbox", 2, 6), "sales": ("outbox", 2, 6)}  # fmt: skip
    again = run(db, config)
    assert sum(r.sent for r in again.values()) == 0
    assert len(smtp.messages) == 4


def test_permanent_failures_park_at_once_and_missing_settings_touch_nothing(
    db, receivers, monkeypatch
) -> None:
    smtp, hooks = receivers
    config = project_config(MAIL)
    produce(db, config)
    hooks.status["/sales/teams"] = 404  # the webhook was removed
    smtp.collector.refuse_with = "550 5.1.1 mailbox unavailable"
    monkeypatch.delenv("ECHOLOT_TEST_PRODUCT_SLACK")
    reports = run(db, config)
    assert reports["product"].error == (
        "teams.product.deliver: environment variable ECHOLOT_TEST_PRODUCT_SLACK "
        "(the webhook URL) is not set")  # fmt: skip
    assert hooks.received("/product/teams") == []  # nothing consumed while a channel is missing
    sales = reports["sales"]
    assert (sales.delivered, sales.parked, sales.sent) == (0, 1, 1)
    assert "answered 404: no_service" in sales.reasons[0]
    assert "mailbox unavailable" in sales.reasons[0]
    with db, db.cursor() as cur:
        cur.execute("SELECT channel, attempts FROM digest_deliveries WHERE status = 'failed' "
                    "ORDER BY channel")  # fmt: skip
        assert cur.fetchall() == [("email", 1), ("teams", 1)]  # no retries of a 404 or a 550


def test_starttls_and_login_are_used_and_a_wrong_password_is_refused(
    db, receivers, monkeypatch, tmp_path
) -> None:
    import ssl

    from aiosmtpd.smtp import AuthResult

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (auth_data.login, auth_data.password) == (b"echolot", b"s3cret")
        logins.append((auth_data.login, session.ssl is not None, ok))
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself

    # LOGIN is left out: smtplib sends it with an initial response aiosmtpd 1.4 waits on.
    tls = SmtpServer(tls_context=context, require_starttls=True, authenticator=authenticate,
                     auth_require_tls=True, auth_exclude_mechanism=["LOGIN"])  # fmt: skip
    try:
        config = project_config(MAIL)
        produce(db, config)
        url = f"smtp://echolot:s3cret@localhost:{tls.port}?cafile={cert}"
        monkeypatch.setenv("ECHOLOT_SMTP_URL", url)
        assert run(db, config, teams=["product"])["product"].sent == 3
        assert logins == [(b"echolot", True, True)]
        assert len(tls.messages) == 1

        monkeypatch.setenv("ECHOLOT_SMTP_URL", url.replace("s3cret", "wrong"))
        sales = run(db, config, teams=["sales"])["sales"]
        assert sales.parked == 1 and "refused the SMTP login (535)" in sales.reasons[0]
        assert "wrong" not in sales.reasons[0]
    finally:
        tls.stop()


def _self_signed(folder: Path) -> tuple[str, str]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return str(cert_path), str(key_path)


def test_the_email_opens_in_chromium_with_its_feedback_links(db, receivers, tmp_path) -> None:
    smtp, _ = receivers
    config = project_config(MAIL)
    produce(db, config)
    run(db, config, teams=["product"])
    mail = smtp.messages[0]
    html = mail.get_payload()[1].get_payload(decode=True).decode()
    page = tmp_path / "mail.html"
    page.write_text(html, encoding="utf-8")
    dom = run_chromium(page, tmp_path / "profile", "--dump-dom").stdout
    links = re.findall(r'<a href="(http://127\.0\.0\.1:8765/feedback/[^"]+)"[^>]*>([^<]+)</a>', dom)
    assert [label for _, label in links] == ["Useful", "Not useful", "Wrong team"] * 3
    # each item's links sit right under its own headline, in the digest's order
    for headline in ("App crashes when pairing a lamp", "People ask for a sunrise timer",
                     "Battery drains overnight"):  # fmt: skip
        at = dom.index(headline)
        assert dom.index('class="echolot-feedback"', at) < dom.index("</td>", at)
    shot = tmp_path / "mail.png"
    run_chromium(page, tmp_path / "profile", "--window-size=720,900", f"--screenshot={shot}")
    assert shot.stat().st_size > 5000


def test_deliver_settings_are_validated_and_survive_a_round_trip() -> None:
    from echolot.config.teams import Team

    team = Team.model_validate({"signals": ["bug_report"], "deliver": [
        {"type": "email", "to": ["a@lumora.example"], "from": "echolot@lumora.example"},
        {"type": "teams", "webhook_connection": "echolot_teams_product"}]})  # fmt: skip
    assert Team.model_validate_json(team.model_dump_json()) == team
    assert [c.name for c in team.deliver] == ["email", "teams"]
    problems = {
        "webhook_env": {"type": "slack", "webhook_env": "https://hooks.slack.com/services/T/B/X"},
        "exactly one": {"type": "slack", "webhook_env": "A", "webhook_connection": "b"},
        "String should match pattern": {"type": "email", "to": ["not-an-address"]},
        "does not match any of the expected tags": {"type": "fax", "to": ["a@b.example"]},
    }
    for expected, channel in problems.items():
        with pytest.raises(ValueError, match=expected):
            Team.model_validate({"signals": ["bug_report"], "deliver": [channel]})
    with pytest.raises(ValueError, match="unique"):
        Team.model_validate({"signals": ["bug_report"], "deliver": [
            {"type": "slack", "webhook_env": "A"}, {"type": "slack", "webhook_env": "B"}]})  # fmt: skip


def test_cli_deliver_reports_per_team_and_exits_2_when_a_secret_is_missing(
    db, receivers, tmp_path, monkeypatch
) -> None:
    import yaml
    from typer.testing import CliRunner

    from echolot.cli import app

    smtp, hooks = receivers
    config = project_config(MAIL)
    produce(db, config)
    teams = {name: team.model_dump(mode="json", by_alias=True, exclude_defaults=True)
             for name, team in config.teams.items()}  # fmt: skip
    path = tmp_path / "lumora.yaml"
    path.write_text(yaml.safe_dump({"project": "lumora", "brands": [{"name": "Lumora"}],
                                    "sources": [{"name": "x", "type": "x", "queries": ["lumora"]}],
                                    "teams": teams}))  # fmt: skip
    result = CliRunner().invoke(app, ["deliver", "--config", str(path), "--team", "sales"])
    assert result.exit_code == 0, result.output
    assert "sales (outbox): delivered 1 (3 channel sends), already delivered 0, parked 0" \
        in result.stdout  # fmt: skip
    monkeypatch.delenv("ECHOLOT_TEST_PRODUCT_TEAMS")
    missing = CliRunner().invoke(app, ["deliver", "--config", str(path)])
    assert missing.exit_code == 2
    assert "environment variable ECHOLOT_TEST_PRODUCT_TEAMS (the webhook URL) is not set" \
        in missing.stderr  # fmt: skip
    assert len(smtp.messages) == 1 and hooks.received("/product/slack") == []
    unknown = CliRunner().invoke(app, ["deliver", "--config", str(path), "--team", "legal"])
    assert unknown.exit_code == 1 and "no team 'legal'" in unknown.stderr


def test_the_airflow_task_entry_point_reads_webhooks_from_named_connections(
    db, receivers, tmp_path, monkeypatch
) -> None:
    """`echolot.tasks.to_channels`, as the digest DAG's task calls it: a Slack webhook from a
    connection in Airflow's own shape (host = service URL, password = token path), and a Teams
    one from `AIRFLOW_CONN_<ID>` (what a lookup outside Airflow reads)."""
    import json

    import yaml

    from echolot import tasks
    from routing.channels import ConnectionInfo

    smtp, hooks = receivers
    config = project_config(MAIL)
    produce(db, config)
    product = config.teams["product"].model_dump(mode="json", by_alias=True, exclude_defaults=True)
    product["deliver"][1:] = [{"type": "slack", "webhook_connection": "echolot_slack_product"},
                              {"type": "teams", "webhook_connection": "echolot_teams_product"}]  # fmt: skip
    path = tmp_path / "lumora.yaml"
    path.write_text(yaml.safe_dump({"project": "lumora", "brands": [{"name": "Lumora"}],
                                    "sources": [{"name": "x", "type": "x", "queries": ["lumora"]}],
                                    "teams": {"product": product}}))  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_ECHOLOT_TEAMS_PRODUCT",
                       json.dumps({"conn_type": "http", "password": hooks.url("/product/teams")}))  # fmt: skip

    def airflow_like(conn_id: str) -> ConnectionInfo | None:
        if conn_id == "echolot_slack_product":
            return ConnectionInfo(conn_type="slackwebhook", host=hooks.url(""),
                                  password="product/slack")  # fmt: skip
        from routing.channels import environment_connection

        return environment_connection(conn_id)

    reports = tasks.to_channels(str(path), "product", lookup=airflow_like)
    assert [(r["team"], r["delivered"], r["sent"]) for r in reports] == [("product", 1, 3)]
    assert len(hooks.received("/product/slack")) == len(hooks.received("/product/teams")) == 1
    assert len(smtp.messages) == 1


def test_items_the_html_layout_does_not_show_get_their_links_at_the_end() -> None:
    from routing.channels import Outgoing, OutgoingItem
    from routing.channels.email import html_body

    links = {"useful": "https://fb.example/u", "not_useful": "https://fb.example/n",
             "wrong_team": "https://fb.example/w"}  # fmt: skip
    items = [
        OutgoingItem(1, "bug_report", "high", "Shown <b>here</b>", "product_area", "app", links),
        OutgoingItem(2, "bug_report", "low", "Not in the page", "product_area", "app", links),
    ]
    page = ("<html><body><p><strong>Shown &lt;b&gt;here&lt;/b&gt;</strong></p>\n"
            "<p>rest</p></body></html>")  # fmt: skip
    message = Outgoing(1, 1, "lumora", "product", "digest", "en", "T", "W", "t", page, items)
    html = html_body(message)
    assert html.index('data-finding="1"') < html.index("<p>rest</p>")  # under its headline
    assert html.index('data-finding="2"') > html.index("<p>rest</p>")  # in the closing section
    assert html.count("https://fb.example/w") == 2 and html.rstrip().endswith("</html>")


def test_slack_and_teams_renderings_stay_within_their_limits() -> None:
    import json

    from routing.channels import Outgoing, OutgoingItem, slack, teams

    links = {r: f"https://echolot.example/feedback/{'t' * 80}?reaction={r}"
             for r in ("useful", "not_useful", "wrong_team")}  # fmt: skip
    items = [OutgoingItem(i, "bug_report", "high", f"Finding {i} <@here> & " + "long " * 900,
                          "product_area", "app", links) for i in range(60)]  # fmt: skip
    message = Outgoing(7, 3, "lumora", "product", "digest", "en", "T" * 400, "Window: W", "t",
                       "<html></html>", items, "https://echolot.example/digest/x")  # fmt: skip
    block_kit = slack.render(message)
    assert len(block_kit["blocks"]) <= slack.MAX_BLOCKS
    sections = [b["text"]["text"] for b in block_kit["blocks"] if b["type"] == "section"]
    assert len(sections) == 22 and all(len(text) <= 3000 for text in sections)
    assert "&lt;@here&gt; &amp;" in sections[0]  # no mention, no markup from a headline
    assert len(block_kit["blocks"][0]["text"]["text"]) <= 150
    assert "… and 38 more in the full digest." in json.dumps(block_kit, ensure_ascii=False)
    card = teams.render(message)
    size = len(json.dumps(card, ensure_ascii=False).encode("utf-8"))
    assert size <= teams.MAX_CARD_BYTES
    body = card["attachments"][0]["content"]["body"]
    shown = sum(1 for b in body if b["type"] == "Container")
    assert 0 < shown < 60 and body[-1]["text"] == f"… and {60 - shown} more in the full digest."
