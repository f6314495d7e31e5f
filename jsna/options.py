"""The options of one input file, declared once.

:class:`ReadOptions` is the one declaration (name, type, help text, command-line flag, key in
``jsna.toml``, allowed values) of the options a user can give for a file. Everything else is
made from its fields (see :func:`option_fields`):

- the options of ``jsna ingest`` and ``jsna validate`` (built by :mod:`jsna.cli`),
- the ``[[inputs]]`` table of ``jsna.toml`` (:class:`jsna.config.InputSpec` is ``kind``,
  ``path`` and these fields, checked by the same rules),
- what an ingest source receives (``Source.parse(path, options)``).

Adding an option is one field here. Values are checked where they enter: on the command line
a bad value is a :class:`~jsna.errors.UsageError` naming the flag (:meth:`ReadOptions.from_cli`),
in ``jsna.toml`` a :class:`~jsna.errors.ConfigError` naming the line, from Python a
``ValueError``. This module imports only the standard library (``jsna --help`` stays fast).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_type_hints

from jsna.errors import UsageError
from jsna.vocabulary.tables import SEX_SPELLINGS

#: how projected years are labelled (``projections.year_type``, ``jsna project --year-type``):
#: calendar (2030) or financial (2030/31)
YearType = Literal["calendar", "financial"]


def parse_sex_codes(text: str | None) -> dict[str, str]:
    """``--sex-codes 1=Female,2=Male`` as a mapping of code to Male/Female/Persons.

    Raises ``ValueError`` naming the pair that is not ``CODE=SEX``.
    """
    if not text:
        return {}
    codes: dict[str, str] = {}
    for part in text.split(","):
        code, _, sex = part.partition("=")
        canonical = SEX_SPELLINGS.get(sex.strip().lower())
        if not code.strip() or canonical is None or sex.strip().isdigit():
            raise ValueError(
                f"--sex-codes takes CODE=SEX pairs such as 1=Female,2=Male, got {part.strip()!r}"
            )
        codes[code.strip().lower()] = canonical
    return codes


def parse_column_map(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``--map SOURCE=CANONICAL`` (repeated) as a mapping of file column to canonical name."""
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--map takes SOURCE=CANONICAL, got {item!r}")
        source, canonical = item.split("=", 1)
        mapping[source.strip()] = canonical.strip()
    return mapping


def check_encoding(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` names a text encoding Python can decode."""
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f"must be a text encoding such as utf-8, cp1252 or latin-1, got {value!r}"
        ) from None


def check_decimal(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is ``.`` or ``,`` (the decimal mark of a file)."""
    if value not in {".", ","}:
        raise ValueError(f"must be '.' or ',' (the file's decimal mark), got {value!r}")


#: the engines that can aggregate a record-level extract (``--engine``)
ENGINES = ("duckdb", "spark")


def check_engine(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is one of :data:`ENGINES`."""
    if value not in ENGINES:
        raise ValueError(f"must be one of {', '.join(ENGINES)}, got {value!r}")


def check_spark_remote(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is a Spark Connect address (``sc://HOST:PORT``)."""
    if not value.startswith("sc://") or len(value) <= len("sc://"):
        raise ValueError(
            f"must be a Spark Connect address such as sc://localhost:15002, got {value!r}"
        )


def check_sex_codes(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is ``CODE=SEX`` pairs (see :func:`parse_sex_codes`)."""
    parse_sex_codes(value)


@dataclass(frozen=True)
class OptionField:
    """One option of :class:`ReadOptions`, as the command line and jsna.toml see it."""

    name: str
    #: the type of a value given (``str``, ``int``); ``list`` for an option given once per
    #: value (``--map A=B --map C=D``), stored as a mapping
    type: type
    #: the field's annotation (``str | None``, ``dict[str, str]``)
    annotation: Any
    help: str
    #: ``--skip-rows``
    flag: str
    #: the key in an ``[[inputs]]`` table (``map`` for ``column_map``)
    key: str
    minimum: int | None = None
    metavar: str | None = None
    #: raises ValueError (saying what is expected and what was found) for a bad value
    check: Callable[[Any], None] | None = None

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this option (None when it is allowed or absent)."""
        if value is None:
            return None
        if self.minimum is not None and isinstance(value, int) and value < self.minimum:
            return f"must be a whole number >= {self.minimum}, got {value!r}"
        if self.check is not None:
            try:
                self.check(value)
            except ValueError as exc:
                return str(exc)
        return None


def _option(
    help: str,
    *,
    flag: str | None = None,
    key: str | None = None,
    minimum: int | None = None,
    metavar: str | None = None,
    check: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """The metadata of a :class:`ReadOptions` field: what the command line and jsna.toml need."""
    return {
        "help": help,
        "flag": flag,
        "key": key,
        "minimum": minimum,
        "metavar": metavar,
        "check": check,
    }


@dataclass
class ReadOptions:
    """Options a user can give for one input file: on the command line or in ``[[inputs]]``.

    The field order is the order of ``jsna ingest --help`` and of :meth:`describe`.
    """

    sheet: str | None = field(default=None, metadata=_option("XLSX sheet name or number."))
    #: limits that stop a hostile or broken workbook (a "zip bomb") before it is unpacked
    xlsx_max_mb: int | None = field(
        default=None,
        metadata=_option(
            "Refuse an XLSX workbook that unpacks to more than this many MB (default 512).",
            minimum=1,
            metavar="MB",
        ),
    )
    xlsx_max_rows: int | None = field(
        default=None,
        metadata=_option(
            "Refuse an XLSX sheet with more rows than this (default 1,048,576, Excel's limit).",
            minimum=1,
            metavar="ROWS",
        ),
    )
    skip_rows: int | None = field(
        default=None, metadata=_option("Rows above the header row.", minimum=0)
    )
    encoding: str | None = field(
        default=None,
        metadata=_option("Text encoding (detected when omitted).", check=check_encoding),
    )
    period: str | None = field(
        default=None, metadata=_option("Period for files that do not say, e.g. 2024.")
    )
    variant: str | None = field(
        default=None, metadata=_option("Projection variant for population files.")
    )
    measure: str | None = field(
        default=None, metadata=_option("Event measure for files that do not say.")
    )
    vintage: str | None = field(
        default=None, metadata=_option("Geography or IMD vintage, e.g. 2021 or IMD2019.")
    )
    #: area code for files about one area that do not say which (e.g. a council's own extract)
    area: str | None = field(
        default=None, metadata=_option("Area code for a file about one area that does not say.")
    )
    #: cause of death for files that do not say (e.g. ONS drug-poisoning deaths by year)
    cause: str | None = field(
        default=None, metadata=_option("Cause of death for files that do not say.")
    )
    #: how a file codes sex as numbers, e.g. ``1=Female,2=Male`` (ONS: 1 = male, 2 = female)
    sex_codes: str | None = field(
        default=None,
        metadata=_option(
            "How the file codes sex as numbers, e.g. 1=Female,2=Male "
            "(default as ONS: 1=Male,2=Female).",
            check=check_sex_codes,
        ),
    )
    #: the file's decimal mark: ``,`` for 1.234,5 (the other mark then separates thousands);
    #: without it a number that reads two ways (1000,5 or 1.000 in a count) is refused
    decimal: str | None = field(
        default=None,
        metadata=_option(
            "The file's decimal mark, '.' or ',' (needed only when a number such as "
            "1000,5 or 1.000 could be read two ways).",
            metavar="MARK",
            check=check_decimal,
        ),
    )
    #: where a record-level extract (``activity``) is aggregated: DuckDB here, or Apache Spark
    engine: str | None = field(
        default=None,
        metadata=_option(
            "Engine that aggregates a record-level activity extract: duckdb (default) or spark "
            "(needs the spark extra and Java; see docs/scale.md).",
            check=check_engine,
        ),
    )
    #: a Spark Connect server for ``--engine spark`` (else SPARK_REMOTE, else a local session)
    spark_remote: str | None = field(
        default=None,
        metadata=_option(
            "Spark Connect address for --engine spark, e.g. sc://HOST:15002 "
            "(default: SPARK_REMOTE, else a local session).",
            metavar="sc://HOST:PORT",
            check=check_spark_remote,
        ),
    )
    #: source column -> canonical column; ``map`` in jsna.toml, ``--map`` on the command line
    column_map: dict[str, str] = field(
        default_factory=dict,
        metadata=_option(
            "Which file column is which canonical column (repeatable).",
            flag="--map",
            key="map",
            metavar="SOURCE=CANONICAL",
        ),
    )

    def __post_init__(self) -> None:
        if isinstance(self.column_map, list | tuple):
            self.column_map = parse_column_map(self.column_map)
        problems = [
            f"{spec.name}: {problem}"
            for spec in option_fields()
            if (problem := spec.problem(getattr(self, spec.name))) is not None
        ]
        if problems:
            raise ValueError("; ".join(problems))

    def read_limits(self) -> dict[str, int | None]:
        """The XLSX limits given, as :func:`jsna.ingest.readers.read_text_table` takes them."""
        return {"xlsx_max_mb": self.xlsx_max_mb, "xlsx_max_rows": self.xlsx_max_rows}

    def sex_code_map(self) -> dict[str, str]:
        """``sex_codes`` as code -> Male/Female/Persons (empty when not given)."""
        return parse_sex_codes(self.sex_codes)

    def describe(self) -> str:
        """The options given, as command-line flags (``--cause 'Drug poisoning' --period 2024``)."""
        import shlex

        parts = []
        for spec in option_fields():
            value = getattr(self, spec.name)
            if spec.type is list:
                parts += [
                    f"{spec.flag} {shlex.quote(f'{k}={v}')}" for k, v in sorted(value.items())
                ]
            elif value is not None:
                parts.append(f"{spec.flag} {shlex.quote(str(value))}")
        return " ".join(parts)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadOptions:
        """Options from a mapping that may hold other keys (``kind``, ``path``); ``map`` or
        ``column_map`` for the column mapping."""
        given = {}
        for spec in option_fields():
            for name in (spec.name, spec.key):
                if data.get(name) is not None:
                    given[spec.name] = data[name]
        return cls(**given)

    @classmethod
    def from_cli(cls, values: dict[str, Any]) -> ReadOptions:
        """Options as parsed from the command line (unknown names are ignored); a bad value
        is a :class:`~jsna.errors.UsageError` naming its flag."""
        given = {spec.name: values.get(spec.name) for spec in option_fields()}
        lines = []
        for spec in option_fields():
            value = given[spec.name]
            if spec.type is list:
                try:
                    given[spec.name] = parse_column_map(value or [])
                except ValueError as exc:
                    lines.append(str(exc))
                continue
            problem = spec.problem(value)
            if problem is not None:
                lines.append(
                    problem if problem.startswith(spec.flag) else f"{spec.flag}: {problem}"
                )
        if lines:
            raise UsageError("\n".join(lines))
        return cls(**{k: v for k, v in given.items() if v is not None})


def option_fields() -> list[OptionField]:
    """Every option of :class:`ReadOptions`, in declaration order."""
    hints = get_type_hints(ReadOptions)
    specs = []
    for item in fields(ReadOptions):
        meta = item.metadata
        annotation = hints[item.name]
        if getattr(annotation, "__origin__", None) is dict:
            kind: type = list
        else:
            args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
            kind = args[0] if args and isinstance(args[0], type) else str
        specs.append(
            OptionField(
                name=item.name,
                type=kind,
                annotation=annotation,
                help=meta["help"],
                flag=meta["flag"] or "--" + item.name.replace("_", "-"),
                key=meta["key"] or item.name,
                minimum=meta["minimum"],
                metavar=meta["metavar"],
                check=meta["check"],
            )
        )
    return specs
