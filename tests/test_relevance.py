"""Relevance and brand scope: an ambiguous name counts only when the post is about the brand.

"Bahn" is also a lane, a roller coaster and a career; "Best" is mostly a word. Posts written for
this test. The stage stores each post's scope (brands, competitors, products, off_topic,
relevant), and `store.brand_scope` reads it back: the one definition detectors use.
"""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import count

from echolot import store
from echolot.config import ProjectConfig
from echolot.models import Author, Batch, Post
from nlp.analyse import analyse_range, analyser_for, plan_batches
from nlp.entities import EntityExtractor
from nlp.relevance import RelevanceJudge, compile_terms


def project() -> ProjectConfig:
    return ProjectConfig.model_validate(
        {
            "project": "rail",
            "brands": [{
                "name": "Deutsche Bahn", "aliases": ["Bahn", "DB"],
                "context": ["zug*", "*bahnhof", "verspät*", "ice", "fahrkarte*"],
                "exclude": ["freie bahn", "bahn frei", "laufbahn", "sbb"],
            }],
            "competitors": [
                {"name": "Best", "aliases": ["Best Rail"], "context": ["zug*", "train*"],
                 "require_context": True},
                {"name": "Flixtrain"},
            ],
            "product_areas": [{"name": "tickets"}],
            "products": [{"name": "BahnCard", "area": "tickets"}],
            "sources": [{"name": "f", "type": "file", "format": "x_v2_pages", "path": "x.jsonl"}],
            "teams": {"sales": {"signals": ["brand_daily"]}},
            "nlp": {"languages": ["en", "de"]},
        }
    )  # fmt: skip


POSTS = [  # (text, lang, brands, competitors, products, relevant)
    ("Die Bahn ist schon wieder 40 Minuten verspätet", "de", ["Deutsche Bahn"], [], [], True),
    ("Am Hauptbahnhof steht die Bahn seit einer Stunde", "de", ["Deutsche Bahn"], [], [], True),
    ("Endlich freie Bahn auf der A7, kein Stau mehr", "de", [], [], [], False),
    ("Die SBB ist pünktlicher als die Bahn, sagt mein Kollege", "de", [], [], [], False),
    ("Mit der Bahn nach Hamburg, mal sehen", "de", ["Deutsche Bahn"], [], [], True),
    ("Best day ever at the beach", "en", [], [], [], False),
    ("Best Rail train cancelled again, the Bahn was on time", "en", ["Deutsche Bahn"], ["Best"],
     [], True),
    ("Meine BahnCard ist abgelaufen", "de", ["Deutsche Bahn"], [], ["BahnCard"], True),
    ("Flixtrain ist billiger", "de", [], ["Flixtrain"], [], True),
    ("Schönes Wetter heute", "de", [], [], [], True),  # names no brand: nothing to judge
]  # fmt: skip


def test_terms_match_words_beginnings_and_endings() -> None:
    pattern = compile_terms(["zug*", "*bahnhof", "bahn frei", "ice"])
    assert pattern.search("Der Zugbegleiter war nett") and pattern.search("am Hauptbahnhof")
    assert pattern.search("Bahn  frei!") and pattern.search("der ICE fiel aus")
    assert not pattern.search("Notice the price") and not pattern.search("Bahnhofstraße 5x")


def test_scope_follows_exclude_context_and_require_context() -> None:
    config = project()
    judge = RelevanceJudge.from_config(config)
    extractor = EntityExtractor.from_config(config)
    texts = [p[0] for p in POSTS]
    entities = extractor.extract(texts, [p[1] for p in POSTS])
    for (text, _, brands, competitors, products, relevant), scope in zip(
        POSTS, judge.scopes(texts, entities), strict=True
    ):
        assert list(scope.brands) == brands, text
        assert list(scope.competitors) == competitors, text
        assert list(scope.products) == products, text
        assert scope.relevant is relevant, text
    off = judge.scopes([texts[2]], [entities[2]])[0]
    assert off.off_topic == ("Deutsche Bahn",) and "exclude term" in off.reasons["Deutsche Bahn"]


def test_the_stage_stores_scope_and_marks_irrelevant_posts(db) -> None:
    config = project()
    day = datetime(2026, 11, 9, tzinfo=UTC)
    posts = [
        Post("x", f"r{i}", "9", "post", text, day, {"i": i}, lang_hint=lang)
        for i, (text, lang, *_) in enumerate(POSTS)
    ]
    with db, db.cursor() as cur:
        store.write_batch(cur, "rail", Batch(authors=[Author("x", "9")], posts=posts))
        cur.execute("SELECT id, platform_id FROM posts")
        ids = {platform_id: post_id for post_id, platform_id in cur.fetchall()}
    analyser = analyser_for(config)
    for id_range in plan_batches(db, analyser):
        analyse_range(db, analyser, id_range)
    with db, db.cursor() as cur:
        scope = store.brand_scope(cur, list(ids.values()))
    for i, (text, _, brands, competitors, products, relevant) in enumerate(POSTS):
        stored = scope[ids[f"r{i}"]]
        assert (stored["brands"], stored["competitors"], stored["products"]) == (
            brands, competitors, products), text  # fmt: skip
        assert stored["relevant"] is relevant, text
    # Irrelevant posts are stored and analysed like any other, only marked.
    assert count(db, "post_nlp") == len(POSTS)
    assert count(db, "post_nlp", "NOT relevant") == sum(not p[5] for p in POSTS)
    assert count(db, "post_nlp", "'Deutsche Bahn' = ANY(off_topic)") == 2
    # A rerun does no work.
    assert plan_batches(db, analyser) == []


def test_a_relevance_head_decides_what_the_terms_leave_open(tmp_path) -> None:
    import json

    from echolot.config import EmbeddingSettings
    from nlp.analyse import _cached_embedder
    from nlp.classifiers import save_head
    from nlp.masking import BrandMasker
    from nlp.training import HeadInputs, read_examples, train_head

    about_rail = [
        "Die Bahn hat schon wieder Verspätung", "mit der Bahn nach Köln gefahren",
        "Bahn streicht den Halt in Fulda", "die Bahn erhöht die Preise im Dezember",
        "Bahn-Chef kündigt neue Strecken an", "Bahn fährt heute nur im Stundentakt",
        "warum ist die Bahn im Winter immer so unzuverlässig", "die Bahn hat das WLAN repariert",
        "Bahn kündigt Ersatzverkehr an", "die Bahn entschuldigt sich für den Ausfall",
        "Bahn: neue Abteile für Familien", "ich pendle jeden Tag mit der Bahn",
    ]  # fmt: skip
    not_rail = [
        "die Bahn beim Bowling war total schief", "auf Bahn drei im Schwimmbad ist es voll",
        "meine Bahn im 400-Meter-Lauf war die innerste", "er ist auf die schiefe Bahn geraten",
        "Kugelbahn für die Kinder gebastelt", "die Bahn des Kometen ist gut sichtbar",
        "Rodeln: die Bahn am Hang ist vereist", "die Bahn auf der Kartstrecke war nass",
        "Bahn frei für den Umbau der Schule", "der Planet zieht seine Bahn um die Sonne",
        "Tennisplatz und Bahn für Inlineskater eröffnet", "die Bahn der Murmel war zu steil",
    ]  # fmt: skip
    rows = [{"text": t, "label": "relevant", "lang": "de"} for t in about_rail]
    rows += [{"text": t, "label": "irrelevant", "lang": "de"} for t in not_rail]
    data = tmp_path / "relevance.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    config = project()
    inputs = HeadInputs(BrandMasker.from_config(config),
                        _cached_embedder(EmbeddingSettings().model_dump_json()))  # fmt: skip
    head = train_head(
        "relevance", read_examples(data, "relevance"), "bahn-rel", inputs, settings=(10.0, 1.0)
    )
    path = save_head(head, tmp_path / "bahn-rel.json")
    brands = config.model_dump(mode="json")["brands"]
    brands[0].update(context=[], exclude=[], relevance_head=str(path))
    config = ProjectConfig.model_validate({**config.model_dump(mode="json"), "brands": brands})
    judge = RelevanceJudge.from_config(config)
    # Close to its training posts: this checks the wiring; bench/sentiment.py measures quality.
    texts = ["Die Bahn hat heute schon wieder Verspätung", "die Bahn beim Bowling war so schief"]
    entities = EntityExtractor.from_config(config).extract(texts, ["de", "de"])
    embeddings, cues = inputs(texts, ["de", "de"])
    rail, pool = judge.scopes(texts, entities, embeddings, cues)
    assert rail.brands == ("Deutsche Bahn",) and rail.relevant
    assert pool.brands == () and not pool.relevant
    assert pool.reasons["Deutsche Bahn"].startswith("relevance head: P(relevant)")
