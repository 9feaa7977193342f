"""`echolot run` on a project listening to X, Reddit, Bluesky and Mastodon at once: every
platform is read through its real client (X and Reddit replayed by `responses`, Bluesky and
Mastodon by a replay server on 127.0.0.1), stored, scored and routed; a rerun changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
import yaml
from conftest import count
from replay_server import ReplayServer
from test_bluesky_ingest import PROFILES, SEARCH, author, jwt, post
from test_mastodon_ingest import TAG, status
from test_reddit_ingest import replay_all
from test_x_ingest import PAGES, RECENT, last_page
from typer.testing import CliRunner

from echolot.cli import app


@pytest.fixture
def apis(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("prawcore.sessions.time.sleep", lambda _s: None)
    monkeypatch.delenv("ECHOLOT_AMQP_URL", raising=False)
    for name, value in {
        "ECHOLOT_X_BEARER_TOKEN": "x-token", "ECHOLOT_REDDIT_CLIENT_ID": "id",
        "ECHOLOT_REDDIT_CLIENT_SECRET": "secret", "ECHOLOT_BLUESKY_HANDLE": "listener.bsky.social",
        "ECHOLOT_BLUESKY_APP_PASSWORD": "app-password", "ECHOLOT_MASTODON_ACCESS_TOKEN": "token",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    replay = ReplayServer()
    session = {"accessJwt": jwt({"sub": "did:plc:me", "exp": 4102444800}), "refreshJwt": jwt({"sub": "did:plc:me", "exp": 4102444800}),
               "handle": "listener.bsky.social", "did": "did:plc:me", "active": True}  # fmt: skip
    replay.add("POST", "/xrpc/com.atproto.server.createSession", session)
    replay.add("GET", SEARCH, {"posts": [post(1, 10), post(2, 20)]})
    replay.add(
        "GET", PROFILES, {"profiles": [{**author(i), "followersCount": 10} for i in range(3)]}
    )
    replay.add("GET", "/api/v2/instance/", {"version": "4.3.2", "api_versions": {"mastodon": 2}})
    replay.add("GET", "/api/v1/instance/", {"version": "4.3.2"})
    replay.add("GET", TAG, [status(2), status(1)])
    replay.add("GET", TAG, [], when=status(2)["id"])
    responses.start()
    responses.add_passthru(replay.url)  # Mastodon.py goes through requests to the replay server
    replay_all()
    responses.add(responses.GET, RECENT, json=last_page(PAGES[0]))
    yield replay
    responses.stop()
    responses.reset()
    replay.close()


def test_echolot_run_reads_all_four_platforms_and_a_rerun_changes_no_counts(
    db, apis, tmp_path: Path
) -> None:
    config = {
        "project": "four",
        "brands": [{"name": "Lumora", "aliases": ["#LumoraGlow"]}],
        "competitors": [{"name": "Kelvo"}],
        "sources": [
            {"type": "x", "name": "x_live", "queries": ["lumora"]},
            {"type": "reddit", "name": "reddit_live", "subreddits": ["smarthome"]},
            {"type": "bluesky", "name": "bsky_live", "queries": ["lumora"], "service": apis.url},
            {
                "type": "mastodon",
                "name": "masto_live",
                "instance": apis.url,
                "hashtags": ["lumora"],
            },
        ],
        "teams": {"sales": {"signals": ["brand_daily", "purchase_intent"]}},
    }
    path = tmp_path / "four.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["run", "--config", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    for name in ("x_live", "reddit_live", "bsky_live", "masto_live"):
        assert name in result.stdout
    platforms = {
        p: count(db, "posts", f"platform = '{p}'") for p in ("x", "reddit", "bluesky", "mastodon")
    }
    assert all(platforms.values()), platforms
    assert platforms["bluesky"] == 2 and platforms["mastodon"] == 2
    scored = (
        count(db, "post_nlp")
        if count(db, "pg_tables", "tablename = 'post_nlp'")
        else count(db, "post_scores")
    )
    assert scored >= sum(platforms.values())
    before = {t: count(db, t) for t in ("posts", "authors", "interactions", "quarantine")}
    again = CliRunner().invoke(app, ["run", "--config", str(path), "--no-progress"])
    assert again.exit_code == 0, again.output
    assert {t: count(db, t) for t in before} == before
