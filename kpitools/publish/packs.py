"""Publish a pack: run the report notebooks, export them, and swap the new folder into place.

A pack is a folder ``outputs/<authority>/<period>/`` holding:

- one HTML page per report notebook (no input cells, no script, no remote resource; prints on A4),
- ``index.html`` linking the reports, with the summary and the provenance,
- the machine-readable scorecard (CSV/JSON) given to :func:`build_pack`,
- ``manifest.json``: inputs and their SHA-256, parameters, package versions, git revision, start and
  end times, notebook and output checksums, and a fingerprint for skipping unchanged work.

:func:`build_pack` builds the new pack in a hidden temporary folder next to the destination (the
same file system, so that the swap is one rename) and only then swaps it into place; that folder is
removed whatever happens, a stop included. Nothing else is written under ``outputs/``: the notebooks
are executed into a working folder under ``data/processed/failed/<authority>/``, and if anything
fails the previous pack is left exactly as it was, the executed notebook that failed is kept in
``data/processed/failed/<authority>/<period>-<timestamp>/`` (private, disposable) and
:class:`kpitools.core.errors.ReportError` names the notebook, the failing cell and where it is kept.

``outputs/<authority>/`` is the authority's name for every current authority; an authority that
shares its name with another in the reference list (Dorset's old county council E10000009 and the
current Dorset E06000059) is told apart by its code when it is not the current one:
``outputs/Dorset_E10000009/`` (:func:`authority_folder`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kpitools.core.authorities import Authority, reference
from kpitools.core.config import Paths
from kpitools.core.errors import ReportError, WriteError
from kpitools.core.files import sha256_file, temp_dir
from kpitools.core.provenance import code_checksums, git_revision, package_versions
from kpitools.present.index_page import index_page
from kpitools.publish.export import _html_title, export_html
from kpitools.publish.kernels import ReadyKernels, _plain

MANIFEST = "manifest.json"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _safe_name(text: str) -> str:
    """A folder name from an authority or a period: ``2025-26 Q2`` gives ``2025-26_Q2``."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text).strip()).strip("._")
    return s or "unnamed"


safe_name = _safe_name


def authority_folder(authority: Authority) -> str:
    """The folder of an authority's packs: its name, file-system safe, unless that name is not its own.

    A name is the authority's own when no other authority in the reference list has it, or when the
    authority is the only current one with it. Otherwise its code is added, so that two authorities
    never share a folder: Dorset's old county council (E10000009) is ``Dorset_E10000009`` and the
    current Dorset (E06000059) keeps ``Dorset``.

    Examples
    --------
    >>> from kpitools.core.authorities import resolve
    >>> authority_folder(resolve("Havering")), authority_folder(resolve("Barking and Dagenham"))
    ('Havering', 'Barking_and_Dagenham')
    >>> authority_folder(resolve("E06000059")), authority_folder(resolve("E10000009"))
    ('Dorset', 'Dorset_E10000009')
    """
    name = _safe_name(authority.name)
    holders = _folder_holders().get(name.lower(), {})
    current = [code for code, is_current in holders.items() if is_current]
    others = set(holders) - {authority.code}
    if not others or current == [authority.code]:
        return name
    return f"{name}_{_safe_name(authority.code)}"


_HOLDERS: dict[str, dict[str, bool]] = {}


def _folder_holders() -> dict[str, dict[str, bool]]:
    """Each folder name (lower case: some file systems ignore case) -> {code: current} of the
    authorities in the reference list that have it."""
    if not _HOLDERS:
        ref = reference()
        for code, name, current in zip(ref["new_la_code"], ref["la_name"], ref["current"]):
            _HOLDERS.setdefault(_safe_name(name).lower(), {})[code] = bool(current)
    return _HOLDERS


def pack_path(outputs_dir: str | Path, authority: Authority | str, period: str) -> Path:
    """Where a pack lives: ``<outputs_dir>/<authority>/<period>`` with file-system-safe names; an
    :class:`Authority` gets its own folder (:func:`authority_folder`), a name is used as it is."""
    folder = authority_folder(authority) if isinstance(authority, Authority) else _safe_name(authority)
    return Path(outputs_dir) / folder / _safe_name(period)


def work_prefix(period_name: str, kind: str) -> str:
    """The start of a working folder's name in ``data/processed``: ``.<period>.<kind>-<pid>-``. The
    process id tells a later run whether the folder's builder is gone (see
    :func:`kpitools.run.runner.recover_interrupted`)."""
    return f".{period_name}.{kind}-{os.getpid()}-"


def default_failed_dir(pack_dir: str | Path) -> Path:
    """Where a pack's failed notebooks are kept when the caller does not say:
    ``data/processed/failed/<the pack's authority folder>`` (``KPITOOLS_PROCESSED`` moves it)."""
    return Paths.from_data_dir().processed / "failed" / Path(pack_dir).resolve().parent.name


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
    attachments, the kpitools code and templates (:func:`kpitools.core.provenance.code_files`) and
    the package versions.

    Two runs with the same fingerprint produce the same pack (up to timestamps), so a scheduler can
    skip a pack whose manifest has this fingerprint (see :func:`pack_is_current`).
    """
    payload = {
        "notebooks": [sha256_file(p) for p in notebooks],
        "parameters": _plain(dict(parameters)),
        "inputs": [dict(i) for i in inputs],
        "attachments": [sha256_file(p) for p in attachments],
        "code": code_checksums(),  # every module, template and reference table, sub-packages included
        "versions": package_versions(),
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def pack_is_current(pack_dir: str | Path, fingerprint: str) -> bool:
    """True when the published pack was built from exactly the same things (same fingerprint)."""
    manifest = read_manifest(pack_dir)
    return manifest is not None and manifest.get("fingerprint") == fingerprint


def _keep_failed(failed_dir: Path, period_name: str, executed: Path | None, work: Path) -> Path | None:
    """Move the failed run's executed notebook(s) to ``<failed_dir>/<period>-<timestamp>/``.

    ``work`` is in ``failed_dir`` already, so each move is a rename. If they cannot be kept (a full
    disk), the notebook's failure is still what the analyst is told: ``None``."""
    stamp = _now().strftime("%Y%m%dT%H%M%SZ")
    try:
        failed_dir.mkdir(parents=True, exist_ok=True)
        n = 1
        while True:  # another run may fail in the same second: never share its folder
            dest = failed_dir / (f"{period_name}-{stamp}" + (f"-{n}" if n > 1 else ""))
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
    except OSError:
        return None


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


def _wait_for(future: Future[Path]) -> Path:
    """``future.result()`` in one-second slices: a lock wait with no end is interrupted only by a signal
    the system hands to this very thread, so a SIGTERM handed to another thread of the process would
    otherwise wait for the notebook to end before the stop (and its clean-up) could begin."""
    while True:
        try:
            return future.result(timeout=1.0)
        except TimeoutError:
            continue


def _export_in_order(
    nbs: list[Path],
    running: list[Future[Path]],
    tmp: Path,
    work: Path,
    failed_dir: Path,
    final: Path,
    reports: list[tuple[str, str]],
    nb_records: list[dict[str, Any]],
) -> None:
    """Export each notebook as it finishes, in the order the index lists them; the first failure
    (in that order) stops the pack, with the executed notebook kept for the analyst."""
    for nb, future in zip(nbs, running):
        executed = work / nb.name
        html_name = f"{nb.stem}.html"
        try:
            _wait_for(future)
            export_html(executed, tmp / html_name)
        except ReportError as exc:
            kept = _keep_failed(failed_dir, final.name, executed if executed.exists() else None, work)
            raise ReportError(
                f"{exc.detail}\nThe previous pack (if any) is unchanged: {final}",
                executed_notebook=kept,
                notebook=exc.notebook or nb.name,
                cell=exc.cell,
            ) from exc
        page_title = _html_title(tmp / html_name) or nb.stem.replace("_", " ").capitalize()
        reports.append((html_name, page_title))
        nb_records.append(
            {"notebook": nb.name, "notebook_sha256": sha256_file(nb), "html": html_name, "title": page_title}
        )


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
    failed_dir: str | Path | None = None,
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
        What the pack is made of (:func:`kpitools.run.runner.request_fingerprint`), recorded in the
        manifest so that a schedule can skip it next time; by default :func:`pack_fingerprint`.
    summary_html
        The summary section already rendered (:mod:`kpitools.present.sections`), reused on the index page.
    pdf
        Also print the pack (index, then each report) into one A4 PDF with headless Chromium
        (:mod:`kpitools.publish.pdf`), listed on the index page and in the manifest.
    kernels
        The notebooks' kernels, started ahead by the caller (:class:`ReadyKernels` for
        ``notebooks`` and ``kernel_name``), which shuts them down. By default they are started
        here. Either way the notebooks run at the same time, each in its own kernel.
    failed_dir
        Where the notebooks are executed and a failed run's executed notebooks are kept, in
        ``<failed_dir>/<period>-<timestamp>/``: somewhere private, never beside the published pack. By
        default ``data/processed/failed/<authority>`` (:func:`default_failed_dir`).

    Returns
    -------
    PackResult
        The published folder, its index page, the report pages and the manifest written.

    Raises
    ------
    ReportError
        When a notebook fails (the message names the notebook and the cell, and
        ``executed_notebook`` is the kept copy under ``<failed_dir>/<period>-<timestamp>/``),
        an export fails, or an attachment is missing. The previous pack, if any, is untouched and
        no temporary folder is left behind, also when the build is stopped (SIGTERM, Ctrl-C).
    WriteError
        The pack or the working folder cannot be written (no permission, a read-only or full disk):
        the message names the folder.
    """
    started = _now()
    meta = dict(meta or {})
    final = Path(pack_dir).resolve()
    parent = final.parent
    failed = Path(failed_dir).resolve() if failed_dir is not None else default_failed_dir(final)
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
    try:
        tmp = temp_dir(f".{final.name}.tmp-", parent)  # beside the destination: the swap is one rename
    except OSError as exc:
        raise WriteError.from_os_error(exc, "the pack", parent) from None
    work: Path | None = None
    try:
        try:
            work = temp_dir(work_prefix(final.name, "executed"), failed)  # never under outputs/
        except OSError as exc:
            raise WriteError.from_os_error(exc, "the executed notebooks", failed) from None
        reports: list[tuple[str, str]] = []
        nb_records: list[dict[str, Any]] = []
        with contextlib.ExitStack() as stack:
            if kernels is None:
                kernels = stack.enter_context(ReadyKernels(nbs, kernel_name))
            try:
                running = [kernels.run(i, nb, work / nb.name, params, timeout) for i, nb in enumerate(nbs)]
                _export_in_order(nbs, running, tmp, work, failed, final, reports, nb_records)
            except BaseException:
                kernels.close(kill=True)  # nothing may still write into the folder deleted below
                raise
        downloads = []
        for a in files:
            shutil.copy2(a, tmp / a.name)
            downloads.append(
                (a.name, f"{a.name} (machine-readable scorecard)" if "scorecard" in a.name.lower() else a.name)
            )
        name = meta.get("authority_name") or params.get("authority") or final.parent.name
        pdf_name = f"{_safe_name(name)}_{final.name}_pack.pdf"
        if pdf:
            downloads.insert(0, (pdf_name, f"{pdf_name} (the whole pack to print, A4)"))
        downloads.append((MANIFEST, f"{MANIFEST} (provenance: inputs, parameters, versions, checksums)"))
        index_title = title or f"{name}: children's services performance pack"
        (tmp / "index.html").write_text(
            index_page(
                index_title, {**meta, "inputs": input_records}, summary, reports, downloads, nb_records, summary_html
            ),
            encoding="utf-8",
        )
        if pdf:
            from kpitools.publish.pdf import write_pack_pdf

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
            "files": [
                {"path": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size}
                for p in sorted(tmp.iterdir())
                if p.is_file()
            ],
            "fingerprint": fingerprint or pack_fingerprint(nbs, params, input_records, files),
            "illustrative": bool(meta.get("illustrative", False)),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        _swap_into_place(tmp, final)
    except ReportError:
        raise
    except OSError as exc:  # no permission, a read-only or full disk: name the folder, old pack kept
        raise WriteError(
            f"{WriteError.from_os_error(exc, 'the pack', parent)}\nThe previous pack (if any) is unchanged: {final}"
        ) from exc
    except Exception as exc:  # a bug: still a clear message, old pack kept
        raise ReportError(
            f"could not build the pack {final}: {type(exc).__name__}: {exc}\nThe previous pack (if any) is unchanged."
        ) from exc
    finally:
        # Also on a stop (SIGTERM leaves through SystemExit or KeyboardInterrupt): nothing but the
        # published pack stays under outputs/, and no working folder in data/processed.
        for folder in (tmp, work):
            if folder is not None and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
    return PackResult(
        path=final, index=final / "index.html", reports=[final / h for h, _ in reports], manifest=manifest
    )
