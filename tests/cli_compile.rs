//! Command-line tests of `siemc compile`: formats, several files, bad files among good ones,
//! exit codes (DESIGN.md §2).

mod common;

use common::{siemc, stderr, stdout, temp_dir};

use std::path::Path;

const GOOD: &str = "title: Whoami
id: 11111111-1111-4111-8111-111111111111
logsource: {category: process_creation, product: windows}
detection:
  selection: {Image|endswith: '\\whoami.exe'}
  condition: selection
";

#[test]
fn one_rule_prints_just_the_query() {
    let dir = temp_dir("one");
    std::fs::write(dir.join("good.yml"), GOOD).unwrap();
    let output = siemc(&[
        "compile",
        dir.join("good.yml").to_str().unwrap(),
        "--target",
        "kql",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("endswith \"\\\\whoami.exe\""), "{text}");
    assert!(
        !text.starts_with("//"),
        "a single query has no header: {text}"
    );
    assert!(stderr(&output).is_empty());
}

#[test]
fn json_lines_contract_for_several_files() {
    let dir = temp_dir("json");
    std::fs::write(dir.join("a.yml"), GOOD).unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        GOOD.replace("Whoami", "Second")
            .replace("11111111-1111", "22222222-2222"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule").unwrap();
    for target in ["kql", "spl"] {
        let output = siemc(&[
            "compile",
            dir.to_str().unwrap(),
            "--target",
            target,
            "--format",
            "json",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let lines: Vec<serde_json::Value> = stdout(&output)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        for line in &lines {
            let keys: Vec<&str> = line
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, ["id", "path", "query", "target", "title"]);
            assert_eq!(line["target"], target);
        }
        assert_eq!(lines[0]["title"], "Whoami");
        assert_eq!(lines[1]["id"], "22222222-2222-4111-8111-111111111111");
    }
}

#[test]
fn a_bad_file_among_good_ones_exits_1_and_the_others_still_compile() {
    let dir = temp_dir("mixed");
    std::fs::write(dir.join("a_good.yml"), GOOD).unwrap();
    std::fs::write(
        dir.join("b_bad.yml"),
        GOOD.replace("condition: selection", "condition: selection and nothere"),
    )
    .unwrap();
    std::fs::write(dir.join("c_binary.yml"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::write(dir.join("d_good.yml"), GOOD.replace("Whoami", "Again")).unwrap();
    let output = siemc(&[
        "compile",
        dir.to_str().unwrap(),
        "--target",
        "spl",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).lines().count(), 2);
    let errors = stderr(&output);
    assert!(errors.contains("b_bad.yml:6:28"), "{errors}");
    assert!(errors.contains("error[undefined-selection]"), "{errors}");
    assert!(errors.contains("error[binary-file]"), "{errors}");
    // The count at the end says how much of the run compiled.
    assert!(
        errors.trim_end().ends_with(
            "compiled 2 queries from 3 rules in 4 files for spl (profile splunk): 2 errors, 0 warnings"
        ),
        "{errors}"
    );
}

#[test]
fn query_format_names_each_rule_when_there_are_several() {
    let dir = temp_dir("several");
    std::fs::write(dir.join("a.yml"), GOOD).unwrap();
    std::fs::write(dir.join("b.yml"), GOOD.replace("Whoami", "Second")).unwrap();
    let output = siemc(&["compile", dir.to_str().unwrap(), "--target", "kql"]);
    let text = stdout(&output);
    assert_eq!(
        text.matches("\n// ").count() + usize::from(text.starts_with("// ")),
        2,
        "{text}"
    );
    let output = siemc(&["compile", dir.to_str().unwrap(), "--target", "spl"]);
    assert_eq!(stdout(&output).matches("``` ").count(), 2);
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        siemc(&["compile", "no/such/dir", "--target", "kql"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        siemc(&["compile", "rules", "--target", "sql"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(siemc(&["compile", "rules"]).status.code(), Some(2));
    let missing_mapping = siemc(&[
        "compile",
        "rules",
        "--target",
        "kql",
        "--mapping",
        "no/such.yml",
    ]);
    assert_eq!(missing_mapping.status.code(), Some(2));
    assert!(stderr(&missing_mapping).contains("no/such.yml"));
}

#[test]
fn user_mapping_and_templates_override_the_built_in_ones() {
    let dir = temp_dir("override");
    std::fs::write(
        dir.join("rule.yml"),
        GOOD.replace(
            "category: process_creation, product: windows",
            "product: acme",
        ),
    )
    .unwrap();
    let mapping = dir.join("acme.yml");
    std::fs::write(&mapping, "target: kql\nfields: {Image: ProcessPath}\nsources:\n  - logsource: {product: acme}\n    table: Acme_CL\n").unwrap();
    let rule = dir.join("rule.yml");
    let unmapped = siemc(&["compile", rule.to_str().unwrap(), "--target", "kql"]);
    assert_eq!(unmapped.status.code(), Some(1));
    assert!(
        stderr(&unmapped)
            .contains("error[unmapped-logsource]: no kql mapping for logsource {product: acme}")
    );

    let templates = dir.join("templates");
    std::fs::create_dir_all(templates.join("kql")).unwrap();
    std::fs::write(
        templates.join("kql/query.jinja"),
        "// {{ title }}\n{{ table }}\n| where {{ condition }}\n| take 100",
    )
    .unwrap();
    let output = siemc(&[
        "compile",
        rule.to_str().unwrap(),
        "--target",
        "kql",
        "--mapping",
        mapping.to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "// Whoami\nAcme_CL\n| where ProcessPath endswith \"\\\\whoami.exe\"\n| take 100\n"
    );
}

#[test]
fn the_shipped_rules_compile() {
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules").is_dir());
    for target in ["kql", "spl"] {
        let output = siemc(&["compile", "rules", "--target", target]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
}

/// Compile streams files; correlations still see rules in other files, before or after them,
/// and the rules they correlate are not printed on their own.
#[test]
fn correlations_across_files_while_streaming() {
    let dir = temp_dir("cross-file-correlation");
    let member = |name: &str, uuid: &str| {
        format!(
            "title: Failed logon {name}\nid: {uuid}\nname: {name}\nlogsource: {{product: windows, service: security}}\ndetection:\n  selection: {{EventID: 4625}}\n  condition: selection\n"
        )
    };
    let correlation = |key: &str| {
        format!(
            "title: Repeated failed logons\nid: 0e7c5a10-2222-4c11-9a11-00000000000{}\n{key}:\n  type: event_count\n  rules: [before, after]\n  group-by: [TargetUserName]\n  timespan: 10m\n  condition: {{gte: 3}}\n",
            key.len() % 10
        )
    };
    std::fs::write(
        dir.join("a_before.yml"),
        member("before", "0e7c5a10-2222-4c11-9a11-000000000001"),
    )
    .unwrap();
    std::fs::write(dir.join("b_correlation.yml"), correlation("correlation")).unwrap();
    std::fs::write(
        dir.join("c_after.yml"),
        member("after", "0e7c5a10-2222-4c11-9a11-000000000003"),
    )
    .unwrap();
    std::fs::write(dir.join("d_unrelated.yml"), GOOD).unwrap();
    // The same correlation with its key spelled through a YAML escape: no file says
    // `correlation` in plain text, yet the scan before streaming finds it.
    let escaped = temp_dir("cross-file-correlation-escaped");
    std::fs::write(
        escaped.join("a_before.yml"),
        member("before", "0e7c5a10-2222-4c11-9a11-000000000001"),
    )
    .unwrap();
    std::fs::write(
        escaped.join("b_correlation.yml"),
        correlation("\"correl\\u0061tion\""),
    )
    .unwrap();
    std::fs::write(
        escaped.join("c_after.yml"),
        member("after", "0e7c5a10-2222-4c11-9a11-000000000003"),
    )
    .unwrap();
    for dir in [&dir, &escaped] {
        let output = siemc(&[
            "compile",
            dir.to_str().unwrap(),
            "--target",
            "kql",
            "--format",
            "json",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let lines: Vec<serde_json::Value> = stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let titles: Vec<&str> = lines.iter().map(|l| l["title"].as_str().unwrap()).collect();
        let expected: &[&str] = if dir == &escaped {
            &["Repeated failed logons"]
        } else {
            &["Repeated failed logons", "Whoami"]
        };
        assert_eq!(titles, expected, "members are not printed on their own");
        let query = lines[0]["query"].as_str().unwrap();
        assert!(
            query.matches("EventID == 4625").count() >= 2,
            "both members: {query}"
        );
    }
}

/// `-` reads a rule from standard input, for `compile` and `check` alike.
#[test]
fn a_rule_on_standard_input() {
    let compiled = common::siemc_with_stdin(&["compile", "-", "--target", "spl"], GOOD);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    assert!(
        stdout(&compiled).contains("whoami"),
        "{}",
        stdout(&compiled)
    );
    let checked = common::siemc_with_stdin(
        &["check", "-"],
        &GOOD.replace("condition: selection", "condition: selection and nothere"),
    );
    assert_eq!(checked.status.code(), Some(1));
    assert!(
        stdout(&checked).contains("<stdin>:"),
        "{}",
        stdout(&checked)
    );
}

/// 30,000 `not`s in a condition, in two files compiled on worker threads (2 MiB stacks): a
/// query, never a stack overflow.
#[test]
fn a_long_run_of_nots_compiles() {
    let dir = temp_dir("nots");
    for name in ["a.yml", "b.yml"] {
        std::fs::write(
            dir.join(name),
            GOOD.replace(
                "condition: selection",
                &format!("condition: {}selection", "not ".repeat(30_000)),
            ),
        )
        .unwrap();
    }
    let output = siemc(&["compile", dir.to_str().unwrap(), "--target", "kql"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).matches("whoami").count(), 2);
}

/// A 4 MiB value: a located `query-too-long` error naming the limit, in compile and check,
/// never a "siemc bug" report carrying the 4 MB query.
#[test]
fn a_megabyte_value_is_query_too_long() {
    let dir = temp_dir("huge-value");
    let path = dir.join("huge.yml");
    std::fs::write(
        &path,
        GOOD.replace(
            "'\\whoami.exe'",
            &format!("'{}'", "x".repeat(4 * 1024 * 1024)),
        ),
    )
    .unwrap();
    let compiled = siemc(&["compile", path.to_str().unwrap(), "--target", "kql"]);
    assert_eq!(compiled.status.code(), Some(1));
    let errors = stderr(&compiled);
    assert!(
        errors.contains("error[query-too-long]"),
        "{}",
        &errors[..errors.len().min(2000)]
    );
    assert!(
        errors.contains("over the 1048576 bytes siemc validates"),
        "{}",
        &errors[..errors.len().min(2000)]
    );
    assert!(
        errors.len() < 100_000,
        "the diagnostic carries the query: {} bytes",
        errors.len()
    );
    let checked = siemc(&["check", path.to_str().unwrap(), "--format", "json"]);
    let records = stdout(&checked);
    assert!(
        records.contains("\"code\":\"query-too-long\""),
        "{}",
        &records[..records.len().min(2000)]
    );
    assert!(!records.contains("internal-invalid-query") && !records.contains("query-rejected"));
}
