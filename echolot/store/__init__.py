"""Data access: every statement that reads or writes Echolot's tables, one module per stage.

Callers use the package (`from echolot import store; store.write_batch(cur, ...)`); each
function lives in the module of the stage that owns its tables:

- `bulk`: the COPY + upsert machinery the writers share (`copy_upsert`, `Json`,
  `UpsertCounts`, `dict_rows`) and the `Cursor` type.
- `ingest`: `write_batch` (authors, snapshots, posts, interactions, quarantine, tombstones
  kept out), checkpoints, `authors_observed_since`.
- `nlp`: post NLP rows, embeddings, sentiment scores, posts still to analyse and their id ranges.
- `topics`: the topic horizon, live topics, topic events and topic assignments.
- `reach`: cascades, interaction edges, active days, influence, post reach, campaign KPIs and
  campaign look-ups.
- `findings`: the posts detectors judge, topic summaries, embeddings and evidence; findings.
- `routing`: digests with their outbox messages, deliveries, and the outbox relay.
- `operations`: runs, watermarks and changed days, table counts, retention, forgetting and
  tombstones, read-only access to the reporting views.
"""

from echolot.store.bulk import Cursor, Json, UpsertCounts
from echolot.store.findings import (
    embeddings_of,
    evidence_posts,
    finding_by_id,
    finding_posts,
    findings_in_window,
    findings_of_kind_since,
    topic_summaries,
    upsert_findings,
    withdraw_stale_findings,
)
from echolot.store.ingest import (
    BatchCounts,
    authors_observed_since,
    insert_quarantine,
    load_checkpoint,
    save_checkpoint,
    upsert_authors,
    upsert_interactions,
    upsert_posts,
    upsert_snapshots,
    write_batch,
)
from echolot.store.nlp import (
    posts_to_analyse,
    unanalysed_id_ranges,
    upsert_embeddings,
    upsert_post_nlp,
    upsert_scores,
)
from echolot.store.operations import (
    TABLE_COUNTS,
    ForgetCounts,
    changed_days,
    finish_run,
    forget,
    forgotten_items,
    grant_readonly,
    load_watermark,
    post_time_range,
    purge_older_than,
    reporting_views,
    save_watermark,
    start_run,
    table_counts,
)
from echolot.store.reach import (
    active_days,
    author_ids_by_handle,
    campaign_kpi_rows,
    first_post_times,
    interaction_edges,
    opinion_leaders,
    post_reach,
    posts_containing,
    reach_posts,
    replace_influence,
    upsert_campaign_kpi,
    upsert_post_reach,
)
from echolot.store.routing import (
    OutboxMessage,
    claim_due_outbox,
    deliveries,
    digest,
    digest_exists,
    mark_failed,
    mark_sent,
    outbox_after,
    outbox_backlog,
    record_deliveries,
    upsert_digest_with_outbox,
)
from echolot.store.topics import (
    add_topic_event,
    assign_topics,
    live_topics,
    retire_topic,
    save_topic,
    topic_horizon,
    unchecked_topic_posts,
)

__all__ = [
    "TABLE_COUNTS", "BatchCounts", "Cursor", "ForgetCounts", "Json", "OutboxMessage",
    "UpsertCounts", "active_days", "add_topic_event", "assign_topics", "author_ids_by_handle",
    "authors_observed_since", "campaign_kpi_rows", "changed_days", "claim_due_outbox",
    "deliveries", "digest", "digest_exists", "embeddings_of",
    "evidence_posts", "finding_by_id", "finding_posts", "findings_in_window",
    "findings_of_kind_since",
    "finish_run", "first_post_times", "forget", "forgotten_items", "grant_readonly",
    "insert_quarantine", "interaction_edges", "live_topics", "load_checkpoint",
    "load_watermark", "mark_failed", "mark_sent", "opinion_leaders", "outbox_after",
    "outbox_backlog", "post_reach", "post_time_range", "posts_containing", "posts_to_analyse",
    "purge_older_than", "reach_posts", "record_deliveries", "replace_influence",
    "reporting_views", "retire_topic", "save_checkpoint", "save_topic", "save_watermark",
    "start_run", "table_counts", "topic_horizon", "topic_summaries", "unanalysed_id_ranges",
    "unchecked_topic_posts", "upsert_authors", "upsert_campaign_kpi", "upsert_digest_with_outbox",
    "upsert_embeddings", "upsert_findings", "upsert_interactions", "upsert_post_nlp",
    "upsert_post_reach", "upsert_posts", "upsert_scores", "upsert_snapshots",
    "withdraw_stale_findings", "write_batch",
]  # fmt: skip
