//! Cross-check of `siemc test` with a real KQL engine: for every rule that has tests (the
//! project's test fixtures and the Storm-0558 pack), the compiled KQL condition runs over the
//! rule's test events in duckdb-kql and must select exactly the events the evaluator says match
//! (also for rules with Sigma filters, `tests/fixtures/filters`).
//! Events become rows the way Sentinel stores them: target column names from the mapping, a
//! missing string column as "" (Sentinel strings are never null), other missing values null.
//! Where the engine lacks a function siemc emits, the test names it (README lists them).

mod common;

use serde_json::{Map, Value, json};
use siemc::backend::kql;
use siemc::eval::{self, Event};
use siemc::filter::Filters;
use siemc::ir::Expr;
use siemc::mapping::{ColumnType, Mapping, SentinelSchema, Target};
use siemc::testcases::collect_rule_tests;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn duckdb_type(kind: Option<ColumnType>, dotted: bool) -> &'static str {
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

fn cell(kind: &str, value: Option<&Value>) -> Value {
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

fn referenced_fields(expr: &Expr) -> Vec<String> {
    let mut fields = Vec::new();
    for predicate in expr.predicates() {
        fields.extend(predicate.field.clone());
        if let siemc::ir::Matcher::FieldRef { other, .. } = &predicate.matcher {
            fields.push(other.clone());
        }
    }
    fields
}

#[test]
fn duckdb_kql_selects_exactly_the_events_the_evaluator_matches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the KQL engine is not installed: run `python3 -m venv .venv && .venv/bin/pip install -r tests/kql_engine/requirements.txt` (scripts/test.sh does)"
    );
    let mut diagnostics = Vec::new();
    let (suite, problems) = collect_rule_tests(
        &[
            root.join("tests/fixtures/test_rules"),
            root.join("tests/fixtures/filters"),
            root.join("rules"),
        ],
        &Filters::default(),
        &mut diagnostics,
    );
    assert!(
        problems.is_empty() && diagnostics.is_empty(),
        "{problems:?} {diagnostics:?}"
    );
    let mapping = Mapping::builtin(Target::Kql);
    let schema = SentinelSchema::builtin();
    let templates = siemc::backend::Templates::embedded();
    let mut cases = Vec::new();
    let mut expected: BTreeMap<String, (BTreeSet<usize>, String)> = BTreeMap::new();
    for (rule, tests) in &suite.rules {
        if tests.is_empty() {
            continue;
        }
        let lowered = siemc::ir::lower_rule(rule).expect("test rules lower");
        let sigma_expr = mapping
            .expand_placeholders(rule, &lowered.expr)
            .expect("placeholders");
        let mut mapped = mapping.map_rule(rule, &lowered).expect("test rules map");
        // The rule's condition only: the source filter is the mapping's, not the rule's.
        mapped.source.filter = None;
        let table = mapped.source.table.clone().expect("a KQL table");
        let query = kql::compile(rule, &mapped, schema, &templates).expect("compiles");
        let (_, entry) = mapping.find_source(rule).expect("mapped");
        // Rows: each test event with Sigma names turned into target columns.
        let mut rows_by_column: Vec<Map<String, Value>> = Vec::new();
        let mut columns: BTreeMap<String, &'static str> = BTreeMap::new();
        for field in referenced_fields(&mapped.expr) {
            let column = field.split('.').next().unwrap_or(&field).to_string();
            let kind = duckdb_type(schema.column_type(&table, &column), field.contains('.'));
            columns.entry(column).or_insert(kind);
        }
        let mut matched = BTreeSet::new();
        for (index, case) in tests.iter().enumerate() {
            let Event::Json(event) = &case.events[0] else {
                unreachable!("inline tests are JSON")
            };
            if eval::evaluate(&sigma_expr, &case.events[0])
                .expect("evaluates")
                .matched
            {
                matched.insert(index);
            }
            let row = event_row(&mapping, entry, schema, &table, event, &mut columns);
            rows_by_column.push(row);
        }
        let rows: Vec<Vec<Value>> = rows_by_column
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|(name, kind)| cell(kind, row.get(name)))
                    .collect()
            })
            .collect();
        // One file may hold several rules with tests.
        let id = format!(
            "{}#{}",
            common::relative(rule.file.path()).display(),
            rule.document
        );
        expected.insert(id.clone(), (matched, query.clone()));
        cases.push(json!({
            "id": id,
            "table": table,
            "columns": columns.iter().map(|(n, k)| json!([n, k])).collect::<Vec<_>>(),
            "rows": rows,
            "query": query,
        }));
    }
    assert!(
        cases.len() >= 15,
        "expected the fixtures and the Storm-0558 pack, got {}",
        cases.len()
    );
    let results = run_engine(&python, root, &cases);
    let agreed = compare_answers(results, "selected", &expected, "rules with tests");
    assert!(agreed > 0);
}

/// Compares the engine's answers (`field` of each result line) with the evaluator's: prints the
/// agreement and what the engine could not run, fails on any disagreement or engine error.
fn compare_answers<T: PartialEq + std::fmt::Debug + serde::de::DeserializeOwned>(
    results: Vec<Value>,
    field: &str,
    expected: &BTreeMap<String, (T, String)>,
    what: &str,
) -> usize {
    let mut agreed = 0;
    let mut unsupported = Vec::new();
    let mut disagreements = Vec::new();
    for result in results {
        let id = result["id"].as_str().unwrap().to_string();
        let (evaluator, query) = &expected[&id];
        if let Some(message) = result.get("unsupported") {
            unsupported.push(format!("{id}: {}", message.as_str().unwrap_or_default()));
        } else if let Some(answer) = result.get(field) {
            let engine: T = serde_json::from_value(answer.clone()).unwrap();
            if &engine == evaluator {
                agreed += 1;
            } else {
                disagreements.push(format!(
                    "{id}: engine {engine:?}, evaluator {evaluator:?}\n{query}"
                ));
            }
        } else {
            disagreements.push(format!("{id}: engine error {}\n{query}", result["error"]));
        }
    }
    eprintln!(
        "duckdb-kql agreed with the evaluator on {agreed} of {} {what}",
        expected.len()
    );
    for line in &unsupported {
        eprintln!("not run by duckdb-kql (engine lacks it): {line}");
    }
    assert!(
        disagreements.is_empty(),
        "disagreements:\n{}",
        disagreements.join("\n\n")
    );
    agreed
}

/// Sends the cases to the duckdb-kql script and returns its result lines.
fn run_engine(python: &Path, root: &Path, cases: &[Value]) -> Vec<Value> {
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
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A table's columns (name → DuckDB type) and rows.
type TableRows = (BTreeMap<String, &'static str>, Vec<Map<String, Value>>);

/// The row of an event in a member's table: Sigma names turned into that table's columns.
fn event_row(
    mapping: &Mapping,
    entry: &siemc::mapping::SourceEntry,
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

#[test]
fn duckdb_kql_raises_the_alerts_the_evaluator_raises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the KQL engine is not installed: run scripts/test.sh"
    );
    let mut diagnostics = Vec::new();
    let (suite, _) = collect_rule_tests(
        &[
            root.join("tests/fixtures/correlation"),
            root.join("tests/fixtures/filters"),
            root.join("rules"),
        ],
        &Filters::default(),
        &mut diagnostics,
    );
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let index = siemc::correlation::RuleIndex::from_parts(
        suite.rules.iter().map(|(r, _)| r.as_ref()),
        suite.correlations.iter().map(|c| c.as_ref()),
    );
    let mapping = Mapping::builtin(Target::Kql);
    let schema = SentinelSchema::builtin();
    let compiler = common::compiler(Target::Kql);
    let mut cases = Vec::new();
    let mut expected: BTreeMap<String, (Vec<Vec<String>>, String)> = BTreeMap::new();
    for correlation in &suite.correlations {
        let plan = siemc::correlation::resolve(correlation, &index).expect("fixtures resolve");
        let query = compiler.compile_correlation(&plan).expect("compiles");
        let exprs: Vec<Expr> = plan
            .members
            .iter()
            .map(|m| {
                let lowered = siemc::ir::lower_rule(m.rule).expect("lowers");
                mapping
                    .expand_placeholders(m.rule, &lowered.expr)
                    .expect("expands")
            })
            .collect();
        let percentile = plan.kind == siemc::correlation::CorrelationKind::ValuePercentile;
        let mut output: Vec<String> = plan
            .group_by
            .iter()
            .map(|g| kql::literal::column(g))
            .collect();
        if percentile {
            output.push("Value".to_string());
        }
        for (case_index, case) in siemc::testcases::correlation_tests(correlation, &mut diagnostics)
            .iter()
            .enumerate()
        {
            // Each event goes into every member table once (the members' conditions pick).
            let mut tables: BTreeMap<String, TableRows> = BTreeMap::new();
            for member in &plan.members {
                let (_, entry) = mapping.find_source(member.rule).expect("mapped");
                let table = entry.table.clone().expect("a table");
                if tables.contains_key(&table) {
                    continue;
                }
                let mut columns = BTreeMap::new();
                columns.insert("TimeGenerated".to_string(), "TIMESTAMP");
                let mapped = mapping
                    .map_rule(member.rule, &siemc::ir::lower_rule(member.rule).unwrap())
                    .unwrap();
                for field in referenced_fields(&mapped.expr) {
                    let column = field.split('.').next().unwrap_or(&field).to_string();
                    columns.entry(column).or_insert(duckdb_type(
                        schema.column_type(&table, field.split('.').next().unwrap()),
                        field.contains('.'),
                    ));
                }
                let mut rows = Vec::new();
                for timed in &case.events {
                    let Event::Json(event) = &timed.event else {
                        unreachable!()
                    };
                    let mut row = event_row(&mapping, entry, schema, &table, event, &mut columns);
                    row.insert(
                        "TimeGenerated".to_string(),
                        json!(eval::iso_from_epoch(timed.time)),
                    );
                    rows.push(row);
                }
                tables.insert(table, (columns, rows));
            }
            // Group and value columns must exist in every table.
            for member in &plan.members {
                let (_, entry) = mapping.find_source(member.rule).unwrap();
                let table = entry.table.clone().unwrap();
                let targets: Vec<String> = member
                    .group_fields
                    .iter()
                    .map(|(_, f)| mapping.field_name(entry, f))
                    .chain(plan.field.iter().map(|f| mapping.field_name(entry, f)))
                    .collect();
                let (columns, _) = tables.get_mut(&table).unwrap();
                for target in targets {
                    let column = target.split('.').next().unwrap().to_string();
                    columns.entry(column.clone()).or_insert(duckdb_type(
                        schema.column_type(&table, &column),
                        target.contains('.'),
                    ));
                }
            }
            let alerts =
                eval::evaluate_correlation(&plan, &exprs, &case.events).expect("evaluates");
            let mut rows: Vec<Vec<String>> = alerts
                .iter()
                .map(|alert| {
                    let mut row: Vec<String> =
                        plan.group_by.iter().map(|g| alert[g].clone()).collect();
                    if percentile {
                        row.push(alert[plan.field.as_ref().unwrap()].clone());
                    }
                    row
                })
                .collect();
            rows.sort();
            let id = format!(
                "{} / {}",
                common::relative(correlation.file.path()).display(),
                case.name
            );
            let _ = case_index;
            expected.insert(id.clone(), (rows, query.clone()));
            let tables_json: Vec<Value> = tables
                .iter()
                .map(|(table, (columns, rows))| {
                    json!({
                        "table": table,
                        "columns": columns.iter().map(|(n, k)| json!([n, k])).collect::<Vec<_>>(),
                        "rows": rows
                            .iter()
                            .map(|row| columns.iter().map(|(n, k)| cell(k, row.get(n))).collect::<Vec<_>>())
                            .collect::<Vec<_>>(),
                    })
                })
                .collect();
            cases.push(json!({"id": id, "tables": tables_json, "query": query, "output": output}));
        }
    }
    assert!(
        cases.len() >= 10,
        "the correlation fixtures and the pack's rule, got {}",
        cases.len()
    );
    let results = run_engine(&python, root, &cases);
    compare_answers(results, "rows", &expected, "correlation test cases");
}
