//! The fixes `siemc check` attaches to its diagnostics (what `siemc lsp` offers as quick
//! fixes): applied to the fixture that triggers the check, each one makes that diagnostic go
//! away without breaking the YAML.

use siemc::diagnostic::{Diagnostic, SourceFile};
use siemc::lint::{LintOptions, Linter};
use siemc::mapping::Target;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

fn check(linter: &Linter, path: &Path, text: String) -> Vec<Diagnostic> {
    linter
        .check_source(&Arc::new(SourceFile::new(path, text)))
        .diagnostics
}

const OPERATOR_TYPO: &str = "title: Many failed logons
id: 1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b
status: test
correlation:
    type: event_count
    rules:
        - 8d4c9f0e-6b1a-4f7e-9a3b-2c1d0e9f8a7b
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gtee: 10
level: high
---
title: Failed logon
id: 8d4c9f0e-6b1a-4f7e-9a3b-2c1d0e9f8a7b
status: test
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
level: low
";

#[test]
fn every_fix_removes_its_diagnostic() {
    let linter = Linter::new(&LintOptions {
        targets: vec![Target::Kql, Target::Spl],
        ..LintOptions::default()
    })
    .unwrap();
    let mut fixed_codes = BTreeSet::new();
    let mut fixtures: Vec<_> = std::fs::read_dir("tests/fixtures/check")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .filter_map(|p| Some((std::fs::read_to_string(&p).ok()?, p)))
        .collect();
    fixtures.sort();
    // Fixes the fixtures do not reach.
    fixtures.push((OPERATOR_TYPO.to_string(), "operator-typo.yml".into()));
    for (text, path) in fixtures {
        let before = check(&linter, &path, text.clone());
        for diagnostic in &before {
            for suggestion in &diagnostic.suggestions {
                let span = suggestion.span;
                let mut fixed = text.clone();
                fixed.replace_range(span.start..span.end, &suggestion.replacement);
                let after = check(&linter, &path, fixed.clone());
                let count =
                    |list: &[Diagnostic]| list.iter().filter(|d| d.code == diagnostic.code).count();
                assert!(
                    count(&after) < count(&before),
                    "{}: `{}` did not fix {}:\n{fixed}",
                    path.display(),
                    suggestion.title,
                    diagnostic.code
                );
                let broken: Vec<&Diagnostic> = after
                    .iter()
                    .filter(|d| ["yaml-syntax", "duplicate-key", "wrong-type"].contains(&d.code))
                    .filter(|d| !before.iter().any(|b| b.code == d.code))
                    .collect();
                assert!(
                    broken.is_empty(),
                    "{}: `{}` broke the file: {broken:?}",
                    path.display(),
                    suggestion.title
                );
                fixed_codes.insert(diagnostic.code);
            }
        }
    }
    for code in [
        "unknown-key",
        "unknown-modifier",
        "undefined-selection",
        "missing-key",
        "invalid-status",
        "invalid-level",
        "invalid-related",
        "invalid-tag",
        "unknown-attack-tactic",
        "unknown-tag-namespace",
        "correlation-invalid-type",
        "correlation-invalid-condition",
        "correlation-unknown-rule",
        "unknown-suppression",
        "wildcard-probably-literal",
        "literal-probably-wildcard",
        "value-whitespace",
        "keyword-in-field-rule",
    ] {
        assert!(
            fixed_codes.contains(code),
            "no fixture exercised a fix of {code}: {fixed_codes:?}"
        );
    }
}
