"""Indices of Deprivation: LSOA ranks, deciles and scores (IoD2019 File 1/File 5 layouts)."""

from __future__ import annotations

import re
from pathlib import Path

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, with_rows
from jsna.ingest.fields import check_area_codes, duplicate_keys, parse_number
from jsna.ingest.readers import TableText, normalise_name, read_text_table
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

#: number of LSOAs in England by IMD vintage (ranks run 1..N, 1 = most deprived)
LSOA_COUNT = {"IMD2015": 32_844, "IMD2019": 32_844, "IMD2025": 33_755}


class DeprivationSource(Source):
    kind = "deprivation"
    title = "Index of Multiple Deprivation by LSOA (rank, decile, score)"
    tables = ("deprivation",)
    expected_columns = (
        "LSOA code (2011 or 2021), LSOA name, Local Authority District code, "
        "Index of Multiple Deprivation (IMD) Rank and/or Decile and/or Score"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = [normalise_name(c) for c in columns]
        if any("lsoa" in n and "code" in n for n in norm) and any(
            "imd" in n or "index_of_multiple" in n for n in norm
        ):
            return "iod-lsoa"
        if "index_domain" in norm and {"average_rank", "average_score"} & set(norm):
            return "iod-lad-summary"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table = read_text_table(
            path,
            sheet=options.sheet,
            skip_rows=options.skip_rows,
            encoding=options.encoding,
            **options.read_limits(),
        )
        if self.detect(list(table.frame.columns)) == "iod-lad-summary":
            return _parse_summaries(table, options, self.kind)
        raw = table.frame
        cols = Columns(table, options.column_map)
        issues: list[ValidationIssue] = []
        lsoa_col = cols.find(
            "lsoa_code", "lsoa_code_2011", "lsoa_code_2021", "lsoa11cd", "lsoa21cd", "lsoa"
        )
        if lsoa_col is None:
            cands = cols.matching(lambda n: "lsoa" in n and "code" in n)
            lsoa_col = cands[0] if cands else cols.require("LSOA code", "lsoa_code")
        name_cands = cols.matching(lambda n: "lsoa" in n and "name" in n)
        lad_code = cols.matching(
            lambda n: ("local_authority" in n or n.startswith("lad")) and "code" in n
        )
        lad_name = cols.matching(
            lambda n: ("local_authority" in n or n.startswith("lad")) and "name" in n
        )

        def imd(word: str) -> str | None:
            found = cols.matching(
                lambda n: ("imd" in n or "index_of_multiple_deprivation" in n) and word in n
            )
            return found[0] if found else None

        rank_col, decile_col, score_col = imd("rank"), imd("decile"), imd("score")
        if not (rank_col or decile_col or score_col):
            cols.require(
                "IMD rank, decile or score",
                "index_of_multiple_deprivation_imd_rank",
                "index_of_multiple_deprivation_imd_decile",
                "imd_score",
            )
        vintage = options.vintage or _vintage(list(raw.columns), table.path.name)
        out = pd.DataFrame(index=raw.index)
        out["lsoa_code"] = check_area_codes(
            raw[lsoa_col], table=table, column=lsoa_col, issues=issues
        )
        out["lsoa_name"] = raw[name_cands[0]].str.strip() if name_cands else None
        out["lad_code"] = raw[lad_code[0]].str.strip() if lad_code else None
        out["lad_name"] = raw[lad_name[0]].str.strip() if lad_name else None
        out["vintage"] = vintage
        n_lsoa = LSOA_COUNT.get(vintage, 40_000)
        out["imd_rank"] = (
            parse_number(
                raw[rank_col],
                table=table,
                column=rank_col,
                issues=issues,
                whole=True,
                minimum=1,
                what="IMD rank",
            )
            if rank_col
            else float("nan")
        )
        if rank_col:
            too_big = out["imd_rank"] > n_lsoa
            for idx in out.index[too_big.to_numpy()]:
                issues.append(
                    _range_issue(
                        table,
                        idx,
                        rank_col,
                        raw.at[idx, rank_col],
                        f"IMD rank must be between 1 and {n_lsoa:,} for {vintage}",
                    )
                )
        if decile_col:
            dec = parse_number(
                raw[decile_col],
                table=table,
                column=decile_col,
                issues=issues,
                whole=True,
                minimum=1,
                what="IMD decile",
            )
            for idx in dec.index[(dec > 10).to_numpy()]:
                issues.append(
                    _range_issue(
                        table,
                        idx,
                        decile_col,
                        raw.at[idx, decile_col],
                        "IMD decile must be a whole number from 1 (most deprived) to 10",
                    )
                )
            out["imd_decile"] = dec
        else:
            out["imd_decile"] = ((out["imd_rank"] - 1) // (n_lsoa / 10) + 1).clip(upper=10)
        out["imd_score"] = (
            parse_number(
                raw[score_col],
                table=table,
                column=score_col,
                issues=issues,
                minimum=0,
                what="IMD score",
            )
            if score_col
            else float("nan")
        )
        out["imd_rank"] = out["imd_rank"].astype("Int64")
        out["imd_decile"] = out["imd_decile"].astype("Int64")
        duplicate_keys(out, ["lsoa_code"], table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        domains = [
            c
            for c in raw.columns
            if re.search(r"(?i)(rank|decile|score)", c)
            and c not in {rank_col, decile_col, score_col}
        ]
        if domains:
            issues.append(
                ValidationIssue(
                    code="columns-not-stored",
                    severity="warning",
                    file=table.label,
                    message=f"{len(domains)} domain columns (e.g. {domains[0]!r}) are not stored: the deprivation "
                    "table holds the overall IMD rank, decile and score",
                )
            )
        return Parsed(frames={"deprivation": frame}, report=report, layout="iod-lsoa", table=table)


def _range_issue(table, idx, column, value, message):  # type: ignore[no-untyped-def]
    return ValidationIssue(
        code="out-of-range",
        message=f"{message}, got {value!r}",
        file=table.label,
        row=table.file_row(idx),
        column=column,
        value=value,
    )


def _vintage(columns: list[str], file_name: str) -> str:
    text = " ".join(columns) + " " + file_name
    for year in ("2025", "2019", "2015"):
        if re.search(rf"(?:imd|iod)\s*_?{year}|\({year}\)|{year}", text, flags=re.IGNORECASE):
            return f"IMD{year}"
    return "IMD2019"


def _parse_summaries(table: TableText, options: ReadOptions, kind: str) -> Parsed:
    """IoD local-authority summaries (long: one row per LAD × domain), into deprivation_summaries.

    Scores are rounded to 9 decimal places: the IoD2019 file stores them with binary float
    noise (35.036999999999999 for 35.037).
    """
    import pandas as pd

    raw = table.frame
    cols = Columns(table, options.column_map)
    issues: list[ValidationIssue] = []
    code_col = cols.find(
        "area_code", "lad19cd", "lad24cd", "lad21cd", "lad_code", "local_authority_district_code"
    )
    if code_col is None:
        cands = cols.matching(lambda n: n.startswith("lad") and n.endswith("cd"))
        code_col = (
            cands[0] if cands else cols.require("local authority code", "area_code", "lad19cd")
        )
    name_col = cols.find("area_name", "lad19nm", "lad24nm", "lad21nm") or next(
        iter(cols.matching(lambda n: n.startswith("lad") and n.endswith("nm"))), None
    )
    out = pd.DataFrame(index=raw.index)
    out["area_code"] = check_area_codes(raw[code_col], table=table, column=code_col, issues=issues)
    out["area_name"] = raw[name_col].str.strip() if name_col else None
    type_col = cols.find("area_type")
    out["area_type"] = raw[type_col].str.strip() if type_col else "Local Authority District"
    year_col = cols.find("deprivation_data_year", "year")
    if options.vintage:
        out["vintage"] = options.vintage
    elif year_col:
        out["vintage"] = "IoD" + raw[year_col].str.strip()
    else:
        out["vintage"] = _vintage(list(raw.columns), table.path.name).replace("IMD", "IoD")
    domain_col = cols.require("index or domain", "index_domain")
    out["index_domain"] = raw[domain_col].str.strip()
    for target in (
        "average_rank",
        "rank_average_rank",
        "average_score",
        "rank_average_score",
        "proportion_bottom_decile",
        "rank_proportion_bottom_decile",
    ):
        col = cols.find(target)
        if col is None:
            out[target] = float("nan")
            continue
        whole = target.startswith("rank_")
        values = parse_number(
            raw[col],
            table=table,
            column=col,
            issues=issues,
            whole=whole,
            minimum=None if target == "average_score" else 0,
            what=target.replace("_", " "),
        )
        out[target] = values.round(9) if not whole else values.astype("Int64")
    duplicate_keys(out, ["area_code", "index_domain", "vintage"], table=table, issues=issues)
    frame = with_rows(out, table).reset_index(drop=True)
    report = ValidationReport(file=table.label, kind=kind, rows_read=len(raw), issues=issues)
    return Parsed(
        frames={"deprivation_summaries": frame},
        report=report,
        layout="iod-lad-summary",
        table=table,
    )
