"""DAG parse time: how long Airflow's DAG processor needs for Echolot's DAG files.

Each measurement runs in a fresh interpreter, like a DAG-processor child, and times
`DagBag(dags_folder)` (Airflow itself is imported before the clock starts). The baseline is the
same DAG file with the stage modules imported at its top, the pattern Airflow's best practices
warn against; both are measured in this run.

    .venv/bin/python bench/dag_parse.py [--repeat 5]

Ends with one JSON line of figures. Target: all DAG files in ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY_IMPORTS = "import echolot.tasks, ingest.runner, routing.relay, nlp.analyse  # noqa\n"
_PROBE = """
import json, time
import airflow.sdk
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder={folder!r})
elapsed = time.perf_counter() - started
assert not bag.import_errors, bag.import_errors
print(json.dumps({{"seconds": elapsed, "dags": len(bag.dags)}}))
"""


def parse_once(folder: Path, home: Path) -> dict:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "ECHOLOT_CONFIG_DIR": str(REPO / "config"),
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(folder=str(folder))],
        env=env, capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "airflow"
        baseline_folder = Path(tmp) / "dags_heavy"
        baseline_folder.mkdir()
        for dag_file in (REPO / "dags").glob("*.py"):
            text = dag_file.read_text()
            # Put the heavy imports right after the module docstring and __future__ import.
            marker = "from __future__ import annotations\n"
            (baseline_folder / dag_file.name).write_text(
                text.replace(marker, marker + HEAVY_IMPORTS, 1)
            )
        parse_once(REPO / "dags", home)  # warm the file cache and .pyc files
        ours = [parse_once(REPO / "dags", home) for _ in range(args.repeat)]
        heavy = [parse_once(baseline_folder, home) for _ in range(args.repeat)]
        shutil.rmtree(home, ignore_errors=True)
    ours_s = statistics.median(r["seconds"] for r in ours)
    heavy_s = statistics.median(r["seconds"] for r in heavy)
    dags = ours[0]["dags"]
    print(f"Echolot DAG files        : {ours_s:.3f} s median of {args.repeat} ({dags} DAGs)")
    print(f"baseline (stages at top) : {heavy_s:.3f} s median of {args.repeat}")
    print(json.dumps({
        "benchmark": "dag_parse",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "dags": ours[0]["dags"],
        "parse_seconds_median": round(ours_s, 3),
        "parse_seconds_max": round(max(r["seconds"] for r in ours), 3),
        "baseline_parse_seconds_median": round(heavy_s, 3),
        "target_seconds": 2.0,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
