//! Cross-check of `siemc test` with a real KQL engine: for every rule that has tests (the
//! project's test fixtures and the Storm-0558 pack), the compiled KQL condition runs over the
//! rule's test events in duckdb-kql and must select exactly the events the evaluator says match
//! (also for rules with Sigma filters, `tests/fixtures/filters`).
//! Events become rows the way Sentinel stores them: target column names from the mapping, a
//! missing string column as "" (Sentinel strings are never null), other missing values null.
//! Where the engine lacks a function siemc emits, the test names it (README lists them).

mod common;

use common::kql_engine::{
    duckdb_type, event_row, python, referenced_fields, run_engine, table_rows,
};
use serde_json::{Map, Value, json};
use siemc::backend::kql;
use siemc::eval::{self, Event};
use siemc::filter::Filters;
use siemc::ir::Expr;
use siemc::mapping::{Mapping, SentinelSchema, Target};
use siemc::testcases::collect_rule_tests;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn duckdb_kql_selects_exactly_the_events_the_evaluator_matches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = python();
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
        let rows = table_rows(&columns, &rows_by_column);
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
    let results = run_engine(&python, &cases);
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

/// A table's columns (name → DuckDB type) and rows.
type TableRows = (BTreeMap<String, &'static str>, Vec<Map<String, Value>>);

#[test]
fn duckdb_kql_raises_the_alerts_the_evaluator_raises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = python();
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
                        "rows": table_rows(columns, rows),
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
    let results = run_engine(&python, &cases);
    compare_answers(results, "rows", &expected, "correlation test cases");
}
