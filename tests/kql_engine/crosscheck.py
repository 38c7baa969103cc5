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


def create_table(con, name, columns, rows):
    ddl = ", ".join(f'"{column}" {kind}' for column, kind in columns)
    con.execute(f'CREATE TABLE "{name}" ({ddl})')
    if rows:
        # One statement for all rows: a statement per row dominates a large batch.
        row = "(" + ", ".join("?" for _ in columns) + ")"
        values = ", ".join(row for _ in rows)
        con.execute(f'INSERT INTO "{name}" VALUES {values}', [v for r in rows for v in r])


def run_case(con, case):
    columns = [("__row", "BIGINT")] + [tuple(c) for c in case["columns"]]
    rows = [[index] + row for index, row in enumerate(case["rows"])]
    create_table(con, case["table"], columns, rows)
    relation = duckdb_kql.query(con, case["query"] + "\n| project __row")
    return sorted(r[0] for r in relation.fetchall())


def run_correlation(con, case):
    for table in case["tables"]:
        create_table(con, table["table"], [tuple(c) for c in table["columns"]], table["rows"])
    output = ", ".join(case["output"])
    relation = duckdb_kql.query(con, case["query"] + f"\n| project {output}")
    return sorted([["" if v is None else str(v) for v in row] for row in relation.fetchall()])


def drop_tables(con, case):
    for table in case.get("tables", [case]):
        con.execute(f'DROP TABLE IF EXISTS "{table["table"]}"')


def main():
    # One connection for the batch (a fresh one per case costs more than the query); each
    # case's tables are dropped after it.
    con = duckdb_kql.connect()
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            if "tables" in case:
                result = {"id": case["id"], "rows": run_correlation(con, case)}
            else:
                result = {"id": case["id"], "selected": run_case(con, case)}
        except duckdb_kql.KqlUnsupportedError as error:
            result = {"id": case["id"], "unsupported": str(error)}
        except Exception as error:  # the Rust test reports it with the query
            result = {"id": case["id"], "error": f"{type(error).__name__}: {error}"}
        finally:
            drop_tables(con, case)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
