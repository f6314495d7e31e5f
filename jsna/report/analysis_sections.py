"""Report sections 7-10: inequalities, projected service use, projected outcomes, value for money."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jsna.report.model import Section

if TYPE_CHECKING:
    from jsna.report.assemble import ReportContext


def build_inequalities(rc: ReportContext, section: Section) -> None:
    rows = rc.latest(rc.area_results())
    rows = rows[rows["category_type"].notna() & rows["category_type"].ne("Activity")]
    if len(rows):
        section.tables.append(_indicator_table(rc, rows, f"Indicators by population group, {rc.area_name}",
                                              "inequality-breakdowns"))
    section.narrative_html = rc.narrative("inequalities")
    if section.empty:
        section.missing.append("breakdowns by deprivation: deaths by LSOA (jsna ingest deaths FILE) with LSOA "
                               "population (jsna ingest population FILE) and IMD by LSOA (jsna ingest deprivation FILE)")


def build_projected_service_use(rc: ReportContext, section: Section) -> None:
    section.narrative_html = rc.narrative("projected_service_use")
    if section.empty:
        section.missing.append("population projections (jsna ingest population FILE with a variant column, or "
                               "ONS SNPP) together with service activity counts (jsna ingest events FILE)")


def build_projected_outcomes(rc: ReportContext, section: Section) -> None:
    section.narrative_html = rc.narrative("projected_outcomes")
    if section.empty:
        section.missing.append("population projections (jsna ingest population FILE) and prevalence rates by age "
                               "and sex for the conditions of interest")


def build_value_for_money(rc: ReportContext, section: Section) -> None:
    section.narrative_html = rc.narrative("value_for_money")
    if section.empty:
        section.missing.append("spend by programme for this area and comparators, and personal health budget "
                               "returns")


def _indicator_table(rc, rows, caption, table_id):  # type: ignore[no-untyped-def]
    from jsna.report.assemble import indicator_table

    return indicator_table(rc, rows, caption, table_id)
