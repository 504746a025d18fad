"""Files written all or nothing, with the permissions the umask gives."""

import os
import stat
from pathlib import Path

import pytest

from kpitools.core.files import atomic_path, temp_dir, umask


@pytest.fixture
def set_umask():
    previous = os.umask(0o022)
    os.umask(previous)

    def set_to(mask: int) -> None:
        os.umask(mask)

    yield set_to
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("mask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750), (0o077, 0o600, 0o700)]
)
def test_files_and_working_folders_follow_the_umask(tmp_path, set_umask, mask, file_mode, dir_mode):
    set_umask(mask)
    assert umask() == mask
    out = tmp_path / "pack" / "scorecard.csv"
    with atomic_path(out) as tmp:
        tmp.write_text("indicator_id\n")
    assert mode(out) == file_mode and mode(out.parent) == dir_mode
    assert mode(temp_dir(".tmp-", tmp_path)) == dir_mode


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    out = tmp_path / "scorecard.csv"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["scorecard.csv"]


def test_the_scorecard_csv_is_readable_by_others(tmp_path, set_umask):
    import pandas as pd

    from kpitools.pack.build import write_scorecard

    set_umask(0o022)
    out = write_scorecard(pd.DataFrame({"indicator_id": ["CS01"]}), {}, tmp_path / "card.csv")
    assert mode(out) == 0o644  # mkstemp alone made it 0600
