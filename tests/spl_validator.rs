//! The SPL validator over the project's fixtures: valid searches (every catalogue command, every
//! expression form) have no error; each invalid search gets the error it documents. The
//! rendered diagnostics are pinned in `snapshots/spl/`. Also: every SPL query the compiler
//! generates passes the validator, and a query that does not is reported as a siemc bug.

mod common;

use siemc::backend::Templates;
use siemc::compile::Compiler;
use siemc::diagnostic::{Diagnostic, SourceFile, render_human};
use siemc::mapping::{Mapping, Target};
use siemc::query::spl::ast::{ArgKind, Pipeline, SearchExpr, SearchKind, StageKind, ValueKind};
use siemc::query::spl::{SplCheckOptions, check_query, commands, parse};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn spl_files(folder: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "spl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {folder}");
    files
}

fn check_file(path: &Path) -> (Arc<SourceFile>, Vec<Diagnostic>) {
    let text = std::fs::read_to_string(path).unwrap();
    let file = Arc::new(SourceFile::new(common::relative(path), text));
    let diagnostics = check_query(&file, &SplCheckOptions::default());
    (file, diagnostics)
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/spl");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

fn run_folder(folder: &str, prefix: &str, expect_errors: bool) {
    let settings = snapshot_settings();
    let mut failures = Vec::new();
    for path in spl_files(folder) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let (_, diagnostics) = check_file(&path);
        let rendered: String = diagnostics.iter().map(|d| render_human(d, false)).collect();
        let has_errors = diagnostics.iter().any(Diagnostic::is_error);
        if has_errors != expect_errors {
            failures.push(format!(
                "{name}: expected errors = {expect_errors}\n{rendered}"
            ));
        }
        settings.bind(|| insta::assert_snapshot!(format!("{prefix}_{name}"), rendered));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_searches_have_no_errors() {
    run_folder("tests/fixtures/spl/valid", "valid", false);
}

#[test]
fn invalid_searches_get_named_errors() {
    run_folder("tests/fixtures/spl/invalid", "invalid", true);
}

/// Every command the catalogue checks fully appears in a valid fixture, so each checker has
/// been shown to accept a correct search.
#[test]
fn valid_fixtures_cover_every_fully_checked_command() {
    let mut seen = BTreeSet::new();
    for path in spl_files("tests/fixtures/spl/valid") {
        let text = std::fs::read_to_string(&path).unwrap();
        let pipeline =
            parse::parse_query(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        collect_commands(&pipeline, &text, &mut seen);
    }
    let missing: Vec<&str> = commands::COMMANDS
        .iter()
        .filter(|c| c.fully_checked() && !seen.contains(c.name))
        .map(|c| c.name)
        .collect();
    assert!(missing.is_empty(), "no valid fixture uses: {missing:?}");
}

fn collect_commands(pipeline: &Pipeline, text: &str, seen: &mut BTreeSet<String>) {
    for stage in &pipeline.stages {
        match &stage.kind {
            StageKind::Search { expr, .. } => {
                seen.insert("search".into());
                if let Some(expr) = expr {
                    collect_in_search(expr, text, seen);
                }
            }
            StageKind::Where { .. } => {
                seen.insert("where".into());
            }
            StageKind::Eval { .. } => {
                seen.insert("eval".into());
            }
            StageKind::Command(command) => {
                seen.insert(text[command.name.start..command.name.end].to_ascii_lowercase());
                for arg in &command.args {
                    if let ArgKind::Subsearch(inner) = &arg.kind {
                        collect_commands(inner, text, seen);
                    }
                }
            }
            StageKind::Empty | StageKind::Macro { .. } => {}
        }
    }
}

fn collect_in_search(expr: &SearchExpr, text: &str, seen: &mut BTreeSet<String>) {
    match &expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            items.iter().for_each(|i| collect_in_search(i, text, seen))
        }
        SearchKind::Not { operand, .. } => collect_in_search(operand, text, seen),
        SearchKind::Group(Some(inner)) => collect_in_search(inner, text, seen),
        SearchKind::Term(value) => {
            if let ValueKind::Subsearch(inner) = &value.kind {
                collect_commands(inner, text, seen);
            }
        }
        _ => {}
    }
}

#[test]
fn every_generated_spl_query_passes_the_validator() {
    let compiler = common::compiler(Target::Spl);
    let fixtures = common::fixture_files("tests/fixtures/compile");
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &fixtures {
        let outcome = compiler.compile_paths(&[common::relative(path)]);
        assert!(
            outcome.diagnostics.iter().all(|d| !d.is_error()),
            "{}: {}",
            path.display(),
            outcome
                .diagnostics
                .iter()
                .map(|d| render_human(d, false))
                .collect::<String>()
        );
        for query in &outcome.queries {
            checked += 1;
            let file = Arc::new(SourceFile::new(&query.path, query.query.as_str()));
            // Our own searches pass our own lint: no error and no warning (a leading wildcard
            // that `contains` needs is a note).
            for diagnostic in check_query(&file, &SplCheckOptions::default()) {
                if diagnostic.severity != siemc::diagnostic::Severity::Info {
                    failures.push(render_human(&diagnostic, false));
                }
            }
        }
    }
    assert!(
        checked >= fixtures.len(),
        "only {checked} queries for {} fixtures",
        fixtures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_invalid_generated_query_is_reported_as_a_siemc_bug() {
    let dir = std::env::temp_dir().join(format!("siemc-spl-template-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("spl")).unwrap();
    // A template that leaves a pipe with nothing after it.
    std::fs::write(
        dir.join("spl/query.jinja"),
        "{{ search }} {{ search_condition }} |",
    )
    .unwrap();
    let templates = Templates::from_dir(&dir).unwrap();
    let compiler = Compiler::new(Target::Spl, Mapping::builtin(Target::Spl), templates);
    let fixture = &common::fixture_files("tests/fixtures/compile")[0];
    let outcome = compiler.compile_paths(&[common::relative(fixture)]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(outcome.queries.is_empty());
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["internal-invalid-query"]);
    assert!(outcome.diagnostics[0].message.contains("empty-stage"));
}
