"""Where packs go: one folder an authority, never shared with another authority of the same name."""

from pathlib import Path

from kpitools.core.authorities import Authority, reference, resolve
from kpitools.publish.packs import authority_folder, default_failed_dir, pack_path


def _all_authorities() -> list[Authority]:
    ref = reference()
    return [
        Authority(code, old, name, region, region_name)
        for code, old, name, region, region_name in zip(
            ref["new_la_code"], ref["old_la_code"], ref["la_name"], ref["region_code"], ref["region_name"]
        )
    ]


def test_no_two_authorities_share_a_pack_folder():
    authorities = _all_authorities()
    folders = [authority_folder(a).lower() for a in authorities]  # some file systems ignore case
    assert len(set(folders)) == len(authorities)


def test_old_dorset_no_longer_overwrites_the_current_dorset():
    current, old = resolve("E06000059"), resolve("E10000009")
    assert current.name == old.name == "Dorset"
    assert pack_path("outputs", current, "2025-26 Q2") == Path("outputs/Dorset/2025-26_Q2")
    assert pack_path("outputs", old, "2025-26 Q2") == Path("outputs/Dorset_E10000009/2025-26_Q2")
    # the other names held by an old code and a current one
    for name in ("Buckinghamshire", "North Yorkshire", "Somerset", "Barnsley", "Sheffield"):
        codes = reference().loc[lambda r, n=name: r["la_name"].eq(n), "new_la_code"]
        folders = {authority_folder(resolve(c)) for c in codes}
        assert len(folders) == len(codes) == 2 and name.replace(" ", "_") in folders


def test_current_authorities_keep_their_readable_folder():
    ref = reference()
    for a in _all_authorities():
        if bool(ref.loc[ref["new_la_code"].eq(a.code), "current"].iloc[0]):
            assert "_E0" not in authority_folder(a) and "_E1" not in authority_folder(a), a
    assert authority_folder(resolve("Havering")) == "Havering"
    assert authority_folder(resolve("Barking and Dagenham")) == "Barking_and_Dagenham"
    # an old authority whose name nobody else has keeps its name too
    assert authority_folder(resolve("E10000021")) == "Northamptonshire"
    # a name, as callers of build_pack give it, is used as it is
    assert pack_path("outputs", "Nowhere", "2025-26 Q2") == Path("outputs/Nowhere/2025-26_Q2")


def test_failed_notebooks_go_to_data_processed_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("KPITOOLS_PROCESSED", str(tmp_path / "processed"))
    failed = default_failed_dir(tmp_path / "outputs" / "Havering" / "2025-26_Q2")
    assert failed == tmp_path / "processed" / "failed" / "Havering"
