#!/usr/bin/env bash
# Start PostgreSQL on 127.0.0.1:5432 if it is installed but down. With CI=true a server that
# cannot be reached is an error here, so the tests never silently fall back or skip.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
        echo "starting PostgreSQL $version cluster 'main'"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
fi

if pg_up; then
    echo "PostgreSQL answers at 127.0.0.1:5432"
elif [ "${CI:-}" = "true" ]; then
    echo "ERROR: PostgreSQL is required in CI but does not answer at 127.0.0.1:5432" >&2
    exit 1
else
    echo "PostgreSQL is not running at 127.0.0.1:5432; tests will use an embedded server"
fi
