"""Entity extraction from the project configuration: names, aliases, social tokens, areas."""

from __future__ import annotations

from pathlib import Path

import pytest

from echolot.config import ProjectConfig, load_config
from nlp.entities import EntityExtractor, regex_entities, term_forms

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example.yaml"


@pytest.fixture(scope="module")
def config() -> ProjectConfig:
    return load_config(EXAMPLE)


@pytest.fixture(scope="module")
def extractor(config: ProjectConfig) -> EntityExtractor:
    return EntityExtractor.from_config(config)


def found(extractor: EntityExtractor, text: str, lang: str = "en") -> list[tuple[str, str, str]]:
    [entities] = extractor.extract([text], [lang])
    for e in entities:  # offsets always point at the reported text
        assert text[e["start"] : e["end"]] == e["text"]
    return [(e["label"], e["text"], e["canonical"]) for e in entities]


def test_brand_product_and_competitor_with_canonical_names(extractor: EntityExtractor) -> None:
    text = "My Lumora Hub is great, way better than Brightwave. Lumora rocks"
    assert found(extractor, text) == [
        ("PRODUCT", "Lumora Hub", "Lumora Hub"),
        ("COMPETITOR", "Brightwave", "Brightwave"),
        ("BRAND", "Lumora", "Lumora"),
    ]


def test_offsets_are_character_offsets(extractor: EntityExtractor) -> None:
    text = "ok so 💡 the LUMORA bulb flickers"
    [entities] = extractor.extract([text], ["en"])
    [product] = [e for e in entities if e["label"] == "PRODUCT"]
    assert (product["start"], product["end"]) == (12, 23)
    assert text[12:23] == "LUMORA bulb"
    assert product["canonical"] == "Lumora Bulb"


def test_aliases_misspellings_are_case_insensitive(extractor: EntityExtractor) -> None:
    assert ("BRAND", "LUMRA", "Lumora") in found(extractor, "LUMRA support is slow")
    assert ("BRAND", "lumoura", "Lumora") in found(extractor, "lumoura again")
    assert ("PRODUCT", "Lumora+", "Lumora Plus") in found(extractor, "Is Lumora+ worth it")
    assert ("PRODUCT", "the hub", "Lumora Hub") in found(extractor, "reset the hub twice")
    assert ("COMPETITOR", "bright wave", "Brightwave") in found(extractor, "bright wave is ok")


def test_one_typo_in_long_names_is_tolerated(extractor: EntityExtractor) -> None:
    # "Lumorra" is no configured alias; a single edit in a name of six letters or more matches.
    assert ("BRAND", "Lumorra", "Lumora") in found(extractor, "Lumorra is fine")
    assert ("PRODUCT", "Lumorra hub", "Lumora Hub") in found(extractor, "my Lumorra hub died")
    # Short names and ordinary words do not: "Kelvin" is two edits from "Kelvo".
    assert found(extractor, "2700 Kelvin with a sense of humor") == []


def test_hashtags_and_handles_of_names(extractor: EntityExtractor) -> None:
    entities = found(extractor, "#LumoraHub vs @kelvohome and #Brightwave, ask @lumora")
    assert ("PRODUCT", "#LumoraHub", "Lumora Hub") in entities
    assert ("COMPETITOR", "@kelvohome", "Kelvo") in entities
    assert ("COMPETITOR", "#Brightwave", "Brightwave") in entities
    assert ("BRAND", "@lumora", "Lumora") in entities
    # The same tokens are social entities too.
    assert ("HASHTAG", "#LumoraHub", "#lumorahub") in entities
    assert ("MENTION", "@lumora", "@lumora") in entities
    # Names written together match without the # as well.
    assert ("PRODUCT", "LumoraHub", "Lumora Hub") in found(extractor, "LumoraHub offline")


def test_regex_entities() -> None:
    text = "See https://example.com/a?b=1#frag. $LMRA up, #GlowWeek! cc @Lumora_Official u/lampfan"
    entities = {(e["label"], e["text"], e["canonical"]) for e in regex_entities(text)}
    assert entities == {
        ("URL", "https://example.com/a?b=1#frag", "https://example.com/a?b=1#frag"),
        ("CASHTAG", "$LMRA", "$LMRA"),
        ("HASHTAG", "#GlowWeek", "#glowweek"),
        ("MENTION", "@Lumora_Official", "@lumora_official"),
        ("MENTION", "u/lampfan", "u/lampfan"),
    }
    # Prices, e-mail addresses, issue numbers and HTML entities are none of them.
    assert regex_entities("costs $5, mail me at a@b.de, see #1 &#39;") == []


def test_german_posts(extractor: EntityExtractor) -> None:
    text = "Die Lumoras App stürzt ab, ich wechsle zu Kelvo #fail"
    entities = found(extractor, text, "de")
    assert ("PRODUCT", "Lumoras App", "Lumora App") in entities
    assert ("COMPETITOR", "Kelvo", "Kelvo") in entities
    assert ("HASHTAG", "#fail", "#fail") in entities


def test_batches_keep_order_and_languages(extractor: EntityExtractor) -> None:
    texts = ["Kelvo", "Lumora Birne kaputt", "", "nothing here", "Lumora Plus"]
    langs = ["en", "de", "en", None, "und"]
    result = extractor.extract(texts, langs)
    assert [[e["canonical"] for e in row] for row in result] == [
        ["Kelvo"],
        ["Lumora"],
        [],
        [],
        ["Lumora Plus"],
    ]
    with pytest.raises(ValueError, match="languages"):
        extractor.extract(["a", "b"], ["en"])


def test_one_pipeline_per_language(extractor: EntityExtractor) -> None:
    assert extractor.pipeline("en") is extractor.pipeline(None)
    assert extractor.pipeline("de-AT") is extractor.pipeline("de")
    assert extractor.pipeline("en") is not extractor.pipeline("de")
    assert extractor.pipeline("de").pipe_names == [
        "echolot_sentences",
        "echolot_lemma",
        "entity_ruler",
    ]


def test_product_areas(extractor: EntityExtractor) -> None:
    def areas(text: str, lang: str | None = None) -> list[str]:
        [entities] = extractor.extract([text], [lang or "en"])
        return extractor.product_areas(text, entities, lang)

    assert areas("The Lumora Hub is great") == ["connectivity"]
    assert areas("App crashes and the price is silly") == ["app", "pricing"]
    assert areas("Bluetooth pairing keeps failing; refunds please") == ["connectivity", "pricing"]
    assert areas("Lumora+ renewal") == ["pricing"]
    assert areas("nothing relevant") == []
    # Whole words only: "apple" is not "app", "happen" is not "app".
    assert areas("apples happen") == []
    # Lemmas: "bulbs died" is the keyword "bulb died", found only by lemma.
    assert areas("Two bulbs died last week") == []
    assert areas("Two bulbs died last week", "en") == ["hardware"]


def test_term_forms() -> None:
    assert term_forms("Lumora Hub") == ["Lumora Hub", "#LumoraHub", "@LumoraHub", "LumoraHub"]
    assert term_forms("#lumora") == ["#lumora"]


def test_config_without_products(config: ProjectConfig) -> None:
    bare = config.model_copy(update={"products": [], "competitors": [], "product_areas": []})
    extractor = EntityExtractor.from_config(bare, languages=["en"], fuzzy=False)
    assert found(extractor, "Lumorra and the hub") == []
    assert found(extractor, "Lumora and Kelvo") == [("BRAND", "Lumora", "Lumora")]
