"""Runs Echolot's DAGs with `dag.test()` against real PostgreSQL and RabbitMQ, replaying the X
and Reddit APIs. Started by tests/test_dags.py in its own process (Airflow's settings must be in
the environment before Airflow is imported); prints one JSON line of what happened.

    python tests/dag_harness.py PROJECT LOGICAL_DATE_ISO [--fail-x-once]
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import responses
from airflow.dag_processing.dagbag import DagBag

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
X_RECENT = "https://api.twitter.com/2/tweets/search/recent"
REDDIT = "https://oauth.reddit.com"


def replay(mock: responses.RequestsMock, interval_start: datetime, fail_x_once: bool) -> None:
    page = json.loads((REPO / "ingest/sample/data/x_search.jsonl").read_text().splitlines()[0])
    page["meta"].pop("next_token")
    if fail_x_once:
        # More 503s than the connector retries: the task fails once, Airflow retries it.
        for _ in range(5):
            mock.add(responses.GET, X_RECENT, json={"title": "Service Unavailable"}, status=503)
    mock.add(responses.GET, X_RECENT, json=page)

    mock.add(responses.POST, "https://www.reddit.com/api/v1/access_token",
             json={"access_token": "t", "token_type": "bearer", "expires_in": 86400, "scope": "*"})  # fmt: skip
    fixtures = HERE / "fixtures" / "reddit"
    # Move the recorded submissions into the data interval the run asks for.
    shift = interval_start.timestamp() + 60 - 1762700000.0
    listing = json.loads((fixtures / "new.json").read_text())
    for child in listing["data"]["children"]:
        child["data"]["created_utc"] += shift
    mock.add(responses.GET, f"{REDDIT}/r/smarthome/new", json=listing)
    for sid in ("s1", "s2"):
        body = json.loads((fixtures / f"comments_{sid}.json").read_text())
        body[0]["data"]["children"][0]["data"]["created_utc"] += shift
        mock.add(responses.GET, f"{REDDIT}/comments/{sid}/", json=body)
    mock.add(responses.POST, f"{REDDIT}/api/morechildren/",
             json=json.loads((fixtures / "morechildren_s2.json").read_text()))  # fmt: skip
    for name in ("alice", "bob", "carol"):
        mock.add(responses.GET, f"{REDDIT}/user/{name}/about/",
                 json=json.loads((fixtures / f"about_{name}.json").read_text()))  # fmt: skip


def main() -> None:
    project, logical_iso = sys.argv[1], sys.argv[2]
    fail_x_once = "--fail-x-once" in sys.argv
    logical_date = datetime.fromisoformat(logical_iso)
    bag = DagBag()
    result: dict = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}}
    dags = {d.dag_id: d for d in bag.dags.values()}

    ingest = dags[f"echolot_{project}_ingest"]
    if fail_x_once:
        for task in ingest.tasks:
            task.retry_delay = timedelta(seconds=0)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        replay(mock, logical_date, fail_x_once)
        runs = [("ingest", ingest, logical_date),
                ("process", dags[f"echolot_{project}_process"], logical_date),
                ("digest_sales", dags[f"echolot_{project}_digest_sales"],
                 logical_date.replace(hour=8, minute=0)),
                ("maintenance", dags[f"echolot_{project}_maintenance"], logical_date)]  # fmt: skip
        for name, dag, when in runs:
            run = dag.test(logical_date=when)
            result[name] = {
                "state": str(run.state),
                "tries": {ti.task_id: ti.try_number for ti in run.get_task_instances()},
                "states": {ti.task_id: str(ti.state) for ti in run.get_task_instances()},
            }
        result["x_auth"] = sorted(
            {
                c.request.headers.get("Authorization", "")
                for c in mock.calls
                if "twitter" in c.request.url
            }
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
