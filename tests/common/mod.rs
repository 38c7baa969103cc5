//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod spl_mutations;

use siemc::backend::Templates;
use siemc::compile::{CompileOutcome, Compiler};
use siemc::diagnostic::render_human;
use siemc::mapping::{Mapping, Target};
use std::path::{Path, PathBuf};

pub fn fixture_files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The path as the tests show it: relative to the crate root, `/`-separated.
pub fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

pub fn compiler(target: Target) -> Compiler {
    Compiler::new(target, Mapping::builtin(target), Templates::embedded())
}

pub fn compile(target: Target, path: &Path) -> CompileOutcome {
    compiler(target).compile_paths(&[relative(path)])
}

/// Queries, then diagnostics rendered without colour, as one reviewable text.
pub fn describe(outcome: &CompileOutcome) -> String {
    let mut out = String::new();
    for query in &outcome.queries {
        out.push_str(&query.query);
        out.push('\n');
    }
    for diagnostic in &outcome.diagnostics {
        out.push_str(&render_human(diagnostic, false));
    }
    out
}
