//! Microsoft Sentinel scheduled analytic rules (Azure-Sentinel repository YAML and ARM).
//!
//! Takes: a rule, its KQL query with the table it reads, the rule's [`Deploy`] settings and
//! ATT&CK tags. Gives: a [`SentinelRule`] (serialized with Sentinel's own key names, so the
//! templates `export/sentinel.yaml.jinja` and `export/sentinel-arm.json.jinja` read like the
//! output) or the diagnostics of every limit it breaks: query length, schedule and window
//! range, trigger, entity mappings, custom details, alert details override, id, name and
//! description length. Limits are those of Sentinel's API and of the content repository's
//! validator (`../shared/reference/storm-0558.md` §7–8).

use super::attack::Attack;
use super::deploy::{Deploy, Duration, Level, NodeReader, Setting};
use crate::compile::RuleQuery;
use crate::diagnostic::{Diagnostic, Span};
use crate::mapping::SentinelSchema;
use crate::rule::{Rule, Spanned};
use crate::yaml::Node;
use serde::Serialize;

pub const MAX_QUERY_CHARS: usize = 10_000;
pub const MAX_NAME_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
pub const MIN_INTERVAL: Duration = Duration::minutes(5);
pub const MAX_INTERVAL: Duration = Duration::minutes(14 * 24 * 60);
pub const MAX_TRIGGER_THRESHOLD: i64 = 10_000;
/// The content repository's validator allows 5 (the API 10): 5 satisfies both.
pub const MAX_ENTITY_MAPPINGS: usize = 5;
pub const MAX_FIELD_MAPPINGS: usize = 3;
pub const MAX_CUSTOM_DETAILS: usize = 20;
pub const MAX_CUSTOM_DETAIL_KEY_CHARS: usize = 20;
pub const MAX_COLUMN_NAME_CHARS: usize = 500;
pub const MAX_ALERT_PLACEHOLDERS: usize = 3;

/// One analytic rule, with both the YAML forms (`queryFrequency: 1h`, `triggerOperator: gt`)
/// and the ARM forms (`queryFrequencyIso: PT1H`, `triggerOperatorArm: GreaterThan`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentinelRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: &'static str,
    pub required_data_connectors: Vec<DataConnector>,
    pub query_frequency: String,
    pub query_period: String,
    pub query_frequency_iso: String,
    pub query_period_iso: String,
    pub trigger_operator: &'static str,
    pub trigger_operator_arm: &'static str,
    pub trigger_threshold: i64,
    pub tactics: Vec<String>,
    /// As tagged, sub-techniques included (YAML `relevantTechniques`).
    pub relevant_techniques: Vec<String>,
    /// Parent techniques only (ARM `techniques` of API version 2023-02-01).
    pub techniques: Vec<String>,
    pub query: String,
    pub entity_mappings: Vec<EntityMapping>,
    pub custom_details: Vec<CustomDetail>,
    pub alert_details_override: Option<AlertDetailsOverride>,
    pub aggregation_kind: Option<String>,
    pub version: String,
    pub kind: &'static str,
    pub enabled: bool,
    pub suppression_enabled: bool,
    /// ISO 8601 (ARM requires the property even when suppression is off).
    pub suppression_duration_iso: String,
    pub create_incident: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DataConnector {
    pub connector_id: String,
    pub data_types: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EntityMapping {
    pub entity_type: String,
    pub field_mappings: Vec<FieldMapping>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    pub identifier: String,
    pub column_name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CustomDetail {
    pub key: String,
    pub column: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AlertDetailsOverride {
    pub alert_display_name_format: Option<String>,
    pub alert_description_format: Option<String>,
    pub alert_tactics_column_name: Option<String>,
    pub alert_severity_column_name: Option<String>,
}

/// Entity types and their identifiers (Sentinel's `EntityMappingIdentifiers`), with the
/// identifiers of which at least one must be mapped. Types whose identifier list is not
/// pinned down here (MailCluster, MailMessage, SubmissionMail, IoTDevice) accept any name.
const ENTITY_TYPES: &[(&str, &[&str], &[&str])] = &[
    (
        "Account",
        &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
        ],
        &["FullName", "Sid", "Name", "AadUserId", "PUID", "ObjectGuid"],
    ),
    (
        "Host",
        &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
        &[
            "FullName",
            "HostName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
        ],
    ),
    ("IP", &["Address"], &["Address"]),
    ("URL", &["Url"], &["Url"]),
    (
        "CloudApplication",
        &["AppId", "Name", "InstanceName"],
        &["AppId", "Name"],
    ),
    (
        "Mailbox",
        &[
            "MailboxPrimaryAddress",
            "DisplayName",
            "Upn",
            "ExternalDirectoryObjectId",
            "RiskLevel",
        ],
        &["MailboxPrimaryAddress"],
    ),
    ("AzureResource", &["ResourceId"], &["ResourceId"]),
    ("File", &["Directory", "Name"], &["Name"]),
    ("FileHash", &["Algorithm", "Value"], &["Value"]),
    (
        "Process",
        &[
            "ProcessId",
            "CommandLine",
            "ElevationToken",
            "CreationTimeUtc",
        ],
        &["ProcessId", "CommandLine"],
    ),
    ("DNS", &["DomainName"], &["DomainName"]),
    ("RegistryKey", &["Hive", "Key"], &["Key"]),
    ("RegistryValue", &["Name", "Value", "ValueType"], &["Name"]),
    (
        "SecurityGroup",
        &["DistinguishedName", "SID", "ObjectGuid"],
        &["DistinguishedName", "SID", "ObjectGuid"],
    ),
    ("Malware", &["Name", "Category"], &["Name"]),
    ("MailCluster", &[], &[]),
    ("MailMessage", &[], &[]),
    ("SubmissionMail", &[], &[]),
    ("IoTDevice", &[], &[]),
];

/// Well-known columns and the entity they identify, in order of preference within an entity.
/// A column listed with a table applies only to that table (OfficeActivity's `UserId` is a
/// UPN, SigninLogs' an object id).
const ENTITY_COLUMNS: &[(&str, &str, &str, Option<&str>)] = &[
    ("Account", "FullName", "UserPrincipalName", None),
    ("Account", "FullName", "AccountUpn", None),
    ("Account", "FullName", "UserId", Some("OfficeActivity")),
    ("Account", "FullName", "Caller", Some("AzureActivity")),
    ("Account", "Name", "AccountName", None),
    ("Account", "Name", "TargetUserName", None),
    ("Account", "Name", "SubjectUserName", None),
    ("Account", "Name", "SourceUserName", None),
    ("IP", "Address", "IPAddress", None),
    ("IP", "Address", "IpAddress", None),
    ("IP", "Address", "ClientIP", None),
    ("IP", "Address", "CallerIpAddress", None),
    ("IP", "Address", "SrcIpAddr", None),
    ("IP", "Address", "SourceIP", None),
    ("IP", "Address", "RemoteIP", None),
    ("IP", "Address", "ClientIPAddress", None),
    ("IP", "Address", "HostIP", None),
    ("Host", "FullName", "DeviceName", None),
    ("Host", "FullName", "Computer", None),
    ("Host", "HostName", "HostName", None),
    ("Mailbox", "MailboxPrimaryAddress", "MailboxOwnerUPN", None),
    ("CloudApplication", "Name", "AppDisplayName", None),
    ("URL", "Url", "Url", None),
    ("URL", "Url", "RequestURL", None),
    ("URL", "Url", "RemoteUrl", None),
];

/// Tables of the built-in mapping and the data connector that fills them.
const TABLE_CONNECTORS: &[(&str, &str)] = &[
    ("SigninLogs", "AzureActiveDirectory"),
    ("AADNonInteractiveUserSignInLogs", "AzureActiveDirectory"),
    ("AADServicePrincipalSignInLogs", "AzureActiveDirectory"),
    ("AADManagedIdentitySignInLogs", "AzureActiveDirectory"),
    ("AuditLogs", "AzureActiveDirectory"),
    ("AADUserRiskEvents", "AzureActiveDirectory"),
    ("AADRiskyUsers", "AzureActiveDirectory"),
    ("OfficeActivity", "Office365"),
    ("AzureActivity", "AzureActivity"),
    ("SecurityEvent", "SecurityEvents"),
    ("Syslog", "Syslog"),
    ("DeviceProcessEvents", "MicrosoftThreatProtection"),
    ("DeviceFileEvents", "MicrosoftThreatProtection"),
    ("DeviceNetworkEvents", "MicrosoftThreatProtection"),
    ("DeviceImageLoadEvents", "MicrosoftThreatProtection"),
    ("DeviceRegistryEvents", "MicrosoftThreatProtection"),
    ("DeviceEvents", "MicrosoftThreatProtection"),
    ("DeviceLogonEvents", "MicrosoftThreatProtection"),
];

const SENTINEL_KEYS: &[&str] = &[
    "entityMappings",
    "customDetails",
    "triggerOperator",
    "triggerThreshold",
    "requiredDataConnectors",
    "alertDetailsOverride",
    "eventGroupingSettings",
    "version",
    "enabled",
    "suppressionDuration",
    "suppressionEnabled",
    "createIncident",
];

/// Builds the analytic rule of `rule`; `Err` when any limit is broken (the diagnostics are in
/// `diagnostics`, warnings included either way).
pub fn build_sentinel_rule(
    rule: &Rule,
    compiled: &RuleQuery,
    deploy: &Deploy,
    attack: &Attack,
    schema: &SentinelSchema,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SentinelRule> {
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let reader = NodeReader { rule };
    let table = compiled.source.table.clone().unwrap_or_default();
    // The query has no `project`: its output columns are the table's (when the schema knows
    // the table), else at least the columns it tests.
    let columns: Option<Vec<String>> = match &compiled.output_columns {
        Some(output) => Some(output.clone()),
        None => schema
            .columns(&table)
            .map(|columns| columns.map(str::to_string).collect()),
    };
    let output_columns = columns.clone().unwrap_or_else(|| compiled.fields.clone());

    let id = check_id(rule, diagnostics);
    let name = rule.title().to_string();
    if name.chars().count() > MAX_NAME_CHARS {
        let span = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
        diagnostics.push(reader.error(
            "export-name-too-long",
            format!(
                "the title is {} characters; Sentinel allows {MAX_NAME_CHARS}",
                name.chars().count()
            ),
            span,
            "too long for a Sentinel rule name",
        ));
    }
    let description = match &rule.meta.description {
        Some(description) => {
            let text = description.value.trim().to_string();
            if text.chars().count() > MAX_DESCRIPTION_CHARS {
                diagnostics.push(reader.error(
                    "export-description-too-long",
                    format!(
                        "the description is {} characters; Sentinel allows {MAX_DESCRIPTION_CHARS}",
                        text.chars().count()
                    ),
                    description.span,
                    "too long for a Sentinel rule description",
                ));
            }
            text
        }
        None => name.clone(),
    };

    let query_chars = compiled.query.chars().count();
    if query_chars > MAX_QUERY_CHARS {
        diagnostics.push(
            reader
                .error(
                    "export-query-too-long",
                    format!(
                        "the KQL query of this rule is {query_chars} characters; Sentinel analytic rules allow {MAX_QUERY_CHARS}"
                    ),
                    Span::new(rule.detection.span.start, rule.detection.span.start),
                    "the query compiled from this detection is too long",
                )
                .with_help(
                    "split the rule into several rules, or move long value lists into a watchlist or function",
                ),
        );
    }

    check_schedule(&reader, deploy.schedule, deploy.lookback, diagnostics);

    let mut sentinel = SentinelRule {
        id,
        name,
        description,
        severity: sentinel_severity(deploy.severity.value),
        required_data_connectors: TABLE_CONNECTORS
            .iter()
            .filter(|(t, _)| *t == table)
            .map(|(t, connector)| DataConnector {
                connector_id: connector.to_string(),
                data_types: vec![t.to_string()],
            })
            .collect(),
        query_frequency: deploy.schedule.value.kql(),
        query_period: deploy.lookback.value.kql(),
        query_frequency_iso: deploy.schedule.value.iso8601(),
        query_period_iso: deploy.lookback.value.iso8601(),
        trigger_operator: "gt",
        trigger_operator_arm: "GreaterThan",
        trigger_threshold: 0,
        tactics: attack.tactics.clone(),
        relevant_techniques: attack.techniques.clone(),
        techniques: attack.parent_techniques.clone(),
        query: compiled.query.clone(),
        entity_mappings: Vec::new(),
        custom_details: Vec::new(),
        alert_details_override: None,
        aggregation_kind: None,
        version: "1.0.0".to_string(),
        kind: "Scheduled",
        enabled: true,
        suppression_enabled: false,
        suppression_duration_iso: "PT5H".to_string(),
        create_incident: true,
    };

    let mut mappings_given = false;
    if let Some(node) = &deploy.sentinel
        && let Some(entries) = node.as_mapping()
    {
        let mut suppression_given = false;
        for (key, value) in entries {
            let Some(key) = reader.key(key, "deploy.sentinel", SENTINEL_KEYS, diagnostics) else {
                continue;
            };
            let what = format!("deploy.sentinel.{key}");
            match key {
                "entityMappings" => {
                    mappings_given = true;
                    sentinel.entity_mappings = read_entity_mappings(
                        &reader,
                        value,
                        columns.as_deref(),
                        &table,
                        diagnostics,
                    );
                }
                "customDetails" => {
                    sentinel.custom_details = read_custom_details(
                        &reader,
                        value,
                        columns.as_deref(),
                        &table,
                        diagnostics,
                    );
                }
                "triggerOperator" => {
                    if let Some(text) = reader.string(value, &what, diagnostics) {
                        match trigger_operator(&text.value) {
                            Some((short, long)) => {
                                sentinel.trigger_operator = short;
                                sentinel.trigger_operator_arm = long;
                            }
                            None => diagnostics.push(
                                reader
                                    .error(
                                        "export-trigger-operator",
                                        format!("`{}` is not a trigger operator", text.value),
                                        text.span,
                                        "unknown operator",
                                    )
                                    .with_help("use gt, lt, eq or ne (or GreaterThan, LessThan, Equal, NotEqual)"),
                            ),
                        }
                    }
                }
                "triggerThreshold" => {
                    if let Some(number) = reader.integer(value, &what, diagnostics) {
                        if (0..=MAX_TRIGGER_THRESHOLD).contains(&number.value) {
                            sentinel.trigger_threshold = number.value;
                        } else {
                            diagnostics.push(reader.error(
                                "export-trigger-threshold",
                                format!(
                                    "trigger threshold {} is outside 0..={MAX_TRIGGER_THRESHOLD}",
                                    number.value
                                ),
                                number.span,
                                "out of range",
                            ));
                        }
                    }
                }
                "requiredDataConnectors" => {
                    if let Some(connectors) = read_data_connectors(&reader, value, diagnostics) {
                        sentinel.required_data_connectors = connectors;
                    }
                }
                "alertDetailsOverride" => {
                    sentinel.alert_details_override =
                        read_alert_details(&reader, value, diagnostics);
                }
                "eventGroupingSettings" => {
                    sentinel.aggregation_kind = read_event_grouping(&reader, value, diagnostics);
                }
                "version" => {
                    if let Some(text) = reader.string(value, &what, diagnostics) {
                        if is_version(&text.value) {
                            sentinel.version = text.value;
                        } else {
                            diagnostics.push(
                                reader
                                    .error(
                                        "export-invalid-version",
                                        format!("`{}` is not a version", text.value),
                                        text.span,
                                        "expected major.minor.patch",
                                    )
                                    .with_help("Sentinel rule versions look like 1.0.0"),
                            );
                        }
                    }
                }
                "enabled" | "suppressionEnabled" | "createIncident" => {
                    if let Some(flag) = reader.boolean(value, &what, diagnostics) {
                        match key {
                            "enabled" => sentinel.enabled = flag.value,
                            "createIncident" => sentinel.create_incident = flag.value,
                            _ => {
                                sentinel.suppression_enabled = flag.value;
                                suppression_given = true;
                            }
                        }
                    }
                }
                "suppressionDuration" => {
                    if let Some(duration) = reader.duration(value, &what, diagnostics) {
                        sentinel.suppression_duration_iso = duration.value.iso8601();
                        // Giving a duration means suppressing, unless told otherwise.
                        if !suppression_given {
                            sentinel.suppression_enabled = true;
                        }
                    }
                }
                _ => unreachable!("key() only returns known keys"),
            }
        }
    }
    if !mappings_given {
        sentinel.entity_mappings = infer_entity_mappings(&output_columns, &table);
        if sentinel.entity_mappings.is_empty() {
            diagnostics.push(
                Diagnostic::warning(
                    "export-no-entity-mappings",
                    format!("no entity mapping: no well-known entity column found for table `{table}`"),
                )
                .in_file(&rule.file)
                .at(rule.logsource.span, "log source")
                .with_help(
                    "Sentinel's content validation wants at least one; add deploy.sentinel.entityMappings",
                ),
            );
        }
    }
    let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then_some(sentinel)
}

fn sentinel_severity(level: Level) -> &'static str {
    match level {
        Level::Informational => "Informational",
        Level::Low => "Low",
        Level::Medium => "Medium",
        Level::High | Level::Critical => "High",
    }
}

fn trigger_operator(text: &str) -> Option<(&'static str, &'static str)> {
    const OPERATORS: [(&str, &str); 4] = [
        ("gt", "GreaterThan"),
        ("lt", "LessThan"),
        ("eq", "Equal"),
        ("ne", "NotEqual"),
    ];
    OPERATORS
        .into_iter()
        .find(|(short, long)| text.eq_ignore_ascii_case(short) || text.eq_ignore_ascii_case(long))
}

fn is_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A column name as Sentinel accepts it in entity mappings and custom details.
fn is_column_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_id(rule: &Rule, diagnostics: &mut Vec<Diagnostic>) -> String {
    let reader = NodeReader { rule };
    match &rule.meta.id {
        Some(id) if is_guid(&id.value) => id.value.to_ascii_lowercase(),
        Some(id) => {
            diagnostics.push(
                reader
                    .error(
                        "export-invalid-id",
                        format!("`{}` is not a GUID", id.value),
                        id.span,
                        "Sentinel rule ids are GUIDs",
                    )
                    .with_help("give the rule a UUID id, as Sigma recommends"),
            );
            String::new()
        }
        None => {
            diagnostics.push(
                reader
                    .error(
                        "export-missing-id",
                        "a Sentinel analytic rule needs the rule's `id` (a GUID)",
                        Span::new(rule.span.start, rule.span.start),
                        "this rule has no `id`",
                    )
                    .with_help("add `id:` with a new UUID; it keeps the deployed rule the same across exports"),
            );
            String::new()
        }
    }
}

/// Frequency and period within 5 minutes..14 days, frequency ≤ period, and (Sentinel's docs)
/// at least hourly frequency once the period reaches two days.
fn check_schedule(
    reader: &NodeReader,
    schedule: Setting<Duration>,
    lookback: Setting<Duration>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // A defaulted lookback equals the schedule: blame the schedule.
    let lookback_span = lookback.span.or(schedule.span);
    for (setting, span, what) in [
        (schedule, schedule.span, "deploy.schedule (queryFrequency)"),
        (lookback, lookback_span, "deploy.lookback (queryPeriod)"),
    ] {
        if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&setting.value) {
            let diagnostic = Diagnostic::error(
                "export-interval-out-of-range",
                format!(
                    "{what} is {}; Sentinel allows 5m to 14d",
                    setting.value.kql()
                ),
            )
            .in_file(&reader.rule.file);
            diagnostics.push(match span {
                Some(span) => diagnostic.at(span, "out of range"),
                None => diagnostic,
            });
        }
    }
    if schedule.value > lookback.value {
        let diagnostic = Diagnostic::error(
            "export-frequency-exceeds-period",
            format!(
                "the rule runs every {} but looks back only {}: events in between would never be searched",
                schedule.value.kql(),
                lookback.value.kql()
            ),
        )
        .in_file(&reader.rule.file)
        .with_help("Sentinel requires queryFrequency ≤ queryPeriod; raise deploy.lookback");
        diagnostics.push(match (lookback.span, schedule.span) {
            (Some(lookback_span), Some(schedule_span)) => diagnostic
                .at(lookback_span, "lookback")
                .with_note_at(schedule_span, "schedule"),
            (Some(span), None) | (None, Some(span)) => diagnostic.at(span, "here"),
            (None, None) => diagnostic,
        });
    } else if lookback.value >= Duration::minutes(2 * 24 * 60)
        && schedule.value < Duration::minutes(60)
    {
        let diagnostic = Diagnostic::error(
            "export-frequency-too-short",
            format!(
                "a lookback of {} needs a schedule of at least 1h, not {}",
                lookback.value.kql(),
                schedule.value.kql()
            ),
        )
        .in_file(&reader.rule.file)
        .with_help("Sentinel requires queryFrequency ≥ 1h when queryPeriod is 2d or more");
        diagnostics.push(match schedule.span.or(lookback.span) {
            Some(span) => diagnostic.at(span, "too frequent for this lookback"),
            None => diagnostic,
        });
    }
}

fn infer_entity_mappings(columns: &[String], table: &str) -> Vec<EntityMapping> {
    let mut mappings: Vec<EntityMapping> = Vec::new();
    for (entity, identifier, column, only_table) in ENTITY_COLUMNS {
        if only_table.is_some_and(|t| t != table) || !columns.iter().any(|c| c == column) {
            continue;
        }
        // One column per entity type: the first (most specific) found wins.
        if mappings.iter().any(|m| m.entity_type == *entity) {
            continue;
        }
        if mappings.len() == MAX_ENTITY_MAPPINGS {
            break;
        }
        mappings.push(EntityMapping {
            entity_type: entity.to_string(),
            field_mappings: vec![FieldMapping {
                identifier: identifier.to_string(),
                column_name: column.to_string(),
            }],
        });
    }
    mappings
}

fn unknown_column_warning(
    reader: &NodeReader,
    column: &Spanned<String>,
    table: &str,
) -> Diagnostic {
    Diagnostic::warning(
        "export-unknown-column",
        format!("table `{table}` has no column `{}`", column.value),
    )
    .in_file(&reader.rule.file)
    .at(column.span, "not a column of the query's output")
    .with_help("Sentinel rejects mappings of columns the query does not return")
}

fn read_entity_mappings(
    reader: &NodeReader,
    node: &Node,
    columns: Option<&[String]>,
    table: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<EntityMapping> {
    let Some(items) = reader.sequence(node, "deploy.sentinel.entityMappings", diagnostics) else {
        return Vec::new();
    };
    if items.len() > MAX_ENTITY_MAPPINGS {
        diagnostics.push(
            reader
                .error(
                    "export-too-many-entity-mappings",
                    format!(
                        "{} entity mappings; Sentinel allows {MAX_ENTITY_MAPPINGS}",
                        items.len()
                    ),
                    items[MAX_ENTITY_MAPPINGS].span,
                    "one too many from here on",
                )
                .with_help("map each entity type once, with up to three identifiers"),
        );
    }
    let mut mappings = Vec::new();
    for item in items {
        let Some(entries) = reader.mapping(item, "entity mapping", diagnostics) else {
            continue;
        };
        let mut entity_type: Option<Spanned<String>> = None;
        let mut field_nodes: Option<&Node> = None;
        for (key, value) in entries {
            match reader.key(
                key,
                "entity mapping",
                &["entityType", "fieldMappings"],
                diagnostics,
            ) {
                Some("entityType") => entity_type = reader.string(value, "entityType", diagnostics),
                Some("fieldMappings") => field_nodes = Some(value),
                _ => {}
            }
        }
        let Some(entity_type) = entity_type else {
            diagnostics.push(reader.error(
                "export-entity-mapping",
                "entity mapping without `entityType`",
                item.span,
                "add entityType: Account, IP, Host, ...",
            ));
            continue;
        };
        let Some(known) = ENTITY_TYPES
            .iter()
            .find(|(name, _, _)| *name == entity_type.value)
        else {
            let names: Vec<&str> = ENTITY_TYPES.iter().map(|(name, _, _)| *name).collect();
            let diagnostic = reader.error(
                "export-entity-mapping",
                format!("`{}` is not a Sentinel entity type", entity_type.value),
                entity_type.span,
                "unknown entity type",
            );
            diagnostics.push(
                match crate::text::closest(&entity_type.value, names.iter().copied()) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic.with_help(format!("entity types: {}", names.join(", "))),
                },
            );
            continue;
        };
        let (_, identifiers, required) = known;
        let Some(field_nodes) = field_nodes else {
            diagnostics.push(reader.error(
                "export-entity-mapping",
                "entity mapping without `fieldMappings`",
                item.span,
                "add fieldMappings: [{identifier, columnName}]",
            ));
            continue;
        };
        let Some(fields) = reader.sequence(field_nodes, "fieldMappings", diagnostics) else {
            continue;
        };
        if fields.is_empty() || fields.len() > MAX_FIELD_MAPPINGS {
            diagnostics.push(reader.error(
                "export-too-many-field-mappings",
                format!(
                    "{} field mappings for one {} entity; Sentinel allows 1 to {MAX_FIELD_MAPPINGS}",
                    fields.len(),
                    entity_type.value
                ),
                field_nodes.span,
                "wrong number of field mappings",
            ));
        }
        let mut field_mappings: Vec<FieldMapping> = Vec::new();
        for field in fields {
            let Some(entries) = reader.mapping(field, "field mapping", diagnostics) else {
                continue;
            };
            let mut identifier = None;
            let mut column = None;
            for (key, value) in entries {
                match reader.key(
                    key,
                    "field mapping",
                    &["identifier", "columnName"],
                    diagnostics,
                ) {
                    Some("identifier") => {
                        identifier = reader.string(value, "identifier", diagnostics)
                    }
                    Some("columnName") => column = reader.string(value, "columnName", diagnostics),
                    _ => {}
                }
            }
            let (Some(identifier), Some(column)) = (identifier, column) else {
                diagnostics.push(reader.error(
                    "export-entity-mapping",
                    "a field mapping needs `identifier` and `columnName`",
                    field.span,
                    "incomplete field mapping",
                ));
                continue;
            };
            let identifier_ok = if identifiers.is_empty() {
                identifier.value.chars().all(|c| c.is_ascii_alphanumeric())
                    && !identifier.value.is_empty()
            } else {
                identifiers.contains(&identifier.value.as_str())
            };
            if !identifier_ok {
                diagnostics.push(
                    reader
                        .error(
                            "export-entity-mapping",
                            format!(
                                "`{}` is not an identifier of {}",
                                identifier.value, entity_type.value
                            ),
                            identifier.span,
                            "unknown identifier",
                        )
                        .with_help(format!(
                            "{} identifiers: {}",
                            entity_type.value,
                            identifiers.join(", ")
                        )),
                );
            }
            if field_mappings
                .iter()
                .any(|f| f.identifier == identifier.value)
            {
                diagnostics.push(reader.error(
                    "export-entity-mapping",
                    format!(
                        "identifier `{}` mapped twice in one entity",
                        identifier.value
                    ),
                    identifier.span,
                    "duplicate identifier",
                ));
            }
            if !is_column_name(&column.value)
                || column.value.chars().count() > MAX_COLUMN_NAME_CHARS
            {
                diagnostics.push(reader.error(
                    "export-entity-mapping",
                    format!("`{}` is not a valid column name", column.value),
                    column.span,
                    "letters, digits and _ only, not starting with a digit, at most 500 characters",
                ));
            } else if let Some(columns) = columns
                && !columns.contains(&column.value)
            {
                diagnostics.push(unknown_column_warning(reader, &column, table));
            }
            field_mappings.push(FieldMapping {
                identifier: identifier.value,
                column_name: column.value,
            });
        }
        if !required.is_empty()
            && !field_mappings
                .iter()
                .any(|f| required.contains(&f.identifier.as_str()))
        {
            diagnostics.push(
                reader
                    .error(
                        "export-entity-mapping",
                        format!(
                            "a {} entity needs one of these identifiers: {}",
                            entity_type.value,
                            required.join(", ")
                        ),
                        field_nodes.span,
                        "no identifying field",
                    )
                    .with_help("Sentinel cannot build the entity from the other identifiers alone"),
            );
        }
        mappings.push(EntityMapping {
            entity_type: entity_type.value,
            field_mappings,
        });
    }
    mappings
}

fn read_custom_details(
    reader: &NodeReader,
    node: &Node,
    columns: Option<&[String]>,
    table: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<CustomDetail> {
    let Some(entries) = reader.mapping(node, "deploy.sentinel.customDetails", diagnostics) else {
        return Vec::new();
    };
    if entries.len() > MAX_CUSTOM_DETAILS {
        diagnostics.push(reader.error(
            "export-too-many-custom-details",
            format!(
                "{} custom details; Sentinel allows {MAX_CUSTOM_DETAILS}",
                entries.len()
            ),
            entries[MAX_CUSTOM_DETAILS].0.span,
            "one too many from here on",
        ));
    }
    let mut details = Vec::new();
    for (key, value) in entries {
        let Some(key) = reader.string(key, "custom detail name", diagnostics) else {
            continue;
        };
        let Some(column) = reader.string(value, "custom detail column", diagnostics) else {
            continue;
        };
        let key_ok = key
            .value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && key
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && key.value.chars().count() <= MAX_CUSTOM_DETAIL_KEY_CHARS;
        if !key_ok {
            diagnostics.push(
                reader
                    .error(
                        "export-custom-detail",
                        format!("`{}` is not a valid custom detail name", key.value),
                        key.span,
                        "invalid name",
                    )
                    .with_help(format!(
                        "names start with a letter, hold only letters, digits and _, and have at most {MAX_CUSTOM_DETAIL_KEY_CHARS} characters"
                    )),
            );
        }
        if !is_column_name(&column.value) {
            diagnostics.push(reader.error(
                "export-custom-detail",
                format!("`{}` is not a valid column name", column.value),
                column.span,
                "letters, digits and _ only, not starting with a digit",
            ));
        } else if let Some(columns) = columns
            && !columns.contains(&column.value)
        {
            diagnostics.push(unknown_column_warning(reader, &column, table));
        }
        details.push(CustomDetail {
            key: key.value,
            column: column.value,
        });
    }
    details
}

fn read_data_connectors(
    reader: &NodeReader,
    node: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<DataConnector>> {
    let items = reader.sequence(node, "deploy.sentinel.requiredDataConnectors", diagnostics)?;
    let mut connectors = Vec::new();
    for item in items {
        let entries = reader.mapping(item, "data connector", diagnostics)?;
        let mut connector_id = None;
        let mut data_types = Vec::new();
        for (key, value) in entries {
            match reader.key(
                key,
                "data connector",
                &["connectorId", "dataTypes"],
                diagnostics,
            ) {
                Some("connectorId") => {
                    connector_id = reader.string(value, "connectorId", diagnostics)
                }
                Some("dataTypes") => {
                    for data_type in reader
                        .sequence(value, "dataTypes", diagnostics)
                        .unwrap_or_default()
                    {
                        if let Some(text) = reader.string(data_type, "data type", diagnostics) {
                            data_types.push(text.value);
                        }
                    }
                }
                _ => {}
            }
        }
        match connector_id {
            Some(id) => connectors.push(DataConnector {
                connector_id: id.value,
                data_types,
            }),
            None => diagnostics.push(reader.error(
                "deploy-missing-key",
                "a data connector needs `connectorId`",
                item.span,
                "no connectorId",
            )),
        }
    }
    Some(connectors)
}

fn read_alert_details(
    reader: &NodeReader,
    node: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<AlertDetailsOverride> {
    const KEYS: &[&str] = &[
        "alertDisplayNameFormat",
        "alertDescriptionFormat",
        "alertTacticsColumnName",
        "alertSeverityColumnName",
    ];
    let entries = reader.mapping(node, "deploy.sentinel.alertDetailsOverride", diagnostics)?;
    let mut details = AlertDetailsOverride::default();
    for (key, value) in entries {
        let Some(key) = reader.key(
            key,
            "deploy.sentinel.alertDetailsOverride",
            KEYS,
            diagnostics,
        ) else {
            continue;
        };
        let Some(text) = reader.string(value, key, diagnostics) else {
            continue;
        };
        match key {
            "alertDisplayNameFormat" | "alertDescriptionFormat" => {
                let limit = if key == "alertDisplayNameFormat" {
                    MAX_NAME_CHARS
                } else {
                    MAX_DESCRIPTION_CHARS
                };
                check_alert_format(reader, &text, key, limit, diagnostics);
                if key == "alertDisplayNameFormat" {
                    details.alert_display_name_format = Some(text.value);
                } else {
                    details.alert_description_format = Some(text.value);
                }
            }
            _ => {
                if !is_column_name(&text.value) {
                    diagnostics.push(reader.error(
                        "export-alert-details",
                        format!("`{}` is not a valid column name", text.value),
                        text.span,
                        "letters, digits and _ only, not starting with a digit",
                    ));
                }
                if key == "alertTacticsColumnName" {
                    details.alert_tactics_column_name = Some(text.value);
                } else {
                    details.alert_severity_column_name = Some(text.value);
                }
            }
        }
    }
    Some(details)
}

/// `{{Column}}` placeholders: at most three, each a bare column name.
fn check_alert_format(
    reader: &NodeReader,
    text: &Spanned<String>,
    key: &str,
    limit: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if text.value.chars().count() > limit {
        diagnostics.push(reader.error(
            "export-alert-details",
            format!(
                "{key} is {} characters; Sentinel allows {limit}",
                text.value.chars().count()
            ),
            text.span,
            "too long",
        ));
    }
    let mut placeholders = 0;
    let mut rest = text.value.as_str();
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            diagnostics.push(reader.error(
                "export-alert-details",
                format!("{key}: `{{{{` without a closing `}}}}`"),
                text.span,
                "unclosed placeholder",
            ));
            return;
        };
        let column = &after[..close];
        if !is_column_name(column) {
            diagnostics.push(
                reader
                    .error(
                        "export-alert-details",
                        format!("{key}: `{{{{{column}}}}}` is not a column placeholder"),
                        text.span,
                        "invalid placeholder",
                    )
                    .with_help("write placeholders exactly as {{ColumnName}}, without spaces"),
            );
        }
        placeholders += 1;
        rest = &after[close + 2..];
    }
    if placeholders > MAX_ALERT_PLACEHOLDERS {
        diagnostics.push(reader.error(
            "export-alert-details",
            format!(
                "{key} has {placeholders} placeholders; Sentinel allows {MAX_ALERT_PLACEHOLDERS}"
            ),
            text.span,
            "too many placeholders",
        ));
    }
}

fn read_event_grouping(
    reader: &NodeReader,
    node: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    let entries = reader.mapping(node, "deploy.sentinel.eventGroupingSettings", diagnostics)?;
    let mut kind = None;
    for (key, value) in entries {
        if reader
            .key(
                key,
                "deploy.sentinel.eventGroupingSettings",
                &["aggregationKind"],
                diagnostics,
            )
            .is_none()
        {
            continue;
        }
        let text = reader.string(value, "aggregationKind", diagnostics)?;
        if matches!(text.value.as_str(), "SingleAlert" | "AlertPerResult") {
            kind = Some(text.value);
        } else {
            diagnostics.push(reader.error(
                "export-event-grouping",
                format!("`{}` is not an aggregation kind", text.value),
                text.span,
                "expected SingleAlert or AlertPerResult",
            ));
        }
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inferred_entities_prefer_specific_columns_and_respect_tables() {
        let columns: Vec<String> = ["UserId", "ClientIP", "MailboxOwnerUPN", "UserAgent"]
            .map(String::from)
            .to_vec();
        let office = infer_entity_mappings(&columns, "OfficeActivity");
        let types: Vec<(&str, &str)> = office
            .iter()
            .map(|m| {
                (
                    m.entity_type.as_str(),
                    m.field_mappings[0].column_name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            types,
            [
                ("Account", "UserId"),
                ("IP", "ClientIP"),
                ("Mailbox", "MailboxOwnerUPN")
            ]
        );
        // SigninLogs' UserId is an object id, not an account name.
        let signin = infer_entity_mappings(&columns, "SigninLogs");
        assert!(signin.iter().all(|m| m.entity_type != "Account"));
    }

    #[test]
    fn trigger_operators_in_both_forms() {
        assert_eq!(trigger_operator("GreaterThan"), Some(("gt", "GreaterThan")));
        assert_eq!(trigger_operator("ne"), Some(("ne", "NotEqual")));
        assert_eq!(trigger_operator("ge"), None);
    }
}
