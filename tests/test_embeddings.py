"""Sentence embeddings: the torch and ONNX backends agree, the cache and the export behave.

No database: each backend is built once per module, the ONNX export goes to a temporary folder.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from nlp import onnx_backend
from nlp.embeddings import (
    DIMENSIONS,
    Embedder,
    TorchBackend,
    default_model_path,
    make_embedder,
)
from nlp.onnx_backend import ModelNotFoundError, OnnxBackend

LONG = " ".join(
    f"Paragraph {i}: the Lumora Hub dropped offline again after the firmware update, and the "
    "app kept spinning while the bulbs ignored every schedule we had set up."
    for i in range(40)
)

TEXTS = [
    "Big fan of how smooth the Lumora App feels now, nice update lol",
    "ngl is Lumora Plus worth it? Thinking of subscribing for the energy reports",
    "What's the best deal on a Lumora Bulb right now? Ready to buy tbh",
    "Adding a Lumora Bulb to the cart... last chance to talk me out of it!!",
    "The hub keeps disconnecting from wifi every night at 3am. Anyone else?",
    "Support closed my ticket without reading it. Cancelling my subscription.",
    "Oh great, another update that breaks the schedules. Just what I needed.",
    "I would not say the app is bad, but it is not good either.",
    "Feature request: please let us group bulbs by floor, not just by room.",
    "Compared to Philips Hue the Lumora bulbs are cheaper but the app is slower.",
    "@lumora_help my order #48213 never arrived, tracking says delivered",
    "RT @alexokaf66: Big fan of how smooth the Lumora App feels now, nice update lol",
    "Win a free Lumora Hub!!! Click here http://spam.example/win now",
    "Everything runs through HA.\n\nAny advice appreciated!",
    "Is the outage on your side? Nothing responds since 10 minutes.",
    "Thanks for the quick fix, works perfectly again",
    "lol",
    "ok",
    "?",
    "...",
    "404",
    "https://example.com/some/very/long/path?with=query&and=more",
    "#smarthome #lumora #iot",
    "Fazit nach zwei Wochen: Der Lumora Hub ist stabiler als sein Ruf",
    "Die App stürzt seit dem Update ständig ab. Sehr ärgerlich!",
    "Gibt es schon einen Termin für die Matter-Unterstützung?",
    "Kundenservice hat mir innerhalb von zehn Minuten geholfen, top!",
    "Ich überlege, zu einem anderen Anbieter zu wechseln.",
    "Straße, Größe, Übermaß: Umlaute und ß sollten kein Problem sein.",
    "Le hub ne se connecte plus depuis la mise à jour.",
    "La aplicación funciona muy bien, gracias.",
    "スマートホームのハブが動かない",
    "Умный дом не работает после обновления",
    "👍",
    "🔥🔥🔥",
    "😡😡 again?!",
    "love it ❤️ works with alexa 🎉",
    "🤔 should I buy the hub or wait for v2",
    "👎",
    "",
    "   ",
    "a",
    "THE APP IS DOWN AGAIN",
    "the app is down again",
    "The   app is\tdown\nagain",
    "Setting up took 5 minutes; pairing 12 bulbs took 2 hours.",
    "v2.3.1 → v2.4.0: schedules broken, scenes OK, geofencing flaky",
    "C'est génial 👌",
    LONG,
    LONG + " Extra words past the truncation limit change nothing.",
]


@pytest.fixture(scope="module")
def model_path() -> Path:
    return default_model_path()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def torch_backend(model_path: Path) -> TorchBackend:
    return TorchBackend(model_path)


@pytest.fixture(scope="module")
def onnx(model_path: Path, cache_dir: Path) -> OnnxBackend:
    return OnnxBackend(model_path, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def torch_vectors(torch_backend: TorchBackend) -> np.ndarray:
    return Embedder(torch_backend, batch_size=16).embed(TEXTS)


@pytest.fixture(scope="module")
def onnx_vectors(onnx: OnnxBackend) -> np.ndarray:
    return Embedder(onnx, batch_size=16).embed(TEXTS)


def test_onnx_gives_the_same_vectors_as_torch(
    torch_vectors: np.ndarray, onnx_vectors: np.ndarray
) -> None:
    cosines = (torch_vectors * onnx_vectors).sum(axis=1)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.999, f"cosine {cosines[worst]:.6f} for {TEXTS[worst][:60]!r}"


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_vectors_are_unit_length_and_384_dimensional(
    backend: str, torch_vectors: np.ndarray, onnx_vectors: np.ndarray
) -> None:
    vectors = torch_vectors if backend == "torch" else onnx_vectors
    assert vectors.shape == (len(TEXTS), DIMENSIONS) == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_text_past_max_length_is_truncated(onnx_vectors: np.ndarray, onnx: OnnxBackend) -> None:
    assert len(onnx.tokenizer(LONG)["input_ids"]) > onnx.max_length
    long, longer = onnx_vectors[TEXTS.index(LONG)], onnx_vectors[-1]
    assert float(long @ longer) > 0.9999  # the extra words lie past the cut


def test_similar_texts_are_closer_than_unrelated_ones(onnx_vectors: np.ndarray) -> None:
    def vector(text: str) -> np.ndarray:
        return onnx_vectors[TEXTS.index(text)]

    outage = vector("Is the outage on your side? Nothing responds since 10 minutes.")
    down = vector("THE APP IS DOWN AGAIN")
    deal = vector("What's the best deal on a Lumora Bulb right now? Ready to buy tbh")
    assert float(outage @ down) > float(outage @ deal)


def test_a_call_that_overflows_the_cache_returns_every_vector(onnx: OnnxBackend) -> None:
    """The bounded cache is cleared when full; vectors this call already had (cached before, or
    embedded in an earlier chunk of the call) still come back."""
    embedder = Embedder(onnx, batch_size=2, cache_size=3)
    first = embedder.embed(["the app is down", "great update"])
    texts = ["great update", "refund missing", "new bulb day", "pairing fails", "love it"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (5, 384)
    np.testing.assert_array_equal(vectors[0], first[1])


def test_identical_texts_are_embedded_once(onnx: OnnxBackend) -> None:
    embedder = Embedder(onnx, batch_size=8)
    texts = ["The app is down again", "the APP is down again", "  The app\tis down\n again "]
    vectors = embedder.embed([*texts, "Something else entirely", "👍", "👍"])
    assert embedder.computed == 3
    np.testing.assert_array_equal(vectors[0], vectors[1])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[4], vectors[5])

    again = embedder.embed(["THE APP IS DOWN AGAIN", "Something   else entirely"])
    assert embedder.computed == 3  # both were cached
    np.testing.assert_array_equal(again[0], vectors[0])
    assert embedder.embed([]).shape == (0, DIMENSIONS)


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_vectors_do_not_depend_on_order_or_batch_size(
    backend: str,
    torch_backend: TorchBackend,
    onnx: OnnxBackend,
    torch_vectors: np.ndarray,
    onnx_vectors: np.ndarray,
) -> None:
    chosen = torch_backend if backend == "torch" else onnx
    reference = torch_vectors if backend == "torch" else onnx_vectors
    order = list(range(len(TEXTS)))
    random.Random(7).shuffle(order)
    for batch_size in (1, 7, 64):
        shuffled = Embedder(chosen, batch_size=batch_size).embed([TEXTS[i] for i in order])
        # Padding changes float rounding a little, never the meaning.
        np.testing.assert_allclose(shuffled, reference[order], atol=2e-5)
    # Unsorted batches straight through the backend: every text padded to the longest.
    direct = np.concatenate(
        [chosen.embed_batch(TEXTS[i : i + 13]) for i in range(0, len(TEXTS), 13)]
    )
    np.testing.assert_allclose(direct, reference, atol=2e-5)


def test_export_lands_in_the_cache_dir_and_is_reused(
    onnx: OnnxBackend, model_path: Path, cache_dir: Path
) -> None:
    path = onnx.onnx_path
    assert path.is_file()
    assert path.parent.parent == cache_dir
    assert path.parent.name.endswith(onnx_backend.model_fingerprint(model_path))
    assert [p.name for p in path.parent.iterdir()] == ["model.onnx"]  # no temporary leftovers
    before = path.stat().st_mtime_ns

    second = OnnxBackend(model_path, cache_dir=cache_dir)
    assert second.onnx_path == path
    assert not second.exported
    assert path.stat().st_mtime_ns == before
    assert second.input_names == ["input_ids", "attention_mask", "token_type_ids"]
    np.testing.assert_array_equal(second.embed_batch(TEXTS[:5]), onnx.embed_batch(TEXTS[:5]))


def test_make_embedder_builds_the_onnx_backend(model_path: Path, cache_dir: Path) -> None:
    embedder = make_embedder("onnx", model_path=model_path, cache_dir=cache_dir, batch_size=32)
    assert embedder.model_version == "all-MiniLM-L6-v2/onnx"
    assert embedder.batch_size == 32
    assert embedder.backend.onnx_path.parent.parent == cache_dir


def test_default_cache_dir_follows_echolot_data_dir(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECHOLOT_DATA_DIR", str(tmp_path / "data"))
    assert onnx_backend.export_path(model_path).parent.parent == tmp_path / "data" / "models"
    monkeypatch.delenv("ECHOLOT_DATA_DIR")
    assert onnx_backend.export_path(model_path).parent.parent == Path(".echolot/models")


def test_a_changed_model_gets_its_own_export_folder(tmp_path: Path) -> None:
    model = tmp_path / "tiny"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "bert"}')
    (model / "model.safetensors").write_bytes(b"weights v1")
    (model / "README.md").write_text("not part of the model")
    first = onnx_backend.export_path(model, tmp_path / "cache")
    (model / "README.md").write_text("edited docs do not matter")
    assert onnx_backend.export_path(model, tmp_path / "cache") == first
    (model / "model.safetensors").write_bytes(b"weights v2")
    second = onnx_backend.export_path(model, tmp_path / "cache")
    assert second.parent != first.parent
    assert second.parent.parent == first.parent.parent == tmp_path / "cache"


def test_a_failed_export_leaves_no_file(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    def half_write(model: object, args: object, f: str, **kwargs: object) -> None:
        Path(f).write_bytes(b"half an onnx file")
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(torch.onnx, "export", half_write)
    target = tmp_path / "models" / "x" / "model.onnx"
    with pytest.raises(RuntimeError, match="killed mid-export"):
        onnx_backend.export_onnx(model_path, target)
    assert list(target.parent.iterdir()) == []


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        OnnxBackend(missing, cache_dir=tmp_path / "cache")
    with pytest.raises(FileNotFoundError, match=str(missing)):
        make_embedder("onnx", model_path=missing, cache_dir=tmp_path / "cache")
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ModelNotFoundError, match=r"empty-model.*config\.json"):
        OnnxBackend(empty, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_int8_backend_is_close_to_fp32_and_a_model_version_of_its_own(
    model_path: Path, cache_dir: Path, onnx_vectors: np.ndarray
) -> None:
    embedder = make_embedder("onnx-int8", model_path, batch_size=16, cache_dir=cache_dir)
    assert embedder.backend.onnx_path.name == "model-int8.onnx"
    assert embedder.backend.onnx_path.is_file()
    vectors = embedder.embed(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * onnx_vectors).sum(axis=1)
    assert cosines.min() >= 0.95 and cosines.mean() >= 0.98
    assert embedder.model_version.endswith("/onnx-int8")
    assert embedder.model_version != make_embedder("onnx", model_path,
                                                   cache_dir=cache_dir).model_version  # fmt: skip
