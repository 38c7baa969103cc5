//! Command-line tests of `siemc export`: each format to stdout and to `-o DIR`, bad rules among
//! good ones, `--es`, `--templates`, exit codes (DESIGN.md §2).

mod common;

use common::{siemc, stderr, stdout, temp_dir};

mod export_support;

use export_support::parse_conf;
use std::path::{Path, PathBuf};

fn rule(id: &str, title: &str) -> String {
    format!(
        "title: {title}
id: {id}
level: medium
tags: [attack.initial-access, attack.t1078.004]
logsource: {{product: azure, service: signinlogs}}
detection:
  selection: {{IPAddress: 203.0.113.7}}
  condition: selection
"
    )
}

/// Two good rules and one whose deploy block breaks a limit.
fn rules_dir(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::write(
        dir.join("first.yml"),
        rule("11111111-1111-4111-8111-111111111111", "First rule"),
    )
    .unwrap();
    std::fs::write(
        dir.join("second.yml"),
        rule("22222222-2222-4222-8222-222222222222", "Second rule"),
    )
    .unwrap();
    let bad = format!(
        "{}deploy:\n  schedule: 2m\n  splunk: {{alert.severity: 9}}\n",
        rule("33333333-3333-4333-8333-333333333333", "Bad rule")
    );
    std::fs::write(dir.join("bad.yml"), bad).unwrap();
    dir
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn sentinel_yaml_to_a_directory_one_file_per_rule() {
    let rules = rules_dir("yaml-in");
    let out = temp_dir("yaml-out").join("nested");
    let output = siemc(&[
        "export",
        rules.to_str().unwrap(),
        "--to",
        "sentinel-yaml",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a bad rule among good ones: {}",
        stderr(&output)
    );
    assert_eq!(
        files_in(&out),
        ["first.yaml", "second.yaml"],
        "the bad rule writes nothing, the others are written"
    );
    let err = stderr(&output);
    assert!(
        err.contains("error[export-interval-out-of-range]") && err.contains("bad.yml:10:13"),
        "{err}"
    );
    assert!(stdout(&output).is_empty());
    let first = std::fs::read_to_string(out.join("first.yaml")).unwrap();
    assert!(
        first.starts_with("id: 11111111-1111-4111-8111-111111111111\nname: First rule\n"),
        "{first}"
    );
}

#[test]
fn sentinel_arm_to_stdout_is_one_template_and_to_a_directory_one_per_rule() {
    let rules = rules_dir("arm-in");
    let output = siemc(&[
        "export",
        rules.join("first.yml").to_str().unwrap(),
        rules.join("second.yml").to_str().unwrap(),
        "--to",
        "sentinel-arm",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let template: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let names: Vec<&str> = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["First rule", "Second rule"]);
    let out = temp_dir("arm-out");
    let output = siemc(&[
        "export",
        rules.to_str().unwrap(),
        "--to",
        "sentinel-arm",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(files_in(&out), ["first.json", "second.json"]);
    let second: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("second.json")).unwrap()).unwrap();
    assert_eq!(
        second["resources"][0]["properties"]["queryFrequency"],
        "PT1H"
    );
}

#[test]
fn splunk_conf_with_and_without_es() {
    let rules = rules_dir("conf-in");
    let out = temp_dir("conf-out");
    let output = siemc(&[
        "export",
        rules.to_str().unwrap(),
        "--to",
        "splunk-conf",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[export-splunk-severity]"),
        "{}",
        stderr(&output)
    );
    assert_eq!(files_in(&out), ["savedsearches.conf"]);
    let stanzas =
        parse_conf(&std::fs::read_to_string(out.join("savedsearches.conf")).unwrap()).unwrap();
    let names: Vec<&str> = stanzas.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["First rule", "Second rule"],
        "files in sorted order, the bad one left out"
    );
    assert!(stanzas[0].get("action.notable").is_none());

    let output = siemc(&[
        "export",
        rules.join("first.yml").to_str().unwrap(),
        "--to",
        "splunk-conf",
        "--es",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stanzas = parse_conf(&stdout(&output)).unwrap();
    assert_eq!(stanzas[0].get("action.notable"), Some("1"));
    assert_eq!(
        stanzas[0].get("action.correlationsearch.annotations"),
        Some(r#"{"mitre_attack":["T1078.004"]}"#)
    );
}

#[test]
fn sentinel_yaml_to_stdout_is_a_yaml_stream() {
    let rules = rules_dir("stream");
    let output = siemc(&[
        "export",
        rules.join("first.yml").to_str().unwrap(),
        rules.join("second.yml").to_str().unwrap(),
        "--to",
        "sentinel-yaml",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_eq!(text.matches("\n---\n").count(), 1, "{text}");
    assert!(text.contains("name: Second rule\n"));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        siemc(&["export", "no/such/dir", "--to", "sentinel-yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        siemc(&["export", "rules", "--to", "qradar"]).status.code(),
        Some(2)
    );
    assert_eq!(
        siemc(&["export", "rules"]).status.code(),
        Some(2),
        "--to is required"
    );
    let missing_templates = siemc(&[
        "export",
        "rules/storm-0558",
        "--to",
        "splunk-conf",
        "--templates",
        "no/such/dir",
    ]);
    assert_eq!(missing_templates.status.code(), Some(2));
    // -o pointing at a file: the directory cannot be created.
    let rules = rules_dir("io");
    let file = rules.join("first.yml");
    let output = siemc(&[
        "export",
        file.to_str().unwrap(),
        "--to",
        "sentinel-yaml",
        "-o",
        file.join("out").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("io-error"), "{}", stderr(&output));
}

#[test]
fn user_templates_override_the_built_in_ones() {
    let rules = rules_dir("templates-in");
    let templates = temp_dir("templates");
    std::fs::create_dir_all(templates.join("export")).unwrap();
    std::fs::write(
        templates.join("export/savedsearches.conf.jinja"),
        "{% for search in searches %}[{{ search.name }}]\nsearch = {{ search.settings[1].value | conf_value }}\n{% endfor %}",
    )
    .unwrap();
    let output = siemc(&[
        "export",
        rules.join("first.yml").to_str().unwrap(),
        "--to",
        "splunk-conf",
        "--templates",
        templates.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stanzas = parse_conf(&stdout(&output)).unwrap();
    assert_eq!(stanzas[0].settings.len(), 1);
    assert!(stanzas[0].get("search").unwrap().contains("203.0.113.7"));
    // A broken user template is a usage error, not a rule error.
    std::fs::write(
        templates.join("export/savedsearches.conf.jinja"),
        "{{ no_such_variable }}",
    )
    .unwrap();
    let output = siemc(&[
        "export",
        rules.join("first.yml").to_str().unwrap(),
        "--to",
        "splunk-conf",
        "--templates",
        templates.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid-template"));
}

#[test]
fn the_shipped_pack_exports() {
    // Twelve deployable rules: eleven detections and one correlation (its input rule is
    // deployed through it, not on its own).
    let output = siemc(&["export", "rules/storm-0558", "--to", "splunk-conf"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(parse_conf(&stdout(&output)).unwrap().len(), 12);
    let output = siemc(&["export", "rules/storm-0558", "--to", "sentinel-arm"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("error["), "{}", stderr(&output));
    let template: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(template["resources"].as_array().unwrap().len(), 12);
}

#[test]
fn a_correlation_exports_with_rules_from_other_files() {
    let dir = temp_dir("export-correlation-files");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/correlation/event_count.yml"),
    )
    .unwrap();
    let (base, correlation) = text.split_once("\n---\n").unwrap();
    std::fs::write(dir.join("a_base.yml"), base).unwrap();
    std::fs::write(dir.join("b_correlation.yml"), correlation).unwrap();
    let output = siemc(&["export", dir.to_str().unwrap(), "--to", "splunk-conf"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stanzas = parse_conf(&stdout(&output)).unwrap();
    // The base rule feeds the correlation, so only the correlation is deployed.
    assert_eq!(stanzas.len(), 1);
    assert_eq!(stanzas[0].name, "Repeated failed logons for one account");
    assert!(
        stanzas[0]
            .get("search")
            .unwrap()
            .contains("stats count as EventCount")
    );
}
