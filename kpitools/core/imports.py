"""Imports that are slow for no benefit to us, made quick.

jsonschema (imported by Altair, and by nbformat, papermill and nbconvert) imports ``rfc3987_syntax``
for its optional "iri" format checker, which builds a lark grammar as it is imported: 1.3 s of
CPU on the machines we measure on, paid once by every process that touches a notebook or a chart.
Neither Altair nor nbformat ever checks that format. :func:`import_jsonschema` imports jsonschema
with that one import made to fail at once (jsonschema skips the checker on ImportError) and then
removes the block, so nothing else in the process is affected. ``KPITOOLS_KEEP_RFC3987=1`` keeps
the checker.
"""

from __future__ import annotations

import os
import sys
import threading

_LOCK = threading.Lock()


def import_jsonschema() -> None:
    """Import jsonschema without its IRI checker, once per process; call before importing Altair,
    nbformat, papermill or nbconvert.

    Examples
    --------
    >>> import_jsonschema()
    >>> import jsonschema  # already imported: costs nothing
    """
    if "jsonschema" in sys.modules:
        return
    with _LOCK:
        blocked = os.environ.get("KPITOOLS_KEEP_RFC3987") != "1" and "rfc3987_syntax" not in sys.modules
        if blocked:
            sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # "import" raises ImportError
        try:
            import jsonschema  # noqa: F401
        finally:
            if blocked and sys.modules.get("rfc3987_syntax", 0) is None:
                del sys.modules["rfc3987_syntax"]
