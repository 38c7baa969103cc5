//! `siemc check`'s catalogue, check by check: every fixture `tests/fixtures/check/<code>.yml`
//! (or `<code>.<variant>.yml`) triggers exactly the check it is named after, and its rendered
//! diagnostics are pinned in `snapshots/check/`. `clean*.yml` fixtures trigger nothing. Every
//! code of the catalogue has a fixture, or a test elsewhere that says why it cannot have one.

mod common;

use siemc::diagnostic::{Diagnostic, SourceFile, render_human};
use siemc::lint::{self, LintOptions, Linter, targets::TargetPipeline};
use siemc::mapping::{Mapping, Target};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// Checks without a fixture file, and the test that covers each instead.
const WITHOUT_FIXTURE: &[(&str, &str)] = &[
    (
        "path-not-found",
        "no file to hold it: tests/cli_check.rs (usage_problems_exit_2)",
    ),
    (
        "io-error",
        "an unreadable file cannot be committed: tests/cli_check.rs (bad_input_is_reported_and_the_rest_checked)",
    ),
    (
        "file-too-large",
        "a file over 8 MiB is generated: tests/cli_check.rs (bad_input_is_reported_and_the_rest_checked)",
    ),
    (
        "yaml-too-large",
        "200,000 nodes are generated: tests/cli_check.rs (bad_input_is_reported_and_the_rest_checked)",
    ),
    (
        "invalid-config",
        "lives in siemc.toml: tests/cli_check.rs (siemc_toml_ignores_and_overrides) and src/lint/suppress.rs",
    ),
    (
        "query-rejected-kql",
        "the validators are placeholders until issue 4/5 land: validator_rejections_become_diagnostics below",
    ),
    (
        "query-rejected-spl",
        "the validators are placeholders until issue 4/5 land: validator_rejections_become_diagnostics below",
    ),
    (
        "unsupported-kql",
        "no rule reaches it: lowering turns every keyword into a text match, the only KQL limit left",
    ),
    (
        "query-too-long",
        "needs a value of megabytes, generated: tests/cli_compile.rs (a_megabyte_value_is_query_too_long)",
    ),
    (
        "test-failed",
        "runs `siemc test`'s code on the saved file, which the command line's check does: tests/one_verdict.rs (test_case_typo.yml)",
    ),
    (
        "regex-unsupported-spl",
        "PCRE2 accepts everything regex-syntax parses except look-behinds of unbounded length, which RE2 rejects first: regex_rejected_by_pcre_only below",
    ),
];

fn linter() -> Linter {
    Linter::new(&LintOptions {
        profiles: Vec::new(),
        targets: vec![Target::Kql, Target::Spl],
        ..LintOptions::default()
    })
    .expect("built-in mappings load")
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/check");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| render_human(d, false)).collect()
}

#[test]
fn every_fixture_triggers_exactly_its_check() {
    let linter = linter();
    let settings = snapshot_settings();
    let mut failures = Vec::new();
    let fixtures = common::fixture_files("tests/fixtures/check");
    assert!(fixtures.len() > 60, "{} fixtures", fixtures.len());
    for path in fixtures {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let code = name.split('.').next().unwrap().to_string();
        let outcome = linter.check_paths(&[common::relative(&path)]);
        let found: BTreeSet<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
        let expected: BTreeSet<&str> = if code == "clean" {
            BTreeSet::new()
        } else {
            BTreeSet::from([code.as_str()])
        };
        if found != expected {
            failures.push(format!("{name}: expected {expected:?}, found {found:?}"));
        }
        for diagnostic in &outcome.diagnostics {
            assert!(
                diagnostic.start_position().is_some(),
                "{name}: diagnostic without a position: {diagnostic:?}"
            );
            if let Some(lint) = lint::find(diagnostic.code) {
                assert_eq!(diagnostic.severity, lint.severity, "{name}");
            }
        }
        let text = render(&outcome.diagnostics);
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_check_has_a_fixture_or_a_reason() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let fixture_codes: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .map(|name| name.split('.').next().unwrap().to_string())
        .collect();
    let mut missing = Vec::new();
    for lint in lint::catalogue() {
        let exempt = WITHOUT_FIXTURE.iter().any(|(code, _)| *code == lint.code);
        if fixture_codes.contains(lint.code) == exempt {
            missing.push(format!(
                "{}: fixture {}, exempt {exempt}",
                lint.code,
                fixture_codes.contains(lint.code)
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_catalogue_is_complete_and_documented() {
    let codes: Vec<&str> = lint::catalogue().map(|l| l.code).collect();
    assert!(codes.len() >= 60, "{} checks", codes.len());
    let unique: BTreeSet<&str> = codes.iter().copied().collect();
    assert_eq!(unique.len(), codes.len(), "duplicate codes");
    for lint in lint::catalogue() {
        let doc = lint.documentation();
        assert!(doc.contains("Why:"), "{}: no 'Why:'\n{doc}", lint.code);
        assert!(doc.contains("Example"), "{}: no example\n{doc}", lint.code);
        assert!(!lint.summary().is_empty());
        assert!(lint::explain(lint).starts_with(lint.code));
    }
}

/// The README's table is generated from the catalogue; this fails when it is out of date.
/// `SIEMC_UPDATE_README=1 cargo test --test check_fixtures` rewrites it.
#[test]
fn readme_lists_every_check() {
    common::assert_readme_section(
        "check-catalogue",
        &lint::catalogue_markdown(),
        "check_fixtures",
    );
}

/// The validator's verdict on a generated query becomes a diagnostic on the rule.
#[test]
fn validator_rejections_become_diagnostics() {
    let rejecting = |target: Target| {
        TargetPipeline::with_validator(
            target,
            Mapping::builtin(target),
            Box::new(|source: &Arc<SourceFile>| {
                let end = source.text.len().min(5);
                vec![
                    Diagnostic::error("test-rejection", "rejected by the test's validator")
                        .in_file(source)
                        .at(siemc::diagnostic::Span::new(0, end), ""),
                ]
            }),
        )
    };
    let linter = Linter::with_pipelines(vec![rejecting(Target::Kql), rejecting(Target::Spl)]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/clean.yml");
    let file = siemc::rule::read_source(&common::relative(&path)).unwrap();
    let outcome = linter.check_source(&file);
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["query-rejected-kql", "query-rejected-spl"]);
    let text = render(&outcome.diagnostics);
    snapshot_settings().bind(|| insta::assert_snapshot!("query-rejected", text));
}

/// A look-behind of unbounded length: RE2 rejects every look-behind (so KQL reports first),
/// PCRE2 only the unbounded ones; with SPL alone, `regex-unsupported-spl` is the finding.
#[test]
fn regex_rejected_by_pcre_only() {
    let linter = Linter::new(&LintOptions {
        profiles: Vec::new(),
        targets: vec![Target::Spl],
        ..LintOptions::default()
    })
    .unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/check/regex-unsupported-kql.yml"),
    )
    .unwrap()
    .replace("powershell(?=.*-enc)", "(?<=cmd.*)whoami");
    let file = Arc::new(SourceFile::new("lookbehind.yml", text));
    let outcome = linter.check_source(&file);
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["regex-unsupported-spl"]);
    let rendered = render(&outcome.diagnostics);
    snapshot_settings().bind(|| insta::assert_snapshot!("regex-unsupported-spl", rendered));
}
