//! `siemc coverage`: the Navigator layer satisfies the layer format 4.5 (the required fields
//! and types of its specification, `tests/navigator/layer-4.5.schema.json`), scores are rule
//! counts and comments the titles; JSON and the table by tactic; `--target` leaves out rules
//! that do not compile; bad files are reported and the rest still counted.

mod common;

use common::{siemc, stderr, stdout, temp_dir};
use std::path::Path;
use std::process::Command;

fn validate_layer(layer: &[u8], name: &str) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = temp_dir(name);
    let path = dir.join("layer.json");
    std::fs::write(&path, layer).unwrap();
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft202012Validator.check_schema(schema)\n\
                  layer = json.load(open(sys.argv[2]))\n\
                  errors = list(jsonschema.Draft202012Validator(schema).iter_errors(layer))\n\
                  g = layer.get('gradient')\n\
                  if g and not g['maxValue'] > g['minValue']: print('gradient: maxValue must be > minValue'); sys.exit(1)\n\
                  for e in errors: print(list(e.absolute_path), e.message)\n\
                  sys.exit(1 if errors else 0)\n";
    let output = Command::new(root.join(".venv/bin/python"))
        .args(["-c", script])
        .arg(root.join("tests/navigator/layer-4.5.schema.json"))
        .arg(&path)
        .output()
        .expect("the .venv of scripts/test.sh is installed");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
fn navigator_layer_of_the_shipped_rules_follows_format_4_5() {
    let output = siemc(&["coverage", "rules"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    validate_layer(&output.stdout, "coverage-layer").unwrap();
    let layer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(layer["domain"], "enterprise-attack");
    assert_eq!(layer["versions"]["layer"], "4.5");
    let techniques = layer["techniques"].as_array().unwrap();
    let t1550 = techniques
        .iter()
        .find(|t| t["techniqueID"] == "T1550.001")
        .expect("the Storm-0558 pack covers token replay");
    let titles: Vec<&str> = t1550["comment"].as_str().unwrap().lines().collect();
    assert_eq!(t1550["score"].as_u64().unwrap() as usize, titles.len());
    assert!(titles.len() > 1);
    // The validator does reject a broken layer (the check above can fail).
    let mut broken = layer.clone();
    broken["versions"]["layer"] = "4.4".into();
    broken.as_object_mut().unwrap().remove("domain");
    assert!(validate_layer(broken.to_string().as_bytes(), "coverage-broken").is_err());
}

const RULES: &str = "title: Sign-in from a bad IP
status: test
level: high
tags: [attack.initial-access, attack.t1078.004]
logsource: {product: azure, service: signinlogs}
detection:
  selection: {IPAddress: 203.0.113.5}
  condition: selection
---
title: Mailbox export
status: stable
level: medium
tags: [attack.collection, attack.t1114.002, attack.t1078.004]
logsource: {product: m365, service: exchange}
detection:
  selection: {Operation: New-MailboxExportRequest}
  condition: selection
---
title: Only for some VPN
level: low
tags: [attack.t1133]
logsource: {product: acme, service: vpn}
detection:
  selection: {user: x}
  condition: selection
";

#[test]
fn json_and_human_count_rules_levels_and_statuses() {
    let dir = temp_dir("coverage-formats");
    std::fs::write(dir.join("rules.yml"), RULES).unwrap();
    std::fs::write(dir.join("broken.yml"), "title: [unclosed\n").unwrap();
    let path = dir.to_str().unwrap();
    let json = siemc(&["coverage", path, "--format", "json"]);
    assert_eq!(
        json.status.code(),
        Some(1),
        "the broken file is an input error"
    );
    assert!(stderr(&json).contains("broken.yml"), "{}", stderr(&json));
    let coverage: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(coverage["rules"], 3);
    assert_eq!(coverage["rules_with_techniques"], 3);
    assert_eq!(coverage["statuses"]["none"], 1);
    let t1078 = &coverage["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["technique"] == "T1078.004")
        .unwrap()
        .clone();
    assert_eq!(t1078["rules"], 2);
    assert_eq!(t1078["levels"]["high"], 1);
    assert_eq!(t1078["levels"]["medium"], 1);
    assert_eq!(t1078["titles"][1], "Mailbox export");
    let human = stdout(&siemc(&["coverage", path, "--format", "human"]));
    assert!(
        human.starts_with("ATT&CK coverage: 3 rules, 3 with techniques, 3 techniques\n"),
        "{human}"
    );
    assert!(
        human.contains("\ncollection: 1 technique by 1 rule\n  T1114.002  1 rule     medium 1\n"),
        "{human}"
    );

    // For a target, the rule whose log source has no mapping is left out.
    let kql = siemc(&["coverage", path, "--format", "json", "--target", "kql"]);
    let coverage: serde_json::Value = serde_json::from_str(&stdout(&kql)).unwrap();
    assert_eq!(coverage["rules"], 2);
    assert_eq!(coverage["not_compiled"], 1);
    assert!(
        !coverage["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["technique"] == "T1133")
    );
}
