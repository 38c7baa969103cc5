//! Conformance over 1,080 real Sentinel queries (`../shared/corpus/kql/sentinel-queries.jsonl`,
//! outside the repository) with the verdicts of Microsoft's parser (`reference`):
//! - the same verdict (parses / does not) on every query,
//! - each query Microsoft rejects is rejected on the line Microsoft names (its `start` is a
//!   UTF-16 offset into the query),
//! - the semantic checks run over every query, their findings counted by code.
//!
//! Run: `cargo test --release --test conformance_kql_corpus -- --ignored --nocapture`.

use siemc::diagnostic::{Diagnostic, SourceFile};
use siemc::query::kql::{KqlCheckOptions, check_query, diagnostics::is_syntax_code};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(serde::Deserialize)]
struct Entry {
    id: String,
    query: String,
    reference: Reference,
}

#[derive(serde::Deserialize)]
struct Reference {
    ok: bool,
    diagnostics: Vec<ReferenceDiagnostic>,
}

#[derive(serde::Deserialize)]
struct ReferenceDiagnostic {
    start: usize,
}

fn corpus_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/kql/sentinel-queries.jsonl")
}

fn load_corpus() -> Vec<Entry> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the corpus lives outside the repository)",
            path.display()
        )
    });
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("corpus line is JSON"))
        .collect()
}

/// The 1-based line of a UTF-16 offset (the unit Microsoft's parser counts in).
fn line_of_utf16_offset(text: &str, offset: usize) -> usize {
    let mut units = 0;
    let mut line = 1;
    for c in text.chars() {
        if units >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
        }
        units += c.len_utf16();
    }
    line
}

fn is_syntax_error(diagnostic: &Diagnostic) -> bool {
    diagnostic.is_error() && is_syntax_code(diagnostic.code)
}

#[test]
#[ignore = "needs ../shared/corpus (run by CI)"]
fn sentinel_queries_get_microsofts_verdicts_and_lines() {
    let corpus = load_corpus();
    assert_eq!(corpus.len(), 1080, "corpus size");
    let options = KqlCheckOptions::builtin();
    let mut agree = 0;
    let mut disagreements = Vec::new();
    let mut line_mismatches = Vec::new();
    let mut codes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut broken = 0;
    for entry in &corpus {
        let file = Arc::new(SourceFile::new(entry.id.as_str(), entry.query.as_str()));
        let diagnostics = check_query(&file, &options);
        for diagnostic in &diagnostics {
            *codes.entry(diagnostic.code).or_default() += 1;
        }
        let first_error = diagnostics.iter().find(|d| is_syntax_error(d));
        let ours = first_error.is_none();
        if ours == entry.reference.ok {
            agree += 1;
        } else {
            disagreements.push(format!(
                "{}: siemc ok={ours}, Microsoft ok={}",
                entry.id, entry.reference.ok
            ));
        }
        if !entry.reference.ok {
            broken += 1;
            let microsoft_line = entry
                .reference
                .diagnostics
                .first()
                .map(|d| line_of_utf16_offset(&entry.query, d.start));
            let our_line = first_error
                .and_then(Diagnostic::start_position)
                .map(|p| p.line);
            eprintln!(
                "broken query {}: Microsoft line {microsoft_line:?}, siemc line {our_line:?}: {}",
                entry.id,
                first_error.map_or("-", |d| d.message.as_str())
            );
            if our_line != microsoft_line {
                line_mismatches.push(entry.id.clone());
            }
        }
    }
    eprintln!(
        "verdicts: {agree} of {} agree with Microsoft's parser",
        corpus.len()
    );
    eprintln!("diagnostics by code over the corpus:");
    for (code, count) in &codes {
        eprintln!("  {code}: {count}");
    }
    assert_eq!(broken, 5, "the corpus has five broken queries");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(
        line_mismatches.is_empty(),
        "not on Microsoft's line: {line_mismatches:?}"
    );
}

#[test]
#[ignore = "needs ../shared/corpus; a timing, run in release mode"]
fn times_the_validator_over_the_corpus() {
    let corpus = load_corpus();
    let options = KqlCheckOptions::builtin();
    let files: Vec<Arc<SourceFile>> = corpus
        .iter()
        .map(|entry| Arc::new(SourceFile::new(entry.id.as_str(), entry.query.as_str())))
        .collect();
    let start = std::time::Instant::now();
    let rounds = 5;
    let mut diagnostics = 0;
    for _ in 0..rounds {
        for file in &files {
            diagnostics += check_query(file, &options).len();
        }
    }
    let elapsed = start.elapsed() / rounds;
    eprintln!(
        "check_query over {} queries: {:.1} ms per pass ({:.0} µs per query, {} diagnostics per pass)",
        files.len(),
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1e6 / files.len() as f64,
        diagnostics / rounds as usize
    );
}
