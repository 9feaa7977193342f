"""Echolot's DAGs, one set per listening-project file in $ECHOLOT_CONFIG_DIR (default ../config).

Per project `p`:
- echolot_p_ingest        on `schedule.ingest`: every enabled source in parallel, each reading
                          exactly its data interval; updates the asset echolot_p_posts.
- echolot_p_process       on echolot_p_posts: NLP for new posts (mapped over id ranges), then
                          topics, influence and KPI chains, and daily findings of every changed
                          day; updates echolot_p_findings.
- echolot_p_digest_<team> on the team's cadence (send time and time zone from the project
                          file), or on echolot_p_findings for `immediate`: the team's digest of
                          findings completed in the interval, then the outbox relay.
- echolot_p_maintenance   on `schedule.maintenance`: retention purge, deletions re-applied,
                          outbox retries.

Wiring only: every task calls a stage entry point in `echolot.tasks`, imported inside the task,
so parsing stays cheap. Credentials come from the Airflow Connections echolot_postgres,
echolot_rabbitmq, echolot_x and echolot_reddit, falling back to ECHOLOT_* environment variables.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import Asset, CronDataIntervalTimetable, dag, task

from echolot.app.airflow_support import cadence_cron, stages
from echolot.config import ProjectConfig, load_config

CONFIG_DIR = Path(
    os.environ.get("ECHOLOT_CONFIG_DIR", Path(__file__).resolve().parent.parent / "config")
)
START = datetime(2026, 11, 1)
# API calls share these pools so parallel runs stay inside the platforms' rate limits.
POOLS = {"x": "echolot_x_api", "reddit": "echolot_reddit_api"}
DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(minutes=30),
}


# Every Echolot DAG: no catch-up on deploy (backfills are explicit), one run at a time.
COMMON = {
    "start_date": START,
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
}


def posts_asset(project: str) -> Asset:
    return Asset(name=f"echolot_{project}_posts", uri=f"x-echolot://{project}/posts")


def findings_asset(project: str) -> Asset:
    return Asset(name=f"echolot_{project}_findings", uri=f"x-echolot://{project}/findings")


def build_ingest(config: ProjectConfig, path: Path) -> None:
    @dag(
        dag_id=f"echolot_{config.project}_ingest",
        schedule=CronDataIntervalTimetable(config.schedule.ingest, timezone="UTC"),
        **COMMON,
        tags=["echolot", config.project],
    )
    def ingest() -> None:
        for source in config.sources:
            if not source.enabled:
                continue

            @task(
                task_id=f"ingest_{source.name}",
                pool=POOLS.get(source.type, "default_pool"),
                outlets=[posts_asset(config.project)],
            )
            def ingest_source(
                source_name: str = source.name,
                data_interval_start: datetime | None = None,
                data_interval_end: datetime | None = None,
            ) -> dict:
                return stages().ingest(path, source_name, data_interval_start, data_interval_end)

            ingest_source()

    ingest()


def build_process(config: ProjectConfig, path: Path) -> None:
    @dag(
        dag_id=f"echolot_{config.project}_process",
        schedule=[posts_asset(config.project)],
        **COMMON,
        tags=["echolot", config.project],
    )
    def process() -> None:
        @task
        def plan_analysis() -> list[list[int]]:
            return stages().plan_analysis(path)

        @task
        def analyse(id_range: list[int]) -> dict:
            return stages().analyse(path, id_range)

        # Runs when there was nothing to analyse too (the mapped task is then skipped).
        @task(trigger_rule="none_failed")
        def topics() -> dict:
            return stages().topics(path)

        # Influence and KPI chains need the topics, and findings read them.
        @task
        def influence() -> dict:
            return stages().influence(path)

        @task(outlets=[findings_asset(config.project)])
        def find_changed() -> dict:
            return stages().find_changed(path)

        # Severe findings reach their teams at once, not with the next scheduled digest.
        @task
        def alert() -> dict:
            return stages().alert(path)

        @task
        def relay_alerts() -> dict:
            return stages().relay()

        (
            analyse.expand(id_range=plan_analysis())
            >> topics()
            >> influence()
            >> find_changed()
            >> alert()
            >> relay_alerts()
        )

    process()


def build_digest(config: ProjectConfig, path: Path, team_name: str) -> None:
    cadence = config.teams[team_name].cadence
    cron = cadence_cron(cadence)
    schedule = (
        CronDataIntervalTimetable(cron, timezone=cadence.timezone)
        if cron
        else [findings_asset(config.project)]
    )

    @dag(
        dag_id=f"echolot_{config.project}_digest_{team_name}",
        schedule=schedule,
        **COMMON,
        tags=["echolot", config.project, "digest"],
    )
    def digest() -> None:
        @task
        def deliver(
            data_interval_start: datetime | None = None,
            data_interval_end: datetime | None = None,
            logical_date: datetime | None = None,
        ) -> list:
            return stages().deliver(
                path, data_interval_start, data_interval_end, team_name, logical_date
            )

        @task
        def relay() -> dict:
            return stages().relay()

        deliver() >> relay()

    digest()


def build_maintenance(config: ProjectConfig, path: Path) -> None:
    @dag(
        dag_id=f"echolot_{config.project}_maintenance",
        schedule=CronDataIntervalTimetable(config.schedule.maintenance, timezone="UTC"),
        **COMMON,
        tags=["echolot", config.project, "maintenance"],
    )
    def maintenance() -> None:
        @task
        def purge_and_forget(data_interval_end: datetime | None = None) -> dict:
            return stages().maintain(path, data_interval_end)

        @task
        def retry_outbox() -> dict:
            return stages().relay()

        purge_and_forget() >> retry_outbox()

    maintenance()


for project_file in sorted(CONFIG_DIR.glob("*.yaml")):
    project = load_config(project_file)
    build_ingest(project, project_file)
    build_process(project, project_file)
    for team in project.teams:
        build_digest(project, project_file, team)
    build_maintenance(project, project_file)
