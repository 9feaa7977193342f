"""Hostile project files: confined file sources, YAML bombs, duplicate keys, unsafe names.

The YAML cases run `echolot config check` in a subprocess under CPU and memory limits, so a
regression fails with a clear error instead of taking the machine down; they assert the error
message (one line, naming the file and the problem, no traceback), never the time taken.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, count
from typer.testing import CliRunner

from echolot.config import FileSource, load_config
from echolot.config.confine import IMPORT_DIR_ENV
from echolot.errors import ConfigError

EXAMPLE = REPO / "config" / "example.yaml"
SECRET_LINE = "fernet_key = planted-secret-for-the-confinement-test"


def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding one export; the import root is this folder (the default)."""
    monkeypatch.delenv(IMPORT_DIR_ENV, raising=False)
    folder = tmp_path / "projects"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "mentions.jsonl").write_text('{"id": "1"}\n')
    (tmp_path / "airflow.cfg").write_text(f"[core]\n{SECRET_LINE}\n")
    return folder


def project_with_path(folder: Path, path: str | Path) -> Path:
    data = example_data()
    data["sources"] = [{"name": "export", "type": "file", "format": "x_v2_pages",
                        "path": str(path)}]  # fmt: skip
    out = folder / "project.yaml"
    out.write_text(yaml.safe_dump(data))
    return out


def refusal(folder: Path, path: str | Path) -> str:
    with pytest.raises(ConfigError) as error:
        load_config(project_with_path(folder, path))
    return str(error.value)


# --- confined file sources ----------------------------------------------------------------------


def test_a_path_inside_the_project_folder_resolves(project_dir: Path) -> None:
    config = load_config(project_with_path(project_dir, "exports/mentions.jsonl"))
    (source,) = config.sources
    assert isinstance(source, FileSource)
    assert source.path == (project_dir / "exports" / "mentions.jsonl").resolve()


def test_an_absolute_path_outside_the_root_is_refused(project_dir: Path) -> None:
    message = refusal(project_dir, "/etc/passwd")
    assert "sources.export.path: /etc/passwd is an absolute path outside the import root" in message
    assert str(project_dir.resolve()) in message


def test_climbing_out_with_dotdot_is_refused(project_dir: Path) -> None:
    message = refusal(project_dir, "../airflow.cfg")
    assert "sources.export.path: ../airflow.cfg climbs out with '..'" in message
    message = refusal(project_dir, "exports/../../airflow.cfg")
    assert "climbs out with '..'" in message


def test_a_symlink_leaving_the_root_is_refused(project_dir: Path) -> None:
    (project_dir / "exports" / "innocent.jsonl").symlink_to(project_dir.parent / "airflow.cfg")
    message = refusal(project_dir, "exports/innocent.jsonl")
    assert "sources.export.path: exports/innocent.jsonl is a symlink to" in message
    assert "airflow.cfg, outside the import root" in message
    # A folder symlink leaving the root is the same escape one level up.
    (project_dir / "elsewhere").symlink_to(project_dir.parent)
    assert "is a symlink to" in refusal(project_dir, "elsewhere/airflow.cfg")


def test_a_symlink_staying_inside_the_root_is_followed(project_dir: Path) -> None:
    (project_dir / "latest.jsonl").symlink_to(project_dir / "exports" / "mentions.jsonl")
    (source,) = load_config(project_with_path(project_dir, "latest.jsonl")).sources
    assert source.path == (project_dir / "exports" / "mentions.jsonl").resolve()


def test_directories_fifos_devices_and_proc_are_refused(project_dir: Path) -> None:
    assert "sources.export.path: exports is a directory, not a regular file" in refusal(
        project_dir, "exports"
    )
    os.mkfifo(project_dir / "pipe")
    assert "pipe is a FIFO (named pipe), not a regular file" in refusal(project_dir, "pipe")
    assert "/dev/zero is on the kernel file system /dev" in refusal(project_dir, "/dev/zero")
    message = refusal(project_dir, "/proc/self/environ")
    assert "sources.export.path: /proc/self/environ is on the kernel file system /proc" in message


def test_kernel_file_systems_are_refused_even_under_a_root_of_slash(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IMPORT_DIR_ENV, "/")
    assert "kernel file system /proc" in refusal(project_dir, "/proc/self/environ")
    (project_dir / "self").symlink_to("/proc/self")
    assert "kernel file system /proc" in refusal(project_dir, "self/environ")


def test_every_bad_source_is_named_at_once(project_dir: Path) -> None:
    data = example_data()
    data["sources"] = [
        {"name": "passwd", "type": "file", "format": "x_v2_pages", "path": "/etc/passwd"},
        {"name": "climb", "type": "file", "format": "reddit_api", "path": "../airflow.cfg"},
    ]
    (project_dir / "project.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as error:
        load_config(project_dir / "project.yaml")
    lines = str(error.value).splitlines()
    assert lines[0].endswith("invalid configuration (2 problem(s))")
    assert lines[1].startswith("  sources.passwd.path: /etc/passwd is an absolute path")
    assert lines[2].startswith("  sources.climb.path: ../airflow.cfg climbs out")


def test_the_import_dir_setting_moves_the_root(
    project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imports = tmp_path / "imports"
    imports.mkdir()
    (imports / "agency.jsonl").write_text("{}\n")
    monkeypatch.setenv(IMPORT_DIR_ENV, str(imports))
    (source,) = load_config(project_with_path(project_dir, imports / "agency.jsonl")).sources
    assert source.path == (imports / "agency.jsonl").resolve()
    # The project's own folder is no longer a root once the deployment names one.
    message = refusal(project_dir, "exports/mentions.jsonl")
    assert f"outside the import root {imports.resolve()}" in message

    monkeypatch.setenv(IMPORT_DIR_ENV, "relative/imports")
    with pytest.raises(ConfigError, match="ECHOLOT_IMPORT_DIR: 'relative/imports' is not an abs"):
        load_config(project_with_path(project_dir, "exports/mentions.jsonl"))


def test_config_check_and_ingest_refuse_and_store_nothing(db, project_dir: Path) -> None:
    from echolot.cli import app

    project = project_with_path(project_dir, project_dir.parent / "airflow.cfg")
    runner = CliRunner()
    for command in (["config", "check", str(project)], ["ingest", "--config", str(project)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "sources.export.path:" in result.stderr and "Traceback" not in result.stderr
    assert count(db, "quarantine") == 0 and count(db, "posts") == 0


def test_quarantined_payloads_are_capped_and_say_so(db, project_dir: Path) -> None:
    from echolot.store.ingest import MAX_QUARANTINE_PAYLOAD_CHARS
    from ingest.runner import ingest_file

    # One 300,000-character line that is not JSON, inside the root: quarantined, but cut.
    (project_dir / "exports" / "broken.jsonl").write_text("{" + "x" * 300_000 + "\n")
    config = load_config(project_with_path(project_dir, "exports/broken.jsonl"))
    report = ingest_file(db, config.sources[0])
    assert report.quarantined == 1
    with db, db.cursor() as cur:
        cur.execute(
            "SELECT length(payload), payload_truncated, payload_chars, reason FROM quarantine"
        )
        length, truncated, chars, reason = cur.fetchone()
    # (The file reader may cut a huge line first; whatever reaches the store is capped again.)
    assert length == MAX_QUARANTINE_PAYLOAD_CHARS and truncated and chars > length
    assert f"payload truncated: first 65,536 of {chars:,} characters" in reason


# --- hardened YAML ------------------------------------------------------------------------------


def _limits() -> None:
    # Far above what a refused file needs; an unbounded loader blows through them.
    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def config_check(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "echolot", "config", "check", str(path)],
        capture_output=True, text=True, preexec_fn=_limits, timeout=120,
        env={**os.environ, **env},
    )  # fmt: skip


def assert_refused(result: subprocess.CompletedProcess[str], path: Path, problem: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith(f"error: {path}: refused: "), lines[0]
    assert problem in lines[0], lines[0]


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "laughs.yaml"
    path.write_text("project: bomb\n" + "\n".join(levels) + "\n")
    assert_refused(config_check(path), path, "aliases expand to more than 200,000 nodes")


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("project: loop\nbrands: &b [{name: x, aliases: *b}]\n")
    assert_refused(config_check(path), path, "an alias refers to its own anchor (line 2)")


@pytest.mark.parametrize("style", ["flow", "block"])
def test_2000_levels_of_nesting_are_refused(tmp_path: Path, style: str) -> None:
    if style == "flow":
        body = "project: deep\nbrands: " + "[" * 2000 + "]" * 2000 + "\n"
    else:
        body = "project: deep\nbrands:\n  " + "- " * 2000 + "x\n"  # compact block sequences
    path = tmp_path / f"{style}.yaml"
    path.write_text(body)
    assert_refused(config_check(path), path, "nested deeper than 64 levels")


def test_aliases_cannot_nest_deeper_than_the_limit(tmp_path: Path) -> None:
    chain = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 200)]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(chain) + "\n")
    assert_refused(config_check(path), path, "aliases nest the document deeper than 64 levels")


def test_a_big_file_is_refused_unless_the_limit_is_raised(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    padding = ("# " + "x" * 97 + "\n") * 20_000  # 2 MB of comments
    path.write_text(EXAMPLE.read_text() + padding)
    assert_refused(config_check(path), path, "larger than 1,000,000 bytes")
    raised = config_check(path, ECHOLOT_CONFIG_MAX_BYTES="3000000")
    assert "larger than" not in raised.stderr and "Traceback" not in raised.stderr


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dupes.yaml"
    path.write_text(EXAMPLE.read_text() + "\nproject: other\n")
    first = EXAMPLE.read_text().splitlines().index("project: lumora") + 1
    last = len(EXAMPLE.read_text().splitlines()) + 2
    assert_refused(
        config_check(path), path, f"duplicate key 'project' on line {last} (first on line {first})"
    )
    nested = tmp_path / "nested.yaml"
    nested.write_text(
        "teams:\n  sales:\n    detail: full\n    max_items: 3\n    detail: headline\n"
    )
    assert_refused(
        config_check(nested), nested, "duplicate key 'detail' on line 5 (first on line 3)"
    )


def test_merge_keys_may_still_override(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "base: &base {detail: summary, signals: [brand_daily]}\n"
        + EXAMPLE.read_text().replace(
            "\nteams:\n", "\nteams:\n  merged: {<<: *base, detail: full}\n", 1
        )
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    # The merged team itself is fine; only the extra top-level anchor key is unknown.
    assert str(error.value).splitlines()[1:] == ["  base: unknown key"]


# --- safe names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("project", ["..", ".", "lumora.v2", "a/b", "x" * 41, "-lead", "a b"])
def test_unsafe_project_ids_are_refused(tmp_path: Path, project: str) -> None:
    data = example_data()
    data["project"] = project
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "\n  project: " in str(error.value)


def test_safe_project_ids_are_kept(tmp_path: Path) -> None:
    data = example_data()
    data["project"] = "lumora-demo_2"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data).replace("../ingest", str(REPO / "ingest")))
    assert load_config(path).project == "lumora-demo_2"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["teams"].update({"..": d["teams"]["sales"]}),
         "Value error, must not consist of dots only"),
        (lambda d: d["brands"][0]["aliases"].append("x" * 101),
         "brands[0].aliases[5]: String should have at most 100 characters"),
        (lambda d: d["brands"][0].update(name="L" * 101),
         "brands[0].name: String should have at most 100 characters"),
        (lambda d: d["product_areas"][0]["keywords"].extend(f"k{i}" for i in range(200)),
         "product_areas[0].keywords: List should have at most 200 items"),
        (lambda d: d["campaigns"][0]["hashtags"].append("#" + "g" * 100),
         "campaigns[0].hashtags[2]: String should have at most 100 characters"),
        (lambda d: d["sources"][0].update(name="s" * 65),
         "sources[0].name: String should have at most 64 characters"),
    ],
)  # fmt: skip
def test_names_aliases_and_keywords_are_length_limited(tmp_path: Path, change, expected) -> None:
    data = example_data()
    change(data)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data).replace("../ingest", str(REPO / "ingest")))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert expected in str(error.value)
