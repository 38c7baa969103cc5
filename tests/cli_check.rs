//! Command-line tests of `siemc check`: every output format (SARIF validated against the
//! SARIF 2.1.0 schema), exit codes, suppression (`--ignore`, `siemc.toml`, inline comments),
//! `--explain`, and bad input that must not stop the other files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn siemc_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_siemc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("siemc runs")
}

fn siemc(args: &[&str]) -> Output {
    siemc_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A scratch directory with a `.git` marker, so `siemc.toml` lookups stop inside it.
fn temp_repo(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("siemc-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir
}

/// The fixture with its `id` made unique per `copy` (rules copied into one run must not
/// share an id).
fn fixture_copy(name: &str, copy: u32) -> String {
    fixture(name).replacen("id: 6f7a", &format!("id: {copy:04x}"), 1)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/check")
            .join(name),
    )
    .unwrap()
}

const WARNING_FIXTURE: &str = "tests/fixtures/check/value-whitespace.yml";
const ERROR_FIXTURE: &str = "tests/fixtures/check/invalid-level.yml";

#[test]
fn exit_codes_follow_severity_and_deny_warnings() {
    assert_eq!(
        siemc(&["check", "tests/fixtures/check/clean.yml"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(siemc(&["check", WARNING_FIXTURE]).status.code(), Some(0));
    assert_eq!(
        siemc(&["check", WARNING_FIXTURE, "--deny", "warnings"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(siemc(&["check", ERROR_FIXTURE]).status.code(), Some(1));
    assert_eq!(
        siemc(&["check", ERROR_FIXTURE, "--ignore", "invalid-level"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn human_format_is_rustc_like_with_a_summary() {
    let output = siemc(&["check", WARNING_FIXTURE, ERROR_FIXTURE]);
    let text = stdout(&output);
    assert!(
        text.contains("warning[value-whitespace]: `SYSTEM ` has trailing whitespace"),
        "{text}"
    );
    assert!(
        text.contains("  --> tests/fixtures/check/value-whitespace.yml:19:22"),
        "{text}"
    );
    assert!(text.contains("error[invalid-level]"), "{text}");
    assert!(!text.contains('\x1b'), "no colour without a terminal");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("checked 2 files: 1 error, 1 warning"),
        "{stderr}"
    );
}

#[test]
fn json_format_is_one_record_per_diagnostic() {
    let output = siemc(&["check", WARNING_FIXTURE, ERROR_FIXTURE, "--format", "json"]);
    let records: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    let first = &records[0];
    // The object's keys (serde_json sorts them), the contract of DESIGN.md §2.
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "code",
            "column",
            "end_column",
            "end_line",
            "line",
            "message",
            "path",
            "severity"
        ]
    );
    assert_eq!(first["path"], "tests/fixtures/check/value-whitespace.yml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(19), Some(22))
    );
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(19), Some(23))
    );
    assert_eq!(first["severity"], "warning");
    assert_eq!(records[1]["code"], "invalid-level");
    assert_eq!(records[1]["severity"], "error");
}

#[test]
fn github_format_is_workflow_commands() {
    let output = siemc(&[
        "check",
        WARNING_FIXTURE,
        ERROR_FIXTURE,
        "--format",
        "github",
    ]);
    let lines: Vec<String> = stdout(&output).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(
        "::warning file=tests/fixtures/check/value-whitespace.yml,line=19,col=22,endLine=19,endColumn=23,title=value-whitespace::"
    ), "{}", lines[0]);
    assert!(
        lines[1].starts_with("::error file=tests/fixtures/check/invalid-level.yml,line=22,col=8,"),
        "{}",
        lines[1]
    );
}

#[test]
fn sarif_format_validates_against_the_sarif_2_1_0_schema() {
    let dir = temp_repo("sarif");
    let output = siemc(&[
        "check",
        WARNING_FIXTURE,
        ERROR_FIXTURE,
        "tests/fixtures/check/unknown-key.yml",
        "--format",
        "sarif",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    let level_rule = rules.iter().find(|r| r["id"] == "invalid-level").unwrap();
    let help = level_rule["help"]["text"].as_str().unwrap();
    assert!(
        help.contains("Why:") && help.contains("informational"),
        "{help}"
    );
    let result = &run["results"][1];
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        22
    );
    let sarif_path = dir.join("out.sarif");
    std::fs::write(&sarif_path, &output.stdout).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the SARIF schema validator is not installed: run `python3 -m venv .venv && .venv/bin/pip install -r tests/sarif/requirements.txt` (scripts/test.sh does)"
    );
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  log = json.load(open(sys.argv[2]))\n\
                  errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))\n\
                  for e in errors: print(list(e.absolute_path), e.message)\n\
                  sys.exit(1 if errors else 0)\n";
    let validation = Command::new(python)
        .args(["-c", script])
        .arg(root.join("tests/sarif/sarif-schema-2.1.0.json"))
        .arg(&sarif_path)
        .output()
        .unwrap();
    assert!(
        validation.status.success(),
        "SARIF output does not validate:\n{}{}",
        String::from_utf8_lossy(&validation.stdout),
        String::from_utf8_lossy(&validation.stderr)
    );
    // The validator does reject a broken log (the check above can fail).
    std::fs::write(
        &sarif_path,
        r#"{"version": "2.1.0", "runs": [{"results": []}]}"#,
    )
    .unwrap();
    let broken = Command::new(root.join(".venv/bin/python"))
        .args(["-c", script])
        .arg(root.join("tests/sarif/sarif-schema-2.1.0.json"))
        .arg(&sarif_path)
        .output()
        .unwrap();
    assert!(!broken.status.success());
}

#[test]
fn explain_prints_the_documentation() {
    let output = siemc(&["check", "--explain", "null-in-list"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.starts_with("null-in-list (detection check, warning)"),
        "{text}"
    );
    assert!(text.contains("Why:") && text.contains("Example:"), "{text}");
    let unknown = siemc(&["check", "--explain", "nul-in-list"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `null-in-list`?"));
}

#[test]
fn usage_problems_exit_2() {
    let missing = siemc(&["check", "no/such/rules"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stdout(&missing).contains("path-not-found"));
    let bad_ignore = siemc(&["check", WARNING_FIXTURE, "--ignore", "value-whitespce"]);
    assert_eq!(bad_ignore.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad_ignore.stderr).contains("did you mean `value-whitespace`?")
    );
}

#[test]
fn siemc_toml_ignores_and_overrides() {
    let dir = temp_repo("toml");
    let rules = dir.join("rules");
    std::fs::create_dir_all(rules.join("legacy")).unwrap();
    std::fs::write(rules.join("a.yml"), fixture_copy("value-whitespace.yml", 1)).unwrap();
    std::fs::write(
        rules.join("legacy/b.yml"),
        fixture_copy("invalid-level.yml", 2),
    )
    .unwrap();
    std::fs::write(rules.join("c.yml"), fixture_copy("invalid-level.yml", 3)).unwrap();
    let codes = |output: &Output| -> Vec<(String, String)> {
        stdout(output)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|r| {
                (
                    r["path"].as_str().unwrap().to_string(),
                    r["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = siemc_in(&dir, &["check", "rules", "--format", "json"]);
    assert_eq!(codes(&before).len(), 3, "{:?}", codes(&before));
    std::fs::write(
        dir.join("siemc.toml"),
        "[check]\nignore = [\"value-whitespace\"]\n\n[[check.overrides]]\npaths = [\"rules/legacy/**\"]\nignore = [\"invalid-level\"]\n",
    )
    .unwrap();
    let after = siemc_in(&dir, &["check", "rules", "--format", "json"]);
    assert_eq!(
        codes(&after),
        [("rules/c.yml".to_string(), "invalid-level".to_string())]
    );
    assert_eq!(after.status.code(), Some(1));
    // Found from a subdirectory too (searching upward), and an invalid file is a usage error.
    let nested = siemc_in(&rules, &["check", ".", "--format", "json"]);
    assert_eq!(codes(&nested).len(), 1);
    std::fs::write(
        dir.join("siemc.toml"),
        "[check]\nignore = [\"value-whitespce\"]\n",
    )
    .unwrap();
    let invalid = siemc_in(&dir, &["check", "rules"]);
    assert_eq!(invalid.status.code(), Some(2));
    let text = stdout(&invalid);
    assert!(
        text.contains("error[invalid-config]") && text.contains("siemc.toml:2:11"),
        "{text}"
    );
}

#[test]
fn inline_comments_suppress_on_the_line_or_the_rule() {
    let dir = temp_repo("inline");
    let rule = |copy| fixture_copy("value-whitespace.yml", copy);
    std::fs::write(
        dir.join("line.yml"),
        rule(1).replace(
            "User: 'SYSTEM '",
            "User: 'SYSTEM '  # siemc: ignore value-whitespace",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("first.yml"),
        format!("# siemc: ignore value-whitespace\n{}", rule(2)),
    )
    .unwrap();
    std::fs::write(
        dir.join("title.yml"),
        rule(3).replacen(
            "\n",
            "  # siemc: ignore invalid-level, value-whitespace\n",
            1,
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("other.yml"),
        rule(4).replace(
            "User: 'SYSTEM '",
            "User: 'SYSTEM '  # siemc: ignore invalid-level",
        ),
    )
    .unwrap();
    let output = siemc_in(
        &dir,
        &["check", ".", "--format", "json", "--deny", "warnings"],
    );
    let paths: Vec<String> = stdout(&output)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["./other.yml"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn bad_input_is_reported_and_the_rest_checked() {
    let dir = temp_repo("bad");
    std::fs::write(dir.join("a_good.yml"), fixture("clean.yml")).unwrap();
    std::fs::write(dir.join("b_binary.yml"), b"title: x\n\x00\x01\x02").unwrap();
    std::fs::write(dir.join("c_latin1.yml"), b"title: Caf\xe9\n").unwrap();
    std::fs::write(dir.join("d_bomb.yml"), fixture("yaml-alias-limit.yml")).unwrap();
    // 50 MB: refused before reading.
    let mut big = std::fs::File::create(dir.join("e_big.yml")).unwrap();
    let line = "- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
    for _ in 0..500_000 {
        big.write_all(line.as_bytes()).unwrap();
    }
    drop(big);
    // 250,000 values in 1.5 MB: under the size limit, over the node limit.
    std::fs::write(
        dir.join("f_many.yml"),
        format!("x: [{}]\n", vec!["1"; 250_000].join(",")),
    )
    .unwrap();
    // Unreadable even for root: a link to nothing.
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("g_unreadable.yml")).unwrap();
    std::fs::write(dir.join("h_error.yml"), fixture("invalid-level.yml")).unwrap();
    let output = siemc_in(&dir, &["check", ".", "--format", "json"]);
    let records: Vec<(String, String)> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|r| {
            (
                r["path"].as_str().unwrap_or("").to_string(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |path: &str, code: &str| records.iter().any(|(p, c)| p.ends_with(path) && c == code);
    assert!(has("b_binary.yml", "binary-file"), "{records:?}");
    assert!(has("c_latin1.yml", "invalid-utf8"), "{records:?}");
    assert!(has("d_bomb.yml", "yaml-alias-limit"), "{records:?}");
    assert!(
        records.iter().any(|(_, c)| c == "file-too-large"),
        "{records:?}"
    );
    assert!(has("f_many.yml", "yaml-too-large"), "{records:?}");
    assert!(
        has("h_error.yml", "invalid-level"),
        "the files after the bad ones are checked: {records:?}"
    );
    assert!(!records.iter().any(|(p, _)| p.ends_with("a_good.yml")));
    assert!(
        has("g_unreadable.yml", "io-error") || records.iter().any(|(_, c)| c == "io-error"),
        "{records:?}"
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unreadable file is an I/O error"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `siemc check DIR` checks files one after another without keeping them: duplicate ids are
/// still found across files (on the later one), and a correlation still finds a rule defined
/// in a later file, while an unknown reference is reported.
#[test]
fn cross_file_checks_while_streaming() {
    let dir = temp_repo("streaming");
    let rule = |name: &str, id: &str| {
        format!(
            "title: Rule {name}\nid: {id}\nname: {name}\nstatus: test\ndescription: d\nauthor: a\ndate: 2026-12-02\nlogsource: {{product: windows, service: security}}\ndetection:\n  sel: {{EventID: 4625}}\n  condition: sel\nlevel: low\n"
        )
    };
    std::fs::write(
        dir.join("a_correlation.yml"),
        "title: Many failures\nid: 5d2a3e1c-0000-4000-8000-00000000000c\nstatus: test\ndescription: d\nauthor: a\ndate: 2026-12-02\ncorrelation:\n  type: event_count\n  rules: [later_rule, missing_rule]\n  group-by: [TargetUserName]\n  timespan: 10m\n  condition: {gte: 3}\nlevel: medium\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b_first.yml"),
        rule("first_rule", "5d2a3e1c-0000-4000-8000-000000000001"),
    )
    .unwrap();
    std::fs::write(
        dir.join("c_later.yml"),
        rule("later_rule", "5d2a3e1c-0000-4000-8000-000000000002"),
    )
    .unwrap();
    std::fs::write(
        dir.join("d_copy.yml"),
        rule("copy_rule", "5d2a3e1c-0000-4000-8000-000000000001"),
    )
    .unwrap();
    let output = siemc_in(&dir, &["check", ".", "--format", "json"]);
    let records: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let found: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "a_correlation.yml".to_string(),
                "correlation-unknown-rule".to_string()
            ),
            ("d_copy.yml".to_string(), "duplicate-id".to_string()),
        ],
        "{records:#?}"
    );
    assert!(
        records[0]["message"]
            .as_str()
            .unwrap()
            .contains("missing_rule")
    );
    assert!(
        records[1]["message"]
            .as_str()
            .unwrap()
            .contains("b_first.yml:2:5"),
        "the first use is named: {}",
        records[1]["message"]
    );
    assert_eq!(output.status.code(), Some(1));
}

/// `--format junit`: a test case per checked file, failed with its errors, warnings in
/// `system-out`, a clean file passed.
#[test]
fn junit_format_is_a_test_case_per_file() {
    let output = siemc(&[
        "check",
        "tests/fixtures/check/clean.yml",
        WARNING_FIXTURE,
        ERROR_FIXTURE,
        "--format",
        "junit",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(
        xml.contains("<testsuite name=\"siemc check\" tests=\"3\" failures=\"1\" errors=\"0\">"),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"tests/fixtures/check/clean.yml\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"`hight` is not a valid `level`\" type=\"invalid-level\">"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<system-out>tests/fixtures/check/value-whitespace.yml:19:22: warning[value-whitespace]"
        ),
        "{xml}"
    );
}

/// One pass reports everything: a rule without a condition (it cannot load) still gets every
/// finding on its id, status, date and tags, not one per run.
#[test]
fn a_structural_error_does_not_hide_the_rest() {
    let dir = temp_repo("one-pass");
    let path = dir.join("rule.yml");
    std::fs::write(
        &path,
        "title: t\nid: not-a-uuid\nstatus: bogus\ndate: 2024-13-45\ntags: [attack.t12, attack.Bad]\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image: x\n",
    )
    .unwrap();
    let output = siemc(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let codes: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for code in [
        "missing-key",
        "invalid-id",
        "invalid-status",
        "invalid-date",
        "invalid-attack-id",
        "invalid-tag",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} missing: {codes:?}");
    }
}
