"""Section plugins' blocks in the report: run each plugin, check what it returned, and turn
its text, table and chart blocks into the report's own model (drawn by its templates).

A plugin that raises or returns something outside the contract (raw HTML, another type, a
table whose rows do not fit its columns, a chart of missing columns) is left out with a
:class:`~jsna.errors.PluginError` naming it, listed under "Not included in this report";
the other plugins and the report carry on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsna.errors import PluginError
from jsna.hookspecs import (
    Block,
    BlockContext,
    Cell,
    ChartBlock,
    SectionPlugin,
    TableBlock,
    TextBlock,
    block_problems,
)
from jsna.plugins import SectionRegistry
from jsna.report import model

if TYPE_CHECKING:
    from jsna.report.charts import Figure
    from jsna.report.model import Section


def plugin_blocks(
    plugin: SectionPlugin, context: BlockContext, origin: str = "jsna"
) -> list[Block]:
    """What ``plugin`` (from the package ``origin``) renders for one area, checked;
    :class:`PluginError` naming the plugin and its package otherwise."""
    name = f"section plugin {plugin.id!r} ({origin})"
    try:
        made = plugin.render(context)
    except Exception as exc:  # a plugin's own failure, reported by name
        raise PluginError(f"{name} failed: {type(exc).__name__}: {exc}") from exc
    if made is None:
        return []
    blocks: list[Any] = list(made) if isinstance(made, list | tuple) else [made]
    for block in blocks:
        problems = block_problems(block)
        if problems:
            raise PluginError(f"{name}: {'; '.join(problems)}")
    return blocks


def _cell(value: Any, decimals: int) -> model.Cell:
    import numbers

    import numpy

    from jsna.report.text import fmt, is_missing

    outcome = None
    if isinstance(value, Cell):
        outcome, value = value.outcome, value.value
        outcome = None if outcome is None or is_missing(outcome) else str(outcome)
    if isinstance(value, bool | numpy.bool_) or not isinstance(value, numbers.Real):
        text = "–" if value is None or is_missing(value) else str(value)
        return model.Cell(text, outcome=outcome)
    if is_missing(value):
        return model.Cell("–", outcome=outcome, numeric=True)
    places = 0 if isinstance(value, numbers.Integral) else decimals
    return model.Cell(fmt(value, places), outcome=outcome, numeric=True)


def _table(block: TableBlock, table_id: str) -> model.Table:
    return model.Table(
        caption=block.caption,
        columns=[str(c) for c in block.columns],
        rows=[[_cell(value, block.decimals) for value in row] for row in block.rows],
        id=table_id,
        note=block.note,
    )


def _figure(block: ChartBlock, figure_id: str, area_name: str) -> Figure:
    import numpy as np

    from jsna.report import charts

    data = block.data
    if block.kind == "line":
        frame = data.assign(
            period=data[block.x].astype(str),
            value=data[block.y],
            lower_ci_95=data[block.lower] if block.lower else np.nan,
            upper_ci_95=data[block.upper] if block.upper else np.nan,
        )
        figure = charts.trend_line(
            frame,
            title=block.title,
            unit=block.unit,
            area_name=area_name,
            figure_id=figure_id,
            source=block.source,
        )
        if block.alt:
            figure.alt = block.alt
        return figure
    return charts.category_bars(
        data,
        category=block.x,
        value=block.y,
        title=block.title,
        unit=block.unit,
        figure_id=figure_id,
        source=block.source,
        lower=block.lower,
        upper=block.upper,
        alt=block.alt,
    )


def to_report_blocks(
    plugin: SectionPlugin, blocks: list[Block], area_name: str
) -> list[dict[str, Any]]:
    """The report's entries for ``blocks``: ``{"plugin", "title"}`` and one of ``paragraphs``,
    ``table`` (a :class:`~jsna.report.model.Table`) or ``figure`` (a chart)."""
    out: list[dict[str, Any]] = []
    for number, block in enumerate(blocks, start=1):
        item_id = f"plugin-{plugin.id}-{number}"
        entry: dict[str, Any] = {"plugin": plugin.id, "title": block.title}
        if isinstance(block, TextBlock):
            entry["paragraphs"] = block.paragraphs
        elif isinstance(block, TableBlock):
            entry["table"] = _table(block, item_id)
        else:
            entry["title"] = ""  # a chart carries its title in its caption
            entry["figure"] = _figure(block, item_id, area_name)
        out.append(entry)
    return out


def add_section_blocks(
    context: Any, sections: list[Section], registry: SectionRegistry | None = None
) -> list[dict[str, str]]:
    """Run every section plugin for one area's report, appending its blocks to ``sections``.

    ``context`` is the report's assembly context (it carries the area, results, config,
    policy and workspace). Returns one ``{"id", "reason", "kind"}`` per plugin that failed
    to load or render, for the report's "Not included" list; the others carry on.
    """
    registry = registry or SectionRegistry.from_entry_points()
    skipped = [{"id": f.label, "reason": f.reason, "kind": "section"} for f in registry.failures]
    block_context = BlockContext(
        area_code=context.area_code,
        area_name=context.area_name,
        benchmark_code=context.benchmark_code,
        benchmark_name=context.benchmark_name,
        results=context.results,
        config=context.config,
        policy=context.policy,
        table=context.workspace.table,
        indicators=dict(getattr(context, "indicators", {})),
    )
    for section in sections:
        for plugin in registry.for_section(section.info.id):
            origin = registry.origin.get(plugin.id, "jsna")
            try:
                blocks = plugin_blocks(plugin, block_context, origin)
                try:
                    entries = to_report_blocks(plugin, blocks, context.area_name)
                except Exception as exc:  # e.g. a chart matplotlib cannot draw
                    raise PluginError(
                        f"section plugin {plugin.id!r} ({origin}): its blocks could not be "
                        f"drawn: {type(exc).__name__}: {exc}"
                    ) from exc
                section.blocks.extend(entries)
            except PluginError as exc:
                skipped.append({"id": plugin.id, "reason": str(exc), "kind": "section"})
    return skipped
