"""Brand-safe scoring: brands named United, Best and Glow never tilt their own sentiment.

Posts written for this test. VADER rates "united" +1.8 and "best" +3.2: unmasked, a plain
complaint naming such a brand comes out positive. Masked, the name is gone before any model
(VADER, the default heads) sees the text, in English and German.
"""

from __future__ import annotations

import pytest

from echolot.config import ProjectConfig
from nlp.analyse import analyse_texts, analyser_for
from nlp.masking import HANDLE_PLACEHOLDER, NAME_PLACEHOLDER, URL_PLACEHOLDER, BrandMasker
from nlp.sentiment import VaderSentiment


def project(**nlp) -> ProjectConfig:
    return ProjectConfig.model_validate(
        {
            "project": "masking",
            "brands": [{"name": "United", "aliases": ["United Airlines", "@united"]}],
            "competitors": [{"name": "Best", "aliases": ["Best Air"]}, {"name": "Glow"}],
            "product_areas": [{"name": "app"}],
            "products": [{"name": "Glow App", "area": "app", "aliases": ["glowapp"]}],
            "sources": [{"name": "f", "type": "file", "format": "x_v2_pages", "path": "x.jsonl"}],
            "teams": {"sales": {"signals": ["brand_daily"]}},
            "nlp": {"languages": ["en", "de"], **nlp},
        }
    )


@pytest.fixture(scope="module")
def masker() -> BrandMasker:
    return BrandMasker.from_config(project())


COMPLAINTS_EN = [
    "@united flight delayed...again...every time.",
    "United lost my bag. Third time this year.",
    "Still waiting for my refund from United Airlines",
    "Best Air cancelled my flight and nobody called",
    "Ordered from Best on Monday, still nothing.",
    "Glow app logged me out again, had to reset my password twice",
    "#UnitedFail 4 hours on the tarmac https://t.co/abc123",
]
COMPLAINTS_DE = [
    "@united Flug schon wieder verspätet. Jedes Mal.",
    "United hat meinen Koffer verloren, zum dritten Mal",
    "Die Glow App stürzt ständig ab, seit dem Update geht nichts mehr",
    "Warte seit sechs Wochen auf meine Erstattung von Best",
]


def test_names_handles_hashtags_and_urls_are_masked(masker: BrandMasker) -> None:
    masked = masker.mask("@united lost my bag, thanks #UnitedFail https://t.co/x1 United's fault")
    assert "united" not in masked.text.lower()
    assert HANDLE_PLACEHOLDER in masked.text
    assert f"{NAME_PLACEHOLDER} Fail" in masked.text
    assert URL_PLACEHOLDER in masked.text and "t.co" not in masked.text
    assert masked.masked == 4 and not masked.empty
    # Whole words only: "unitedly" and "#bestie" are not the brands.
    assert masker.mask("we stood unitedly, my #bestie agrees").text == (
        "we stood unitedly, my #bestie agrees"
    )
    assert masker.mask("Glow App and glowapp").text == f"{NAME_PLACEHOLDER} and {NAME_PLACEHOLDER}"


def test_vader_sees_no_brand_name(masker: BrandMasker) -> None:
    vader = VaderSentiment()
    tilted = [t for t in COMPLAINTS_EN if vader.score(t).label == "positive"]
    assert tilted, "the test needs complaints that VADER calls positive because of the name"
    for text in COMPLAINTS_EN:
        assert vader.score(masker.mask(text).text).label != "positive", text


def test_default_heads_score_every_complaint_as_if_it_named_no_brand() -> None:
    """Each complaint scores exactly like the same words naming nobody: the name adds nothing."""
    analyser = analyser_for(project())
    texts = COMPLAINTS_EN + COMPLAINTS_DE
    hints = ["en"] * len(COMPLAINTS_EN) + ["de"] * len(COMPLAINTS_DE)
    masker = BrandMasker.from_config(project())
    anonymous = [masker.mask(t).text for t in texts]  # "Acme", "@user", "http" in their place
    results, report = analyse_texts(analyser, texts, hints)
    baseline, _ = analyse_texts(analyser, anonymous, hints)
    assert report.no_sentiment_model == 0  # German gets a sentiment by default
    for text, result, plain in zip(texts, results, baseline, strict=True):
        assert result.sentiment is not None, text
        model, score = result.sentiment
        assert model.name.startswith("head:"), model.name
        assert score == plain.sentiment[1], text


def test_the_name_does_not_change_the_score() -> None:
    """Same complaint, three brand names: identical scores, since the head sees a placeholder."""
    analyser = analyser_for(project())
    for template, lang in [
        ("{} lost my order again, no reply from support", "en"),
        ("{} hat meine Bestellung schon wieder verschlampt", "de"),
    ]:
        texts = [template.format(name) for name in ("United", "Best", "Glow")]
        results, _ = analyse_texts(analyser, texts, [lang] * 3)
        scores = {r.sentiment[1] for r in results if r.sentiment is not None}
        assert len(scores) == 1, scores


def test_texts_that_mask_to_nothing_are_neutral_with_no_confidence() -> None:
    analyser = analyser_for(project())
    texts = ["United", "@united https://t.co/abc", "#united!!", "Best Air, Glow."]
    results, report = analyse_texts(analyser, texts, ["en", None, "en", "de"])
    for text, result in zip(texts, results, strict=True):
        assert result.sentiment is not None, text
        _, score = result.sentiment
        assert (score.label, score.polarity, score.confidence) == ("neutral", 0.0, 0.0), text
    assert report.masked_empty == len(texts)


def test_vader_stays_selectable_and_masks_too() -> None:
    analyser = analyser_for(project(sentiment={"en": {"backend": "vader"}}))
    [result], _ = analyse_texts(analyser, ["@united flight delayed...again...every time."], ["en"])
    model, score = result.sentiment
    assert model.name == "vader" and score.label != "positive"


def test_a_batch_that_overflows_the_analysis_cache_keeps_its_cached_texts(monkeypatch) -> None:
    """Filling the bounded cache clears it; the texts of this batch that were cached before
    must still come back (a 100,000-post run once failed with a KeyError here)."""
    from nlp import analyse

    monkeypatch.setattr(analyse, "ANALYSIS_CACHE_SIZE", 3)
    monkeypatch.setattr(analyse, "_analysis_cache", {})
    analyser = analyser_for(project())
    first, _ = analyse_texts(analyser, ["the app is great", "the app broke again"], ["en"] * 2)
    texts = ["the app broke again", "new phone day", "refund still missing", "love it"]
    again, report = analyse_texts(analyser, texts, ["en"] * 4)
    assert report.analysed == 4
    assert again[0].sentiment == first[1].sentiment
    assert len(analyse._analysis_cache) <= 3 + len(texts)
