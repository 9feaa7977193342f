"""Airflow DAGs of the Echolot listening project in config/example.yaml ($ECHOLOT_CONFIG_DIR):
ingest, process, one digest per team and maintenance (see echolot/app/airflow_dags.py).

One small DAG file per project file keeps an invalid project an import error of its own DAG
file, and the other projects' DAGs stay: for config/<name>.yaml, copy this file as
dags/echolot_<name>.py and change the file name below.
"""

from __future__ import annotations

from echolot.app.airflow_dags import project_dags

project_dags(__file__, "example.yaml")
