#!/usr/bin/env bash
# Start PostgreSQL (127.0.0.1:5432) and RabbitMQ (127.0.0.1:5672) if they are installed but down.
# With CI=true a service that cannot be reached is an error here, so the tests never silently
# fall back or skip.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

wait_for() {  # wait_for CHECK SECONDS
    for _ in $(seq 1 $(($2 * 2))); do "$1" && return 0; sleep 0.5; done
    return 1
}

if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
        echo "starting PostgreSQL $version cluster 'main'"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    wait_for pg_up 20
fi
if ! amqp_up && command -v rabbitmq-server >/dev/null 2>&1; then
    echo "starting RabbitMQ"
    rabbitmq-server -detached || true
    wait_for amqp_up 60
fi

missing=0
report() {  # report NAME CHECK
    if "$2"; then
        echo "$1 answers"
    elif [ "${CI:-}" = "true" ]; then
        echo "ERROR: $1 is required in CI but does not answer" >&2
        missing=1
    else
        echo "$1 is not running; database tests use an embedded server, broker tests are skipped"
    fi
}
report "PostgreSQL at 127.0.0.1:5432" pg_up
report "RabbitMQ at 127.0.0.1:5672" amqp_up
exit "$missing"
