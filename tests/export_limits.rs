//! Every platform limit and `deploy:` check of `siemc export`: the diagnostic code, that it
//! points at the offending text, that a rule with an error is not exported while warnings let
//! it through, and (as one reviewable snapshot, `snapshots/export/limits.snap`) how each reads.

mod export_support;

use export_support::{export_text, primary_text, render_diagnostics};
use siemc::diagnostic::{Diagnostic, SourceFile};
use siemc::export::sentinel::SentinelRule;
use siemc::export::splunk::SavedSearch;
use siemc::export::{ExportFormat, ExportItem, ExportOutcome};
use std::sync::Arc;

const BASE: &str = "title: Sign-in from a listed address
id: 11111111-1111-4111-8111-111111111111
level: high
tags: [attack.initial-access, attack.t1078.004]
logsource: {product: azure, service: signinlogs}
detection:
  selection: {IPAddress: 203.0.113.7}
  condition: selection
";

fn with_deploy(deploy: &str) -> String {
    format!("{BASE}deploy:\n{deploy}")
}

const SENTINEL: ExportFormat = ExportFormat::SentinelYaml;
const SPLUNK: ExportFormat = ExportFormat::SplunkConf;

/// Exports `text` and checks that exactly the expected errors came out, each pointing at the
/// given text, and that the rule was not exported.
fn expect_errors(format: ExportFormat, text: &str, expected: &[(&str, &str)]) -> Vec<Diagnostic> {
    let outcome = export_text(format, text);
    let errors: Vec<&Diagnostic> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    let got: Vec<(&str, &str)> = errors.iter().map(|d| (d.code, primary_text(d))).collect();
    assert_eq!(
        got,
        expected,
        "{}",
        render_diagnostics(&outcome.diagnostics)
    );
    assert!(
        outcome.rules.is_empty(),
        "a rule with errors is not exported"
    );
    outcome.diagnostics
}

fn sentinel_rule(outcome: &ExportOutcome) -> &SentinelRule {
    match &outcome.rules.first().expect("exported").item {
        ExportItem::Sentinel(rule) => rule,
        ExportItem::Splunk(_) => panic!("not a Sentinel rule"),
    }
}

fn saved_search(outcome: &ExportOutcome) -> &SavedSearch {
    match &outcome.rules.first().expect("exported").item {
        ExportItem::Splunk(search) => search,
        ExportItem::Sentinel(_) => panic!("not a Splunk stanza"),
    }
}

#[test]
fn query_longer_than_10000_characters() {
    let addresses: Vec<String> = (0..700)
        .map(|i| format!("'198.51.{}.{}'", i / 250, i % 250))
        .collect();
    let text = BASE.replace(
        "{IPAddress: 203.0.113.7}",
        &format!("{{IPAddress: [{}]}}", addresses.join(", ")),
    );
    let diagnostics = expect_errors(SENTINEL, &text, &[("export-query-too-long", "")]);
    assert!(diagnostics[0].message.contains("characters"));
    assert_eq!(
        diagnostics[0].start_position().unwrap().line,
        7,
        "points at the detection"
    );
    // Splunk has no such limit.
    assert_eq!(export_text(SPLUNK, &text).rules.len(), 1);
}

#[test]
fn query_frequency_and_period_limits() {
    expect_errors(
        SENTINEL,
        &with_deploy("  schedule: 4m\n  lookback: 1h\n"),
        &[("export-interval-out-of-range", "4m")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  lookback: 15d\n"),
        &[("export-interval-out-of-range", "15d")],
    );
    // A defaulted lookback equals the schedule: the schedule is blamed for both.
    expect_errors(
        SENTINEL,
        &with_deploy("  schedule: 20d\n"),
        &[
            ("export-interval-out-of-range", "20d"),
            ("export-interval-out-of-range", "20d"),
        ],
    );
    let diagnostics = expect_errors(
        SENTINEL,
        &with_deploy("  schedule: 2h\n  lookback: 1h\n"),
        &[("export-frequency-exceeds-period", "1h")],
    );
    assert!(
        diagnostics[0].labels.iter().any(|l| !l.primary),
        "the schedule is shown too"
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  schedule: 30m\n  lookback: 3d\n"),
        &[("export-frequency-too-short", "30m")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  schedule: 1w\n"),
        &[("deploy-invalid-duration", "1w")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  schedule: 0m\n"),
        &[("deploy-invalid-duration", "0m")],
    );
    // The edges are allowed.
    let outcome = export_text(SENTINEL, &with_deploy("  schedule: 5m\n  lookback: 14d\n"));
    assert!(
        outcome.rules.is_empty(),
        "14d lookback needs an hourly schedule"
    );
    let outcome = export_text(SENTINEL, &with_deploy("  schedule: 1h\n  lookback: 14d\n"));
    let rule = sentinel_rule(&outcome);
    assert_eq!(
        (rule.query_frequency.as_str(), rule.query_period.as_str()),
        ("1h", "14d")
    );
    assert_eq!(
        (
            rule.query_frequency_iso.as_str(),
            rule.query_period_iso.as_str()
        ),
        ("PT1H", "P14D")
    );
    let outcome = export_text(SENTINEL, &with_deploy("  schedule: 5m\n  lookback: 5m\n"));
    assert_eq!(sentinel_rule(&outcome).query_frequency_iso, "PT5M");
}

#[test]
fn trigger_threshold_and_operator() {
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {triggerThreshold: 10001}\n"),
        &[("export-trigger-threshold", "10001")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {triggerThreshold: -1}\n"),
        &[("export-trigger-threshold", "-1")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {triggerThreshold: many}\n"),
        &[("deploy-wrong-type", "many")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {triggerOperator: ge}\n"),
        &[("export-trigger-operator", "ge")],
    );
    let outcome = export_text(
        SENTINEL,
        &with_deploy("  sentinel: {triggerOperator: LessThan, triggerThreshold: 10000}\n"),
    );
    let rule = sentinel_rule(&outcome);
    assert_eq!(
        (
            rule.trigger_operator,
            rule.trigger_operator_arm,
            rule.trigger_threshold
        ),
        ("lt", "LessThan", 10000)
    );
}

fn entity(entity_type: &str, fields: &[(&str, &str)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(identifier, column)| format!("{{identifier: {identifier}, columnName: {column}}}"))
        .collect();
    format!(
        "      - {{entityType: {entity_type}, fieldMappings: [{}]}}\n",
        fields.join(", ")
    )
}

fn with_entities(entities: &[String]) -> String {
    with_deploy(&format!(
        "  sentinel:\n    entityMappings:\n{}",
        entities.concat()
    ))
}

#[test]
fn entity_mapping_limits() {
    let six: Vec<String> = (0..6)
        .map(|_| entity("IP", &[("Address", "IPAddress")]))
        .collect();
    let diagnostics = expect_errors(
        SENTINEL,
        &with_entities(&six),
        &[(
            "export-too-many-entity-mappings",
            "{entityType: IP, fieldMappings: [{identifier: Address, columnName: IPAddress}]}",
        )],
    );
    assert_eq!(
        diagnostics[0].start_position().unwrap().line,
        17,
        "points at the sixth mapping"
    );
    let four_fields = entity(
        "Account",
        &[
            ("FullName", "UserPrincipalName"),
            ("Name", "UserDisplayName"),
            ("AadUserId", "UserId"),
            ("DisplayName", "UserDisplayName"),
        ],
    );
    expect_errors(
        SENTINEL,
        &with_entities(&[four_fields]),
        &[(
            "export-too-many-field-mappings",
            "[{identifier: FullName, columnName: UserPrincipalName}, {identifier: Name, columnName: UserDisplayName}, {identifier: AadUserId, columnName: UserId}, {identifier: DisplayName, columnName: UserDisplayName}]",
        )],
    );
    let diagnostics = expect_errors(
        SENTINEL,
        &with_entities(&[entity("Acount", &[("FullName", "UserPrincipalName")])]),
        &[("export-entity-mapping", "Acount")],
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("did you mean `Account`?")
    );
    expect_errors(
        SENTINEL,
        &with_entities(&[entity("IP", &[("Adress", "IPAddress")])]),
        &[
            ("export-entity-mapping", "Adress"),
            (
                "export-entity-mapping",
                "[{identifier: Adress, columnName: IPAddress}]",
            ),
        ],
    );
    expect_errors(
        SENTINEL,
        &with_entities(&[entity("IP", &[("Address", "'IP Address'")])]),
        &[("export-entity-mapping", "'IP Address'")],
    );
    expect_errors(
        SENTINEL,
        &with_entities(&[entity("Account", &[("UPNSuffix", "UserPrincipalName")])]),
        &[(
            "export-entity-mapping",
            "[{identifier: UPNSuffix, columnName: UserPrincipalName}]",
        )],
    );
    expect_errors(
        SENTINEL,
        &with_entities(&[entity(
            "Account",
            &[("FullName", "UserPrincipalName"), ("FullName", "UserId")],
        )]),
        &[("export-entity-mapping", "FullName")],
    );
    // A column the table does not have is a warning: the rule is still exported.
    let outcome = export_text(
        SENTINEL,
        &with_entities(&[entity("IP", &[("Address", "NoSuchColumn")])]),
    );
    let warning = outcome
        .diagnostics
        .iter()
        .find(|d| d.code == "export-unknown-column")
        .expect("warned");
    assert_eq!(primary_text(warning), "NoSuchColumn");
    assert_eq!(
        sentinel_rule(&outcome).entity_mappings[0].field_mappings[0].column_name,
        "NoSuchColumn"
    );
    // Five mappings with three fields each is the maximum.
    let five: Vec<String> = (0..5)
        .map(|_| {
            entity(
                "Account",
                &[
                    ("FullName", "UserPrincipalName"),
                    ("Name", "UserDisplayName"),
                    ("AadUserId", "UserId"),
                ],
            )
        })
        .collect();
    assert_eq!(
        sentinel_rule(&export_text(SENTINEL, &with_entities(&five)))
            .entity_mappings
            .len(),
        5
    );
}

#[test]
fn entity_mappings_are_inferred_from_well_known_columns() {
    let outcome = export_text(SENTINEL, BASE);
    let mappings: Vec<(String, String, String)> = sentinel_rule(&outcome)
        .entity_mappings
        .iter()
        .map(|m| {
            (
                m.entity_type.clone(),
                m.field_mappings[0].identifier.clone(),
                m.field_mappings[0].column_name.clone(),
            )
        })
        .collect();
    assert_eq!(
        mappings,
        [
            (
                "Account".into(),
                "FullName".into(),
                "UserPrincipalName".into()
            ),
            ("IP".into(), "Address".into(), "IPAddress".into()),
            (
                "CloudApplication".into(),
                "Name".into(),
                "AppDisplayName".into()
            ),
        ]
    );
}

#[test]
fn custom_detail_limits() {
    let many: Vec<String> = (0..21)
        .map(|i| format!("      Detail{i}: UserPrincipalName\n"))
        .collect();
    let text = with_deploy(&format!(
        "  sentinel:\n    customDetails:\n{}",
        many.concat()
    ));
    expect_errors(
        SENTINEL,
        &text,
        &[("export-too-many-custom-details", "Detail20")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {customDetails: {ThisNameIsLongerThan20: IPAddress}}\n"),
        &[("export-custom-detail", "ThisNameIsLongerThan20")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {customDetails: {1st: IPAddress}}\n"),
        &[("export-custom-detail", "1st")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {customDetails: {Address: 'IP-Address'}}\n"),
        &[("export-custom-detail", "'IP-Address'")],
    );
    let outcome = export_text(
        SENTINEL,
        &with_deploy("  sentinel: {customDetails: {Address: IPAddress, App: AppDisplayName}}\n"),
    );
    let details: Vec<(&str, &str)> = sentinel_rule(&outcome)
        .custom_details
        .iter()
        .map(|d| (d.key.as_str(), d.column.as_str()))
        .collect();
    assert_eq!(
        details,
        [("Address", "IPAddress"), ("App", "AppDisplayName")],
        "kept in the rule's order"
    );
}

#[test]
fn alert_details_override_limits() {
    expect_errors(
        SENTINEL,
        &with_deploy(
            "  sentinel: {alertDetailsOverride: {alertDisplayNameFormat: '{{A}} {{B}} {{C}} {{D}}'}}\n",
        ),
        &[("export-alert-details", "'{{A}} {{B}} {{C}} {{D}}'")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy(
            "  sentinel: {alertDetailsOverride: {alertDescriptionFormat: 'from {{ IPAddress }}'}}\n",
        ),
        &[("export-alert-details", "'from {{ IPAddress }}'")],
    );
    let long = "x".repeat(257);
    expect_errors(
        SENTINEL,
        &with_deploy(&format!(
            "  sentinel: {{alertDetailsOverride: {{alertDisplayNameFormat: {long}}}}}\n"
        )),
        &[("export-alert-details", long.as_str())],
    );
}

#[test]
fn sentinel_settings_are_checked_and_applied() {
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {version: '1.0'}\n"),
        &[("export-invalid-version", "'1.0'")],
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {eventGroupingSettings: {aggregationKind: PerResult}}\n"),
        &[("export-event-grouping", "PerResult")],
    );
    let diagnostics = expect_errors(
        SENTINEL,
        &with_deploy("  sentinel: {entityMapping: []}\n"),
        &[("deploy-unknown-key", "entityMapping")],
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("did you mean `entityMappings`?")
    );
    let outcome = export_text(
        SENTINEL,
        &with_deploy(
            "  severity: low\n  sentinel: {suppressionDuration: 2h, createIncident: false, version: 2.1.0, requiredDataConnectors: [{connectorId: AzureActiveDirectory, dataTypes: [SigninLogs, AADNonInteractiveUserSignInLogs]}]}\n",
        ),
    );
    let rule = sentinel_rule(&outcome);
    assert_eq!(
        (
            rule.severity,
            rule.suppression_enabled,
            rule.suppression_duration_iso.as_str()
        ),
        ("Low", true, "PT2H")
    );
    assert!(!rule.create_incident);
    assert_eq!(rule.version, "2.1.0");
    assert_eq!(rule.required_data_connectors[0].data_types.len(), 2);
}

#[test]
fn deploy_block_problems() {
    let diagnostics = expect_errors(
        SENTINEL,
        &with_deploy("  schedul: 1h\n"),
        &[("deploy-unknown-key", "schedul")],
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("did you mean `schedule`?")
    );
    expect_errors(
        SENTINEL,
        &with_deploy("  severity: urgent\n"),
        &[("deploy-invalid-severity", "urgent")],
    );
    expect_errors(
        SENTINEL,
        &format!("{BASE}deploy: hourly\n"),
        &[("deploy-wrong-type", "hourly")],
    );
    expect_errors(
        SENTINEL,
        &BASE.replace("level: high", "level: severe"),
        &[("deploy-invalid-severity", "severe")],
    );
    // Severity: deploy wins over level; critical is Sentinel's High.
    let outcome = export_text(SENTINEL, &BASE.replace("level: high", "level: critical"));
    assert_eq!(sentinel_rule(&outcome).severity, "High");
    let outcome = export_text(SPLUNK, &BASE.replace("level: high", "level: critical"));
    assert_eq!(saved_search(&outcome).get("alert.severity"), Some("6"));
    let outcome = export_text(SENTINEL, &with_deploy("  severity: informational\n"));
    assert_eq!(sentinel_rule(&outcome).severity, "Informational");
}

#[test]
fn rule_identity_for_sentinel() {
    expect_errors(
        SENTINEL,
        &BASE.replace("id: 11111111-1111-4111-8111-111111111111\n", ""),
        &[("export-missing-id", "")],
    );
    expect_errors(
        SENTINEL,
        &BASE.replace("11111111-1111-4111-8111-111111111111", "rule-1"),
        &[("export-invalid-id", "rule-1")],
    );
    let long_title = "T".repeat(257);
    expect_errors(
        SENTINEL,
        &BASE.replace("Sign-in from a listed address", &long_title),
        &[("export-name-too-long", long_title.as_str())],
    );
    let long_description = "d".repeat(5001);
    expect_errors(
        SENTINEL,
        &format!("{BASE}description: {long_description}\n"),
        &[("export-description-too-long", long_description.as_str())],
    );
    // Splunk needs neither a GUID nor a short title.
    assert_eq!(
        export_text(
            SPLUNK,
            &BASE.replace("11111111-1111-4111-8111-111111111111", "rule-1")
        )
        .rules
        .len(),
        1
    );
}

#[test]
fn attack_tags_give_every_required_tactic() {
    let outcome = export_text(
        SENTINEL,
        &BASE.replace(
            "[attack.initial-access, attack.t1078.004]",
            "[attack.t1078.004, attack.t1114, attack.collection]",
        ),
    );
    let rule = sentinel_rule(&outcome);
    assert_eq!(
        rule.tactics,
        [
            "InitialAccess",
            "Persistence",
            "PrivilegeEscalation",
            "DefenseEvasion",
            "Collection"
        ]
    );
    assert_eq!(rule.relevant_techniques, ["T1078.004", "T1114"]);
    assert_eq!(rule.techniques, ["T1078", "T1114"]);
    // An unknown technique or a malformed attack tag warns; the rule is still exported.
    let outcome = export_text(
        SENTINEL,
        &BASE.replace(
            "[attack.initial-access, attack.t1078.004]",
            "[attack.t9999, attack.initial-acess, attack.g0016, cve.2023-1234]",
        ),
    );
    let warnings: Vec<(&str, &str)> = outcome
        .diagnostics
        .iter()
        .map(|d| (d.code, primary_text(d)))
        .collect();
    assert_eq!(
        warnings,
        [
            ("export-unknown-technique", "attack.t9999"),
            ("export-unknown-attack-tag", "attack.initial-acess")
        ]
    );
    assert!(outcome.diagnostics.iter().all(|d| !d.is_error()));
    assert_eq!(sentinel_rule(&outcome).relevant_techniques, ["T9999"]);
    // The underscore spelling of older rules names the same tactic (`check` suggests the rename).
    let outcome = export_text(
        SENTINEL,
        &BASE.replace(
            "[attack.initial-access, attack.t1078.004]",
            "[attack.initial_access, attack.defense_evasion]",
        ),
    );
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    assert_eq!(
        sentinel_rule(&outcome).tactics,
        ["InitialAccess", "DefenseEvasion"]
    );
}

#[test]
fn splunk_cron_severity_and_trigger() {
    let diagnostics = expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {cron_schedule: '61 * * * *'}\n"),
        &[("export-cron", "'61 * * * *'")],
    );
    assert!(
        diagnostics[0].message.contains("minute"),
        "{}",
        diagnostics[0].message
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {cron_schedule: '0 * * JAN *'}\n"),
        &[("export-cron", "'0 * * JAN *'")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {cron_schedule: '*/15 * * *'}\n"),
        &[("export-cron", "'*/15 * * *'")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {alert.severity: 7}\n"),
        &[("export-splunk-severity", "7")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {alert.severity: 0}\n"),
        &[("export-splunk-severity", "0")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {relation: more than}\n"),
        &[("export-splunk-value", "more than")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {counttype: events}\n"),
        &[("export-splunk-value", "events")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {quantity: -1}\n"),
        &[("export-splunk-value", "-1")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {security_domain: cloud}\n"),
        &[("export-splunk-value", "cloud")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  schedule: 7m\n"),
        &[("export-schedule-not-cron", "7m")],
    );
    expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {search: 'index=*'}\n"),
        &[("deploy-owned-key", "search")],
    );
    let diagnostics = expect_errors(
        SPLUNK,
        &with_deploy("  splunk: {cron_shedule: '0 * * * *'}\n"),
        &[("deploy-unknown-key", "cron_shedule")],
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("did you mean `cron_schedule`?")
    );
    // An explicit cron makes any schedule deployable; pass-through keys land as given.
    let outcome = export_text(
        SPLUNK,
        &with_deploy(
            "  schedule: 7m\n  lookback: 2h\n  splunk: {cron_schedule: '*/7 * * * *', alert.severity: 2, relation: rises by, quantity: 5, alert.suppress: true, alert.suppress.period: 1h, alert.suppress.fields: [user, src], action.email.to: soc@example.com, schedule_window: auto}\n",
        ),
    );
    let search = saved_search(&outcome);
    for (key, value) in [
        ("cron_schedule", "*/7 * * * *"),
        ("dispatch.earliest_time", "-2h@m"),
        ("alert.severity", "2"),
        ("relation", "rises by"),
        ("quantity", "5"),
        ("alert.suppress", "1"),
        ("alert.suppress.period", "1h"),
        ("alert.suppress.fields", "user,src"),
        ("action.email.to", "soc@example.com"),
        ("schedule_window", "auto"),
    ] {
        assert_eq!(search.get(key), Some(value), "{key}");
    }
}

#[test]
fn splunk_stanza_names_and_values_the_conf_format_cannot_hold() {
    expect_errors(
        SPLUNK,
        &BASE.replace("Sign-in from a listed address", "'Sign-in [test]'"),
        &[("export-stanza-name", "'Sign-in [test]'")],
    );
    let text = format!("{BASE}description: \"ends with a backslash \\\\\\nsecond line\"\n");
    expect_errors(
        SPLUNK,
        &text,
        &[(
            "export-conf-value",
            "\"ends with a backslash \\\\\\nsecond line\"",
        )],
    );
    // Two rules of the same title: the second is refused, the first kept.
    let exporter = export_support::exporter(SPLUNK);
    let mut outcome = ExportOutcome::default();
    for name in ["a.yml", "b.yml"] {
        exporter.export_file(&Arc::new(SourceFile::new(name, BASE)), &mut outcome);
    }
    assert_eq!(outcome.rules.len(), 1);
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["export-duplicate-stanza"]);
    assert!(outcome.diagnostics[0].message.contains("a.yml"));
}

#[test]
fn correlation_rules_are_exported_with_their_aggregation() {
    let text = format!(
        "{BASE}---\ntitle: Many sign-ins\nid: 22222222-2222-4222-8222-222222222222\ncorrelation:\n  type: event_count\n  rules: [11111111-1111-4111-8111-111111111111]\n  group-by: [IPAddress]\n  timespan: 1h\n  condition: {{gte: 10}}\n"
    );
    for format in [SENTINEL, ExportFormat::SentinelArm, SPLUNK] {
        let outcome = export_text(format, &text);
        let errors: Vec<&str> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        // The detection rule feeds the correlation and is deployed through it.
        assert_eq!(outcome.rules.len(), 1);
    }
    let unknown = text.replace(
        "rules: [11111111-1111-4111-8111-111111111111]",
        "rules: [no_such_rule]",
    );
    let outcome = export_text(SENTINEL, &unknown);
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"unknown-rule"), "{codes:?}");
}

#[test]
fn how_the_diagnostics_read() {
    let cases: &[(ExportFormat, String)] = &[
        (SENTINEL, with_deploy("  schedule: 2h\n  lookback: 1h\n")),
        (
            SENTINEL,
            with_deploy("  sentinel: {triggerThreshold: 10001}\n"),
        ),
        (
            SENTINEL,
            with_entities(&[entity("Acount", &[("FullName", "UserPrincipalName")])]),
        ),
        (
            SENTINEL,
            with_deploy("  sentinel: {customDetails: {ThisNameIsLongerThan20: IPAddress}}\n"),
        ),
        (
            SENTINEL,
            with_entities(&[entity("IP", &[("Address", "NoSuchColumn")])]),
        ),
        (
            SPLUNK,
            with_deploy("  splunk: {cron_schedule: '61 * * * *'}\n"),
        ),
        (SPLUNK, with_deploy("  splunk: {alert.severity: 7}\n")),
        (SPLUNK, with_deploy("  schedule: 7m\n")),
    ];
    let mut text = String::new();
    for (format, rule) in cases {
        text.push_str(&render_diagnostics(&export_text(*format, rule).diagnostics));
        text.push('\n');
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/export");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("limits", text));
}
