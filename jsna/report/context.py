"""What a section builder reads for one area: :class:`ReportContext`, and helpers builders share.

Builders (``assemble``, ``analysis_sections``, ``input_blocks``) import this module; ``assemble``
imports the builders. The context reads the workspace only: the stored results, the canonical
tables, and the analyses ``jsna compute`` stored for sections 7-10.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsna.indicators.comparators import ComparatorSet
from jsna.report import charts
from jsna.report.disclosure import COUNT_UNITS, DEFAULT_POLICY, DisclosurePolicy
from jsna.report.model import Section

#: the analyses compute stores for sections 7-10 (jsna.indicators.analyses.ANALYSES)
ANALYSES = ("inequality", "projection", "value_for_money")

if TYPE_CHECKING:
    import pandas as pd

    from jsna.config import Config
    from jsna.workspace import Workspace


@dataclass
class WorkspaceReads:
    """What every area's report of one workspace reads alike, read once and shared read only: the
    whole canonical tables, the area names, and the results after disclosure control.

    One report makes one; a batch worker keeps one for all the areas it renders, so an area's
    report costs the same however many areas the project holds. Nothing here depends on the
    area: disclosure control is decided over the whole results table (``control_results``).
    """

    workspace: Workspace
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _names: dict[str, str] | None = None
    _controlled: dict[tuple[Any, ...], tuple[pd.DataFrame, pd.DataFrame]] = field(
        default_factory=dict
    )

    def table(self, name: str) -> pd.DataFrame:
        """The whole canonical table ``name`` (do not modify)."""
        if name not in self.tables:
            self.tables[name] = self.workspace.table(name)
        return self.tables[name]

    def columns(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Some columns of table ``name``: of the whole table when it is read already, else read
        alone (do not modify)."""
        if name in self.tables:
            return self.tables[name][columns]
        return self.workspace.table(name, columns=columns)

    def names(self) -> dict[str, str]:
        """Area code -> name, as :meth:`jsna.indicators.context.ComputeContext.area_names`
        finds them. Only the code and name columns are read of a table not read whole already
        (the population table alone is a tenth of a second for the demo, and a report needs it
        in one section)."""
        if self._names is None:
            from jsna.indicators.context import NAME_COLUMNS, area_names_from

            self._names = area_names_from(
                self.columns(table, [code, name]) for table, code, name in NAME_COLUMNS
            )
        return dict(self._names)

    def controlled_results(
        self, policy: DisclosurePolicy, rules: Mapping[str, str]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The results shown (one value per indicator, area, period and sex) and those set aside
        for the appendix (another source's value), each after disclosure control under
        ``policy`` and the indicators' ``rules``."""
        from jsna.indicators.finish import shown
        from jsna.report.disclosure import control_results

        key = (policy, tuple(sorted(rules.items())))
        if key not in self._controlled:
            every = self.table("results")
            keep = shown(every).to_numpy()
            self._controlled[key] = (
                control_results(every[keep], policy, rules),
                control_results(every[~keep], policy, rules),
            )
        return self._controlled[key]


@dataclass
class ReportContext:
    """Everything a section builder may read for one area."""

    area_code: str
    area_name: str
    benchmark_code: str
    benchmark_name: str
    results: pd.DataFrame
    workspace: Workspace
    config: Config
    names: dict[str, str]
    policy: DisclosurePolicy = DEFAULT_POLICY
    area_type: str = ""
    indicators: dict[str, Any] = field(default_factory=dict)
    comparators: ComparatorSet | None = None
    #: the whole tables shared with other areas' reports (read once per batch worker)
    reads: WorkspaceReads | None = None
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _analyses: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (the results, this area's rows of them): filtered once, not on every call
    _own: tuple[pd.DataFrame, pd.DataFrame] | None = None
    #: (the results, each indicator's unit in them), for :meth:`decimals`
    _units: tuple[pd.DataFrame, dict[str, str]] | None = None

    def table(self, name: str) -> pd.DataFrame:
        """The whole canonical table ``name`` (read once; do not modify)."""
        if name not in self._tables:
            if self.reads is None:
                self.reads = WorkspaceReads(self.workspace)
            self._tables[name] = self.reads.table(name)
        return self._tables[name]

    # -- the stored analyses of sections 7-10 (written by jsna compute) ------------------------
    def analysis_results(self, analysis: str) -> dict[str, Any]:
        """Everything one stored analysis (``inequality``, ``projection``, ``value_for_money``)
        holds for this area, keyed as the analysis named it: its frames and its facts (empty when
        compute stored nothing for the area)."""
        if analysis not in self._analyses:
            self._analyses[analysis] = (
                self.workspace.stored_analysis(self.area_code, analysis) or {}
            )
        return self._analyses[analysis]

    def analysis(self, name: str) -> pd.DataFrame | None:
        """This area's rows of the stored table ``analysis_<name>`` (``report_area`` dropped), in
        the order compute wrote them; None when compute found nothing for it."""
        import pandas as pd

        for analysis in ANALYSES:
            found = self.analysis_results(analysis).get(name)
            if isinstance(found, pd.DataFrame):
                return found
        return None

    def fact(self, key: str, default: Any = None) -> Any:
        """A scalar result of a stored analysis for this area (``base_year``, ``phb_icb``, …)."""
        import pandas as pd

        for analysis in ANALYSES:
            found = self.analysis_results(analysis)
            if key in found and not isinstance(found[key], pd.DataFrame):
                return found[key]
        return default

    def area_results(
        self, indicator_id: str | None = None, section: str | None = None
    ) -> pd.DataFrame:
        if self._own is None or self._own[0] is not self.results:
            self._own = (self.results, self.results[self.results["area_code"].eq(self.area_code)])
        r = self._own[1]
        if not (indicator_id or section):
            return r.copy()
        if indicator_id:
            r = r[r["indicator_id"].eq(indicator_id)]
        if section:
            r = r[r["section"].eq(section)]
        return r

    def latest(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of each series' latest period."""
        if frame.empty:
            return frame
        keys = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
        filled = frame.assign(**{k: frame[k].fillna("") for k in keys})
        latest = filled.groupby(keys)["period_sortable"].transform("max")
        return frame[filled["period_sortable"].eq(latest)]

    def narrative(self, name: str) -> str:
        """The analyst's text for section ``name`` as HTML: ``narrative/<area code>/<name>.md``, else the
        shared ``narrative/<name>.md``; empty when neither exists or the file holds only starter text."""
        from jsna.report.narrative import narrative_html, narrative_text

        text = narrative_text(self.config.narrative_dir, name, self.area_code)
        if not text:
            return ""
        return narrative_html(text)

    @property
    def disclosure_rules(self) -> dict[str, str]:
        """Each registered indicator's declared disclosure rule, by id."""
        from jsna.report.disclosure import rules_of

        return rules_of(self.indicators)

    def decimals(self, indicator_id: str) -> int:
        """Decimal places of an indicator's values: a registered indicator's own; an imported
        count of people or events (its unit one of :data:`COUNT_UNITS`, e.g. the pupils of a DfE
        file) none; any other imported value one."""
        ind = self.indicators.get(indicator_id)
        if ind is not None:
            return int(ind.decimals)
        if self._units is None or self._units[0] is not self.results:
            units = self.results.drop_duplicates("indicator_id")
            self._units = (
                self.results,
                dict(zip(units["indicator_id"], units["unit"].fillna(""), strict=True)),
            )
        return 0 if str(self._units[1].get(indicator_id, "")).lower() in COUNT_UNITS else 1


SectionBuilder = Callable[[ReportContext, Section], None]


def trend_figure(
    rc: ReportContext, indicator_id: str, *, sex: str, figure_id: str
) -> charts.Figure | None:
    """The area's trend line against the benchmark (three periods or more), else None."""
    res = rc.results
    rows = res[
        res["indicator_id"].eq(indicator_id) & res["sex"].eq(sex) & res["category_type"].isna()
    ]
    area = rows[rows["area_code"].eq(rc.area_code)]
    if area["period"].nunique() < 3:
        return None
    first = area.iloc[0]
    # a count (people) is not comparable with England's; rates and shares are
    comp = (
        None
        if str(first.get("unit") or "") in {"people", "persons", "count"}
        else rows[rows["area_code"].eq(rc.benchmark_code)]
    )
    title = (
        f"{first['indicator_name']}{'' if sex == 'Persons' else ', ' + sex.lower() + 's'}, trend"
    )
    return charts.trend_line(
        area,
        title=title,
        unit=str(first.get("unit") or ""),
        area_name=rc.area_name,
        comparator=comp,
        comparator_name=rc.benchmark_name,
        figure_id=figure_id,
        source=f"Source: {first['method']}",
    )
