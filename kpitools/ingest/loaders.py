"""Load and validate everything under a data folder laid out like ``data/raw``.

``load_dataset`` reads every input, collects every problem (file, row, column, what was expected)
and raises one :class:`~kpitools.core.errors.InputError` before anything is scored or written.
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
import datetime
import difflib
import hashlib
import io
import json
import os
import re
import shutil
import time
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from kpitools.core.authorities import names, recode_map, reference, resolve, resolve_codes
from kpitools.core.config import (
    MAX_CELL_CHARS,
    MAX_CSV_BYTES,
    MAX_ROWS,
    MAX_TABLE_CELLS,
    MAX_XLSX_BYTES,
    MAX_XLSX_CELLS,
    MAX_XLSX_XML_BYTES,
    Paths,
    Settings,
    clip,
    load_settings,
)
from kpitools.core.errors import InputError, Problem
from kpitools.core.files import sha256_file, temp_dir
from kpitools.core.periods import Period, containing_quarter, parse_periods, period_hint
from kpitools.core.provenance import data_files, shown_path, source_checksums
from kpitools.core.values import EXPECTED_VALUE, ROUNDS_TO_ZERO, parse_values
from kpitools.core.vocabulary import rank_polarity

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
# Spreadsheet files kpitools does not read: refused by name, never silently left out (an extract
# saved as .xls would otherwise make "latest" move back a quarter without a word).
REFUSED_FORMATS = {
    ".xls": "old Excel format (.xls) is not read: save it as .xlsx or CSV",
    ".xlsb": "Excel binary format (.xlsb) is not read: save it as .xlsx or CSV",
    ".ods": "OpenDocument format (.ods) is not read: save it as .xlsx or CSV",
    ".numbers": "Apple Numbers format (.numbers) is not read: export it as .xlsx or CSV",
}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # how an old .xls file starts
_ZIP_MAGIC = b"PK\x03\x04"  # how an .xlsx (or .ods) file starts
_FREQUENCY_KIND = {"monthly": "month", "quarterly": "quarter", "biannual": "quarter", "annual": "year"}


class _Schemas:
    """:mod:`kpitools.ingest.schemas`, imported when inputs are first checked: pandera takes ~0.45 s to
    import, and a dataset read back from the cache (or a run that skips every pack) never needs it."""

    def __getattr__(self, name: str):
        from kpitools.ingest import schemas as module

        return getattr(module, name)


schemas = _Schemas()


@dataclass
class RawTable:
    """A table as read: every cell text; ``frame``'s index plus ``first_row`` is the sheet row."""

    path: Path
    frame: pd.DataFrame
    first_row: int = 2


@dataclass
class Dataset:
    """Everything the scoring needs, validated and typed."""

    paths: Paths
    settings: Settings
    indicators: pd.DataFrame
    targets: pd.DataFrame
    values: pd.DataFrame
    commentary: pd.DataFrame
    benchmarks: pd.DataFrame
    neighbours: pd.DataFrame
    inputs: list[dict[str, str]] = field(default_factory=list)  # [{path, sha256}]

    # The validated input tables, in order: the dataset cache and data/processed both follow this list.
    TABLES: ClassVar[tuple[str, ...]] = ("indicators", "targets", "values", "commentary", "benchmarks", "neighbours")


_display = shown_path  # one way of naming a file in a message, for the loaders and the data-folder walk


def _clean_header(columns) -> list[str]:
    return [re.sub(r"\s+", "_", str(c).replace("\ufeff", "").strip().lower()) for c in columns]


_DELIMITERS = (",", ";", "\t")
# a number written with a decimal comma, as Excel writes it where ';' separates the cells
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*%?\s*$")
# one cell of a number split in two by an unquoted thousands separator: 1,234 -> "1" | "234"
_SPLIT_THOUSANDS = (re.compile(r"^\s*[+-]?\d{1,3}\s*$"), re.compile(r"^\d{3}(?:\.\d+)?\s*%?\s*$"))


def _decode(raw: bytes) -> str:
    """The text of a CSV as Excel saves it: UTF-8 (with or without a byte-order mark), UTF-16
    ("Unicode Text"), else Windows-1252 (raises UnicodeDecodeError when it is none of these)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _sniff_delimiter(text: str, expect: tuple[str, ...]) -> str:
    """``,`` unless the expected header (or, without one, the first line) is split by ``;`` or a tab."""
    # the first 20 lines, from the first 4 MB: not a list of every line of a 50 MB file of blank lines
    lines = [line for line in text[: 4 * 2**20].splitlines()[:20] if line.strip()]
    if expect:
        for delimiter in _DELIMITERS:
            for line in lines:
                if set(expect) <= set(_clean_header(next(csv.reader([line], delimiter=delimiter), []))):
                    return delimiter
    first = lines[0] if lines else ""
    return max(_DELIMITERS, key=lambda d: (len(next(csv.reader([first], delimiter=d), [])), d == ","))


def _xlsx_cell_text(cell) -> str:
    """A cell as the analyst sees it: ``60.9%`` for 0.609 formatted as a percentage, ``2025-08`` for a
    month Excel turned into a date, Excel's error text (``#DIV/0!``) as it is."""
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        # keep the % so that a percentage-formatted cell of a count is reported, not read as 8700
        if "%" in str(cell.number_format or ""):
            return f"{v * 100:.15g}%"
        return f"{v:.15g}"
    if isinstance(v, (datetime.datetime, datetime.date)):
        # Excel turns "2025-08" or "Aug 2025" typed in a cell into the 1st of the month
        last_day = calendar.monthrange(v.year, v.month)[1]
        return f"{v:%Y-%m}" if v.day in (1, last_day) else f"{v:%Y-%m-%d}"
    return str(v)


Grid = list[list[str]]


def _read_grid(path: Path, name: str, expect: tuple[str, ...]) -> tuple[Grid | None, list, list[Problem]]:
    """Every cell of a CSV or of the first sheet of an XLSX as text, one list per sheet row (a CSV
    record is one row, as Excel opens it); the merged ranges of a sheet; problems reading it.

    Everything is read within the limits of :mod:`kpitools.core.config` (file size, unzipped size,
    rows, cells, characters in a cell), checked before the bulk of the file is parsed.
    """
    try:
        if not path.is_file():  # a folder, a pipe or a device (which would be read for ever)
            return None, [], [Problem(name, None, None, None, "a file; this is not a file")]
        with open(path, "rb") as fh:
            head = fh.read(8)
        size = path.stat().st_size
    except OSError as exc:
        return None, [], [Problem(name, None, None, None, f"a readable file ({exc.strerror or exc})")]
    refused = _refused_format(path, head)
    if refused:
        return None, [], [Problem(name, None, None, None, refused)]
    if size == 0:
        return None, [], [Problem(name, None, None, None, "a table with a header row; the file is empty (0 bytes)")]
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            grid, merged, problems = _read_xlsx(path, name, size)
        else:
            grid, merged, problems = _read_csv(path, name, expect, size)
        width = max((len(row) for row in grid or ()), default=0)
        if grid and len(grid) * width > MAX_TABLE_CELLS:  # every row is made as wide as the widest
            return _too_big(
                name,
                f"a table of at most {MAX_TABLE_CELLS:,} cells, counted as rows x the widest row; this one is "
                f"{len(grid):,} rows x {width:,} columns: delete stray cells far below or right of the table",
            )
        return grid, merged, problems
    except UnicodeDecodeError:
        return None, [], [Problem(name, None, None, None, "a CSV file saved as UTF-8 (or Windows-1252, or UTF-16)")]
    except Exception as exc:  # a corrupt workbook, a NUL byte, a locked file...
        return None, [], [Problem(name, None, None, None, f"a readable CSV or XLSX file ({type(exc).__name__}: {exc})")]


def _refused_format(path: Path, head: bytes) -> str | None:
    """What to say of a file in a spreadsheet format kpitools does not read, by its name or its
    first bytes (an old .xls renamed .csv or .xlsx, a workbook renamed .csv)."""
    suffix = path.suffix.lower()
    if suffix in REFUSED_FORMATS:
        return f"a CSV or XLSX file; {REFUSED_FORMATS[suffix]}"
    if head.startswith(_OLE2_MAGIC):
        return f"a CSV or XLSX file; this file is in the old Excel format (.xls), named {suffix}: " + (
            "save it as .xlsx or CSV"
        )
    if suffix == ".csv" and head.startswith(_ZIP_MAGIC):
        return "a CSV file; this file is a workbook (.xlsx or .ods) named .csv: save it as CSV, or name it .xlsx"
    return None


def _too_long(grid: Grid, name: str) -> list[Problem]:
    """A cell longer than Excel allows: named by row and column letter (the first 20 of them)."""
    from openpyxl.utils import get_column_letter

    found = []
    for r, row in enumerate(grid, start=1):
        for c, cell in enumerate(row, start=1):
            if len(cell) > MAX_CELL_CHARS:
                found.append(
                    Problem(
                        name,
                        r,
                        get_column_letter(min(c, 16384)),
                        clip(cell),
                        f"a cell of at most {MAX_CELL_CHARS:,} characters (Excel's own limit for a cell); "
                        f"this one has {len(cell):,}",
                    )
                )
                if len(found) == 20:
                    return found
    return found


def _too_big(name: str, expected: str) -> tuple[None, list, list[Problem]]:
    """What :func:`_read_grid` returns for a file beyond a limit: no grid, one problem for the file."""
    return None, [], [Problem(name, None, None, None, expected)]


def _read_csv(path: Path, name: str, expect: tuple[str, ...], size: int) -> tuple[Grid | None, list, list[Problem]]:
    if size > MAX_CSV_BYTES:
        return _too_big(name, f"a CSV file of at most {MAX_CSV_BYTES // 2**20} MB; this one is {size / 2**20:,.0f} MB")
    with open(path, "rb") as fh:
        text = _decode(fh.read(MAX_CSV_BYTES + 1))
    delimiter = _sniff_delimiter(text, expect)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: Grid = []
    cells = 0
    try:
        for row in reader:
            cells += len(row)
            if len(grid) >= MAX_ROWS:
                return _too_big(name, f"a table of at most {MAX_ROWS:,} rows; split it, or leave out rows not used")
            if cells > MAX_TABLE_CELLS:
                return _too_big(
                    name, f"a table of at most {MAX_TABLE_CELLS:,} cells; leave out the columns and rows not used"
                )
            grid.append(row)
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise
        return (
            None,
            [],
            [
                Problem(
                    name,
                    len(grid) + 1,
                    None,
                    None,
                    f"a cell of at most {MAX_CELL_CHARS:,} characters (Excel's own limit for a cell); a cell "
                    "from this row on is far longer (a quote character left open?)",
                )
            ],
        )
    if delimiter == ";":
        # Excel separates cells with ';' where the decimal separator is a comma: 17,1 is 17.1
        grid = [[c.replace(",", ".") if _DECIMAL_COMMA.match(c) else c for c in row] for row in grid]
    return grid, [], _too_long(grid, name)  # read_table names a long cell's column by its header


# An element of a workbook's XML, with or without a namespace prefix (<c ...>, <x:c ...>): counted in
# the raw bytes, before any parser builds an object for it.
def _xml_tag(local: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + local + rb"[\s/>]")


_ROW_TAG, _CELL_TAG, _FORMULA_TAG, _MERGE_TAG, _STRING_TAG = (
    _xml_tag(b"row"),
    _xml_tag(b"c"),
    _xml_tag(b"f"),
    _xml_tag(b"mergeCell"),
    _xml_tag(b"si"),
)


@dataclass
class _PartScan:
    rows: int = 0
    cells: int = 0  # cells, and strings the cells share
    formulas: bool = False
    merges: bool = False


def _scan_part(zf: zipfile.ZipFile, member: str, cells_before: int) -> _PartScan:
    """Rows, cells and shared strings of one XML part of a workbook, and whether it holds formulas or
    merged cells: its bytes searched as they are unzipped, a megabyte at a time; stops as soon as the
    rows or, with ``cells_before`` counted in the parts before it, the cells pass the limits."""
    scan = _PartScan()
    carry = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 20)
            data = carry + chunk
            cut = len(data) if not chunk else data.rfind(b">") + 1  # whole tags only
            part, carry = data[:cut], data[cut:]
            scan.rows += len(_ROW_TAG.findall(part))
            scan.cells += len(_CELL_TAG.findall(part)) + len(_STRING_TAG.findall(part))
            scan.formulas = scan.formulas or _FORMULA_TAG.search(part) is not None
            scan.merges = scan.merges or _MERGE_TAG.search(part) is not None
            if not chunk or scan.rows > MAX_ROWS or cells_before + scan.cells > MAX_XLSX_CELLS:
                return scan


def _sheet_details(zf: zipfile.ZipFile, member: str) -> tuple[list[tuple[int, int, str]], list[str]]:
    """The formula cells of a sheet with no saved value (row, column, formula) and its merged ranges,
    from its XML (a workbook saved by Excel stores each formula's last value beside it; one written by
    a program often does not, and the cell would read as blank)."""
    import xml.parsers.expat

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    unsaved: list[tuple[int, int, str]] = []
    merges: list[str] = []
    at = {"row": 0, "col": 0}
    cell: dict[str, Any] | None = None
    inside: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal cell
        local = tag.rpartition(":")[2]
        inside.append(local)
        if local == "row":
            at["row"] = int(attrs["r"]) if attrs.get("r", "").isdigit() else at["row"] + 1
            at["col"] = 0
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                letters, row = coordinate_from_string(ref)
                at["row"], at["col"] = row, column_index_from_string(letters)
            else:
                at["col"] += 1
            # a cached empty text (t="str", <v/>) is a saved value; an empty number is none
            cell = {"formula": None, "value": None, "text": attrs.get("t") == "str"}
        elif local == "f" and cell is not None:
            cell["formula"] = ""
        elif local == "v" and cell is not None:
            cell["value"] = ""
        elif local == "mergeCell" and attrs.get("ref"):
            merges.append(attrs["ref"])

    def end(tag: str) -> None:
        nonlocal cell
        local = inside.pop() if inside else tag
        if local == "c" and cell is not None:
            saved = cell["value"] is not None and (cell["value"].strip() != "" or cell["text"])
            if cell["formula"] is not None and not saved:
                unsaved.append((at["row"], at["col"], cell["formula"]))
            cell = None

    def text(data: str) -> None:
        if cell is not None and inside and inside[-1] in ("f", "v"):
            key = "formula" if inside[-1] == "f" else "value"
            if len(cell[key]) < 200:
                cell[key] += data

    def no_entities(*_args: object) -> None:
        raise ValueError("the sheet declares XML entities, which a workbook saved by Excel never does")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = no_entities
    with zf.open(member) as fh:
        parser.ParseFile(fh)
    return unsaved, merges


def _read_xlsx(path: Path, name: str, size: int) -> tuple[Grid | None, list, list[Problem]]:
    """The first sheet of a workbook, read only after its zip's declared sizes and its sheet's rows
    and cells are found within the limits (openpyxl itself would unzip and parse whatever it holds)."""
    if size > MAX_XLSX_BYTES:
        return _too_big(name, f"a workbook file of at most {MAX_XLSX_BYTES // 2**20} MB; save a big table as CSV")
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import CellRange

    with zipfile.ZipFile(path) as zf:
        xml_parts = [i for i in zf.infolist() if i.filename.lower().endswith((".xml", ".rels", ".vml"))]
        unzipped = sum(i.file_size for i in xml_parts)
        if unzipped > MAX_XLSX_XML_BYTES:
            return _too_big(
                name,
                f"a workbook whose content unzips to at most {MAX_XLSX_XML_BYTES // 2**20} MB; "
                f"this one unzips to {unzipped / 2**20:,.0f} MB (a table that big is read from CSV)",
            )
        # Every part counted before openpyxl opens the workbook: opening it parses every sheet with no
        # stated size, and the strings the cells share, in full.
        scans: dict[str, _PartScan] = {}
        cells = 0
        for info in xml_parts:
            scans[info.filename] = scan = _scan_part(zf, info.filename, cells)
            cells += scan.cells
            if scan.rows > MAX_ROWS:
                return _too_big(name, f"a sheet of at most {MAX_ROWS:,} rows; save a big table as CSV")
            if cells > MAX_XLSX_CELLS:
                return _too_big(
                    name,
                    f"a workbook of at most {MAX_XLSX_CELLS:,} cells in its sheets; save a big table as CSV, "
                    "which is read far faster",
                )
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            member = getattr(ws, "_worksheet_path", None)
            first = scans.get(str(member), _PartScan(formulas=True, merges=True))  # unknown: look
            merged: list = []
            formulas: list[Problem] = []
            if member and (first.formulas or first.merges):
                unsaved, refs = _sheet_details(zf, member)
                # read as blank by openpyxl: the grid is still read, for read_table to name the
                # column by its header
                formulas = [
                    Problem(
                        name,
                        row,
                        get_column_letter(col),
                        f"={formula}" if formula else None,
                        "a value, not a formula with no saved value: open the file in Excel and save it, or paste values",
                    )
                    for row, col, formula in unsaved
                ]
                merged = [CellRange(ref) for ref in refs]
            ws.reset_dimensions()  # rows as the sheet holds them, whatever size it says it is
            grid: Grid = []
            for row in ws.iter_rows():
                if len(grid) >= MAX_ROWS:
                    return _too_big(name, f"a sheet of at most {MAX_ROWS:,} rows; save a big table as CSV")
                grid.append([_xlsx_cell_text(c) for c in row])
        finally:
            wb.close()
    width = max((len(row) for row in grid), default=0)
    if len(grid) * width > MAX_TABLE_CELLS:
        return grid, [], []  # too wide to pad: _read_grid says so
    grid = [row + [""] * (width - len(row)) for row in grid]
    return grid, merged, formulas + _too_long(grid, name)


def _header_index(grid: list[list[str]], expect: tuple[str, ...]) -> int:
    """The header row: the first of the top 20 non-blank rows holding the ``expect`` columns (a
    spreadsheet may have a title above its table), else the first non-blank row."""
    nonblank = [i for i, row in enumerate(grid[:20]) if any(c.strip() for c in row)]
    for i in nonblank if expect else ():
        if set(expect) <= set(_clean_header(grid[i])):
            return i
    return nonblank[0] if nonblank else 0


def _header_column(problem: Problem, header: list[str], at: int) -> Problem:
    """``problem`` with its column letter (``D``) replaced by the header's name for it, when the cell
    is below the header row ``at`` (0-based) and the column has a name."""
    from openpyxl.utils.cell import column_index_from_string

    if problem.row is None or problem.row <= at + 1 or not problem.column or not problem.column.isalpha():
        return problem
    i = column_index_from_string(problem.column) - 1
    return dataclasses.replace(problem, column=header[i]) if i < len(header) and header[i] else problem


def _ragged_row(name: str, row: int, cells: list[str], header: list[str]) -> Problem:
    width = len(header)
    for i in range(min(width, len(cells) - 1)):
        if _SPLIT_THOUSANDS[0].match(cells[i]) and _SPLIT_THOUSANDS[1].match(cells[i + 1]):
            return Problem(
                name,
                row,
                header[i] or None,
                f"{cells[i]},{cells[i + 1]}",
                f'a number with its thousands separator inside double quotes ("{cells[i]},{cells[i + 1]}") '
                f"or without one ({cells[i]}{cells[i + 1]}): the unquoted comma splits the row into "
                f"{len(cells)} cells where the header has {width}",
            )
    return Problem(
        name,
        row,
        None,
        " | ".join(cells),
        f"{width} cells, as in the header, where this row has {len(cells)}; "
        "text holding a comma must be inside double quotes",
    )


def read_table(path: Path, root: Path, expect: tuple[str, ...] = ()) -> tuple[RawTable | None, list[Problem]]:
    """Read a CSV (comma, semicolon or tab separated; UTF-8, UTF-16 or Windows-1252 as Excel saves
    it) or the first sheet of an XLSX, every cell as text.

    The header row is the first holding the ``expect`` columns among the top 20 rows (a title may sit
    above the table), else the first non-blank row. Blank rows are skipped but still counted, so each
    row keeps the number the analyst sees in the spreadsheet.

    Returns
    -------
    tuple
        The table (``None`` when it cannot be read) and the problems found reading it: an empty file,
        merged cells in a sheet's table, a row with more cells than the header, a repeated column name.
    """
    name = _display(path, root)
    grid, merged, problems = _read_grid(path, name, expect)
    if grid is None:
        return None, problems
    if not any(c.strip() for row in grid for c in row):
        where = (
            "with a header row; the file is blank"
            if path.suffix.lower() == ".csv"
            else "on the first sheet; the sheet is empty"
        )
        return None, problems or [Problem(name, None, None, None, f"a table {where}")]
    at = _header_index(grid, expect)
    header = _clean_header(grid[at])
    # problems in cells of the table (a formula with no saved value, a cell too long) name the column
    # by its header
    problems = [_header_column(p, header, at) for p in problems]
    # Merged cells in the header or the data are read as one value and blanks: refuse rather than guess.
    for rng in sorted(merged, key=lambda r: (r.min_row, r.min_col)):
        if rng.max_row >= at + 1:
            column = header[rng.min_col - 1] if rng.min_col <= len(header) and header[rng.min_col - 1] else None
            what = "the header" if rng.min_row <= at + 1 else "the table"
            from openpyxl.utils import get_column_letter

            problems.append(
                Problem(
                    name,
                    rng.min_row,
                    column or get_column_letter(rng.min_col),
                    f"merged cells {rng.coord}",
                    f"one value in each cell of {what}: unmerge {rng.coord} and give every column "
                    "its own name on a single header row, and every row its own values",
                )
            )
    if problems:
        return None, problems
    seen: dict[str, int] = {}
    for i, col in enumerate(header):
        if col:
            if col in seen:
                problems.append(Problem(name, at + 1, col, None, "each column name only once in the header"))
                header[i] = f"{col}.{seen[col]}"
            seen[col] = seen.get(col, 0) + 1
    width = len(header)
    body = [(at + 2 + k, row) for k, row in enumerate(grid[at + 1 :]) if any(c.strip() for c in row)]
    # A system that ends every line with a delimiter gives most rows empty cells beyond the header's.
    lengths = Counter(len(row) for _, row in body)
    common, n = min(lengths.items(), key=lambda kv: (-kv[1], kv[0])) if lengths else (width, 0)
    trailing = (
        common > width
        and 2 * n > len(body)
        and all(not "".join(r[width:]).strip() for _, r in body if len(r) == common)
    )
    allowed = common if trailing else width
    rows, index = [], []
    for sheet_row, row in body:
        if len(row) > allowed or "".join(row[width:]).strip():
            problems.append(_ragged_row(name, sheet_row, row, header))
            continue
        rows.append((row + [""] * width)[:width])
        index.append(sheet_row - (at + 2))
    frame = (
        pd.DataFrame(rows, columns=header, index=index, dtype=str)
        if rows
        else pd.DataFrame({c: pd.Series(dtype=str) for c in header})
    )
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    return RawTable(path, frame, at + 2), problems


def _tables_under(paths: Paths, folder: Path) -> list[Path]:
    """The tables in ``folder`` at any depth, from the one walk of the data folder that the fingerprint
    also takes (:func:`kpitools.core.provenance.data_files`: hidden files and folders are not read).
    Files in a spreadsheet format kpitools does not read (``.xls``) are listed too, to be refused by
    name: left out, they would make "latest" move back a quarter without a word."""
    return [
        p
        for p in data_files(paths.raw)
        if p.is_relative_to(folder) and p.suffix.lower() in (*TABLE_SUFFIXES, *REFUSED_FORMATS)
    ]


def _walked(path: Path, walked: set[Path]) -> bool:
    """Whether a file a setting or the framework names is one of the data folder's own, as
    ``walked`` (:func:`~kpitools.core.provenance.data_files`) lists them: inside it, not hidden, no
    link out of it. The only files read are those fingerprinted."""
    return Path(os.path.normpath(path)) in walked


def _checked_tables(
    paths: Paths, folder: Path, schema, problems: list[Problem], inputs: list[Path], require_rows: bool = False
):
    """Each table under ``folder`` whose header satisfies ``schema`` (cell problems are collected,
    a table with a missing column is skipped after its problem is recorded). With ``require_rows``
    a table with a header and no data rows is a problem: an export that silently returned nothing."""
    expect = tuple(name for name, col in schema.columns.items() if col.required)
    for path in _tables_under(paths, folder):
        inputs.append(path)
        table, found = read_table(path, paths.raw, expect=expect)
        problems += found
        if table is None:
            continue
        name = _display(path, paths.raw)
        schema_problems = schemas.check(table.frame, schema, name, table.first_row)
        problems += schema_problems
        if any(p.row == _header_row(table) for p in schema_problems):
            continue
        if require_rows and table.frame.empty and not any(p.row for p in found):
            problems.append(
                Problem(
                    name,
                    _header_row(table) + 1,
                    None,
                    None,
                    "rows of figures under the header; the file has a header only "
                    "(remove the file if it is not needed)",
                )
            )
            continue
        yield table, name


def _header_row(table: RawTable) -> int:
    return table.first_row - 1


def _rows(table: RawTable, mask: pd.Series) -> pd.Series:
    return (mask[mask].index.to_series() + table.first_row).astype(int)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(str).str.strip().str.rstrip("%").replace("", np.nan), errors="coerce")


def _count(s: pd.Series) -> pd.Series:
    """Counts as written, ``1,234`` included (NaN where blank or unreadable)."""
    return pd.to_numeric(
        s.astype(str).str.strip().str.replace(",", "", regex=False).replace("", np.nan), errors="coerce"
    )


# -- framework -------------------------------------------------------------------------------------


def load_indicators(paths: Paths, problems: list[Problem], inputs: list[Path]) -> pd.DataFrame:
    path = paths.framework / "indicators.csv"
    if not path.exists():
        problems.append(
            Problem(
                _display(path, paths.raw), None, None, None, "the indicator framework file (framework/indicators.csv)"
            )
        )
        return pd.DataFrame(columns=[*schemas.INDICATORS.columns, "rank_polarity", "source_row"])
    inputs.append(path)
    table, found = read_table(path, paths.raw)
    problems += found
    if table is None:
        return pd.DataFrame(columns=[*schemas.INDICATORS.columns, "rank_polarity", "source_row"])
    name = _display(path, paths.raw)
    problems += schemas.check(table.frame, schemas.INDICATORS, name, table.first_row)
    df = table.frame.copy()
    for col in schemas.INDICATORS.columns:
        if col not in df:
            df[col] = ""
    for col in ("polarity", "frequency", "measure", "unit", "benchmark_polarity"):
        df[col] = df[col].str.strip().str.lower()
    df["indicator_id"] = df["indicator_id"].str.strip()
    df["rank_polarity"] = rank_polarity(df["polarity"], df["benchmark_polarity"])
    df["decimals"] = pd.to_numeric(df["decimals"], errors="coerce").fillna(1).astype(int)
    df["source_row"] = df.index + table.first_row
    problems += _framework_periods(df, name, table.first_row)
    # An id given twice: both rows named; the second is left out so the checks that follow, which key
    # every other table on the id, still run (and report) on the first.
    first: dict[str, int] = {}
    repeated = pd.Series(False, index=df.index)
    for i, ident, row in zip(df.index, df["indicator_id"], df["source_row"]):
        if ident and ident in first:
            repeated[i] = True
            problems.append(
                Problem(
                    name,
                    int(row),
                    "indicator_id",
                    ident,
                    f"each indicator_id only once in the framework; {ident} is also at row {first[ident]}",
                )
            )
        else:
            first.setdefault(ident, int(row))
    return df[~repeated].reset_index(drop=True)


_IN_FORCE_EXPECTED = "a period such as 2025-26 Q3 (a quarter), 2025-11 (a month) or 2025-26 (a year), or blank"


def _framework_periods(df: pd.DataFrame, name: str, first_row: int) -> list[Problem]:
    """Add ``in_force_from`` (the first day of ``from_period``) and ``in_force_to`` (the last day of
    ``to_period``), NaT where blank, with their labels; the problems of periods that cannot be read or
    end before they start. An indicator is in a pack's framework when the pack's period ends on a
    day from ``in_force_from`` to ``in_force_to``."""
    problems: list[Problem] = []
    for col in ("from_period", "to_period", "added_reason", "removed_reason"):
        df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str).str.strip()
    parsed = {col: parse_periods(df[col]) for col in ("from_period", "to_period")}
    for col, p in parsed.items():
        unread = p["kind"].isna() & df[col].ne("")
        for i in np.flatnonzero(unread.to_numpy()):
            val = df[col].iloc[i]
            hint = period_hint(val)
            problems.append(
                Problem(name, int(i + first_row), col, val, _IN_FORCE_EXPECTED + (f"; {hint}" if hint else ""))
            )
    f, t = parsed["from_period"], parsed["to_period"]
    df["in_force_from"] = [
        Period(str(k), int(o)).start if isinstance(k, str) else pd.NaT for k, o in zip(f["kind"], f["ordinal"])
    ]
    df["in_force_from"] = pd.to_datetime(df["in_force_from"]).astype("datetime64[s]")
    df["in_force_to"] = pd.to_datetime(t["end"]).astype("datetime64[s]")
    df["from_period"] = f["label"].where(f["label"].notna(), df["from_period"]).astype(str)
    df["to_period"] = t["label"].where(t["label"].notna(), df["to_period"]).astype(str)
    backwards = (df["in_force_to"] < df["in_force_from"]).to_numpy()
    for i in np.flatnonzero(backwards):
        problems.append(
            Problem(
                name,
                int(i + first_row),
                "to_period",
                df["to_period"].iloc[i],
                f"a period that ends on or after from_period ({df['from_period'].iloc[i]}) starts",
            )
        )
    return problems


def in_force(indicators: pd.DataFrame, period: Period) -> pd.Series:
    """Which indicators of the framework are reported for ``period``: those whose ``from_period`` has
    started and whose ``to_period`` has not ended by the period's last day (blank: no limit).

    Examples
    --------
    >>> ind = pd.DataFrame({"in_force_from": pd.to_datetime(["2025-08-01", None]),
    ...                     "in_force_to": pd.to_datetime([None, "2025-07-31"])})
    >>> in_force(ind, Period.parse("2025-26 Q2")).tolist(), in_force(ind, Period.parse("2025-07")).tolist()
    ([True, False], [False, True])
    """
    if "in_force_from" not in indicators.columns:
        return pd.Series(True, index=indicators.index)
    return _in_force_on(indicators["in_force_from"], indicators["in_force_to"], period.end)


def _in_force_on(starts: pd.Series, stops: pd.Series, end: pd.Timestamp | pd.Series) -> pd.Series:
    """The one rule: a period ending on ``end`` is within ``[start, stop]`` (a missing bound: none)."""
    return ((starts.isna() | (starts <= end)) & (stops.isna() | (stops >= end))).astype(bool)


def reported_when(indicator: Mapping[str, Any]) -> str:
    """When an indicator of the framework is reported, in words: ``from 2025-08``, ``to 2025-07``,
    ``from 2025-26 Q1 to 2026-27 Q4``; ``""`` for always.

    Examples
    --------
    >>> reported_when({"from_period": "", "to_period": "2025-07"}), reported_when({})
    ('to 2025-07', '')
    """
    ends = (("from", indicator.get("from_period")), ("to", indicator.get("to_period")))
    return " ".join(f"{word} {p}" for word, p in ends if isinstance(p, str) and p.strip())


def load_targets(paths: Paths, indicators: pd.DataFrame, problems: list[Problem], inputs: list[Path]) -> pd.DataFrame:
    cols = ["authority", "indicator_id", "fy", "quarter", "target", "lower", "upper", "tolerance", "tolerance_type"]
    path = paths.framework / "targets.csv"
    if not path.exists():
        return pd.DataFrame(columns=cols)
    inputs.append(path)
    table, found = read_table(path, paths.raw)
    problems += found
    if table is None:
        return pd.DataFrame(columns=cols)
    name = _display(path, paths.raw)
    schema_problems = schemas.check(table.frame, schemas.TARGETS, name, table.first_row)
    problems += schema_problems
    df = table.frame.copy()
    for col in ("lower", "upper", "tolerance", "tolerance_type", "period"):
        if col not in df:
            df[col] = ""
    if any(p.row == _header_row(table) for p in schema_problems):
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(index=df.index)
    out["authority"] = resolve_codes(df["authority"])
    bad = out["authority"].isna()
    for row, val in zip(_rows(table, bad), df.loc[bad, "authority"]):
        problems.append(
            Problem(name, row, "authority", val, "a local authority name, new code (E09000016) or old LA code (311)")
        )
    out["indicator_id"] = df["indicator_id"].str.strip()
    unknown = ~out["indicator_id"].isin(indicators["indicator_id"]) & out["indicator_id"].ne("")
    for row, val in zip(_rows(table, unknown), out.loc[unknown, "indicator_id"]):
        problems.append(Problem(name, row, "indicator_id", val, "an indicator_id listed in framework/indicators.csv"))
    out["fy"] = pd.to_numeric(df["year"].str.strip().str[:4], errors="coerce")
    out["quarter"] = (
        pd.to_numeric(df["period"].str.strip().str.upper().str.lstrip("Q").replace("", "0"), errors="coerce")
        .fillna(0)
        .astype(int)
    )
    for col in ("target", "lower", "upper", "tolerance"):
        out[col] = _num(df[col])
    out["tolerance_type"] = df["tolerance_type"].str.strip().str.lower().replace("", "absolute")
    flipped = out["lower"] > out["upper"]
    for row, lo, up in zip(_rows(table, flipped), out.loc[flipped, "lower"], out.loc[flipped, "upper"]):
        problems.append(Problem(name, row, "lower", f"{lo:g} > upper {up:g}", "lower no greater than upper"))
    negative_tol = out["tolerance"] < 0
    for row, val in zip(_rows(table, negative_tol), df.loc[negative_tol, "tolerance"]):
        problems.append(Problem(name, row, "tolerance", val, "a tolerance of zero or more"))
    # a percentage target of 600 (for 60.0) would rate every quarter the same colour
    unit = out["indicator_id"].map(dict(zip(indicators["indicator_id"], indicators["unit"])))
    for col in ("target", "lower", "upper"):
        off = unit.eq("percent") & ((out[col] < 0) | (out[col] > 100))
        for row, val in zip(_rows(table, off), df.loc[off, col]):
            problems.append(
                Problem(name, row, col, val, "a percentage between 0 and 100: the indicator's unit is percent")
            )
    polarity = out["indicator_id"].map(dict(zip(indicators["indicator_id"], indicators["polarity"])))
    band_missing = polarity.eq("band") & (out["lower"].isna() | out["upper"].isna())
    for row in _rows(table, band_missing):
        problems.append(Problem(name, row, "lower", None, "both lower and upper for a band indicator"))
    keyed = out.dropna(subset=["authority"])
    dup = keyed.duplicated(subset=["authority", "indicator_id", "fy", "quarter"], keep=False)
    for row in _rows(table, dup.reindex(out.index, fill_value=False)):
        problems.append(
            Problem(
                name,
                row,
                "indicator_id",
                out.loc[row - table.first_row, "indicator_id"],
                "one target per authority, indicator, year and period (this one is repeated)",
            )
        )
    return out[cols].reset_index(drop=True)


# -- local extracts --------------------------------------------------------------------------------


def load_local_values(
    paths: Paths, indicators: pd.DataFrame, problems: list[Problem], inputs: list[Path]
) -> pd.DataFrame:
    cols = [
        "authority",
        "indicator_id",
        "period",
        "kind",
        "ordinal",
        "period_end",
        "value",
        "value_status",
        "symbol",
        "reason",
        "numerator",
        "denominator",
        "source_file",
        "source_row",
    ]
    frames = [
        _normalise_values(table, name, indicators, problems)
        for table, name in _checked_tables(
            paths, paths.local, schemas.LOCAL_VALUES, problems, inputs, require_rows=True
        )
    ]
    if not frames:
        return pd.DataFrame(columns=cols)
    df = pd.concat(frames, ignore_index=True)
    dup = (
        df.duplicated(subset=["authority", "indicator_id", "period"], keep=False)
        & df["authority"].notna()
        & df["period"].notna()
    )
    for _, grp in df[dup].groupby(["authority", "indicator_id", "period"]):
        places = [f"{f} row {r}" for f, r in zip(grp["source_file"], grp["source_row"])]
        first = grp.iloc[0]
        problems.append(
            Problem(
                first["source_file"],
                int(first["source_row"]),
                "period",
                first["period"],
                f"one value per authority, indicator and period; "
                f"{first['indicator_id']} {first['period']} is also given at {', '.join(places[1:])}",
            )
        )
    return df[cols]


def _normalise_values(table: RawTable, name: str, indicators: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    df = table.frame
    for col in ("numerator", "denominator"):
        if col not in df:
            df = df.assign(**{col: ""})
    out = pd.DataFrame(index=df.index)
    out["authority"] = resolve_codes(df["authority"])
    bad = out["authority"].isna() & df["authority"].str.strip().ne("")
    for row, val in zip(_rows(table, bad), df.loc[bad, "authority"]):
        problems.append(
            Problem(name, row, "authority", val, "a local authority name, new code (E09000016) or old LA code (311)")
        )
    out["indicator_id"] = df["indicator_id"].str.strip()
    ind = indicators.set_index("indicator_id")
    known = out["indicator_id"].isin(ind.index)
    unknown = ~known & out["indicator_id"].ne("")
    for row, val in zip(_rows(table, unknown), out.loc[unknown, "indicator_id"]):
        problems.append(Problem(name, row, "indicator_id", val, "an indicator_id listed in framework/indicators.csv"))
    frequency = out["indicator_id"].map(ind["frequency"]) if len(ind) else pd.Series(np.nan, index=out.index)
    unit = out["indicator_id"].map(ind["unit"]) if len(ind) else pd.Series(np.nan, index=out.index)
    periods = parse_periods(df["period"], prefer_month=frequency.eq("monthly"))
    unread = periods["kind"].isna() & df["period"].str.strip().ne("")
    for row, val in zip(_rows(table, unread), df.loc[unread, "period"]):
        hint = period_hint(val)
        problems.append(
            Problem(
                name,
                row,
                "period",
                val,
                "a period such as 2025-26 Q2 (quarter), 2025-26 (year) "
                "or 2025-08 (month)" + (f"; {hint}" if hint else ""),
            )
        )
    want_kind = frequency.map(_FREQUENCY_KIND)
    wrong_kind = known & periods["kind"].notna() & want_kind.notna() & periods["kind"].ne(want_kind)
    for row, val, freq, kind, ordinal in zip(
        _rows(table, wrong_kind),
        df.loc[wrong_kind, "period"],
        frequency[wrong_kind],
        periods.loc[wrong_kind, "kind"],
        periods.loc[wrong_kind, "ordinal"],
    ):
        example = {
            "monthly": "a month such as 2025-08",
            "quarterly": "a quarter such as 2025-26 Q2",
            "biannual": "a quarter such as 2025-26 Q2",
            "annual": "a financial year such as 2024-25",
        }[freq]
        if kind == "month" and freq in ("quarterly", "biannual"):
            month = Period("month", int(ordinal))
            example += f" ({month.long_label} falls in {containing_quarter(month).label})"
        problems.append(Problem(name, row, "period", val, f"{example}: the indicator is {freq}"))
    # A period that has not ended cannot have a figure, and would become the "latest" quarter.
    future = periods["end"] > pd.Timestamp.now().normalize()
    for row, val, label, end in zip(
        _rows(table, future), df.loc[future, "period"], periods.loc[future, "label"], periods.loc[future, "end"]
    ):
        problems.append(
            Problem(
                name,
                row,
                "period",
                val,
                f"a period that has ended ({label} ends on {end.day} {end:%B %Y}): a typing slip in the year?",
            )
        )
    out = out.join(periods.rename(columns={"label": "period", "end": "period_end"}))
    parsed = parse_values(df["value"])
    invalid = parsed["value_status"].eq("invalid")
    for row, val, reason in zip(_rows(table, invalid), df.loc[invalid, "value"], parsed.loc[invalid, "reason"]):
        problems.append(Problem(name, row, "value", val, f"{EXPECTED_VALUE} ({reason})"))
    out = out.join(parsed[["value", "value_status", "symbol", "reason"]])
    if "note" in df.columns:
        # the analyst's words for why a figure is missing take the place of "no value in the extract"
        note = df["note"].astype(object).where(df["note"].notna(), "").astype(str).str.strip()
        given = note.ne("") & out["value_status"].ne("ok")
        out.loc[given, "reason"] = note[given]
    negative = out["value"] < 0
    for row, val in zip(_rows(table, negative), df.loc[negative, "value"]):
        problems.append(Problem(name, row, "value", val, "a value of zero or more"))
    over = unit.eq("percent") & (out["value"] > 100)
    for row, val, sep in zip(_rows(table, over), df.loc[over, "value"], parsed.loc[over, "has_thousands"]):
        problems.append(
            Problem(
                name,
                row,
                "value",
                val,
                "a percentage between 0 and 100" + (" (a percentage never needs a thousands separator)" if sep else ""),
            )
        )
    # "87%" for a count: the figure was probably pasted from the wrong indicator's row
    stray_pct = known & unit.ne("percent") & parsed["is_percent_text"] & parsed["value_status"].eq("ok")
    for row, val, u in zip(_rows(table, stray_pct), df.loc[stray_pct, "value"], unit[stray_pct]):
        problems.append(
            Problem(name, row, "value", val, f"a number without a % sign: the indicator's unit is {u}, not percent")
        )
    for col in ("numerator", "denominator"):
        # the format (a number of zero or more, 1,234 allowed) is checked by schemas.LOCAL_VALUES
        out[col] = _count(df[col])
    inverted = out["numerator"] > out["denominator"]
    for row, n, d in zip(_rows(table, inverted), out.loc[inverted, "numerator"], out.loc[inverted, "denominator"]):
        problems.append(
            Problem(name, row, "numerator", f"{n:g} > denominator {d:g}", "a numerator no greater than its denominator")
        )
    out["source_file"] = name
    out["source_row"] = (out.index + table.first_row).astype(int)
    return out


# -- commentary ------------------------------------------------------------------------------------


def load_commentary(
    paths: Paths, indicators: pd.DataFrame, problems: list[Problem], inputs: list[Path]
) -> pd.DataFrame:
    # where each text came from, so that a publish run can name the file and row of commentary that
    # gives a withheld figure (kpitools.pack.disclosure)
    cols = ["authority", "indicator_id", "period", "kind", "text", "source_file", "source_row"]
    frames = []
    for table, name in _checked_tables(paths, paths.commentary, schemas.COMMENTARY, problems, inputs):
        df = table.frame
        out = pd.DataFrame(index=df.index)
        out["authority"] = resolve_codes(df["authority"])
        for row, val in zip(_rows(table, out["authority"].isna()), df.loc[out["authority"].isna(), "authority"]):
            problems.append(Problem(name, row, "authority", val, "a local authority name, new code or old LA code"))
        out["indicator_id"] = df["indicator_id"].str.strip()
        unknown = ~out["indicator_id"].isin(indicators["indicator_id"])
        for row, val in zip(_rows(table, unknown), out.loc[unknown, "indicator_id"]):
            problems.append(
                Problem(name, row, "indicator_id", val, "an indicator_id listed in framework/indicators.csv")
            )
        periods = parse_periods(df["period"])
        unread = periods["kind"].isna() & df["period"].str.strip().ne("")
        for row, val in zip(_rows(table, unread), df.loc[unread, "period"]):
            hint = period_hint(val)
            problems.append(
                Problem(name, row, "period", val, "a period such as 2025-26 Q2" + (f"; {hint}" if hint else ""))
            )
        out["period"] = periods["label"]
        problems += _commentary_out_of_framework(out, periods, indicators, table, name)
        out["kind"] = df["kind"].str.strip().str.lower()
        out["text"] = df["text"].str.strip()
        out["source_file"] = name
        out["source_row"] = (df.index + table.first_row).astype(int)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def _commentary_out_of_framework(
    out: pd.DataFrame, periods: pd.DataFrame, indicators: pd.DataFrame, table: RawTable, name: str
) -> list[Problem]:
    """Commentary on an indicator for a period it is not reported for (removed before it, or added
    after): no pack would ever show those words, so they are named rather than left out unseen."""
    if "in_force_from" not in indicators.columns or out.empty:
        return []
    framework = indicators.set_index("indicator_id")
    known = out["indicator_id"].isin(framework.index) & periods["kind"].notna()
    ids = out.loc[known, "indicator_id"]
    reported = _in_force_on(
        framework["in_force_from"].reindex(ids).set_axis(ids.index),
        framework["in_force_to"].reindex(ids).set_axis(ids.index),
        periods.loc[known, "end"],
    )
    return [
        Problem(
            name,
            int(i + table.first_row),
            "indicator_id",
            ident,
            f"an indicator in the framework for {out.at[i, 'period']}: "
            f"{ident} is reported {reported_when(framework.loc[ident])} (framework/indicators.csv)",
        )
        for i, ident in zip(reported.index[~reported], ids[~reported])
    ]


# -- published DfE files ---------------------------------------------------------------------------


def _parse_filter(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in str(text or "").split(";"):
        if part.strip():
            if "=" not in part:
                raise ValueError(part.strip())
            k, v = part.split("=", 1)
            pairs.append((k.strip().lower(), v.strip()))
    return pairs


def read_dfe_file(path: Path, root: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A DfE open data file as published (any column order, with or without byte-order mark).

    Returns the table, every cell text, indexed by the row a spreadsheet shows (for messages), or
    ``None`` (with the problems recorded) when it cannot be read or lacks DfE's layout columns.
    """
    table, found = read_table(path, root)
    problems += found
    if table is None:
        return None
    name = _display(path, root)
    columns = list(table.frame.columns)
    missing = [c for c in schemas.DFE_REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in schemas.DFE_LAYOUT]
    for col in missing:
        close = difflib.get_close_matches(col, unknown, n=1, cutoff=0.5)
        found_text = (
            f"{close[0]!r}, not a DfE column name"
            if close
            else ", ".join(columns[:12]) + ("..." if len(columns) > 12 else "")
        )
        problems.append(
            Problem(
                name,
                _header_row(table),
                col,
                None,
                f"DfE's open data layout with a '{col}' column (found {found_text}); "
                "use the file as downloaded from Explore Education Statistics",
            )
        )
    if missing:
        return None
    # index = the row as a spreadsheet shows it, for messages about cells
    frame = table.frame.set_axis(table.frame.index + table.first_row)
    frame.attrs["header_row"] = _header_row(table)
    return frame


# One row per indicator, published year and geography. ``new_la_code`` is the authority the figure
# belongs to now (``published_code`` is the code the file used); a joint return gives one row to each
# partner. ``ranked`` says whether the figure takes part in ranks, quartiles and averages.
BENCHMARK_ROW_COLUMNS = [
    "indicator_id",
    "time_period",
    "year_end",
    "geographic_level",
    "new_la_code",
    "published_code",
    "old_la_code",
    "la_name",
    "region_code",
    "value",
    "value_status",
    "symbol",
    "small_base",
    "ranked",
    "note",
]


def _year_of(time_period: pd.Series) -> pd.Series:
    """DfE's ``time_period``: ``2025`` or ``202425`` (the year ending in 2025)."""
    tp = time_period.str.strip()
    return pd.to_numeric(tp.str[-4:].where(tp.str.len() == 4, "20" + tp.str[-2:]), errors="coerce").astype("Int64")


def _loose_filter(sub: pd.DataFrame, file_name: str, ind_name: str, where: int, row) -> Problem | None:
    """A filter that leaves more than one row for an authority (or region, or England) and year would
    give two figures for one place: report the first such pair, and the column they differ in."""
    key = pd.DataFrame(
        {
            "year": sub["time_period"].str.strip(),
            "level": sub["geographic_level"].str.strip(),
            "la": sub["new_la_code"].str.strip(),
            "region": sub["region_code"].str.strip() if "region_code" in sub else "",
        },
        index=sub.index,
    )
    dup = key.duplicated(keep=False)
    if not dup.any():
        return None
    first = key[dup].iloc[0]
    rows = sub.loc[dup[dup].index][(key[dup] == first).all(axis=1)]
    r1, r2 = rows.index[:2]
    differ = [c for c in sub.columns if c not in schemas.DFE_LAYOUT and rows.loc[r1, c] != rows.loc[r2, c]]
    place = rows.loc[r1, "la_name"].strip() or rows.loc[r1].get("region_name", "").strip() or "England"
    hint = (
        f"; they differ in '{differ[0]}' ({rows.loc[r1, differ[0]]!r} and {rows.loc[r2, differ[0]]!r}): "
        f"add {differ[0]}=... to the filter"
        if differ
        else ""
    )
    return Problem(
        ind_name,
        where,
        "benchmark_filter",
        str(row.benchmark_filter or "") or None,
        f"a filter that leaves one row of {file_name} per place and year for {row.indicator_id}; "
        f"it leaves {len(rows)} rows for {place} {first['year']}, e.g. rows {r1} and {r2} of {file_name}{hint}",
    )


def _with_note(note: str, more: str) -> str:
    return f"{note}; {more}" if note else more


def _published_rows(
    sub: pd.DataFrame, parsed: pd.DataFrame, count_columns: list[str], indicator_id: str, month_day: str
) -> pd.DataFrame:
    """The published figures of one indicator, each given to the authority it belongs to now."""
    year = _year_of(sub["time_period"])
    symbol = parsed["symbol"]
    value = parsed["value"].copy()
    status = parsed["value_status"].copy()
    zero = symbol.isin(list(ROUNDS_TO_ZERO))
    value[zero] = 0.0
    status[zero] = "ok"
    code = sub["new_la_code"].str.strip()
    level = sub["geographic_level"].str.strip()
    # a figure on suppressed counts (Isles of Scilly's 0% of 'c' plans): LAIT shows no figure there
    small = pd.Series(False, index=sub.index)
    for c in count_columns:
        small |= parse_values(sub[c])["symbol"].eq("c")
    small &= status.eq("ok")
    note = pd.Series("", index=sub.index, dtype="object")
    note[zero] = symbol[zero].map(ROUNDS_TO_ZERO)
    note[small] = "a figure on small numbers: its counts are suppressed (c), so it is not ranked or averaged"
    out = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "time_period": year,
            "year_end": pd.to_datetime(year.astype(str) + "-" + month_day, errors="coerce"),
            "geographic_level": level,
            "new_la_code": code,
            "published_code": code,
            "old_la_code": sub["old_la_code"].str.strip() if "old_la_code" in sub else "",
            "la_name": sub["la_name"].str.strip(),
            "region_code": sub["region_code"].str.strip() if "region_code" in sub else "",
            "value": value,
            "value_status": status,
            "symbol": symbol,
            "small_base": small,
            "ranked": status.eq("ok") & ~small & level.eq("Local authority"),
            "note": note,
        }
    )
    # an authority published under its earlier code: the figure is its own
    recode = recode_map()
    old = out["geographic_level"].eq("Local authority") & out["new_la_code"].isin(list(recode))
    out.loc[old, "new_la_code"] = out.loc[old, "new_la_code"].map(recode)
    out.loc[old, "note"] = [
        _with_note(n, f"published under its earlier code {c}")
        for n, c in zip(out.loc[old, "note"], out.loc[old, "published_code"])
    ]
    # a joint return (Kingston upon Thames / Richmond upon Thames): each partner carries the figure
    joint = out["geographic_level"].eq("Local authority") & out["new_la_code"].str.contains("/", regex=False)
    if joint.any():
        name = names()
        olds = dict(zip(reference()["new_la_code"], reference()["old_la_code"]))
        parts = []
        for _, r in out[joint].iterrows():
            codes = [c.strip() for c in r["new_la_code"].split("/")]
            for c in codes:
                others = " and ".join(name.get(o, o) for o in codes if o != c)
                parts.append(
                    {
                        **r.to_dict(),
                        "new_la_code": recode.get(c, c),
                        "la_name": name.get(c, c),
                        "old_la_code": olds.get(c, ""),
                        "note": _with_note(r["note"], f"joint return with {others}"),
                    }
                )
        out = pd.concat([out[~joint], pd.DataFrame(parts, columns=out.columns)], ignore_index=True)
    # where a file has both codes for a year (a figure and a 'z'), keep the one with a figure
    la = out["geographic_level"].eq("Local authority")
    key = (out["time_period"].astype(str) + "|" + out["new_la_code"].astype(str)).where(la, None)  # not row by row
    order = out.assign(_key=key, _has=out["value_status"].eq("ok"), _own=out["published_code"].eq(out["new_la_code"]))
    keep = ~order.sort_values(["_has", "_own"], ascending=False).duplicated("_key", keep="first").reindex(out.index)
    keep |= ~la
    return out[keep].reset_index(drop=True)


def load_benchmarks(
    paths: Paths, settings: Settings, indicators: pd.DataFrame, problems: list[Problem], inputs: list[Path]
) -> pd.DataFrame:
    cols = BENCHMARK_ROW_COLUMNS
    files: dict[str, pd.DataFrame | None] = {}
    frames = []
    ind_name = _display(paths.framework / "indicators.csv", paths.raw)
    walked: set[Path] | None = None
    for row in indicators.itertuples():
        file_name = str(getattr(row, "benchmark_file", "") or "").strip()
        if not file_name:
            continue
        where = int(row.source_row)
        path = paths.published / file_name
        if not path.exists():
            problems.append(Problem(ind_name, where, "benchmark_file", file_name, "a file in published/"))
            continue
        walked = walked if walked is not None else set(data_files(paths.raw))
        if not _walked(path, walked):
            problems.append(
                Problem(
                    ind_name,
                    where,
                    "benchmark_file",
                    file_name,
                    "a file in published/ of the data folder (not hidden, not a link out of the folder)",
                )
            )
            continue
        if file_name not in files:
            inputs.append(path)
            files[file_name] = read_dfe_file(path, paths.raw, problems)
        df = files[file_name]
        if df is None:
            continue
        column = str(row.benchmark_column or "").strip().lower()
        if not column:
            problems.append(
                Problem(
                    ind_name,
                    where,
                    "benchmark_column",
                    None,
                    f"the column of {file_name} holding {row.indicator_id}'s figures",
                )
            )
            continue
        if column not in df.columns:
            # the published file changed (DfE renames columns) or the framework's name is mistyped
            extra = [c for c in df.columns if c not in schemas.DFE_LAYOUT]
            close = difflib.get_close_matches(column, extra, n=1, cutoff=0.5)
            problems.append(
                Problem(
                    _display(path, paths.raw),
                    df.attrs.get("header_row", 1),
                    row.benchmark_column,
                    close[0] if close else None,
                    f"a column named '{row.benchmark_column}', from which {row.indicator_id} reads "
                    f"its benchmark (framework/indicators.csv row {where}, benchmark_column); "
                    f"the measure columns are {', '.join(extra[:15])}",
                )
            )
            continue
        try:
            pairs = _parse_filter(row.benchmark_filter)
        except ValueError as exc:
            problems.append(Problem(ind_name, where, "benchmark_filter", str(exc), "column=value pairs separated by ;"))
            continue
        mask = pd.Series(True, index=df.index)
        for key, value in pairs:
            if key not in df.columns:
                problems.append(Problem(ind_name, where, "benchmark_filter", key, f"a column of {file_name}"))
                mask &= False
                continue
            mask &= df[key].str.strip() == value
            if not (df[key].str.strip() == value).any():
                problems.append(
                    Problem(
                        ind_name,
                        where,
                        "benchmark_filter",
                        f"{key}={value}",
                        f"a value found in column '{key}' of {file_name}",
                    )
                )
        sub = df[mask]
        if pairs and sub.empty:
            continue  # the filter's value was not found: reported above
        duplicate = _loose_filter(sub, file_name, ind_name, where, row)
        if duplicate:
            problems.append(duplicate)
            continue
        count_columns = [
            c.strip().lower() for c in str(getattr(row, "benchmark_count_columns", "") or "").split(";") if c.strip()
        ]
        for c in count_columns:
            if c not in df.columns:
                problems.append(Problem(ind_name, where, "benchmark_count_columns", c, f"a column of {file_name}"))
        count_columns = [c for c in count_columns if c in df.columns]
        parsed = parse_values(sub[column])
        bad = parsed["value_status"].eq("invalid")
        for r, val in zip(sub.index[bad], sub.loc[bad, column]):
            problems.append(Problem(_display(path, paths.raw), int(r), column, val, EXPECTED_VALUE))
        frames.append(_published_rows(sub, parsed, count_columns, row.indicator_id, settings.year_end_for(file_name)))
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def load_neighbours(path: Path, root: Path, problems: list[Problem]) -> pd.DataFrame:
    """DfE's statistical neighbour model, in the 2025 layout (``old_la_code, la_name, ..., SN_1,
    SN_1P, ...``) or the April 2021 layout (``LA num, LA Name, ..., SN1, SNP, SN2, SNP, ...``)."""
    cols = ["la_code", "neighbour_rank", "neighbour_code", "closeness"]
    name = _display(path, root)
    if not path.exists():
        problems.append(Problem(name, None, None, None, "the statistical neighbour model named in settings.yaml"))
        return pd.DataFrame(columns=cols)
    cells, _, found = _read_grid(path, name, ())
    problems += found
    if cells is None:
        return pd.DataFrame(columns=cols)
    at = _header_index(cells, ())
    header = [h.replace("\ufeff", "").strip() for h in cells[at]] if cells else []
    # index: the row as a spreadsheet shows it
    rows = [
        (at + 2 + k, (r + [""] * len(header))[: len(header)])
        for k, r in enumerate(cells[at + 1 :])
        if any(c.strip() for c in r)
    ]
    body = pd.DataFrame([r for _, r in rows], index=[n for n, _ in rows], columns=range(len(header)), dtype=str)
    key_col = next(
        (i for i, h in enumerate(header) if h.lower() in ("old_la_code", "la num", "la_num", "la code", "la_code")),
        None,
    )
    sn_cols = [(int(m.group(1)), i) for i, h in enumerate(header) if (m := re.fullmatch(r"SN_?(\d+)", h, re.I))]
    if key_col is None or len(sn_cols) < 1:
        problems.append(
            Problem(
                name,
                at + 1,
                None,
                None,
                "a statistical neighbour model with an 'old_la_code' (or 'LA num') "
                "column and neighbour columns SN_1..SN_10 (or SN1..SN10)",
            )
        )
        return pd.DataFrame(columns=cols)
    # DfE's April 2021 file ends with blank lines and section labels (",Old SNs:") above the groups of
    # authorities abolished since: a line with no code and no neighbours is not a row of the model
    sn_cells = body[[i for _, i in sn_cols]].apply(lambda c: c.str.strip()).ne("").any(axis=1)
    body = body[body[key_col].str.strip().ne("") | sn_cells]
    frames = []
    la = resolve_codes(body[key_col])
    for row, val in zip(body.index[la.isna()], body.loc[la.isna(), key_col]):
        problems.append(Problem(name, int(row), header[key_col], val, "a local authority old LA code"))
    for rank, i in sorted(sn_cols):
        neighbour = body[i].str.strip()
        code = resolve_codes(neighbour)
        missing = code.isna()
        for row, val in zip(body.index[missing], neighbour[missing]):
            problems.append(Problem(name, int(row), header[i], val or None, "a neighbour's old LA code or name"))
        closeness = body[i + 1].str.strip() if i + 1 < len(header) else ""
        frames.append(
            pd.DataFrame({"la_code": la, "neighbour_rank": rank, "neighbour_code": code, "closeness": closeness})
        )
    out = pd.concat(frames, ignore_index=True).dropna(subset=["la_code", "neighbour_code"])
    out = out.sort_values(["la_code", "neighbour_rank"]).reset_index(drop=True)[cols]
    out.attrs["key_column"] = header[key_col]  # for messages: "old_la_code" or "LA num"
    return out


# -- the whole data set ----------------------------------------------------------------------------


def _unmodelled_authorities(
    values: pd.DataFrame, neighbours: pd.DataFrame, sn_name: str, problems: list[Problem]
) -> list[Problem]:
    """An authority with local figures needs a row in the neighbour model, or its statistical
    neighbour benchmark would silently be blank (an old model predating a reorganisation, a
    trimmed file)."""
    if any(p.file == sn_name for p in problems):
        return []  # the model could not be read: that problem says enough
    found = []
    for code, grp in values.dropna(subset=["authority"]).groupby("authority", sort=True):
        if code not in set(neighbours["la_code"]):
            la = resolve(code)
            found.append(
                Problem(
                    sn_name,
                    None,
                    neighbours.attrs.get("key_column", "old_la_code"),
                    None,
                    f"a row for {la.name} ({la.old_code}), whose figures are in "
                    f"{grp['source_file'].iloc[0]}: its statistical neighbours come from this model",
                )
            )
    return found


def load_dataset(data_dir: str | Path | None = None, write_processed: bool = False) -> Dataset:
    """Read and validate everything; raise one InputError listing every problem.

    Examples
    --------
    >>> ds = load_dataset()                       # doctest: +SKIP
    >>> ds.indicators[["indicator_id", "polarity"]].head(2)  # doctest: +SKIP
    """
    paths = Paths.from_data_dir(data_dir)
    if not paths.raw.is_dir():
        raise InputError([Problem(str(paths.raw), None, None, None, "a data folder laid out like data/raw")])
    settings = load_settings(paths.settings_file)
    # Only the project's own data is cached (in its data/processed); another data folder is read
    # and checked every time, and nothing of it is written into the project.
    cache = _cache_folder(paths) if paths.raw == Paths.from_data_dir().raw else None
    ds = _read_cache(*cache, paths, settings) if cache else None
    if ds is None:
        ds = _load_and_check(paths, settings)
        if cache:
            _write_cache(*cache, ds)
    if write_processed:
        write_processed_tables(ds)
    return ds


# The project's validated dataset is kept in data/processed/cache under a key made of every input
# file's checksum, the kpitools code and the package versions (kpitools.core.provenance.source_checksums): reading and
# checking the demo data takes ~1.3 s, reading it back ~0.03 s, and every pack build, schedule and
# notebook run by hand starts by loading it. Any change to an input, the code or a package is a new
# key, so a stale dataset is never used.
#
# A cached dataset is data only, never code: a folder ``dataset-<key>`` holding one Parquet file per
# table of Dataset.TABLES and ``dataset.json`` (the full key, the inputs list and each table's columns
# and dtypes); the settings are read again from settings.yaml. It is written in a hidden folder renamed
# into place, and read back only when its key is the expected key and every table has the columns and
# dtypes recorded: anything else (a missing or damaged file, a foreign folder) is ignored and the
# dataset rebuilt. Caches of older versions (``dataset-*.pickle``, which ran code when loaded) are never
# read, and are deleted when a new cache is written.
CACHE_FILES_KEPT = 8
CACHE_FORMAT = 1
_CACHE_META = "dataset.json"
_CACHE_META_MAX_BYTES = 16 * 2**20


def _cache_folder(paths: Paths) -> tuple[Path, str]:
    """The cache folder of the dataset as the inputs, code and packages are now, and its full key."""
    key = hashlib.sha256(json.dumps(source_checksums(paths), sort_keys=True).encode("utf-8")).hexdigest()
    return paths.processed / "cache" / f"dataset-{key[:24]}", key


def _table_spec(frame: pd.DataFrame) -> dict[str, Any]:
    """What a cached table must be read back as: its columns, their dtypes, and the object columns
    whose missing values are ``None`` (Parquet keeps a null, not which null)."""
    nones = [
        str(c)
        for c in frame.columns
        if frame[c].dtype == object and frame[c].isna().any() and all(v is None for v in frame[c][frame[c].isna()])
    ]
    return {"columns": [str(c) for c in frame.columns], "dtypes": [str(d) for d in frame.dtypes], "none": nones}


def _restored(frame: pd.DataFrame, spec: Any) -> pd.DataFrame | None:
    """A table read back from Parquet with the dtypes it was written with, or ``None`` when it does
    not match ``spec`` (then the cache is not used)."""
    if not isinstance(spec, dict) or list(frame.columns) != spec.get("columns"):
        return None
    dtypes = spec.get("dtypes")
    if not isinstance(dtypes, list) or len(dtypes) != len(frame.columns):
        return None
    for col, dtype in zip(frame.columns, dtypes):
        got = str(frame[col].dtype)
        if got == dtype:
            continue
        if dtype == "object":  # text is read back as pandas' str dtype
            frame[col] = frame[col].astype(object)
        elif isinstance(dtype, str) and dtype.startswith(("datetime64[", "timedelta64[")) and got[:10] == dtype[:10]:
            frame[col] = frame[col].astype(dtype)  # Parquet has no seconds unit: [s] is read back as [ms]
    for col in spec.get("none") or []:
        if col in frame.columns and frame[col].dtype == object:
            frame[col] = frame[col].where(frame[col].notna(), None)
    return frame if [str(d) for d in frame.dtypes] == dtypes else None


def _read_cache(folder: Path, key: str, paths: Paths, settings: Settings) -> Dataset | None:
    """The dataset cached under ``key``, or ``None`` (not there, or not exactly as written: rebuild)."""
    try:
        meta_file = folder / _CACHE_META
        if meta_file.is_symlink() or meta_file.stat().st_size > _CACHE_META_MAX_BYTES:
            return None
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT or meta.get("key") != key:
            return None
        inputs = meta.get("inputs")
        if not isinstance(inputs, list) or not all(
            isinstance(i, dict) and set(i) == {"path", "sha256"} and all(isinstance(v, str) for v in i.values())
            for i in inputs
        ):
            return None
        specs = meta.get("tables")
        if not isinstance(specs, dict) or set(specs) != set(Dataset.TABLES):
            return None
        tables: dict[str, pd.DataFrame] = {}
        for name in Dataset.TABLES:
            table = _restored(pd.read_parquet(folder / f"{name}.parquet"), specs[name])
            if table is None:
                return None
            tables[name] = table
        return Dataset(paths, settings, inputs=inputs, **tables)
    except Exception:  # not there yet, damaged, not ours: load and check the inputs instead
        return None


def _write_cache(folder: Path, key: str, ds: Dataset) -> None:
    """Cache ``ds`` under ``key``: written in a hidden folder, renamed into place when complete."""
    cache = folder.parent
    tmp: Path | None = None
    try:
        tmp = temp_dir(".dataset-", cache)
        specs = {}
        for name in Dataset.TABLES:
            frame = getattr(ds, name)
            frame.to_parquet(tmp / f"{name}.parquet")
            specs[name] = _table_spec(frame)
        meta = {"format": CACHE_FORMAT, "key": key, "inputs": ds.inputs, "tables": specs}
        (tmp / _CACHE_META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if folder.exists() or folder.is_symlink():  # one that could not be read back: replace it
            stale = temp_dir(".stale-", cache)
            os.replace(folder, stale / folder.name)
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, folder)
        tmp = None
        _prune_cache(cache)
    except Exception:  # a read-only project folder, a full disk, a table Parquet cannot hold: no cache
        pass
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _prune_cache(cache: Path) -> None:
    """Keep the newest :data:`CACHE_FILES_KEPT` datasets; delete pickles of older versions and the
    hidden folders of writes that never finished (an hour old)."""
    for old in cache.glob("dataset-*.pickle"):
        old.unlink(missing_ok=True)
    kept = sorted(
        (p for p in cache.glob("dataset-*") if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in kept[:-CACHE_FILES_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
    for left in [*cache.glob(".dataset-*"), *cache.glob(".stale-*")]:
        if left.is_dir() and time.time() - left.stat().st_mtime > 3600:
            shutil.rmtree(left, ignore_errors=True)


def _shortened(problems: list[Problem]) -> list[Problem]:
    """Problems as a message quotes them: a cell, a column name cut to about 80 characters, what was
    expected to a few hundred (a 1 GB cell is never echoed whole)."""
    return [
        dataclasses.replace(
            p,
            column=clip(p.column) if p.column else p.column,
            found=None if p.found is None else clip(p.found),
            expected=clip(p.expected, 600),
        )
        for p in problems
    ]


def _load_and_check(paths: Paths, settings: Settings) -> Dataset:
    data_files(paths.raw)  # a link out of the data folder: refused before anything is read
    problems: list[Problem] = []
    inputs: list[Path] = [paths.settings_file] if paths.settings_file.exists() else []
    indicators = load_indicators(paths, problems, inputs)
    targets = load_targets(paths, indicators, problems, inputs)
    values = load_local_values(paths, indicators, problems, inputs)
    commentary = load_commentary(paths, indicators, problems, inputs)
    benchmarks = load_benchmarks(paths, settings, indicators, problems, inputs)
    neighbours = pd.DataFrame(columns=["la_code", "neighbour_rank", "neighbour_code", "closeness"])
    if settings.statistical_neighbours:
        sn_path = paths.published / settings.statistical_neighbours
        if sn_path.exists() and not _walked(sn_path, set(data_files(paths.raw))):
            problems.append(
                Problem(
                    _display(paths.settings_file, paths.raw),
                    None,
                    "statistical_neighbours",
                    settings.statistical_neighbours,
                    "a file in published/ of the data folder (not hidden, not a link out of the folder)",
                )
            )
        else:
            inputs.append(sn_path)
            neighbours = load_neighbours(sn_path, paths.raw, problems)
            problems += _unmodelled_authorities(values, neighbours, _display(sn_path, paths.raw), problems)
    if problems:
        raise InputError(_shortened(problems))
    records = [{"path": _display(p, paths.raw), "sha256": sha256_file(p)} for p in dict.fromkeys(inputs) if p.exists()]
    return Dataset(paths, settings, indicators, targets, values, commentary, benchmarks, neighbours, records)


def write_processed_tables(ds: Dataset) -> Path:
    """Write the validated tables as Parquet under data/processed, all or nothing."""
    target = ds.paths.processed
    target.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir(".tables-", target)
    for name in Dataset.TABLES:
        getattr(ds, name).to_parquet(tmp / f"{name}.parquet", index=False)
    (tmp / "inputs.json").write_text(json.dumps(ds.inputs, indent=2))
    for f in tmp.iterdir():
        os.replace(f, target / f.name)
    tmp.rmdir()
    return target
