"""`echolot train`: a customer's labelled posts become their classifier head.

Trains with the NLP stage's own features (masked text -> MiniLM embedding + cue features), so
the head scores exactly what the stage computes, and saves it where the stage looks for head
names: `nlp.heads_dir`, or `<data dir>/heads` when the project sets none.
"""

from __future__ import annotations

from pathlib import Path

from echolot.config import ProjectConfig
from echolot.database import data_dir as default_data_dir
from nlp.analyse import _cached_embedder
from nlp.classifiers import Head, save_head
from nlp.language import LanguageDetector
from nlp.masking import BrandMasker
from nlp.training import HeadInputs, read_examples, train_head

HEADS_FOLDER = "heads"


def heads_dir(config: ProjectConfig | None, data_dir: Path | None = None) -> Path:
    if config is not None and config.nlp.heads_dir is not None:
        return config.nlp.heads_dir
    return default_data_dir(data_dir) / HEADS_FOLDER


def with_heads_dir(config: ProjectConfig, data_dir: Path | None = None) -> ProjectConfig:
    """The project with `nlp.heads_dir` filled in, so the stage finds heads `train` saved."""
    if config.nlp.heads_dir is not None:
        return config
    nlp = config.nlp.model_copy(update={"heads_dir": heads_dir(None, data_dir)})
    return config.model_copy(update={"nlp": nlp})


def train(
    kind: str,
    name: str,
    data: Path,
    config: ProjectConfig | None = None,
    *,
    data_dir: Path | None = None,
    out: Path | None = None,
    algorithm: str = "logreg",
) -> tuple[Head, Path]:
    """Read and check `data`, train, cross-validate and save; returns the head and its file."""
    examples = read_examples(data, kind)  # type: ignore[arg-type]
    if config is not None:
        masker = BrandMasker.from_config(config)
        embeddings = config.nlp.embeddings
        languages = config.nlp.languages
    else:
        from echolot.config import EmbeddingSettings

        masker, embeddings, languages = BrandMasker([]), EmbeddingSettings(), ["en", "de"]
    embedder = _cached_embedder(embeddings.model_dump_json())
    inputs = HeadInputs(masker, embedder, LanguageDetector(languages))
    head = train_head(kind, examples, name, inputs, algorithm, source=str(data))  # type: ignore[arg-type]
    target = out or heads_dir(config, data_dir) / f"{name}.json"
    return head, save_head(head, target)
