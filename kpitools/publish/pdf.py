"""The pack as one PDF, printed by headless Chromium: A4, tagged, pages numbered through, no table row
cut in two, the checksums in an appendix at the end.

The pages of the pack (the index, then each report) are gathered into ONE print document (the
content of each page's ``<main>``, in order, under the pack's own stylesheet) and printed once by
Chromium's own print engine (``--print-to-pdf``). One print keeps what joining several PDFs loses:

- the PDF is tagged (a structure tree, ``/StructTreeRoot`` and ``/MarkInfo << /Marked true >>``,
  which Chromium writes by default), with an outline (bookmarks) from the headings
  (``--generate-pdf-document-outline``);
- the pages are numbered through the whole pack, and each page's footer names its part:
  "Committee scorecard · page 5 of 38" (CSS named pages, one per part, with ``@page`` margin boxes);
- the provenance of each page (``section.kpi-provenance``: inputs, versions and their SHA-256
  checksums) is moved to an appendix at the end, after the content.

Rows and figures are kept whole, headings are kept with what follows them and table headings are
repeated on each page by the pack's print stylesheet (``kpitools.css``, ``@media print``).

Chromium is Debian's ``chromium`` (``scripts/install-browser.sh``) or the one ``KPITOOLS_CHROMIUM``
names. Nothing is fetched from the network: the pages are self-contained and Chromium is started
with its background networking off.
"""

from __future__ import annotations

import html
import os
import re
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
    "--generate-pdf-document-outline",  # bookmarks from the headings; the PDF is tagged by default
)
PRINT_TIMEOUT_SECONDS = 180
APPENDIX_TITLE = "Appendix: provenance and checksums"

_MAIN_OPEN = re.compile(r"<main\b[^>]*>", re.I)
_PROVENANCE = re.compile(r'<section class="kpi-provenance">.*?</section>', re.S)
# A table of checksums outside the provenance section (the index lists the notebooks' after it).
_INPUTS_TABLE = re.compile(
    r'<div class="kpi-table-wrap"[^>]*>\s*<table class="kpi-table kpi-inputs">.*?</table>\s*</div>', re.S
)
_ID = re.compile(r'\bid="([^"]+)"')
_IDREFS = re.compile(r'\b(aria-labelledby|aria-describedby|aria-controls|headers|for)="([^"]+)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
_HEADING = re.compile(r"<(/?)h([1-5])\b", re.I)


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


def _css_string(text: str) -> str:
    # A CSS string: escape backslashes and quotes; the text is data (a report title).
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _print_css(labels: Sequence[str]) -> str:
    """One named page a part (and the appendix), each with a footer naming it and numbering the page
    in the whole document."""
    rules = [
        "@page { size: A4; margin: 15mm 13mm 17mm; }",
        ".kpi-part + .kpi-part { break-before: page; }",
    ]
    for n, label in enumerate([*labels, APPENDIX_TITLE]):
        rules.append(
            f"@page kpi-part-{n} {{ @bottom-right {{ content: {_css_string(label + ' · page ')} "
            'counter(page) " of " counter(pages); font: 9pt Arial, "Liberation Sans", Helvetica, sans-serif; '
            "color: #333; } }"
        )
        rules.append(f"#kpi-part-{n} {{ page: kpi-part-{n}; }}")
    return "<style>@media print {\n" + "\n".join(rules) + "\n}</style>"


def _main_content(source: str, name: str) -> str:
    m = _MAIN_OPEN.search(source)
    end = source.lower().rfind("</main>")
    if not m or end < m.end():
        raise ReportError(f"{name} has no <main>: it is not a page of a kpitools pack")
    return source[m.end() : end]


def _scoped(content: str, n: int, pages: dict[str, int]) -> str:
    """``content`` with its ids made unique in the print document (``p<n>-``) and its links
    followed inside it: a link to another page of the pack goes to that part, a link to any other
    file of the pack (a download, which the PDF does not carry) is kept as text."""
    ids = set(_ID.findall(content))
    prefix = f"p{n}-"
    content = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', content)
    content = _IDREFS.sub(
        lambda m: f'{m.group(1)}="{" ".join(prefix + t if t in ids else t for t in m.group(2).split())}"', content
    )

    def link(m: re.Match[str]) -> str:
        href = html.unescape(m.group(1))
        if href.startswith("#"):
            return f'href="#{prefix}{href[1:]}"' if href[1:] in ids else m.group(0)
        if re.match(r"[a-z][a-z0-9+.-]*:", href, re.I):
            return m.group(0)  # http:, https:, mailto: stay as they are
        page, _, fragment = href.partition("#")
        if page in pages:
            target = f"p{pages[page]}-{fragment}" if fragment else f"kpi-part-{pages[page]}"
            return f'href="#{html.escape(target)}"'
        return 'data-kpi-file="' + m.group(1) + '"'

    return _HREF.sub(link, content)


def _demoted(fragment: str) -> str:
    """Headings one level down (h2 to h3), for a page's provenance placed under its part's heading."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}", fragment)


def _once(table: str, label: str, shown: dict[str, str]) -> str:
    """A table of checksums the first time; after, a line saying where it is (every report lists
    the same input files)."""
    if table not in shown:
        shown[table] = label
        return table
    caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
    what = caption.group(1) if caption else "The checksums"
    return f'<p class="kpi-same">{what}: the same as for {html.escape(shown[table])}, above.</p>'


def print_document(folder: Path, pages: Sequence[tuple[str, str]]) -> str:
    """The one HTML document the PDF is printed from: the first page's head (the pack's stylesheet),
    then each page's ``<main>`` content in order, each in its own part, then the appendix of their
    provenance (checksums)."""
    if not pages:
        raise ReportError("a PDF needs at least one page of the pack")
    sources = []
    for name, _ in pages:
        try:
            sources.append((folder / name).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ReportError(f"could not read {name} to print it: {exc}") from None
    head_end = sources[0].lower().find("</head>")
    if head_end < 0:
        raise ReportError(f"{pages[0][0]} has no <head>: it is not a page of a kpitools pack")
    labels = [label or _title(source, name) for (name, label), source in zip(pages, sources)]
    numbers = {name: n for n, (name, _) in enumerate(pages)}
    parts, appendix = [], []
    shown: dict[str, str] = {}  # a table of checksums already in the appendix: the part it is under
    for n, ((name, _), source) in enumerate(zip(pages, sources)):
        content = _main_content(source, name)
        moved = _PROVENANCE.findall(content)
        content = _PROVENANCE.sub("", content)
        moved += _INPUTS_TABLE.findall(content)
        content = _INPUTS_TABLE.sub("", content)
        label = labels[n]

        def first_time(m: re.Match[str], label: str = label) -> str:
            return _once(m.group(0), label, shown)

        moved = [_INPUTS_TABLE.sub(first_time, m) for m in moved]
        parts.append(f'<div class="kpi-part" id="kpi-part-{n}">\n{_scoped(content, n, numbers)}\n</div>')
        if moved:
            appendix.append(
                f'<section class="kpi-appendix-part"><h2>{html.escape(labels[n])}</h2>\n'
                + "\n".join(_demoted(_scoped(m, n, numbers)) for m in moved)
                + "</section>"
            )
    if appendix:
        parts.append(
            f'<div class="kpi-part kpi-appendix" id="kpi-part-{len(pages)}">'
            f"<h1>{html.escape(APPENDIX_TITLE)}</h1>\n"
            "<p>What each page of the pack was made from: the input files and the code, with the SHA-256 "
            "checksum of each.</p>\n" + "\n".join(appendix) + "</div>"
        )
    return (
        sources[0][:head_end]
        + _print_css(labels)
        + '\n</head>\n<body class="kpi-report kpi-print">\n<main id="content">\n'
        + "\n".join(parts)
        + "\n</main>\n</body>\n</html>\n"
    )


def print_html(page: Path, pdf: Path, chromium: str | None = None) -> Path:
    """Print one self-contained HTML file to ``pdf`` with Chromium's own print engine (tagged PDF)."""
    chromium = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="kpitools-print-") as work:
        flags = list(CHROMIUM_FLAGS) + [f"--user-data-dir={Path(work) / 'profile'}", f"--print-to-pdf={pdf}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            proc = subprocess.run(
                [chromium, *flags, page.as_uri()], capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise ReportError(f"Chromium took more than {PRINT_TIMEOUT_SECONDS} s to print {page.name}") from None
        except OSError as exc:
            raise ReportError(f"could not start Chromium ({chromium}) to print {page.name}: {exc}") from None
        if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            raise ReportError(f"Chromium could not print {page.name} to PDF (exit {proc.returncode}):\n{tail}")
    return pdf


def _title(source: str, name: str) -> str:
    m = re.search(r"<title>(.*?)</title>", source[:5000], re.S)
    return html.unescape(m.group(1)).strip() if m else Path(name).stem.replace("_", " ").capitalize()


def write_pack_pdf(folder: Path, pages: Sequence[tuple[str, str]], out: Path) -> Path:
    """Print the pack's pages, in order, into one tagged PDF with its checksums in an appendix.

    Parameters
    ----------
    folder
        The folder holding the pages (the pack being built).
    pages
        ``(file name, footer label)`` for each page, in the order of the PDF; an empty label is the
        page's title.
    out
        The PDF to write (written to a temporary name, then renamed).
    """
    chromium = find_chromium()
    document = print_document(folder, pages)
    with tempfile.TemporaryDirectory(prefix="kpitools-pdf-") as work:
        printable = Path(work) / "pack.html"
        printable.write_text(document, encoding="utf-8")
        with atomic_path(out) as tmp:
            print_html(printable, tmp, chromium)
    return out
