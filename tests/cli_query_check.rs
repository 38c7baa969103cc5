//! Command-line tests of `siemc query check`: input forms, output formats, exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn siemc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("siemc runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("siemc-qc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_input_form_is_read() {
    let dir = temp_dir("inputs");
    std::fs::write(dir.join("a.kql"), "SigninLogs | take 10").unwrap();
    std::fs::write(
        dir.join("b.jsonl"),
        "{\"id\": \"q1\", \"query\": \"SigninLogs | take 1\"}\n\n{\"id\": \"q2\", \"query\": \"AuditLogs | count\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rule.yaml"),
        "id: 1\nname: A rule\nquery: |\n  SigninLogs\n  | where ResultType == \"0\"\n",
    )
    .unwrap();
    let output = siemc(
        &[
            "query",
            "check",
            "--lang",
            "kql",
            dir.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(ids.contains(&"q1") && ids.contains(&"q2"));
    assert!(
        ids.iter().any(|id| id.ends_with("a.kql"))
            && ids.iter().any(|id| id.ends_with("rule.yaml"))
    );
    for record in &records {
        let keys: Vec<&str> = record
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["diagnostics", "id", "ok"]);
    }
    let stdin = siemc(
        &["query", "check", "--lang", "spl", "-", "--format", "json"],
        Some("index=main | head 5"),
    );
    assert_eq!(stdin.status.code(), Some(0));
    assert!(
        String::from_utf8(stdin.stdout)
            .unwrap()
            .starts_with("{\"id\":\"-\"")
    );
}

#[test]
fn bad_inputs_are_located_and_exit_1() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("b.jsonl"),
        "{\"id\": \"ok\", \"query\": \"T | take 1\"}\nnot json\n",
    )
    .unwrap();
    let output = siemc(
        &[
            "query",
            "check",
            "--lang",
            "kql",
            dir.join("b.jsonl").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("error[invalid-input]") && text.contains("b.jsonl:2:1"),
        "{text}"
    );
}

#[test]
fn sarif_and_github_formats() {
    let dir = temp_dir("formats");
    std::fs::write(dir.join("b.jsonl"), "not json\n").unwrap();
    let path = dir.join("b.jsonl");
    let sarif = siemc(
        &[
            "query",
            "check",
            "--lang",
            "kql",
            path.to_str().unwrap(),
            "--format",
            "sarif",
        ],
        None,
    );
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "invalid-input");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "invalid-input"
    );
    let github = siemc(
        &[
            "query",
            "check",
            "--lang",
            "kql",
            path.to_str().unwrap(),
            "--format",
            "github",
        ],
        None,
    );
    let text = String::from_utf8(github.stdout).unwrap();
    assert!(text.starts_with("::error file="), "{text}");
    assert!(text.contains(",line=1,col=1,"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        siemc(&["query", "check", "--lang", "kql", "no/such.kql"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        siemc(&["query", "check", "--lang", "sql", "x.kql"], None)
            .status
            .code(),
        Some(2)
    );
}

/// `--macros` is repeatable: ESCU's macros with CIM's `drop_dm_object_name`, the later file
/// winning for a macro both define; a quoted argument is pasted with its quotes (macros.conf.spec).
#[test]
fn several_macro_files_are_merged_in_order() {
    let dir = temp_dir("macros");
    std::fs::write(
        dir.join("escu.jsonl"),
        "{\"name\": \"sysmon\", \"definition\": \"index=main\", \"arguments\": []}\n{\"name\": \"bad\", \"definition\": \"stats nosuchfn(x)\", \"arguments\": []}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("cim.conf"),
        "[drop_dm_object_name(1)]\nargs = object\ndefinition = rename $object$.* AS *\n\n[bad]\ndefinition = stats count\n",
    )
    .unwrap();
    let search = "`sysmon` | `drop_dm_object_name(\"Processes\")` | `bad`";
    let escu = dir.join("escu.jsonl");
    let cim = dir.join("cim.conf");
    let both = siemc(
        &[
            "query",
            "check",
            "--lang",
            "spl",
            "--macros",
            escu.to_str().unwrap(),
            "--macros",
            cim.to_str().unwrap(),
            "-",
        ],
        Some(search),
    );
    let text = String::from_utf8(both.stdout).unwrap();
    assert_eq!(both.status.code(), Some(0), "{text}");
    assert!(!text.contains("unknown-macro"), "{text}");
    // The other order: ESCU's broken `bad` wins and is reported at the call.
    let reversed = siemc(
        &[
            "query",
            "check",
            "--lang",
            "spl",
            "--macros",
            cim.to_str().unwrap(),
            "--macros",
            escu.to_str().unwrap(),
            "-",
        ],
        Some(search),
    );
    let text = String::from_utf8(reversed.stdout).unwrap();
    assert_eq!(reversed.status.code(), Some(1), "{text}");
    assert!(text.contains("unknown-stats-function"), "{text}");
}

/// A record of a JSON Lines file is located in the file (line 2 is line 2, the column inside
/// the line) when its query has no escape, and the human output names the record's id.
#[test]
fn json_lines_records_are_located_and_named() {
    let dir = temp_dir("jsonl-positions");
    let path = dir.join("queries.jsonl");
    std::fs::write(
        &path,
        "{\"id\": \"good\", \"query\": \"SigninLogs | take 1\"}\n{\"id\": \"broken\", \"query\": \"SigninLogs | wher x\"}\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let human = siemc(&["query", "check", "--lang", "kql", path], None);
    assert_eq!(human.status.code(), Some(1));
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("query `broken`"), "{text}");
    // `wher` starts at column 41 of line 2: 27 characters before the query, then 13 in it.
    assert!(text.contains("queries.jsonl:2:41"), "{text}");
    let github = siemc(
        &[
            "query", "check", "--lang", "kql", path, "--format", "github",
        ],
        None,
    );
    let text = String::from_utf8(github.stdout).unwrap();
    assert!(text.contains("line=2,col=41"), "{text}");
}

/// `siemc compile --format json | siemc query check -`: the JSON records are read as queries.
#[test]
fn compiled_json_lines_on_stdin_are_checked() {
    let compiled = Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(["compile", "rules/", "--target", "kql", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let records = String::from_utf8(compiled.stdout).unwrap();
    assert!(records.lines().count() >= 10);
    let checked = siemc(&["query", "check", "--lang", "kql", "-"], Some(&records));
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    let summary = String::from_utf8(checked.stderr).unwrap();
    assert!(
        summary.contains(&format!(
            "checked {} KQL queries: 0 with errors",
            records.lines().count()
        )),
        "{summary}"
    );
}

/// An unknown column is a warning: exit 0, and exit 1 under `--deny warnings`.
#[test]
fn deny_warnings_fails_on_unknown_columns() {
    let query = "SigninLogs | where NoSuchColumn == 1";
    let plain = siemc(&["query", "check", "--lang", "kql", "-"], Some(query));
    assert_eq!(plain.status.code(), Some(0));
    assert!(
        String::from_utf8(plain.stdout)
            .unwrap()
            .contains("warning[kql-unknown-column]")
    );
    let denied = siemc(
        &["query", "check", "--lang", "kql", "-", "--deny", "warnings"],
        Some(query),
    );
    assert_eq!(denied.status.code(), Some(1));
}
