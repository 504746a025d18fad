"""Execute the report notebooks with papermill, export them to offline HTML, publish a pack atomically.

A pack is a folder ``outputs/<authority>/<period>/`` holding:

- one HTML page per report notebook (no input cells, no script, no remote resource; prints on A4),
- ``index.html`` linking the reports, with the summary and the provenance,
- the machine-readable scorecard (CSV/JSON) given to :func:`build_pack`,
- ``manifest.json``: inputs and their SHA-256, parameters, package versions, git revision, start and
  end times, notebook and output checksums, and a fingerprint for skipping unchanged work.

:func:`build_pack` builds the new pack in a hidden temporary folder next to the destination and
only then swaps it into place. If anything fails, the previous pack is left exactly as it was, the
executed notebook that failed is kept under ``outputs/<authority>/.failed/`` and
:class:`kpitools.errors.ReportError` names the notebook and the failing cell.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import ReportError
from .imports import import_jsonschema

__all__ = [
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "PackResult",
    "export_html",
    "run_notebook",
    "build_pack",
    "pack_path",
    "safe_name",
    "pack_fingerprint",
    "pack_is_current",
    "read_manifest",
    "git_revision",
    "package_versions",
    "sha256_file",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "kpitools_report"
MANIFEST = "manifest.json"
_PACKAGES = ("kpitools", "pandas", "altair", "papermill", "nbconvert", "vl-convert-python", "nbformat",
             "nbclient", "ipykernel")
_env_lock = threading.Lock()


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def git_revision(path: str | Path | None = None) -> str | None:
    """The git commit of the kpitools checkout (``+dirty`` when it has local changes), else ``None``."""
    where = Path(path) if path is not None else _project_root()
    try:
        rev = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        # Dirty when the code or the notebooks differ from the commit (new files included).
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "kpitools", "notebooks",
                                "pyproject.toml"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not rev:
        return None
    return rev + ("+dirty" if dirty else "")


def package_versions() -> dict[str, str | None]:
    """Versions of Python and the packages a pack depends on (``None`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    if out.get("kpitools") is None:
        out["kpitools"] = _pyproject_version()
    return out


def _pyproject_version() -> str | None:
    try:
        text = (_project_root() / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return f"{m.group(1)} (source checkout)" if m else None


def _safe_name(text: str) -> str:
    """A folder name from an authority or a period: ``2025-26 Q2`` gives ``2025-26_Q2``."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text).strip()).strip("._")
    return s or "unnamed"


safe_name = _safe_name


def pack_path(outputs_dir: str | Path, authority: str, period: str) -> Path:
    """Where a pack lives: ``<outputs_dir>/<authority>/<period>`` with file-system-safe names."""
    return Path(outputs_dir) / _safe_name(authority) / _safe_name(period)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

_REMOTE = re.compile(
    r"""<script\b|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//|\bsrc\s*=\s*["']?\s*(?:https?:)?//|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""",
    re.I)


def _check_outputs(nb: Any, name: str) -> None:
    """Refuse outputs that would break the pack's promises: images without a text alternative,
    scripts, or anything loaded from the network."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {}) or {}
            md = output.get("metadata", {}) or {}
            for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                if mime in data and "text/html" not in data:
                    alt = (md.get(mime) or {}).get("alt") if isinstance(md.get(mime), dict) else None
                    if not (alt or md.get("alt")):
                        problems.append(f"cell {index + 1} shows an image ({mime}) without a text alternative; "
                                        "use kpitools.render.svg_figure")
            html_text = data.get("text/html")
            if isinstance(html_text, list):
                html_text = "".join(html_text)
            if html_text and _REMOTE.search(html_text):
                problems.append(f"cell {index + 1} outputs HTML with a script or a remote resource "
                                f"({_REMOTE.search(html_text).group(0)!r}); the pack must work offline")
    if problems:
        raise ReportError(f"{name} cannot be exported:\n  - " + "\n  - ".join(problems))


def _find_title(nb: Any) -> str | None:
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = (output.get("metadata") or {}).get("kpitools")
            if isinstance(meta, dict) and meta.get("title"):
                return str(meta["title"])
    return None


@functools.lru_cache(maxsize=1)
def _exporter():
    # One exporter per process: building it (traitlets config, Jinja environment, template
    # lookup) costs more than exporting a pack's page, and a schedule's worker exports many.
    import_jsonschema()
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.exclude_anchor_links = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove-cell", "remove_cell")
    c.TagRemovePreprocessor.remove_all_outputs_tags = ("remove-output", "remove_output")
    return _pack_exporter_class()(config=c)


def _pack_exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PackHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last pass, which re-parses the whole page with
        BeautifulSoup only to add alt text to ``<img>`` and ``tabindex`` to JupyterLab's cell
        wrappers: our template has no such wrappers, ``_check_outputs`` refuses an image without a
        text alternative, and on a pack page with its charts that pass took longer than the rest
        of the export (1.7 s of 3.4 s measured)."""

        def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PackHTMLExporter


def export_html(executed_nb_path_or_node: str | Path | Any, out_html: str | Path, title: str | None = None) -> Path:
    """Export an executed notebook to one self-contained, offline HTML page with the kpitools template.

    Parameters
    ----------
    executed_nb_path_or_node
        The executed notebook: a path to an ``.ipynb`` file or an ``nbformat.NotebookNode``.
    out_html
        The HTML file to write (written to a temporary name and renamed, so never half-written).
    title
        The page's ``<title>``. By default the title the notebook's
        :func:`kpitools.render.title_block` output carries, else ``metadata.title``, else the
        file name.

    Returns
    -------
    pathlib.Path
        ``out_html``.

    Raises
    ------
    ReportError
        When an output would break the pack's promises (an image without a text alternative, a
        script, a remote resource) or nbconvert fails.
    """
    import_jsonschema()
    import nbformat

    if isinstance(executed_nb_path_or_node, (str, Path)):
        src = Path(executed_nb_path_or_node)
        nb = nbformat.read(str(src), as_version=4)
        name, folder = src.name, str(src.parent)
    else:
        nb = executed_nb_path_or_node
        name, folder = "notebook", str(Path.cwd())
    _check_outputs(nb, name)
    page_title = title or _find_title(nb) or nb.metadata.get("title") or Path(name).stem
    out = Path(out_html)
    resources = {"metadata": {"name": Path(name).stem, "path": folder}, "kpitools_title": page_title}
    try:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    except Exception as exc:  # nbconvert / jinja errors: name the notebook
        raise ReportError(f"could not export {name} to HTML: {type(exc).__name__}: {exc}") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """Parameters as papermill can inject them: paths and identifiers as strings, tuples as lists."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _ensure_kernel_can_import_kpitools() -> None:
    """The kernel inherits this process's environment: put the kpitools checkout on PYTHONPATH so an
    uninstalled source checkout works too (harmless when kpitools is installed)."""
    root = str(_project_root())
    with _env_lock:
        current = os.environ.get("PYTHONPATH", "")
        if root not in current.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, current) if p)


def _source_cell_number(input_nb: Path, source: str | None, fallback_index: int | None) -> str:
    """The 1-based number of the failing cell in the notebook as written (papermill's index counts
    the cell it injects)."""
    try:
        import nbformat

        nb = nbformat.read(str(input_nb), as_version=4)
        if source is not None:
            for i, cell in enumerate(nb.cells):
                if cell.get("source", "") == source:
                    return str(i + 1)
    except Exception:
        pass
    return str((fallback_index or 0) + 1) if fallback_index is not None else "?"


def _first_line(source: str | None) -> str:
    for line in (source or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 80 else line[:77] + "..."
    return ""


def _kernel_manager_class() -> Any:
    """On POSIX, kernels talk to us over Unix sockets rather than TCP: nothing listens on the network
    of a shared council machine, parallel packs never race for ports, and ipykernel has nothing to
    warn about. Windows has no IPC transport and keeps TCP on localhost."""
    if os.name != "posix":
        return None
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class IpcKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _unique_socket_prefix(self) -> str:
            # jupyter_client's default prefix is "kernel-ipc" in the working folder: two kernels
            # started at once there can pick the same socket and fail with "Invalid Signature".
            return os.path.join(tempfile.gettempdir(), f"kpitools-{uuid.uuid4().hex[:16]}-ipc")

    return IpcKernelManager


def run_notebook(
    input_nb: str | Path,
    output_nb: str | Path,
    parameters: Mapping[str, Any],
    kernel_name: str = "kpitools",
    *,
    cwd: str | Path | None = None,
    timeout: float | None = 900,
    km: Any = None,
) -> Path:
    """Execute a parameterised notebook with papermill.

    Parameters
    ----------
    input_nb
        The notebook as written (its first code cell is tagged ``parameters``).
    output_nb
        Where papermill writes the executed notebook (also when a cell fails).
    parameters
        Values for the parameters cell. Paths are passed as strings, tuples as lists; authority
        and period are passed as the strings given.
    kernel_name
        The Jupyter kernel to run in (``make venv`` installs ``kpitools``).
    cwd
        Working directory of the kernel; defaults to the notebook's folder.
    timeout
        Seconds a single cell may run (``None``: no limit).
    km
        A kernel already started (:class:`ReadyKernels`), to be used from the thread that
        started it; its working directory was set when it started, so ``cwd`` is not used. The
        caller shuts it down. By default a new kernel is started and shut down here.

    Returns
    -------
    pathlib.Path
        ``output_nb``.

    Raises
    ------
    ReportError
        Naming the notebook and the failing cell (its number in the notebook as written and its
        first line) with the exception, or a missing kernel, a timeout or a dead kernel. The
        error's ``executed_notebook`` is ``output_nb`` when papermill wrote it.
    """
    import_jsonschema()  # papermill imports nbformat, which imports jsonschema: keep it quick
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    input_nb, output_nb = Path(input_nb), Path(output_nb)
    output_nb.parent.mkdir(parents=True, exist_ok=True)
    _ensure_kernel_can_import_kpitools()
    name = input_nb.name
    if km is not None:
        how: dict[str, Any] = {"km": km}
    else:
        how = {"cwd": str(cwd if cwd is not None else input_nb.parent)}
        if manager := _kernel_manager_class():
            how["kernel_manager_class"] = manager
    try:
        pm.execute_notebook(str(input_nb), str(output_nb), parameters=_plain(dict(parameters)),
                            kernel_name=kernel_name, progress_bar=False, log_output=False,
                            execution_timeout=timeout, **how)
    except PapermillExecutionError as exc:
        cell = _source_cell_number(input_nb, getattr(exc, "source", None), getattr(exc, "cell_index", None))
        first = _first_line(getattr(exc, "source", None))
        message = (f"notebook {name} failed in cell {cell}"
                   + (f" ({first!r})" if first else "")
                   + f": {exc.ename}: {exc.evalue}")
        err = ReportError(message, executed_notebook=output_nb if output_nb.exists() else None)
        err.detail = message
        err.notebook = name
        err.cell = cell
        raise err from exc
    except Exception as exc:
        raise _execution_error(exc, name, kernel_name, timeout, output_nb) from exc
    return output_nb


def _execution_error(exc: BaseException, name: str, kernel_name: str, timeout: float | None,
                     output_nb: Path | None = None) -> ReportError:
    """A notebook that could not run, said in words (a missing kernel, a timeout, a dead kernel)."""
    kind = type(exc).__name__
    if kind == "NoSuchKernel":
        message = (f"notebook {name} cannot run: the Jupyter kernel {kernel_name!r} is not installed "
                   f"(run 'make venv', or 'python -m ipykernel install --sys-prefix --name {kernel_name}')")
    elif kind in ("CellTimeoutError", "TimeoutError"):
        message = f"notebook {name} timed out: a cell ran for more than {timeout} seconds"
    elif kind == "DeadKernelError":
        message = f"notebook {name} failed: the kernel died (out of memory, or the run was stopped): {exc}"
    else:
        message = f"notebook {name} could not be executed: {kind}: {exc}"
    err = ReportError(message, executed_notebook=output_nb if output_nb is not None and output_nb.exists() else None)
    err.detail = message
    err.notebook = name
    err.cell = None
    return err


class ReadyKernels:
    """Kernels started ahead for a pack's notebooks, one per notebook, each in its own thread.

    Starting a kernel costs about 0.75 s of CPU in the kernel's own process. A pack starts its
    kernels before it draws its sections, so on a free core that time is hidden; the notebooks
    then run at the same time, each in its own kernel. A kernel is only ever used from the thread
    that started it (jupyter_client's asyncio objects belong to that thread's event loop). Leaving
    the ``with`` block shuts every kernel down; leaving it on an error (or a stop) kills them, so
    no notebook runs on.

    Examples
    --------
    >>> with ReadyKernels(["notebooks/a.ipynb", "notebooks/b.ipynb"]) as kernels:   # doctest: +SKIP
    ...     draw_the_charts()                                  # while the kernels start
    ...     executed = [kernels.run(i, nb, f"out/{i}.ipynb", params) for i, nb in enumerate(kernels.notebooks)]
    ...     paths = [future.result() for future in executed]
    """

    def __init__(self, notebooks: Sequence[str | Path], kernel_name: str = "kpitools") -> None:
        from concurrent.futures import ThreadPoolExecutor

        _ensure_kernel_can_import_kpitools()
        self.kernel_name = kernel_name
        self.notebooks = [Path(n).resolve() for n in notebooks]
        self._threads = [ThreadPoolExecutor(1, thread_name_prefix="kpitools-kernel") for _ in self.notebooks]
        self._managers: list[Any] = [None] * len(self.notebooks)
        # Each notebook runs with its own folder as working directory, set as its kernel starts.
        self._started = [t.submit(self._start, i, nb.parent) for i, (t, nb) in enumerate(zip(self._threads,
                                                                                               self.notebooks))]

    def _start(self, i: int, cwd: Path) -> Any:
        from jupyter_core.utils import run_sync

        manager_class = _kernel_manager_class()
        if manager_class is None:
            from jupyter_client.manager import AsyncKernelManager as manager_class
        km = manager_class(kernel_name=self.kernel_name)
        self._managers[i] = km
        run_sync(km.start_kernel)(cwd=str(cwd))
        return km

    def run(self, i: int, input_nb: str | Path, output_nb: str | Path, parameters: Mapping[str, Any],
            timeout: float | None = 900) -> "Future[Path]":
        """Run notebook ``i`` in its kernel, in its thread; the future gives ``output_nb`` or raises
        :class:`ReportError`. The kernel is shut down afterwards, in the same thread."""

        def job() -> Path:
            try:
                km = self._started[i].result()
            except Exception as exc:
                raise _execution_error(exc, Path(input_nb).name, self.kernel_name, timeout) from exc
            try:
                return run_notebook(input_nb, output_nb, parameters, self.kernel_name, timeout=timeout, km=km)
            finally:
                # queued behind this job: the caller has the notebook before the kernel has gone
                # (once closed, close() has queued the shut-down already)
                with contextlib.suppress(RuntimeError):
                    self._threads[i].submit(self._shutdown, i, False)

        return self._threads[i].submit(job)

    def _shutdown(self, i: int, now: bool) -> None:
        from jupyter_core.utils import run_sync

        km, self._managers[i] = self._managers[i], None
        if km is None:
            return
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=now)
            run_sync(km.cleanup_resources)()
        except Exception:  # a kernel already gone: nothing left to shut down
            pass

    def _kill(self) -> None:
        # From the calling thread: a signal to each kernel process, so that a notebook still
        # running in another thread ends at once (nbclient then sees a dead kernel).
        for km in list(self._managers):
            process = getattr(getattr(km, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                try:
                    process.kill()
                except OSError:
                    pass

    def close(self, kill: bool = False) -> None:
        """Shut every kernel down and wait for the threads; ``kill`` ends running notebooks at once.
        Calling it again does nothing."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        if kill:
            self._kill()
        for i, t in enumerate(self._threads):
            t.submit(self._shutdown, i, kill)
            t.shutdown(wait=True)

    def __enter__(self) -> "ReadyKernels":
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.close(kill=exc_type is not None)


# --------------------------------------------------------------------------------------------
# Packs
# --------------------------------------------------------------------------------------------

@dataclass
class PackResult:
    """What :func:`build_pack` published."""

    path: Path
    index: Path
    reports: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def read_manifest(pack_dir: str | Path) -> dict[str, Any] | None:
    """The pack's ``manifest.json``, or ``None`` when there is no readable one."""
    try:
        return json.loads((Path(pack_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _input_records(meta: Mapping[str, Any] | None, inputs: Iterable[str | Path] | None) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    if inputs is not None:
        for p in inputs:
            records.append({"path": str(p), "sha256": sha256_file(p)})
    elif meta and meta.get("inputs"):
        for i in meta["inputs"]:
            if isinstance(i, Mapping):
                records.append({"path": str(i.get("path")), "sha256": str(i.get("sha256"))})
    return sorted(records, key=lambda r: r["path"])


def pack_fingerprint(
    notebooks: Sequence[str | Path],
    parameters: Mapping[str, Any],
    inputs: Sequence[Mapping[str, str]] = (),
    attachments: Sequence[str | Path] = (),
) -> str:
    """A SHA-256 over everything a pack is made from: notebooks, parameters, input checksums,
    attachments, the report template and the kpitools/package versions.

    Two runs with the same fingerprint produce the same pack (up to timestamps), so a scheduler can
    skip a pack whose manifest has this fingerprint (see :func:`pack_is_current`).
    """
    payload = {
        "notebooks": [sha256_file(p) for p in notebooks],
        "parameters": _plain(dict(parameters)),
        "inputs": [dict(i) for i in inputs],
        "attachments": [sha256_file(p) for p in attachments],
        "template": sorted(sha256_file(p) for p in (TEMPLATE_DIR / TEMPLATE_NAME).glob("*") if p.is_file()),
        "code": sorted(sha256_file(p) for p in Path(__file__).resolve().parent.glob("*.py")),
        "versions": package_versions(),
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def pack_is_current(pack_dir: str | Path, fingerprint: str) -> bool:
    """True when the published pack was built from exactly the same things (same fingerprint)."""
    manifest = read_manifest(pack_dir)
    return bool(manifest) and manifest.get("fingerprint") == fingerprint


def _keep_failed(parent: Path, period_name: str, executed: Path | None, work: Path) -> Path | None:
    """Move the failed run's executed notebook(s) to ``<parent>/.failed/<period>-<timestamp>/``."""
    stamp = _now().strftime("%Y%m%dT%H%M%SZ")
    (parent / ".failed").mkdir(parents=True, exist_ok=True)
    n = 1
    while True:  # another run may fail in the same second: never share its folder
        dest = parent / ".failed" / (f"{period_name}-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            dest.mkdir()
            break
        except FileExistsError:
            n += 1
    kept = None
    if work.exists():
        for p in sorted(work.iterdir()):
            target = dest / p.name
            shutil.move(str(p), str(target))
            if executed is not None and p.name == executed.name:
                kept = target
    return kept or (dest if any(dest.iterdir()) else None)


def _swap_into_place(new: Path, final: Path) -> None:
    """Replace ``final`` by ``new``: rename the old pack aside, rename the new one in, delete the old.

    Both are in the same folder, so each rename is atomic; if the second fails the old pack is
    renamed back.
    """
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(final, old)
    try:
        os.rename(new, final)
    except BaseException:
        if old is not None:
            os.rename(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _css() -> str:
    return (TEMPLATE_DIR / TEMPLATE_NAME / "kpitools.css").read_text(encoding="utf-8")


def _index_html(title: str, meta: Mapping[str, Any], summary: Any, reports: list[tuple[str, str]],
                downloads: list[tuple[str, str]], notebooks: list[dict[str, Any]],
                summary_html: str | None = None) -> str:
    from . import render as r

    parts = [f'<header class="kpi-title"><h1>{r.esc(title)}</h1>']
    if meta.get("committee"):
        parts.append(f'<p class="kpi-committee">{r.esc(meta.get("committee"))}</p>')
    if r._period_text(meta):
        parts.append(f'<p class="kpi-period">Period: {r.esc(r._period_text(meta))}</p>')
    parts.append("</header>")
    if meta.get("illustrative"):
        parts.append(r.banner(meta.get("illustrative_note") or "The figures in this pack are illustrative.").data)
    parts.append('<h2 id="reports">Reports</h2><ul class="kpi-reports">')
    parts += [f'<li><a href="{r.esc(href)}">{r.esc(text)}</a></li>' for href, text in reports]
    parts.append("</ul>")
    if summary_html:
        parts.append('<h2 id="summary">Summary</h2>')
        parts.append(summary_html)
    elif summary is not None or meta.get("summary_sentence"):
        parts.append('<h2 id="summary">Summary</h2>')
        if summary is not None and len(summary):
            parts.append(r.summary_block(summary, " ".join(meta.get("summary_sentences") or [])
                                         or meta.get("summary_sentence")).data)
        else:
            parts.append(f'<p class="kpi-lead">{r.esc(meta.get("summary_sentence"))}</p>')
    if downloads:
        parts.append('<h2 id="downloads">Data files</h2><ul>')
        parts += [f'<li><a href="{r.esc(href)}">{r.esc(text)}</a></li>' for href, text in downloads]
        parts.append("</ul>")
    parts.append(r.provenance_block(meta).data)
    rows = "".join(
        f'<tr><th scope="row">{r.esc(n["notebook"])}</th><td>{r.esc(n["html"])}</td>'
        f'<td><code class="kpi-hash">{r.esc(n["notebook_sha256"])}</code></td></tr>' for n in notebooks)
    caption = "Report notebooks and their SHA-256 checksums"
    parts.append(r.table_wrap(f'<table class="kpi-table kpi-inputs"><caption>{caption}</caption><thead><tr>'
                              '<th scope="col">Notebook</th><th scope="col">Page</th>'
                              f'<th scope="col">SHA-256 of the notebook</th></tr></thead><tbody>{rows}</tbody></table>',
                              caption))
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{r.esc(title)}</title>\n<style>\n{_css()}\n</style>\n</head>\n<body class=\"kpi-report\">\n"
            "<a class=\"kpi-skip\" href=\"#content\">Skip to the pack</a>\n<main id=\"content\">\n"
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")


def _export_in_order(nbs: list[Path], running: list["Future[Path]"], tmp: Path, work: Path, parent: Path, final: Path,
                     reports: list[tuple[str, str]], nb_records: list[dict[str, Any]]) -> None:
    """Export each notebook as it finishes, in the order the index lists them; the first failure
    (in that order) stops the pack, with the executed notebook kept for the analyst."""
    for nb, future in zip(nbs, running):
        executed = work / nb.name
        html_name = f"{nb.stem}.html"
        try:
            future.result()
            export_html(executed, tmp / html_name)
        except ReportError as exc:
            kept = _keep_failed(parent, final.name, executed if executed.exists() else None, work)
            detail = getattr(exc, "detail", None) or str(exc)
            err = ReportError(f"{detail}\nThe previous pack (if any) is unchanged: {final}", executed_notebook=kept)
            err.notebook = getattr(exc, "notebook", nb.name)
            err.cell = getattr(exc, "cell", None)
            raise err from exc
        page_title = _html_title(tmp / html_name) or nb.stem.replace("_", " ").capitalize()
        reports.append((html_name, page_title))
        nb_records.append({"notebook": nb.name, "notebook_sha256": sha256_file(nb), "html": html_name,
                           "title": page_title})


def build_pack(
    pack_dir: str | Path,
    notebooks: Sequence[str | Path],
    parameters: Mapping[str, Any],
    *,
    meta: Mapping[str, Any] | None = None,
    summary: Any = None,
    attachments: Sequence[str | Path] = (),
    inputs: Sequence[str | Path] | None = None,
    kernel_name: str = "kpitools",
    timeout: float | None = 900,
    title: str | None = None,
    fingerprint: str | None = None,
    summary_html: str | None = None,
    pdf: bool = False,
    kernels: ReadyKernels | None = None,
) -> PackResult:
    """Execute the report notebooks, export them and publish the pack atomically.

    Parameters
    ----------
    pack_dir
        The pack's folder, ``outputs/<authority>/<period>`` (see :func:`pack_path`). Its parent is
        created if needed; the folder itself is only ever replaced whole.
    notebooks
        The report notebooks to run, in the order the index lists them
        (e.g. ``notebooks/committee_scorecard.ipynb``, ``notebooks/benchmark_comparison.ipynb``).
        Each runs with its own folder as working directory.
    parameters
        Passed to every notebook's ``parameters`` cell: ``authority, period, comparators,
        indicators, tables_dir, data_dir``. Give ``tables_dir`` (a folder written by
        ``PackTables.write``) so the notebooks only read.
    meta
        ``PackTables.meta``: titles the index page and gives the summary sentence, the
        illustrative flag and the inputs (``[{path, sha256}]``) for the provenance and the manifest.
    summary
        ``PackTables.summary`` (a DataFrame) for the index page's counts; optional.
    attachments
        Files copied into the pack beside the HTML, e.g. the scorecard ``.csv`` and ``.json``.
    inputs
        Input files to checksum for the manifest; by default ``meta["inputs"]`` is used as given.
    kernel_name
        Jupyter kernel to run the notebooks in.
    timeout
        Seconds a single cell may run.
    title
        Title of the index page; by default "<authority>: children's services performance pack".
    fingerprint
        What the pack is made of (:func:`kpitools.runner.request_fingerprint`), recorded in the
        manifest so that a schedule can skip it next time; by default :func:`pack_fingerprint`.
    summary_html
        The summary section already rendered (:mod:`kpitools.sections`), reused on the index page.
    pdf
        Also print the pack (index, then each report) into one A4 PDF with headless Chromium
        (:mod:`kpitools.pdf`), listed on the index page and in the manifest.
    kernels
        The notebooks' kernels, started ahead by the caller (:class:`ReadyKernels` for
        ``notebooks`` and ``kernel_name``), which shuts them down. By default they are started
        here. Either way the notebooks run at the same time, each in its own kernel.

    Returns
    -------
    PackResult
        The published folder, its index page, the report pages and the manifest written.

    Raises
    ------
    ReportError
        When a notebook fails (the message names the notebook and the cell, and
        ``executed_notebook`` is the kept copy under ``<parent>/.failed/<period>-<timestamp>/``),
        an export fails, or an attachment is missing. The previous pack, if any, is untouched and
        no temporary folder is left behind.
    """
    started = _now()
    meta = dict(meta or {})
    final = Path(pack_dir).resolve()
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    nbs = [Path(n).resolve() for n in notebooks]
    for n in nbs:
        if not n.is_file():
            raise ReportError(f"report notebook not found: {n}")
    files = [Path(a).resolve() for a in attachments]
    for a in files:
        if not a.is_file():
            raise ReportError(f"file to attach to the pack not found: {a}")
    params = _plain(dict(parameters))
    input_records = _input_records(meta, inputs)

    if kernels is not None and (kernels.notebooks != nbs or kernels.kernel_name != kernel_name):
        raise ReportError("the kernels started ahead are not those of these notebooks")
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=parent))
    work = tmp / ".executed"
    try:
        reports: list[tuple[str, str]] = []
        nb_records: list[dict[str, Any]] = []
        with contextlib.ExitStack() as stack:
            if kernels is None:
                kernels = stack.enter_context(ReadyKernels(nbs, kernel_name))
            try:
                running = [kernels.run(i, nb, work / nb.name, params, timeout) for i, nb in enumerate(nbs)]
                _export_in_order(nbs, running, tmp, work, parent, final, reports, nb_records)
            except BaseException:
                kernels.close(kill=True)  # nothing may still write into the folder deleted below
                raise
        downloads = []
        for a in files:
            shutil.copy2(a, tmp / a.name)
            downloads.append((a.name, f"{a.name} (machine-readable scorecard)" if "scorecard" in a.name.lower()
                              else a.name))
        name = meta.get("authority_name") or params.get("authority") or final.parent.name
        pdf_name = f"{_safe_name(name)}_{final.name}_pack.pdf"
        if pdf:
            downloads.insert(0, (pdf_name, f"{pdf_name} (the whole pack to print, A4)"))
        downloads.append((MANIFEST, f"{MANIFEST} (provenance: inputs, parameters, versions, checksums)"))
        index_title = title or f"{name}: children's services performance pack"
        (tmp / "index.html").write_text(
            _index_html(index_title, {**meta, "inputs": input_records}, summary, reports, downloads, nb_records,
                        summary_html),
            encoding="utf-8")
        shutil.rmtree(work, ignore_errors=True)
        if pdf:
            from .pdf import write_pack_pdf

            write_pack_pdf(tmp, [("index.html", "Contents")] + [(h, t) for h, t in reports], tmp / pdf_name)
        for rec in nb_records:
            rec["html_sha256"] = sha256_file(tmp / rec["html"])
        manifest = {
            "kpitools_pack": 1,
            "authority": name,
            "period": meta.get("period") or params.get("period"),
            "parameters": params,
            "kernel_name": kernel_name,
            "started_at": _iso(started),
            "finished_at": _iso(_now()),
            "versions": package_versions(),
            "git_revision": git_revision(),
            "platform": platform.platform(),
            "inputs": input_records,
            "notebooks": nb_records,
            "attachments": [{"path": a.name, "sha256": sha256_file(tmp / a.name)} for a in files],
            "files": [{"path": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size}
                      for p in sorted(tmp.iterdir()) if p.is_file()],
            "fingerprint": fingerprint or pack_fingerprint(nbs, params, input_records, files),
            "illustrative": bool(meta.get("illustrative", False)),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        _swap_into_place(tmp, final)
    except ReportError:
        raise
    except Exception as exc:  # a disk or permission problem, or a bug: still a clear message, old pack kept
        raise ReportError(f"could not build the pack {final}: {type(exc).__name__}: {exc}\n"
                          f"The previous pack (if any) is unchanged.") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return PackResult(path=final, index=final / "index.html", reports=[final / h for h, _ in reports],
                      manifest=manifest)


def _html_title(path: Path) -> str | None:
    import html as _html

    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except OSError:
        return None
    m = re.search(r"<title>(.*?)</title>", head, re.S)
    return _html.unescape(m.group(1).strip()) if m else None
