"""Reading a project file: YAML in, a validated ProjectConfig out, errors naming file and key."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from echolot.config import confine, safe_yaml
from echolot.config.project import ProjectConfig
from echolot.errors import ConfigError


def load_config(path: Path | str) -> ProjectConfig:
    """Read and validate a project file. Relative source paths resolve against its folder and
    must stay inside the import root (see echolot/config/confine.py); hostile YAML is refused
    (see echolot/config/safe_yaml.py). Every problem is a ConfigError naming the file."""
    path = Path(path)
    text = _read_bounded(path)
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YamlLimitError as exc:
        raise ConfigError(f"{path}: refused: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{line}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    context = {"imports": confine.import_context(path)}
    try:
        return ProjectConfig.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None


def _read_bounded(path: Path) -> str:
    """The file's text, read no further than the size limit (a huge file is never loaded)."""
    try:
        limit = safe_yaml.max_bytes()
    except safe_yaml.YamlLimitError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from None
    if len(raw) > limit:
        raise ConfigError(
            f"{path}: refused: larger than {limit:,} bytes (raise {safe_yaml.MAX_BYTES_ENV} "
            "if a project file really needs more)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start}): {exc.reason}") from None


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration ({exc.error_count()} problem(s))"]
    for error in exc.errors():
        location = _key_path(error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == confine.ERROR_TYPE:
            # Named by the source, as the user wrote it: sources.export.path
            location, message = error["ctx"]["key"], error["ctx"]["reason"]
        elif error["type"] == "extra_forbidden":
            message = "unknown key"
        elif "input" in error and error["type"] not in {"missing"}:
            shown = repr(error["input"])
            message = f"{message} (got {shown[:60]})"
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


def _key_path(loc: tuple[int | str, ...]) -> str:
    # Discriminated unions insert the tag ('x', 'file', ...) into the location; drop it so the
    # path matches what the user wrote.
    parts: list[str] = []
    for index, part in enumerate(loc):
        if (
            index > 0
            and isinstance(loc[index - 1], int)
            and part in {"x", "reddit", "file"}
            and "sources" in loc
        ):
            continue
        parts.append(f"[{part}]" if isinstance(part, int) else str(part))
    return re.sub(r"\.\[", "[", ".".join(parts))
