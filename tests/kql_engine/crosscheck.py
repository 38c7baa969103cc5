"""Runs compiled KQL over test events in duckdb-kql (a KQL engine on DuckDB).

Input, JSON Lines on stdin, one case per line:
  {"id", "table", "columns": [[name, duckdb_type], ...], "rows": [[value, ...], ...], "query"}
or, for correlation rules, several tables and the output columns to return:
  {"id", "tables": [{"table", "columns", "rows"}], "query", "output": [column, ...]}
Values of JSON columns arrive as JSON text. Output, one line per case:
  {"id", "selected": [row indexes]}  or  {"id", "rows": [[text, ...], ...]}
  or  {"id", "unsupported": message}  or  {"id", "error": message}
"""
import json
import sys

import duckdb_kql


def run_case(case):
    con = duckdb_kql.connect()
    columns = [("__row", "BIGINT")] + [tuple(c) for c in case["columns"]]
    ddl = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    con.execute(f'CREATE TABLE "{case["table"]}" ({ddl})')
    placeholders = ", ".join("?" for _ in columns)
    for index, row in enumerate(case["rows"]):
        con.execute(f'INSERT INTO "{case["table"]}" VALUES ({placeholders})', [index] + row)
    relation = duckdb_kql.query(con, case["query"] + "\n| project __row")
    return sorted(r[0] for r in relation.fetchall())


def run_correlation(case):
    con = duckdb_kql.connect()
    for table in case["tables"]:
        columns = [tuple(c) for c in table["columns"]]
        ddl = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        con.execute(f'CREATE TABLE "{table["table"]}" ({ddl})')
        placeholders = ", ".join("?" for _ in columns)
        for row in table["rows"]:
            con.execute(f'INSERT INTO "{table["table"]}" VALUES ({placeholders})', row)
    output = ", ".join(case["output"])
    relation = duckdb_kql.query(con, case["query"] + f"\n| project {output}")
    return sorted([["" if v is None else str(v) for v in row] for row in relation.fetchall()])


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            if "tables" in case:
                result = {"id": case["id"], "rows": run_correlation(case)}
            else:
                result = {"id": case["id"], "selected": run_case(case)}
        except duckdb_kql.KqlUnsupportedError as error:
            result = {"id": case["id"], "unsupported": str(error)}
        except Exception as error:  # the Rust test reports it with the query
            result = {"id": case["id"], "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
