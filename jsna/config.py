"""jsna.toml: the project configuration, validated with pydantic.

Paths in the file are relative to the file's folder. Environment variables override
single settings: ``JSNA_AREA``, ``JSNA_BENCHMARK``, ``JSNA_OUTPUT_DIR``, ``JSNA_WORKSPACE``,
``JSNA_RUN_DATE``.
"""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jsna.errors import ConfigError

CONFIG_FILE = "jsna.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectSettings(_Strict):
    name: str = "Joint Strategic Needs Assessment"
    area: str | None = Field(default=None, description="GSS code of the area the report is about")
    benchmark: str = "E92000001"
    workspace: str = "jsna.duckdb"
    run_date: date | None = None

    @field_validator("area", "benchmark")
    @classmethod
    def _gss(cls, value: str | None) -> str | None:
        from jsna.ingest.fields import GSS_PATTERN

        if value is not None and not GSS_PATTERN.match(value):
            raise ValueError(f"must be an ONS GSS code like E06000001, got {value!r}")
        return value


class OrganisationSettings(_Strict):
    name: str = ""
    logo: str | None = None
    colour: str = "#12436D"


class InputSpec(_Strict):
    kind: str
    path: str
    sheet: str | None = None
    skip_rows: int | None = None
    encoding: str | None = None
    period: str | None = None
    variant: str | None = None
    measure: str | None = None
    vintage: str | None = None
    map: dict[str, str] = Field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"kind", "path", "map"}, exclude_none=True)
        data["column_map"] = self.map
        return data


class ReportSettings(_Strict):
    formats: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html"])
    output_dir: str = "output"
    narrative_dir: str = "narrative"
    templates_dir: str | None = None
    title: str | None = None
    section_intros: dict[str, str] = Field(default_factory=dict)


class IndicatorSettings(_Strict):
    disabled: list[str] = Field(default_factory=list)


class FingertipsSettings(_Strict):
    sections: dict[str, str] = Field(default_factory=dict)
    polarity: dict[str, str] = Field(default_factory=dict)


class Config(_Strict):
    project: ProjectSettings = Field(default_factory=ProjectSettings)
    organisation: OrganisationSettings = Field(default_factory=OrganisationSettings)
    inputs: list[InputSpec] = Field(default_factory=list)
    report: ReportSettings = Field(default_factory=ReportSettings)
    indicators: IndicatorSettings = Field(default_factory=IndicatorSettings)
    fingertips: FingertipsSettings = Field(default_factory=FingertipsSettings)

    #: folder the config file lives in (not part of the file)
    root: Path = Field(default=Path("."), exclude=True)

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


_ENV = {
    "JSNA_AREA": ("project", "area"),
    "JSNA_BENCHMARK": ("project", "benchmark"),
    "JSNA_WORKSPACE": ("project", "workspace"),
    "JSNA_RUN_DATE": ("project", "run_date"),
    "JSNA_OUTPUT_DIR": ("report", "output_dir"),
}


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number in the TOML text for a pydantic error location."""
    lines = text.splitlines()
    keys = [str(k) for k in loc if not isinstance(k, int)]
    section = keys[0] if keys else None
    key = keys[-1] if len(keys) > 1 else None
    in_section = section is None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[]").strip()
            in_section = name == section
            if in_section and key is None:
                return number
            continue
        if in_section and key and stripped.split("=")[0].strip() == key:
            return number
    return None


def load_config(path: Path | None = None, *, root: Path | None = None) -> Config:
    """Read and validate ``jsna.toml`` (defaults when ``path`` is None and none exists)."""
    if path is None:
        candidate = (root or Path.cwd()) / CONFIG_FILE
        if not candidate.exists():
            config = Config(root=(root or Path.cwd()).resolve())
            return _apply_env(config)
        path = candidate
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        config = Config.model_validate({**data, "root": path.parent.resolve()})
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc)
            line = _line_of(text, loc)
            at = f" (line {line})" if line else ""
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            messages.append(f"{path.name}{at}: {where}: {msg}")
        raise ConfigError("\n".join(messages)) from exc
    return _apply_env(config)


def _apply_env(config: Config) -> Config:
    data = config.model_dump()
    changed = False
    for var, (section, key) in _ENV.items():
        if var in os.environ:
            data[section][key] = os.environ[var]
            changed = True
    if not changed:
        return config
    try:
        return Config.model_validate({**data, "root": config.root})
    except ValidationError as exc:
        raise ConfigError(f"environment override is invalid: {exc.errors()[0]['msg']}") from exc


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
narrative_dir = "narrative"

[indicators]
disabled = []
"""
