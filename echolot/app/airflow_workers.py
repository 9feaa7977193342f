"""How a task instance names the worker that ran it.

Airflow records `socket.getfqdn()` by default, which is the same for every Celery worker on one
host (deploy/airflow-local.sh starts two). `[core] hostname_callable` points here so each worker
reports its own name from ECHOLOT_WORKER_NAME; without it the host name is used as before.
"""

from __future__ import annotations

import os
import socket


def worker_hostname() -> str:
    name = os.environ.get("ECHOLOT_WORKER_NAME", "").strip()
    host = socket.getfqdn()
    return f"{name}@{host}" if name else host
