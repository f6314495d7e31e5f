"""Write the faulty-file corpus: files a careless user or a broken export hands to ``jsna ingest``.

Each case is one file (or a file and options) with what jsna must do with it: the exit code,
words its message must hold, and whether the workspace may change (only the few cases that
must load). ``cases.json`` in the output folder lists them; ``tests/reliability/test_corpus.py``
runs every case against a workspace that already holds a good population file and checks the
exit code, the words, that no traceback is printed, and that the workspace is unchanged.

Seeded: the same seed writes byte-identical files.

    python scripts/make_faulty_corpus.py OUT_DIR [--seed 18]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

POP_HEADER = "area_code,area_name,period,sex,age,population"
DEATHS_HEADER = "area_code,area_name,year,sex,age_band,cause,deaths"
EVENTS_HEADER = "area_code,area_name,year,sex,age_band,measure,count"
FT_HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Compared to percentiles,Time period Sortable,"
    "New data,Compared to goal,Time period range"
)
ACTIVITY_HEADER = "record_id,age,sex,lsoa_code,activity_date,point_of_delivery,specialty,cost_gbp"
AREA = "E06999001"
NAME = "Ambridge Vale"


@dataclass
class Case:
    name: str
    #: what is wrong (or right) with the file, in words
    kind: str
    #: the jsna ingest kind, or None to let jsna detect it
    source: str | None
    file: str
    exit_code: int
    words: list[str]
    command: str = "ingest"
    options: list[str] = field(default_factory=list)
    #: only cases that must load may change the workspace
    changes_workspace: bool = False


class Corpus:
    def __init__(self, out: Path, seed: int) -> None:
        self.out = out
        self.rng = random.Random(seed)
        self.cases: list[Case] = []
        out.mkdir(parents=True, exist_ok=True)

    def add(
        self,
        name: str,
        kind: str,
        source: str | None,
        data: bytes | str,
        exit_code: int,
        words: list[str],
        *,
        suffix: str = ".csv",
        **extra: object,
    ) -> None:
        file = f"{name}{suffix}"
        payload = data.encode("utf-8") if isinstance(data, str) else data
        (self.out / file).write_bytes(payload)
        self.cases.append(Case(name, kind, source, file, exit_code, words, **extra))  # type: ignore[arg-type]

    # good rows to build faulty files around
    def pop_rows(self, n: int = 5, period: str = "2019", sex: str = "Female") -> list[str]:
        return [
            f"{AREA},{NAME},{period},{sex},{age},{self.rng.randint(800, 1200)}" for age in range(n)
        ]

    def deaths_rows(self, n: int = 3) -> list[str]:
        bands = ["<1", "1-4", "5-9", "10-14"]
        return [
            f"{AREA},{NAME},2020,Female,{bands[i]},Cancer,{self.rng.randint(0, 3)}"
            for i in range(n)
        ]

    def write_manifest(self) -> Path:
        path = self.out / "cases.json"
        path.write_text(
            json.dumps([asdict(c) for c in self.cases], indent=2) + "\n", encoding="utf-8"
        )
        return path


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _xlsx(rows: list[list[object]], *, formulas: bool = False) -> bytes:
    """A minimal workbook written by hand (so formulas have no cached values, as a script or
    a web export leaves them)."""
    cells = []
    for r, row in enumerate(rows, start=1):
        parts = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, str) and value.startswith("=") and formulas:
                parts.append(f'<c r="{ref}"><f>{value[1:]}</f></c>')
            elif isinstance(value, int | float):
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        cells.append(f'<row r="{r}">{"".join(parts)}</row>')
    return _workbook("".join(cells))


def _workbook(sheet_rows: str, pad: int = 0) -> bytes:
    ns = "http://schemas.openxmlformats.org"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main">'
            f"<sheetData>{sheet_rows}</sheetData>" + " " * pad + "</worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def _geojson(features: list[tuple[str, list[list[float]]]], crs: str | None = None) -> str:
    data: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"LAD24CD": code, "LAD24NM": NAME},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
            for code, ring in features
        ],
    }
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data)


def build(out: Path, seed: int = 18) -> list[Case]:
    c = Corpus(out, seed)
    pop = c.pop_rows
    good = _csv(POP_HEADER, *pop())

    # -- encodings and files that are not CSV -------------------------------------------------
    c.add(
        "utf16_no_bom",
        "UTF-16 without a byte-order mark",
        "population",
        good.encode("utf-16-le"),
        3,
        ["UTF-16", "byte-order mark"],
    )
    c.add(
        "gzip_renamed",
        "a gzip file named .csv",
        "population",
        gzip.compress(good.encode(), mtime=0),
        3,
        ["not a text", "gzip"],
    )
    c.add(
        "xlsx_renamed",
        "a workbook named .csv",
        "population",
        _xlsx([POP_HEADER.split(","), [AREA, NAME, "2019", "Female", 0, 900]]),
        3,
        ["not a text", "zip archive"],
    )
    c.add(
        "binary_renamed",
        "random bytes named .csv",
        "population",
        bytes(c.rng.randrange(256) for _ in range(4096)),
        3,
        ["binary_renamed.csv", "not a text"],
    )
    c.add(
        "pdf_renamed",
        "a PDF named .csv",
        "population",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)),
        3,
        ["pdf_renamed.csv", "PDF"],
    )
    c.add(
        "nul_bytes",
        "NUL bytes in the middle of a CSV",
        "population",
        good.encode()[:60] + b"\x00" * 40 + good.encode()[60:],
        3,
        ["nul_bytes.csv", "NUL bytes"],
    )
    c.add(
        "cp1252_name",
        "Windows-1252 text (an en dash in a name)",
        "population",
        _csv(POP_HEADER, *[r.replace(NAME, "Ambridge Vale \u2013 North") for r in pop()]).encode(
            "cp1252"
        ),
        0,
        ["population"],
        changes_workspace=True,
    )
    c.add(
        "cp1252_activity",
        "a Windows-1252 activity extract",
        "activity",
        _csv(
            ACTIVITY_HEADER,
            *[
                f"SA{i:06d},{c.rng.randint(0, 90)},Female,E01999001,2023-05-0{1 + i % 9},"
                f"A&E attendance,Accident & Emergency \u2013 minor,{c.rng.randint(50, 400)}.00"
                for i in range(20)
            ],
        ).encode("cp1252"),
        0,
        ["activity"],
        changes_workspace=True,
    )

    # -- empty, truncated, wrong shape --------------------------------------------------------
    c.add("empty", "an empty file", "population", b"", 3, ["empty"])
    c.add(
        "whitespace_only", "only blank lines", "population", "\n\n  \n", 3, ["whitespace_only.csv"]
    )
    c.add(
        "header_only", "a header and no rows", "population", _csv(POP_HEADER), 1, ["no data rows"]
    )
    c.add(
        "truncated_row",
        "the last row cut off mid-way",
        "population",
        good + f"{AREA},{NAME},2019,Fem",
        3,
        ["line 7", "truncated"],
    )
    c.add(
        "unterminated_quote",
        "a quote opened and never closed",
        "population",
        _csv(POP_HEADER, *pop(3), f'{AREA},"{NAME},2019,Female,3,900'),
        3,
        ["unterminated_quote.csv"],
    )
    c.add(
        "missing_column",
        "no population column",
        "population",
        _csv("area_code,area_name,period,sex,age", *[",".join(r.split(",")[:5]) for r in pop()]),
        1,
        ["population"],
    )
    c.add(
        "semicolons",
        "semicolon-delimited",
        "population",
        _csv(*[line.replace(",", ";") for line in [POP_HEADER, *pop()]]),
        0,
        ["population"],
        changes_workspace=True,
    )
    c.add(
        "tabs",
        "tab-delimited, named .csv",
        "population",
        _csv(*[line.replace(",", "\t") for line in [POP_HEADER, *pop(period="2018")]]),
        0,
        ["population"],
        changes_workspace=True,
    )
    c.add(
        "trailing_commas",
        "a trailing comma on every data row",
        "population",
        _csv(POP_HEADER, *[r + "," for r in pop(period="2017")]),
        0,
        ["population"],
        changes_workspace=True,
    )
    c.add(
        "extra_field",
        "a filled field beyond the header",
        "population",
        _csv(POP_HEADER, *pop(3), f"{AREA},{NAME},2019,Female,3,900,oops"),
        3,
        ["line 5", "saw 7"],
    )
    c.add(
        "repeated_header",
        "two exports pasted together (the header again mid-file)",
        "population",
        _csv(POP_HEADER, *pop(3), POP_HEADER, *pop(2, sex="Male")),
        1,
        ["area_code"],
    )
    c.add(
        "short_rows",
        "a row with too few fields",
        "population",
        _csv(POP_HEADER, *pop(3), f"{AREA},{NAME},2019"),
        1,
        ["row 5"],
    )

    # -- keys ---------------------------------------------------------------------------------
    c.add(
        "excel_date_age_twice",
        "two rows with the age 05-Sep (Excel's date for 5-9)",
        "population",
        _csv(
            POP_HEADER,
            *pop(),
            f"{AREA},{NAME},2019,Female,05-Sep,707",
            f"{AREA},{NAME},2019,Female,05-Sep,707",
        ),
        1,
        ["05-Sep"],
    )
    c.add(
        "bad_sex_twice",
        "two rows with the sex Mle",
        "population",
        _csv(POP_HEADER, *pop(), f"{AREA},{NAME},2019,Mle,7,707", f"{AREA},{NAME},2019,Mle,7,707"),
        1,
        ["Mle"],
    )
    c.add(
        "duplicate_rows",
        "the same key twice with different counts",
        "population",
        _csv(POP_HEADER, *pop(), f"{AREA},{NAME},2019,Female,0,1"),
        1,
        ["row 7"],
    )
    c.add(
        "bad_age",
        "an age of -3",
        "population",
        _csv(POP_HEADER, *pop(), f"{AREA},{NAME},2019,Female,-3,10"),
        1,
        ["-3"],
    )
    c.add(
        "age_200",
        "an age of 200",
        "population",
        _csv(POP_HEADER, *pop(), f"{AREA},{NAME},2019,Female,200,10"),
        1,
        ["200"],
    )
    c.add(
        "overlapping_bands",
        "85+ beside single years 85-90+",
        "population",
        _csv(
            POP_HEADER,
            *[
                f"{AREA},{NAME},2019,Male,{a},{c.rng.randint(50, 90)}"
                for a in ["85", "86", "87", "88", "89", "90+", "85+"]
            ],
        ),
        1,
        ["85+"],
    )
    c.add(
        "bad_period",
        "a year of 20x1",
        "population",
        _csv(POP_HEADER, *pop(), f"{AREA},{NAME},20x1,Female,6,10"),
        1,
        ["20x1"],
    )
    c.add(
        "year_1850",
        "a year of 1850",
        "population",
        _csv(POP_HEADER, *pop(period="1850")),
        1,
        ["1850"],
    )
    c.add(
        "year_2999",
        "a year of 2999",
        "population",
        _csv(POP_HEADER, *pop(period="2999")),
        1,
        ["2999"],
    )
    c.add(
        "bad_area_code",
        "an area code one character short",
        "population",
        _csv(POP_HEADER, *pop(), f"E0699900,{NAME},2019,Female,6,10"),
        1,
        ["E0699900"],
    )
    c.add(
        "area_code_lowercase_junk",
        "an area code that is a name",
        "population",
        _csv(POP_HEADER, *pop(), f"Ambridge,{NAME},2019,Female,6,10"),
        1,
        ["Ambridge"],
    )
    c.add(
        "blank_area_code",
        "a blank area code",
        "population",
        _csv(POP_HEADER, *pop(), f",{NAME},2019,Female,6,10"),
        1,
        ["area_code"],
    )

    # -- numbers ------------------------------------------------------------------------------
    def bad_number(
        name: str, what: str, value: str, words: list[str], options: list[str] | None = None
    ) -> None:
        c.add(
            name,
            what,
            "population",
            _csv(POP_HEADER, *pop(), f"{AREA},{NAME},2019,Female,6,{value}"),
            1,
            words,
            options=options or [],
        )

    bad_number("decimal_comma", "1000,5 (decimal comma or thousands?)", '"1000,5"', ["1000,5"])
    bad_number("dot_thousands", "1.000 (a thousand, or one?)", "1.000", ["1.000"])
    bad_number("inf", "inf as a population", "inf", ["inf"])
    bad_number("minus_inf", "-inf as a population", "-inf", ["-inf"])
    bad_number("nan", "nan as a population", "nan", ["nan"])
    bad_number("huge", "10^30 as a population", "1e30", ["1e30"])
    bad_number("negative", "a negative population", "-12", ["-12"])
    bad_number("text_value", "n/a as a population", "n/a", ["n/a"])
    bad_number(
        "fraction_comma_decimal",
        "2,5 read with --decimal . (a comma)",
        '"2,5"',
        ["2,5"],
        ["--decimal", "."],
    )
    bad_number("hex", "0x1F as a population", "0x1F", ["0x1F"])
    bad_number("percent", "12% as a population", "12%", ["12%"])

    # -- deaths and events --------------------------------------------------------------------
    c.add(
        "deaths_negative",
        "a negative death count",
        "deaths",
        _csv(DEATHS_HEADER, *c.deaths_rows(), f"{AREA},{NAME},2020,Female,15-19,Cancer,-1"),
        1,
        ["-1"],
    )
    c.add(
        "deaths_text",
        "a death count of 'x'",
        "deaths",
        _csv(DEATHS_HEADER, *c.deaths_rows(), f"{AREA},{NAME},2020,Female,15-19,Cancer,x"),
        1,
        ["'x'"],
    )
    c.add(
        "deaths_above_population",
        "deaths in broad bands above the single-year population",
        "deaths",
        _csv(DEATHS_HEADER, f"{AREA},{NAME},2020,Female,0-4,Cancer,999999"),
        1,
        ["999999"],
    )
    c.add(
        "deaths_inf",
        "deaths of inf",
        "deaths",
        _csv(DEATHS_HEADER, *c.deaths_rows(), f"{AREA},{NAME},2020,Female,15-19,Cancer,inf"),
        1,
        ["inf"],
    )
    c.add(
        "deaths_bad_band",
        "an age band 10-5",
        "deaths",
        _csv(DEATHS_HEADER, *c.deaths_rows(), f"{AREA},{NAME},2020,Female,10-5,Cancer,1"),
        1,
        ["10-5"],
    )
    c.add(
        "deaths_missing_count",
        "no deaths column",
        "deaths",
        _csv(
            "area_code,area_name,year,sex,age_band,cause", f"{AREA},{NAME},2020,Female,0-4,Cancer"
        ),
        1,
        ["deaths"],
    )
    c.add(
        "events_negative",
        "a negative admissions count",
        "events",
        _csv(EVENTS_HEADER, f"{AREA},{NAME},2020,Female,0-4,Emergency admissions,-5"),
        1,
        ["-5"],
    )
    c.add(
        "events_fraction",
        "2.5 admissions",
        "events",
        _csv(EVENTS_HEADER, f"{AREA},{NAME},2020,Female,0-4,Emergency admissions,2.5"),
        1,
        ["2.5"],
    )

    # -- fingertips ---------------------------------------------------------------------------
    def ft_row(value: str, count: str, denominator: str, lower: str = "", upper: str = "") -> str:
        return (
            f"90999,Test proportion (%),E92000001,England,{AREA},{NAME},Counties & UAs (from Apr 2023),"
            f"Persons,All ages,,,2022/23,{value},{lower},{upper},,,{count},{denominator},,,Similar,"
            "Not compared,20220000,,,1y"
        )

    c.add(
        "ft_count_above_denominator",
        "a proportion with count 120 of 100",
        "fingertips",
        _csv(FT_HEADER, ft_row("120", "120", "100")),
        1,
        ["120"],
    )
    c.add(
        "ft_limits_reversed",
        "a lower limit above the upper",
        "fingertips",
        _csv(FT_HEADER, ft_row("50", "50", "100", "60", "40")),
        1,
        ["60"],
    )
    c.add(
        "ft_value_text",
        "a value of 'x'",
        "fingertips",
        _csv(FT_HEADER, ft_row("x", "5", "10")),
        1,
        ["'x'"],
    )
    c.add(
        "ft_value_dash",
        "a value of '-' (not a Fingertips marker)",
        "fingertips",
        _csv(FT_HEADER, ft_row("-", "", "")),
        1,
        ["'-'", "blank"],
    )
    c.add(
        "ft_value_blank_suppressed",
        "a blank value, its reason in Value note (how Fingertips publishes a suppressed one)",
        "fingertips",
        _csv(
            FT_HEADER,
            ft_row("", "", "").replace(
                ",,,Similar,", ",Value suppressed for disclosure control reasons,,Similar,"
            ),
        ),
        0,
        ["loaded"],
        changes_workspace=True,
    )
    c.add(
        "ft_truncated_header",
        "a header cut after four columns",
        "fingertips",
        _csv(",".join(FT_HEADER.split(",")[:4]), "90999,Test,E92000001,England"),
        1,
        ["Area Code"],
    )
    c.add(
        "ft_bad_area",
        "an area code XYZ",
        "fingertips",
        _csv(FT_HEADER, ft_row("50", "50", "100").replace(AREA, "XYZ")),
        1,
        ["XYZ"],
    )
    c.add(
        "ft_practice_code_on_county",
        "a GP practice code on a row of a county",
        "fingertips",
        _csv(FT_HEADER, ft_row("50", "50", "100").replace(AREA, "A81001")),
        1,
        ["A81001", "Counties & UAs"],
    )
    c.add(
        "ft_bad_practice_code",
        "a trust-shaped code on a GP row",
        "fingertips",
        _csv(
            FT_HEADER,
            ft_row("50", "50", "100")
            .replace(AREA, "RBT")
            .replace("Counties & UAs (from Apr 2023)", "GPs"),
        ),
        1,
        ["RBT", "GPs"],
    )

    # -- deprivation, lookups -----------------------------------------------------------------
    imd = "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile"
    c.add(
        "imd_decile_11",
        "a decile of 11",
        "deprivation",
        _csv(imd, f"E01999001,A 001A,{AREA},{NAME},7217,11"),
        1,
        ["11"],
    )
    c.add(
        "imd_rank_zero",
        "a rank of 0",
        "deprivation",
        _csv(imd, f"E01999001,A 001A,{AREA},{NAME},0,3"),
        1,
        ["0"],
    )
    lookup = "LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM"
    c.add(
        "lookup_two_parents",
        "an LSOA in two local authorities",
        "lookup",
        _csv(
            lookup,
            f"E01999001,A,E02999001,A,E05999011,H,{AREA},{NAME}",
            "E01999001,A,E02999001,A,E05999011,H,E06999002,Borchester",
        ),
        1,
        ["more than one"],
    )

    # -- boundaries ---------------------------------------------------------------------------
    degrees = [[-1.63, 52.28], [-1.85, 52.22], [-1.73, 52.04], [-1.63, 52.28]]
    metres = [
        [430000.0, 270000.0],
        [440000.0, 270000.0],
        [440000.0, 260000.0],
        [430000.0, 270000.0],
    ]
    c.add(
        "geojson_metres",
        "British National Grid metres with no crs",
        "boundaries",
        _geojson([(AREA, metres)]),
        1,
        ["27700"],
        suffix=".geojson",
    )
    c.add(
        "geojson_crs_contradicts",
        "a crs of EPSG:27700 with coordinates in degrees",
        "boundaries",
        _geojson([(AREA, degrees)], crs="urn:ogc:def:crs:EPSG::27700"),
        1,
        ["27700"],
        suffix=".geojson",
    )
    c.add(
        "geojson_truncated",
        "a GeoJSON file cut off",
        "boundaries",
        _geojson([(AREA, degrees)])[:80],
        3,
        ["geojson_truncated.geojson"],
        suffix=".geojson",
    )
    c.add(
        "geojson_no_code",
        "features without an area code",
        "boundaries",
        _geojson([(AREA, degrees)]).replace("LAD24CD", "FID"),
        1,
        ["area code"],
        suffix=".geojson",
    )
    c.add("csv_as_boundaries", "a CSV given as boundaries", "boundaries", good, 3, ["boundaries"])

    # -- workbooks ----------------------------------------------------------------------------
    header = POP_HEADER.split(",")
    c.add(
        "xlsx_formulas",
        "formulas without cached values",
        "population",
        _xlsx([header, [AREA, NAME, "2019", "Female", 0, "=SUM(1,2)"]], formulas=True),
        3,
        ["cell F2", "formula"],
        suffix=".xlsx",
    )
    c.add(
        "xlsx_bomb",
        "a workbook that unpacks to 3 MB, with a 1 MB limit",
        "population",
        _workbook(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>area_code</t></is></c></row>', pad=3_000_000
        ),
        3,
        ["MB"],
        suffix=".xlsx",
        options=["--xlsx-max-mb", "1"],
    )
    c.add(
        "xlsx_too_many_rows",
        "more rows than --xlsx-max-rows",
        "population",
        _xlsx([header, *[[AREA, NAME, "2019", "Female", a, 900] for a in range(30)]]),
        3,
        ["rows"],
        suffix=".xlsx",
        options=["--xlsx-max-rows", "10"],
    )
    c.add(
        "xlsx_skip_past_end",
        "--skip-rows beyond the last row",
        "population",
        _xlsx([header, [AREA, NAME, "2019", "Female", 0, 900]]),
        3,
        ["skip"],
        suffix=".xlsx",
        options=["--skip-rows", "50"],
    )
    c.add(
        "xlsx_not_a_zip",
        "a .xlsx that is a CSV",
        "population",
        good,
        3,
        ["xlsx_not_a_zip.xlsx"],
        suffix=".xlsx",
    )

    # -- hostile cells (loaded as text; neutralised on the way out) ---------------------------
    c.add(
        "formula_injection_name",
        "area names that start with =, +, -, @",
        "population",
        _csv(
            POP_HEADER,
            *[
                r.replace(NAME, f'"{p}HYPERLINK(""http://x"",""y"")"')
                for p, r in zip("=+-@", pop(4, period="2016"), strict=True)
            ],
        ),
        0,
        ["population"],
        changes_workspace=True,
    )

    # -- the command line ---------------------------------------------------------------------
    c.add("unknown_kind", "a kind jsna does not have", "populaton", good, 2, ["populaton"])
    c.add(
        "validate_negative",
        "jsna validate on a negative count",
        "population",
        _csv(POP_HEADER, *pop(), f"{AREA},{NAME},2019,Female,6,-4"),
        1,
        ["-4"],
        command="validate",
    )
    c.add(
        "validate_utf16",
        "jsna validate on UTF-16 without a BOM",
        "population",
        good.encode("utf-16-be"),
        3,
        ["UTF-16", "big-endian"],
        command="validate",
    )
    c.write_manifest()
    return c.cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    cases = build(args.out, args.seed)
    print(f"{len(cases)} cases written to {args.out / 'cases.json'}")


if __name__ == "__main__":
    main()
