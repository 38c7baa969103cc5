//! Snapshots of the KQL validator's diagnostics for every invalid fixture
//! (`tests/fixtures/kql/invalid/*.kql`, each starting with a comment that says what is wrong),
//! rendered as `siemc query check` shows them, in `snapshots/kql/`.

mod common;

use siemc::diagnostic::{SourceFile, render_human};
use siemc::query::kql::{KqlCheckOptions, check_query};
use std::path::Path;
use std::sync::Arc;

#[test]
fn invalid_queries_get_located_diagnostics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kql/invalid");
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .expect("fixture folder")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "kql"))
        .collect();
    paths.sort();
    let options = KqlCheckOptions::builtin();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/kql");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let mut without_error = Vec::new();
    for path in &paths {
        let name = path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
        assert!(
            text.starts_with("//"),
            "{name}: the first line must say what is wrong"
        );
        let file = Arc::new(SourceFile::new(common::relative(path), text));
        let diagnostics = check_query(&file, &options);
        if !diagnostics.iter().any(|d| d.is_error()) {
            without_error.push(name.clone());
        }
        let rendered: String = diagnostics.iter().map(|d| render_human(d, false)).collect();
        settings.bind(|| insta::assert_snapshot!(name, rendered));
    }
    assert!(paths.len() >= 60, "{} fixtures", paths.len());
    assert!(
        without_error.is_empty(),
        "no error reported for {without_error:?}"
    );
}
