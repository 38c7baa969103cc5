//! One verdict: what `siemc export` and `siemc test` would refuse or fail in a file, reported
//! by `check` as its own findings, so that `check` green means `compile`, `test` and `export`
//! green for the checked profiles. Takes: a rule file already checked and the findings so far.
//! Gives: the errors of exporting its rules in each checked target's format (`sentinel-yaml`
//! for KQL, `splunk-conf` for SPL: the `deploy:` block, ATT&CK tags, export limits) that are
//! not already among the findings, and its test cases that are invalid or fail (`test-failed`,
//! at the case).
//!
//! Both run the commands' own code on the file as saved (the CLI); an editor's unsaved text
//! is checked without them.

use super::lints;
use crate::backend::Templates;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::export::{ExportFormat, ExportOutcome, Exporter};
use crate::filter::Filters;
use crate::mapping::{Mapping, Target};
use crate::rule::RuleDocument;
use crate::testcases::{self, Status};
use std::sync::Arc;

lints! { Commands;
    /// A test case of the rule (`tests:`, a `*.tests.yml` beside it) fails: the rule matches
    /// an event it must not, or misses one it must match.
    ///
    /// Why: `siemc test` fails on it (exit 1); `check` gives the same verdict, so a green
    /// `check` in CI means the rule's own tests pass. The message is `siemc test`'s.
    ///
    /// Example: `match: true` with an event whose `Image` the selection does not match.
    TEST_FAILED = "test-failed", Error;
}

/// The exporters and the test mapping of the checked targets.
pub struct CommandChecks {
    exporters: Vec<Exporter>,
    /// Placeholder values for `|expand` in test runs (the first checked target's mapping).
    test_mapping: Mapping,
}

impl CommandChecks {
    /// One exporter per target, with that target's mapping (profile and `--mapping` files).
    pub fn new(mappings: &[Mapping]) -> Option<CommandChecks> {
        let exporters = mappings
            .iter()
            .map(|mapping| {
                let format = match mapping.target {
                    Target::Kql => ExportFormat::SentinelYaml,
                    Target::Spl => ExportFormat::SplunkConf,
                };
                Exporter::new(format, mapping.clone(), Templates::embedded(), false)
            })
            .collect();
        Some(CommandChecks {
            exporters,
            test_mapping: mappings.first()?.clone(),
        })
    }
}

/// The export and test verdicts on `file` (its `documents` loaded) not already in `known`.
pub fn check(
    checks: &CommandChecks,
    file: &Arc<SourceFile>,
    documents: &[RuleDocument],
    known: &[Diagnostic],
) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = Vec::new();
    let is_new = |found: &[Diagnostic], d: &Diagnostic| {
        let same = |other: &Diagnostic| {
            other.code == d.code
                && other.primary_span() == d.primary_span()
                && other.message == d.message
        };
        !known.iter().any(same) && !found.iter().any(same)
    };
    // A problem check already reports as an error at the same place (compile's refusals,
    // `invalid-level` where export says `deploy-invalid-severity`) is not reported twice; a
    // correlation's reference to a rule of another file is resolved by check across files
    // (`correlation-unknown-rule`), which one file's export or test run cannot do.
    let reported = |d: &Diagnostic| {
        d.code == "unknown-rule"
            || known.iter().any(|k| {
                k.is_error()
                    && k.primary_span() == d.primary_span()
                    && k.file.as_ref().map(|f| f.path()) == d.file.as_ref().map(|f| f.path())
            })
    };
    for exporter in &checks.exporters {
        let mut outcome = ExportOutcome::default();
        exporter.export_file(file, &mut outcome);
        for diagnostic in outcome.diagnostics.into_iter().filter(Diagnostic::is_error) {
            if !reported(&diagnostic) && is_new(&found, &diagnostic) {
                found.push(diagnostic);
            }
        }
    }
    let (run, _) = testcases::run_tests(
        &[file.path().to_path_buf()],
        &checks.test_mapping,
        &Filters::default(),
    );
    // A case in error because of a problem reported as a diagnostic (an invalid case, a rule
    // that does not load or compile) is that diagnostic; one in error at run time is a failure.
    let explained = |message: &str| {
        run.diagnostics
            .iter()
            .any(|d| message.ends_with(&d.message))
    };
    let failing: Vec<_> = run
        .results
        .iter()
        .filter(|r| {
            r.status == Status::Fail || (r.status == Status::Error && !explained(&r.message))
        })
        .collect();
    for diagnostic in run.diagnostics.iter().filter(|d| d.is_error()) {
        if !reported(diagnostic) && is_new(&found, diagnostic) {
            found.push(diagnostic.clone());
        }
    }
    for result in failing {
        let (span, label) = match case_span(documents, &result.rule_title, &result.test) {
            Some(span) => (span, "this test case"),
            None => (crate::diagnostic::Span::new(0, 0), "in this file"),
        };
        let diagnostic = TEST_FAILED
            .at(
                file,
                span,
                format!(
                    "test `{}` of `{}` {}: {}",
                    result.test,
                    result.rule_title,
                    if result.status == Status::Fail {
                        "fails"
                    } else {
                        "cannot run"
                    },
                    result.message
                ),
                label,
            )
            .with_help("`siemc test` on this file shows the event; fix the rule or the case");
        if is_new(&found, &diagnostic) {
            found.push(diagnostic);
        }
    }
    found
}

/// The span of the test case named `test` of the rule titled `title`, in its `tests:` list.
fn case_span(
    documents: &[RuleDocument],
    title: &str,
    test: &str,
) -> Option<crate::diagnostic::Span> {
    documents.iter().find_map(|document| {
        let meta = match document {
            RuleDocument::Detection(rule) => &rule.meta,
            RuleDocument::Correlation(correlation) => &correlation.meta,
            RuleDocument::Filter(_) => return None,
        };
        if meta.title.as_ref().is_some_and(|t| t.value != title) {
            return None;
        }
        meta.tests
            .as_ref()?
            .as_sequence()?
            .iter()
            .find(|case| case.get("name").and_then(|n| n.as_str()) == Some(test))
            .map(|case| case.span)
    })
}
