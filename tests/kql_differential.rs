//! Differential test of the KQL validator against Microsoft's own parser (Kusto.Language, npm
//! `@kusto/language-service-next` 12.4.1 in `tests/oracle/`): the verdict (parses / does not
//! parse) must be the same for
//! - every fixture query in `tests/fixtures/kql/valid/` and `tests/fixtures/kql/invalid/`,
//! - every KQL query siemc generates from the compile fixtures,
//! - seeded mutants of the valid fixtures (a bracket or quote deleted, an operator misspelt,
//!   an expression dropped, a stray pipe): at least 99% agreement, disagreements listed.
//!
//! Our verdict is "ok" when the validator reports no error-severity syntax diagnostic.

mod common;

use common::{Verdict, run_oracle};

use siemc::diagnostic::{Diagnostic, SourceFile};
use siemc::mapping::Target;
use siemc::query::kql::{diagnostics::is_syntax_code, mutate, syntax_diagnostics};
use std::path::Path;
use std::sync::Arc;

/// Microsoft's verdicts, in input order.
fn microsoft_verdicts(queries: &[(String, String)]) -> Vec<Verdict> {
    let verdicts = run_oracle("kusto-parse.js", &[], queries);
    assert_eq!(verdicts.len(), queries.len(), "one verdict per query");
    verdicts
}

fn our_verdict(id: &str, query: &str) -> (bool, Vec<Diagnostic>) {
    let file = Arc::new(SourceFile::new(id, query));
    let diagnostics = syntax_diagnostics(&file);
    let ok = !diagnostics
        .iter()
        .any(|d| d.is_error() && is_syntax_code(d.code));
    (ok, diagnostics)
}

fn kql_fixtures(folder: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "kql"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
            (common::relative(&path).display().to_string(), text)
        })
        .collect()
}

/// Compares verdicts; returns the agreement count and a description of each disagreement.
fn compare(queries: &[(String, String)], verdicts: &[Verdict]) -> (usize, Vec<String>) {
    let mut agree = 0;
    let mut disagreements = Vec::new();
    for ((id, query), verdict) in queries.iter().zip(verdicts) {
        let (ours, diagnostics) = our_verdict(id, query);
        if ours == verdict.ok {
            agree += 1;
        } else {
            let ours_said: Vec<String> = diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            disagreements.push(format!(
                "{id}: siemc ok={ours} {ours_said:?}, Microsoft ok={} {:?}\n{query}",
                verdict.ok, verdict.diagnostics
            ));
        }
    }
    (agree, disagreements)
}

fn report(what: &str, total: usize, agree: usize, disagreements: &[String]) {
    eprintln!(
        "{what}: siemc and Microsoft's parser agree on {agree} of {total} ({:.2}%)",
        100.0 * agree as f64 / total.max(1) as f64
    );
    for disagreement in disagreements {
        eprintln!("DISAGREEMENT {disagreement}\n");
    }
}

#[test]
fn fixtures_get_microsofts_verdict() {
    let valid = kql_fixtures("tests/fixtures/kql/valid");
    let invalid = kql_fixtures("tests/fixtures/kql/invalid");
    assert!(valid.len() >= 200, "{} valid fixtures", valid.len());
    assert!(invalid.len() >= 60, "{} invalid fixtures", invalid.len());
    let all: Vec<(String, String)> = valid.iter().chain(&invalid).cloned().collect();
    let verdicts = microsoft_verdicts(&all);
    // The fixtures themselves must be what their folder says, by Microsoft's judgement.
    let misfiled: Vec<&String> = all
        .iter()
        .zip(&verdicts)
        .enumerate()
        .filter(|(index, (_, verdict))| verdict.ok != (*index < valid.len()))
        .map(|(_, ((id, _), _))| id)
        .collect();
    assert!(
        misfiled.is_empty(),
        "fixtures in the wrong folder: {misfiled:?}"
    );
    let (agree, disagreements) = compare(&all, &verdicts);
    report("fixtures", all.len(), agree, &disagreements);
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}

#[test]
fn generated_queries_get_microsofts_verdict() {
    let compiler = common::compiler(Target::Kql);
    let paths: Vec<_> = common::fixture_files("tests/fixtures/compile")
        .iter()
        .chain(&common::fixture_files("tests/fixtures/filters"))
        .map(|p| common::relative(p))
        .collect();
    let outcome = compiler.compile_paths(&paths);
    let queries: Vec<(String, String)> = outcome
        .queries
        .into_iter()
        .map(|q| (format!("{} ({})", q.path, q.title), q.query))
        .collect();
    assert!(queries.len() > 80, "{} generated queries", queries.len());
    let verdicts = microsoft_verdicts(&queries);
    let (agree, disagreements) = compare(&queries, &verdicts);
    report("generated queries", queries.len(), agree, &disagreements);
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}

#[test]
fn mutants_get_microsofts_verdict() {
    let valid = kql_fixtures("tests/fixtures/kql/valid");
    let mut seen = std::collections::HashSet::new();
    let mut queries = Vec::new();
    for (index, (id, query)) in valid.iter().enumerate() {
        // A fixed seed per fixture: the same mutants on every run and machine.
        let seed = 0x5EED_0000 + index as u64;
        for mutant in mutate::mutants(query, seed, 2) {
            if mutant.text != *query && seen.insert(mutant.text.clone()) {
                queries.push((
                    format!("{id} [{}: {}]", mutant.kind.name(), mutant.description),
                    mutant.text,
                ));
            }
        }
    }
    assert!(queries.len() > 1000, "{} mutants", queries.len());
    let verdicts = microsoft_verdicts(&queries);
    let rejected = verdicts.iter().filter(|v| !v.ok).count();
    eprintln!(
        "mutants: {} ({} rejected by Microsoft's parser)",
        queries.len(),
        rejected
    );
    let (agree, disagreements) = compare(&queries, &verdicts);
    report("mutants", queries.len(), agree, &disagreements);
    assert!(
        agree * 100 >= queries.len() * 99,
        "agreement below 99%: {agree} of {}",
        queries.len()
    );
}
