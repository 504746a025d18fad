"""Present: the pack's pages as a reader sees them (tables, charts, text alternatives, page templates).

Below it: :mod:`kpitools.pack` (the scored tables it draws from). Nothing here runs a notebook or
writes a pack; :mod:`kpitools.publish` does.
"""

from pathlib import Path

# nbconvert's template folder: the report template and the index page share its head and styles.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "kpitools_report"
