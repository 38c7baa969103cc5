//! `siemc check` over SigmaHQ's rules (`../shared/corpus/sigma/rules`, outside the repository;
//! they pass SigmaHQ's own CI): a table of diagnostics by code and severity. The only errors
//! expected are the default profiles' refusals (`unmapped-field`: data a profile has in no
//! column), and they are exactly the rules `compile` refuses (one verdict); any other error is
//! a real problem of that rule or a bug of the linter, and fails the test with its rendering.
//! Run with `--ignored` when the corpus is present.

use siemc::backend::Templates;
use siemc::compile::Compiler;
use siemc::lint::{LintOptions, Linter};
use siemc::mapping::{Mapping, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
#[ignore = "needs ../shared/corpus"]
fn sigmahq_rules_get_the_verdict_of_compile_from_check() {
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
        if diagnostic.is_error() && diagnostic.code != "unmapped-field" {
            errors.push(siemc::diagnostic::render_human(diagnostic, false));
        }
    }
    // One verdict: the files check fails with `unmapped-field` are the files `compile` refuses
    // a rule of, for one target or the other.
    let checked: BTreeSet<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.code == "unmapped-field")
        .filter_map(|d| d.file.as_ref().map(|f| f.display_path()))
        .collect();
    let mut refused = BTreeSet::new();
    for target in [Target::Kql, Target::Spl] {
        let compiler = Compiler::new(target, Mapping::builtin(target), Templates::embedded());
        let compiled = compiler.compile_paths(&paths);
        refused.extend(
            compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .filter_map(|d| d.file.as_ref().map(|f| f.display_path())),
        );
    }
    println!(
        "files check fails with unmapped-field: {}; files compile refuses a rule of: {}",
        checked.len(),
        refused.len()
    );
    assert_eq!(
        checked.symmetric_difference(&refused).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "check and compile disagree on these files"
    );
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
