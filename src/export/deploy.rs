//! The rule's `deploy:` block (DESIGN.md §4), read into typed settings with spans.
//!
//! Takes: `rule.meta.deploy` (a YAML node with spans) and the rule's `level`.
//! Gives: [`Deploy`]: schedule, lookback and severity shared by every target, and the raw
//! `sentinel:` / `splunk:` nodes that the target exporters read. Every problem is a diagnostic
//! pointing at the offending key or value.

use crate::diagnostic::{Diagnostic, Span};
use crate::rule::{Rule, Spanned};
use crate::yaml::{Node, NodeKind, ScalarValue};

/// Schedule and lookback when the rule does not say: hourly over the last hour.
pub const DEFAULT_INTERVAL: Duration = Duration { minutes: 60 };

/// A whole number of minutes (both platforms schedule by the minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    pub minutes: u32,
}

impl Duration {
    pub const fn minutes(minutes: u32) -> Duration {
        Duration { minutes }
    }

    /// Reads `5m`, `1h`, `2d`.
    pub fn parse(text: &str) -> Option<Duration> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = text.split_at(split);
        let number: u32 = number.parse().ok()?;
        let factor = match unit {
            "m" => 1,
            "h" => 60,
            "d" => 24 * 60,
            _ => return None,
        };
        number.checked_mul(factor).map(Duration::minutes)
    }

    /// The KQL timespan form Sentinel's YAML uses: `5m`, `1h`, `14d` (largest exact unit).
    pub fn kql(self) -> String {
        let (value, unit) = self.largest_unit();
        format!("{value}{}", unit.to_ascii_lowercase())
    }

    /// The ISO 8601 form ARM templates use: `PT5M`, `PT1H`, `P14D`.
    pub fn iso8601(self) -> String {
        let (value, unit) = self.largest_unit();
        if unit == 'D' {
            format!("P{value}D")
        } else {
            format!("PT{value}{unit}")
        }
    }

    /// Splunk's relative-time unit form: `5m`, `1h`, `14d`.
    pub fn splunk(self) -> String {
        self.kql()
    }

    fn largest_unit(self) -> (u32, char) {
        if self.minutes > 0 && self.minutes.is_multiple_of(24 * 60) {
            (self.minutes / (24 * 60), 'D')
        } else if self.minutes > 0 && self.minutes.is_multiple_of(60) {
            (self.minutes / 60, 'H')
        } else {
            (self.minutes, 'M')
        }
    }
}

/// Sigma's `level`, which is also the severity scale of `deploy.severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    const NAMES: [(&'static str, Level); 5] = [
        ("informational", Level::Informational),
        ("low", Level::Low),
        ("medium", Level::Medium),
        ("high", Level::High),
        ("critical", Level::Critical),
    ];

    pub fn parse(text: &str) -> Option<Level> {
        let lower = text.to_ascii_lowercase();
        Level::NAMES
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, level)| *level)
    }

    pub fn name(self) -> &'static str {
        Level::NAMES
            .iter()
            .find(|(_, level)| *level == self)
            .map_or("medium", |(name, _)| name)
    }
}

/// Where a setting came from: the rule (with the span of its value) or a default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    /// `None` when the value is a default.
    pub span: Option<Span>,
}

/// The target-independent deployment settings of a rule.
#[derive(Debug, Clone)]
pub struct Deploy {
    pub schedule: Setting<Duration>,
    pub lookback: Setting<Duration>,
    pub severity: Setting<Level>,
    pub sentinel: Option<Node>,
    pub splunk: Option<Node>,
}

const DEPLOY_KEYS: &[&str] = &["schedule", "lookback", "severity", "sentinel", "splunk"];

/// Reads the `deploy:` block; problems go to `diagnostics`.
pub fn read_deploy(rule: &Rule, diagnostics: &mut Vec<Diagnostic>) -> Deploy {
    let reader = NodeReader { rule };
    let level = rule.meta.level.as_ref().and_then(|level| {
        let parsed = Level::parse(&level.value);
        if parsed.is_none() {
            diagnostics.push(reader.invalid_level(level));
        }
        parsed.map(|value| Setting {
            value,
            span: Some(level.span),
        })
    });
    let mut deploy = Deploy {
        schedule: Setting {
            value: DEFAULT_INTERVAL,
            span: None,
        },
        lookback: Setting {
            value: DEFAULT_INTERVAL,
            span: None,
        },
        severity: level.unwrap_or(Setting {
            value: Level::Medium,
            span: None,
        }),
        sentinel: None,
        splunk: None,
    };
    let Some(node) = &rule.meta.deploy else {
        return deploy;
    };
    let Some(entries) = reader.mapping(node, "deploy", diagnostics) else {
        return deploy;
    };
    let mut lookback_given = false;
    for (key, value) in entries {
        let Some(name) = reader.key(key, "deploy", DEPLOY_KEYS, diagnostics) else {
            continue;
        };
        match name {
            "schedule" => {
                if let Some(duration) = reader.duration(value, "deploy.schedule", diagnostics) {
                    deploy.schedule = duration;
                }
            }
            "lookback" => {
                if let Some(duration) = reader.duration(value, "deploy.lookback", diagnostics) {
                    deploy.lookback = duration;
                    lookback_given = true;
                }
            }
            "severity" => {
                if let Some(text) = reader.string(value, "deploy.severity", diagnostics) {
                    match Level::parse(&text.value) {
                        Some(level) => {
                            deploy.severity = Setting {
                                value: level,
                                span: Some(text.span),
                            }
                        }
                        None => diagnostics.push(reader.invalid_level(&text)),
                    }
                }
            }
            "sentinel" => {
                if reader
                    .mapping(value, "deploy.sentinel", diagnostics)
                    .is_some()
                {
                    deploy.sentinel = Some(value.clone());
                }
            }
            "splunk" => {
                if reader
                    .mapping(value, "deploy.splunk", diagnostics)
                    .is_some()
                {
                    deploy.splunk = Some(value.clone());
                }
            }
            _ => unreachable!("key() only returns known keys"),
        }
    }
    // A rule that only says how often it runs searches what happened since the last run.
    if !lookback_given {
        deploy.lookback = deploy.schedule;
    }
    deploy
}

/// Typed access to `deploy:` nodes with located diagnostics.
#[derive(Clone, Copy)]
pub struct NodeReader<'a> {
    pub rule: &'a Rule,
}

impl NodeReader<'_> {
    pub fn error(
        &self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: &str,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .in_file(&self.rule.file)
            .at(span, label.to_string())
    }

    pub fn wrong_type(&self, node: &Node, what: &str, expected: &str) -> Diagnostic {
        self.error(
            "deploy-wrong-type",
            format!("`{what}` must be {expected}, found {}", node.kind_name()),
            node.span,
            &format!("expected {expected}"),
        )
    }

    pub fn mapping<'n>(
        &self,
        node: &'n Node,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<&'n [(Node, Node)]> {
        let entries = node.as_mapping();
        if entries.is_none() {
            diagnostics.push(self.wrong_type(node, what, "a mapping"));
        }
        entries
    }

    pub fn sequence<'n>(
        &self,
        node: &'n Node,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<&'n [Node]> {
        let items = node.as_sequence();
        if items.is_none() {
            diagnostics.push(self.wrong_type(node, what, "a list"));
        }
        items
    }

    /// A key that must be one of `known`; an unknown key is an error with a suggestion.
    pub fn key<'k>(
        &self,
        key: &Node,
        parent: &str,
        known: &[&'k str],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<&'k str> {
        let text = key.as_str().unwrap_or_default();
        if let Some(found) = known.iter().find(|k| **k == text) {
            return Some(found);
        }
        let mut diagnostic = self.error(
            "deploy-unknown-key",
            format!("unknown key `{text}` in `{parent}`"),
            key.span,
            "not a setting siemc knows",
        );
        diagnostic = match crate::text::closest(text, known.iter().copied()) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.with_help(format!("known keys: {}", known.join(", "))),
        };
        diagnostics.push(diagnostic);
        None
    }

    /// A scalar that is not null, as text (numbers and booleans as written).
    pub fn string(
        &self,
        node: &Node,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::Scalar(scalar) if !node.is_null() => {
                Some(Spanned::new(scalar.text.clone(), node.span))
            }
            _ => {
                diagnostics.push(self.wrong_type(node, what, "a string"));
                None
            }
        }
    }

    pub fn integer(
        &self,
        node: &Node,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Spanned<i64>> {
        match node.as_scalar().map(|s| s.value()) {
            Some(ScalarValue::Int(value)) => Some(Spanned::new(value, node.span)),
            _ => {
                diagnostics.push(self.wrong_type(node, what, "a whole number"));
                None
            }
        }
    }

    pub fn boolean(
        &self,
        node: &Node,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Spanned<bool>> {
        match node.as_scalar().map(|s| s.value()) {
            Some(ScalarValue::Bool(value)) => Some(Spanned::new(value, node.span)),
            _ => {
                diagnostics.push(self.wrong_type(node, what, "true or false"));
                None
            }
        }
    }

    pub fn duration(
        &self,
        node: &Node,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Setting<Duration>> {
        let text = self.string(node, what, diagnostics)?;
        match Duration::parse(&text.value) {
            Some(value) if value.minutes > 0 => Some(Setting {
                value,
                span: Some(text.span),
            }),
            _ => {
                diagnostics.push(
                    self.error(
                        "deploy-invalid-duration",
                        format!("`{what}`: `{}` is not a duration", text.value),
                        text.span,
                        "expected a whole number of minutes, hours or days",
                    )
                    .with_help("write durations like 5m, 1h or 2d"),
                );
                None
            }
        }
    }

    fn invalid_level(&self, text: &Spanned<String>) -> Diagnostic {
        self.error(
            "deploy-invalid-severity",
            format!("`{}` is not a severity level", text.value),
            text.span,
            "unknown level",
        )
        .with_help("use informational, low, medium, high or critical")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_form() {
        let d = Duration::parse("90m").unwrap();
        assert_eq!(
            (d.kql(), d.iso8601()),
            ("90m".to_string(), "PT90M".to_string())
        );
        let d = Duration::parse("2h").unwrap();
        assert_eq!(
            (d.kql(), d.iso8601()),
            ("2h".to_string(), "PT2H".to_string())
        );
        let d = Duration::parse("48h").unwrap();
        assert_eq!(
            (d.kql(), d.iso8601()),
            ("2d".to_string(), "P2D".to_string())
        );
        assert_eq!(Duration::parse("1w"), None);
        assert_eq!(Duration::parse("h"), None);
        assert_eq!(Duration::parse("99999999999d"), None);
    }
}
