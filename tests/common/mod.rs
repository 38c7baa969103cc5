//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod kql_engine;
pub mod schema;
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

/// A profile's compiler; `allow_unmapped` emits queries with unplaced fields (with a warning).
pub fn profile_compiler(profile: &str, allow_unmapped: bool) -> Compiler {
    let profile = siemc::mapping::Profile::find(profile).expect("a built-in profile");
    let mut mapping = Mapping::for_profile(profile);
    mapping.allow_unmapped = allow_unmapped;
    Compiler::new(profile.target, mapping, Templates::embedded())
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

/// Runs the siemc binary from the crate root, without colour.
pub fn siemc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("siemc runs")
}

/// Runs the siemc binary from the crate root with `input` on standard input, without colour.
pub fn siemc_with_stdin(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("siemc runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(input.as_bytes())
        .expect("siemc reads its input");
    drop(stdin);
    child.wait_with_output().expect("siemc finishes")
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A fresh, empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("siemc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A verdict of Microsoft's KQL parser (tests/oracle).
#[derive(serde::Deserialize)]
pub struct Verdict {
    pub id: String,
    pub ok: bool,
    pub diagnostics: Vec<serde_json::Value>,
}

/// Runs one of the oracle scripts in tests/oracle (Microsoft's Kusto.Language in Node.js) over
/// the queries; one verdict per query, in order.
pub fn run_oracle(script: &str, arguments: &[&Path], queries: &[(String, String)]) -> Vec<Verdict> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle");
    assert!(
        oracle
            .join("node_modules/@kusto/language-service-next")
            .is_dir(),
        "Microsoft's KQL parser is not installed: run `npm ci --prefix tests/oracle` (the README's test command does)"
    );
    let mut child = Command::new("node")
        .arg(oracle.join(script))
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut input = String::new();
    for (id, query) in queries {
        input.push_str(&serde_json::json!({"id": id, "query": query}).to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("oracle finishes");
    writer
        .join()
        .expect("writer thread")
        .expect("oracle reads its input");
    assert!(output.status.success(), "oracle failed");
    String::from_utf8(output.stdout)
        .expect("oracle prints UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("oracle prints JSON lines"))
        .collect()
}

/// Checks that README.md holds `table` between `<!-- {marker}:start -->` and
/// `<!-- {marker}:end -->` (a table generated from the code); with `SIEMC_UPDATE_README` set it
/// rewrites the section instead. `test` names the test that regenerates it.
#[allow(dead_code)]
pub fn assert_readme_section(marker: &str, table: &str, test: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (
        format!("<!-- {marker}:start -->\n"),
        format!("<!-- {marker}:end -->"),
    );
    let from = readme
        .find(&start)
        .unwrap_or_else(|| panic!("README has the {marker} start marker"))
        + start.len();
    let to = readme
        .find(&end)
        .unwrap_or_else(|| panic!("README has the {marker} end marker"));
    if readme[from..to] != *table {
        if std::env::var_os("SIEMC_UPDATE_README").is_some() {
            let updated = format!("{}{table}{}", &readme[..from], &readme[to..]);
            std::fs::write(&path, updated).unwrap();
        } else {
            panic!(
                "README.md's {marker} table is out of date; run SIEMC_UPDATE_README=1 cargo test --test {test}\n{table}"
            );
        }
    }
}

/// The arguments of `kusto-analyze.js` for a KQL profile: its tables as a schema file in `dir`
/// (its custom tables included) and, for a profile that calls ASIM parsers, those parsers
/// declared as functions (from `mappings/asim-parsers.json`), not as tables.
pub fn oracle_schema_arguments(
    profile: &siemc::mapping::Profile,
    schema: &siemc::mapping::SentinelSchema,
    dir: &Path,
) -> Vec<PathBuf> {
    let mut tables: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&schema.to_json()).unwrap();
    for function in profile.functions {
        tables.remove(*function);
    }
    let schema_file = dir.join(format!("{}.json", profile.name));
    std::fs::write(&schema_file, serde_json::Value::Object(tables).to_string()).unwrap();
    let mut arguments = vec![schema_file];
    if !profile.functions.is_empty() {
        arguments.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/asim-parsers.json"));
    }
    arguments
}
