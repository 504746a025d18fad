"""Drafting the quarter's commentary: a new file, never an overwrite, never read until renamed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpitools import explore
from kpitools.core.errors import InputError, WriteError
from kpitools.core.provenance import data_files
from kpitools.ingest.loaders import load_dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A copy of the bundled data to write a draft into (data/raw itself is never written)."""
    folder = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", folder)
    return folder


@pytest.fixture
def pack(data_dir):
    return explore.open(authority="Havering", period="2025-26 Q2", data_dir=data_dir)


def test_the_draft_asks_for_what_the_committee_expects_and_is_not_written(pack):
    draft = explore.draft_commentary()
    frame = draft.frame
    card = pack.tables.scorecard.set_index("indicator_id")
    expected = {"Green": {"highlight"}, "Amber": {"improvement"}, "Red": {"improvement", "action"}}
    for ind, kinds in frame.groupby("indicator_id")["kind"]:
        rag = card.loc[ind, "rag"]
        assert set(kinds) <= expected[rag]
        for kind in kinds:  # only what has no words yet
            assert not str(card.loc[ind, kind] or "").strip() or pd.isna(card.loc[ind, kind])
    # CARE_PROC_26WK is Red with an improvement and an action already written for 2025-26 Q2
    assert "CARE_PROC_26WK" not in set(frame["indicator_id"])
    # every rated indicator without its words is there
    for ind, row in card.iterrows():
        for kind in expected.get(row["rag"], ()):
            if not str(row[kind] or "").strip() or pd.isna(row[kind]):
                assert ((frame["indicator_id"] == ind) & (frame["kind"] == kind)).any(), (ind, kind)
    assert frame["text"].eq("").all()
    assert (frame["generated_sentence"] == frame["indicator_id"].map(card["sentence"])).all()
    assert frame["authority"].eq("Havering").all() and frame["period"].eq("2025-26 Q2").all()
    assert draft.path.name == "havering_2025-26_q2_commentary.draft.csv"
    assert "is not written yet" in draft._repr_html_()


def test_save_writes_a_new_file_and_never_overwrites(pack, data_dir):
    draft = explore.draft_commentary()
    path = draft.save()
    assert path == data_dir / "commentary" / "havering_2025-26_q2_commentary.draft.csv"
    written = path.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")  # Excel reads the UTF-8 right
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns[:5]) == ["authority", "indicator_id", "period", "kind", "text"]
    assert len(back) == len(draft.frame)
    path.write_text("authority,indicator_id,period,kind,text\nHavering,CP_REPEAT,2025-26 Q2,improvement,Mine\n")
    mine = path.read_bytes()
    with pytest.raises(WriteError, match="already exists: kpitools never overwrites a commentary file"):
        draft.save()
    assert path.read_bytes() == mine
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        ["havering_commentary.csv", "havering_2025-26_q2_commentary.draft.csv"]
    )  # no temporary file left behind
    assert "exists already" in draft._repr_html_()


def test_a_draft_is_never_read_nor_fingerprinted_until_renamed(pack, data_dir):
    before = load_dataset(data_dir).commentary
    path = explore.draft_commentary().save()
    assert path not in data_files(data_dir)
    pd.testing.assert_frame_equal(load_dataset(data_dir).commentary, before)
    # renamed with its text still blank: the run stops, naming the file, row and column
    ready = path.with_name("havering_2025-26_q2_commentary.csv")
    path.rename(ready)
    with pytest.raises(InputError) as caught:
        load_dataset(data_dir)
    problems = [p for p in caught.value.problems if p.column == "text"]
    assert problems and all("havering_2025-26_q2_commentary.csv" in str(p.file) for p in problems)
    assert {p.row for p in problems} == set(range(2, 2 + len(problems)))


def test_finished_commentary_reaches_the_pack(pack, data_dir):
    draft = explore.draft_commentary()
    frame = draft.frame.copy()
    frame = frame[frame["indicator_id"].eq("CP_REPEAT")].assign(text="Repeat plans are reviewed by a second chair.")
    draft.frame = frame
    path = draft.save(data_dir / "commentary" / "cp_repeat.draft.csv")
    path.rename(path.with_name("cp_repeat.csv"))
    again = explore.open(authority="Havering", period="2025-26 Q2", data_dir=data_dir)
    row = again.row("CP_REPEAT")
    assert row["improvement"] == "Repeat plans are reviewed by a second chair."


def test_nothing_to_draft_says_so(pack):
    draft = explore.draft_commentary()
    draft.frame = draft.frame.iloc[0:0]
    assert "nothing to draft" in draft._repr_html_()
