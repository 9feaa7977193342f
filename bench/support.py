"""What several benchmark scripts share: the machine line, per-step peak RSS, a fresh database.

Scripts import it as `bench.support` with the repository on sys.path (their own folder is kept
off it: bench/nlp.py and bench/ingest.py would shadow the packages of those names).
"""

from __future__ import annotations

import contextlib
import os
import platform
import uuid
from collections.abc import Iterator
from pathlib import Path

SERVER = os.environ.get("ECHOLOT_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/test")


def machine() -> str:
    """CPU model, cores, memory, Python and the load average now (benchmarks here share cores)."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip()
                   for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))  # fmt: skip
    with contextlib.suppress(OSError, ValueError, StopIteration):
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))  # fmt: skip
        memory = f", {kib / 2**20:.0f} GiB"
    return (f"{cpu}, {platform.machine()}, {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")  # fmt: skip


def step_peak_mib() -> float:
    """Peak RSS of this process since the last reset_step_peak (the kernel's VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def reset_step_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM, so the next step's peak is its own.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new database on the benchmark server, migrated; its URL; dropped afterwards."""
    import psycopg2
    import psycopg2.extensions

    from echolot import migrations

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(SERVER)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = psycopg2.extensions.make_dsn(SERVER, dbname=name)
    try:
        conn = psycopg2.connect(url)
        migrations.migrate(conn)
        conn.close()
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
