"""A draft of the quarter's commentary, for the analyst to finish: a new file, never an overwrite.

The draft lists what the committee will expect words on and has none yet: a highlight for each
Green, an improvement for each Amber, an improvement and an action for each Red. ``text`` is left
blank for the analyst; beside it are the indicator's title, rating, value and target and the
sentence the tool generates, to write from.

The draft is saved as ``<authority>_<period>_commentary.draft.csv`` in the data folder's
``commentary/``. A ``.draft.`` file is never read (see docs/data-contract.md), so a half-written
draft cannot reach a pack. When the text is written, rename it without ``.draft``: a row whose
``text`` is still blank then stops the run, naming its file and row.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kpitools.core.errors import WriteError
from kpitools.core.files import publish_permissions
from kpitools.core.provenance import DRAFT_MARK
from kpitools.explore.style import styled
from kpitools.pack.build import excel_safe
from kpitools.pack.tables import PackTables
from kpitools.present import render

DRAFT_SUFFIX = f"_commentary{DRAFT_MARK}csv"
# What the committee expects words on, by rating (seed reports: highlights, then what is being done).
KINDS_BY_RATING = {"Green": ("highlight",), "Amber": ("improvement",), "Red": ("improvement", "action")}
DRAFT_COLUMNS = ["authority", "indicator_id", "period", "kind", "text"]
GUIDE_COLUMNS = ["title", "rating", "value", "target", "generated_sentence"]


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "_", text).strip("_").lower() or "pack"


def draft_frame(tables: PackTables) -> pd.DataFrame:
    """The draft's rows: ``DRAFT_COLUMNS`` (``text`` blank) then ``GUIDE_COLUMNS``.

    Rows only for a kind of commentary the indicator has none of yet, in scorecard order.

    Examples
    --------
    >>> card = pd.DataFrame({"indicator_id": ["A", "B"], "title": ["Re-referrals", "Adoption"],
    ...     "rag": ["Red", "Green"], "value_text": ["21%", "80%"], "target_text": ["18%", "70%"],
    ...     "sentence": ["s1", "s2"], "highlight": ["", "Already written."], "improvement": ["", ""],
    ...     "action": ["", ""]})
    >>> t = PackTables(meta={"authority_name": "Havering", "period": "2025-26 Q2"}, scorecard=card,
    ...     summary=None, history=None, benchmarks=None, comparison=None)
    >>> draft_frame(t)[["indicator_id", "kind", "rating"]].values.tolist()
    [['A', 'improvement', 'Red'], ['A', 'action', 'Red']]
    """
    meta = tables.meta
    rows = []
    for row in tables.scorecard.to_dict("records"):
        for kind in KINDS_BY_RATING.get(str(row.get("rag") or ""), ()):
            if str(row.get(kind) or "").strip() and not pd.isna(row.get(kind)):
                continue  # already written for this period
            rows.append(
                {
                    "authority": meta.get("authority_name") or meta.get("authority_code"),
                    "indicator_id": row["indicator_id"],
                    "period": meta.get("period"),
                    "kind": kind,
                    "text": "",
                    "title": row.get("title"),
                    "rating": row.get("rag"),
                    "value": row.get("value_text"),
                    "target": row.get("target_text"),
                    "generated_sentence": row.get("sentence"),
                }
            )
    return pd.DataFrame(rows, columns=DRAFT_COLUMNS + GUIDE_COLUMNS)


@dataclass
class CommentaryDraft:
    """The commentary to write for one pack: ``frame`` to read, ``path`` where :meth:`save` puts it."""

    frame: pd.DataFrame
    path: Path

    def save(self, path: str | Path | None = None) -> Path:
        """Write the draft as a new CSV file (UTF-8 with a byte-order mark, so Excel reads it right).

        Raises
        ------
        WriteError
            When the file already exists (it is never overwritten: it may hold written commentary)
            or cannot be written. Nothing is left half-written.
        """
        target = Path(path) if path else self.path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under a hidden name (never read as an input), then linked into place: the
            # link fails if the name is taken, so an existing file is never replaced.
            fd, tmp = tempfile.mkstemp(prefix=".draft-", suffix=".csv", dir=target.parent)
            os.close(fd)
            try:
                excel_safe(self.frame).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
                publish_permissions(Path(tmp))
                os.link(tmp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        except FileExistsError:
            raise WriteError(
                f"{target} already exists: kpitools never overwrites a commentary file, which may hold "
                "written commentary. Open that file, or save this draft under another name: "
                "draft.save('<name>.draft.csv')."
            ) from None
        except OSError as exc:
            raise WriteError(f"could not write the commentary draft {target}: {exc.strerror or exc}") from exc
        return target

    def _repr_html_(self) -> str:
        if self.frame.empty:
            note = "Every rated indicator already has its commentary for this period: nothing to draft."
            return f"<p>{render.esc(note)}</p>"
        where = "exists already (it is never overwritten)" if self.path.exists() else "is not written yet"
        note = (
            f"{len(self.frame)} pieces of commentary to write. The file {self.path.name} {where}: "
            "draft.save() writes it to the data folder's commentary/. Fill in text, delete the rows you "
            f"do not need, then rename it without '{DRAFT_MARK.strip('.')}' so that the next pack reads it."
        )
        view = self.frame.drop(columns=["authority", "period", "text"]).fillna("")
        return f"<p>{render.esc(note)}</p>" + styled(view, wide=["title"], widest=["generated_sentence"]).to_html()


def draft_commentary_for(tables: PackTables, commentary_dir: str | Path) -> CommentaryDraft:
    """The draft for ``tables`` (see :func:`draft_frame`), to be saved in ``commentary_dir``."""
    meta: Mapping[str, Any] = tables.meta
    name = f"{_file_part(str(meta.get('authority_name') or 'authority'))}_{_file_part(str(meta.get('period')))}"
    return CommentaryDraft(draft_frame(tables), Path(commentary_dir) / f"{name}{DRAFT_SUFFIX}")
