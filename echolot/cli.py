"""The `echolot` command line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from echolot import migrations, store
from echolot.app import delivery, findings, session, stages, training, windows
from echolot.app.pipeline import RunSummary, run_pipeline
from echolot.config import load_config
from echolot.database import connect, redact, resolve_database_url
from echolot.errors import DataError, EcholotError, UsageError
from echolot.models import Window

app = typer.Typer(help="Echolot: social listening and insight routing.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and status.", no_args_is_help=True)
config_app = typer.Typer(help="Listening-project configuration files.", no_args_is_help=True)
app.add_typer(db_app, name="db")
digests_app = typer.Typer(help="Digests sent to teams.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(digests_app, name="digests")
findings_app = typer.Typer(help="Findings the detectors wrote.", no_args_is_help=True)
app.add_typer(findings_app, name="findings")

# soft_wrap: long lines (paths, URLs) stay whole so they can be copied and grepped.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="Listening-project YAML file.", show_default=False)
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder for the embedded PostgreSQL when ECHOLOT_DATABASE_URL is not set "
        "[default: $ECHOLOT_DATA_DIR or .echolot]",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn Echolot errors into one clear line on stderr and a non-zero exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except EcholotError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _parse_time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not an ISO 8601 date or timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _window(since: str | None, until: str | None) -> Window | None:
    start, end = _parse_time(since, "--since"), _parse_time(until, "--until")
    return windows.requested(start, end, "--since", "--until")


@app.command()
@reports_errors
def run(
    config: ConfigOption,
    since: Annotated[str | None, typer.Option(help="Window start (ISO 8601, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Window end (ISO 8601, UTC).")] = None,
    data_dir: DataDirOption = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Run the whole pipeline once: ingest, score, find, route."""
    project = training.with_heads_dir(load_config(config), data_dir)
    window = _window(since, until)
    with session.database(data_dir) as conn:
        bars = (
            Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err_console,
                transient=True,
            )
            if progress
            else None
        )
        summary = run_pipeline(conn, project, window, bars)
    _print_summary(project.project, summary)


def _print_sources(title: str, reports: list[stages.SourceReport]) -> None:
    columns = ("source", "pages", "fetched", "stored", "updated", "duplicates", "quarantined")
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column == "source" else "right", no_wrap=True)
    for s in reports:
        counts = (s.pages, s.fetched, s.stored, s.updated, s.duplicates, s.quarantined)
        table.add_row(s.source, *(str(v) for v in counts))
    console.print(table)
    for s in reports:
        if s.budget_limit:
            note = f" — {s.stopped}" if s.stopped else ""
            console.print(f"{s.source}: read budget used {s.budget_used}/{s.budget_limit}{note}")


def _print_summary(project: str, summary: RunSummary) -> None:
    _print_sources(f"Echolot run {summary.run_id} — project {project}", summary.sources)
    window = (
        f"{summary.window[0]:%Y-%m-%d} .. {summary.window[1]:%Y-%m-%d}" if summary.window else "-"
    )
    console.print(
        f"analysed {summary.analysis.analysed} posts ({summary.analysis.sentiment_scored} with "
        f"sentiment, {summary.analysis.no_sentiment_model} in languages without a sentiment "
        f"model); {summary.topics.topics} topics ({summary.topics.created} new, outliers "
        f"{summary.topics.outlier_share:.0%}); "
        f"{summary.findings} findings in window {window}"
    )
    totals = Table(title="Stored rows")
    totals.add_column("table", no_wrap=True)
    totals.add_column("rows", justify="right")
    for name, rows in summary.totals.items():
        totals.add_row(name, str(rows))
    console.print(totals)
    if summary.relay is not None:
        console.print(
            f"relay: published {summary.relay.published}, failed {summary.relay.failed}, "
            f"still queued {summary.relay.backlog}" + (f" ({summary.relay.error})"
                                                        if summary.relay.error else "")
        )  # fmt: skip
    for digest in summary.digests:
        state = "queued in outbox" if digest.queued else "unchanged, already in outbox"
        console.rule(f"digest {digest.digest_id} for team {digest.team} ({state})")
        console.print(digest.body, markup=False, highlight=False, soft_wrap=True)


@app.command()
@reports_errors
def ingest(
    config: ConfigOption,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Exact window start for X/Reddit.")] = None,
    until: Annotated[str | None, typer.Option(help="Exact window end for X/Reddit.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Ingest the project's enabled sources (or the named ones) and report what each did."""
    project = load_config(config)
    window = _window(since, until)
    chosen = stages.choose_sources(project, source, str(config))
    reports: list[stages.SourceReport] = []
    try:
        with session.database(data_dir) as conn:
            for report in stages.ingest(conn, chosen, window):
                reports.append(report)
    finally:
        # The sources before a failing one were stored: say so, then report the failure.
        if reports:
            _print_sources(f"Ingest — project {project.project}", reports)


@app.command()
@reports_errors
def score(
    config: ConfigOption,
    batch_size: Annotated[int, typer.Option(help="Posts per transaction.")] = 1000,
    data_dir: DataDirOption = None,
) -> None:
    """Analyse every post the current NLP models have not analysed (language, sentiment,
    entities, intents, embeddings); a rerun does no work."""
    project = training.with_heads_dir(load_config(config), data_dir)
    with session.database(data_dir) as conn:
        ranges = stages.plan_analysis(conn, project, batch_size)
        total = stages.AnalysisReport()
        for id_range in ranges:
            total += stages.analyse(conn, project, id_range)
    console.print(
        f"analysed {total.analysed} posts in {len(ranges)} batches: {total.sentiment_scored} "
        f"with sentiment, {total.no_sentiment_model} in languages without a sentiment model, "
        f"{total.embedded_computed} texts embedded (the rest came from the cache), "
        f"{total.off_topic} off topic"
    )


@app.command()
@reports_errors
def train(
    kind: Annotated[str, typer.Argument(help="sentiment, intent or relevance.")],
    name: Annotated[str, typer.Argument(help="Head name (the project file refers to it).")],
    data: Annotated[Path, typer.Option("--data", help="CSV or JSONL: text,label[,lang].")],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Project file: its brands are masked, its "
            "embedding settings and nlp.heads_dir are used.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Where to save the head (.json).")] = None,
    algorithm: Annotated[str, typer.Option(help="logreg, svm or mlp.")] = "logreg",
    data_dir: DataDirOption = None,
) -> None:
    """Train a classifier head from labelled posts; prints its cross-validated figures."""
    if kind not in ("sentiment", "intent", "relevance"):
        raise UsageError(f"unknown head kind {kind!r}; use sentiment, intent or relevance")
    project = load_config(config) if config is not None else None
    head, path = training.train(kind, name, data, project, data_dir=data_dir, out=out,
                                algorithm=algorithm)  # fmt: skip
    console.print(f"trained {kind} head {name!r} on {head.training['rows']} posts "
                  f"({algorithm}); saved {path} ({head.version})")  # fmt: skip
    figures = head.figures
    if "macro_recall" in figures:
        recall = ", ".join(f"{label} {value:.3f}" for label, value in figures["recall"].items())
        console.print(f"{figures['folds']}-fold cross-validated: macro-recall "
                      f"{figures['macro_recall']:.3f}, accuracy {figures['accuracy']:.3f} "
                      f"(recall: {recall})")  # fmt: skip
    else:
        for label, value in figures.items():
            if isinstance(value, dict):
                console.print(f"  {label}: precision {value['precision']:.3f} recall "
                              f"{value['recall']:.3f} F1 {value['f1']:.3f}")  # fmt: skip


@app.command()
@reports_errors
def forget(
    platform: Annotated[str, typer.Option(help="x or reddit")],
    post: Annotated[str | None, typer.Option(help="Platform id of the post.")] = None,
    author: Annotated[str | None, typer.Option(help="Platform id of the author.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Remove a post or an author's every trace, and keep them from being ingested again."""
    if platform not in ("x", "reddit"):
        raise UsageError(f"--platform must be x or reddit, not {platform!r}")
    if (post is None) == (author is None):
        raise UsageError("give exactly one of --post or --author")
    with session.database(data_dir) as conn, conn, conn.cursor() as cur:
        counts = store.forget(cur, platform, post_id=post, author_id=author)
    what = f"post {post}" if post else f"author {author}"
    console.print(
        f"forgot {platform} {what}: {counts.posts} posts, {counts.interactions} interactions, "
        f"{counts.evidence_links} findings' evidence, {counts.quarantined} quarantined payloads; "
        f"redacted {counts.redacted} digests, outbox messages, findings and KPI rows"
    )


@app.command()
@reports_errors
def dispatch(
    config: ConfigOption,
    now: Annotated[
        str | None, typer.Option(help="Act as if it were this instant (ISO 8601); default: now.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """One scheduler tick without Airflow: alert on severe findings, and write each team's
    digest once its send time has come. Run it from cron every few minutes."""
    project = load_config(config)
    instant = windows.instant(_parse_time(now, "--now"))
    with session.database(data_dir) as conn:
        reports, held = stages.dispatch(conn, project, instant)
        relayed = stages.relay(conn)
    for report in reports:
        state = "queued" if report.queued else "unchanged"
        console.print(f"{report.kind} {report.digest_id} for {report.team}: "
                      f"{report.findings} findings, {state}")  # fmt: skip
    for hold in held:
        until = f"{hold.until:%Y-%m-%d %H:%M} UTC"
        console.print(f"alert for {hold.team} held by quiet hours until {until} "
                      f"({hold.findings} findings)")  # fmt: skip
    if not reports and not held:
        console.print("nothing due")
    if relayed is not None:
        console.print(f"published {relayed.published}, still queued {relayed.backlog}")


@app.command()
@reports_errors
def relay(data_dir: DataDirOption = None) -> None:
    """Publish due outbox messages to RabbitMQ ($ECHOLOT_AMQP_URL) and mark them sent."""
    url = stages.require_broker()
    with session.database(data_dir) as conn:
        report = stages.publish(conn, url)
    console.print(
        f"published {report.published}, failed {report.failed}, still queued {report.backlog}"
    )
    stages.raise_for_relay(report)


@app.command("deliver")
@reports_errors
def deliver_to_channels(
    config: ConfigOption,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Hand each team's waiting digests to its channels (e-mail, Slack, Teams): from its
    RabbitMQ queue when ECHOLOT_AMQP_URL is set, else from the outbox table."""
    project = load_config(config)
    with session.database(data_dir) as conn:
        reports = delivery.to_channels(conn, project, team, where=str(config))
    if not reports:
        console.print("no team has channels: add teams.<name>.deliver to the project file")
    for r in reports:
        console.print(f"{r.team} ({r.source}): delivered {r.delivered} ({r.sent} channel sends), "
                      f"already delivered {r.duplicates}, parked {r.parked}")  # fmt: skip
        for line in [*r.reasons, *([r.error] if r.error else [])]:
            err_console.print(f"  {line}", markup=False, highlight=False)
    delivery.raise_for_delivery(reports)


@app.command()
@reports_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the feedback links and digest pages of delivered digests (needs
    ECHOLOT_FEEDBACK_SECRET; set ECHOLOT_PUBLIC_URL to the address people reach it at)."""
    delivery.serve(data_dir, host, port)


@digests_app.command("show")
@reports_errors
def digests_show(
    digest_id: Annotated[int, typer.Argument(help="Digest id, as printed by `echolot run`.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write its e-mail HTML page to this file.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Also write its Markdown to this file.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print one digest; optionally save its HTML and Markdown forms."""
    with session.database(data_dir) as conn, conn, conn.cursor() as cur:
        found = store.digest(cur, digest_id)
    if found is None:
        raise UsageError(f"no digest with id {digest_id}")
    # Check both before writing either, so a failed call leaves no half of what was asked.
    exports = [(path, column, name) for path, column, name in (
        (html, "body_html", "HTML"), (markdown, "body_markdown", "Markdown")) if path]  # fmt: skip
    for _, column, name in exports:
        if not found[column]:
            raise DataError(
                f"digest {digest_id} has no stored {name}: it was written before digests were "
                "rendered in that form; route its window again to render it"
            )
    for path, column, name in exports:
        try:
            path.write_text(found[column], encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {name} to {path}: {exc.strerror}") from None
        err_console.print(f"wrote {name} of digest {digest_id} to {path}", markup=False,
                          highlight=False)  # fmt: skip
    alert = ", alert" if found["kind"] == "alert" else ""
    console.rule(f"digest {found['id']} — {found['project']} / {found['team']} "
                 f"({found['detail_level']}{alert})")  # fmt: skip
    console.print(found["body_text"], markup=False, highlight=False, soft_wrap=True)


@findings_app.command("show")
@reports_errors
def findings_show(
    finding_id: Annotated[int, typer.Argument(help="Finding id, as a digest cites it.")],
    page: Annotated[int, typer.Option(help="Page of its posts to list (1 = first).")] = 1,
    page_size: Annotated[int, typer.Option(help="Posts per page.")] = 50,
    data_dir: DataDirOption = None,
) -> None:
    """Print one finding, live or withdrawn (with when and why), the digests citing it, and
    every post it rests on, a page at a time."""
    with session.database(data_dir) as conn, conn, conn.cursor() as cur:
        lines = findings.describe(cur, finding_id)
        posts = findings.evidence(cur, finding_id, page, page_size)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    console.print(posts, markup=False, highlight=False, soft_wrap=True, end="")


@digests_app.command("tail")
@reports_errors
def digests_tail(
    config: ConfigOption,
    team: Annotated[str, typer.Option(help="Team whose digests to follow.")],
    limit: Annotated[int | None, typer.Option(help="Stop after this many digests.")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without a digest.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Follow a team's digests as they are published (RabbitMQ) or queued (outbox table)."""
    project = load_config(config)
    stages.check_team(project, team, str(config))
    target = stages.follow_target(project, team)
    if target.broker_url is not None:
        err_console.print(f"following {target.queue} on {redact(target.broker_url)}")
    else:
        err_console.print(f"no broker configured: following the outbox table for team {team}")
    stages.follow(target, project, team, _DigestPrinter(limit), timeout, data_dir)


class _DigestPrinter:
    """Prints each digest; returns False once `limit` digests were shown."""

    def __init__(self, limit: int | None) -> None:
        self.remaining = limit

    def __call__(self, payload: dict[str, Any]) -> bool:
        console.rule(f"digest {payload.get('digest_id')} for team {payload.get('team')}")
        console.print(payload.get("text", ""), markup=False, highlight=False, soft_wrap=True)
        if self.remaining is None:
            return True
        self.remaining -= 1
        return self.remaining > 0


@db_app.command("migrate")
@reports_errors
def db_migrate(data_dir: DataDirOption = None) -> None:
    """Apply pending schema migrations (safe to repeat)."""
    with session.database(data_dir, migrate=False) as conn:
        applied = migrations.migrate(conn)
    console.print("applied: " + ", ".join(applied) if applied else "schema is up to date")


@db_app.command("status")
@reports_errors
def db_status(data_dir: DataDirOption = None) -> None:
    """Show the database in use, applied migrations and row counts."""
    url = resolve_database_url(data_dir)
    conn = connect(url)
    try:
        applied = migrations.applied_versions(conn)
        pending = [m.path.name for m in migrations.discover() if m.version not in applied]
        with conn, conn.cursor() as cur:
            counts = store.table_counts(cur) if not pending else {}
    finally:
        conn.close()
    console.print(f"database: {redact(url)}")
    console.print(f"migrations applied: {len(applied)}; pending: {', '.join(pending) or 'none'}")
    for table, count in counts.items():
        console.print(f"  {table:<18} {count:>10}")


@app.command()
@reports_errors
def kpi(
    config: ConfigOption,
    campaign: Annotated[str, typer.Option(help="Campaign name from the project file.")],
    since: Annotated[str | None, typer.Option(help="Window start [default: its start].")] = None,
    until: Annotated[str | None, typer.Option(help="Window end [default: its end].")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Compute, store and print a campaign's KPI chain: impulses, network, amplifiers, outcomes."""
    project = load_config(config)
    stages.check_campaign(project, campaign)  # an unknown name fails before the database opens
    start, end = _parse_time(since, "--since"), _parse_time(until, "--until")
    with session.database(data_dir) as conn:
        text = stages.campaign_chain(conn, project, campaign, start, end)
    console.print(text, highlight=False, markup=False)


@db_app.command("grant-readonly")
@reports_errors
def db_grant_readonly(
    role: Annotated[str, typer.Argument(help="Role to create or restrict (e.g. pm_reader).")],
    data_dir: DataDirOption = None,
) -> None:
    """Let ROLE select the reporting views (v_*) and nothing else; creates it if missing."""
    if not role.strip():
        raise UsageError("ROLE must not be empty")
    with session.database(data_dir) as conn, conn, conn.cursor() as cur:
        views = store.grant_readonly(cur, role)
    console.print(f"role {role!r} may select {len(views)} views: {', '.join(views)}")


@config_app.command("check")
@reports_errors
def config_check(path: Annotated[Path, typer.Argument(help="YAML file to validate.")]) -> None:
    """Validate a listening-project file without touching the database."""
    project = load_config(path)
    console.print(
        f"{path}: valid — project {project.project!r}, {len(project.sources)} sources, "
        f"{len(project.teams)} teams"
    )
