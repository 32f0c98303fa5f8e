"""Query engines. DuckDB (the store) is the default and needs nothing more; Spark
(engines/spark.py, the `spark` extra) runs the same metric queries, transpiled from the
DuckDB SQL by engines/transpile.py, when the data outgrows one machine
(docs/scale-out.md)."""

from ..errors import ParameterError

ENGINES = ("duckdb", "spark")


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine
