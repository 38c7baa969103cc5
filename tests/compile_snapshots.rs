//! Data-driven snapshot tests: every fixture rule runs through both backends and the output
//! (queries and diagnostics) is pinned in `snapshots/compile/`.

mod common;

use siemc::mapping::Target;

fn snapshot_dir(kind: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(format!("../snapshots/{kind}"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

fn run_folder(folder: &str, kind: &str, expect_errors: bool) {
    let settings = snapshot_dir(kind);
    let mut failures = Vec::new();
    for path in common::fixture_files(folder) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut text = String::new();
        let mut had_error = false;
        for target in [Target::Kql, Target::Spl] {
            let outcome = common::compile(target, &path);
            had_error |= outcome.diagnostics.iter().any(|d| d.is_error());
            text.push_str(&format!("--- {} ---\n", target.name()));
            text.push_str(&common::describe(&outcome));
        }
        if had_error != expect_errors {
            failures.push(format!("{name}: expected errors = {expect_errors}\n{text}"));
        }
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixture_rules_compile_to_both_targets() {
    run_folder("tests/fixtures/compile", "compile", false);
}

#[test]
fn correlation_rules_compile_to_both_targets() {
    run_folder("tests/fixtures/correlation", "correlation", false);
}

/// Each file holds rules and the Sigma filters that apply to them (by id, name, `any`), and a
/// correlation over a filtered rule.
#[test]
fn filtered_rules_compile_to_both_targets() {
    run_folder("tests/fixtures/filters", "filters", false);
}

#[test]
fn invalid_rules_get_located_diagnostics() {
    run_folder("tests/fixtures/compile_errors", "compile_errors", true);
}
