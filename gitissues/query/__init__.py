"""The query language of SPEC §5: `parse` words into a `Query`, `compile` it to SQL over the
derived index, `select_sql` for the full statement. `parsing` says where the SPEC is silent;
`compiling` how the SQL is built."""

from __future__ import annotations

from gitissues.query.compiling import UNCLOSED_DEPS, Compiled, compile, select_sql
from gitissues.query.parsing import (
    IS_VALUES,
    SORT_COLUMNS,
    STATUSES,
    TYPES,
    Query,
    QueryError,
    Term,
    parse,
)

__all__ = ["IS_VALUES", "SORT_COLUMNS", "STATUSES", "TYPES", "Compiled", "Query", "QueryError",
           "Term", "UNCLOSED_DEPS", "compile", "parse", "select_sql"]
