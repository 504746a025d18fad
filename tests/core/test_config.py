"""Settings: each pack names its own authority's committee, never another council's; the settings
file is read safely and every setting checked."""

import os
import time
from pathlib import Path

import pytest

from kpitools.core.config import load_settings, load_yaml
from kpitools.core.errors import ConfigError
from kpitools.ingest.loaders import load_dataset
from kpitools.pack.build import build_tables
from kpitools.present import page


def test_a_london_batch_names_the_committee_only_where_it_is_known():
    ds = load_dataset(None, write_processed=False)  # the demo: demo_authority Havering
    havering = build_tables(ds, "Havering", "latest").meta
    camden = build_tables(ds, "Camden", "latest").meta
    assert havering["committee"] == ds.settings.committee != ""
    assert camden["committee"] == ""
    assert ds.settings.committee not in page.title_block(camden, "Scorecard").data
    assert 'class="kpi-committee"' not in page.title_block(camden, "Scorecard").data
    assert ds.settings.committee in page.title_block(havering, "Scorecard").data


def test_committees_of_other_authorities_come_from_the_settings(tmp_path: Path):
    f = tmp_path / "settings.yaml"
    f.write_text(
        "committee: Sub-Committee A\ndemo_authority: Havering\n"
        "committees: {Barnet: Committee B, E09000007: Committee C}\n",
        encoding="utf-8",
    )
    s = load_settings(f)
    assert s.committee_for(["E09000003", "302", "Barnet"]) == "Committee B"
    assert s.committee_for(["E09000007", "202", "Camden"]) == "Committee C"
    assert s.committee_for(["E09000016", "311", "Havering"]) == "Sub-Committee A"
    assert s.committee_for(["E09000005", "304", "Brent"]) == ""
    f.write_text("committees: [Barnet]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="committees: expected 'authority: committee name'"):
        load_settings(f)


# -- YAML read safely ------------------------------------------------------------------------------------


def _aliases(levels: int = 9, key: str = "committees") -> str:
    """Nested YAML aliases ("billion laughs") under ``key``: 9**levels values in a few hundred bytes."""
    lines = [f"{key}:", '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_settings_of_nested_aliases_are_refused_at_once(tmp_path: Path):
    f = tmp_path / "settings.yaml"
    f.write_text(_aliases(), encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ConfigError) as exc:
        load_settings(f)
    assert time.perf_counter() - start < 1
    assert str(exc.value).startswith(f"{f}: more than 10,000 values (an alias *name counts the values it repeats)")


def test_a_few_aliases_are_still_read(tmp_path: Path):
    f = tmp_path / "schedule.yaml"
    f.write_text("base: &base [committee_scorecard, benchmark_comparison]\nnotebooks: *base\n", encoding="utf-8")
    assert load_yaml(f)["notebooks"] == ["committee_scorecard", "benchmark_comparison"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x: [" + ", ".join(["1"] * 20_000) + "]\n", "more than 10,000 values"),
        ("x: " + "[" * 200 + "]" * 200 + "\n", "lists and mappings nested more than 50 deep"),
        ("x: '" + "a" * (2**20 + 10) + "'\n", "expected a YAML file of at most 1,048,576 bytes"),
    ],
    ids=["many values", "deep", "big"],
)
def test_yaml_beyond_the_limits_is_refused_naming_the_file(tmp_path: Path, text: str, says: str):
    f = tmp_path / "settings.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f)
    assert str(exc.value).startswith(f"{f}: ") and says in str(exc.value) and len(str(exc.value)) < 300


def test_yaml_that_is_not_utf8_or_names_python_objects_is_a_config_error(tmp_path: Path):
    f = tmp_path / "settings.yaml"
    f.write_bytes(b"committee: caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_settings(f)
    f.write_text("committee: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(f)


def test_a_schedule_of_nested_aliases_is_refused(tmp_path: Path):
    from kpitools.run.schedule import load_schedule

    f = tmp_path / "schedule.yaml"
    f.write_text(_aliases(key="authorities"), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_schedule(f)
    assert str(exc.value).startswith(f"schedule {f}: more than 10,000 values")


def test_settings_linked_from_outside_the_data_folder_are_not_read(tmp_path: Path):
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "settings.yaml").symlink_to(outside)
    with pytest.raises(ConfigError) as exc:
        load_settings(raw / "settings.yaml")
    assert "a link to a file outside the data folder" in str(exc.value) and "root:" not in str(exc.value)


# -- numbers in the settings -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-3", "2.5", ".nan", ".inf", "-.inf", "'many'", "true", "[6]", "null"])
@pytest.mark.parametrize("key", ["publication.suppress_counts_below", "small_numbers.denominator_below"])
def test_a_threshold_must_be_a_whole_number_of_1_or_more(tmp_path: Path, key: str, value: str):
    section, name = key.split(".")
    f = tmp_path / "settings.yaml"
    f.write_text(f"{section}:\n  {name}: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f)
    assert f"{key}: '" in str(exc.value) and "expected a whole number of 1 or more" in str(exc.value)


@pytest.mark.parametrize(("value", "number"), [("6", 6.0), ("6.0", 6.0), ("'10'", 10.0), ("1", 1.0)])
def test_whole_number_thresholds_are_read(tmp_path: Path, value: str, number: float):
    f = tmp_path / "settings.yaml"
    f.write_text(f"publication:\n  suppress_counts_below: {value}\nsmall_numbers:\n  denominator_below: {value}\n")
    s = load_settings(f)
    assert s.suppress_counts_below == s.small_denominator_below == number


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("small_numbers: 10\n", "small_numbers: '10'; expected 'name: value' lines"),
        ("publication: [publish]\n", "publication: '['publish']'; expected 'name: value' lines"),
        ("published_year_end: 09-30\n", "published_year_end: '09-30'; expected 'name: value' lines"),
        ("rag_scheme: [tolerance]\n", "rag_scheme: '['tolerance']'; expected a RAG scheme"),
        ("rag_scheme: {authorities: [Havering]}\n", "rag_scheme.authorities: '['Havering']'"),
        ("demo_authority: [Havering]\n", "demo_authority: '['Havering']'; expected a name"),
        ("statistical_neighbours: 5\n", "statistical_neighbours: '5'; expected a name"),
        ("illustrative: .nan\n", "illustrative: 'nan' must be true or false"),
        ("x" * 500 + ": 1\n", "unknown setting 'xxxxxxx"),
    ],
)
def test_settings_of_the_wrong_kind_are_config_errors_not_crashes(tmp_path: Path, text: str, says: str):
    f = tmp_path / "settings.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f)
    assert says in str(exc.value) and len(str(exc.value)) < 400


def test_a_settings_file_that_is_a_pipe_is_refused_not_read_for_ever(tmp_path: Path):
    f = tmp_path / "settings.yaml"
    os.mkfifo(f)
    with pytest.raises(ConfigError, match="settings.yaml: not a file"):
        load_settings(f)
