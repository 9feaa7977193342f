#!/usr/bin/env bash
# Airflow 3 on this machine with the CeleryExecutor, the way the compose stack runs it, without
# Docker: metadata in the local PostgreSQL, RabbitMQ as the Celery broker, and api-server,
# scheduler, dag-processor, triggerer and two Celery workers, each its own process with its own
# log and pid file under $AIRFLOW_LOCAL_HOME.
#
#   deploy/airflow-local.sh start    # migrate, create pools, start every component, wait healthy
#   deploy/airflow-local.sh status   # which components run
#   deploy/airflow-local.sh stop     # stop them all (TERM, then KILL after 20 s)
#
# Settings (environment):
#   AIRFLOW_LOCAL_HOME      state folder (default .airflow-local in the repository; git-ignored)
#   AIRFLOW_LOCAL_PORT      api-server port on 127.0.0.1 (default 28080)
#   AIRFLOW_LOCAL_DB_URL    server to create the metadata database on
#                           (default postgresql://postgres@127.0.0.1:5432/postgres)
#   AIRFLOW_LOCAL_DB        metadata database name (default echolot_airflow)
#   AIRFLOW_LOCAL_BROKER    Celery broker (default amqp://guest:guest@127.0.0.1:5672//)
#   AIRFLOW_LOCAL_QUEUE     Celery queue the tasks go to (default echolot_local): one per stack,
#                           so two stacks on one broker never take each other's tasks
#   AIRFLOW_LOCAL_DAGS      DAG folder (default dags/ of the repository)
#   ECHOLOT_CONFIG_DIR      project files the DAGs are built from (default config/)
#   ECHOLOT_DATABASE_URL, ECHOLOT_AMQP_URL, ECHOLOT_IMPORT_DIR  passed to the tasks unchanged
#
# Secrets (Fernet key, JWT and API secrets) are generated once into $AIRFLOW_LOCAL_HOME/secrets.env
# (mode 600) and never printed. The REST API uses Airflow's simple auth manager with one admin
# user; its generated password lies in $AIRFLOW_LOCAL_HOME/simple_auth_manager_passwords.json.generated.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
VENV_BIN="${VENV_BIN:-$REPO/.venv/bin}"
HOME_DIR="$(mkdir -p "${AIRFLOW_LOCAL_HOME:-$REPO/.airflow-local}" && cd "${AIRFLOW_LOCAL_HOME:-$REPO/.airflow-local}" && pwd)"
PORT="${AIRFLOW_LOCAL_PORT:-28080}"
DB_SERVER="${AIRFLOW_LOCAL_DB_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
DB_NAME="${AIRFLOW_LOCAL_DB:-echolot_airflow}"
BROKER="${AIRFLOW_LOCAL_BROKER:-amqp://guest:guest@127.0.0.1:5672//}"
QUEUE="${AIRFLOW_LOCAL_QUEUE:-echolot_local}"
COMPONENTS=(api-server scheduler dag-processor triggerer worker1 worker2)

db_url() {  # the metadata database's URL, for SQLAlchemy ($1 = driver prefix)
    "$VENV_BIN/python" - "$DB_SERVER" "$DB_NAME" "$1" <<'EOF'
import sys
from urllib.parse import urlsplit, urlunsplit
server, name, scheme = sys.argv[1:]
parts = urlsplit(server)
print(urlunsplit((scheme, parts.netloc, "/" + name, parts.query, "")))
EOF
}

export_settings() {
    export AIRFLOW_HOME="$HOME_DIR"
    export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW_LOCAL_DAGS:-$REPO/dags}"
    export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
    # Workers on one host tell themselves apart by ECHOLOT_WORKER_NAME (task instances record it).
    export AIRFLOW__CORE__HOSTNAME_CALLABLE="echolot.app.airflow_workers.worker_hostname"
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$(db_url postgresql+psycopg2)"
    export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
    export AIRFLOW__CELERY__BROKER_URL="$BROKER"
    AIRFLOW__CELERY__RESULT_BACKEND="db+$(db_url postgresql)"
    export AIRFLOW__CELERY__RESULT_BACKEND
    export AIRFLOW__OPERATORS__DEFAULT_QUEUE="$QUEUE"
    export AIRFLOW__CELERY__WORKER_CONCURRENCY=1
    export AIRFLOW__API__HOST=127.0.0.1
    export AIRFLOW__API__PORT="$PORT"
    export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
    # New DAG files and config changes are picked up within seconds, not minutes.
    export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5
    export AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=1
    export ECHOLOT_CONFIG_DIR="${ECHOLOT_CONFIG_DIR:-$REPO/config}"
    if [ ! -f "$HOME_DIR/secrets.env" ]; then
        (umask 077 && "$VENV_BIN/python" - >"$HOME_DIR/secrets.env" <<'EOF'
import secrets
from cryptography.fernet import Fernet
print(f"AIRFLOW__CORE__FERNET_KEY={Fernet.generate_key().decode()}")
print(f"AIRFLOW__API_AUTH__JWT_SECRET={secrets.token_urlsafe(32)}")
print(f"AIRFLOW__API__SECRET_KEY={secrets.token_urlsafe(32)}")
EOF
        )
    fi
    set -a
    # shellcheck disable=SC1091
    . "$HOME_DIR/secrets.env"
    set +a
}

create_database() {
    "$VENV_BIN/python" - "$DB_SERVER" "$DB_NAME" <<'EOF'
import sys
import psycopg2
from psycopg2 import sql
server, name = sys.argv[1:]
conn = psycopg2.connect(server)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created metadata database {name}")
EOF
}

pid_of() { cat "$HOME_DIR/run/$1.pid" 2>/dev/null || true; }
running() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

launch() {  # launch NAME COMMAND... : own session, own log, own pid file
    local name="$1"; shift
    if running "$name"; then echo "$name already running (pid $(pid_of "$name"))"; return; fi
    setsid "$@" >"$HOME_DIR/logs/$name.log" 2>&1 < /dev/null &
    echo $! >"$HOME_DIR/run/$name.pid"
    echo "started $name (pid $!, log $HOME_DIR/logs/$name.log)"
}

wait_healthy() {
    for _ in $(seq 1 240); do
        if "$VENV_BIN/python" - "$PORT" <<'EOF' 2>/dev/null
import json, sys, urllib.request
health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v2/monitor/health", timeout=2))
sys.exit(0 if health["scheduler"]["status"] == "healthy" else 1)
EOF
        then
            if grep -q "worker1@.* ready" "$HOME_DIR/logs/worker1.log" \
                && grep -q "worker2@.* ready" "$HOME_DIR/logs/worker2.log"; then
                echo "api-server, scheduler and both workers ready on http://127.0.0.1:$PORT"
                return 0
            fi
        fi
        for name in "${COMPONENTS[@]}"; do
            if ! running "$name"; then
                echo "ERROR: $name exited; last lines of its log:" >&2
                tail -n 30 "$HOME_DIR/logs/$name.log" >&2
                return 1
            fi
        done
        sleep 0.5
    done
    echo "ERROR: Airflow did not become healthy within 120 s (logs in $HOME_DIR/logs)" >&2
    return 1
}

start() {
    mkdir -p "$HOME_DIR/logs" "$HOME_DIR/run"
    export_settings
    create_database
    "$VENV_BIN/airflow" db migrate >"$HOME_DIR/logs/db-migrate.log" 2>&1 \
        || { tail -n 30 "$HOME_DIR/logs/db-migrate.log" >&2; exit 1; }
    # The pools the DAGs' API tasks use (rate limits), named by the project's source registry.
    "$VENV_BIN/python" -m echolot.app.airflow_pools | while IFS=$'\t' read -r pool slots description; do
        "$VENV_BIN/airflow" pools set "$pool" "$slots" "$description" >/dev/null
    done
    launch api-server "$VENV_BIN/airflow" api-server --host 127.0.0.1 --port "$PORT"
    launch scheduler "$VENV_BIN/airflow" scheduler
    launch dag-processor "$VENV_BIN/airflow" dag-processor
    AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=$((PORT + 3)) \
        launch triggerer "$VENV_BIN/airflow" triggerer
    for n in 1 2; do
        ECHOLOT_WORKER_NAME="worker$n" AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$((PORT + 3 + n)) \
            launch "worker$n" "$VENV_BIN/airflow" celery worker \
            --celery-hostname "worker$n@%h" --queues "$QUEUE" --concurrency 1 --skip-serve-logs
    done
    wait_healthy
}

stop() {
    for name in "${COMPONENTS[@]}"; do
        local pid; pid="$(pid_of "$name")"
        [ -n "$pid" ] || continue
        # Each component leads its own session: signal the whole group (gunicorn, task runners).
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 40); do
        local alive=0
        for name in "${COMPONENTS[@]}"; do running "$name" && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.5
    done
    for name in "${COMPONENTS[@]}"; do
        local pid; pid="$(pid_of "$name")"
        [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null || true
        rm -f "$HOME_DIR/run/$name.pid"
    done
    echo "stopped"
}

status() {
    for name in "${COMPONENTS[@]}"; do
        if running "$name"; then echo "$name running (pid $(pid_of "$name"))"; else echo "$name stopped"; fi
    done
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
