"""Local authorities: resolve a name, new code (E09000016) or old LA code (311).

The reference list ships with the package (``reference/authorities.csv``, built from DfE published
files by ``scripts/build_authorities.py``) so that a data folder without published files still
resolves authorities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from kpitools.core.errors import UnknownAuthorityError

LONDON_REGION = "E12000007"
ENGLAND = "E92000001"
LONDON_SUBREGIONS = ("E13000001", "E13000002")  # Inner and Outer London


@dataclass(frozen=True)
class Authority:
    code: str
    old_code: str
    name: str
    region_code: str
    region_name: str

    @property
    def keys(self) -> list[str]:
        return [self.code, self.old_code, self.name]

    @property
    def in_london(self) -> bool:
        return self.region_code in LONDON_SUBREGIONS or self.region_code == LONDON_REGION

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def normalise_name(text: str) -> str:
    """``'Barking & Dagenham'`` and ``'barking and dagenham'`` compare equal."""
    t = str(text).strip().lower().replace("&", " and ")
    t = re.sub(r"\bst\.?\s", "st ", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    t = (
        re.sub(r"\b(council|london borough of|borough of|city of|county council)\b", " ", t)
        if t not in ("city of london",)
        else t
    )
    return re.sub(r"\s+", " ", t).strip()


@lru_cache(maxsize=1)
def reference() -> pd.DataFrame:
    """The packaged authority list (current authorities first)."""
    with resources.files("kpitools.core").joinpath("reference/authorities.csv").open(encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    df["current"] = df["current"].eq("True")
    df["name_key"] = df["la_name"].map(normalise_name)
    return df.sort_values(["current", "new_la_code"], ascending=[False, True]).reset_index(drop=True)


def _row_to_authority(row: pd.Series) -> Authority:
    return Authority(row["new_la_code"], row["old_la_code"], row["la_name"], row["region_code"], row["region_name"])


def resolve(identifier: str | int) -> Authority:
    """Find an authority by new code, old LA code or name.

    Examples
    --------
    >>> resolve("311").name, resolve("havering").code, resolve("Barking & Dagenham").old_code
    ('Havering', 'E09000016', '301')
    """
    key = str(identifier).strip()
    ref = reference()
    for column, value in (
        ("new_la_code", key.upper()),
        ("old_la_code", key.lstrip("0") or key),
        ("name_key", normalise_name(key)),
    ):
        hit = ref[ref[column] == value]
        if not hit.empty:
            return _row_to_authority(hit.iloc[0])
    hint = ""
    named = ref[~ref["la_name"].str.contains(" / ", regex=False)]  # not a joint return
    close = (
        named[named["name_key"].str.contains(re.escape(normalise_name(key)[:5]), regex=True)]
        if len(key) >= 3
        else ref.iloc[0:0]
    )
    if not close.empty:
        hint = f" Did you mean {', '.join(close['la_name'].head(3))}?"
    raise UnknownAuthorityError(
        f"'{identifier}' is not a local authority name, new code (e.g. E09000016) or old LA code (e.g. 311).{hint}"
    )


def resolve_codes(identifiers: pd.Series) -> pd.Series:
    """Vectorised: the new code for each identifier, or missing where it matches none."""
    ref = reference()
    key = identifiers.astype("object").where(identifiers.notna(), "").astype(str).str.strip()
    by_code = dict(zip(ref["new_la_code"], ref["new_la_code"]))
    by_old: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for code, old, name_key in zip(ref["new_la_code"], ref["old_la_code"], ref["name_key"]):
        by_old.setdefault(old, code)
        by_name.setdefault(name_key, code)
    out = key.str.upper().map(by_code)
    out = out.fillna(key.str.lstrip("0").map(by_old))
    out = out.fillna(key.map(normalise_name).map(by_name))
    return out


def current_authorities() -> pd.DataFrame:
    """The 153 authorities of DfE's current statistical neighbour model."""
    ref = reference()
    return ref[ref["current"]].drop(columns=["current", "name_key"]).reset_index(drop=True)


def select(spec: str | list[str]) -> list[Authority]:
    """Authorities for a schedule: ``all``, a region (``London``, ``Outer London``, ``North East``)
    or a list of names/codes."""
    cur = current_authorities()
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s == "all":
            rows = cur
        elif s == "london":
            rows = cur[cur["region_code"].isin(LONDON_SUBREGIONS + (LONDON_REGION,))]
        elif s in set(cur["region_name"].str.lower()):
            rows = cur[cur["region_name"].str.lower() == s]
        else:
            return [resolve(x) for x in spec.split(",") if x.strip()]
        return [_row_to_authority(r) for _, r in rows.iterrows()]
    return [resolve(x) for x in spec]


# -- code history ------------------------------------------------------------------------------------
# DfE's files publish some authorities under the code they had when the figures were collected.
# ``reference/code_history.csv`` lists the changes to upper-tier authorities since 2013, from the ONS
# Code History Database (the register of GSS codes and their successors):
#   recoded  the same council (and children's services area) under a new code: its figures under the
#            old code are its own, in every year
#   merged / split  a predecessor that several councils replaced, or that joined others: its figures
#            are its own, never a successor's; a successor's series starts when it was created

FIGURES_CARRY_OVER = "recoded"


@lru_cache(maxsize=1)
def code_history() -> pd.DataFrame:
    """The packaged code history: ``old_code, old_name, new_code, new_name, changed, kind, note``.

    Examples
    --------
    >>> h = code_history()
    >>> h.loc[h["old_code"].eq("E08000016"), ["new_code", "kind"]].values.tolist()
    [['E08000038', 'recoded']]
    """
    with resources.files("kpitools.core").joinpath("reference/code_history.csv").open(encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    df["changed"] = pd.to_datetime(df["changed"])
    return df


def recode_map() -> dict[str, str]:
    """Every old code whose figures carry over to a new code (``recoded``), old -> new."""
    h = code_history()
    h = h[h["kind"].eq(FIGURES_CARRY_OVER)]
    return dict(zip(h["old_code"], h["new_code"]))


def replaced_by(code: str) -> str:
    """Words for an abolished authority, or ``""``.

    Examples
    --------
    >>> replaced_by("E10000021")
    'Northamptonshire was replaced in April 2021 by North Northamptonshire and West Northamptonshire'
    >>> replaced_by("E06000028")
    'Bournemouth merged in April 2019 into Bournemouth, Christchurch and Poole'
    >>> replaced_by("E09000016")
    ''
    """
    h = code_history()
    hit = h[h["old_code"].eq(code) & h["kind"].ne(FIGURES_CARRY_OVER)]
    if hit.empty:
        return ""
    old, when = hit["old_name"].iloc[0], hit["changed"].iloc[0]
    successors = " and ".join(dict.fromkeys(hit["new_name"]))
    if hit["kind"].iloc[0] == "merged":
        return f"{old} merged in {when:%B %Y} into {successors}"
    return f"{old} was replaced in {when:%B %Y} by {successors}"


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Every known code (current, earlier and joint) -> the authority's name.

    Examples
    --------
    >>> names()["E08000016"], names()["E09000027"]
    ('Barnsley', 'Richmond upon Thames')
    """
    ref = reference()
    return dict(zip(ref["new_la_code"], ref["la_name"]))
