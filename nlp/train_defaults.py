"""Rebuild the shipped default heads (nlp/models/*.json) from the project's own labelled posts.

    python -m nlp.train_defaults            # rebuild and write every default head
    python -m nlp.train_defaults --check    # rebuild in memory; fail if a committed file differs
    python -m nlp.train_defaults --only sentiment-de

Inputs are committed files in nlp/data/ written for this project (never the public evaluation
sets): `sentiment_en.jsonl`, `sentiment_de.jsonl`, `intent_train.jsonl` (skipped while absent).
The fictional brand names those posts use are masked as the stage masks a project's brands; they
are listed in `nlp/data/default_brands.yaml`. Embeddings come from the packaged MiniLM with the
ONNX fp32 backend; training is deterministic, so the same inputs give byte-identical files.
Heavy (every text is embedded): run it under `flock /tmp/echolot-heavy.lock`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp.classifiers import SHIPPED_DIR, head_bytes, save_head
from nlp.masking import BrandMasker
from nlp.training import HeadInputs, read_examples, train_head

DATA_DIR = Path(__file__).with_name("data")
BRANDS_FILE = DATA_DIR / "default_brands.yaml"
ALGORITHM = "logreg"


@dataclass(frozen=True)
class DefaultHead:
    name: str
    kind: str
    data: str  # file name in nlp/data


DEFAULTS = (
    DefaultHead("sentiment-en", "sentiment", "sentiment_en.jsonl"),
    DefaultHead("sentiment-de", "sentiment", "sentiment_de.jsonl"),
    DefaultHead("intent", "intent", "intent_train.jsonl"),
)


def default_masker(path: Path = BRANDS_FILE) -> BrandMasker:
    """The fictional brands of the training posts (`brands: [{name, aliases}]`)."""
    if not path.is_file():
        return BrandMasker([])
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names: list[str] = []
    for brand in data.get("brands") or []:
        names += [brand["name"], *(brand.get("aliases") or [])]
    return BrandMasker(names)


def default_inputs() -> HeadInputs:
    from echolot.config import EmbeddingSettings
    from nlp.analyse import _cached_embedder
    from nlp.language import LanguageDetector

    embedder = _cached_embedder(EmbeddingSettings(backend="onnx").model_dump_json())
    return HeadInputs(default_masker(), embedder, LanguageDetector(["en", "de"]))


def build(spec: DefaultHead, inputs: HeadInputs):
    path = DATA_DIR / spec.data
    examples = read_examples(path, spec.kind)  # type: ignore[arg-type]
    source = f"nlp/data/{spec.data}"
    return train_head(spec.kind, examples, spec.name, inputs, ALGORITHM, source=source)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--only", action="append", help="head name (repeatable)")
    args = parser.parse_args(argv)
    specs = [s for s in DEFAULTS if not args.only or s.name in args.only]
    inputs = default_inputs()
    differing = []
    for spec in specs:
        if not (DATA_DIR / spec.data).is_file():
            print(f"{spec.name}: nlp/data/{spec.data} not there yet, skipped")
            continue
        head = build(spec, inputs)
        target = SHIPPED_DIR / f"{spec.name}.json"
        figures = {k: v for k, v in head.figures.items() if k in ("macro_recall", "accuracy")}
        if args.check:
            same = target.is_file() and target.read_bytes() == head_bytes(head)
            print(f"{spec.name}: {'identical' if same else 'DIFFERS'} ({target})")
            if not same:
                differing.append(spec.name)
        else:
            save_head(head, target)
            print(f"{spec.name}: {head.training['rows']} rows, cv {figures or head.figures} "
                  f"-> {target} ({head.version})")  # fmt: skip
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
