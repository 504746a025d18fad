"""One place for paths and settings.

``Paths`` says where the project's folders are; ``Settings`` is ``data/raw/settings.yaml``:

.. code-block:: yaml

    committee: Children and Learning Overview and Scrutiny Sub-Committee   # demo_authority's committee
    demo_authority: Havering
    committees: {Barnet: Children, Education and Safeguarding Committee}   # others' (optional)
    illustrative: true              # banner on every report: figures are demo data
    illustrative_note: ...
    statistical_neighbours: sn_model_2025_wide.csv   # under published/
    rag_scheme:
      default: tolerance            # two_state | tolerance | tolerance_improvement
      authorities: {Havering: tolerance}
    published_year_end:             # when a published file's year ends (default 03-31)
      csww_indicators_2017_to_2025.csv: "09-30"
    small_numbers: {denominator_below: 10}
    publication: {publish: false, suppress_counts_below: 6}   # publish: withhold counts of 1-5
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kpitools.core.errors import ConfigError
from kpitools.core.vocabulary import DEFAULT_RAG_SCHEME, RAG_SCHEMES

DEFAULT_IMPROVEMENT_TOLERANCE = 0.10  # Havering 2013/14-2014/15: within 10% of target is Green
DEFAULT_YEAR_END = "03-31"
KERNEL_NAME = "kpitools"
REPORT_NOTEBOOKS = ("committee_scorecard", "benchmark_comparison")

# The installed package, and the checkout holding it (its git revision goes in each pack's manifest).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
SOURCE_ROOT = PACKAGE_DIR.parent


def project_root() -> Path:
    """The project folder (data, notebooks, outputs): ``KPITOOLS_HOME`` if set, else the checkout."""
    env = os.environ.get("KPITOOLS_HOME")
    return Path(env).resolve() if env else SOURCE_ROOT


@dataclass(frozen=True)
class Paths:
    """Where things are. Everything under ``processed`` and ``outputs`` is disposable.

    ``KPITOOLS_HOME`` moves the project; ``KPITOOLS_PROCESSED`` and ``KPITOOLS_OUTPUTS`` move only the
    disposable folders (``--out`` wins over ``KPITOOLS_OUTPUTS``).
    """

    root: Path
    raw: Path
    processed: Path
    outputs: Path
    notebooks: Path

    @classmethod
    def from_data_dir(cls, data_dir: str | Path | None = None, outputs: str | Path | None = None) -> Paths:
        root = project_root()
        raw = Path(data_dir).resolve() if data_dir else root / "data" / "raw"
        # The disposable folders can live elsewhere (a web server's folder; a test's temporary one).
        processed = os.environ.get("KPITOOLS_PROCESSED")
        outputs = outputs or os.environ.get("KPITOOLS_OUTPUTS")
        return cls(
            root=root,
            raw=raw,
            processed=Path(processed).resolve() if processed else root / "data" / "processed",
            outputs=Path(outputs).resolve() if outputs else root / "outputs",
            notebooks=root / "notebooks",
        )

    @property
    def framework(self) -> Path:
        return self.raw / "framework"

    @property
    def published(self) -> Path:
        return self.raw / "published"

    @property
    def local(self) -> Path:
        return self.raw / "local"

    @property
    def commentary(self) -> Path:
        return self.raw / "commentary"

    @property
    def settings_file(self) -> Path:
        return self.raw / "settings.yaml"


@dataclass(frozen=True)
class Settings:
    """The settings file, read and checked."""

    committee: str = "Children's Services Overview and Scrutiny Committee"
    demo_authority: str | None = None
    committees: dict[str, str] = field(default_factory=dict)
    illustrative: bool = False
    illustrative_note: str = ""
    statistical_neighbours: str | None = None
    rag_default: str = DEFAULT_RAG_SCHEME
    rag_by_authority: dict[str, str] = field(default_factory=dict)
    published_year_end: dict[str, str] = field(default_factory=dict)
    small_denominator_below: float = 10
    suppress_counts_below: float = 6
    publish: bool = False
    source: Path | None = None

    def rag_scheme_for(self, authority_keys: list[str]) -> str:
        """The scheme for an authority named by any of its keys (code, old code, name)."""
        lowered = {k.lower(): v for k, v in self.rag_by_authority.items()}
        for key in authority_keys:
            if key and key.lower() in lowered:
                return lowered[key.lower()]
        return self.rag_default

    def committee_for(self, authority_keys: list[str]) -> str:
        """The committee a pack is for, named on its title: the authority's own from ``committees``;
        else ``committee`` when the authority is ``demo_authority`` (or no ``demo_authority`` is
        set); else none, rather than another council's committee on a benchmark-only pack.

        Examples
        --------
        >>> s = Settings(committee="Sub-Committee A", demo_authority="Havering", committees={"Barnet": "Committee B"})
        >>> s.committee_for(["E09000016", "311", "Havering"]), s.committee_for(["E09000003", "302", "Barnet"])
        ('Sub-Committee A', 'Committee B')
        >>> s.committee_for(["E09000007", "202", "Camden"])
        ''
        """
        keys = {k.lower() for k in authority_keys if k}
        for who, committee in self.committees.items():
            if who.lower() in keys:
                return committee
        if self.demo_authority is None or self.demo_authority.lower() in keys:
            return self.committee
        return ""

    def year_end_for(self, file_name: str) -> str:
        return self.published_year_end.get(file_name, DEFAULT_YEAR_END)


def load_settings(path: Path) -> Settings:
    """Read ``settings.yaml``; a missing file gives the defaults.

    Raises
    ------
    ConfigError
        When the file is not YAML or a setting is not one the tool knows.
    """
    if not path.exists():
        return Settings(source=None)
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected settings as 'name: value' lines")
    problems: list[str] = []
    known = {
        "committee",
        "committees",
        "demo_authority",
        "illustrative",
        "illustrative_note",
        "statistical_neighbours",
        "rag_scheme",
        "published_year_end",
        "small_numbers",
        "publication",
    }
    for key in data:
        if key not in known:
            problems.append(f"unknown setting '{key}' (known: {', '.join(sorted(known))})")

    rag = data.get("rag_scheme") or {}
    if isinstance(rag, str):
        rag = {"default": rag}
    default = rag.get("default", DEFAULT_RAG_SCHEME) if isinstance(rag, dict) else DEFAULT_RAG_SCHEME
    by_auth = rag.get("authorities", {}) if isinstance(rag, dict) else {}
    for where, scheme in [("rag_scheme.default", default)] + [
        (f"rag_scheme.authorities.{k}", v) for k, v in (by_auth or {}).items()
    ]:
        if scheme not in RAG_SCHEMES:
            problems.append(f"{where}: '{scheme}' is not a RAG scheme; expected one of {', '.join(RAG_SCHEMES)}")
    year_end = {str(k): str(v) for k, v in (data.get("published_year_end") or {}).items()}
    for k, v in year_end.items():
        if not _is_month_day(v):
            problems.append(f"published_year_end.{k}: '{v}' is not a month-day such as 03-31")
    committees = data.get("committees") or {}
    if not isinstance(committees, dict):
        problems.append("committees: expected 'authority: committee name' lines, e.g. {Barnet: Children's Committee}")
        committees = {}
    small = data.get("small_numbers") or {}
    publication = data.get("publication") or {}
    try:
        small_below = float(small.get("denominator_below", 10))
        suppress_below = float(publication.get("suppress_counts_below", 6))
    except (TypeError, ValueError):
        problems.append("small_numbers.denominator_below and publication.suppress_counts_below must be numbers")
        small_below, suppress_below = 10.0, 6.0
    publish = publication.get("publish", False) if isinstance(publication, dict) else False
    if not isinstance(publish, bool):
        problems.append(f"publication.publish: '{publish}' must be true or false")
    if isinstance(publication, dict):
        for key in publication:
            if key not in ("publish", "suppress_counts_below"):
                problems.append(f"publication.{key}: unknown setting (known: publish, suppress_counts_below)")
    if problems:
        raise ConfigError(f"{path}:\n  - " + "\n  - ".join(problems))
    return Settings(
        committee=str(data.get("committee") or Settings.committee),
        demo_authority=data.get("demo_authority"),
        committees={str(k): str(v) for k, v in committees.items()},
        illustrative=bool(data.get("illustrative", False)),
        illustrative_note=str(data.get("illustrative_note") or ""),
        statistical_neighbours=data.get("statistical_neighbours"),
        rag_default=default,
        rag_by_authority={str(k): str(v) for k, v in (by_auth or {}).items()},
        published_year_end=year_end,
        small_denominator_below=small_below,
        suppress_counts_below=suppress_below,
        publish=bool(publish),
        source=path,
    )


def _is_month_day(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) <= 12 and 1 <= int(parts[1]) <= 31
