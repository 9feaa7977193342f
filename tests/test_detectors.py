"""Finding detectors on hand-made posts, where the right answer is known by construction."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPO

from echolot.config import Severity, TeamFilters, load_config
from routing.cadence import last_send_time, period_ending, quiet_until
from routing.detectors import sentiment_shift, volume_spike
from routing.detectors.base import DetectionContext, representative, spam_authors
from routing.detectors.preference import preferred_brand
from routing.team_filter import wants

START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def config():
    return load_config(REPO / "config" / "example.yaml")


def post(n: int, at: datetime, text: str = "Lumora lights", polarity: float | None = 0.3,
         author: str | None = None, reach: int = 100, kind: str = "post",
         brands: tuple[str, ...] = ("Lumora",), competitors: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """A post as the detectors read it; `brands`/`competitors` are its stored brand scope."""
    return {
        "id": n, "platform": "x", "created_at": at, "text": text, "url": None, "kind": kind,
        "author_id": author or f"a{n}", "username": author or f"user{n}", "lang": "en",
        "intents": {}, "product_areas": [], "topic_id": None, "polarity": polarity,
        "engagement": 0, "reach": reach, "brands": list(brands),
        "competitors": list(competitors), "products": [], "relevant": True,
        "parent_id": None, "parent_author": None, "sentiment_label": None,
    }  # fmt: skip


def steady_stream(days: int, per_hour: int = 2) -> list[dict]:
    posts, n = [], 0
    for hour in range(days * 24):
        for _ in range(per_hour):
            n += 1
            posts.append(post(n, START + timedelta(hours=hour, minutes=n % 60)))
    return posts


def test_one_spike_is_one_finding_within_its_cooldown(db, config) -> None:
    posts = steady_stream(10)
    burst_at = START + timedelta(days=8, hours=14)
    # Three busy hours in a row, then another two hours later: all one spike (cooldown 6 h).
    for offset in (0, 1, 2, 4):
        posts += [post(100_000 + offset * 100 + i, burst_at + timedelta(hours=offset, minutes=i))
                  for i in range(30)]  # fmt: skip
    posts.sort(key=lambda p: p["created_at"])
    with db.cursor() as cur:
        ctx = DetectionContext(config, START + timedelta(days=7), START + timedelta(days=10),
                               posts, cur)  # fmt: skip
        [finding] = volume_spike.detect(ctx)
    assert finding.scope_value == "Lumora"
    assert finding.window_start == burst_at
    assert finding.window_end == burst_at + timedelta(hours=6)
    assert finding.metrics["spike_hours"] == 4 and finding.metrics["peak_posts"] == 32
    assert finding.severity.value in ("high", "critical")


def test_a_steady_stream_has_no_spike_and_no_sentiment_shift(db, config) -> None:
    rng = random.Random(7)
    posts = steady_stream(10)
    for p in posts:
        p["polarity"] = rng.uniform(-0.2, 0.8)
    with db.cursor() as cur:
        ctx = DetectionContext(config, START + timedelta(days=5), START + timedelta(days=10),
                               posts, cur)  # fmt: skip
        assert volume_spike.detect(ctx) == []
        assert sentiment_shift.detect(ctx) == []


def test_a_significant_drop_is_a_sentiment_shift_with_its_interval(db, config) -> None:
    rng = random.Random(11)
    posts = steady_stream(10, per_hour=1)
    bad_day = START + timedelta(days=9)
    for p in posts:
        low = p["created_at"] >= bad_day
        p["polarity"] = rng.uniform(-0.9, 0.1) if low else rng.uniform(0.0, 0.8)
    with db.cursor() as cur:
        ctx = DetectionContext(config, bad_day, bad_day + timedelta(days=1), posts, cur)
        [finding] = sentiment_shift.detect(ctx)
    assert (finding.scope_kind, finding.scope_value) == ("brand", "Lumora")
    low, high = finding.metrics["delta_ci95"]
    assert low < finding.metrics["delta"] < high < 0
    assert finding.metrics["p_value"] < 0.001
    assert finding.severity.value in ("high", "critical")


def test_bots_are_found_and_never_quoted(config) -> None:
    bot = [post(i, START, f"FREE Lumora Bulb today only {i} left https://t.co/x{i}", author="bot")
           for i in range(1, 4)]  # fmt: skip
    person = [post(10 + i, START, "Worst update ever", author="human") for i in range(4)]
    assert spam_authors(bot + person) == {("x", "bot")}
    chosen = representative([*bot, *person, post(20, START, "Love it", reach=10**6)])
    assert chosen == [20, 10]  # widest reach first; one post per distinct text; no adverts


def test_preference_needs_explicit_wording(config) -> None:
    # The brands each post is about come from its stored scope, not from matching the text.
    kl, bl = ["Kelvo", "Lumora"], ["Brightwave", "Lumora"]
    assert preferred_brand("Switched from Kelvo to Lumora last month", kl, config) == "Lumora"
    assert preferred_brand("Kelvo has no subscription at all, Lumora Plus feels like a cash grab",
                           kl, config) == "Kelvo"  # fmt: skip
    assert preferred_brand("Lumora vs Brightwave: bei mir gewinnt Lumora", bl, config) == "Lumora"
    assert preferred_brand("Brightwave and Lumora are about the same", bl, config) is None


def test_cadence_follows_the_team_time_zone_and_quiet_hours(config) -> None:
    sales = config.teams["sales"].cadence  # daily 08:00 Europe/Berlin, quiet 22:00–07:00
    product = config.teams["product"].cadence  # weekly, Monday 09:00 Europe/Berlin
    now = datetime(2026, 11, 9, 6, 30, tzinfo=UTC)  # 07:30 in Berlin
    assert last_send_time(sales, now) == datetime(2026, 11, 8, 7, tzinfo=UTC)
    assert period_ending(sales, datetime(2026, 11, 8, 7, tzinfo=UTC)) == (
        datetime(2026, 11, 7, 7, tzinfo=UTC), datetime(2026, 11, 8, 7, tzinfo=UTC))  # fmt: skip
    assert last_send_time(product, now) == datetime(2026, 11, 2, 8, tzinfo=UTC)
    # Summer time ended on 25 October: the period before it is an hour longer in UTC.
    assert period_ending(product, datetime(2026, 10, 26, 8, tzinfo=UTC))[0] == datetime(
        2026, 10, 19, 7, tzinfo=UTC)  # fmt: skip
    late = datetime(2026, 11, 9, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    assert quiet_until(sales, late, Severity.HIGH) == datetime(2026, 11, 10, 6, tzinfo=UTC)
    assert quiet_until(sales, late, Severity.CRITICAL) is None
    assert quiet_until(sales, now, Severity.HIGH) is None


def finding(**changes) -> dict:
    base = {"kind": "bug_report", "severity": "medium", "scope_kind": "product_area",
            "scope_value": "app", "metrics": {"brands": ["Lumora"], "products": ["Lumora App"],
                                              "languages": ["de"], "reach": 500}}  # fmt: skip
    return {**base, **changes}


def test_team_filters_on_kind_severity_reach_brand_product_and_language(config) -> None:
    def team(**filters):
        return config.teams["product"].model_copy(update={"filters": TeamFilters(**filters)})

    assert wants(finding(), team(), config)
    assert not wants(finding(kind="purchase_intent"), team(), config)  # not a product signal
    assert not wants(finding(), team(min_severity="high"), config)
    assert not wants(finding(), team(min_reach=1000), config)
    assert not wants(finding(), team(languages=["en"]), config)
    assert wants(finding(), team(products=["Lumora App"]), config)  # the app's own area
    assert not wants(finding(scope_value="hardware"), team(products=["Lumora App"]), config)
    assert not wants(finding(kind="brand_daily", scope_kind="brand", scope_value="Kelvo"),
                     team(brands=["Lumora"]), config)  # fmt: skip


def test_brand_findings_count_only_posts_whose_stored_scope_names_the_brand(db, config) -> None:
    from routing.detectors import brand_daily

    day = START + timedelta(days=9)
    posts = [post(n, day + timedelta(minutes=n)) for n in range(1, 6)]
    # Text says Lumora, but the NLP stage judged these about something else: not counted.
    posts += [post(10 + n, day, "Lumora lane is closed today", brands=()) for n in range(4)]
    irrelevant = post(20, day, "Lumora lights", brands=("Lumora",))
    irrelevant["relevant"] = False
    posts += [irrelevant, post(21, day, "Kelvo is fine", brands=(), competitors=("Kelvo",))]
    with db.cursor() as cur:
        ctx = DetectionContext(config, day, day + timedelta(days=1), posts, cur)
        found = {f.scope_value: f for f in brand_daily.detect(ctx)}
    assert found["Lumora"].metrics["volume"] == 5
    assert sorted(found["Lumora"].evidence) == [1, 2, 3, 4, 5]
    assert found["Kelvo"].metrics["volume"] == 1 and found["Kelvo"].evidence == [21]


def test_a_spike_names_its_drivers(db, config) -> None:
    posts = steady_stream(10)
    burst_at = START + timedelta(days=8, hours=14)
    for i in range(40):
        burst = post(200_000 + i, burst_at + timedelta(minutes=i),
                     f"Lumora schedules broke after the update {i}", author=f"angry{i}")  # fmt: skip
        burst.update(product_areas=["app"], parent_id="root1", parent_author="GadgetGrant",
                     kind="reply")  # fmt: skip
        posts.append(burst)
    posts.sort(key=lambda p: p["created_at"])
    with db.cursor() as cur:
        ctx = DetectionContext(config, START + timedelta(days=7), START + timedelta(days=10),
                               posts, cur)  # fmt: skip
        [finding] = volume_spike.detect(ctx)
    drivers = finding.metrics["drivers"]
    area = next(d for d in drivers["drivers"] if d["dimension"] == "product_area")
    assert area["value"] == "app" and area["share"] > 0.9
    assert "lumora" not in {d["value"] for d in drivers["drivers"]}  # the brand explains nothing
    assert drivers["reply_concentration"]["author"] == "GadgetGrant"
    assert "reply to one post by @GadgetGrant" in drivers["summary"]


def test_an_opinion_leader_needs_a_measured_audience_or_amplification(config) -> None:
    from routing.detectors.amplifiers import evidence_basis

    class Ctx:
        pass

    ctx = Ctx()
    ctx.config = config

    def row(audience: int, reposts: int = 0, replies: int = 0) -> dict:
        return {"rank": 1, "scope_kind": "all", "product_area": "", "topic_label": None,
                "details": {"audience": audience, "distinct_amplifiers": reposts + replies,
                            "received": {"repost": reposts, "quote": 0, "reply": replies,
                                         "mention": 0},
                            "platform_counts": {"reposts": 0, "quotes": 0, "replies": 0,
                                                "likes": 500},
                            "pagerank": 0.2}}  # fmt: skip

    nothing = evidence_basis([row(0)], ctx)
    assert nothing["rests_on"] == []
    assert "audience (no follower or karma figures)" in nothing["missing"]
    wide = evidence_basis([row(120_000)], ctx)
    assert wide["rests_on"][0] == "audience 120,000"
    amplified = evidence_basis([row(0, reposts=6, replies=3)], ctx)
    assert amplified["rests_on"][0] == "9 amplifications from 9 people"
    assert amplified["missing"] == ["audience (no follower or karma figures)"]
    # Likes alone are not amplification; below both floors nobody leads.
    assert evidence_basis([row(300, reposts=2)], ctx)["rests_on"] == []
