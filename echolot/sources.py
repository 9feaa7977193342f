"""Source plug-ins: every platform Echolot listens to, registered in one place.

A plug-in (see `SourcePlugin`) names its `type` in project files, its settings model, the
Airflow pool its API calls share, the Airflow connection its credentials come from, and the
`ingest` function that reads it. The config union of `sources[]`, its key-path errors, the
ingest runner's dispatch, the DAG's pools and the connection-to-environment mapping are all
read from here, so adding a platform is one plug-in module plus its tests.

Plug-ins are found spaCy-style through the `echolot.sources` entry-point group
(`[project.entry-points."echolot.sources"]` in pyproject.toml), loaded on first use; the kernel
never imports a stage. A checkout whose installed metadata predates a new entry reads the same
table from pyproject.toml, so `pip install -e .` is not needed to see a new source. Plug-in
modules stay light (client libraries are imported inside `ingest`): DAG files load them.
"""

from __future__ import annotations

import importlib
import threading
import tomllib
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from echolot.errors import ConfigError

ENTRY_POINT_GROUP = "echolot.sources"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@runtime_checkable
class SourcePlugin(Protocol):
    """What a platform provides. `settings` is a pydantic model whose `type` is a Literal of
    `type_name`, with `name` and `enabled` like every source."""

    type_name: str
    settings: type[BaseModel]
    # Airflow pool shared by every task calling this platform's API (None: the default pool).
    api_pool: str | None
    # Airflow connection holding the credentials (None: the source needs none).
    connection_id: str | None

    def environment(self, connection: Any) -> dict[str, str | None]:
        """The environment variables `ingest` reads, from the Airflow connection."""
        ...

    def ingest(
        self,
        conn: Any,
        settings: Any,
        *,
        window: tuple[datetime, datetime] | None = None,
        retry: Any = None,
        now: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Any:
        """Read the source into the database and return its report."""
        ...


_registry: dict[str, SourcePlugin] = {}
_discovered = False
_lock = threading.Lock()


def register(plugin: SourcePlugin) -> SourcePlugin:
    """Add a plug-in by hand (tests, or a platform outside any installed distribution)."""
    if not isinstance(plugin, SourcePlugin):
        raise TypeError(f"{plugin!r} does not provide what a source plug-in must")
    _registry[plugin.type_name] = plugin
    return plugin


def plugins() -> dict[str, SourcePlugin]:
    """Every registered plug-in by type name, discovering the entry points on first use."""
    global _discovered
    if not _discovered:
        with _lock:
            if not _discovered:
                for target in _entry_point_targets():
                    plugin = _load(target)
                    _registry.setdefault(plugin.type_name, plugin)
                _discovered = True
    return dict(sorted(_registry.items()))


def plugin_for(type_name: str) -> SourcePlugin:
    found = plugins().get(type_name)
    if found is None:
        known = ", ".join(plugins()) or "none registered"
        raise ConfigError(f"unknown source type {type_name!r} (known: {known})")
    return found


def api_pools() -> dict[str, str]:
    """type -> Airflow pool, for the DAG's per-source tasks."""
    return {name: p.api_pool for name, p in plugins().items() if p.api_pool}


def connection_environments() -> dict[str, Callable[[Any], dict[str, str | None]]]:
    """Airflow connection id -> how it becomes the environment its source reads."""
    return {p.connection_id: p.environment for p in plugins().values() if p.connection_id}


def _entry_point_targets() -> list[str]:
    installed = [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)]
    if installed and not _pyproject_targets() - set(installed):
        return installed
    # Metadata older than pyproject.toml (a new source added in a checkout): read the source.
    return sorted(set(installed) | _pyproject_targets())


def _pyproject_targets() -> set[str]:
    try:
        project = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return set()
    table = project.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    return set(table.values())


def _load(target: str) -> SourcePlugin:
    module_name, _, attribute = target.partition(":")
    plugin = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(plugin, SourcePlugin):
        raise TypeError(f"entry point {target!r} is not a source plug-in")
    return plugin
