"""The application layer: the one wiring of Echolot's stages.

The command line (`echolot.cli`), the scheduler entry points (`echolot.tasks`) and the Airflow
DAGs (`dags/`, through `echolot.tasks`) all run the stages through this package, so a stage is
called the same way whoever calls it:

- `windows`   the one window policy: which time range each stage covers;
- `session`   a migrated database connection for one command or task;
- `stages`    one runner per stage: ingest, analyse (NLP), topics, reach, findings, digests
              and alerts, dispatch, relay, maintenance, campaign KPI chains;
- `pipeline`  every stage once, in order, recorded in `pipeline_runs`;
- `findings`, `delivery`, `training`  what the commands of those names wire together;
- `airflow_dags`  every DAG of one project file, for its small file in dags/;
- `airflow_support`, `airflow_pools`, `airflow_workers`  Connections, cadences, pools and
              worker names for the DAGs.

Only this package (and the CLI and `echolot.tasks`, which call it) imports the stage packages
(ingest, nlp, reach, routing). This `__init__` imports nothing so that a DAG file can import
`echolot.app.airflow_support` without loading any stage.
"""
