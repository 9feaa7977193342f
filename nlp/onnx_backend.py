"""The ONNX Runtime backend: the sentence model exported once to ONNX, then run without torch.

The transformer (input ids, attention mask and, when the model takes them, token type ids ->
last hidden state) is exported in fp32 with dynamic batch and sequence axes by torch's
TorchScript-based exporter (`dynamo=False`, so `onnxscript` is not needed). Pooling stays in
numpy (`mean_pool`), exactly as in `TorchBackend`, so both backends give the same vectors.

The export lives in `<cache>/<model folder name>-<hash of the model files>/model.onnx`, where
the cache is the `cache_dir` argument, else `$ECHOLOT_DATA_DIR/models`, else `.echolot/models`.
The hash covers the weights, the config and the export recipe, so a changed model never reuses a
stale export. The file is written under a temporary name and renamed into place: a process
never reads a half-written export; two processes exporting at once both write whole files and
the last rename wins.

`quantized=True` (backend `onnx-int8`) runs `model-int8.onnx` beside it: the fp32 export with
its MatMul weights quantised to int8 per output channel (dynamic quantisation, activations stay
float). About 2.5x faster on this project's CPUs; vectors differ slightly (cosine to fp32 on the
sample: mean 0.990, minimum 0.96), so it is a model version of its own.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import uuid
import warnings
from pathlib import Path

import numpy as np

from echolot.errors import ModelNotFoundError
from nlp.embeddings import DIMENSIONS, mean_pool

DATA_DIR_ENV = "ECHOLOT_DATA_DIR"
ONNX_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
OPSET = 17
# Part of the cache key: bump when the export recipe changes so old exports are not reused.
EXPORT_RECIPE = f"echolot-onnx-export/1/opset{OPSET}/eager-attention/fp32"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")


def default_cache_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or ".echolot") / "models"


def cpu_count() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's total, when known)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def model_files(model_path: Path) -> list[Path]:
    """The files that decide the exported graph: the config and the weights."""
    path = Path(model_path)
    if not path.is_dir():
        raise ModelNotFoundError(f"embedding model folder not found: {path}")
    config = path / "config.json"
    weights = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    if not config.is_file() or not weights:
        raise ModelNotFoundError(
            f"embedding model folder {path} has no config.json and weights "
            f"(*.safetensors or *.bin); is it a transformers model folder?"
        )
    return [config, *weights]


def model_fingerprint(model_path: Path, length: int = 12) -> str:
    """A short content hash of the model's config and weights and of the export recipe."""
    digest = hashlib.sha256(EXPORT_RECIPE.encode())
    for file in model_files(model_path):
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:length]


def export_path(model_path: Path, cache_dir: Path | None = None) -> Path:
    folder = Path(model_path).resolve()
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return cache / f"{folder.name}-{model_fingerprint(folder)}" / ONNX_FILE


def export_onnx(model_path: Path, target: Path) -> Path:
    """Export the transformer to `target` (atomically: a temporary file, then a rename)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    # Eager attention traces to plain MatMul/Softmax ops (measured as fast as the SDPA path).
    model = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()
    takes = inspect.signature(model.forward).parameters
    names = [
        n for n in _INPUTS if n in takes and (n == "input_ids" or n in tokenizer.model_input_names)
    ]

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, tensors, strict=True))).last_hidden_state

    # The exporter restores the wrapper's training flag afterwards, recursively: keep it eval.
    wrapper = LastHiddenState(model).eval()
    # Trace with padding in the batch so the mask path is the general one.
    example = tokenizer(
        ["a short text", "a somewhat longer example text, so the first one is padded"],
        padding=True,
        return_tensors="pt",
    )
    dynamic = {name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python-level shape checks
            torch.onnx.export(
                wrapper,
                tuple(example[n] for n in names),
                str(temporary),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def quantize_int8(source: Path, target: Path) -> Path:
    """Int8 weights for the MatMuls, per output channel (atomically, like the export)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # Per channel and MatMul only: per-tensor scales, or quantised Gather/Attention nodes,
        # moved the vectors much further from fp32 (mean cosine 0.95 instead of 0.99).
        quantize_dynamic(source, temporary, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])  # fmt: skip
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


class OnnxBackend:
    def __init__(
        self,
        model_path: Path,
        max_length: int = 128,
        cache_dir: Path | None = None,
        quantized: bool = False,
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.name = "onnx-int8" if quantized else "onnx"
        self.model_path = Path(model_path)
        self.max_length = max_length
        self.onnx_path = export_path(self.model_path, cache_dir)  # raises if the model is missing
        self.exported = False  # True when this construction wrote the export
        if not self.onnx_path.is_file():
            export_onnx(self.model_path, self.onnx_path)
            self.exported = True
        if quantized:
            fp32, self.onnx_path = self.onnx_path, self.onnx_path.with_name(INT8_FILE)
            if not self.onnx_path.is_file():
                quantize_int8(fp32, self.onnx_path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)

        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_count()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle pool threads sleep instead of spinning: the stage embeds in a thread beside
        # Python-bound work, and spinning threads took the core that work needed (the stage
        # measured 2x faster with spinning off on 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(self.onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = [i.name for i in self.session.get_inputs()]

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="np"
        )
        feed = {name: encoded[name].astype(np.int64, copy=False) for name in self.input_names}
        (hidden,) = self.session.run(["last_hidden_state"], feed)
        return mean_pool(hidden, encoded["attention_mask"])
