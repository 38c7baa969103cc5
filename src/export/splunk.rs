//! Splunk scheduled searches (`savedsearches.conf` stanzas), optionally as Enterprise Security
//! correlation searches that create notable events.
//!
//! Takes: a rule, its SPL query, its [`Deploy`] settings and ATT&CK tags, and whether ES keys
//! are wanted (`--es`; `deploy.splunk.es` decides per rule). Gives: a [`SavedSearch`]: the
//! stanza name and its `key = value` settings in file order, or diagnostics: cron syntax,
//! `alert.severity` range, trigger (`counttype` / `relation` / `quantity`), a schedule with no
//! cron equivalent, values the conf format cannot hold, stanza names it cannot hold.

use super::attack::Attack;
use super::deploy::{Deploy, Duration, Level, NodeReader};
use super::format::conf_value_problem;
use crate::diagnostic::{Diagnostic, Span};
use crate::rule::Rule;
use crate::yaml::{Node, ScalarValue};
use serde::Serialize;

/// One stanza of savedsearches.conf.
#[derive(Debug, Clone, Serialize)]
pub struct SavedSearch {
    /// The stanza name: the rule's title.
    pub name: String,
    pub id: Option<String>,
    /// Settings in file order; keys are unique.
    pub settings: Vec<Setting>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: String,
}

impl SavedSearch {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.value.as_str())
    }

    /// Sets a key, keeping its place when it already exists.
    fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.settings.iter_mut().find(|s| s.key == key) {
            Some(setting) => setting.value = value,
            None => self.settings.push(Setting {
                key: key.to_string(),
                value,
            }),
        }
    }
}

const COUNTTYPES: &[&str] = &[
    "number of events",
    "number of hosts",
    "number of sources",
    "custom",
    "always",
];
const RELATIONS: &[&str] = &[
    "greater than",
    "less than",
    "equal to",
    "not equal to",
    "drops by",
    "rises by",
];
const SECURITY_DOMAINS: &[&str] = &[
    "access", "endpoint", "network", "threat", "identity", "audit",
];

/// Keys of `deploy.splunk` that siemc reads and checks; other savedsearches.conf keys with
/// these prefixes, or in [`PASS_THROUGH_KEYS`], are copied as given.
const TYPED_KEYS: &[&str] = &[
    "es",
    "security_domain",
    "cron_schedule",
    "dispatch.earliest_time",
    "dispatch.latest_time",
    "alert.severity",
    "alert.suppress",
    "alert.suppress.period",
    "alert.suppress.fields",
    "counttype",
    "relation",
    "quantity",
];
const PASS_THROUGH_PREFIXES: &[&str] = &[
    "action.",
    "alert.",
    "dispatch.",
    "display.",
    "request.",
    "durable.",
];
const PASS_THROUGH_KEYS: &[&str] = &[
    "disabled",
    "enableSched",
    "schedule_window",
    "schedule_priority",
    "allow_skew",
    "max_concurrent",
    "realtime_schedule",
    "run_on_startup",
    "run_n_times",
    "is_visible",
    "auto_summarize",
];
/// Keys the exporter owns: they come from the rule itself.
const OWNED_KEYS: &[&str] = &["search", "description"];

/// Builds the stanza of `rule`; `None` when it has errors (in `diagnostics`).
pub fn build_saved_search(
    rule: &Rule,
    query: &str,
    deploy: &Deploy,
    attack: &Attack,
    es_default: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SavedSearch> {
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let reader = NodeReader { rule };
    let name = rule.title().trim().to_string();
    check_stanza_name(&reader, rule, &name, diagnostics);
    let description = rule
        .meta
        .description
        .as_ref()
        .map_or(name.clone(), |d| d.value.trim().to_string());
    check_conf_value(
        &reader,
        "description",
        &description,
        rule.meta.description.as_ref().map(|d| d.span),
        diagnostics,
    );
    check_conf_value(
        &reader,
        "search",
        query,
        Some(rule.detection.span),
        diagnostics,
    );

    let mut search = SavedSearch {
        name: name.clone(),
        id: rule.id().map(str::to_string),
        settings: Vec::new(),
    };
    search.set("description", description.clone());
    search.set("search", query);
    search.set("enableSched", "1");
    let cron = cron_for_schedule(deploy.schedule.value);
    search.set("cron_schedule", cron.clone().unwrap_or_default());
    search.set(
        "dispatch.earliest_time",
        format!("-{}@m", deploy.lookback.value.splunk()),
    );
    // Snapping both ends to the minute makes consecutive runs tile without overlap.
    search.set("dispatch.latest_time", "@m");
    search.set("counttype", "number of events");
    search.set("relation", "greater than");
    search.set("quantity", "0");
    search.set(
        "alert.severity",
        splunk_severity(deploy.severity.value).to_string(),
    );
    search.set("alert.track", "1");
    search.set("alert.digest_mode", "1");
    search.set("alert.suppress", "0");

    let mut es = es_default;
    let mut security_domain = "threat".to_string();
    let mut cron_given = false;
    let mut extras: Vec<(String, String)> = Vec::new();
    let entries = deploy
        .splunk
        .as_ref()
        .and_then(Node::as_mapping)
        .unwrap_or_default();
    for (key_node, value) in entries {
        let key = key_node.as_str().unwrap_or_default().to_string();
        let what = format!("deploy.splunk.{key}");
        if OWNED_KEYS.contains(&key.as_str()) {
            diagnostics.push(
                reader
                    .error(
                        "deploy-owned-key",
                        format!("`{key}` is written from the rule itself"),
                        key_node.span,
                        "cannot be set here",
                    )
                    .with_help(format!(
                        "change the rule's {} instead",
                        if key == "search" {
                            "detection"
                        } else {
                            "description"
                        }
                    )),
            );
            continue;
        }
        if TYPED_KEYS.contains(&key.as_str()) {
            match key.as_str() {
                "es" => {
                    if let Some(flag) = reader.boolean(value, &what, diagnostics) {
                        es = flag.value;
                    }
                }
                "security_domain" => {
                    if let Some(text) = reader.string(value, &what, diagnostics) {
                        if SECURITY_DOMAINS.contains(&text.value.as_str()) {
                            security_domain = text.value;
                        } else {
                            diagnostics.push(
                                reader
                                    .error(
                                        "export-splunk-value",
                                        format!("`{}` is not an ES security domain", text.value),
                                        text.span,
                                        "unknown domain",
                                    )
                                    .with_help(format!(
                                        "use one of {}",
                                        SECURITY_DOMAINS.join(", ")
                                    )),
                            );
                        }
                    }
                }
                "cron_schedule" => {
                    if let Some(text) = reader.string(value, &what, diagnostics) {
                        match check_cron(&text.value) {
                            Ok(()) => {
                                search.set("cron_schedule", text.value.trim());
                                cron_given = true;
                            }
                            Err(problem) => diagnostics.push(
                                reader
                                    .error("export-cron", format!("invalid cron schedule `{}`: {problem}", text.value), text.span, "invalid cron expression")
                                    .with_help("five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\""),
                            ),
                        }
                    }
                }
                "alert.severity" => {
                    if let Some(number) = reader.integer(value, &what, diagnostics) {
                        if (1..=6).contains(&number.value) {
                            search.set("alert.severity", number.value.to_string());
                        } else {
                            diagnostics.push(
                                reader
                                    .error(
                                        "export-splunk-severity",
                                        format!("alert.severity {} is outside 1..=6", number.value),
                                        number.span,
                                        "out of range",
                                    )
                                    .with_help(
                                        "1 debug, 2 info, 3 low, 4 medium, 5 high, 6 critical",
                                    ),
                            );
                        }
                    }
                }
                "counttype" | "relation" => {
                    let allowed = if key == "counttype" {
                        COUNTTYPES
                    } else {
                        RELATIONS
                    };
                    if let Some(text) = reader.string(value, &what, diagnostics) {
                        if allowed.contains(&text.value.as_str()) {
                            search.set(&key, text.value);
                        } else {
                            diagnostics.push(
                                reader
                                    .error(
                                        "export-splunk-value",
                                        format!("`{}` is not a valid {key}", text.value),
                                        text.span,
                                        "unknown value",
                                    )
                                    .with_help(format!("use one of: {}", allowed.join(", "))),
                            );
                        }
                    }
                }
                "quantity" => {
                    if let Some(number) = reader.integer(value, &what, diagnostics) {
                        if number.value >= 0 {
                            search.set("quantity", number.value.to_string());
                        } else {
                            diagnostics.push(reader.error(
                                "export-splunk-value",
                                "quantity must not be negative",
                                number.span,
                                "negative",
                            ));
                        }
                    }
                }
                "alert.suppress" => {
                    let flag = match value.as_scalar().map(|s| s.value()) {
                        Some(ScalarValue::Bool(b)) => Some(b),
                        Some(ScalarValue::Int(0)) => Some(false),
                        Some(ScalarValue::Int(1)) => Some(true),
                        _ => None,
                    };
                    match flag {
                        Some(flag) => search.set("alert.suppress", if flag { "1" } else { "0" }),
                        None => diagnostics.push(reader.wrong_type(value, &what, "true or false")),
                    }
                }
                "alert.suppress.period" => {
                    if let Some(duration) = reader.duration(value, &what, diagnostics) {
                        search.set("alert.suppress.period", duration.value.splunk());
                    }
                }
                "alert.suppress.fields" => {
                    let fields: Option<Vec<String>> = match value.as_sequence() {
                        Some(items) => items
                            .iter()
                            .map(|i| reader.string(i, &what, diagnostics).map(|s| s.value))
                            .collect(),
                        None => reader
                            .string(value, &what, diagnostics)
                            .map(|s| vec![s.value]),
                    };
                    if let Some(fields) = fields {
                        search.set("alert.suppress.fields", fields.join(","));
                    }
                }
                "dispatch.earliest_time" | "dispatch.latest_time" => {
                    if let Some(text) = reader.string(value, &what, diagnostics) {
                        check_conf_value(&reader, &key, &text.value, Some(text.span), diagnostics);
                        search.set(&key, text.value.trim());
                    }
                }
                _ => unreachable!("every typed key has a branch"),
            }
            continue;
        }
        let pass_through = PASS_THROUGH_KEYS.contains(&key.as_str())
            || PASS_THROUGH_PREFIXES.iter().any(|p| key.starts_with(p));
        let key_ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c));
        if !pass_through || !key_ok {
            let known: Vec<&str> = TYPED_KEYS
                .iter()
                .chain(PASS_THROUGH_KEYS)
                .copied()
                .collect();
            let diagnostic = reader.error(
                "deploy-unknown-key",
                format!("unknown key `{key}` in `deploy.splunk`"),
                key_node.span,
                "not a savedsearches.conf setting siemc passes on",
            );
            diagnostics.push(match crate::text::closest(&key, known.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(
                    "use a savedsearches.conf key (action.*, alert.*, dispatch.*, schedule_window, ...) or one of: es, security_domain, cron_schedule",
                ),
            });
            continue;
        }
        let Some(text) = reader.string(value, &what, diagnostics) else {
            continue;
        };
        check_conf_value(&reader, &key, &text.value, Some(text.span), diagnostics);
        extras.push((key, text.value));
    }

    if cron.is_none() && !cron_given {
        let diagnostic = Diagnostic::error(
            "export-schedule-not-cron",
            format!(
                "a schedule of every {} has no cron equivalent",
                deploy.schedule.value.kql()
            ),
        )
        .in_file(&rule.file)
        .with_help(
            "choose a schedule that divides an hour or a day, or give deploy.splunk.cron_schedule",
        );
        diagnostics.push(match deploy.schedule.span {
            Some(span) => diagnostic.at(span, "schedule"),
            None => diagnostic,
        });
    }

    if es {
        search.set("action.correlationsearch.enabled", "1");
        search.set("action.correlationsearch.label", name.clone());
        let annotations = serde_json::json!({ "mitre_attack": attack.techniques });
        search.set(
            "action.correlationsearch.annotations",
            annotations.to_string(),
        );
        search.set("action.notable", "1");
        search.set("action.notable.param.rule_title", name);
        search.set("action.notable.param.rule_description", description);
        search.set("action.notable.param.security_domain", security_domain);
        search.set(
            "action.notable.param.severity",
            deploy.severity.value.name(),
        );
    }
    // Keys given verbatim come last and win over the generated ones.
    for (key, value) in extras {
        search.set(&key, value);
    }

    let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then_some(search)
}

/// Splunk's alert.severity: 1 debug, 2 info, 3 low, 4 medium, 5 high, 6 critical.
pub fn splunk_severity(level: Level) -> u8 {
    match level {
        Level::Informational => 2,
        Level::Low => 3,
        Level::Medium => 4,
        Level::High => 5,
        Level::Critical => 6,
    }
}

/// The cron expression that runs every `schedule`, when there is one.
pub fn cron_for_schedule(schedule: Duration) -> Option<String> {
    let minutes = schedule.minutes;
    match minutes {
        1 => Some("* * * * *".to_string()),
        2..60 if 60u32.is_multiple_of(minutes) => Some(format!("*/{minutes} * * * *")),
        60 => Some("0 * * * *".to_string()),
        _ if minutes.is_multiple_of(60)
            && minutes < 24 * 60
            && (24 * 60u32).is_multiple_of(minutes) =>
        {
            Some(format!("0 */{} * * *", minutes / 60))
        }
        1440 => Some("0 0 * * *".to_string()),
        10080 => Some("0 0 * * 0".to_string()),
        _ => None,
    }
}

/// Checks a five-field cron expression as savedsearches.conf takes it: numbers, `*`, ranges,
/// steps and lists (no month or day names).
pub fn check_cron(text: &str) -> Result<(), String> {
    const FIELDS: [(&str, u32, u32); 5] = [
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of month", 1, 31),
        ("month", 1, 12),
        ("day of week", 0, 7),
    ];
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() != FIELDS.len() {
        return Err(format!("{} fields, cron needs 5", parts.len()));
    }
    for (part, (field, min, max)) in parts.iter().zip(FIELDS) {
        for item in part.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (item, None),
            };
            if let Some(step) = step {
                match step.parse::<u32>() {
                    Ok(step) if step >= 1 && step <= max.max(1) => {}
                    _ => return Err(format!("`{item}`: invalid step in the {field} field")),
                }
            }
            if range == "*" {
                continue;
            }
            let number = |text: &str| -> Result<u32, String> {
                match text.parse::<u32>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(format!("`{text}` is not a {field} ({min}-{max})")),
                }
            };
            match range.split_once('-') {
                Some((low, high)) => {
                    let (low, high) = (number(low)?, number(high)?);
                    if low > high {
                        return Err(format!(
                            "`{range}`: range runs backwards in the {field} field"
                        ));
                    }
                }
                None => {
                    number(range)?;
                    if step.is_some() {
                        // `5/10` is accepted by some crons, not by all: ask for `5-59/10`.
                        return Err(format!(
                            "`{item}`: a step needs `*` or a range in the {field} field"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_stanza_name(
    reader: &NodeReader,
    rule: &Rule,
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let span = rule
        .meta
        .title
        .as_ref()
        .map_or(Span::new(rule.span.start, rule.span.start), |t| t.span);
    let problem = if name.is_empty() {
        Some("it is empty")
    } else if name.contains(['[', ']']) {
        Some("it contains a square bracket, which ends a conf stanza header")
    } else if name.chars().any(char::is_control) {
        Some("it contains a line break or control character")
    } else {
        None
    };
    if let Some(problem) = problem {
        diagnostics.push(
            reader
                .error(
                    "export-stanza-name",
                    format!("the title cannot name a savedsearches.conf stanza: {problem}"),
                    span,
                    "used as the stanza name",
                )
                .with_help("change the rule's title"),
        );
    }
}

fn check_conf_value(
    reader: &NodeReader,
    key: &str,
    value: &str,
    span: Option<Span>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let Some(problem) = conf_value_problem(value) {
        let diagnostic = Diagnostic::error(
            "export-conf-value",
            format!("`{key}` cannot be written to savedsearches.conf: {problem}"),
        )
        .in_file(&reader.rule.file);
        diagnostics.push(match span {
            Some(span) => diagnostic.at(span, "from here"),
            None => diagnostic,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_to_cron() {
        assert_eq!(
            cron_for_schedule(Duration::minutes(15)).as_deref(),
            Some("*/15 * * * *")
        );
        assert_eq!(
            cron_for_schedule(Duration::minutes(60)).as_deref(),
            Some("0 * * * *")
        );
        assert_eq!(
            cron_for_schedule(Duration::minutes(360)).as_deref(),
            Some("0 */6 * * *")
        );
        assert_eq!(
            cron_for_schedule(Duration::minutes(1440)).as_deref(),
            Some("0 0 * * *")
        );
        assert_eq!(cron_for_schedule(Duration::minutes(7)), None);
        assert_eq!(cron_for_schedule(Duration::minutes(300)), None);
        for minutes in [1, 2, 5, 15, 30, 60, 120, 480, 1440, 10080] {
            let cron = cron_for_schedule(Duration::minutes(minutes)).unwrap();
            assert_eq!(check_cron(&cron), Ok(()), "{cron}");
        }
    }

    #[test]
    fn cron_syntax() {
        assert!(check_cron("*/15 * * * *").is_ok());
        assert!(check_cron("0 8-18/2 * * 1-5").is_ok());
        assert!(check_cron("0,30 * 1 1,6 0").is_ok());
        assert!(check_cron("* * * *").is_err());
        assert!(check_cron("60 * * * *").is_err());
        assert!(check_cron("0 * * JAN *").is_err());
        assert!(check_cron("*/0 * * * *").is_err());
        assert!(check_cron("5-1 * * * *").is_err());
        assert!(check_cron("0 0 0 * *").is_err());
    }
}
