"""Hostile or clumsy inputs: each stops the run fast, with exit code 2, a short message naming the file
(and row and column where they apply), in bounded memory and time; nothing outside the data folder is
read; what is read is what is fingerprinted.

The bombs, the YAML aliases and the links run the real command in a separate process (its peak memory
measured by ``wait4``); the limits themselves are lowered with ``monkeypatch`` where a file at the real
limit would only make the test slow.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpitools.core.errors import InputError
from kpitools.core.provenance import input_files, source_checksums
from kpitools.ingest import loaders
from kpitools.ingest.loaders import load_dataset, read_table

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
LATEST = Path("local") / "havering" / "havering_2025-26.xlsx"
SHORT = 2_000  # characters of stderr: a message, not a dump
MB = 2**20


def _copy_demo(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    return raw


class Run:
    def __init__(self, code: int, stdout: str, stderr: str, seconds: float, peak_mb: float) -> None:
        self.code, self.stdout, self.stderr, self.seconds, self.peak_mb = code, stdout, stderr, seconds, peak_mb


def score_cli(raw: Path, tmp_path: Path, timeout: float = 120) -> Run:
    """``python -m kpitools.cli score`` on ``raw`` in its own process: exit code, output, wall time
    and peak resident memory (``wait4``'s rusage of that one process)."""
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    args = [sys.executable, "-m", "kpitools.cli", "score", "--authority", "Havering", "--period", "latest"]
    args += ["--data-dir", str(raw), "--out", str(tmp_path / "out" / "scorecard.csv")]
    start = time.monotonic()
    with open(out, "w") as fo, open(err, "w") as fe:
        proc = subprocess.Popen(args, stdout=fo, stderr=fe, cwd=ROOT)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            os.kill(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            pytest.fail(f"kpitools score still running after {timeout} s: a hang")
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    return Run(
        proc.returncode,
        out.read_text(encoding="utf-8", errors="replace"),
        err.read_text(encoding="utf-8", errors="replace"),
        time.monotonic() - start,
        usage.ru_maxrss / 1024,  # KB on Linux
    )


def _stopped(run: Run, tmp_path: Path) -> None:
    """Exit 2, a short message, no traceback, nothing written."""
    assert run.code == 2, f"exit {run.code}\n{run.stderr[:SHORT]}"
    assert len(run.stderr) < SHORT, f"{len(run.stderr):,} characters on stderr"
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert not (tmp_path / "out").exists()


def _workbook_bytes(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _swap_cell(workbook: bytes, marker: str, path: Path, size: int, fill: bytes = b"A") -> None:
    """``workbook`` saved to ``path`` with the text cell ``marker`` made ``size`` bytes long: the
    sheet's XML streamed into the zip, deflated (a 1 GiB cell is a 1 MB file)."""
    block = fill * MB
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if marker.encode() not in data:
                dst.writestr(info, data)
                continue
            head, tail = data.split(marker.encode())
            member = zipfile.ZipInfo(info.filename)
            member.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(member, "w", force_zip64=True) as fh:
                fh.write(head)
                for _ in range(size // MB):
                    fh.write(block)
                fh.write(fill * (size % MB))
                fh.write(tail)


# -- workbooks -------------------------------------------------------------------------------------------


def test_a_workbook_holding_a_1_gib_cell_is_refused_from_its_zip_directory(tmp_path: Path) -> None:
    """Was 51 s, 8.8 GB of memory, and the cell echoed whole on stderr."""
    raw = _copy_demo(tmp_path)
    book = _workbook_bytes(
        [["authority", "indicator_id", "period", "value"], ["Havering", "CP_REPEAT", "2025-26 Q1", "BOMB"]]
    )
    _swap_cell(book, "BOMB", raw / LATEST, 1024 * MB)
    assert (raw / LATEST).stat().st_size < 2 * MB
    run = score_cli(raw, tmp_path)
    _stopped(run, tmp_path)
    assert "havering_2025-26.xlsx; expected a workbook whose content unzips to at most 50 MB" in run.stderr
    assert "unzips to 1,024 MB" in run.stderr
    assert run.seconds < 30 and run.peak_mb < 1000, (run.seconds, run.peak_mb)


def test_a_cell_longer_than_excel_allows_is_named_and_never_echoed_whole(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    book = _workbook_bytes(
        [["authority", "indicator_id", "period", "value"], ["Havering", "CP_REPEAT", "2025-26 Q1", "LONG"]]
    )
    _swap_cell(book, "LONG", raw / LATEST, 40_000, fill=b"7")
    run = score_cli(raw, tmp_path)
    _stopped(run, tmp_path)
    assert "havering_2025-26.xlsx, row 2, column 'value': found '7777" in run.stderr
    assert "... (40,000 characters)'; expected a cell of at most 32,767 characters" in run.stderr
    assert "7" * 100 not in run.stderr


def test_a_workbook_over_the_cell_limit_is_refused_before_openpyxl_opens_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(loaders, "MAX_XLSX_CELLS", 100)
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **_kw: opened.append(args))
    path = tmp_path / "extract.xlsx"
    path.write_bytes(
        _workbook_bytes([["authority", "indicator_id", "period", "value"]] + [["Havering", "X", "Q", 1]] * 30)
    )
    table, problems = read_table(path, tmp_path)
    assert table is None and opened == []
    assert [str(p) for p in problems] == [
        f"{tmp_path.name}/extract.xlsx; expected a workbook of at most 100 cells in its sheets; "
        "save a big table as CSV, which is read far faster"
    ]


def test_a_workbook_over_the_row_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(loaders, "MAX_ROWS", 10)
    path = tmp_path / "extract.xlsx"
    path.write_bytes(
        _workbook_bytes([["authority", "indicator_id", "period", "value"]] + [["Havering", "X", "Q", 1]] * 30)
    )
    table, problems = read_table(path, tmp_path)
    assert table is None and "expected a sheet of at most 10 rows" in str(problems[0])


def test_a_formula_with_a_cached_value_is_read_as_its_value(tmp_path: Path) -> None:
    """As Excel saves it: the formula and, beside it, its last value (a number, or empty text)."""
    path = tmp_path / "extract.xlsx"
    path.write_bytes(
        _workbook_bytes([["authority", "indicator_id", "period", "value", "note"], ["Havering", "X", "Q", "V", "T"]])
    )
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    xml = xml.replace('<c r="D2" t="inlineStr"><is><t>V</t></is></c>', '<c r="D2"><f>E9*2</f><v>42.5</v></c>')
    xml = xml.replace('<c r="E2" t="inlineStr"><is><t>T</t></is></c>', '<c r="E2" t="str"><f>""</f><v></v></c>')
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    table, problems = read_table(path, tmp_path)
    assert problems == [] and table is not None
    assert table.frame.loc[0, "value"] == "42.5" and table.frame.loc[0, "note"] == ""


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("havering_2025-26.xlsb", "Excel binary format (.xlsb) is not read: save it as .xlsx or CSV"),
        ("havering_2025-26.ods", "OpenDocument format (.ods) is not read: save it as .xlsx or CSV"),
        ("havering_2025-26.XLS", "old Excel format (.xls) is not read: save it as .xlsx or CSV"),
    ],
)
def test_spreadsheets_in_formats_not_read_are_refused_by_name(tmp_path: Path, name: str, says: str) -> None:
    raw = _copy_demo(tmp_path)
    (raw / LATEST).rename(raw / LATEST.parent / name)
    with pytest.raises(InputError) as exc:
        load_dataset(raw)
    assert [(p.file, p.row, p.column) for p in exc.value.problems] == [(f"raw/local/havering/{name}", None, None)]
    assert says in str(exc.value)


def test_an_old_xls_renamed_csv_is_named_for_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    _, problems = read_table(path, tmp_path)
    assert "this file is in the old Excel format (.xls), named .csv: save it as .xlsx or CSV" in str(problems[0])


# -- CSV -------------------------------------------------------------------------------------------------


def test_csv_limits_on_size_rows_and_cells(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "extract.csv"
    path.write_text("authority,indicator_id,period,value\n" + "Havering,X,2024-25 Q1,1\n" * 50, encoding="utf-8")
    monkeypatch.setattr(loaders, "MAX_CSV_BYTES", 1000)
    assert "a CSV file of at most 0 MB" in str(read_table(path, tmp_path)[1][0])
    monkeypatch.setattr(loaders, "MAX_CSV_BYTES", 10 * MB)
    monkeypatch.setattr(loaders, "MAX_ROWS", 20)
    assert "a table of at most 20 rows; split it" in str(read_table(path, tmp_path)[1][0])
    monkeypatch.setattr(loaders, "MAX_ROWS", 200)
    monkeypatch.setattr(loaders, "MAX_TABLE_CELLS", 100)
    assert "a table of at most 100 cells" in str(read_table(path, tmp_path)[1][0])


def test_a_csv_cell_left_open_by_a_quote_is_refused_without_echo(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    commentary = raw / "commentary" / "havering_commentary.csv"
    text = commentary.read_text(encoding="utf-8")
    rows = text.count("\n")
    commentary.write_text(text + 'Havering,CP_REPEAT,2025-26 Q2,highlight,"' + "z" * 300_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_dataset(raw)
    assert len(str(exc.value)) < SHORT and "zzzz" not in str(exc.value)
    (problem,) = exc.value.problems
    assert (problem.file, problem.row) == ("raw/commentary/havering_commentary.csv", rows + 1)
    assert "a cell of at most 32,767 characters" in problem.expected


def test_a_long_csv_cell_is_named_by_its_column(tmp_path: Path) -> None:
    path = tmp_path / "commentary.csv"
    path.write_text("authority,indicator_id,period,kind,text\nHavering,X,Q,highlight," + "w" * 40_000 + "\n")
    _, problems = read_table(path, tmp_path)
    assert [(p.row, p.column) for p in problems] == [(2, "text")]
    assert "this one has 40,000" in problems[0].expected


def test_a_stray_cell_far_to_the_right_does_not_widen_every_row(tmp_path: Path, monkeypatch) -> None:
    """One cell in column XFD of a workbook (or a header of thousands of columns in a CSV) made every
    row of the table 16,384 cells wide in memory."""
    monkeypatch.setattr(loaders, "MAX_TABLE_CELLS", 10_000)
    rows = [["authority", "indicator_id", "period", "value"]] + [["Havering", "X", "Q", 1]] * 50
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.active["XFD60"] = "stray"
    path = tmp_path / "extract.xlsx"
    wb.save(path)
    _, problems = read_table(path, tmp_path)
    assert "this one is 60 rows x 16,384 columns: delete stray cells" in str(problems[0])
    csv_path = tmp_path / "extract.csv"
    csv_path.write_text(",".join(f"c{i}" for i in range(5000)) + "\n" + "a\n" * 10, encoding="utf-8")
    _, problems = read_table(csv_path, tmp_path)
    assert "this one is 11 rows x 5,000 columns" in str(problems[0])


# -- settings --------------------------------------------------------------------------------------------


def _billion_laughs(levels: int = 8) -> str:
    """settings.yaml whose committees are nested YAML aliases: 9**levels values in a few hundred bytes."""
    lines = ["committees:", '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_settings_of_nested_yaml_aliases_are_refused(tmp_path: Path) -> None:
    """Was 760 MB of memory and exit 0 from a settings file of a few hundred bytes."""
    raw = _copy_demo(tmp_path)
    (raw / "settings.yaml").write_text(_billion_laughs(), encoding="utf-8")
    assert (raw / "settings.yaml").stat().st_size < 2000
    run = score_cli(raw, tmp_path)
    _stopped(run, tmp_path)
    assert f"kpitools: {raw / 'settings.yaml'}: more than 10,000 values (an alias *name counts" in run.stderr
    assert run.seconds < 30 and run.peak_mb < 1000, (run.seconds, run.peak_mb)


# -- the data folder: links, hidden files, named files ---------------------------------------------------


def test_a_link_out_of_the_data_folder_is_refused_and_never_read(tmp_path: Path) -> None:
    """Was: a commentary file outside the data folder published; a link to /etc/passwd had its lines
    printed in the error message."""
    raw = _copy_demo(tmp_path)
    secret = tmp_path / "elsewhere" / "notes.csv"
    secret.parent.mkdir()
    secret.write_text(
        "authority,indicator_id,period,kind,text\nHavering,CP_REPEAT,2025-26 Q2,highlight,SECRET-OUTSIDE\n",
        encoding="utf-8",
    )
    (raw / "commentary" / "notes.csv").symlink_to(secret)
    (raw / "local" / "havering" / "passwd.csv").symlink_to("/etc/passwd")
    run = score_cli(raw, tmp_path)
    _stopped(run, tmp_path)
    assert "2 links out of the data folder" in run.stderr
    for link in ("raw/commentary/notes.csv", "raw/local/havering/passwd.csv"):
        assert (
            f"  - {link}; expected a file inside the data folder: this is a link to something outside it" in run.stderr
        )
    assert "SECRET" not in run.stderr + run.stdout and "root:" not in run.stderr + run.stdout


def test_a_linked_folder_out_of_the_data_folder_is_refused_by_the_fingerprint_too(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    (tmp_path / "share").mkdir()
    (raw / "local" / "barnet").symlink_to(tmp_path / "share")
    with pytest.raises(InputError, match="raw/local/barnet; expected a file inside the data folder"):
        input_files(raw)
    with pytest.raises(InputError):
        load_dataset(raw)


def test_a_link_inside_the_data_folder_is_followed_once(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    (raw / "local" / "havering" / "loop").symlink_to(raw / "local")  # a link back up: walked once
    files = input_files(raw)
    assert len(files) == len(set(files)) == len(input_files(RAW))
    load_dataset(raw)


def test_hidden_files_are_neither_read_nor_fingerprinted(tmp_path: Path) -> None:
    """Was: local/havering/.archive/ read by the loaders but left out of the fingerprint and the cache
    key, so the figures depended on whether a cache existed."""
    raw = _copy_demo(tmp_path)
    before = source_checksums(loaders.Paths.from_data_dir(raw))["inputs"]
    archive = raw / "local" / "havering" / ".archive"
    archive.mkdir()
    shutil.copy(raw / "local" / "havering" / "havering_2024-25.csv", archive / "havering_2024-25.csv")
    (raw / "commentary" / ".~draft.csv").write_text("not,a,table\n", encoding="utf-8")
    ds = load_dataset(raw)  # the copy in .archive would repeat every value of 2024-25
    assert not any(".archive" in i["path"] or ".~draft" in i["path"] for i in ds.inputs)
    assert not ds.values["source_file"].str.contains(".archive", regex=False).any()
    assert source_checksums(loaders.Paths.from_data_dir(raw))["inputs"] == before


def test_a_framework_naming_a_file_outside_published_is_refused(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    outside = tmp_path / "outside.csv"
    outside.write_text("time_period,la_name\nSECRET,SECRET\n", encoding="utf-8")
    indicators = raw / "framework" / "indicators.csv"
    text = indicators.read_text(encoding="utf-8")
    indicators.write_text(
        text.replace("d3_cpps_subsequent_plan_2013_to_2025.csv", "../../outside.csv", 1), encoding="utf-8"
    )
    with pytest.raises(InputError) as exc:
        load_dataset(raw)
    assert "SECRET" not in str(exc.value)
    assert any(
        p.column == "benchmark_file" and p.found == "../../outside.csv" and "not a link out of the folder" in p.expected
        for p in exc.value.problems
    )


def test_a_hidden_neighbour_model_named_in_settings_is_refused(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    (raw / "published" / "sn_model_2025_wide.csv").rename(raw / "published" / ".sn.csv")
    settings = raw / "settings.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("sn_model_2025_wide.csv", ".sn.csv"), encoding="utf-8"
    )
    with pytest.raises(InputError) as exc:
        load_dataset(raw)
    assert [(p.file, p.column, p.found) for p in exc.value.problems] == [
        ("raw/settings.yaml", "statistical_neighbours", ".sn.csv")
    ]


def test_a_named_file_that_is_a_pipe_is_refused_not_read_for_ever(tmp_path: Path) -> None:
    raw = _copy_demo(tmp_path)
    (raw / "framework" / "targets.csv").unlink()
    os.mkfifo(raw / "framework" / "targets.csv")
    with pytest.raises(InputError) as exc:
        load_dataset(raw)
    assert [(p.file, p.expected) for p in exc.value.problems] == [
        ("raw/framework/targets.csv", "a file; this is not a file")
    ]
