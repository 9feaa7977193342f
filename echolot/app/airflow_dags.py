"""Echolot's DAGs for one listening-project file, built for the DAG file that names it.

Each project has its own small DAG file in `dags/` (`dags/echolot_example.py` builds
`config/example.yaml`'s DAGs), so an invalid project file is an import error of its own DAG
file alone: Airflow lists it under import errors with the key path that is wrong, and every
other project's DAGs stay. Per project `p`:

- echolot_p_ingest        on `schedule.ingest`: every enabled source in parallel, each reading
                          exactly its data interval; updates the asset echolot_p_posts.
- echolot_p_process       on echolot_p_posts: NLP for new posts (mapped over id ranges), then
                          topics, influence and KPI chains, and daily findings of every changed
                          day; alerts; updates echolot_p_findings.
- echolot_p_digest_<team> on the team's cadence (send time and time zone from the project
                          file), or on echolot_p_findings for `immediate`: the team's digest of
                          findings completed in the interval, then the outbox relay, then
                          delivery to the team's channels (`deliver:` in the project file).
- echolot_p_maintenance   on `schedule.maintenance`: retention purge, deletions re-applied,
                          outbox retries.

Wiring only: every task calls a stage entry point in `echolot.tasks` (through
`airflow_support.stages()`, imported inside the task so parsing stays cheap); its docstring is
the task's doc_md. Credentials come from the Airflow Connections echolot_postgres,
echolot_rabbitmq and each source plug-in's own (echolot_x, echolot_reddit, echolot_bluesky,
echolot_mastodon), falling back to ECHOLOT_* environment variables.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import Asset, CronDataIntervalTimetable, dag, task

from echolot import sources
from echolot.app.airflow_support import airflow_connection, cadence_cron, stages
from echolot.config import ProjectConfig, load_config

START = datetime(2026, 11, 1)
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


def config_dir(dag_file: str | Path) -> Path:
    """$ECHOLOT_CONFIG_DIR, or the config/ folder beside the DAG folder."""
    default = Path(dag_file).resolve().parent.parent / "config"
    return Path(os.environ.get("ECHOLOT_CONFIG_DIR") or default)


def project_dags(dag_file: str | Path, project_file: str) -> ProjectConfig:
    """Build every DAG of `project_file` (a file name in the config folder) for `dag_file`.

    An invalid project file raises its ConfigError here, which makes it the import error of
    the DAG file that called this, and of no other."""
    path = config_dir(dag_file) / project_file
    config = load_config(path)
    build_ingest(config, path)
    build_process(config, path)
    for team in config.teams:
        build_digest(config, path, team)
    build_maintenance(config, path)
    return config


def posts_asset(project: str) -> Asset:
    return Asset(name=f"echolot_{project}_posts", uri=f"x-echolot://{project}/posts")


def findings_asset(project: str) -> Asset:
    return Asset(name=f"echolot_{project}_findings", uri=f"x-echolot://{project}/findings")


def _about(config: ProjectConfig, path: Path, what: str) -> str:
    return f"**{what}** for the listening project `{config.project}` (`{path.name}`)."


def build_ingest(config: ProjectConfig, path: Path) -> None:
    enabled = [s for s in config.sources if s.enabled]
    names = ", ".join(f"`{s.name}`" for s in enabled) or "none"

    @dag(
        dag_id=f"echolot_{config.project}_ingest",
        schedule=CronDataIntervalTimetable(config.schedule.ingest, timezone="UTC"),
        doc_md=_about(config, path, "Ingest")
        + f"\n\nSources, in parallel: {names}. X and Reddit read exactly the run's data "
        f"interval; every source updates the asset `echolot_{config.project}_posts`.",
        **COMMON,
        tags=["echolot", config.project],
    )
    def ingest() -> None:
        # Each platform's API calls share its plug-in's pool, so parallel runs and backfills stay
        # inside the platform's rate limits; sources without an API use the default pool.
        pools = sources.api_pools()
        for source in enabled:

            @task(
                task_id=f"ingest_{source.name}",
                pool=pools.get(source.type, "default_pool"),
                outlets=[posts_asset(config.project)],
                doc_md=f"Ingest the {source.type} source `{source.name}` over the run's data "
                "interval and store new posts, authors and interactions idempotently.",
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
        doc_md=_about(config, path, "Process new posts")
        + "\n\nNLP for the posts not analysed yet (mapped over id ranges), then topics, "
        "influence and KPI chains, and the findings of every day that changed; severe findings "
        "alert their teams at once.",
        **COMMON,
        tags=["echolot", config.project],
    )
    def process() -> None:
        @task
        def plan_analysis() -> list[list[int]]:
            """Id ranges of the posts the current NLP models have not analysed, one per batch."""
            return stages().plan_analysis(path)

        # A mapped task does not take its docstring as doc_md; give it explicitly.
        @task(doc_md="Language, sentiment, entities, intents and embeddings of one id range.")
        def analyse(id_range: list[int]) -> dict:
            return stages().analyse(path, id_range)

        @task(trigger_rule="none_failed")
        def topics() -> dict:
            """Topics of every changed day (runs also when there was nothing to analyse)."""
            return stages().topics(path)

        @task
        def influence() -> dict:
            """Influence, post reach and campaign KPI chains of the changed days; they need the
            topics, and findings read them."""
            return stages().influence(path)

        @task(outlets=[findings_asset(config.project)])
        def find_changed() -> dict:
            """Daily findings of every changed day; moves the changed-days watermark."""
            return stages().find_changed(path)

        @task
        def alert() -> dict:
            """Severe findings reach their teams at once, not with the next digest."""
            return stages().alert(path)

        @task
        def relay_alerts() -> dict:
            """Publish the alerts from the outbox when a broker is configured."""
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
    when = f"`{cron}` ({cadence.timezone})" if cron else "each update of the findings"

    @dag(
        dag_id=f"echolot_{config.project}_digest_{team_name}",
        schedule=schedule,
        doc_md=_about(config, path, f"Digest for team `{team_name}`")
        + f"\n\nOn {when}: the team's condensed digest of the findings completed in the "
        "interval, queued in the outbox, relayed, then handed to the team's channels.",
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
            """Write the team's digest of the findings completed in the run's interval."""
            return stages().deliver(
                path, data_interval_start, data_interval_end, team_name, logical_date
            )

        @task
        def relay() -> dict:
            """Publish the digest from the outbox when a broker is configured."""
            return stages().relay()

        @task
        def to_channels() -> list:
            """Hand the team's waiting digests to its channels (e-mail, Slack, Teams), each
            once; parked messages are tried again. Skipped when the team has no channels."""
            from airflow.sdk.exceptions import AirflowSkipException

            if not config.teams[team_name].deliver:
                raise AirflowSkipException(f"team {team_name} has no channels (deliver:)")
            return stages().to_channels(path, team_name, lookup=airflow_connection)

        deliver() >> relay() >> to_channels()

    digest()


def build_maintenance(config: ProjectConfig, path: Path) -> None:
    @dag(
        dag_id=f"echolot_{config.project}_maintenance",
        schedule=CronDataIntervalTimetable(config.schedule.maintenance, timezone="UTC"),
        doc_md=_about(config, path, "Maintenance")
        + f"\n\nPurges data older than {config.schedule.retention_days} days, re-applies "
        "`forget` deletions and retries unsent outbox messages.",
        **COMMON,
        tags=["echolot", config.project, "maintenance"],
    )
    def maintenance() -> None:
        @task
        def purge_and_forget(data_interval_end: datetime | None = None) -> dict:
            """Retention purge, and deletions re-applied to posts a run stored meanwhile."""
            return stages().maintain(path, data_interval_end)

        @task
        def retry_outbox() -> dict:
            """Publish outbox messages an earlier relay could not send."""
            return stages().relay()

        purge_and_forget() >> retry_outbox()

    maintenance()
