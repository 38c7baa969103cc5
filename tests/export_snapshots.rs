//! `siemc export` over the shipped Storm-0558 pack: every format pinned as a snapshot in
//! `snapshots/export/`, and each output read back by an independent parser (the project's YAML
//! loader, serde_json, a conf reader) and compared with the compiled queries and the rules.

mod export_support;

use export_support::{exporter, parse_conf, render_diagnostics};
use siemc::backend::Templates;
use siemc::compile::{CompileOutcome, Compiler};
use siemc::diagnostic::SourceFile;
use siemc::export::{ExportFormat, ExportOutcome};
use siemc::mapping::{Mapping, Target};
use siemc::rule::collect_rule_paths;
use siemc::yaml::{self, Node, NodeKind, ScalarValue};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

const PACK: &str = "rules/storm-0558";

fn pack_paths() -> Vec<PathBuf> {
    let (paths, problems) = collect_rule_paths(&[PathBuf::from(PACK)]);
    assert!(problems.is_empty());
    assert!(paths.len() >= 10, "the pack has its rules: {paths:?}");
    paths
}

fn export_pack(format: ExportFormat) -> ExportOutcome {
    exporter(format).export_paths(&pack_paths())
}

fn compile_pack(target: Target) -> CompileOutcome {
    Compiler::new(target, Mapping::builtin(target), Templates::embedded())
        .compile_paths(&pack_paths())
}

/// Rule title → compiled query, from the compile pipeline (what the export must carry verbatim).
fn queries_by_title(target: Target) -> HashMap<String, String> {
    compile_pack(target)
        .queries
        .into_iter()
        .map(|q| (q.title, q.query))
        .collect()
}

/// Technique → tactics, read from the table independently of the exporter's own code.
fn technique_table() -> HashMap<String, Vec<String>> {
    let text = std::fs::read_to_string("mappings/sentinel-technique-tactics.json").unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(json["techniques"].clone()).unwrap()
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/export");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn snapshot_format(format: ExportFormat, name: &str) -> ExportOutcome {
    let exporter = exporter(format);
    let outcome = exporter.export_paths(&pack_paths());
    let mut text = String::new();
    for file in exporter.render_files(&outcome).unwrap() {
        text.push_str(&format!("=== {} ===\n{}", file.name, file.content));
    }
    text.push_str("=== diagnostics ===\n");
    text.push_str(&render_diagnostics(&outcome.diagnostics));
    snapshot(name, &text);
    outcome
}

#[test]
fn snapshots_of_every_format() {
    let yaml = snapshot_format(ExportFormat::SentinelYaml, "storm-0558.sentinel-yaml");
    let arm = snapshot_format(ExportFormat::SentinelArm, "storm-0558.sentinel-arm");
    let conf = snapshot_format(ExportFormat::SplunkConf, "storm-0558.splunk-conf");
    // Every rule of the pack deploys: eleven detections and the correlation (whose input rule
    // is deployed through it).
    for outcome in [&yaml, &arm, &conf] {
        let codes: Vec<&str> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect();
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(outcome.rules.len(), 12);
    }
}

fn scalar<'a>(node: &'a Node, key: &str) -> &'a str {
    let value = node.get(key).unwrap_or_else(|| panic!("missing `{key}`"));
    value
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is {}", value.kind_name()))
}

fn string_list(node: &Node, key: &str) -> Vec<String> {
    node.get(key)
        .and_then(Node::as_sequence)
        .unwrap_or_else(|| panic!("`{key}` is not a list"))
        .iter()
        .map(|item| item.as_str().expect("list of strings").to_string())
        .collect()
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

const SENTINEL_TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "ImpairProcessControl",
    "InhibitResponseFunction",
    "PreAttack",
];

fn assert_tactics_cover_techniques(
    tactics: &[String],
    techniques: &[String],
    table: &HashMap<String, Vec<String>>,
    rule: &str,
) {
    for tactic in tactics {
        assert!(
            SENTINEL_TACTICS.contains(&tactic.as_str()),
            "{rule}: tactic {tactic}"
        );
    }
    for technique in techniques {
        let parent = technique.split('.').next().unwrap();
        for required in &table[parent] {
            assert!(
                tactics.contains(required),
                "{rule}: {technique} needs tactic {required}, has {tactics:?}"
            );
        }
    }
}

#[test]
fn sentinel_yaml_reads_back_with_every_required_field() {
    let exporter = exporter(ExportFormat::SentinelYaml);
    let outcome = exporter.export_paths(&pack_paths());
    let files = exporter.render_files(&outcome).unwrap();
    let queries = queries_by_title(Target::Kql);
    let table = technique_table();
    assert_eq!(files.len(), 12);
    for file in &files {
        assert!(file.name.ends_with(".yaml"));
        let source = Arc::new(SourceFile::new(&file.name, file.content.clone()));
        let (documents, diagnostics) = yaml::load_documents(&source);
        assert!(
            diagnostics.is_empty(),
            "{}: {}",
            file.name,
            render_diagnostics(&diagnostics.into_vec())
        );
        assert_eq!(documents.len(), 1, "{}", file.name);
        let root = &documents[0].root;
        let keys: Vec<&str> = root
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        for required in [
            "id",
            "name",
            "description",
            "severity",
            "requiredDataConnectors",
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
            "tactics",
            "relevantTechniques",
            "query",
            "entityMappings",
            "version",
            "kind",
        ] {
            assert!(keys.contains(&required), "{}: no {required}", file.name);
        }
        assert_eq!(
            &keys[keys.len() - 2..],
            ["version", "kind"],
            "{}",
            file.name
        );
        assert!(is_guid(scalar(root, "id")), "{}", file.name);
        let name = scalar(root, "name");
        assert_eq!(
            scalar(root, "query"),
            queries[name],
            "{}: query differs from `siemc compile`",
            file.name
        );
        assert!(["Informational", "Low", "Medium", "High"].contains(&scalar(root, "severity")));
        assert_eq!(scalar(root, "kind"), "Scheduled");
        assert_eq!(scalar(root, "triggerOperator"), "gt");
        let threshold = root
            .get("triggerThreshold")
            .unwrap()
            .as_scalar()
            .unwrap()
            .value();
        assert_eq!(
            threshold,
            ScalarValue::Int(0),
            "{}: threshold is a number",
            file.name
        );
        for key in ["queryFrequency", "queryPeriod"] {
            let text = scalar(root, key);
            let (number, unit) = text.split_at(text.len() - 1);
            assert!(
                number.parse::<u32>().is_ok() && ["m", "h", "d"].contains(&unit),
                "{key}: {text}"
            );
        }
        assert_tactics_cover_techniques(
            &string_list(root, "tactics"),
            &string_list(root, "relevantTechniques"),
            &table,
            &file.name,
        );
        for technique in string_list(root, "relevantTechniques") {
            let valid = technique.len() == 5 || (technique.len() == 9 && &technique[5..6] == ".");
            assert!(technique.starts_with('T') && valid, "{technique}");
        }
        let mappings = root
            .get("entityMappings")
            .and_then(Node::as_sequence)
            .unwrap();
        assert!(
            (1..=5).contains(&mappings.len()),
            "{}: {} entity mappings",
            file.name,
            mappings.len()
        );
        for mapping in mappings {
            assert!(!scalar(mapping, "entityType").is_empty());
            let fields = mapping
                .get("fieldMappings")
                .and_then(Node::as_sequence)
                .unwrap();
            assert!((1..=3).contains(&fields.len()));
            for field in fields {
                scalar(field, "identifier");
                scalar(field, "columnName");
            }
        }
        let connectors = root
            .get("requiredDataConnectors")
            .and_then(Node::as_sequence)
            .unwrap();
        for connector in connectors {
            scalar(connector, "connectorId");
            assert!(matches!(
                connector.get("dataTypes").unwrap().kind,
                NodeKind::Sequence(_)
            ));
        }
    }
    // The description survives as written (trimmed), across lines.
    let signin = files
        .iter()
        .find(|f| f.name == "azure_signin_from_storm0558_ip.yaml")
        .unwrap();
    let source = Arc::new(SourceFile::new("x", signin.content.clone()));
    let root = &yaml::load_documents(&source).0[0].root;
    let rule_text =
        std::fs::read_to_string(format!("{PACK}/azure_signin_from_storm0558_ip.yml")).unwrap();
    let rule_source = Arc::new(SourceFile::new("r", rule_text));
    let rule_root = &yaml::load_documents(&rule_source).0[0].root;
    assert_eq!(
        scalar(root, "description"),
        scalar(rule_root, "description").trim()
    );
    assert_eq!(scalar(root, "queryFrequency"), "30m");
    assert_eq!(
        scalar(root.get("customDetails").unwrap(), "Application"),
        "AppDisplayName"
    );
}

#[test]
fn sentinel_arm_is_a_deployable_template() {
    let exporter = exporter(ExportFormat::SentinelArm);
    let outcome = exporter.export_paths(&pack_paths());
    let queries = queries_by_title(Target::Kql);
    let table = technique_table();
    let combined: serde_json::Value =
        serde_json::from_str(&exporter.render_stdout(&outcome).unwrap()).unwrap();
    assert_eq!(
        combined["resources"].as_array().unwrap().len(),
        12,
        "stdout holds every rule in one template"
    );
    for file in exporter.render_files(&outcome).unwrap() {
        let template: serde_json::Value =
            serde_json::from_str(&file.content).unwrap_or_else(|e| panic!("{}: {e}", file.name));
        assert_eq!(
            template["$schema"],
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
        );
        assert_eq!(template["contentVersion"], "1.0.0.0");
        assert_eq!(template["parameters"]["workspace"]["type"], "String");
        let resources = template["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 1, "{}", file.name);
        let resource = &resources[0];
        assert_eq!(
            resource["type"],
            "Microsoft.OperationalInsights/workspaces/providers/alertRules"
        );
        assert_eq!(resource["kind"], "Scheduled");
        assert_eq!(resource["apiVersion"], "2023-02-01");
        let properties = &resource["properties"];
        let guid = resource["name"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches("')]");
        assert!(is_guid(guid), "{}: {guid}", file.name);
        assert!(
            resource["id"]
                .as_str()
                .unwrap()
                .contains(&format!("/alertRules/{guid}')]"))
        );
        let name = properties["displayName"].as_str().unwrap();
        assert_eq!(properties["query"].as_str().unwrap(), queries[name]);
        assert!(properties["enabled"].is_boolean());
        assert!(properties["suppressionEnabled"].is_boolean());
        for key in ["queryFrequency", "queryPeriod", "suppressionDuration"] {
            let text = properties[key].as_str().unwrap();
            let iso = text
                .strip_prefix("PT")
                .map(|r| r.ends_with('H') || r.ends_with('M'))
                .unwrap_or(false)
                || (text.starts_with('P') && text.ends_with('D'));
            assert!(iso, "{key}: {text}");
        }
        assert!(
            ["GreaterThan", "LessThan", "Equal", "NotEqual"]
                .contains(&properties["triggerOperator"].as_str().unwrap())
        );
        assert!(properties["triggerThreshold"].is_u64());
        let techniques: Vec<String> =
            serde_json::from_value(properties["techniques"].clone()).unwrap();
        for technique in &techniques {
            assert!(
                technique.len() == 5 && technique.starts_with('T'),
                "ARM takes parent techniques: {technique}"
            );
        }
        let tactics: Vec<String> = serde_json::from_value(properties["tactics"].clone()).unwrap();
        assert_tactics_cover_techniques(&tactics, &techniques, &table, &file.name);
        let grouping = &properties["incidentConfiguration"]["groupingConfiguration"];
        assert!(properties["incidentConfiguration"]["createIncident"].is_boolean());
        for key in [
            "enabled",
            "reopenClosedIncident",
            "lookbackDuration",
            "matchingMethod",
        ] {
            assert!(!grouping[key].is_null(), "groupingConfiguration.{key}");
        }
        for mapping in properties["entityMappings"].as_array().unwrap() {
            assert!(mapping["entityType"].is_string());
            assert!(!mapping["fieldMappings"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn savedsearches_conf_round_trips() {
    let exporter = exporter(ExportFormat::SplunkConf);
    let outcome = exporter.export_paths(&pack_paths());
    let files = exporter.render_files(&outcome).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "savedsearches.conf");
    let stanzas = parse_conf(&files[0].content).unwrap();
    let queries = queries_by_title(Target::Spl);
    assert_eq!(stanzas.len(), queries.len());
    for stanza in &stanzas {
        assert_eq!(
            stanza.get("search"),
            Some(queries[&stanza.name].as_str()),
            "[{}]",
            stanza.name
        );
        assert_eq!(stanza.get("enableSched"), Some("1"));
        let cron = stanza.get("cron_schedule").unwrap();
        assert_eq!(cron.split_whitespace().count(), 5, "{cron}");
        let severity: u8 = stanza.get("alert.severity").unwrap().parse().unwrap();
        assert!((1..=6).contains(&severity));
        assert!(
            stanza
                .get("dispatch.earliest_time")
                .unwrap()
                .starts_with('-')
        );
        for key in [
            "description",
            "dispatch.latest_time",
            "counttype",
            "relation",
            "quantity",
            "alert.suppress",
        ] {
            assert!(stanza.get(key).is_some(), "[{}] {key}", stanza.name);
        }
        // Only the rule that asks for Enterprise Security gets its keys.
        let es = stanza.name == "Entra ID Sign-In From Storm-0558 Infrastructure IP";
        assert_eq!(
            stanza.get("action.correlationsearch.enabled").is_some(),
            es,
            "[{}]",
            stanza.name
        );
        if es {
            let annotations: serde_json::Value =
                serde_json::from_str(stanza.get("action.correlationsearch.annotations").unwrap())
                    .unwrap();
            assert_eq!(annotations["mitre_attack"][0], "T1078.004");
            assert_eq!(
                stanza.get("action.notable.param.security_domain"),
                Some("access")
            );
            assert_eq!(stanza.get("cron_schedule"), Some("*/30 * * * *"));
            assert_eq!(stanza.get("dispatch.earliest_time"), Some("-1h@m"));
        }
    }
    // Multi-line values (descriptions, searches) really were continued lines.
    assert!(files[0].content.contains(" \\\n"));
}

#[test]
fn es_flag_adds_correlation_search_keys_to_every_stanza() {
    let exporter = siemc::export::Exporter::new(
        ExportFormat::SplunkConf,
        Mapping::builtin(Target::Spl),
        Templates::embedded(),
        true,
    );
    let outcome = exporter.export_paths(&pack_paths());
    let stanzas = parse_conf(&exporter.render_stdout(&outcome).unwrap()).unwrap();
    for stanza in &stanzas {
        assert_eq!(stanza.get("action.notable"), Some("1"), "[{}]", stanza.name);
        assert_eq!(
            stanza.get("action.notable.param.rule_title"),
            Some(stanza.name.as_str())
        );
    }
    let identity = stanzas
        .iter()
        .find(|s| s.name == "Entra ID Protection Token Issuer Anomaly Detection")
        .unwrap();
    assert_eq!(
        identity.get("action.notable.param.security_domain"),
        Some("identity")
    );
    assert_eq!(identity.get("action.notable.param.severity"), Some("high"));
    assert_eq!(identity.get("alert.severity"), Some("5"));
}

#[test]
fn export_keeps_going_after_the_pack() {
    // Sanity: the export saw the same rules the compiler did.
    let compiled = compile_pack(Target::Kql);
    let exported = export_pack(ExportFormat::SentinelYaml);
    assert_eq!(compiled.queries.len(), exported.rules.len());
}
