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
- `evidence`: the posts detectors judge, with their brand scope, and every post a finding
  rests on.
- `findings`: findings, topic summaries, embeddings and the posts a digest quotes.
- `routing`: digests with their outbox messages, deliveries, and the outbox relay.
- `delivery`: per-channel delivery, parked messages, digest links, feedback.
- `operations`: runs, watermarks and changed days, table counts, retention, forgetting and
  tombstones, read-only access to the reporting views.

Rows pass as named tuples (`FindingRow`, `ScoreRow`, `InfluenceRow`, ...), each defined beside
the function that writes or returns it; its fields are the table's columns in order.

Facts several queries need are SQL functions (migration 0013), so each has one definition:
`LEFT JOIN LATERAL author_audience_at(p.platform, p.author_id, p.created_at) au ON true` (the
author's audience at posting time, no row when never measured) and
`LEFT JOIN LATERAL latest_sentiment(p.id) s ON true` (the newest labelled score).
"""

from echolot.store.bulk import Cursor, Json, UpsertCounts
from echolot.store.findings import (
    FindingRow,
    embeddings_of,
    evidence_posts,
    finding_by_id,
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
    PostNlpRow,
    PostToAnalyse,
    ScoreRow,
    brand_scope,
    posts_to_analyse,
    unanalysed_id_ranges,
    upsert_brand_scope,
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
    AuthorDay,
    InfluenceColumns,
    InfluenceRow,
    InteractionEdge,
    PostReach,
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
    replace_influence_columns,
    upsert_campaign_kpi,
    upsert_post_reach,
)
from echolot.store.routing import (
    DeliveredFinding,
    Delivery,
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
    HorizonPost,
    LiveTopic,
    TopicAssignment,
    add_topic_event,
    assign_topics,
    live_topics,
    retire_topic,
    save_topic,
    topic_horizon,
    unchecked_topic_posts,
)

__all__ = [
    "TABLE_COUNTS",
    "AuthorDay",
    "BatchCounts",
    "Cursor",
    "DeliveredFinding",
    "Delivery",
    "FindingRow",
    "ForgetCounts",
    "HorizonPost",
    "InfluenceColumns",
    "InfluenceRow",
    "InteractionEdge",
    "Json",
    "LiveTopic",
    "OutboxMessage",
    "PostNlpRow",
    "PostReach",
    "PostToAnalyse",
    "ScoreRow",
    "TopicAssignment",
    "UpsertCounts",
    "active_days",
    "add_topic_event",
    "assign_topics",
    "author_ids_by_handle",
    "authors_observed_since",
    "brand_scope",
    "campaign_kpi_rows",
    "changed_days",
    "claim_due_outbox",
    "deliveries",
    "digest",
    "digest_exists",
    "embeddings_of",
    "evidence_posts",
    "finding_by_id",
    "findings_in_window",
    "findings_of_kind_since",
    "finish_run",
    "first_post_times",
    "forget",
    "forgotten_items",
    "grant_readonly",
    "insert_quarantine",
    "interaction_edges",
    "live_topics",
    "load_checkpoint",
    "load_watermark",
    "mark_failed",
    "mark_sent",
    "opinion_leaders",
    "outbox_after",
    "outbox_backlog",
    "post_reach",
    "post_time_range",
    "posts_containing",
    "posts_to_analyse",
    "purge_older_than",
    "reach_posts",
    "record_deliveries",
    "replace_influence",
    "replace_influence_columns",
    "reporting_views",
    "retire_topic",
    "save_checkpoint",
    "save_topic",
    "save_watermark",
    "start_run",
    "table_counts",
    "topic_horizon",
    "topic_summaries",
    "unanalysed_id_ranges",
    "unchecked_topic_posts",
    "upsert_authors",
    "upsert_brand_scope",
    "upsert_campaign_kpi",
    "upsert_digest_with_outbox",
    "upsert_embeddings",
    "upsert_findings",
    "upsert_interactions",
    "upsert_post_nlp",
    "upsert_post_reach",
    "upsert_posts",
    "upsert_scores",
    "upsert_snapshots",
    "withdraw_stale_findings",
    "write_batch",
]
