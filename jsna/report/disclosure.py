"""Statistical disclosure control, applied when rendering and never to the stored results.

The default policy follows common practice for published health statistics (ONS and NHS
England small-number guidance): counts from 1 to 7 are shown as ``*``; counts for small areas
(LSOA, MSOA, ward, output area) are rounded to the nearest 5; and *secondary* suppression hides
one more cell wherever a single suppressed cell could be recovered by subtraction from a total
(``Persons = Male + Female``; ``All ages = sum of the age groups``; a total = sum of its
categories). Everything a hidden count can be worked out from is hidden with it: its rate or
value, its confidence limits (the ratio of exact limits identifies the count) and, through
secondary suppression, the cells it could be subtracted out of. Values resting on a rounded
small-area count are shown only as precisely as the rounded count allows, so that
``value × denominator`` cannot undo the rounding. ``rates_on_suppressed = "mark"`` (an explicit
opt-in) shows values on hidden counts with a marker instead: the count can then be recovered.

:func:`control_results` is the one step the report applies to the results before any table,
chart or download reads them.

Configured by the ``[disclosure]`` table of ``jsna.toml``; see ``docs/report.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsna.report.text import fmt, is_missing
from jsna.vocabulary.cells import safe_frame

if TYPE_CHECKING:
    import pandas as pd

#: area types whose counts are rounded by default
SMALL_AREA_TYPES = frozenset({"LSOA", "MSOA", "Ward", "Output area", "OA", "Electoral ward"})
#: units whose *value* is itself a count of people or events
COUNT_UNITS = frozenset({"people", "persons", "count", "number", "deaths", "admissions", "events"})
#: the label of the total row inside a hierarchy built by :func:`protect`
TOTAL = "__total__"


@dataclass(frozen=True)
class Hierarchy:
    """Cells that add up: within each ``group`` the row whose ``part`` is ``total`` sums the rest."""

    group: tuple[str, ...]
    part: str
    total: str = TOTAL


@dataclass(frozen=True)
class DisclosurePolicy:
    """How counts are shown. Counts ``low``..``high`` become ``symbol``; small areas round to ``rounding_base``."""

    enabled: bool = True
    low: int = 1
    high: int = 7
    symbol: str = "*"
    rounding_base: int = 5
    round_small_area_counts: bool = True
    small_area_types: frozenset[str] = field(default=SMALL_AREA_TYPES)
    rates_on_suppressed: str = "suppress"  # or "mark" (opt-in: leaves hidden counts recoverable)
    marker: str = "†"

    @classmethod
    def from_settings(cls, settings: Any) -> DisclosurePolicy:
        """Build from the ``[disclosure]`` config table (a pydantic model or a dict)."""
        data = settings if isinstance(settings, dict) else settings.model_dump()
        return cls(
            enabled=data.get("enabled", True),
            low=data.get("suppress_from", 1),
            high=data.get("suppress_to", 7),
            symbol=data.get("symbol", "*"),
            rounding_base=data.get("rounding_base", 5),
            round_small_area_counts=data.get("rounding_base", 5) > 1,
            small_area_types=frozenset(data.get("small_area_types", SMALL_AREA_TYPES)),
            rates_on_suppressed=data.get("rates_on_suppressed", "suppress"),
            marker=data.get("marker", "†"),
        )

    # -- single values ---------------------------------------------------------------------
    def is_small_area(self, area_type: Any) -> bool:
        return str(area_type) in self.small_area_types

    def hidden_parts(
        self, values: Sequence[Any], groups: Sequence[Any] | None = None
    ) -> list[bool]:
        """Which of ``values`` (the parts of a total the report states) to hide: the counts
        suppressed on their own, and, when just one is, the next smallest with it, so the hidden
        one cannot be worked out by subtracting the others from the total.

        ``groups`` names the subtotal each value is part of (a practice's primary care network),
        when the report states those subtotals too: then every subtotal and the total keep no
        hidden part alone, the next smallest of the same subtotal hidden with it, repeated until
        none does."""
        hidden = [self.suppressed(v) for v in values]
        totals = [list(range(len(values)))]
        if groups is not None:
            members: dict[Any, list[int]] = {}
            for i, group in enumerate(groups):
                members.setdefault(group, []).append(i)
            totals = [*members.values(), *totals]
        changed = True
        while changed:
            changed = False
            for parts in totals:
                if sum(hidden[i] for i in parts) != 1:
                    continue
                shown = [
                    (float(values[i]), i)
                    for i in parts
                    if not hidden[i] and not is_missing(values[i])
                ]
                if shown:
                    hidden[min(shown)[1]] = True
                    changed = True
        return hidden

    def suppressed(self, value: Any) -> bool:
        """True when ``value`` is a count the policy hides on its own (primary suppression)."""
        if not self.enabled or is_missing(value):
            return False
        return self.low <= float(value) <= self.high

    def count(self, value: Any, *, small_area: bool = False, hidden: bool = False) -> str:
        """The text shown for a count; ``hidden`` forces the symbol (secondary suppression)."""
        if is_missing(value):
            return "–"
        if not self.enabled:
            return fmt(value, 0)
        if hidden or self.suppressed(value):
            return self.symbol
        number = float(value)
        if small_area and self.round_small_area_counts and self.rounding_base > 1:
            number = self.rounding_base * round(number / self.rounding_base)
        return fmt(number, 0)

    def note(self) -> str:
        """One sentence for table notes and the methods appendix."""
        if not self.enabled:
            return "Counts are shown unrounded: disclosure control is switched off for this report."
        text = (
            f"Counts from {self.low} to {self.high} are shown as {self.symbol}, as is any other count "
            f"that would let a hidden one be worked out from a total"
        )
        if self.round_small_area_counts and self.rounding_base > 1:
            text += f"; counts for small areas are rounded to the nearest {self.rounding_base}"
            text += (
                "; a rate built on a rounded count is shown only as precisely as the rounded count "
                "allows"
            )
        if self.rates_on_suppressed == "mark":
            return text + (
                f". A rate or value built on a hidden count is marked {self.marker} "
                "(this report's settings show it: the hidden count can be worked out from it)."
            )
        return text + (
            ". A rate, value or confidence interval built on a hidden count is not shown either."
        )

    # -- frames ----------------------------------------------------------------------------
    def protect(
        self,
        frame: pd.DataFrame,
        *,
        column: str,
        hierarchies: Sequence[Hierarchy] = (),
        small_area: pd.Series | bool = False,
        texts: bool = True,
    ) -> pd.DataFrame:
        """Return ``frame`` with ``{column}_hidden`` (bool) and ``{column}_text`` (str) added;
        without ``texts``, only ``{column}_hidden`` (what is hidden, not how it reads).

        Primary suppression hides counts ``low``..``high``; secondary suppression then hides,
        within every hierarchy group holding exactly one hidden cell, the smallest other non-zero
        part (the total when no part is left), repeated until no group can be solved.
        """
        import pandas as pd

        out = frame.copy()
        values = pd.to_numeric(out[column], errors="coerce")
        hidden = (
            values.between(self.low, self.high)
            if self.enabled
            else pd.Series(False, index=out.index)
        )
        if self.enabled and f"{column}_hidden" in out:
            # decided by an earlier pass over the whole table (control_results): a subset of
            # a table that no group can be solved from cannot be solved either
            hidden = hidden | out[f"{column}_hidden"].astype("boolean").fillna(False).astype(bool)
        elif self.enabled:
            hidden = secondary_suppression(out.assign(_v=values), "_v", hidden, hierarchies)
        small = (
            small_area
            if isinstance(small_area, pd.Series)
            else pd.Series(bool(small_area), index=out.index)
        )
        out[f"{column}_hidden"] = hidden.to_numpy()
        if not texts:
            return out
        out[f"{column}_text"] = [
            self.count(v, small_area=bool(s), hidden=bool(h))
            for v, s, h in zip(values, small, hidden, strict=True)
        ]
        return out


def secondary_suppression(
    frame: pd.DataFrame, column: str, hidden: pd.Series, hierarchies: Sequence[Hierarchy]
) -> pd.Series:
    """Extend ``hidden`` until no hierarchy group has exactly one hidden cell.

    A group with one hidden cell lets a reader recover it (total minus the visible parts, or the
    sum of the parts). The complementary cell chosen is the smallest visible non-zero part, else
    the total; groups are revisited across hierarchies until nothing changes.
    """
    hidden = hidden.copy()
    if not hierarchies or not hidden.any():
        return hidden
    values = frame[column]
    changed = True
    while changed:
        changed = False
        for h in hierarchies:
            keys = [frame[g].astype("string").fillna("") for g in h.group]
            is_total = frame[h.part].astype("string").fillna(TOTAL).eq(h.total)
            work = frame[[]].assign(
                _hidden=hidden,
                _total=is_total,
                _v=values,
                **{f"_k{i}": k for i, k in enumerate(keys)},
            )
            key_cols = [f"_k{i}" for i in range(len(keys))]
            grouped = work.groupby(key_cols, dropna=False, sort=False) if key_cols else None
            n_hidden = (
                grouped["_hidden"].transform("sum")
                if grouped is not None
                else work["_hidden"].sum()
            )
            size = grouped["_hidden"].transform("size") if grouped is not None else len(work)
            exposed = (n_hidden == 1) & (size > 1)
            candidates = work[exposed & ~work["_hidden"] & work["_v"].gt(0)]
            if candidates.empty:
                continue
            ordered = candidates.sort_values(["_total", "_v"], kind="stable")
            chosen = (
                ordered.groupby(key_cols, dropna=False, sort=False).head(1).index
                if key_cols
                else ordered.head(1).index
            )
            hidden.loc[chosen] = True
            changed = True
    return hidden


def rules_of(indicators: Mapping[str, Any]) -> dict[str, str]:
    """Each registered indicator's declared disclosure rule (``counts`` unless it says), by id."""
    return {i: getattr(ind, "disclosure", "counts") for i, ind in indicators.items()}


def protect_results(
    rows: pd.DataFrame,
    policy: DisclosurePolicy,
    rules: Mapping[str, str] | None = None,
    *,
    texts: bool = True,
) -> pd.DataFrame:
    """Disclosure-controlled view of results rows, for tables and the CSV download.

    Adds ``count_text``/``count_hidden``, ``denominator_text``/``denominator_hidden`` and
    ``value_flag`` (``"hidden"`` when the value rests on a hidden count and the policy hides such
    values, ``"marked"`` when it is shown with the marker, else ``""``). Values whose unit is a
    count of people are protected like counts (``value_is_count``; their text is ``value_text``).
    Without ``texts``, the ``*_text`` columns are left out (the whole table's control, which needs
    only what is hidden). Sex (``Persons = Male + Female``) and categories
    (the uncategorised row = sum of a category type's rows) are treated as additive.

    ``rules`` maps indicator ids to their declared disclosure rule: ``"value-is-count"``
    protects the value like a count whatever its unit; ``"none"`` (values already published
    under the publisher's own rules) shows counts as they are.
    """
    import pandas as pd

    rules = dict(rules or {})
    rule = (
        rows["indicator_id"].astype(object).map(lambda i: rules.get(i, "counts"))
        if len(rows)
        else pd.Series(dtype=object)
    )
    exempt = rule.eq("none")
    if len(rows) and exempt.any():
        plain = rows[exempt].copy()
        if texts:
            plain["count_text"] = [fmt(c, 0) for c in plain["count"]]
            plain["denominator_text"] = [fmt(c, 0) for c in plain["denominator"]]
            plain["value_text"] = pd.Series(pd.NA, index=plain.index, dtype="string")
        plain["count_hidden"] = plain["denominator_hidden"] = plain["value_hidden"] = False
        plain["value_is_count"] = False
        plain["value_flag"] = ""
        rest = protect_results(rows[~exempt], policy, rules, texts=texts)
        return pd.concat([rest, plain]).loc[rows.index]
    if rows.empty:
        out = rows.copy()
        for col in ("count_text", "denominator_text", "value_flag") if texts else ("value_flag",):
            out[col] = pd.Series(dtype="string")
        for col in ("count_hidden", "denominator_hidden", "value_is_count"):
            out[col] = pd.Series(dtype=bool)
        return out
    frame = rows.copy()
    frame["_sex_part"] = frame["sex"].where(frame["sex"].ne("Persons"), TOTAL)
    frame["_cat_part"] = frame["category"].where(frame["category_type"].notna(), TOTAL)
    # an uncategorised row is the total of every category type for its indicator/area/period
    base = ["indicator_id", "area_code", "period", "age"]
    hierarchies = [
        Hierarchy((*base, "category_type", "category"), "_sex_part"),
        Hierarchy((*base, "sex"), "_cat_part"),
    ]
    small = frame["area_type"].map(policy.is_small_area).astype(bool)
    for column in ("count", "denominator"):
        frame = policy.protect(
            frame, column=column, hierarchies=hierarchies, small_area=small, texts=texts
        )
    unit = (
        frame["unit"].astype("string").fillna("").str.lower()
        if "unit" in frame
        else pd.Series("", index=frame.index)
    )
    count_valued = unit.isin(COUNT_UNITS) | rule.eq("value-is-count").to_numpy()
    already = (
        frame["value_hidden"].astype("boolean").fillna(False).astype(bool)
        if "value_hidden" in frame
        else pd.Series(False, index=frame.index)
    )
    if count_valued.any():
        protected = policy.protect(
            frame[count_valued],
            column="value",
            hierarchies=hierarchies,
            small_area=small[count_valued],
            texts=texts,
        )
        frame["value_hidden"] = already
        frame.loc[count_valued, "value_hidden"] = protected["value_hidden"]
    else:
        frame["value_hidden"] = already
    frame["value_is_count"] = count_valued.to_numpy()
    if texts:
        frame["value_text"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        if count_valued.any():
            frame.loc[count_valued, "value_text"] = protected["value_text"]
    rests_on_hidden = (frame["count_hidden"] | frame["denominator_hidden"]) & ~count_valued
    flag = "hidden" if policy.rates_on_suppressed == "suppress" else "marked"
    frame["value_flag"] = rests_on_hidden.map({True: flag, False: ""})
    return frame.drop(columns=["_sex_part", "_cat_part"])


#: the confidence limits a results row can carry
LIMIT_COLUMNS = ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")


def control_results(
    results: pd.DataFrame, policy: DisclosurePolicy, rules: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The results as the report may show them: the one disclosure step before any table or chart.

    Suppression is decided once over the whole table (so a count hidden in one table cannot be
    subtracted out of another) and kept as ``count_hidden``, ``denominator_hidden`` and
    ``value_hidden``. Then, unless the policy marks instead (``rates_on_suppressed = "mark"``):

    - a value resting on a hidden count or denominator loses its value and every confidence
      limit (the value times the denominator gives the count; the ratio of the limits does too);
    - a value that is itself a hidden count is removed;
    - on small areas whose counts are rounded to ``rounding_base``, a value resting on the
      count is scaled to the rounded count and its limits rounded to the same step (the value
      of ``rounding_base`` events), so ``value × denominator`` gives back only the rounded count;
      a value that is itself a count is rounded like one.

    Rows whose indicator declares ``disclosure = "none"`` (published under the publisher's own
    rules) pass unchanged. Stored results are never changed: this works on a copy.
    """
    import numpy as np
    import pandas as pd

    if not policy.enabled or results.empty:
        return results
    frame = protect_results(results, policy, rules, texts=False)
    out = results.copy()
    for col in ("count_hidden", "denominator_hidden", "value_hidden"):
        out[col] = frame[col].astype(bool).to_numpy()
    limits = [c for c in LIMIT_COLUMNS if c in out]
    for col in ["value", *limits]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    hide = frame["value_flag"].eq("hidden") | frame["value_hidden"]
    out.loc[hide, ["value", *limits]] = np.nan
    if not (policy.round_small_area_counts and policy.rounding_base > 1):
        return out
    rules = dict(rules or {})
    rule = out["indicator_id"].astype(object).map(lambda i: rules.get(i, "counts"))
    small = out["area_type"].map(policy.is_small_area).astype(bool) & rule.ne("none")
    base = float(policy.rounding_base)
    counted = frame["value_is_count"]  # the value is itself a count of people or events
    whole = small & counted & ~hide & out["value"].notna()
    out.loc[whole, "value"] = base * np.round(out.loc[whole, "value"] / base)
    count = pd.to_numeric(out["count"], errors="coerce").astype(float)
    rests = small & ~counted & ~hide & count.gt(0) & out["value"].notna()
    if rests.any():
        per_event = out.loc[rests, "value"] / count[rests]
        rounded = base * np.round(count[rests] / base)
        step = (base * per_event).abs()
        out.loc[rests, "value"] = rounded * per_event
        for col in limits:
            out.loc[rests, col] = step * np.round(out.loc[rests, col] / step)
    return out


def results_csv_text(
    rows: pd.DataFrame, policy: DisclosurePolicy, rules: Mapping[str, str] | None = None
) -> str:
    """The results rows as CSV with every count disclosure-controlled (text, not numbers)."""
    import pandas as pd

    frame = protect_results(rows, policy, rules)
    out = rows.copy()
    out["count"] = frame["count_text"].replace("–", "")
    out["denominator"] = frame["denominator_text"].replace("–", "")
    has_value_text = frame["value_text"].notna()
    values = out["value"].astype("object")
    values[has_value_text] = frame.loc[has_value_text, "value_text"].replace("–", "")
    out["value"] = values
    note = (
        out["value_note"].astype("string")
        if "value_note" in out
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    marked = frame["count_hidden"] | frame["value_hidden"]
    message = f"Count hidden for disclosure control ({policy.symbol})"
    out["value_note"] = note.where(~marked, (note.fillna("") + "; ").str.lstrip("; ") + message)
    hide = frame["value_flag"].eq("hidden")
    for col in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"):
        if col in out:
            out[col] = out[col].astype("object")
            out.loc[hide, col] = ""
    return safe_frame(out).to_csv(index=False, lineterminator="\n")


DEFAULT_POLICY = DisclosurePolicy()
