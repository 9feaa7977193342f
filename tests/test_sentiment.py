"""Sentiment models: a tiny transformers classifier built on the spot, and VADER unchanged.

The tiny model is a one-layer BERT with a WordPiece vocabulary of a few words, saved with
save_pretrained like any downloaded model; nothing comes from the Hugging Face hub.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from echolot.config import SentimentModelChoice
from echolot.errors import EcholotError
from nlp.sentiment import (
    SentimentModel,
    SentimentScore,
    TransformersSentiment,
    VaderSentiment,
    load_sentiment,
)

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "lamp", "app", "hub", "is", "great", "awful", "ok", "love", "hate", "it",
         "update", "wifi", "broken", "works", "fine", "not", "really", "so", "very"]  # fmt: skip
# Probabilities the "constant" model gives every text, column by column.
FIXED = (0.2, 0.1, 0.7)


def _tokenizer() -> BertTokenizerFast:
    vocab = {token: index for index, token in enumerate(SPECIAL + WORDS)}
    backend = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return BertTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def build_model(
    folder: Path, id2label: dict[int, str], *, seed: int = 0, constant: bool = False
) -> Path:
    """Save a tiny classifier; `constant` ones give FIXED whatever the text."""
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(SPECIAL) + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={label: index for index, label in id2label.items()},
    )
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():
        if constant:
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor([math.log(p) for p in FIXED]))
        else:
            # Steep enough that different texts get clearly different probabilities.
            model.classifier.weight.mul_(40)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    _tokenizer().save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def named(tmp_path_factory) -> Path:
    """Labels already ours, in mixed case."""
    return build_model(
        tmp_path_factory.mktemp("named") / "tiny-sentiment",
        {0: "NEGATIVE", 1: "Neutral", 2: "positive"},
        constant=True,
    )


@pytest.fixture(scope="module")
def generic(tmp_path_factory) -> Path:
    """LABEL_0..2 in reverse order of ours: only `labels` says what they mean."""
    return build_model(
        tmp_path_factory.mktemp("generic") / "tiny-generic",
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
        constant=True,
    )


@pytest.fixture(scope="module")
def varied(tmp_path_factory) -> Path:
    return build_model(
        tmp_path_factory.mktemp("varied") / "tiny-varied",
        {0: "negative", 1: "neutral", 2: "positive"},
    )


def choose(model: Path | str, **settings) -> SentimentModelChoice:
    return SentimentModelChoice(backend="transformers", model=str(model), **settings)


def test_labels_named_like_ours_map_case_insensitively(named) -> None:
    model = TransformersSentiment(choose(named))
    (score,) = model.score_batch(["the lamp is great"])
    assert score == SentimentScore("positive", 0.5, 0.7)  # 0.7 − 0.2
    assert model.name == "tiny-sentiment"
    assert isinstance(model, SentimentModel)


def test_labels_map_through_the_choice(generic) -> None:
    labels = {"LABEL_0": "positive", "label_1": "neutral", "LABEL_2": "negative"}
    model = TransformersSentiment(choose(generic, labels=labels))
    assert model.score("whatever") == SentimentScore("negative", -0.5, 0.7)
    # Several labels may share one of ours; their probabilities add up.
    merged = TransformersSentiment(
        choose(generic, labels={"LABEL_0": "positive", "LABEL_1": "positive", "2": "negative"})
    )
    assert merged.score("x") == SentimentScore("negative", -0.4, 0.7)


def test_unmapped_or_unknown_labels_are_refused(generic) -> None:
    with pytest.raises(EcholotError, match=r"has labels LABEL_0, LABEL_1, LABEL_2, not negative/"):
        TransformersSentiment(choose(generic))
    with pytest.raises(EcholotError, match=r"no mapping for LABEL_2; unknown label\(s\) POS"):
        TransformersSentiment(
            choose(generic, labels={"LABEL_0": "negative", "LABEL_1": "neutral", "POS": "positive"})
        )


def test_scores_are_in_range_and_consistent(varied) -> None:
    model = TransformersSentiment(choose(varied))
    texts = ["love it", "hate it", "the hub is ok", "wifi broken", "", "ünknown wörds 🙂"]
    scores = model.score_batch(texts)
    assert len(scores) == len(texts)
    assert len({score.polarity for score in scores}) > 1  # the texts really differ
    for score in scores:
        assert score.label in {"negative", "neutral", "positive"}
        assert -1.0 <= score.polarity <= 1.0
        assert 1 / 3 - 1e-4 <= score.confidence <= 1.0  # the top of three probabilities
        if score.label == "positive":
            assert score.polarity > 0
        elif score.label == "negative":
            assert score.polarity < 0


def test_batches_are_sorted_by_length_and_match_single_scoring(varied, monkeypatch) -> None:
    model = TransformersSentiment(choose(varied, batch_size=2))
    texts = ["ok", "the lamp is not great", "love it", "ok", "the update is so very broken",
             "it works fine", "hate it"]  # fmt: skip
    one_by_one = [model.score(text) for text in texts]
    batches: list[list[str]] = []
    run = model._run
    monkeypatch.setattr(model, "_run", lambda chunk: batches.append(chunk) or run(chunk))

    scores = model.score_batch(texts)

    assert all(len(batch) <= 2 for batch in batches)
    flat = [text for batch in batches for text in batch]
    assert sorted(flat) == sorted(set(texts))  # the repeated "ok" ran once
    assert [len(text) for text in flat] == sorted((len(text) for text in flat), reverse=True)
    for batched, single in zip(scores, one_by_one, strict=True):
        # Padding next to longer texts must not change a score.
        assert batched.label == single.label
        assert batched.polarity == pytest.approx(single.polarity, abs=2e-4)
        assert batched.confidence == pytest.approx(single.confidence, abs=2e-4)


def test_long_texts_are_truncated_to_max_length(varied) -> None:
    words = ("love the lamp but the app update is broken and wifi is awful " * 40).split()
    short = TransformersSentiment(choose(varied, max_length=8))
    assert short.max_length == 8
    # [CLS] + six words + [SEP]: the rest is cut off.
    assert short.score(" ".join(words)) == short.score(" ".join(words[:6]))
    assert short.score(" ".join(words)) != short.score(" ".join(words[:3]))
    # The model has 32 positions: a larger max_length is capped rather than crashing.
    capped = TransformersSentiment(choose(varied, max_length=512))
    assert capped.max_length == 32
    assert capped.score(" ".join(words)) == capped.score(" ".join(words[:30]))


def test_version_follows_the_weights_not_the_path(varied, tmp_path) -> None:
    original = TransformersSentiment(choose(varied))
    assert original.version.startswith("tiny-varied@")
    assert len(original.version.split("@")[1]) == 12

    moved = shutil.copytree(varied, tmp_path / "elsewhere" / "tiny-varied")
    assert TransformersSentiment(choose(moved)).version == original.version

    retrained = build_model(
        tmp_path / "retrained" / "tiny-varied",
        {0: "negative", 1: "neutral", 2: "positive"},
        seed=1,
    )
    changed = TransformersSentiment(choose(retrained))
    assert changed.name == original.name
    assert changed.version != original.version


def test_a_missing_local_folder_is_named(tmp_path) -> None:
    missing = tmp_path / "models" / "sentiment-de"
    with pytest.raises(EcholotError, match=r"sentiment model folder '.*/models/sentiment-de' "
                                           r"does not exist"):  # fmt: skip
        TransformersSentiment(choose(missing))


def test_a_folder_without_a_model_is_named(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(EcholotError, match=r"cannot load sentiment model folder '.*/empty'"):
        TransformersSentiment(choose(tmp_path / "empty"))


def test_an_uncached_hub_id_explains_that_the_machine_is_offline() -> None:
    with pytest.raises(EcholotError) as caught:
        TransformersSentiment(choose("echolot-tests/no-such-sentiment-model"))
    message = str(caught.value)
    assert (
        "'echolot-tests/no-such-sentiment-model' is neither a local folder nor in the local"
        in message
    )
    assert "this machine is offline and the Hugging Face hub is not reachable" in message


def test_a_hub_id_in_the_local_cache_loads_offline(named, tmp_path, monkeypatch) -> None:
    from huggingface_hub import constants

    repo = tmp_path / "hub" / "models--echolot-tests--tiny"
    shutil.copytree(named, repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))

    model = load_sentiment(choose("echolot-tests/tiny"))

    assert isinstance(model, TransformersSentiment)
    assert model.name == "echolot-tests/tiny"
    assert model.version.startswith("echolot-tests/tiny@")
    assert model.version.split("@")[1] == TransformersSentiment(choose(named)).version.split("@")[1]
    assert model.score_batch(["great"]) == [SentimentScore("positive", 0.5, 0.7)]


def test_supports_follows_the_languages_it_was_loaded_for(named) -> None:
    assert TransformersSentiment(choose(named)).supports("fr")
    german = load_sentiment(choose(named), languages=["de"])
    assert german.supports("de")
    assert not german.supports("en")
    assert not german.supports(None)


def test_vader_is_unchanged() -> None:
    vader = load_sentiment(SentimentModelChoice())
    assert isinstance(vader, VaderSentiment)
    assert isinstance(vader, SentimentModel)
    assert vader.name == "vader"
    analyzer = SentimentIntensityAnalyzer()
    texts = ["I love this lamp!", "The app is awful and broken", "The hub arrived today", ""]
    for text, score in zip(texts, vader.score_batch(texts), strict=True):
        assert score == vader.score(text)
        assert score.polarity == analyzer.polarity_scores(text)["compound"]
    assert [s.label for s in vader.score_batch(texts)] == [
        "positive",
        "negative",
        "neutral",
        "neutral",
    ]
    assert vader.score("The hub arrived today") == SentimentScore("neutral", 0.0, 1.0)
    assert vader.supports(None) and vader.supports("und") and vader.supports("en")
    assert not vader.supports("de")
