"""Build the XLSX cases of the bad-input corpus, as analysts' workbooks look.

Run ``python tests/data/bad/make_xlsx.py`` to regenerate them; ``tests/test_bad_inputs.py`` checks
that the committed workbooks still hold what this script builds (cells, number formats, merges).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
HEADER = ["authority", "indicator_id", "period", "value", "numerator", "denominator"]


def _titled(ws, title: str) -> None:
    """The title block a council report sheet carries above its table (the title merged across)."""
    ws.append([title])
    ws.merge_cells("A1:F1")
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Source: Liquidlogic extract run 4 April 2025; figures are provisional"])
    ws.append([])


def title_above_table() -> Workbook:
    """Carry on: the table starts on row 4 under a merged title; it loads as if it started on row 1."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPI extract"
    _titled(ws, "Havering children's services KPIs 2024-25")
    ws.append(HEADER)
    ws.append(["Havering", "REREFERRAL", "2024-25 Q1", 17.1, 151, 884])
    ws.append(["Havering", "CIN_RATE", "2024-25 Q1", 307.3, None, None])
    ws.append(["Havering", "CP_REPEAT", "2024-25 Q1", 23.7, 28, 118])
    return wb


def cells_as_shown() -> Workbook:
    """Errors: an Excel error cell and a count formatted as a percentage, reported at the rows the
    sheet shows (the table starts on row 4)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPI extract"
    _titled(ws, "Havering children's services KPIs 2024-25")
    ws.append(HEADER)  # row 4
    ws.append(["Havering", "REREFERRAL", "2024-25 Q1", 17.1, 151, 884])  # row 5
    ws.append(["Havering", "ADOPTION_14M", "2024-25 Q1", "#DIV/0!", 0, 0])  # row 6: =B/C with C = 0
    ws.append(["Havering", "ADOPTION_DAYS", "2024-25 Q1", 501, None, None])  # row 7
    ws.append(["Havering", "FOSTER_CARERS", "2024-25 Q1", 0.87, None, None])  # row 8: shows 87%
    ws["D8"].number_format = "0%"
    return wb


def percent_and_date_cells() -> Workbook:
    """Carry on: percentages typed as 17.1% (stored 0.171, shown 17.1%) and months typed as Jul-24
    (stored as dates): read as the analyst sees them, 17.1 and 2024-07."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPI extract"
    ws.append(HEADER)
    ws.append(["Havering", "REREFERRAL", "2024-25 Q2", 0.165, 296, 1790])
    ws["D2"].number_format = "0.0%"
    ws.append(["Havering", "CP_REPEAT", "2024-25 Q2", 0.23, 52, 226])
    ws["D3"].number_format = "0.0%"
    for month, value in ((7, 38), (8, 39), (9, 40)):
        ws.append(["Havering", "UASC", datetime.datetime(2024, month, 1), value, None, None])
        ws.cell(ws.max_row, 3).number_format = "mmm-yy"
    return wb


def merged_cells() -> Workbook:
    """Errors: a two-row header with merged cells (numerator and denominator grouped under
    "Breakdown") and the authority merged down the rows it applies to."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPI extract"
    ws.append(["authority", "indicator_id", "period", "value", "Breakdown", None])
    ws.append([None, None, None, None, "numerator", "denominator"])
    for col in "ABCD":
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("E1:F1")
    ws.append(["Havering", "REREFERRAL", "2024-25 Q1", 17.1, 151, 884])
    ws.append([None, "CP_REPEAT", "2024-25 Q1", 23.7, 28, 118])
    ws.append([None, "PLACEMENT_MOVES", "2024-25 Q1", 11, 30, 281])
    ws.merge_cells("A3:A5")
    return wb


def formula_without_value() -> Workbook:
    """Errors: values computed by formulas in a workbook written by a program, not saved by Excel: no
    value is stored beside the formulas, and each would read as blank ("no data")."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPI extract"
    ws.append(HEADER)
    ws.append(["Havering", "REREFERRAL", "2024-25 Q1", "=E2/F2*100", 151, 884])  # row 2
    ws.append(["Havering", "CIN_RATE", "2024-25 Q1", 307.3, None, None])  # row 3
    ws.append(["Havering", "CP_REPEAT", "2024-25 Q1", "=E4/F4*100", 28, 118])  # row 4
    return wb


BUILDERS: dict[str, Callable[[], Workbook]] = {
    "xlsx_title_above_table.xlsx": title_above_table,
    "xlsx_cells_as_shown.xlsx": cells_as_shown,
    "xlsx_percent_and_date_cells.xlsx": percent_and_date_cells,
    "xlsx_merged_cells.xlsx": merged_cells,
    "xlsx_formula_without_value.xlsx": formula_without_value,
}


def main() -> None:
    for name, build in BUILDERS.items():
        build().save(HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
