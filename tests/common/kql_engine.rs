//! Running compiled KQL in duckdb-kql (`tests/kql_engine/crosscheck.py`): events turned into
//! rows the way Sentinel stores them, and the engine script run once over a batch of cases.
//! Shared by `kql_engine_crosscheck.rs` (the fixtures' tests) and `eval_kql_differential.rs`
//! (generated rules and events).

use serde_json::{Map, Value, json};
use siemc::ir::{Expr, Matcher};
use siemc::mapping::{ColumnType, Mapping, SentinelSchema, SourceEntry};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The project-local Python with duckdb-kql; panics with the install command when missing.
pub fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the KQL engine is not installed: run `python3 -m venv .venv && .venv/bin/pip install -r tests/kql_engine/requirements.txt` (scripts/test.sh does)"
    );
    python
}

/// The DuckDB type of a column: from the Sentinel schema; a dotted (property) path is JSON.
pub fn duckdb_type(kind: Option<ColumnType>, dotted: bool) -> &'static str {
    match kind {
        Some(ColumnType::Int | ColumnType::Long) => "BIGINT",
        Some(ColumnType::Real) => "DOUBLE",
        Some(ColumnType::Bool) => "BOOLEAN",
        Some(ColumnType::Dynamic) => "JSON",
        None if dotted => "JSON",
        _ => "VARCHAR",
    }
}

/// `{"a": {"b": 1}}` → `[("a.b", 1)]`; arrays stay values.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// A row's cell: a missing string column is "" (Sentinel strings are never null), other missing
/// values null; JSON columns take JSON text.
pub fn cell(kind: &str, value: Option<&Value>) -> Value {
    match (kind, value) {
        ("VARCHAR", None) => json!(""),
        ("VARCHAR", Some(Value::String(s))) => json!(s),
        ("VARCHAR", Some(Value::Null)) => json!(""),
        ("VARCHAR", Some(other)) => json!(other.to_string()),
        ("JSON", Some(v)) => json!(v.to_string()),
        ("BIGINT" | "DOUBLE", Some(Value::String(s))) => {
            s.trim().parse::<f64>().map_or(Value::Null, |n| json!(n))
        }
        (_, Some(v)) => v.clone(),
        (_, None) => Value::Null,
    }
}

/// The (target) fields an expression reads, field references included.
pub fn referenced_fields(expr: &Expr) -> Vec<String> {
    let mut fields = Vec::new();
    for predicate in expr.predicates() {
        fields.extend(predicate.field.clone());
        if let Matcher::FieldRef { other, .. } = &predicate.matcher {
            fields.push(other.clone());
        }
    }
    fields
}

/// The row of an event in a member's table: Sigma names turned into that table's columns
/// (each new column added to `columns` with its DuckDB type).
pub fn event_row(
    mapping: &Mapping,
    entry: &SourceEntry,
    schema: &SentinelSchema,
    table: &str,
    event: &Value,
    columns: &mut BTreeMap<String, &'static str>,
) -> Map<String, Value> {
    let mut flat = Vec::new();
    flatten("", event, &mut flat);
    let mut row = Map::new();
    for (path, value) in flat {
        let target = mapping.field_name(entry, &path);
        let mut segments = target.split('.');
        let column = segments.next().unwrap_or(&target).to_string();
        let rest: Vec<&str> = segments.collect();
        let kind = duckdb_type(schema.column_type(table, &column), !rest.is_empty());
        columns.entry(column.clone()).or_insert(kind);
        if rest.is_empty() {
            row.insert(column, value);
        } else {
            let mut slot = row.entry(column).or_insert_with(|| json!({}));
            for segment in rest {
                slot = slot
                    .as_object_mut()
                    .expect("nested object")
                    .entry(segment)
                    .or_insert_with(|| json!({}));
            }
            *slot = value;
        }
    }
    row
}

/// Rows as the engine script takes them: one cell per column, in the columns' order.
pub fn table_rows(columns: &BTreeMap<String, &'static str>, rows: &[Map<String, Value>]) -> Value {
    rows.iter()
        .map(|row| {
            columns
                .iter()
                .map(|(name, kind)| cell(kind, row.get(name)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Sends the cases to the duckdb-kql script (one process for the whole batch) and returns its
/// result lines, one per case in input order.
pub fn run_engine(python: &Path, cases: &[Value]) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(python)
        .arg(root.join("tests/kql_engine/crosscheck.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let input: String = cases.iter().map(|c| c.to_string() + "\n").collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "the engine script failed");
    let results: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(results.len(), cases.len(), "one result per case");
    results
}
