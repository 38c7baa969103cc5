//! Conformance over Splunk's ESCU detections (`../shared/corpus/spl/`, needs `../shared`):
//! every search is accepted with macros opaque and with macros expanded; seeded mutations that
//! make each search certainly invalid are caught; and the time to validate the corpus.
//!
//! Run: `cargo test --release --test conformance_spl_corpus -- --ignored --nocapture`

mod common;

use common::spl_mutations::{MutationKind, Rng, mutate};
use siemc::diagnostic::{SourceFile, render_human};
use siemc::query::spl::{SplCheckOptions, check_query};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/spl")
}

fn searches() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(corpus_dir().join("escu-searches.jsonl"))
        .expect("the ESCU corpus in ../shared/corpus/spl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            (
                value["id"].as_str().expect("id").to_string(),
                value["search"].as_str().expect("search").to_string(),
            )
        })
        .collect()
}

/// ESCU's macros, and `drop_dm_object_name` from the CIM app (497 calls in the corpus, 91 of
/// them with a quoted argument), so that macros are expanded as Splunk expands them.
fn expanded_options() -> SplCheckOptions {
    let cim = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spl/macros/cim.conf");
    SplCheckOptions::from_macros_files(&[corpus_dir().join("escu-macros.jsonl"), cim]).unwrap()
}

fn rejected(searches: &[(String, String)], options: &SplCheckOptions) -> Vec<String> {
    let mut failures = Vec::new();
    for (id, search) in searches {
        let file = Arc::new(SourceFile::new(id, search.as_str()));
        let errors: Vec<String> = check_query(&file, options)
            .iter()
            .filter(|d| d.is_error())
            .map(|d| render_human(d, false))
            .collect();
        if !errors.is_empty() {
            failures.push(errors.join(""));
        }
    }
    failures
}

#[test]
#[ignore = "needs ../shared/corpus/spl; run with --ignored"]
fn every_escu_search_is_accepted() {
    let searches = searches();
    let opaque = SplCheckOptions::default();
    let expanded = expanded_options();
    let mut report = String::new();
    for (name, options) in [("opaque", &opaque), ("expanded", &expanded)] {
        let failures = rejected(&searches, options);
        println!(
            "macros {name}: {} of {} searches accepted",
            searches.len() - failures.len(),
            searches.len()
        );
        for failure in &failures {
            report.push_str(&format!("[{name}] {failure}\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// Mutations that make each search certainly invalid (the mistakes of issue 5): at least 95%
/// must get an error. Deterministic (seeded); prints the rate per kind.
#[test]
#[ignore = "needs ../shared/corpus/spl; run with --ignored"]
fn mutated_escu_searches_are_rejected() {
    const PER_KIND: usize = 2;
    let searches = searches();
    let options = SplCheckOptions::default();
    let mut rng = Rng::new(0x5EED_5EA7_C0DE);
    let mut total = 0;
    let mut total_caught = 0;
    let mut missed_examples = Vec::new();
    for kind in MutationKind::ALL {
        let (mut made, mut caught) = (0, 0);
        for (id, search) in &searches {
            for _ in 0..PER_KIND {
                let Some(mutated) = mutate(search, kind, &mut rng) else {
                    continue;
                };
                made += 1;
                let file = Arc::new(SourceFile::new(id, mutated.as_str()));
                if check_query(&file, &options).iter().any(|d| d.is_error()) {
                    caught += 1;
                } else if missed_examples.len() < 20 {
                    missed_examples.push(format!("{kind:?} {id}: {mutated}"));
                }
            }
        }
        let rate = 100.0 * caught as f64 / made.max(1) as f64;
        println!("{kind:?}: {caught} of {made} caught ({rate:.1}%)");
        assert!(made > 0, "no mutation of kind {kind:?} was possible");
        total += made;
        total_caught += caught;
    }
    let rate = 100.0 * total_caught as f64 / total as f64;
    println!("all kinds: {total_caught} of {total} caught ({rate:.1}%)");
    for example in &missed_examples {
        println!("missed: {example}");
    }
    assert!(rate >= 95.0, "only {rate:.1}% of the mutations were caught");
}

/// The benchmark: the whole corpus validated, opaque and expanded (run it in release).
#[test]
#[ignore = "needs ../shared/corpus/spl; run with --release --ignored"]
fn benchmark_validating_the_corpus() {
    let searches = searches();
    let files: Vec<Arc<SourceFile>> = searches
        .iter()
        .map(|(id, search)| Arc::new(SourceFile::new(id, search.as_str())))
        .collect();
    let expanded = expanded_options();
    for (name, options) in [
        ("opaque", &SplCheckOptions::default()),
        ("expanded", &expanded),
    ] {
        // Best of five runs: the machine is shared.
        let mut best = std::time::Duration::MAX;
        let mut diagnostics = 0;
        for _ in 0..5 {
            let start = std::time::Instant::now();
            diagnostics = files
                .iter()
                .map(|f| check_query(f, options).len())
                .sum::<usize>();
            best = best.min(start.elapsed());
        }
        println!(
            "validated {} searches (macros {name}) in {:.1} ms ({diagnostics} diagnostics)",
            files.len(),
            best.as_secs_f64() * 1000.0
        );
    }
}
