//! `siemc check` over SigmaHQ's rules (`../shared/corpus/sigma/rules`, outside the repository;
//! they pass SigmaHQ's own CI): a table of diagnostics by code and severity. An error there is
//! a real problem of that rule or a bug of the linter; none is expected, so any error fails the
//! test with its rendering. Run with `--ignored` when the corpus is present.

use siemc::lint::{LintOptions, Linter};
use siemc::mapping::Target;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
#[ignore = "needs ../shared/corpus"]
fn sigmahq_rules_get_no_error_from_check() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigma/rules");
    assert!(corpus.is_dir(), "{} not found", corpus.display());
    let (paths, problems) = siemc::rule::collect_rule_paths(&[corpus]);
    assert!(problems.is_empty());
    let linter = Linter::new(&LintOptions {
        profiles: Vec::new(),
        targets: vec![Target::Kql, Target::Spl],
        ..LintOptions::default()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let outcome = linter.check_paths(&paths);
    let elapsed = started.elapsed();
    let mut table: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for diagnostic in &outcome.diagnostics {
        *table
            .entry((diagnostic.severity.as_str(), diagnostic.code))
            .or_default() += 1;
        assert!(diagnostic.start_position().is_some(), "{diagnostic:?}");
        if diagnostic.is_error() {
            errors.push(siemc::diagnostic::render_human(diagnostic, false));
        }
    }
    println!(
        "{} files checked in {:.0} ms; diagnostics by code:",
        outcome.files,
        elapsed.as_secs_f64() * 1000.0
    );
    println!("| severity | code | count |\n|---|---|---|");
    for ((severity, code), count) in &table {
        println!("| {severity} | `{code}` | {count} |");
    }
    assert_eq!(outcome.files, paths.len());
    assert!(
        errors.is_empty(),
        "{} errors on valid SigmaHQ rules:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
