"""Snapshots of every registered section, so that a change to what the committee reads is reviewed as
a diff of HTML. Drawn from the small hand-made tables of conftest (no data file can move them).

After an intended change: ``.venv/bin/python -m pytest tests/present/test_snapshots.py --snapshot-update``
and review the diff of ``tests/present/__snapshots__/`` like any other change.

The SVG inside each chart is left out (its root element and text alternative are kept): its pixels
depend on vl-convert's version, and the charts' values are tested in test_charts.py.
"""

import re

import pandas as pd
import pytest
from conftest import sample_tables
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from kpitools.present.sections import SECTIONS, render_sections


class HTMLSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "html"


def normalised(html: str) -> str:
    """Stable, readable HTML: generated ids numbered in order, chart drawings left out, one tag a line."""
    ids: dict[str, str] = {}

    def stable(m: re.Match) -> str:
        return ids.setdefault(m.group(0), f"-id{len(ids) + 1}")

    html = re.sub(r"-[0-9a-f]{8}-\d+\b", stable, html)
    html = re.sub(r"(<svg\b[^>]*>).*?</svg>", r"\1<!-- chart drawn by vl-convert --></svg>", html, flags=re.S)
    return re.sub(r">\s*<", ">\n<", html).strip() + "\n"


def snapshot_tables():
    """conftest's sample tables with a late figure (CS03: 2025-26 Q1's, the latest available), an
    indicator with no figure (CS05, with the data's reason) and a change to the framework, so that
    every section has something to show."""
    t = sample_tables()
    card = t.scorecard.assign(observation_period=t.scorecard["period"], due_period=t.scorecard["period"])
    card = card.assign(late=False, late_reason="")
    late = card["indicator_id"].eq("CS03")
    card.loc[late, ["observation_period", "late", "late_reason"]] = ["2025-26 Q1", True, "no data: not yet returned"]
    card.loc[late, "status_reason"] = "latest available: 2025-26 Q1 (no figure for 2025-26 Q2: not yet returned)"
    missing = card[card["indicator_id"].eq("CS04")].assign(  # no figure, no published figures
        indicator_id="CS05",
        title="Family groups subject to child protection plans",
        unit="count",
        target=float("nan"),
        target_text="",
        status="no data",
        status_reason="no data: not captured in the case system until its upgrade",
        sentence="has no data for this period.",
        definition="Family groups with a child subject to a child protection plan.",
    )
    t.scorecard = pd.concat([card, missing], ignore_index=True)
    t.meta.update(
        late_indicators=["CS03"],
        missing_indicators=["CS05"],
        framework_changes={
            "since": "2025-26 Q1",
            "added": [
                {
                    "indicator_id": "CS05",
                    "title": "Family groups subject to child protection plans",
                    "reason": "Added at the committee's request.",
                }
            ],
            "removed": [
                {"indicator_id": "CS00", "title": "Children with an allocated <b>social worker</b>", "reason": ""}
            ],
        },
    )
    return t


@pytest.fixture(scope="module")
def sections():
    return render_sections(snapshot_tables())


@pytest.fixture
def html_snapshot(snapshot):
    return snapshot.use_extension(HTMLSnapshot)


def test_every_registered_section_is_drawn(sections):
    assert set(sections) == set(SECTIONS)
    assert sections["comparison"] and sections["trend"]


@pytest.mark.parametrize("kind", [k for k, s in SECTIONS.items() if not s.per_indicator])
def test_section_of_the_pack(sections, html_snapshot, kind):
    assert normalised(sections[kind][""]) == html_snapshot


@pytest.mark.parametrize("kind", [k for k, s in SECTIONS.items() if s.per_indicator])
def test_section_of_an_indicator(sections, html_snapshot, kind):
    # CS01: a percentage with a target, London, England and neighbours
    assert normalised(sections[kind]["CS01"]) == html_snapshot


def test_normalising_keeps_the_text_alternative_and_numbers_ids_in_order():
    html = (
        '<figure aria-labelledby="figcap-b809e0b3-4"><svg role="img" aria-label="Trend"><g><text>1</text>'
        '</g></svg><figcaption id="figcap-b809e0b3-4">x</figcaption><p id="n-0badcafe-7">y</p></figure>'
    )
    out = normalised(html)
    assert 'aria-label="Trend"' in out and "<text>" not in out
    assert out.count("figcap-id1") == 2 and "n-id2" in out
