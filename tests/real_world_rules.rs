//! Rules as teams write them outside SigmaHQ (`tests/fixtures/real_world/`, one fixture per
//! habit: a misspelled log source, metadata left empty, ...): each compiled with every built-in
//! profile and checked, the output pinned in `snapshots/real_world/`; every KQL query through
//! Microsoft's parser and binder with its profile's schema.

mod common;

use siemc::mapping::Target;
use siemc::mapping::profile::PROFILES;
use std::path::Path;

const FOLDER: &str = "tests/fixtures/real_world";

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/real_world");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn every_fixture_with_every_profile_and_check() {
    let settings = snapshot_settings();
    for path in common::fixture_files(FOLDER) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let relative = common::relative(&path);
        let mut text = String::new();
        for profile in PROFILES {
            let compiler = common::profile_compiler(profile.name, false);
            let outcome = compiler.compile_paths(std::slice::from_ref(&relative));
            text.push_str(&format!("--- compile --profile {} ---\n", profile.name));
            text.push_str(&common::describe(&outcome));
        }
        let relative_text = relative.to_string_lossy().to_string();
        if std::fs::read_to_string(&path).unwrap().contains("\ntests:") {
            let test = common::siemc(&["test", &relative_text]);
            text.push_str(&format!(
                "--- test (exit {}) ---\n{}{}",
                test.status.code().unwrap_or(-1),
                common::stdout(&test),
                common::stderr(&test)
            ));
        }
        let check = common::siemc(&["check", &relative_text, "--target", "all"]);
        text.push_str(&format!(
            "--- check (exit {}) ---\n{}",
            check.status.code().unwrap_or(-1),
            common::stdout(&check)
        ));
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}

/// Microsoft's binder, with each KQL profile's typed schema: every table, column and function
/// of every query these fixtures compile to is real.
#[test]
fn microsofts_binder_accepts_every_kql_query() {
    let paths: Vec<_> = common::fixture_files(FOLDER)
        .iter()
        .map(|p| common::relative(p))
        .collect();
    let mut checked = 0;
    for profile in PROFILES.iter().filter(|p| p.target == Target::Kql) {
        let compiler = common::profile_compiler(profile.name, false);
        let outcome = compiler.compile_paths(&paths);
        let queries: Vec<(String, String)> = outcome
            .queries
            .into_iter()
            .map(|q| (format!("{} ({})", q.path, profile.name), q.query))
            .collect();
        if queries.is_empty() {
            continue;
        }
        let dir = common::temp_dir(&format!("real-world-{}", profile.name));
        let arguments = common::oracle_schema_arguments(profile, &compiler.schema, &dir);
        let arguments: Vec<&Path> = arguments.iter().map(|p| p.as_path()).collect();
        let verdicts = common::run_oracle("kusto-analyze.js", &arguments, &queries);
        let rejected: Vec<String> = verdicts
            .iter()
            .zip(&queries)
            .filter(|(verdict, _)| !verdict.ok)
            .map(|(verdict, (_, query))| {
                format!("{}: {:?}\n{query}", verdict.id, verdict.diagnostics)
            })
            .collect();
        assert!(
            rejected.is_empty(),
            "Kusto.Language semantic errors:\n{}",
            rejected.join("\n\n")
        );
        checked += queries.len();
    }
    assert!(checked > 0, "no fixture compiled for KQL");
}
