"""CSV and JSONL exports from other tools, through the same normalisation and quarantine."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import FIXTURES, count

from echolot.config import FileSource
from echolot.errors import EcholotError
from ingest.runner import ingest_file


def csv_source(path: Path = FIXTURES / "export.csv", **extra) -> FileSource:
    return FileSource.model_validate({
        "type": "file", "name": "csv_export", "format": "csv", "path": path, "platform": "x",
        "columns": {"id": "post_id", "text": "body", "created_at": "posted", "author_id": "user",
                    "author_name": "handle", "likes": "likes", "parent_id": "in_reply_to",
                    "followers": "followers", "lang": "language"},
        **extra,
    })  # fmt: skip


def jsonl_source() -> FileSource:
    return FileSource.model_validate({
        "type": "file", "name": "jsonl_export", "format": "jsonl", "path": FIXTURES / "export.jsonl",
        "platform": "brandwatch",
        "columns": {"id": "id", "text": "content.text", "created_at": "ts", "author_id": "user.id",
                    "author_name": "user.name", "followers": "user.followers",
                    "likes": "stats.likes", "parent_id": "reply_to"},
    })  # fmt: skip


def test_csv_rows_become_posts_replies_and_snapshots(db) -> None:
    report = ingest_file(db, csv_source())
    assert (report.fetched, report.stored, report.quarantined) == (2, 2, 2)
    with db, db.cursor() as cur:
        cur.execute("SELECT platform_id, kind, created_at, like_count, text FROM posts ORDER BY 1")
        rows = cur.fetchall()
        cur.execute("SELECT reason FROM quarantine ORDER BY reason")
        reasons = [r[0] for r in cur.fetchall()]
    assert rows[0][:4] == ("9001", "post", datetime(2026, 11, 3, 10, tzinfo=UTC), 5)
    # Epoch seconds work as timestamps; quoted newlines stay inside the text.
    assert rows[1][1] == "reply" and rows[1][4] == "Thanks! Mine took longer,\nbut works"
    assert reasons == [
        "export.csv record 3 (id 9003): missing created_at (column 'posted')",
        "export.csv record 4 (id 9004): likes 'many' is not a number",
    ]
    assert count(db, "interactions", "kind = 'reply' AND target_post_id = '9001'") == 1
    assert count(db, "author_snapshots", "author_id = 'u1' AND followers = 1200") == 1


def test_jsonl_with_dotted_paths_and_broken_lines(db) -> None:
    report = ingest_file(db, jsonl_source())
    assert (report.stored, report.quarantined) == (2, 2)
    assert (
        count(db, "posts", "platform = 'brandwatch' AND author_id = 'k1' AND like_count = 7") == 1
    )
    assert count(db, "posts", "created_at = '2026-11-04T07:00:00Z'") == 1  # +01:00 became UTC
    assert count(db, "quarantine", "reason LIKE 'line 3: not valid JSON%'") == 1
    assert count(db, "quarantine", "reason LIKE '%missing id (column ''id'')'") == 1


def test_small_batches_resume_after_the_last_committed_batch(db, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((FIXTURES / "export.csv").read_bytes())
    first = ingest_file(db, csv_source(path, batch_size=1))
    assert first.pages == 4
    again = ingest_file(db, csv_source(path, batch_size=1))
    assert again.pages == 0 and again.skipped_pages == 4
    # An appended row changes the file: it is read again from the top, without duplicates.
    path.write_bytes(path.read_bytes() + b"9005,new one,2026-11-05T00:00:00Z,u1,lena,0,,1300,en\n")
    third = ingest_file(db, csv_source(path, batch_size=1))
    assert third.stored == 1 and count(db, "posts") == 3


def test_invalid_utf8_in_a_csv_is_quarantined(db, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        b"post_id,body,posted\n1,caf\xe9 Lumora,2026-11-03T10:00:00Z\n2,fine,2026-11-03T11:00:00Z\n"
    )
    source = FileSource.model_validate({
        "type": "file", "name": "latin", "format": "csv", "path": path, "platform": "x",
        "columns": {"id": "post_id", "text": "body", "created_at": "posted"},
    })  # fmt: skip
    report = ingest_file(db, source)
    assert (report.stored, report.quarantined) == (1, 1)
    assert count(db, "quarantine", "reason LIKE '%text is not valid UTF-8'") == 1


def test_mapping_is_required_for_tabular_formats_only() -> None:
    with pytest.raises(ValueError, match="format 'csv' needs `platform` and `columns`"):
        FileSource.model_validate({"type": "file", "name": "a", "format": "csv", "path": "a.csv"})
    with pytest.raises(ValueError, match="format 'x_v2_pages' takes no `platform` or `columns`"):
        FileSource.model_validate({"type": "file", "name": "a", "format": "x_v2_pages",
                                   "path": "a.jsonl", "platform": "x"})  # fmt: skip


def test_missing_file_is_named(db, tmp_path: Path) -> None:
    with pytest.raises(EcholotError, match=r"source 'csv_export': file .*nope\.csv does not exist"):
        ingest_file(db, csv_source(tmp_path / "nope.csv"))


def test_recorded_bluesky_and_mastodon_bodies_replay_from_files(db) -> None:
    bluesky = FileSource(
        type="file", name="bsky_file", format="bluesky_api", path=FIXTURES / "bluesky_pages.jsonl"
    )
    report = ingest_file(db, bluesky)
    assert (report.stored, report.quarantined) == (2, 1)  # the line that is no body is kept aside
    assert count(db, "interactions", "platform = 'bluesky' AND kind = 'reply'") == 1
    assert count(db, "author_snapshots", "platform = 'bluesky' AND followers = 200") == 1
    mastodon = FileSource(
        type="file",
        name="masto_file",
        format="mastodon_api",
        path=FIXTURES / "mastodon_pages.jsonl",
    )
    report = ingest_file(db, mastodon)
    assert (
        report.stored == 4 and count(db, "posts", "platform = 'mastodon' AND kind = 'repost'") == 1
    )
    assert ingest_file(db, mastodon).stored == 0
