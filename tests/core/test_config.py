"""Settings: each pack names its own authority's committee, never another council's."""

from pathlib import Path

import pytest

from kpitools.core.config import load_settings
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
