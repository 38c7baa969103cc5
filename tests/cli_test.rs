//! Command-line tests of `siemc test`: the three formats, failing tests, tests beside a rule,
//! regression data, exit codes.

mod common;

use common::{siemc, temp_dir};

const RULE: &str = "title: Whoami
id: 11111111-1111-4111-8111-111111111111
logsource: {category: process_creation, product: windows}
detection:
  selection: {CommandLine|contains: whoami}
  condition: selection
tests:
  - name: whoami runs
    match: true
    event: {CommandLine: 'cmd /c whoami'}
  - name: dir is quiet
    match: true
    event: {CommandLine: 'cmd.exe /c dir'}
";

#[test]
fn a_failing_test_names_the_deciding_predicate_and_exits_1() {
    let dir = temp_dir("fail");
    std::fs::write(dir.join("rule.yml"), RULE).unwrap();
    let output = siemc(&["test", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("FAIL"), "{text}");
    assert!(
        text.contains("dir is quiet: expected the rule to match, it did not: CommandLine contains 'whoami' was false: value was 'cmd.exe /c dir'"),
        "{text}"
    );
    assert!(
        text.contains("2 tests: 1 passed, 1 failed, 0 errors"),
        "{text}"
    );
}

#[test]
fn json_lines_and_junit() {
    let dir = temp_dir("formats");
    std::fs::write(dir.join("rule.yml"), RULE).unwrap();
    let output = siemc(&["test", dir.to_str().unwrap(), "--format", "json"]);
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let keys: Vec<&str> = lines[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["message", "path", "rule_id", "status", "test"]);
    assert_eq!(lines[0]["status"], "pass");
    assert_eq!(lines[1]["status"], "fail");
    let junit =
        String::from_utf8(siemc(&["test", dir.to_str().unwrap(), "--format", "junit"]).stdout)
            .unwrap();
    assert!(junit.starts_with("<?xml"));
    assert!(
        junit.contains("<testsuites name=\"siemc test\" tests=\"2\" failures=\"1\" errors=\"0\">"),
        "{junit}"
    );
    assert!(
        junit.contains("<failure message=\"expected the rule to match"),
        "{junit}"
    );
}

#[test]
fn tests_beside_a_rule_and_malformed_tests() {
    let dir = temp_dir("beside");
    std::fs::write(dir.join("rule.yml"), RULE.split("tests:").next().unwrap()).unwrap();
    std::fs::write(
        dir.join("rule.tests.yml"),
        "- name: from yml\n  match: true\n  event: {CommandLine: whoami}\n- name: broken\n  event: {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rule.tests.jsonl"),
        "{\"name\": \"from jsonl\", \"match\": false, \"event\": {\"CommandLine\": \"dir\"}}\n",
    )
    .unwrap();
    let output = siemc(&["test", dir.to_str().unwrap(), "--format", "json"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("\"test\":\"from yml\",\"status\":\"pass\"") || text.contains("from yml"),
        "{text}"
    );
    assert!(text.contains("from jsonl"), "{text}");
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(
        errors.contains("error[invalid-test]") && errors.contains("rule.tests.yml:4:3"),
        "{errors}"
    );
    assert_eq!(output.status.code(), Some(1));
}

/// A `rules/` folder with `rule` and a SigmaHQ regression folder `regression/case/` with
/// `info` and the event rendering `event` (named after `rule_id`); `siemc test` over both.
fn run_regression(
    name: &str,
    rule: &str,
    rule_id: &str,
    info: &str,
    event: &str,
) -> (std::path::PathBuf, std::process::Output) {
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::create_dir_all(dir.join("regression/case")).unwrap();
    std::fs::write(dir.join("rules/rule.yml"), rule).unwrap();
    std::fs::write(dir.join("regression/case/info.yml"), info).unwrap();
    std::fs::write(dir.join(format!("regression/case/{rule_id}.json")), event).unwrap();
    let output = siemc(&[
        "test",
        dir.join("rules").to_str().unwrap(),
        dir.join("regression").to_str().unwrap(),
    ]);
    (dir, output)
}

#[test]
fn regression_data_layout() {
    let (dir, output) = run_regression(
        "regression",
        RULE.split("tests:").next().unwrap(),
        "11111111-1111-4111-8111-111111111111",
        "id: x\nrule_metadata:\n    - id: 11111111-1111-4111-8111-111111111111\n      title: Whoami\nregression_tests_info:\n    - name: Positive\n      type: evtx\n      match_count: 1\n      path: regression_data/case/11111111-1111-4111-8111-111111111111.evtx\n",
        r#"{"Event": {"System": {"EventID": 1}, "EventData": {"CommandLine": "C:\\Windows\\whoami.exe /all"}}}"#,
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("1 tests: 1 passed"), "{text}");
    // Without the rules, the regression case names an unknown rule.
    let alone = siemc(&["test", dir.join("regression").to_str().unwrap()]);
    assert_eq!(alone.status.code(), Some(1));
    assert!(
        String::from_utf8(alone.stderr)
            .unwrap()
            .contains("error[unknown-rule]")
    );
}

/// Windows Defender names its event data with spaces (`Source Name`); Sigma rules name them
/// without (`SourceName`), and the rule must match its own regression event.
#[test]
fn windefend_data_names_with_spaces_match() {
    let (_, output) = run_regression(
        "windefend",
        "title: AMSI detection\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: windows, service: windefend}\ndetection:\n  selection:\n    EventID: 1116\n    SourceName: AMSI\n    ThreatName|contains: Mimikatz\n  condition: selection\n",
        "22222222-2222-4222-8222-222222222222",
        "id: y\nrule_metadata:\n    - id: 22222222-2222-4222-8222-222222222222\n      title: AMSI detection\nregression_tests_info:\n    - name: Positive\n      type: evtx\n      match_count: 1\n      path: regression_data/amsi/22222222-2222-4222-8222-222222222222.evtx\n",
        r#"{"Event": {"System": {"EventID": 1116, "Channel": "Microsoft-Windows-Windows Defender/Operational"}, "EventData": {"Threat Name": "HackTool:Win32/Mimikatz", "Source Name": "AMSI", "Process Name": "C:\\Windows\\powershell.exe"}}}"#,
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("1 tests: 1 passed"), "{text}");
}

#[test]
fn shipped_rules_pass_their_tests() {
    let output = siemc(&[
        "test",
        "rules",
        "tests/fixtures/test_rules",
        "tests/fixtures/correlation",
    ]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("0 failed, 0 errors; 0 rules without tests"),
        "{text}"
    );
}

#[test]
fn missing_path_exits_2() {
    assert_eq!(siemc(&["test", "no/such/dir"]).status.code(), Some(2));
}

/// Summaries never undercount: a rule that does not load and an invalid case are tests in
/// error, in the human summary, the per-rule line and JUnit's `errors`.
#[test]
fn broken_rules_and_invalid_cases_count_as_errors() {
    let dir = temp_dir("undercount");
    std::fs::write(
        dir.join("rule.yml"),
        RULE.replace("dir is quiet", "quiet").replace(
            "match: true\n    event: {CommandLine: 'cmd.exe /c dir'}",
            "macth: false\n    event: {CommandLine: 'cmd.exe /c dir'}",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("broken.yml"),
        "title: broken\nlogsource: {product: windows}\ndetection:\n  sel:\n    A|contians: x\n  condition: sel\n",
    )
    .unwrap();
    let output = siemc(&["test", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = common::stdout(&output);
    assert!(
        text.contains("3 tests: 1 passed, 0 failed, 2 errors"),
        "{text}"
    );
    assert!(text.contains("Whoami (1 of 2 tests passed)"), "{text}");
    // The misspelled key is named, with the fix.
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("did you mean `match`? `macth` is not a test key"),
        "{stderr}"
    );
    let junit = common::stdout(&siemc(&[
        "test",
        dir.to_str().unwrap(),
        "--format",
        "junit",
    ]));
    assert!(
        junit.contains("<testsuites name=\"siemc test\" tests=\"3\" failures=\"0\" errors=\"2\">"),
        "{junit}"
    );
    assert!(
        junit.contains("file=\"") && junit.contains("broken.yml"),
        "{junit}"
    );
}

/// A directory without rule files is a usage error (exit 2) for every command, never a green
/// run over nothing.
#[test]
fn an_empty_directory_is_a_usage_error_everywhere() {
    let dir = temp_dir("empty-dir");
    let path = dir.to_str().unwrap();
    for args in [
        vec!["test", path],
        vec!["check", path],
        vec!["compile", path, "--target", "kql"],
        vec!["export", path, "--to", "splunk-conf"],
    ] {
        let output = siemc(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let shown = common::stderr(&output) + &common::stdout(&output);
        assert!(
            shown.contains("no rule files (*.yml, *.yaml) in this directory"),
            "{args:?}: {shown}"
        );
    }
}
