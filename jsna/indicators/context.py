"""What an indicator's compute function sees: read-only tables and band helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from jsna.indicators.spec import Indicator
    from jsna.workspace import Workspace

ENGLAND = "E92000001"

#: the proper names of the countries and English regions, whatever spelling a file uses ("ENGLAND")
CANONICAL_NAMES = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
    "K02000001": "United Kingdom",
    "K03000001": "Great Britain",
    "K04000001": "England and Wales",
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}

#: 2013 European Standard Population bands, as labelled throughout jsna
ESP_BANDS = (
    "0-4",
    "5-9",
    "10-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-84",
    "85-89",
    "90+",
)
#: abridged life-table bands used by OHID for life expectancy
LIFE_TABLE_BANDS = ("<1", "1-4", *ESP_BANDS[1:])


def band_of(age_from: int, bands: str = "esp") -> tuple[str, float]:
    """(label, upper age) of the ``esp`` or ``life_table`` band containing ``age_from``."""
    if age_from >= 90:
        return "90+", float("inf")
    if bands == "life_table" and age_from == 0:
        return "<1", 0.0
    if bands == "life_table" and age_from < 5:
        return "1-4", 4.0
    lo = age_from // 5 * 5
    return f"{lo}-{lo + 4}", float(lo + 4)


def rebin(
    frame: pd.DataFrame,
    bands: str,
    *,
    value: str = "count",
    keys: tuple[str, ...] = ("area_code", "period", "sex"),
) -> pd.DataFrame:
    """Sum single years or finer bands into ``esp`` or ``life_table`` bands.

    A row whose band straddles a target band (say ``85+`` for target ``85-89``/``90+``)
    cannot be re-binned: it is left out and counted in ``result.attrs["unbinnable"]``.
    """
    import numpy as np

    starts = frame["age_from"].astype("int64")
    lookup = {a: band_of(int(a), bands) for a in starts.unique()}
    label = starts.map(lambda a: lookup[a][0])
    upper = starts.map(lambda a: lookup[a][1]).astype("float64")
    hi = frame["age_to"].astype("float64").fillna(np.inf)
    fits = (hi <= upper).to_numpy()
    out = frame[fits].assign(age_band=label[fits].to_numpy())
    grouped = (
        out.groupby([*keys, "age_band"], observed=True, dropna=False)[value].sum().reset_index()
    )
    grouped.attrs["unbinnable"] = int((~fits).sum())
    return grouped


@dataclass
class ComputeContext:
    """Tables of the workspace, read once and shared by every indicator of a run."""

    workspace: Workspace
    benchmark_code: str = ENGLAND
    config: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict)
    _names: dict[str, str] | None = None
    #: the indicator being computed (set by the registry around its ``compute``)
    indicator: Indicator | None = None

    def interval_options(self) -> dict[str, Any]:
        """``ci_method`` and ``z`` for the methods of the indicator being computed.

        The indicator's declaration, overridden by ``jsna.toml``
        ``[indicators.options.<id>]``; only the settings given are returned, so
        ``methods.crude_rate(..., **ctx.interval_options())`` keeps the methods' defaults
        otherwise. One number for ``z`` is the *z* of the 95% limits.
        """
        if self.indicator is None:
            return {}
        options = {"ci_method": self.indicator.ci_method, "z": self.indicator.z}
        configured = (self.config.get("indicators") or {}).get("options") or {}
        for key, value in (configured.get(self.indicator.id) or {}).items():
            if key in options and value is not None:
                options[key] = value
        if isinstance(options["z"], int | float) and not isinstance(options["z"], bool):
            options["z"] = {0.95: float(options["z"])}
        return {k: v for k, v in options.items() if v is not None}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = self.workspace.table(name)
        return self._cache[name].copy()

    def has(self, name: str) -> bool:
        return len(self.table_view(name)) > 0

    def table_view(self, name: str) -> pd.DataFrame:
        """The cached table itself (do not modify)."""
        if name not in self._cache:
            self._cache[name] = self.workspace.table(name)
        return self._cache[name]

    def population(self, bands: str | None = None, variant: str = "estimate") -> pd.DataFrame:
        """Population estimates, Male/Female, optionally re-binned into ``esp``/``life_table`` bands."""
        pop = self.table_view("population")
        pop = pop[pop["variant"].eq(variant)]
        if bands is None:
            return pop.copy()
        return rebin(pop, bands)

    def area_names(self) -> dict[str, str]:
        """Area code -> name from every table that carries names (boundaries win); worked out
        once per context, like the tables it reads."""
        if self._names is None:
            self._names = self._read_area_names()
        return dict(self._names)

    def _read_area_names(self) -> dict[str, str]:
        return area_names_from(
            self.table_view(table)[[code, name]] for table, code, name in NAME_COLUMNS
        )


#: where area names are found: (table, code column, name column), later ones winning
NAME_COLUMNS = (
    ("indicator_values", "area_code", "area_name"),
    ("population", "area_code", "area_name"),
    ("events", "area_code", "area_name"),
    ("lookups", "parent_code", "parent_name"),
    ("lookups", "child_code", "child_name"),
    ("deprivation", "lsoa_code", "lsoa_name"),
    ("areas", "area_code", "area_name"),
)


def area_names_from(pairs: Iterable[pd.DataFrame]) -> dict[str, str]:
    """Area code -> name from the (code, name) columns of each of :data:`NAME_COLUMNS`, in
    that order: each table's first name for a code, a later table's replacing an earlier one's,
    except that a name in capitals ("TRAFFORD") never replaces one written as a name
    ("Trafford"); then the canonical names."""
    names: dict[str, str] = {}
    for frame in pairs:
        if not len(frame):
            continue
        code, name = frame.columns[:2]
        sub = frame[[code, name]].dropna().drop_duplicates(code)
        for c, n in zip(sub[code], sub[name], strict=False):
            n = str(n).strip()
            if n and not (n.isupper() and c in names and not names[c].isupper()):
                names[c] = n
    names.update(CANONICAL_NAMES)
    return names
