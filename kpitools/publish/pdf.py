"""The pack as one PDF, printed by headless Chromium: A4, page numbers, no table row cut in two.

Each page of the pack (the index, then each report) is printed by Chromium's own print engine
(``--print-to-pdf``), with the pack's print stylesheet (rows and figures kept whole, table headings
repeated on each page) and a footer naming the report and the page ("Committee scorecard - page 2
of 9", CSS ``@page`` margin boxes). The parts are joined into ``<pack>.pdf`` with pypdf.

Chromium is Debian's ``chromium`` (``scripts/install-browser.sh``) or the one ``KPITOOLS_CHROMIUM``
names. Nothing is fetched from the network: the pages are self-contained and Chromium is started
with its background networking off.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kpitools.core.errors import ReportError
from kpitools.core.files import atomic_path

CHROMIUM_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT_SECONDS = 180


def find_chromium() -> str:
    """The Chromium to print with: ``KPITOOLS_CHROMIUM``, else ``chromium`` (or ``chromium-browser``,
    ``google-chrome``) on the PATH.

    Raises
    ------
    ReportError
        When none is found, saying how to install it.
    """
    named = os.environ.get("KPITOOLS_CHROMIUM")
    if named:
        if Path(named).is_file():
            return named
        raise ReportError(f"KPITOOLS_CHROMIUM names {named}, which does not exist")
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise ReportError(
        "--pdf needs Chromium to print the pack: run 'bash scripts/install-browser.sh' "
        "(Debian's chromium), or set KPITOOLS_CHROMIUM to a Chromium or Chrome program"
    )


def _footer_css(label: str) -> str:
    # CSS strings: escape backslashes and quotes; the label is data (a report title).
    text = label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return (
        "<style>@page { size: A4; margin: 15mm 13mm 17mm; "
        f'@bottom-right {{ content: "{text} \\00B7  page " counter(page) " of " counter(pages); '
        "font: 9pt Arial, Helvetica, sans-serif; color: #333; } }</style>"
    )


def print_page(page: Path, pdf: Path, label: str, chromium: str | None = None) -> Path:
    """Print one HTML page of the pack to ``pdf`` with a footer naming it and numbering its pages."""
    chromium = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="kpitools-print-") as work:
        work_dir = Path(work)
        source = page.read_text(encoding="utf-8")
        marker = source.lower().find("</head>")
        if marker < 0:
            raise ReportError(f"{page.name} has no <head>: it is not a page of a kpitools pack")
        printable = work_dir / page.name
        printable.write_text(source[:marker] + _footer_css(label) + source[marker:], encoding="utf-8")
        flags = list(CHROMIUM_FLAGS) + [f"--user-data-dir={work_dir / 'profile'}", f"--print-to-pdf={pdf}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            proc = subprocess.run(
                [chromium, *flags, printable.as_uri()], capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise ReportError(f"Chromium took more than {PRINT_TIMEOUT_SECONDS} s to print {page.name}") from None
        except OSError as exc:
            raise ReportError(f"could not start Chromium ({chromium}) to print {page.name}: {exc}") from None
        if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            raise ReportError(f"Chromium could not print {page.name} to PDF (exit {proc.returncode}):\n{tail}")
    return pdf


def _title(page: Path) -> str:
    import re

    m = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8")[:5000], re.S)
    return html.unescape(m.group(1)).strip() if m else page.stem.replace("_", " ").capitalize()


def write_pack_pdf(folder: Path, pages: Sequence[tuple[str, str]], out: Path) -> Path:
    """Print the pack's pages, in order, into one PDF.

    Parameters
    ----------
    folder
        The folder holding the pages (the pack being built).
    pages
        ``(file name, footer label)`` for each page, in the order of the PDF.
    out
        The PDF to write (written to a temporary name, then renamed).
    """
    from pypdf import PdfWriter

    chromium = find_chromium()
    writer = PdfWriter()
    with tempfile.TemporaryDirectory(prefix="kpitools-pdf-") as work:
        for n, (name, label) in enumerate(pages):
            part = print_page(folder / name, Path(work) / f"{n:02d}.pdf", label or _title(folder / name), chromium)
            writer.append(str(part), outline_item=label or _title(folder / name))
        writer.add_metadata(
            {
                "/Title": _title(folder / pages[0][0]) if pages else "kpitools pack",
                "/Producer": "kpitools (Chromium print, pypdf)",
            }
        )
        with atomic_path(out) as tmp, open(tmp, "wb") as fh:
            writer.write(fh)
    return out
