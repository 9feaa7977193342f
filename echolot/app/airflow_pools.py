"""The Airflow pools Echolot's DAGs use, one line each: `pool<TAB>slots<TAB>description`.

Read from the source registry, so a new platform's pool is created with the others:

    python -m echolot.app.airflow_pools | while IFS=$'\\t' read -r pool slots text; do
        airflow pools set "$pool" "$slots" "$text"; done
"""

from __future__ import annotations

from echolot import sources

# One call at a time per platform: the connectors already pace themselves within a call, and
# parallel runs (backfills) must not multiply the request rate.
SLOTS = 1


def pools() -> list[tuple[str, int, str]]:
    by_pool: dict[str, list[str]] = {}
    for type_name, pool in sources.api_pools().items():
        by_pool.setdefault(pool, []).append(type_name)
    return [
        (pool, SLOTS, f"Echolot API calls: {', '.join(sorted(types))}")
        for pool, types in sorted(by_pool.items())
    ]


def main() -> None:
    for pool, slots, description in pools():
        print(f"{pool}\t{slots}\t{description}")


if __name__ == "__main__":
    main()
