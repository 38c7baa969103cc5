//! Conformance over SigmaHQ's rules (`../shared/corpus/sigma/rules`, outside the repository):
//! the share of rules that compile per target with the built-in mappings, every failure an
//! expected, located diagnostic, never a panic. `.ci/run` runs it with `--ignored` when the
//! corpus is present; the project's own tests do not need it.

mod common;

use siemc::mapping::Target;
use std::collections::BTreeMap;
use std::path::Path;

/// Diagnostics a valid SigmaHQ rule may legitimately get from a compiler: a log source the
/// built-in mappings do not place, a placeholder without values, a regex the target cannot run,
/// document kinds compiled elsewhere.
const EXPECTED_FAILURES: &[&str] = &[
    "unmapped-logsource",
    "unresolved-placeholder",
    "regex-unsupported-kql",
    "unsupported-correlation",
    // a field the profile's table has no column for (issue 10: refused, never printed broken)
    "unmapped-field",
    // a note: the rule's table is a custom table the profile declares
    "custom-table",
];

/// The aim of issue 2: at least 99% of the rules compile for each target. For KQL, issue 10
/// refuses the fields a Sentinel table lacks instead of printing a query the binder rejects;
/// its aim (tests/conformance_profiles.rs, checked with Microsoft's binder) is 90%.
fn minimum_share(target: Target) -> f64 {
    match target {
        Target::Kql => 0.90,
        Target::Spl => 0.99,
    }
}

#[test]
#[ignore = "needs ../shared/corpus (run by .ci/run)"]
fn sigmahq_rules_compile_with_the_built_in_mappings() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigma/rules");
    assert!(corpus.is_dir(), "{} not found", corpus.display());
    let (paths, problems) = siemc::rule::collect_rule_paths(&[corpus]);
    assert!(problems.is_empty());
    let mut report = Vec::new();
    let mut unexpected = Vec::new();
    for target in [Target::Kql, Target::Spl] {
        let compiler = common::compiler(target);
        let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
        let mut compiled = 0;
        let mut rules = 0;
        for path in &paths {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                compiler.compile_paths(std::slice::from_ref(path))
            }))
            .unwrap_or_else(|_| panic!("siemc panicked on {}", path.display()));
            rules += outcome.rules_seen
                + outcome
                    .diagnostics
                    .iter()
                    .filter(|d| d.code.starts_with("unsupported-"))
                    .count();
            compiled += outcome.queries.len();
            for diagnostic in &outcome.diagnostics {
                *codes.entry(diagnostic.code).or_default() += 1;
                assert!(
                    diagnostic.start_position().is_some(),
                    "diagnostic without a location: {diagnostic:?}"
                );
                if !EXPECTED_FAILURES.contains(&diagnostic.code) {
                    unexpected.push(siemc::diagnostic::render_human(diagnostic, false));
                }
            }
        }
        let share = compiled as f64 / rules as f64;
        report.push(format!(
            "{}: {compiled} of {rules} rules compiled ({:.2}%); diagnostics by code: {codes:?}",
            target.name(),
            share * 100.0
        ));
        assert!(
            share >= minimum_share(target) || !unexpected.is_empty(),
            "{}",
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
    assert!(
        unexpected.is_empty(),
        "unexpected diagnostics on valid SigmaHQ rules:\n{}",
        unexpected.join("\n")
    );
}
