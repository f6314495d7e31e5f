"""jsna.toml: the project configuration, validated with pydantic.

Paths in the file are relative to the file's folder. Environment variables override
single settings: ``JSNA_AREA``, ``JSNA_BENCHMARK``, ``JSNA_OUTPUT_DIR``, ``JSNA_WORKSPACE``,
``JSNA_RUN_DATE``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from jsna.errors import ConfigError
from jsna.options import ReadOptions, YearType, option_fields

CONFIG_FILE = "jsna.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectSettings(_Strict):
    name: str = "Joint Strategic Needs Assessment"
    area: str | None = Field(default=None, description="GSS code of the area the report is about")
    benchmark: str = "E92000001"
    workspace: str = "jsna.duckdb"
    run_date: date | None = None
    allow_outside: bool = Field(
        default=False,
        description="allow inputs, logo, templates and narrative outside the project folder",
    )

    @field_validator("area", "benchmark")
    @classmethod
    def _gss(cls, value: str | None) -> str | None:
        from jsna.vocabulary.areas import GSS_PATTERN

        if value is not None and not GSS_PATTERN.match(value):
            raise ValueError(f"must be an ONS GSS code like E06000001, got {value!r}")
        return value


class OrganisationSettings(_Strict):
    name: str = ""
    logo: str | None = None
    colour: str = "#12436D"
    accent_colour: str = "#28A197"
    website: str = ""
    contact: str = ""

    @field_validator("colour", "accent_colour")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        import re

        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError(f"must be a hex colour like #12436D, got {value!r}")
        return value


class _InputBase(_Strict):
    """What every ``[[inputs]]`` table has besides the read options: the file and its kind."""

    kind: str
    path: str

    def read_options(self) -> ReadOptions:
        """The read options of this input, without ``kind`` and ``path``."""
        return ReadOptions(**{spec.name: getattr(self, spec.name) for spec in option_fields()})

    def options(self) -> dict[str, Any]:
        """The read options given, as :meth:`ReadOptions.from_dict` takes them."""
        return {k: v for k, v in asdict(self.read_options()).items() if v is not None}


def _input_spec() -> type[_InputBase]:
    """The ``[[inputs]]`` model: ``kind``, ``path`` and every field of :class:`ReadOptions`,
    each checked by the same rule as on the command line (and keyed as in jsna.toml)."""
    from pydantic import AfterValidator, create_model

    annotated: Any = Annotated  # the annotations are made from the options model at run time
    definitions: dict[str, Any] = {}
    for spec in option_fields():
        validators = [AfterValidator(_checked(spec.check))] if spec.check else []
        # keyed as in jsna.toml; the field name too, as model_dump() gives it back
        alias = AliasChoices(spec.key, spec.name) if spec.key != spec.name else None
        info: Any = (
            Field(default_factory=dict, validation_alias=alias, description=spec.help)
            if spec.type is list
            else Field(default=None, ge=spec.minimum, validation_alias=alias, description=spec.help)
        )
        annotation = annotated[spec.annotation, *validators] if validators else spec.annotation
        definitions[spec.name] = (annotation, info)
    return create_model(
        "InputSpec",
        __base__=_InputBase,
        __doc__="One ``[[inputs]]`` table: a file, its kind, and the options of ReadOptions.",
        __module__=__name__,
        **definitions,
    )


def _checked(check: Any) -> Any:
    def validate(value: Any) -> Any:
        if value is not None:
            check(value)
        return value

    return validate


if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    InputSpec = _InputBase
else:
    InputSpec = _input_spec()


def projection_settings(config: Config, **given: Any) -> ProjectionSettings:
    """``[projections]`` with a command's options (``horizon=``, ``year_type=``) put in, checked
    by the same rules as jsna.toml; a bad value is a UsageError naming the option."""
    from jsna.errors import UsageError

    update = {k: v for k, v in given.items() if v is not None}
    try:
        return ProjectionSettings.model_validate({**config.projections.model_dump(), **update})
    except ValidationError as exc:
        raise UsageError(
            "\n".join(
                f"--{str(e['loc'][0]).replace('_', '-')}: {error_message(e)}" for e in exc.errors()
            )
        ) from exc


def _html_only() -> list[Literal["html", "pdf"]]:
    return ["html"]


class ReportSettings(_Strict):
    formats: list[Literal["html", "pdf"]] = Field(default_factory=_html_only)
    output_dir: str = "output"
    narrative_dir: str = "narrative"
    templates_dir: str | None = None
    title: str | None = None
    subtitle: str | None = None
    section_intros: dict[str, str] = Field(default_factory=dict)
    footer: str = ""
    maps: bool = True
    workers: int | None = Field(
        default=None, ge=1, description="processes for --all-areas (default: CPU count)"
    )


class DisclosureSettings(_Strict):
    """Statistical disclosure control applied when rendering (stored results keep true values)."""

    enabled: bool = True
    suppress_from: int = Field(default=1, ge=0)
    suppress_to: int = Field(default=7, ge=0)
    symbol: str = "*"
    rounding_base: int = Field(default=5, ge=1)
    small_area_types: list[str] = Field(
        default_factory=lambda: ["LSOA", "MSOA", "Ward", "Output area", "OA", "Electoral ward"]
    )
    rates_on_suppressed: Literal["suppress", "mark"] = "suppress"
    marker: str = "†"


#: confidence levels a RAG rating can use: Fingertips offers 95% and 99.8%
RAG_CONFIDENCES = (0.95, 0.998)
#: ``ci_method`` an indicator can ask for: Poisson ("phe", "exact", "byars") or proportion
#: ("wilson", "exact") limits (see jsna.indicators.methods.poisson_interval / proportion_interval)
CI_METHODS = ("phe", "exact", "byars", "wilson")


def _rag_level(value: Any) -> float:
    """95 / 0.95 -> 0.95, 99.8 / 0.998 -> 0.998; anything else is an error naming the choices."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"rag_confidence must be 0.95 or 0.998 (or 95 or 99.8), got {value!r}")
    level = value / 100 if value > 1 else float(value)
    for allowed in RAG_CONFIDENCES:
        if abs(level - allowed) < 1e-12:
            return allowed
    raise ValueError(f"rag_confidence must be 0.95 or 0.998 (or 95 or 99.8), got {value!r}")


def _z_setting(value: Any) -> Any:
    """``z`` as one number > 0 or a table of confidence level -> number > 0."""
    if value is None:
        return None
    items = value.items() if isinstance(value, dict) else [(None, value)]
    for key, z in items:
        if key is not None:
            try:
                level = float(key)
            except ValueError:
                raise ValueError(
                    f'z keys must be confidence levels such as "95", got {key!r}'
                ) from None
            if not (0 < level < 1 or 50 <= level < 100):
                raise ValueError(f'z keys must be confidence levels such as "95", got {key!r}')
        if isinstance(z, bool) or not isinstance(z, int | float) or not 0 < z < float("inf"):
            raise ValueError(f"z must be a number > 0, got {z!r}")
    return value


class IndicatorOptions(_Strict):
    """How one indicator's limits and RAG rating are computed (``[indicators.options.<id>]``)."""

    ci_method: Literal["phe", "exact", "byars", "wilson"] | None = Field(
        default=None,
        description="confidence-interval method: phe, exact or byars (counts); wilson or exact (proportions)",
    )
    z: float | dict[str, float] | None = Field(
        default=None,
        description='z instead of the exact normal quantile, e.g. 1.96, or {"95" = 1.96}',
    )
    rag_confidence: float | None = Field(
        default=None, description="level of the RAG rating against the benchmark: 95 or 99.8"
    )

    @field_validator("z", mode="before")
    @classmethod
    def _check_z(cls, value: Any) -> Any:
        return _z_setting(value)

    @field_validator("rag_confidence", mode="before")
    @classmethod
    def _check_rag(cls, value: Any) -> Any:
        return None if value is None else _rag_level(value)


class IndicatorSettings(_Strict):
    disabled: list[str] = Field(default_factory=list)
    rag_confidence: float = Field(
        default=0.95,
        description="level of every RAG rating against the benchmark: 95 (default) or 99.8",
    )
    options: dict[str, IndicatorOptions] = Field(
        default_factory=dict, description="per-indicator ci_method, z and rag_confidence"
    )

    @field_validator("rag_confidence", mode="before")
    @classmethod
    def _check_rag(cls, value: Any) -> Any:
        return _rag_level(value)


class FingertipsSettings(_Strict):
    sections: dict[str, str] = Field(default_factory=dict)
    polarity: dict[str, str] = Field(default_factory=dict)


class AnalysisSettings(_Strict):
    """Sections 7-10: simulation settings shared by inequalities, projections and value for money."""

    seed: int = Field(
        default=20_070_101, description="seed of every simulation, so reports are reproducible"
    )
    repetitions: int = Field(
        default=10_000, ge=1000, description="simulations for SII/HEAT/ROI intervals"
    )


class ProjectionSettings(_Strict):
    horizon: int = Field(
        default=10, ge=1, le=50, description="years projected beyond the latest data"
    )
    year_type: YearType = "calendar"
    base_years: int = Field(
        default=3, ge=1, le=10, description="years of activity pooled for the use rates"
    )
    principal: str | None = Field(
        default=None, description="central population variant (default: 'principal')"
    )
    repetitions: int = Field(default=2_000, ge=200)


class ScenarioSettings(_Strict):
    """A user scenario shown beside the baseline, e.g. "prevalence falls 1% a year"."""

    name: str
    applies_to: list[str] = Field(
        default_factory=list, description="measures/conditions changed (empty: all)"
    )
    annual_change: float = Field(
        default=0.0, gt=-1, description="-0.01 = falls 1% a year (compounding)"
    )
    step_change: float = Field(
        default=0.0, gt=-1, description="-0.10 = a one-off 10% fall from `start`"
    )
    start: int | None = Field(
        default=None, description="first calendar year affected (default: first projected)"
    )


class RoiSettings(_Strict):
    """One intervention for the return-on-investment model (section 10)."""

    name: str
    cost: float = Field(ge=0, description="total cost of the intervention (£)")
    cost_low: float | None = None
    cost_high: float | None = None
    reached: float = Field(gt=0, description="people reached")
    reached_low: float | None = None
    reached_high: float | None = None
    effect: float = Field(
        description="outcomes avoided per person reached per year (e.g. 0.02 admissions)"
    )
    effect_low: float | None = None
    effect_high: float | None = None
    value_per_outcome: float = Field(description="£ saved (or QALY value) per outcome")
    value_low: float | None = None
    value_high: float | None = None
    horizon_years: int = Field(default=5, ge=1, le=50)
    discount_rate: float = Field(
        default=0.035, ge=0, lt=1, description="HM Treasury Green Book 3.5%"
    )

    @model_validator(mode="after")
    def _ranges(self) -> RoiSettings:
        for what in ("cost", "reached", "effect", "value"):
            low, high = getattr(self, f"{what}_low"), getattr(self, f"{what}_high")
            if (low is None) != (high is None):
                raise ValueError(f"give both {what}_low and {what}_high, or neither")
            if low is not None and high is not None and low > high:
                raise ValueError(f"{what}_low ({low:g}) is above {what}_high ({high:g})")
        return self


class PhbSettings(_Strict):
    """Personal health budgets: who is eligible and the uptake scenarios to model (section 10)."""

    eligible: float | None = Field(
        default=None, gt=0, description="people eligible for a PHB in the area"
    )
    uptake_from: float = Field(default=0.01, gt=0, le=1)
    uptake_to: float = Field(default=0.05, gt=0, le=1)
    budget_sizes: list[float] = Field(default_factory=lambda: [5_000.0, 15_000.0, 40_000.0])

    @field_validator("budget_sizes")
    @classmethod
    def _positive_sizes(cls, value: list[float]) -> list[float]:
        if not value or any(size <= 0 for size in value):
            raise ValueError(f"must be one or more budget sizes in £ above 0, got {value}")
        return value

    @model_validator(mode="after")
    def _uptake_range(self) -> PhbSettings:
        if self.uptake_from > self.uptake_to:
            raise ValueError(
                f"uptake_from ({self.uptake_from:g}) is above uptake_to ({self.uptake_to:g})"
            )
        return self


class IpcCohort(_Strict):
    """One integrated personal commissioning cohort: where its size comes from and, if known, its
    average combined health and social care budget."""

    name: str = Field(min_length=1, description="cohort name as the report shows it")
    condition: str = Field(
        min_length=1,
        description="the `condition` of the loaded prevalence rates that sizes it (case-insensitive)",
    )
    min_age: int | None = Field(default=None, ge=0, description="youngest age counted")
    max_age: int | None = Field(default=None, ge=0, description="oldest age counted")
    average_budget: float | None = Field(
        default=None,
        ge=0,
        description="average combined health and social care budget, £ a year per person "
        "(your own figure: no national default is published)",
    )
    budget_source: str | None = Field(default=None, description="where the average budget is from")
    counts: list[str] | None = Field(
        default=None,
        description="ids of loaded indicators whose counts size the cohort before any prevalence "
        "rate (QOF registers such as 200, census or SEN counts), the first with figures for the "
        "area used; unset = the register or count of the condition (docs/report.md: none for "
        "frailty, which is sized from prevalence × population), [] = none",
    )
    count_category: str | None = Field(
        default=None,
        description="count only the rows whose category starts with this text (a census table's "
        "'Disabled under the Equality Act'); unset = the rows without a category",
    )

    @model_validator(mode="after")
    def _ages(self) -> IpcCohort:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) is above max_age ({self.max_age})")
        return self


def _default_cohorts() -> list[IpcCohort]:
    """The four high-need groups integrated personal commissioning targets (NHS England, IPC
    emerging framework, 2016), each sized from a prevalence condition of that name if loaded."""
    return [
        IpcCohort(
            name="Long-term conditions and frailty (older people at risk of care-home admission)",
            condition="Frailty",
            min_age=65,
        ),
        IpcCohort(name="Children with complex needs", condition="Complex needs", max_age=17),
        IpcCohort(name="People with learning disabilities", condition="Learning disability"),
        IpcCohort(
            name="People with severe and enduring mental illness", condition="Severe mental illness"
        ),
    ]


class IpcSettings(_Strict):
    """Integrated personal commissioning (section 10): the cohorts to size and their budgets."""

    cohorts: list[IpcCohort] = Field(default_factory=_default_cohorts)

    @field_validator("cohorts")
    @classmethod
    def _unique_names(cls, value: list[IpcCohort]) -> list[IpcCohort]:
        names = [c.name for c in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"cohort names must be unique, {', '.join(twice)} given twice")
        return value


AllocationGroup = Literal["area", "client_group", "age_band", "sex", "deprivation_decile"]
ALLOCATION_GROUPS: tuple[AllocationGroup, ...] = (
    "area",
    "client_group",
    "age_band",
    "sex",
    "deprivation_decile",
)


class AllocationSettings(_Strict):
    """Resource allocation (section 10): the envelope that sets the price per point, and the
    groups whose £ per point is compared with the whole."""

    envelope_gbp: float | None = Field(
        default=None,
        gt=0,
        description="the money to share a year (£); without it, the agreed budgets' total",
    )
    area_level: Literal["LSOA", "Ward", "MSOA", "LA"] = Field(
        default="Ward", description="the areas whose £ per point is compared"
    )
    group_by: list[AllocationGroup] = Field(
        default_factory=lambda: list(ALLOCATION_GROUPS),
        description="the groups whose £ per point is compared with the whole",
    )
    calibrate_by_client_group: bool = Field(
        default=True, description="also fit budgets to points within each client group"
    )
    tolerance: float = Field(
        default=0.10,
        gt=0,
        lt=1,
        description="an agreed budget within this share of the indicative one counts as close",
    )


class CompareSettings(_Strict):
    """Year-on-year comparison with an earlier run's results (a results.csv or any Fingertips download)."""

    previous_results: str | None = Field(
        default=None, description="results CSV of an earlier run, e.g. ../2024/output/results.csv"
    )
    label: str = Field(
        default="the previous report", description="how the report names the earlier run"
    )
    confidence: float = Field(
        default=0.95, gt=0, lt=1, description="confidence level of the z-test"
    )


class ComparatorSettings(_Strict):
    """Which areas the report compares its area with (bar charts, the 'similar areas' chart, funnels).

    Give an explicit list of GSS codes, or a CSV of nearest neighbours (``area_code``,
    ``neighbour_code``, ``rank``: CIPFA's, say) or of area groups (``area_code``, ``group``: ONS's
    area classification supergroups). Without either, the comparators are the other areas of the
    same tier in the area's region (found from the loaded lookups).
    """

    areas: list[str] = Field(default_factory=list, description="GSS codes of the comparator areas")
    neighbours_file: str | None = Field(
        default=None, description="CSV of nearest neighbours or area groups"
    )
    neighbours: int = Field(
        default=15, ge=1, le=100, description="how many nearest neighbours to take"
    )
    name: str | None = Field(
        default=None, description="how the report names the set, e.g. 'CIPFA nearest neighbours'"
    )

    @field_validator("areas")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        from jsna.vocabulary.areas import GSS_PATTERN

        bad = [v for v in value if not GSS_PATTERN.match(v)]
        if bad:
            raise ValueError(
                f"must be ONS GSS codes like E08000009, got {', '.join(map(repr, bad))}"
            )
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ComparatorSettings:
        if self.areas and self.neighbours_file:
            raise ValueError("give either areas or neighbours_file, not both")
        return self


class Config(_Strict):
    project: ProjectSettings = Field(default_factory=ProjectSettings)
    organisation: OrganisationSettings = Field(default_factory=OrganisationSettings)
    inputs: list[InputSpec] = Field(default_factory=list)
    report: ReportSettings = Field(default_factory=ReportSettings)
    indicators: IndicatorSettings = Field(default_factory=IndicatorSettings)
    fingertips: FingertipsSettings = Field(default_factory=FingertipsSettings)
    disclosure: DisclosureSettings = Field(default_factory=DisclosureSettings)
    compare: CompareSettings = Field(default_factory=CompareSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    projections: ProjectionSettings = Field(default_factory=ProjectionSettings)
    scenarios: list[ScenarioSettings] = Field(default_factory=list)
    roi: list[RoiSettings] = Field(default_factory=list)
    phb: PhbSettings = Field(default_factory=PhbSettings)
    ipc: IpcSettings = Field(default_factory=IpcSettings)
    allocation: AllocationSettings = Field(default_factory=AllocationSettings)
    comparators: ComparatorSettings = Field(default_factory=ComparatorSettings)

    #: folder the config file lives in (not part of the file)
    root: Path = Field(default=Path("."), exclude=True)
    #: the file it was read from, its text (for line numbers), and the JSNA_* overrides applied
    _source: Path | None = PrivateAttr(default=None)
    _text: str = PrivateAttr(default="")
    _overrides: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def overrides(self) -> dict[str, str]:
        """``JSNA_*`` environment variables applied, as variable -> dotted setting."""
        return dict(self._overrides)

    def where(self, *loc: str | int) -> str:
        """``jsna.toml (line N)`` for a setting, for messages."""
        name = self._source.name if self._source else CONFIG_FILE
        line = line_of(self._text, tuple(loc)) if self._text else None
        return f"{name} (line {line})" if line else name

    def missing_files(self) -> list[str]:
        """One message per file the config names that does not exist, naming its line."""
        problems = []
        for number, spec in enumerate(self.inputs):
            path = self.path(spec.path)
            if not path.exists():
                problems.append(
                    f"{self.where('inputs', number, 'path')}: inputs[{number}].path: "
                    f"file not found: {path}"
                )
        named = [
            (("organisation", "logo"), self.organisation.logo, "file"),
            (("report", "templates_dir"), self.report.templates_dir, "folder"),
            (("compare", "previous_results"), self.compare.previous_results, "file"),
            (("comparators", "neighbours_file"), self.comparators.neighbours_file, "file"),
        ]
        for loc, value, what in named:
            if value and not self.path(value).exists():
                problems.append(
                    f"{self.where(*loc)}: {'.'.join(loc)}: {what} not found: {self.path(value)}"
                )
        return problems

    def outside_paths(self) -> list[str]:
        """One message per file or folder the config reads from outside the project folder
        (inputs, logo, templates, narrative), unless ``[project] allow_outside = true``.

        A report is published, so a config (perhaps from someone else) must not make it read
        ``/etc/passwd`` or another folder's files without saying so; symbolic links are followed.
        """
        if self.project.allow_outside:
            return []
        root = self.root.resolve()
        named: list[tuple[tuple[str | int, ...], str | None]] = [
            (("inputs", number, "path"), spec.path) for number, spec in enumerate(self.inputs)
        ]
        named += [
            (("organisation", "logo"), self.organisation.logo),
            (("report", "templates_dir"), self.report.templates_dir),
            (("report", "narrative_dir"), self.report.narrative_dir),
        ]
        problems = []
        for loc, value in named:
            if not value:
                continue
            real = self.path(value).resolve()
            if not real.is_relative_to(root):
                setting = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc)
                problems.append(
                    f"{self.where(*loc)}: {setting.replace('.[', '[')}: {value!r} is outside the "
                    f"project folder {root} (it resolves to {real}); move it into the project, or "
                    "set allow_outside = true under [project] to allow it"
                )
        return problems

    def logo_image(self) -> tuple[str, bytes] | None:
        """The organisation's logo as (MIME type, bytes), or None when there is none.

        The type is read from the file's content, not its name: only a PNG, JPEG, GIF, WebP or
        SVG image is embedded, so a config cannot publish another kind of file as the logo.
        """
        if not self.organisation.logo:
            return None
        path = self.path(self.organisation.logo)
        where = f"{self.where('organisation', 'logo')}: organisation.logo"
        if not path.is_file():
            raise ConfigError(f"{where}: file not found: {path}")
        data = path.read_bytes()
        mime = image_type(data)
        if mime is None:
            raise ConfigError(
                f"{where}: {path.name} is not an image (expected a PNG, JPEG, GIF, WebP or SVG "
                f"file; its first bytes are {data[:8]!r})"
            )
        return mime, data

    def path(self, relative: str) -> Path:
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self.root / p)

    @property
    def workspace_path(self) -> Path:
        return self.path(self.project.workspace)

    @property
    def output_dir(self) -> Path:
        return self.path(self.report.output_dir)

    @property
    def narrative_dir(self) -> Path:
        return self.path(self.report.narrative_dir)

    def run_date(self) -> date:
        """Date printed on the report: config, then SOURCE_DATE_EPOCH, then today."""
        if self.project.run_date:
            return self.project.run_date
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            return datetime.fromtimestamp(int(epoch), UTC).date()
        return datetime.now(UTC).date()


def image_type(data: bytes) -> str | None:
    """The MIME type of an image from its first bytes (PNG, JPEG, GIF, WebP, SVG), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"<svg", b"<?xml", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head:
        return "image/svg+xml"
    return None


#: short names kept for the common overrides; every setting also has JSNA_<TABLE>_<KEY>
_ENV = {
    "JSNA_AREA": ("project", "area"),
    "JSNA_BENCHMARK": ("project", "benchmark"),
    "JSNA_WORKSPACE": ("project", "workspace"),
    "JSNA_RUN_DATE": ("project", "run_date"),
    "JSNA_OUTPUT_DIR": ("report", "output_dir"),
    "JSNA_PREVIOUS_RESULTS": ("compare", "previous_results"),
}


def _toml_key(stripped: str) -> str | None:
    """The (first part of the) key a ``key = value`` line sets, unquoted."""
    if "=" not in stripped or stripped.startswith("#"):
        return None
    key = stripped.split("=", 1)[0].strip()
    return key.split(".")[0].strip().strip('"').strip("'")


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Line number in TOML ``text`` of a setting given as a pydantic error location.

    ``("project", "area")`` finds ``area =`` under ``[project]``; ``("inputs", 2, "kind")``
    finds ``kind =`` in the third ``[[inputs]]``; a location naming a table (or a key the
    table lacks) gives the table's header line. Keys written inline at the top level
    (``project.area = ...``) and sub-tables (``[fingertips.sections]``) are found too.
    """
    import re

    if not loc:
        return None
    table, rest = str(loc[0]), list(loc[1:])
    index = rest.pop(0) if rest and isinstance(rest[0], int) else None
    key = next((str(k) for k in rest if not isinstance(k, int)), None)
    header_pattern = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]\]?")
    header = None
    current: str | None = None
    occurrence = -1
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        match = header_pattern.match(stripped)
        if match:
            current = match.group(1)
            if key is not None and current == f"{table}.{key}":
                return number
            if current == table:
                occurrence += stripped.startswith("[[")
                in_table = index is None or occurrence == index
                if in_table and header is None:
                    header = number
            else:
                in_table = False
            continue
        if current is None and _toml_key(stripped) == table:  # project.area = … or project = {…}
            return number
        if in_table and key is not None and _toml_key(stripped) == key:
            return number
    return header


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys a table at ``loc`` (minus its last element) accepts."""
    model: Any = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        model = (
            inner[0]
            if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel)
            else annotation
        )
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
    return [_toml_name(name, info) for name, info in model.model_fields.items() if name != "root"]


def _toml_name(name: str, info: Any) -> str:
    """The key a setting has in jsna.toml: its (first) validation alias, else its name."""
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        alias = alias.choices[0]
    return alias if isinstance(alias, str) else name


def error_message(err: ErrorDetails) -> str:
    """A pydantic error in words: what was expected and what was found."""
    import difflib

    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key {str(loc[-1])!r}{hint} (allowed: {', '.join(allowed)})"
    if err["type"] == "missing":
        return "required setting is missing"
    message = str(err["msg"]).removeprefix("Value error, ")
    found = err.get("input")
    if found is not None and not isinstance(found, dict | list) and "got" not in message:
        message += f", got {found!r} ({type(found).__name__})"
    return message


def load_config(path: Path | None = None, *, root: Path | None = None) -> Config:
    """Read and validate ``jsna.toml`` (defaults when ``path`` is None and none exists).

    Every problem is reported at once, each naming the file, the line and the setting.
    ``JSNA_*`` environment variables are applied last (see :func:`apply_env`).
    """
    if path is None:
        candidate = (root or Path.cwd()) / CONFIG_FILE
        if not candidate.exists():
            return _checked_paths(apply_env(Config(root=(root or Path.cwd()).resolve())))
        path = candidate
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found (create one with: jsna init FOLDER)")
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give the path of its jsna.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from exc
    try:
        config = Config.model_validate({**data, "root": path.parent.resolve()})
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(
                ".[", "["
            )
            line = line_of(text, loc)
            at = f" (line {line})" if line else ""
            messages.append(f"{path.name}{at}: {where}: {error_message(err)}")
        raise ConfigError("\n".join(messages)) from exc
    config._source = path.resolve()
    config._text = text
    return _checked_paths(apply_env(config))


def _checked_paths(config: Config) -> Config:
    """``config``, once no path it reads lies outside the project (see :meth:`Config.outside_paths`)."""
    outside = config.outside_paths()
    if outside:
        raise ConfigError("\n".join(outside))
    return config


def _env_settings() -> dict[str, tuple[str, str]]:
    """Every JSNA_<TABLE>_<KEY> variable a setting can be overridden by (plus the short names)."""
    names = dict(_ENV)
    for table, field in Config.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for key in model.model_fields:
            names[f"JSNA_{table.upper()}_{key.upper()}"] = (table, key)
    return names


def apply_env(config: Config, environ: dict[str, str] | None = None) -> Config:
    """Apply ``JSNA_<TABLE>_<KEY>`` environment variables (and the short names in ``_ENV``).

    ``JSNA_REPORT_FORMATS=html,pdf`` sets a list (comma-separated, or a JSON array); an empty
    value sets a setting back to nothing where that is allowed. A variable that starts like
    a table (``JSNA_REPORT_…``) but names no setting is an error, so a typo never passes
    silently. Dictionaries and ``[[inputs]]`` cannot be set from the environment.
    """
    import json

    environ = dict(os.environ if environ is None else environ)
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch and not epoch.strip().isdigit():  # read by jsna and by matplotlib: check it once, here
        raise ConfigError(
            "environment variable SOURCE_DATE_EPOCH must be seconds since 1970-01-01 "
            f"(a whole number such as 1767225600), got {epoch!r}"
        )
    settings = _env_settings()
    tables = sorted(
        (t for t, f in Config.model_fields.items() if t != "root"), key=len, reverse=True
    )
    data = config.model_dump()
    applied: dict[str, str] = {}
    problems = []
    for var in sorted(environ):
        if not var.startswith("JSNA_"):
            continue
        if var not in settings:
            table = next(
                (
                    t
                    for t in tables
                    if var.startswith(f"JSNA_{t.upper()}_") or var == f"JSNA_{t.upper()}"
                ),
                None,
            )
            if table is not None:
                keys = sorted(
                    k
                    for k, (t, _) in settings.items()
                    if t == table and k.startswith("JSNA_" + table.upper())
                )
                problems.append(
                    f"environment variable {var}: no such setting in [{table}]"
                    + (f"; settings are {', '.join(keys)}" if keys else "")
                )
            continue
        table, key = settings[var]
        raw = environ[var]
        current = data[table][key]
        if isinstance(current, dict):
            problems.append(
                f"environment variable {var}: {table}.{key} is a table; set it in jsna.toml"
            )
            continue
        if isinstance(current, list):
            value: Any = (
                json.loads(raw)
                if raw.strip().startswith("[")
                else [v.strip() for v in raw.split(",") if v.strip()]
            )
        else:
            value = None if raw == "" else raw
        data[table][key] = value
        applied[var] = f"{table}.{key}"
    if problems:
        raise ConfigError("\n".join(problems))
    if not applied:
        return config
    try:
        updated = Config.model_validate({**data, "root": config.root})
    except ValidationError as exc:
        by_setting = {v: k for k, v in applied.items()}
        messages = []
        for err in exc.errors():
            setting = ".".join(str(p) for p in err["loc"][:2])
            var = by_setting.get(setting, "environment override")
            messages.append(f"environment variable {var} ({setting}): {error_message(err)}")
        raise ConfigError("\n".join(messages)) from exc
    updated._source = config._source
    updated._text = config._text
    updated._overrides = applied
    return updated


DEFAULT_TOML = """\
# jsna project configuration. Paths are relative to this file.

[project]
name = "{name}"
# area = "E06000001"        # GSS code of the area the report is about
benchmark = "E92000001"     # England
workspace = "jsna.duckdb"
# run_date = 2025-03-31     # date printed on the report (else SOURCE_DATE_EPOCH, else today)

[organisation]
name = ""
colour = "#12436D"

# One [[inputs]] table per file; `jsna run` ingests them in order.
# [[inputs]]
# kind = "population"
# path = "inputs/population.csv"

[report]
formats = ["html"]
output_dir = "output"
narrative_dir = "narrative"   # narrative/<section>.md, or narrative/<area code>/<section>.md for one area
# title = "Trafford JSNA 2025"  # default: "<area name> Joint Strategic Needs Assessment"

# The areas each area is compared with. Default: the other councils of the same tier in its
# region (read from a loaded lookup with region codes). Or name them:
# [comparators]
# areas = ["E08000001", "E08000002"]              # GSS codes, or instead:
# neighbours_file = "inputs/cipfa_neighbours.csv" # area_code,neighbour_code,rank (or area_code,group)
# neighbours = 15                                 # nearest neighbours to take
# name = "CIPFA nearest neighbours"               # how the report names the set

[indicators]
disabled = []
# rag_confidence = 95          # RAG against the benchmark at 95 (default) or 99.8
# [indicators.options.mortality-all-causes-crude-rate]
# ci_method = "exact"          # phe (default), exact or byars; proportions: wilson or exact
# z = 1.96                     # z instead of 1.959964 (or {{"95" = 1.96}})
# rag_confidence = 99.8
"""
