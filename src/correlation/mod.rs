//! Correlation rules: resolution of a Sigma correlation against the rules it names.
//!
//! Takes: a [`CorrelationRule`] and an index of the loaded rules (by `id` and `name`).
//! Gives: a [`CorrelationPlan`] that backends and the evaluator share: the type, the member
//! detection rules in order, the group-by fields of each member (aliases resolved), the window
//! and the condition; or diagnostics (unknown rules, missing timespan, bad condition, chains).
//!
//! Windows are fixed: events fall into `floor(time / timespan)` buckets aligned to the Unix
//! epoch, in the evaluator and in both targets alike (see README, "Correlation rules").

use crate::diagnostic::{Diagnostic, Span};
use crate::rule::{CorrelationRule, Rule, RuleDocument, Spanned};
use crate::yaml::{Node, ScalarValue};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationKind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    ValueMedian,
}

impl CorrelationKind {
    pub const ALL: &'static [(&'static str, CorrelationKind)] = &[
        ("event_count", CorrelationKind::EventCount),
        ("value_count", CorrelationKind::ValueCount),
        ("temporal", CorrelationKind::Temporal),
        ("temporal_ordered", CorrelationKind::TemporalOrdered),
        ("value_sum", CorrelationKind::ValueSum),
        ("value_avg", CorrelationKind::ValueAvg),
        ("value_percentile", CorrelationKind::ValuePercentile),
        ("value_median", CorrelationKind::ValueMedian),
    ];

    pub fn from_name(name: &str) -> Option<CorrelationKind> {
        CorrelationKind::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }

    /// Types that aggregate a value field (`condition.field` required).
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            CorrelationKind::ValueCount
                | CorrelationKind::ValueSum
                | CorrelationKind::ValueAvg
                | CorrelationKind::ValuePercentile
                | CorrelationKind::ValueMedian
        )
    }

    fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationKind::Temporal | CorrelationKind::TemporalOrdered
        )
    }
}

/// One comparison of the condition (`gte: 100`); several are ANDed (ranges).
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub operator: BoundOperator,
    pub value: f64,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOperator {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl BoundOperator {
    pub fn kql(self) -> &'static str {
        match self {
            BoundOperator::Gt => ">",
            BoundOperator::Gte => ">=",
            BoundOperator::Lt => "<",
            BoundOperator::Lte => "<=",
            BoundOperator::Eq => "==",
            BoundOperator::Neq => "!=",
        }
    }

    pub fn holds(self, actual: f64, expected: f64) -> bool {
        match self {
            BoundOperator::Gt => actual > expected,
            BoundOperator::Gte => actual >= expected,
            BoundOperator::Lt => actual < expected,
            BoundOperator::Lte => actual <= expected,
            BoundOperator::Eq => actual == expected,
            BoundOperator::Neq => actual != expected,
        }
    }
}

/// A referenced detection rule, with the label the queries give its events.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub label: String,
    pub rule: &'a Rule,
    /// `(group-by name, Sigma field of this rule)`, aliases resolved.
    pub group_fields: Vec<(String, String)>,
}

/// A resolved correlation rule.
#[derive(Debug, Clone)]
pub struct CorrelationPlan<'a> {
    pub rule: &'a CorrelationRule,
    pub kind: CorrelationKind,
    pub members: Vec<Member<'a>>,
    pub group_by: Vec<String>,
    pub timespan_seconds: u64,
    pub timespan_text: String,
    /// The aggregated field of the value_* types.
    pub field: Option<String>,
    pub bounds: Vec<Bound>,
}

/// The rules a correlation can refer to, by `id` and by `name`.
#[derive(Default)]
pub struct RuleIndex<'a> {
    detections: HashMap<String, &'a Rule>,
    correlations: HashMap<String, &'a CorrelationRule>,
}

impl<'a> RuleIndex<'a> {
    pub fn new(documents: impl IntoIterator<Item = &'a RuleDocument>) -> RuleIndex<'a> {
        let mut index = RuleIndex::default();
        for document in documents {
            match document {
                RuleDocument::Detection(rule) => {
                    for key in [&rule.meta.id, &rule.meta.name].into_iter().flatten() {
                        index.detections.insert(key.value.clone(), rule);
                    }
                }
                RuleDocument::Correlation(correlation) => {
                    for key in [&correlation.meta.id, &correlation.meta.name]
                        .into_iter()
                        .flatten()
                    {
                        index.correlations.insert(key.value.clone(), correlation);
                    }
                }
                RuleDocument::Filter(_) => {}
            }
        }
        index
    }

    /// An index over separately held rules and correlations.
    pub fn from_parts(
        rules: impl IntoIterator<Item = &'a Rule>,
        correlations: impl IntoIterator<Item = &'a CorrelationRule>,
    ) -> RuleIndex<'a> {
        let mut index = RuleIndex::default();
        for rule in rules {
            for key in [&rule.meta.id, &rule.meta.name].into_iter().flatten() {
                index.detections.insert(key.value.clone(), rule);
            }
        }
        for correlation in correlations {
            for key in [&correlation.meta.id, &correlation.meta.name]
                .into_iter()
                .flatten()
            {
                index.correlations.insert(key.value.clone(), correlation);
            }
        }
        index
    }

    pub fn detection(&self, reference: &str) -> Option<&'a Rule> {
        self.detections.get(reference).copied()
    }
}

/// Parses `Ns`, `Nm`, `Nh`, `Nd` (Sigma's timespan format) into seconds.
pub fn parse_timespan(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let number: u64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    (number > 0).then_some(number * factor)
}

struct Resolver<'r, 'a> {
    rule: &'a CorrelationRule,
    errors: &'r mut Vec<Diagnostic>,
}

impl Resolver<'_, '_> {
    fn error(&mut self, code: &'static str, message: String, span: Span, label: &str, help: &str) {
        self.errors.push(
            Diagnostic::error(code, message)
                .in_file(&self.rule.file)
                .at(span, label)
                .with_help(help.to_string()),
        );
    }
}

/// Resolves a correlation rule. All problems are reported together.
pub fn resolve<'a>(
    rule: &'a CorrelationRule,
    index: &RuleIndex<'a>,
) -> Result<CorrelationPlan<'a>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut r = Resolver {
        rule,
        errors: &mut errors,
    };
    let kind = CorrelationKind::from_name(&rule.kind.value);
    if kind.is_none() {
        let names: Vec<&str> = CorrelationKind::ALL.iter().map(|(n, _)| *n).collect();
        r.error(
            "invalid-correlation",
            format!("unknown correlation type `{}`", rule.kind.value),
            rule.kind.span,
            "not a correlation type",
            &format!("one of: {}", names.join(", ")),
        );
    }
    if rule.rules.is_empty() {
        r.error(
            "invalid-correlation",
            "a correlation needs `rules:`".into(),
            rule.kind.span,
            "no rules referenced",
            "list the ids or names of the rules it correlates",
        );
    }
    let mut referenced = Vec::new();
    for reference in &rule.rules {
        match index.detection(&reference.value) {
            Some(detection) => referenced.push((reference, detection)),
            None if index.correlations.contains_key(&reference.value) => r.error(
                "unsupported-correlation-chain",
                format!(
                    "`{}` is a correlation rule; chains of correlations are not compiled yet",
                    reference.value
                ),
                reference.span,
                "a correlation",
                "correlate the detection rules directly",
            ),
            None => r.error(
                "unknown-rule",
                format!(
                    "no rule with id or name `{}` among the rules given",
                    reference.value
                ),
                reference.span,
                "not found",
                "pass the file that defines it too, or fix the id / name",
            ),
        }
    }
    let timespan = match &rule.timespan {
        Some(text) => match parse_timespan(&text.value) {
            Some(seconds) => Some((seconds, text.value.clone())),
            None => {
                r.error(
                    "invalid-correlation",
                    format!("`{}` is not a timespan", text.value),
                    text.span,
                    "expected a number and s, m, h or d",
                    "e.g. `timespan: 1h` or `timespan: 90m`",
                );
                None
            }
        },
        None => {
            r.error(
                "invalid-correlation",
                "a correlation needs `timespan:`".into(),
                rule.kind.span,
                "no timespan",
                "e.g. `timespan: 1h`",
            );
            None
        }
    };
    let (field, bounds) = match &rule.condition {
        Some(node) => parse_condition(&mut r, node),
        None => (None, Vec::new()),
    };
    if let Some(kind) = kind {
        if bounds.is_empty() && !kind.is_temporal() && rule.condition.is_none() {
            r.error(
                "invalid-correlation",
                format!("a `{}` correlation needs a `condition:`", rule.kind.value),
                rule.kind.span,
                "no condition",
                "e.g. `condition: {gte: 10}`",
            );
        }
        if kind.needs_field() && field.is_none() {
            r.error(
                "invalid-correlation",
                format!(
                    "a `{}` correlation needs `condition.field`",
                    rule.kind.value
                ),
                rule.condition.as_ref().map_or(rule.kind.span, |c| c.span),
                "no field",
                "name the field to aggregate, e.g. `condition: {field: User, gte: 10}`",
            );
        }
    }
    let aliases = parse_aliases(&mut r);
    let group_by: Vec<String> = rule.group_by.iter().map(|g| g.value.clone()).collect();
    let members: Vec<Member<'_>> = referenced
        .iter()
        .map(|(reference, detection)| {
            let label = detection
                .meta
                .name
                .as_ref()
                .map_or_else(|| reference.value.clone(), |n| n.value.clone());
            let group_fields = group_by
                .iter()
                .map(|group| {
                    let field = aliases
                        .get(group)
                        .and_then(|per_rule| {
                            per_rule
                                .get(&label)
                                .or_else(|| per_rule.get(&reference.value))
                        })
                        .cloned()
                        .unwrap_or_else(|| group.clone());
                    (group.clone(), field)
                })
                .collect();
            Member {
                label,
                rule: detection,
                group_fields,
            }
        })
        .collect();
    if errors.is_empty()
        && let (Some(kind), Some((timespan_seconds, timespan_text))) = (kind, timespan)
    {
        let mut bounds = bounds;
        if kind.is_temporal() && bounds.is_empty() {
            // Temporal: every referenced rule must occur.
            let count = members.len();
            bounds.push(Bound {
                operator: BoundOperator::Gte,
                value: count as f64,
                text: count.to_string(),
            });
        }
        return Ok(CorrelationPlan {
            rule,
            kind,
            members,
            group_by,
            timespan_seconds,
            timespan_text,
            field: field.map(|f| f.value),
            bounds,
        });
    }
    Err(errors)
}

fn parse_condition(r: &mut Resolver<'_, '_>, node: &Node) -> (Option<Spanned<String>>, Vec<Bound>) {
    let Some(entries) = node.as_mapping() else {
        r.error(
            "invalid-correlation",
            "`condition` must be a mapping such as `{gte: 10}`".into(),
            node.span,
            "not a mapping",
            "use gt, gte, lt, lte, eq, neq (several make a range) and `field` for value types",
        );
        return (None, Vec::new());
    };
    let mut field = None;
    let mut bounds = Vec::new();
    for (key, value) in entries {
        let operator = match key.as_str() {
            Some("field") => {
                match value.as_str() {
                    Some(name) if !value.is_null() => {
                        field = Some(Spanned::new(name.to_string(), value.span))
                    }
                    _ => r.error(
                        "invalid-correlation",
                        "`field` must be a field name".into(),
                        value.span,
                        "",
                        "",
                    ),
                }
                continue;
            }
            Some("gt") => BoundOperator::Gt,
            Some("gte") => BoundOperator::Gte,
            Some("lt") => BoundOperator::Lt,
            Some("lte") => BoundOperator::Lte,
            Some("eq") => BoundOperator::Eq,
            Some("neq") => BoundOperator::Neq,
            other => {
                r.error(
                    "invalid-correlation",
                    format!("unknown condition operator `{}`", other.unwrap_or("?")),
                    key.span,
                    "not an operator",
                    "use gt, gte, lt, lte, eq or neq",
                );
                continue;
            }
        };
        let number = match value.as_scalar().map(|s| s.value()) {
            Some(ScalarValue::Int(i)) => Some(i as f64),
            Some(ScalarValue::Float(f)) if f.is_finite() => Some(f),
            _ => None,
        };
        match number {
            Some(number) => bounds.push(Bound {
                operator,
                value: number,
                text: value.as_str().unwrap_or_default().to_string(),
            }),
            None => r.error(
                "invalid-correlation",
                "a condition bound must be a number".into(),
                value.span,
                "not a number",
                "e.g. `gte: 10`",
            ),
        }
    }
    (field, bounds)
}

/// `aliases: {alias: {rule name: field}}`
fn parse_aliases(r: &mut Resolver<'_, '_>) -> HashMap<String, HashMap<String, String>> {
    let mut aliases = HashMap::new();
    let Some(node) = &r.rule.aliases else {
        return aliases;
    };
    let Some(entries) = node.as_mapping() else {
        r.error(
            "invalid-correlation",
            "`aliases` must be a mapping".into(),
            node.span,
            "",
            "`alias: {rule_name: field}`",
        );
        return aliases;
    };
    for (alias, per_rule) in entries {
        let mut fields = HashMap::new();
        for (rule_name, field) in per_rule.as_mapping().unwrap_or_default() {
            if let (Some(rule_name), Some(field)) = (rule_name.as_str(), field.as_str()) {
                fields.insert(rule_name.to_string(), field.to_string());
            }
        }
        if let Some(alias) = alias.as_str() {
            aliases.insert(alias.to_string(), fields);
        }
    }
    aliases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("90m"), Some(5400));
        assert_eq!(parse_timespan("1h"), Some(3600));
        assert_eq!(parse_timespan("2d"), Some(172_800));
        assert_eq!(parse_timespan("15s"), Some(15));
        assert_eq!(parse_timespan("1w"), None);
        assert_eq!(parse_timespan("h"), None);
        assert_eq!(parse_timespan("0m"), None);
    }
}
