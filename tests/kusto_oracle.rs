//! Every generated KQL query passes Microsoft's own parser (Kusto.Language, npm
//! `@kusto/language-service-next` 12.4.1, installed into `tests/oracle/` by the test command):
//! the fixture rules, the shipped rules, and queries carrying awkward string values.

mod common;

use siemc::mapping::Target;
use std::path::Path;

use common::{Verdict, run_oracle};

fn kusto_verdicts(queries: &[(String, String)]) -> Vec<Verdict> {
    run_oracle("kusto-parse.js", &[], queries)
}

fn generated_kql() -> Vec<(String, String)> {
    let compiler = common::compiler(Target::Kql);
    let mut queries = Vec::new();
    let mut paths = common::fixture_files("tests/fixtures/compile");
    paths.extend(common::fixture_files("tests/fixtures/compile_errors"));
    paths.extend(common::fixture_files("tests/fixtures/correlation"));
    paths.extend(common::fixture_files("tests/fixtures/filters"));
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let (shipped, _) = siemc::rule::collect_rule_paths(&[rules_dir]);
    paths.extend(shipped);
    let relative: Vec<_> = paths.iter().map(|p| common::relative(p)).collect();
    let outcome = compiler.compile_paths(&relative);
    for query in outcome.queries {
        queries.push((format!("{} ({})", query.path, query.title), query.query));
    }
    queries
}

#[test]
fn microsofts_parser_accepts_every_generated_query() {
    let queries = generated_kql();
    assert!(
        queries.len() > 80,
        "expected the fixtures to compile, got {}",
        queries.len()
    );
    let verdicts = kusto_verdicts(&queries);
    assert_eq!(verdicts.len(), queries.len());
    let rejected: Vec<String> = verdicts
        .iter()
        .zip(&queries)
        .filter(|(verdict, _)| !verdict.ok)
        .map(|(verdict, (_, query))| format!("{}: {:?}\n{query}", verdict.id, verdict.diagnostics))
        .collect();
    eprintln!(
        "Kusto.Language accepted {} of {} generated queries",
        queries.len() - rejected.len(),
        queries.len()
    );
    assert!(
        rejected.is_empty(),
        "rejected by Microsoft's parser:\n{}",
        rejected.join("\n\n")
    );
}

#[test]
fn microsofts_parser_reads_awkward_literals_as_one_token() {
    // Each value sits between two predicates: if a literal leaked, the query would not parse.
    let values = [
        "\") or 1==1 //",
        "a\"b",
        "C:\\Windows\\",
        "\\\\server\\share",
        "x | take 1",
        "line\nbreak",
        "tab\there",
        "\u{1}\u{1b}\u{7f}",
        "中文 é 🎉",
        "\u{2028}\u{202e}",
        "'single'",
        "@\"verbatim\"",
        "```",
        "{}[]()",
        "\\",
        "\"",
        "",
        " ",
    ];
    let queries: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let literal = siemc::backend::kql::literal::string(value);
            (
                format!("value {i}"),
                format!("T\n| where A == {literal} and B =~ {literal}\n| project A"),
            )
        })
        .collect();
    let verdicts = kusto_verdicts(&queries);
    for (verdict, (_, query)) in verdicts.iter().zip(&queries) {
        assert!(
            verdict.ok,
            "{}: {:?}\n{query}",
            verdict.id, verdict.diagnostics
        );
    }
}

#[test]
fn the_storm_0558_pack_passes_microsofts_semantic_analysis() {
    // Semantic checks (unknown tables, columns, functions, types) against the default
    // profile's typed schema: the 2024 Sentinel tables and the custom tables it declares (the
    // pack uses one, ApplicationLogs_CL, and gets a note saying so).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compiler = common::compiler(Target::Kql);
    let (paths, _) = siemc::rule::collect_rule_paths(&[root.join("rules")]);
    let outcome = compiler.compile_paths(&paths);
    assert!(
        outcome.diagnostics.iter().all(|d| d.code == "custom-table"),
        "{:?}",
        outcome.diagnostics
    );
    let queries: Vec<(String, String)> = outcome
        .queries
        .into_iter()
        .map(|q| (q.path, q.query))
        .collect();
    assert!(queries.len() >= 10);
    let schema = common::temp_dir("storm-oracle").join("sentinel-xdr.json");
    std::fs::write(&schema, compiler.schema.to_json()).unwrap();
    let schema_refs: Vec<&Path> = vec![&schema];
    let verdicts = run_oracle("kusto-analyze.js", &schema_refs, &queries);
    let rejected: Vec<String> = verdicts
        .iter()
        .filter(|v| !v.ok)
        .map(|v| format!("{}: {:?}", v.id, v.diagnostics))
        .collect();
    assert!(
        rejected.is_empty(),
        "Kusto.Language semantic errors:\n{}",
        rejected.join("\n")
    );
}
