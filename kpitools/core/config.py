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
    publication: {publish: false, suppress_counts_below: 6,    # publish: withhold counts of 1-5
                  commentary_with_withheld_figures: stop}   # or withhold (docs/disclosure.md)
    late_figures: {latest_available_within_months: 12}   # 0: a missing figure is "No data", never
                                                         # an earlier one (docs/data-contract.md)
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kpitools.core.errors import ConfigError
from kpitools.core.vocabulary import COMMENTARY_POLICIES, DEFAULT_RAG_SCHEME, RAG_SCHEMES

DEFAULT_IMPROVEMENT_TOLERANCE = 0.10  # Havering 2013/14-2014/15: within 10% of target is Green
DEFAULT_YEAR_END = "03-31"
MAX_LATE_MONTHS = 36  # a "latest available" figure older than three years would mislead more than inform
KERNEL_NAME = "kpitools"
REPORT_NOTEBOOKS = ("committee_scorecard", "benchmark_comparison")

# The installed package, and the checkout holding it (its git revision goes in each pack's manifest).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
SOURCE_ROOT = PACKAGE_DIR.parent


# -- Limits on what is read -------------------------------------------------------------------------
# Every input is read within these bounds, so that a broken or hostile file (a 1 MB workbook holding a
# 1 GB cell, nested YAML aliases) stops the run with exit code 2 and a short message, in seconds and
# well under 1 GB of memory, instead of filling the machine. They are generous for real inputs: a
# quarterly extract is a few hundred rows; the largest DfE file the framework reads is about 20,000
# rows of 14 columns (3 MB); settings and schedules are a few KB. Measured on the 2-core machine, a
# table at the row limit is read and refused in 10-14 s, one at a cell limit in under 10 s.
MAX_ROWS = 200_000  # rows of a table: a CSV or the first sheet of a workbook
MAX_CELL_CHARS = 32_767  # characters in one cell: Excel's own limit for a cell
MAX_CSV_BYTES = 50 * 2**20  # a CSV file (15 times the largest DfE file read today)
# cells of a table: of a CSV as written, and of any table as rows x its widest row (a stray cell in
# column XFD would otherwise widen every row to 16,384 cells); about 500 MB at most once checked
MAX_TABLE_CELLS = 3_000_000
MAX_XLSX_BYTES = 50 * 2**20  # a workbook file as stored
MAX_XLSX_XML_BYTES = 50 * 2**20  # a workbook's XML unzipped, as its zip declares it (checked before parsing)
# cells on a workbook's first sheet (and strings they share): openpyxl reads 50,000-75,000 cells a
# second here, so this is under 10 s; a bigger table is read far faster from CSV
MAX_XLSX_CELLS = 500_000
MAX_YAML_BYTES = 2**20  # settings.yaml and schedule files
MAX_YAML_NODES = 10_000  # values a YAML file stands for, every alias (*name) expanded
MAX_YAML_DEPTH = 50  # lists and mappings nested in one another
MAX_SHOWN_CHARS = 80  # of a cell or a setting quoted in a message


def clip(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` as a message may quote it: cut to about ``limit`` characters, saying how long it was.

    >>> clip("x" * 10)
    'xxxxxxxxxx'
    >>> clip("x" * 100_000)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (100,000 characters)'
    >>> len(clip("x" * 100_000)) == 80 and clip(clip("x" * 100_000)) == clip("x" * 100_000)
    True
    """
    text = str(text)
    if len(text) <= limit:
        return text
    tail = f"... ({len(text):,} characters)"
    return text[: max(limit - len(tail), 10)] + tail


class _YamlTooBig(Exception):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that stops, as it composes the document and before any Python object is
    built, past :data:`MAX_YAML_NODES` values (an alias ``*name`` counts the values it repeats, so
    nested aliases, "billion laughs", which stand for billions of values in a few lines, are refused
    at once) or lists and mappings nested deeper than :data:`MAX_YAML_DEPTH`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._values = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def _expanded(self, node: yaml.Node) -> int:
        """The values ``node`` stands for, its aliases expanded (each node worked out once)."""
        if id(node) not in self._sizes:
            total = 1
            if isinstance(node, yaml.SequenceNode):
                total += sum(self._expanded(child) for child in node.value)
            elif isinstance(node, yaml.MappingNode):
                total += sum(self._expanded(k) + self._expanded(v) for k, v in node.value)
            self._sizes[id(node)] = total
        return self._sizes[id(node)]

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            anchored = self.anchors.get(self.peek_event().anchor)
            self._values += self._expanded(anchored) if anchored is not None else 1
        else:
            self._values += 1
        if self._values > MAX_YAML_NODES:
            raise _YamlTooBig(
                f"more than {MAX_YAML_NODES:,} values (an alias *name counts the values it repeats); "
                "settings and schedules need far fewer"
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _YamlTooBig(f"lists and mappings nested more than {MAX_YAML_DEPTH} deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(path: Path, label: str | None = None) -> Any:
    """A small YAML file read safely: plain values only (``yaml.safe_load``), at most
    :data:`MAX_YAML_BYTES`, :data:`MAX_YAML_NODES` values with aliases expanded, nested at most
    :data:`MAX_YAML_DEPTH` deep.

    Raises
    ------
    ConfigError
        Naming ``label`` (default: the path) when the file is too big, not UTF-8 or beyond a limit.
    OSError, yaml.YAMLError
        When it cannot be read, or is not YAML: the caller says which file.
    """
    label = label or str(path)
    info = Path(path).stat()
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would be read for ever
        raise ConfigError(f"{label}: not a file; expected a YAML file")
    size = info.st_size
    with open(path, "rb") as fh:
        raw = fh.read(MAX_YAML_BYTES + 1)
    if size > MAX_YAML_BYTES or len(raw) > MAX_YAML_BYTES:
        raise ConfigError(
            f"{label}: {max(size, len(raw)):,} bytes; expected a YAML file of at most {MAX_YAML_BYTES:,} bytes"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: not UTF-8 text; expected a YAML file saved as UTF-8") from None
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except _YamlTooBig as exc:
        raise ConfigError(f"{label}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{label}: lists and mappings nested more than {MAX_YAML_DEPTH} deep") from None
    finally:
        loader.dispose()


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed, is ``folder`` or inside it (links followed too)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


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
    notebooks: Path  # the report notebooks kpitools report runs (notebooks/reports)

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
            notebooks=root / "notebooks" / "reports",
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
    commentary_with_withheld_figures: str = "stop"  # or "withhold" (docs/disclosure.md)
    # how old a figure may be to stand as the latest available in place of a missing one; 0: never
    latest_available_within_months: int = 12
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
        When the file is not YAML, is a link to a file outside its data folder, is beyond the limits
        of :func:`load_yaml`, or a setting is not one the tool knows or not a usable value.
    """
    if path.is_symlink() and not is_inside(path, path.parent):
        # never read (nor quote in a message) a file outside the data folder
        raise ConfigError(
            f"{path}: a link to a file outside the data folder, which is not read; "
            "expected the settings file itself in the data folder"
        )
    if not path.exists():
        return Settings(source=None)
    try:
        data: Any = load_yaml(path) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({clip(exc, 400)})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
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
        "late_figures",
    }
    for key in data:
        if key not in known:
            problems.append(f"unknown setting '{clip(key)}' (known: {', '.join(sorted(known))})")

    def section(key: str) -> dict:
        value = data.get(key) or {}
        if isinstance(value, dict):
            return value
        problems.append(f"{key}: '{clip(value)}'; expected 'name: value' lines under {key}:")
        return {}

    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value
        problems.append(f"{key}: '{clip(value)}'; expected a name")
        return None

    rag = data.get("rag_scheme") or {}
    if isinstance(rag, str):
        rag = {"default": rag}
    if not isinstance(rag, dict):
        problems.append(f"rag_scheme: '{clip(rag)}'; expected a RAG scheme, or default: and authorities: lines")
        rag = {}
    default = rag.get("default", DEFAULT_RAG_SCHEME)
    by_auth = rag.get("authorities") or {}
    if not isinstance(by_auth, dict):
        problems.append(f"rag_scheme.authorities: '{clip(by_auth)}'; expected 'authority: scheme' lines")
        by_auth = {}
    for where, scheme in [("rag_scheme.default", default)] + [
        (f"rag_scheme.authorities.{clip(k)}", v) for k, v in by_auth.items()
    ]:
        if not isinstance(scheme, str) or scheme not in RAG_SCHEMES:
            problems.append(f"{where}: '{clip(scheme)}' is not a RAG scheme; expected one of {', '.join(RAG_SCHEMES)}")
    year_end = {str(k): str(v) for k, v in section("published_year_end").items()}
    for k, v in year_end.items():
        if not _is_month_day(v):
            problems.append(f"published_year_end.{clip(k)}: '{clip(v)}' is not a month-day such as 03-31")
    committees = data.get("committees") or {}
    if not isinstance(committees, dict):
        problems.append("committees: expected 'authority: committee name' lines, e.g. {Barnet: Children's Committee}")
        committees = {}
    small = section("small_numbers")
    publication = section("publication")
    # Every number a setting holds: a count threshold, a whole number of 1 or more (0, a negative
    # number, .nan or .inf would silently withhold or flag nothing, or everything).
    small_below = _whole_number(small.get("denominator_below", 10), "small_numbers.denominator_below", problems)
    suppress_below = _whole_number(
        publication.get("suppress_counts_below", 6), "publication.suppress_counts_below", problems
    )
    for key in small:
        if key != "denominator_below":
            problems.append(f"small_numbers.{clip(key)}: unknown setting (known: denominator_below)")
    publish = publication.get("publish", False)
    if not isinstance(publish, bool):
        problems.append(f"publication.publish: '{clip(publish)}' must be true or false")
    illustrative = data.get("illustrative", False)
    if not isinstance(illustrative, bool):
        problems.append(f"illustrative: '{clip(illustrative)}' must be true or false")
    commentary_policy = publication.get("commentary_with_withheld_figures", "stop")
    if commentary_policy not in COMMENTARY_POLICIES:
        problems.append(
            f"publication.commentary_with_withheld_figures: '{clip(commentary_policy)}'; expected "
            f"{' or '.join(COMMENTARY_POLICIES)} (what a publish run does with commentary that names a withheld figure)"
        )
    publication_keys = ("publish", "suppress_counts_below", "commentary_with_withheld_figures")
    for key in publication:
        if key not in publication_keys:
            problems.append(f"publication.{clip(key)}: unknown setting (known: {', '.join(publication_keys)})")
    late = section("late_figures")
    within = late.get("latest_available_within_months", 12)
    if isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= MAX_LATE_MONTHS:
        problems.append(
            f"late_figures.latest_available_within_months: '{clip(within)}'; expected a whole number of months "
            f"from 0 (a missing figure is never replaced by an earlier one) to {MAX_LATE_MONTHS}"
        )
        within = 12
    for key in late:
        if key != "latest_available_within_months":
            problems.append(f"late_figures.{clip(key)}: unknown setting (known: latest_available_within_months)")
    demo_authority = text("demo_authority")
    statistical_neighbours = text("statistical_neighbours")
    if problems:
        raise ConfigError(f"{path}:\n  - " + "\n  - ".join(problems))
    return Settings(
        committee=str(data.get("committee") or Settings.committee),
        demo_authority=demo_authority,
        committees={str(k): str(v) for k, v in committees.items()},
        illustrative=illustrative is True,
        illustrative_note=str(data.get("illustrative_note") or ""),
        statistical_neighbours=statistical_neighbours,
        rag_default=default,
        rag_by_authority={str(k): str(v) for k, v in by_auth.items()},
        published_year_end=year_end,
        small_denominator_below=small_below,
        suppress_counts_below=suppress_below,
        publish=publish is True,
        commentary_with_withheld_figures=str(commentary_policy),
        latest_available_within_months=int(within),
        source=path,
    )


def _whole_number(value: Any, where: str, problems: list[str]) -> float:
    """A count threshold: a whole number of 1 or more (``6``, ``6.0`` or ``"6"``), else a problem
    recorded and NaN returned (the settings are refused)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if math.isfinite(number) and number.is_integer() and number >= 1:
        return number
    problems.append(f"{where}: '{clip(value)}'; expected a whole number of 1 or more")
    return math.nan


def _is_month_day(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) <= 12 and 1 <= int(parts[1]) <= 31
