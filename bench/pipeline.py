"""The whole pipeline at brand volumes: ingest -> NLP -> topics -> reach -> findings -> routing.

For each size N (default 10,000, 30,000 and 100,000 posts) a child process builds a fresh
database, writes N posts of real-shaped text and runs every stage once through the application
layer (echolot.app.stages, as `echolot run` does), printing per stage the seconds and the peak
RSS of that stage (the kernel's high-water mark is reset before each stage). The parent prints
the growth exponent of every stage between sizes (log(t2/t1) / log(N2/N1): 1 is linear, N log N
is about 1.1 here) and ends with one JSON line:

    {"benchmark": "pipeline", "runs": {"10000": {"stages": {...}, "total_seconds": s,
     "peak_rss_mib": m}, ...}, "growth": {...}, "machine": "..."}

Posts: the sample corpus's X search pages replicated with shifted ids (ingest/sample/
replicate.py); copy k > 0 of a post gets the hashtag `#day<k>` appended so every copy is a
distinct text (the NLP stage caches by text: identical copies would measure the cache). Or any
JSONL of posts (`--jsonl FILE`, one object per line with `id`, `text`, `created_at` and optional
`author_id`, `author_name`, `lang`), cycled with the same rule up to N.

    .venv/bin/python bench/pipeline.py [--posts 10000 30000 100000] [--jsonl FILE]
        [--stage-timeout 1800]

Uses ECHOLOT_BENCH_SERVER_URL (default: the PostgreSQL at 127.0.0.1:5432, database `test`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice, pairwise
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# This folder holds scripts named like the packages (bench/nlp.py, bench/ingest.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(REPO))

STAGES = ("ingest", "nlp", "topics", "reach", "findings", "routing")
DEFAULT_SIZES = (10_000, 30_000, 100_000)


# --------------------------------------------------------------------------------------------
# Corpus


def _retag(text: str, copy: int) -> str:
    return text if copy == 0 else f"{text} #day{copy}"


def replicated_x_pages(posts: int) -> list[dict[str, Any]]:
    """Sample X pages, copied with shifted ids and distinct texts, until `posts` tweets."""
    from ingest.sample.replicate import ID_OFFSET, SAMPLE_X_PAGES, shifted

    originals = [json.loads(line) for line in SAMPLE_X_PAGES.read_text().splitlines()]
    pages, total, copy = [], 0, 0
    while total < posts:
        for page in originals:
            page = shifted(page, copy * ID_OFFSET)
            tweets = page.get("data") or []
            tweets = tweets[: posts - total]
            for tweet in tweets:
                tweet["text"] = _retag(tweet.get("text", ""), copy)
            page["data"] = tweets
            page.get("meta", {}).pop("next_token", None)
            if tweets:
                pages.append(page)
            total += len(tweets)
            if total >= posts:
                break
        copy += 1
    return pages


def jsonl_rows(path: Path, posts: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not rows:
        raise SystemExit(f"{path}: no rows")
    out = []
    for index, row in enumerate(islice(cycle(rows), posts)):
        copy = index // len(rows)
        out.append({**row, "id": f"{row['id']}-{copy}", "text": _retag(row["text"], copy)})
    return out


def write_project(folder: Path, posts: int, jsonl: Path | None) -> Path:
    """A copy of the example project whose one source is the generated corpus."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "example.yaml").read_text())
    config["project"] = "benchpipeline"
    if jsonl is None:
        data = folder / "x_pages.jsonl"
        with data.open("w") as handle:
            for page in replicated_x_pages(posts):
                handle.write(json.dumps(page, ensure_ascii=False) + "\n")
        source = {"name": "bench_x", "type": "file", "format": "x_v2_pages", "path": data.name}
    else:
        data = folder / "posts.jsonl"
        with data.open("w") as handle:
            for row in jsonl_rows(jsonl, posts):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        columns = {"id": "id", "text": "text", "created_at": "created_at"}
        sample = json.loads(data.open().readline())
        columns |= {key: key for key in ("author_id", "author_name", "lang") if key in sample}
        source = {"name": "bench_jsonl", "type": "file", "format": "jsonl", "platform": "x",
                  "path": data.name, "columns": columns}  # fmt: skip
    config["sources"] = [source]
    for team in config.get("teams", {}).values():
        team.pop("deliver", None)  # the benchmark measures routing into the outbox, not SMTP
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


# --------------------------------------------------------------------------------------------
# One size, in a child process


def run_size(posts: int, jsonl: Path | None) -> None:
    import psycopg2

    from bench.support import fresh_database, reset_step_peak, step_peak_mib
    from echolot.app import stages, windows
    from echolot.config import load_config

    with fresh_database("echolot_bench_pipeline") as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["ECHOLOT_IMPORT_DIR"] = str(folder)
        config = load_config(write_project(folder, posts, jsonl))
        conn = psycopg2.connect(url)
        state: dict[str, Any] = {}

        def ingest() -> None:
            list(stages.ingest(conn, stages.choose_sources(config, None, "bench"), None))

        def nlp() -> None:
            for id_range in stages.plan_analysis(conn, config):
                stages.analyse(conn, config, id_range)
            state["window"] = windows.run_window(conn, config, None)

        steps = {
            "ingest": ingest,
            "nlp": nlp,
            "topics": lambda: stages.topics(conn, config, state["window"]),
            "reach": lambda: stages.reach(conn, config, state["window"]),
            "findings": lambda: stages.findings(conn, config, state["window"]),
            "routing": lambda: stages.digests(conn, config, state["window"]),
        }
        for stage in STAGES:
            reset_step_peak()
            began = time.perf_counter()
            steps[stage]()
            seconds = time.perf_counter() - began
            print(json.dumps({"stage": stage, "seconds": round(seconds, 2),
                              "peak_rss_mib": round(step_peak_mib())}), flush=True)  # fmt: skip
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM posts")
            print(json.dumps({"stored_posts": cur.fetchone()[0]}), flush=True)
        conn.close()


# --------------------------------------------------------------------------------------------
# Parent: sizes side by side


def measure(posts: int, jsonl: Path | None, timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(posts)]
    if jsonl:
        command += ["--jsonl", str(jsonl)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    stages_done: dict[str, float] = {}
    peaks: list[float] = []
    stored = None
    began = time.monotonic()
    assert process.stdout is not None
    for line in process.stdout:
        record = json.loads(line)
        if "stage" in record:
            stages_done[record["stage"]] = record["seconds"]
            peaks.append(record["peak_rss_mib"])
            print(f"  {posts:>7,} posts  {record['stage']:<9} {record['seconds']:>8.1f} s  "
                  f"{record['peak_rss_mib']:>6,} MiB", flush=True)  # fmt: skip
        stored = record.get("stored_posts", stored)
        if time.monotonic() - began > timeout:
            process.kill()
            break
    code = process.wait()
    result: dict[str, Any] = {
        "stages": stages_done,
        "total_seconds": round(sum(stages_done.values()), 2),
        "peak_rss_mib": max(peaks) if peaks else None,
        "stored_posts": stored,
    }
    if code != 0 or len(stages_done) < len(STAGES):
        missing = [s for s in STAGES if s not in stages_done]
        result["unfinished"] = missing
        print(f"  {posts:>7,} posts  did not finish {missing} (exit {code})", flush=True)
    return result


def growth(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    sizes = sorted(int(n) for n in runs)
    out: dict[str, dict[str, float]] = {}
    for small, large in pairwise(sizes):
        key = f"{small}->{large}"
        out[key] = {}
        for stage in STAGES:
            a, b = runs[str(small)]["stages"].get(stage), runs[str(large)]["stages"].get(stage)
            if a and b and a > 0:
                out[key][stage] = round(math.log(b / a) / math.log(large / small), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--jsonl", type=Path)
    parser.add_argument("--stage-timeout", type=float, default=3600,
                        help="seconds one size may take in all before it is stopped")  # fmt: skip
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_size(args.child, args.jsonl)
        return
    from bench.support import machine

    print(f"machine: {machine()}")
    runs = {str(n): measure(n, args.jsonl, args.stage_timeout) for n in sorted(args.posts)}
    rates = growth(runs)
    for key, exponents in rates.items():
        print(f"growth {key}: " + ", ".join(f"{s} {e}" for s, e in exponents.items()))
    print(json.dumps({"benchmark": "pipeline", "runs": runs, "growth": rates,
                      "machine": machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
