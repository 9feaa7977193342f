"""The DAG files import cleanly and wire the stages in order (Airflow runs in a subprocess so
its settings never leak into the other tests)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="{dags}")
print(json.dumps({{
    "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "dags": {{d.dag_id: sorted((t.task_id, sorted(t.downstream_task_ids)) for t in d.tasks)
             for d in bag.dags.values()}},
}}))
"""


def test_dagbag_has_one_pipeline_per_project_and_no_import_errors(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    }
    probe = _PROBE.format(dags=REPO / "dags")
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == {}
    assert report["dags"] == {
        "echolot_example_pipeline": [
            ["deliver", []],
            ["find", ["deliver"]],
            ["ingest", ["score"]],
            ["score", ["find"]],
        ]
    }
