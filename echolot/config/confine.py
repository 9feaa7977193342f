"""Confinement of file sources: a project file reads only files inside its import root.

Analysts add project files to a folder a shared worker reads; a `path:` pointing at the Airflow
configuration, `~/.pgpass` or `/etc/passwd` would copy secrets into the database. So a file
source's path must resolve (symlinks followed) to a regular file inside the import root: the
project file's folder, or the folder(s) `ECHOLOT_IMPORT_DIR` names when the deployment sets it
(absolute paths separated by `:`, like PATH).

The loader passes an `ImportContext` as pydantic validation context; models built in code without
one (tests, a config re-validated from its own JSON) are trusted and left as they are.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

from echolot.errors import ConfigError

IMPORT_DIR_ENV = "ECHOLOT_IMPORT_DIR"
# Kernel file systems: never data, whatever the import root (even `/`).
_PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))
# The pydantic error type the loader recognises to print the source's key path.
ERROR_TYPE = "confined_path"


@dataclass(frozen=True)
class ImportContext:
    """Where relative paths start (the project file's folder) and what they may reach."""

    base: Path
    roots: tuple[Path, ...]

    def inside(self, path: Path) -> bool:
        return any(path.is_relative_to(root) for root in self.roots)

    def describe(self) -> str:
        return " or ".join(str(root) for root in self.roots)


def import_context(project_file: Path) -> ImportContext:
    """The context for one project file: ECHOLOT_IMPORT_DIR if set, else the file's folder."""
    base = project_file.resolve().parent
    configured = os.environ.get(IMPORT_DIR_ENV, "")
    if not configured.strip():
        return ImportContext(base=base, roots=(base,))
    roots = []
    for entry in filter(None, configured.split(os.pathsep)):
        root = Path(entry)
        if not root.is_absolute() or not root.is_dir():
            raise ConfigError(f"{IMPORT_DIR_ENV}: {entry!r} is not an absolute path to a folder")
        roots.append(root.resolve())
    return ImportContext(base=base, roots=tuple(roots))


def confined_source_path(path: Path, info: ValidationInfo) -> Path:
    """Field validator of `FileSource.path`: the resolved path, or an error naming the reason."""
    context = info.context.get("imports") if isinstance(info.context, dict) else None
    if not isinstance(context, ImportContext):
        return path
    name = info.data.get("name", "?")
    try:
        return confine(path, context)
    except ValueError as exc:
        raise PydanticCustomError(
            ERROR_TYPE, "{reason}", {"reason": str(exc), "key": f"sources.{name}.path"}
        ) from None


def confine(path: Path, context: ImportContext) -> Path:
    """`path` resolved against the context; ValueError saying why when it may not be read."""
    raw = str(path)
    if "\x00" in raw:
        raise ValueError("contains a NUL character")
    candidate = path if path.is_absolute() else context.base / path
    lexical = Path(os.path.normpath(candidate))
    resolved = candidate.resolve()
    for pseudo in _PSEUDO_FILESYSTEMS:
        if lexical.is_relative_to(pseudo) or resolved.is_relative_to(pseudo):
            raise ValueError(f"{raw} is on the kernel file system {pseudo}, not a data file")
    if not context.inside(resolved):
        where = f"outside the import root {context.describe()} ({_HINT})"
        if context.inside(lexical):
            raise ValueError(f"{raw} is a symlink to {resolved}, {where}")
        if path.is_absolute():
            how = "is an absolute path"
        elif ".." in path.parts:
            how = "climbs out with '..'"
        else:
            how = f"resolves to {lexical},"
        raise ValueError(f"{raw} {how} {where}")
    try:
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        return resolved  # may appear later; ingest names it if it is still missing
    except OSError as exc:
        raise ValueError(f"{raw} cannot be inspected: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{raw} is {_kind(mode)}, not a regular file")
    return resolved


_HINT = f"a deployment can move the root with {IMPORT_DIR_ENV}"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
