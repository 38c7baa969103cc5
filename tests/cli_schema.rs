//! `siemc schema`: a draft 2020-12 JSON Schema that every rule the project ships and every
//! project fixture meant to be valid satisfies, and that known-bad fixtures fail.

mod common;

use common::schema::{validate, yaml_files};
use common::{siemc, temp_dir};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn schema_is_printed_as_draft_2020_12() {
    let output = siemc(&["schema"]);
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

#[test]
fn shipped_rules_and_valid_fixtures_validate() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "rules",
        "tests/fixtures/compile",
        "tests/fixtures/correlation",
        "tests/fixtures/filters",
    ] {
        files.extend(yaml_files(&root().join(dir)));
    }
    files.extend(
        common::fixture_files("tests/fixtures/check")
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("clean")
            }),
    );
    let verdicts = validate(&files, &temp_dir("schema-valid"));
    assert!(verdicts.documents > 100, "{} documents", verdicts.documents);
    assert!(
        verdicts.rejected.is_empty(),
        "{} of {} documents rejected: {:#?}",
        verdicts.rejected.len(),
        verdicts.documents,
        verdicts.rejected
    );
}

/// Fixtures of `siemc check` whose problem is one of structure, which the schema must catch.
const KNOWN_BAD: &[&str] = &[
    "correlation-invalid-type",
    "correlation-invalid-timespan",
    "empty-selection",
    "empty-value-list",
    "invalid-level",
    "invalid-related",
    "invalid-status",
    "invalid-tag",
    "missing-key",
    "missing-key.misspelled-condition",
    "mixed-selection",
    "title-too-long",
    "unknown-modifier",
    "wrong-type",
];

#[test]
fn known_bad_fixtures_are_rejected() {
    let files: Vec<PathBuf> = KNOWN_BAD
        .iter()
        .map(|name| root().join(format!("tests/fixtures/check/{name}.yml")))
        .collect();
    let verdicts = validate(&files, &temp_dir("schema-invalid"));
    for file in &files {
        let shown = file.display().to_string();
        assert!(
            verdicts.rejected.iter().any(|r| r.path == shown),
            "{shown} validates, but it is broken"
        );
    }
}
