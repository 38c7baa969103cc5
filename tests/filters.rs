//! Sigma filters end to end: the evaluator sees the filtered rule, `siemc test` runs rule tests
//! through the filters (a suppressed event declared `match: false`), `--filter FILE|DIR` and
//! `filters = [...]` in siemc.toml on compile, check, test and export, and broken filters are
//! located diagnostics that never let a rule through unfiltered.

mod common;

use common::{siemc, stderr, stdout, temp_dir};
use siemc::eval::{Event, evaluate};
use siemc::filter::Filters;
use siemc::rule::RuleDocument;
use std::path::Path;
use std::sync::Arc;

const RULE: &str = "title: Data compressed with rar.exe
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
status: test
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\rar.exe'
    condition: selection
tests:
    - name: a user compresses a folder
      match: true
      event: {Image: 'C:\\rar.exe', User: alice}
    - name: an administrator does
      match: false
      event: {Image: 'C:\\rar.exe', User: adm_bob}
---
title: Whoami
id: 8d0f4b3c-0a52-4c9f-9b6e-1b1f2f8a0001
status: test
logsource: {category: process_creation, product: windows}
detection:
    selection: {Image|endswith: '\\whoami.exe'}
    condition: selection
";

const FILTER: &str = "title: Administrators
logsource: {category: process_creation, product: windows}
filter:
    rules: [6f3e2987-db24-4c78-a860-b4f4095a7095]
    selection:
        User|startswith: 'adm_'
    condition: not selection
";

fn event(json: &str) -> Event {
    Event::Json(serde_json::from_str(json).unwrap())
}

#[test]
fn the_evaluator_sees_the_filtered_rule() {
    let text = format!("{RULE}---\n{FILTER}");
    let (mut documents, diagnostics) =
        siemc::rule::load_rule_file(&Arc::new(siemc::diagnostic::SourceFile::new("r.yml", text)));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let unfiltered: Vec<_> = documents
        .iter()
        .filter_map(|d| match d {
            RuleDocument::Detection(rule) => Some(siemc::ir::lower_rule(rule).unwrap().expr),
            _ => None,
        })
        .collect();
    Filters::default()
        .with_documents(documents.iter())
        .apply(&mut documents);
    let RuleDocument::Detection(rar) = &documents[0] else {
        panic!()
    };
    let RuleDocument::Detection(whoami) = &documents[1] else {
        panic!()
    };
    assert_eq!(rar.filters.len(), 1);
    assert!(
        whoami.filters.is_empty(),
        "the filter names only the rar rule"
    );
    let filtered = siemc::ir::lower_rule(rar).unwrap().expr;
    let admin = event(r#"{"Image": "C:\\rar.exe", "User": "ADM_bob"}"#);
    let user = event(r#"{"Image": "C:\\rar.exe", "User": "alice"}"#);
    let no_user = event(r#"{"Image": "C:\\rar.exe"}"#);
    assert!(evaluate(&unfiltered[0], &admin).unwrap().matched);
    assert!(
        !evaluate(&filtered, &admin).unwrap().matched,
        "case-insensitive, like every Sigma match"
    );
    assert!(evaluate(&filtered, &user).unwrap().matched);
    assert!(
        evaluate(&filtered, &no_user).unwrap().matched,
        "`not selection` keeps events without the field"
    );
    assert_eq!(
        siemc::ir::lower_rule(whoami).unwrap().expr,
        unfiltered[1],
        "a rule no filter names is unchanged"
    );
}

#[test]
fn siemc_test_runs_the_tests_through_the_filters() {
    let dir = temp_dir("filters-test");
    std::fs::write(dir.join("rules.yml"), RULE).unwrap();
    std::fs::write(dir.join("admins.yml"), FILTER).unwrap();
    let rules = dir.join("rules.yml");
    // Without the filter, the administrator's event matches and its `match: false` case fails.
    let unfiltered = siemc(&["test", rules.to_str().unwrap(), "--format", "json"]);
    assert_eq!(unfiltered.status.code(), Some(1), "{}", stdout(&unfiltered));
    assert!(stdout(&unfiltered).contains(r#""test":"an administrator does","status":"fail""#));
    let filtered = siemc(&[
        "test",
        rules.to_str().unwrap(),
        "--filter",
        dir.join("admins.yml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(filtered.status.code(), Some(0), "{}", stdout(&filtered));
    assert_eq!(stdout(&filtered).matches(r#""status":"pass""#).count(), 2);
    // The fixtures: every case passes, including the suppressed events.
    let fixtures = siemc(&["test", "tests/fixtures/filters"]);
    assert_eq!(fixtures.status.code(), Some(0), "{}", stdout(&fixtures));
    assert!(
        stdout(&fixtures).contains("11 tests: 11 passed"),
        "{}",
        stdout(&fixtures)
    );
}

#[test]
fn filter_option_and_siemc_toml_apply_to_compile_check_and_export() {
    let dir = temp_dir("filters-cli");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::create_dir_all(dir.join("tuning")).unwrap();
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(dir.join("rules/rules.yml"), RULE).unwrap();
    std::fs::write(dir.join("tuning/admins.yml"), FILTER).unwrap();
    let rules = dir.join("rules");
    let rules = rules.to_str().unwrap();
    let filter = dir.join("tuning");
    let filter = filter.to_str().unwrap();
    for (target, filtered) in [
        ("kql", r#"not(AccountName startswith "adm_")"#),
        ("spl", r#"NOT User="adm_*""#),
    ] {
        let plain = siemc(&["compile", rules, "--target", target]);
        assert!(!stdout(&plain).contains(filtered));
        let output = siemc(&["compile", rules, "--target", target, "--filter", filter]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = stdout(&output);
        assert_eq!(text.matches(filtered).count(), 1, "{text}");
        // Given as input too (by another path): still applied once.
        let twice = siemc(&[
            "compile",
            rules,
            &format!("{rules}/../tuning"),
            "--target",
            target,
            "--filter",
            filter,
        ]);
        assert_eq!(stdout(&twice).matches(filtered).count(), 1);
    }
    let export = siemc(&["export", rules, "--to", "sentinel-yaml", "--filter", filter]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    assert!(
        stdout(&export).contains(r#"and not(AccountName startswith "adm_")"#),
        "{}",
        stdout(&export)
    );
    let conf = siemc(&["export", rules, "--to", "splunk-conf", "--filter", filter]);
    assert!(
        stdout(&conf).contains(r#"Image="*\\rar.exe" NOT User="adm_*""#),
        "{}",
        stdout(&conf)
    );
    // siemc.toml at the repository root names the filters for every command.
    std::fs::write(dir.join("siemc.toml"), "filters = [\"tuning\"]\n").unwrap();
    let configured = siemc(&["compile", rules, "--target", "kql"]);
    assert!(
        stdout(&configured).contains(r#"not(AccountName startswith "adm_")"#),
        "{}",
        stdout(&configured)
    );
    let tested = siemc(&["test", rules]);
    assert_eq!(tested.status.code(), Some(0), "{}", stdout(&tested));
    // check reads the filter files too: a filter naming a missing rule is reported in its file.
    std::fs::write(
        dir.join("tuning/stale.yml"),
        FILTER.replace("6f3e2987-db24-4c78-a860-b4f4095a7095", "stale_rule_name"),
    )
    .unwrap();
    let check = siemc(&["check", rules, "--format", "json"]);
    let findings = stdout(&check);
    assert!(
        findings.contains(r#""code":"filter-unknown-rule""#) && findings.contains("stale.yml"),
        "{findings}"
    );
    std::fs::write(dir.join("siemc.toml"), "filters = [\"no/such/dir\"]\n").unwrap();
    let broken = siemc(&["compile", rules, "--target", "kql"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        stderr(&broken).contains("siemc.toml:1:12") && stderr(&broken).contains("invalid-config"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn a_broken_filter_is_located_and_never_ignored() {
    let dir = temp_dir("filters-broken");
    std::fs::write(dir.join("rules.yml"), RULE).unwrap();
    std::fs::write(
        dir.join("broken.yml"),
        FILTER.replace("condition: not selection", "condition: not selectoin"),
    )
    .unwrap();
    let output = siemc(&[
        "compile",
        dir.join("rules.yml").to_str().unwrap(),
        "--target",
        "kql",
        "--filter",
        dir.join("broken.yml").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(errors.contains("broken.yml:7:20"), "{errors}");
    assert!(errors.contains("error[filter-invalid]"), "{errors}");
    let text = stdout(&output);
    assert!(
        !text.contains("rar.exe"),
        "the filtered rule is not printed without its filter: {text}"
    );
    assert!(
        text.contains("whoami.exe"),
        "the other rule still is: {text}"
    );

    // A rule file given as a filter, and a missing filter path.
    let not_filter = siemc(&[
        "compile",
        dir.join("rules.yml").to_str().unwrap(),
        "--target",
        "spl",
        "--filter",
        dir.join("rules.yml").to_str().unwrap(),
    ]);
    assert_eq!(not_filter.status.code(), Some(1));
    assert!(stderr(&not_filter).contains("error[not-a-filter]"));
    let missing = siemc(&[
        "test",
        dir.join("rules.yml").to_str().unwrap(),
        "--filter",
        "no/such/filters",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("path-not-found"));

    // A filter that lacks `rules:` is a located error, not a filter applied to nothing.
    let no_rules = FILTER.replace("    rules: [6f3e2987-db24-4c78-a860-b4f4095a7095]\n", "");
    std::fs::write(dir.join("no_rules.yml"), no_rules).unwrap();
    let output = siemc(&[
        "check",
        dir.join("no_rules.yml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        stdout(&output).contains(r#""code":"missing-key""#)
            && stdout(&output).contains("filter.rules"),
        "{}",
        stdout(&output)
    );
    assert!(Path::new(&dir).exists());
}
