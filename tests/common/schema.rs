//! Validation of rule files against `siemc schema` with Python's `jsonschema` (draft 2020-12),
//! the validator editors' YAML servers agree with. YAML is read by siemc's own loader (YAML 1.2:
//! `date: 2024-01-01` stays a string, as in the YAML language server).

use siemc::diagnostic::SourceFile;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// One document that the schema rejects, with the validator's first complaints.
#[derive(Debug)]
pub struct Rejection {
    pub path: String,
    pub document: usize,
    pub errors: Vec<String>,
}

/// Documents checked and the rejected ones.
pub struct SchemaVerdicts {
    pub documents: usize,
    pub rejected: Vec<Rejection>,
}

const VALIDATE: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for line in open(sys.argv[2]):
    item = json.loads(line)
    errors = sorted(validator.iter_errors(item["document"]), key=lambda e: list(e.absolute_path))
    if errors:
        print(json.dumps({"path": item["path"], "index": item["index"],
            "errors": ["/".join(map(str, e.absolute_path)) + ": " + e.message[:200] for e in errors[:3]]}))
"#;

/// Validates every YAML document (without YAML errors) of `files` against the schema printed by
/// `siemc schema`, in one Python process.
pub fn validate(files: &[PathBuf], work: &Path) -> SchemaVerdicts {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the schema validator is not installed: run `python3 -m venv .venv && .venv/bin/pip install -r tests/sarif/requirements.txt` (scripts/test.sh does)"
    );
    let schema_path = work.join("rule.schema.json");
    let printed = super::siemc(&["schema"]);
    assert!(printed.status.success());
    std::fs::write(&schema_path, &printed.stdout).unwrap();
    let mut lines = String::new();
    let mut documents = 0;
    for path in files {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = Arc::new(SourceFile::new(path, text));
        let (docs, diagnostics) = siemc::yaml::load_documents(&file);
        if diagnostics.has_errors() {
            continue;
        }
        for document in docs {
            documents += 1;
            let item = serde_json::json!({
                "path": path.display().to_string(),
                "index": document.index,
                "document": document.root.to_json(),
            });
            lines.push_str(&item.to_string());
            lines.push('\n');
        }
    }
    let input = work.join("documents.jsonl");
    std::fs::write(&input, lines).unwrap();
    let output = Command::new(python)
        .args(["-c", VALIDATE])
        .arg(&schema_path)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rejected = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            Rejection {
                path: value["path"].as_str().unwrap().to_string(),
                document: value["index"].as_u64().unwrap() as usize,
                errors: value["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
                    .collect(),
            }
        })
        .collect();
    SchemaVerdicts {
        documents,
        rejected,
    }
}

/// Rule files under `dir`, recursively, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let (files, problems) = siemc::rule::collect_rule_paths(&[dir.to_path_buf()]);
    assert!(problems.is_empty(), "{}", dir.display());
    files
}
