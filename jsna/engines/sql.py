"""The aggregation's DuckDB SQL as Spark SQL: SQLGlot, then a short list of tested rewrites.

The SQL of :mod:`jsna.ingest.activity` is written in the subset DuckDB and Spark SQL share, so
SQLGlot's DuckDB -> Spark translation needs only these rewrites:

- an anchored pattern's closing ``$`` becomes ``\\z``: RE2 (DuckDB) matches ``$`` only at the end
  of the text, Java (Spark) also before a final line break, so ``'E01000001\\n'`` would pass on
  Spark alone;

and one check: the Spark SQL calls only functions of :data:`SPARK_FUNCTIONS`, built-ins of both
Spark 3.5 and 4.x. A DuckDB-only function (``regexp_full_match``, ``try_strptime``, ``range``)
that SQLGlot passes through unchanged is refused here with its name, instead of failing on the
cluster.
"""

from __future__ import annotations

import re
from typing import Any

from jsna.errors import EngineError

#: functions the Spark SQL may call: built-ins of Spark 3.5 and 4.x (``SHOW FUNCTIONS``), each
#: in the version noted; ``tests/engines`` checks them against a live session
SPARK_FUNCTIONS = frozenset(
    {
        "CAST",  # 1.0
        "TRY_CAST",  # 3.2
        "COALESCE",  # 1.0
        "NULLIF",  # 2.0
        "TRIM",  # 1.5
        "UPPER",  # 1.0
        "LOWER",  # 1.0
        "LENGTH",  # 1.5
        "LEFT",  # 2.3
        "RIGHT",  # 2.3
        "LOCATE",  # 1.5
        "REPLACE",  # 2.3
        "LPAD",  # 1.5
        "CONCAT",  # 1.5
        "SPLIT_PART",  # 3.3
        "REGEXP_EXTRACT",  # 1.5
        "FLOOR",  # 1.0
        "LEAST",  # 1.5
        "YEAR",  # 1.5
        "MONTH",  # 1.5
        "COUNT",  # 1.0
        "SUM",  # 1.0
        "MIN",  # 1.0
        "MAX",  # 1.0
        "ROW_NUMBER",  # 1.4
    }
)


def to_spark(sql: str) -> str:
    """``sql`` (DuckDB, in the shared subset) as Spark SQL.

    Raises :class:`~jsna.errors.EngineError` when sqlglot is missing or the SQL calls a function
    that is not a Spark built-in.
    """
    sqlglot, _ = _sqlglot()
    tree = sqlglot.parse_one(sql, read="duckdb")
    spark_sql = str(tree.transform(_rewrite).sql(dialect="spark"))
    unknown = sorted(set(functions(spark_sql)) - SPARK_FUNCTIONS)
    if unknown:
        raise EngineError(
            "the aggregation calls functions that are not Spark built-ins: " + ", ".join(unknown)
        )
    return spark_sql


def functions(spark_sql: str) -> list[str]:
    """The names (in capitals) of the functions a Spark SQL query calls, in order, repeated.

    A call is a bare word followed by ``(`` in Spark's tokens of the query, unless the word is
    syntax that opens a bracket (``IN (``, ``FROM (``) or a type after ``AS``
    (``DECIMAL(38, 6)``).
    """
    sqlglot, _ = _sqlglot()
    from sqlglot.tokens import TokenType

    tokens = sqlglot.Dialect.get_or_raise("spark").tokenize(spark_sql)
    names = []
    for i, token in enumerate(tokens[:-1]):
        word = token.text.upper()
        if (
            tokens[i + 1].token_type == TokenType.L_PAREN
            and token.token_type not in (TokenType.STRING, TokenType.IDENTIFIER)
            and _WORD.fullmatch(word)
            and word not in _SYNTAX
            and not (i and tokens[i - 1].text.upper() == "AS")
        ):
            names.append(word)
    return names


_WORD = re.compile(r"[A-Z_][A-Z0-9_]*")
#: words before a bracket that are syntax, not a call
_SYNTAX = frozenset(
    {"AND", "OR", "NOT", "IN", "FROM", "SELECT", "WHEN", "THEN", "ELSE", "ON", "OVER", "BY", "AS"}
)


def _rewrite(node: Any) -> Any:
    """One node of the DuckDB tree, rewritten where Spark would read it differently."""
    _, exp = _sqlglot()
    if isinstance(node, exp.RegexpLike) and isinstance(node.expression, exp.Literal):
        pattern = str(node.expression.this)
        if pattern.endswith("$") and not pattern.endswith("\\$"):
            return exp.RegexpLike(
                this=node.this, expression=exp.Literal.string(pattern[:-1] + "\\z")
            )
    return node


def _sqlglot() -> tuple[Any, Any]:
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError as exc:
        raise EngineError(
            "--engine spark needs sqlglot and pyspark: pip install 'jsna[spark]' "
            "(a cluster provides its own pyspark)"
        ) from exc
    return sqlglot, exp
