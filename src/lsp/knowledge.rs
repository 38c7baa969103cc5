//! What the editor explains: the keys of the rule format, tags, and where a field or log
//! source lands in each target (through the same [`Mapping`]s the compiler uses).

use crate::compile::Compiler;
use crate::mapping::{Mapping, Target};
use crate::rule::LogSource;

/// Top-level keys of a rule document (Sigma v2 plus siemc's extensions), with their meaning.
pub const TOP_LEVEL_KEYS: &[(&str, &str)] = &[
    ("title", "A short, unique title of what the rule detects."),
    (
        "id",
        "A random UUID (version 4) that identifies the rule; correlations may refer to it.",
    ),
    (
        "name",
        "A unique, human-readable identifier that correlation rules can refer to.",
    ),
    (
        "related",
        "Rules this one derives from, replaces or resembles: a list of `{id, type}`.",
    ),
    (
        "taxonomy",
        "The field naming the rule uses (default `sigma`).",
    ),
    (
        "status",
        "Maturity: stable, test, experimental, deprecated or unsupported.",
    ),
    ("description", "What the rule detects and why it matters."),
    ("license", "The license of the rule (SPDX identifier)."),
    ("author", "Who wrote the rule."),
    (
        "references",
        "Links to the reports and documentation behind the rule.",
    ),
    ("date", "Creation date, YYYY-MM-DD."),
    ("modified", "Date of the last change, YYYY-MM-DD."),
    (
        "tags",
        "Classification tags: `attack.t1059.001`, `attack.execution`, `tlp.clear`, `cve.2023-1234`, ...",
    ),
    (
        "logsource",
        "Which events the rule reads: `product`, `category`, `service`; the mapping turns it into a table (KQL) or base search (SPL).",
    ),
    (
        "detection",
        "Selections (field tests) and the `condition` that combines them.",
    ),
    (
        "correlation",
        "A correlation over other rules: `type`, `rules`, `group-by`, `timespan`, `condition`.",
    ),
    (
        "filter",
        "A Sigma filter: extra conditions applied to the rules it names.",
    ),
    (
        "fields",
        "Fields worth showing to an analyst triaging a match.",
    ),
    ("falsepositives", "Known benign causes of matches."),
    (
        "level",
        "Severity: informational, low, medium, high or critical.",
    ),
    (
        "scope",
        "Where the rule applies (e.g. server, workstation).",
    ),
    (
        "tests",
        "siemc extension: sample events with the expected verdict, run by `siemc test`.",
    ),
    (
        "deploy",
        "siemc extension: schedule, lookback, severity and target extras for `siemc export`.",
    ),
];

pub const LOGSOURCE_KEY_DOCS: &[(&str, &str)] = &[
    (
        "category",
        "A kind of events across products, e.g. process_creation, dns, proxy.",
    ),
    (
        "product",
        "The product that logs the events, e.g. windows, azure, aws, linux.",
    ),
    (
        "service",
        "A log of the product, e.g. security, sysmon, signinlogs, cloudtrail.",
    ),
    (
        "definition",
        "Free text telling how the log source must be set up.",
    ),
];

pub const CORRELATION_KEY_DOCS: &[(&str, &str)] = &[
    (
        "type",
        "event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile.",
    ),
    (
        "rules",
        "The ids or names of the rules whose events are correlated.",
    ),
    (
        "group-by",
        "Fields that identify one actor or host; events are counted per group.",
    ),
    (
        "timespan",
        "The time window: a number and s, m, h or d (e.g. 5m).",
    ),
    (
        "condition",
        "The threshold, e.g. `gte: 10` (value_* types also name a `field`).",
    ),
    (
        "aliases",
        "Names for fields that differ between the correlated rules.",
    ),
    (
        "generate",
        "Also output the correlated rules' own queries (default false).",
    ),
];

/// The documentation of a key at a path of keys (`[]` top level, `["logsource"]`, ...).
pub fn key_doc(parents: &[&str], key: &str) -> Option<&'static str> {
    let table = match parents {
        [] => TOP_LEVEL_KEYS,
        ["logsource"] => LOGSOURCE_KEY_DOCS,
        ["correlation"] => CORRELATION_KEY_DOCS,
        _ => return None,
    };
    table.iter().find(|(k, _)| *k == key).map(|(_, doc)| *doc)
}

/// What a tag means: an ATT&CK technique with its tactics, a tactic, or another namespace.
pub fn tag_doc(tag: &str) -> Option<String> {
    let (namespace, value) = tag.split_once('.')?;
    match namespace {
        "attack" => attack_doc(value),
        "tlp" => Some(format!(
            "Traffic Light Protocol: who may see this rule (`{value}`)."
        )),
        "cve" => Some(format!(
            "Detects exploitation of CVE-{}.",
            value.to_uppercase()
        )),
        "car" => Some(format!(
            "MITRE Cyber Analytics Repository analytic CAR-{value}."
        )),
        "detection" => Some(format!(
            "Detection type `{value}` (dfir, emerging-threats or threat-hunting)."
        )),
        "stp" => Some(format!("Summiting the Pyramid score `{value}`.")),
        "d3fend" => Some(format!("MITRE D3FEND countermeasure `{value}`.")),
        _ => None,
    }
}

fn attack_doc(value: &str) -> Option<String> {
    if let Some((_, sentinel)) = crate::lint::metadata::TACTICS
        .iter()
        .find(|(sigma, _)| *sigma == value)
    {
        return Some(format!(
            "MITRE ATT&CK tactic `{value}` (Sentinel tactic `{sentinel}`)."
        ));
    }
    let id = value.to_uppercase();
    if id.starts_with('T') && id[1..].starts_with(|c: char| c.is_ascii_digit()) {
        let parent = id.split('.').next().unwrap_or_default();
        let sub = if parent == id {
            String::new()
        } else {
            format!(", a sub-technique of {parent}")
        };
        return Some(match crate::export::attack::required_tactics(&id) {
            Some(tactics) => format!(
                "MITRE ATT&CK technique {id}{sub}.\n\nTactics (as Sentinel lists them): {}.",
                tactics.join(", ")
            ),
            None => format!(
                "MITRE ATT&CK technique {id}{sub}; not in siemc's technique → tactics table."
            ),
        });
    }
    let kinds = [
        ("G", "group"),
        ("S", "software"),
        ("M", "mitigation"),
        ("DS", "data source"),
    ];
    kinds
        .iter()
        .find(|(prefix, _)| {
            id.strip_prefix(prefix)
                .is_some_and(|rest| rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(_, kind)| format!("MITRE ATT&CK {kind} {id}."))
}

/// Where a Sigma field of a log source lands in one target.
pub fn field_placement(compiler: &Compiler, logsource: &LogSource, field: &str) -> String {
    let mapping: &Mapping = &compiler.mapping;
    let label = target_label(compiler.target);
    let Some((_, entry)) = mapping.find_source_for(logsource) else {
        return format!(
            "**{label}**: no mapping for logsource {}",
            logsource.describe()
        );
    };
    let name = mapping.field_name(entry, field);
    let renamed = if name == field { "" } else { " (mapped)" };
    match compiler.target {
        Target::Kql => {
            let Some(table) = &entry.table else {
                return format!("**{label}**: `{name}`{renamed}");
            };
            let (column, property) = match name.split_once('.') {
                Some((column, property)) => (column, Some(property)),
                None => (name.as_str(), None),
            };
            let kind = compiler.schema.column_type(table, column);
            let described = match (kind, property) {
                (Some(_), Some(property)) => {
                    format!("property `{property}` of the dynamic column `{table}.{column}`")
                }
                (Some(kind), None) => format!("column `{table}.{column}` ({})", kind.name()),
                (None, _) if compiler.schema.has_table(table) => {
                    format!("`{name}`: not a column of `{table}` in the built-in schema")
                }
                (None, _) => format!("`{name}` in `{table}`"),
            };
            format!("**{label}**: {described}{renamed}")
        }
        Target::Spl => {
            let search = entry.search.as_deref().unwrap_or_default();
            format!("**{label}**: field `{name}`{renamed} of `{search}`")
        }
    }
}

/// Where a log source's events are found in one target.
pub fn logsource_placement(compiler: &Compiler, logsource: &LogSource) -> String {
    let label = target_label(compiler.target);
    match compiler.mapping.find_source_for(logsource) {
        None => format!(
            "**{label}**: no mapping for logsource {}",
            logsource.describe()
        ),
        Some((file, entry)) => {
            let place = match (&entry.table, &entry.search) {
                (Some(table), _) => match &entry.filter {
                    Some(filter) => format!("table `{table}` where `{filter}`"),
                    None => format!("table `{table}`"),
                },
                (None, Some(search)) => format!("base search `{search}`"),
                (None, None) => "nowhere".to_string(),
            };
            format!(
                "**{label}**: {place} (entry {} of {})",
                entry.describe(),
                file.file.display_path()
            )
        }
    }
}

pub fn target_label(target: Target) -> &'static str {
    match target {
        Target::Kql => "KQL",
        Target::Spl => "SPL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::structure::{CORRELATION_KEYS, LOGSOURCE_KEYS, SECTION_KEYS};

    #[test]
    fn every_key_the_checker_knows_is_documented() {
        let documented = |table: &[(&str, &str)], key: &str| table.iter().any(|(k, _)| *k == key);
        for key in crate::rule::METADATA_KEYS.iter().chain(SECTION_KEYS) {
            assert!(documented(TOP_LEVEL_KEYS, key), "{key}");
        }
        for key in LOGSOURCE_KEYS {
            assert!(documented(LOGSOURCE_KEY_DOCS, key), "{key}");
        }
        for key in CORRELATION_KEYS {
            assert!(documented(CORRELATION_KEY_DOCS, key), "{key}");
        }
    }

    #[test]
    fn tags_are_explained() {
        let technique = tag_doc("attack.t1059.001").unwrap();
        assert!(technique.contains("sub-technique of T1059") && technique.contains("Execution"));
        assert!(
            tag_doc("attack.defense-evasion")
                .unwrap()
                .contains("DefenseEvasion")
        );
        assert!(tag_doc("attack.g0016").unwrap().contains("group G0016"));
        assert!(tag_doc("tlp.clear").is_some());
        assert!(tag_doc("nonsense").is_none());
    }
}
