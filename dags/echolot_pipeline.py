"""One pipeline DAG per listening-project file: ingest -> score -> findings -> routing.

Wiring only: every task calls a stage entry point in `echolot.tasks`, imported inside the task
so parsing this file stays cheap.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, task

CONFIG_DIR = Path(
    os.environ.get("ECHOLOT_CONFIG_DIR", Path(__file__).resolve().parent.parent / "config")
)
DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(minutes=30),
}


def build_pipeline(config_path: Path) -> None:
    @dag(
        dag_id=f"echolot_{config_path.stem}_pipeline",
        schedule="@daily",
        start_date=datetime(2026, 11, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["echolot"],
        doc_md=__doc__,
    )
    def pipeline() -> None:
        @task
        def ingest() -> list:
            from echolot import tasks

            return tasks.ingest(config_path)

        @task
        def score() -> dict:
            from echolot import tasks

            return tasks.score(config_path)

        @task
        def find(
            data_interval_start: datetime | None = None,
            data_interval_end: datetime | None = None,
        ) -> int:
            from echolot import tasks

            return tasks.find(config_path, data_interval_start, data_interval_end)

        @task
        def deliver(
            data_interval_start: datetime | None = None,
            data_interval_end: datetime | None = None,
        ) -> list:
            from echolot import tasks

            return tasks.deliver(config_path, data_interval_start, data_interval_end)

        ingest() >> score() >> find() >> deliver()

    pipeline()


for path in sorted(CONFIG_DIR.glob("*.yaml")):
    build_pipeline(path)
