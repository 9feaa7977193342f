from pathlib import Path

import pytest
import yaml
from conftest import REPO

from echolot.config import FileSource, load_config
from echolot.errors import ConfigError

EXAMPLE = REPO / "config" / "example.yaml"


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def test_example_is_valid_and_complete() -> None:
    config = load_config(EXAMPLE)
    assert config.project == "lumora"
    assert {"sales", "product"} <= set(config.teams)
    assert [b.name for b in config.competitors] == ["Brightwave", "Kelvo"]
    assert config.campaigns[0].hashtags == ["#LumoraGlow", "#GlowWeek"]
    assert {s.type for s in config.sources} == {"x", "reddit", "file"}
    files = [s for s in config.sources if isinstance(s, FileSource)]
    # Relative paths resolve against the config file's folder, not the working directory.
    assert all(s.path.is_absolute() and s.path.is_file() for s in files)


def test_unknown_key_names_its_path(tmp_path: Path) -> None:
    data = example_data()
    data["teams"]["sales"]["cadense"] = {"mode": "daily"}
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, data))
    assert str(error.value).startswith(f"{tmp_path / 'project.yaml'}: invalid configuration")
    assert "teams.sales.cadense: unknown key" in str(error.value)


def test_wrong_type_names_its_path_and_value(tmp_path: Path) -> None:
    data = example_data()
    data["teams"]["product"]["max_items"] = "lots"
    data["sources"][0]["format"] = "csv-ish"
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, data))
    message = str(error.value)
    assert "teams.product.max_items: Input should be a valid integer" in message
    assert "'lots'" in message
    assert (
        "sources[0].format: Input should be 'x_v2_pages', 'reddit_api', 'bluesky_api', 'mastodon_api', 'jsonl' or 'csv'"
        in message
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("brands"), "brands: Field required"),
        (lambda d: d["teams"]["sales"].update(detail="verbose"), "teams.sales.detail: Input should be"),
        (lambda d: d["teams"]["sales"]["cadence"].update(timezone="Mars/Base"), "unknown time zone 'Mars/Base'"),
        (lambda d: d["campaigns"][0].update(end="2026-11-01T00:00:00Z"), "campaigns[0]: Value error, end must be after start"),
        (lambda d: d["campaigns"][0].update(start="2026-11-05T00:00:00"), "campaigns[0].start: Value error, must include a time zone"),
        (lambda d: d["products"][0].update(area="nowhere"), "names unknown area 'nowhere'"),
        (lambda d: d["sources"].append(dict(d["sources"][0])), "source names must be unique; repeated: sample_x"),
        (lambda d: d["sources"][2].update(type="myspace"), "sources[2].type: unknown source type 'myspace' (known: bluesky, file, mastodon, reddit, x)"),
        (lambda d: d["sources"][2].update(bearer_token="abc"), "sources[2].bearer_token: unknown key"),
        (lambda d: d["teams"]["sales"].update(signals=["gossip"]), "teams.sales.signals[0]: Input should be"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_value(tmp_path: Path, change, expected: str) -> None:
    data = example_data()
    change(data)
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, data))
    assert expected in str(error.value)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, "project: lumora\nbrands: [unclosed\n"))
    assert "not valid YAML (line 3" in str(error.value)


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="expected a mapping of settings at the top level"):
        load_config(write(tmp_path, "- just\n- a list\n"))
