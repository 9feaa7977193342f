"""Reading a project file: YAML in, a validated ProjectConfig out, errors naming file and key."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from echolot.config.project import ProjectConfig
from echolot.config.sources import FileSource
from echolot.errors import ConfigError


def load_config(path: Path | str) -> ProjectConfig:
    """Read and validate a project file; relative source paths resolve against its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{line}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    return _resolve_paths(config, path.parent)


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration ({exc.error_count()} problem(s))"]
    for error in exc.errors():
        location = _key_path(error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
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


def _resolve_paths(config: ProjectConfig, base: Path) -> ProjectConfig:
    sources = [
        source.model_copy(update={"path": (base / source.path).resolve()})
        if isinstance(source, FileSource)
        else source
        for source in config.sources
    ]
    return config.model_copy(update={"sources": sources})
