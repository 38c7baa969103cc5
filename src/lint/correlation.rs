//! Correlation-rule checks (Sigma correlation specification 2.1.0): type, referenced rules,
//! `group-by`, `timespan`, `condition`.

use super::{Identity, lints};
use crate::diagnostic::Diagnostic;
use crate::rule::CorrelationRule;
use crate::yaml::{NodeKind, ScalarValue};

lints! { Correlation;
    /// `correlation.type` is not one of `event_count`, `value_count`, `temporal`,
    /// `temporal_ordered`, `value_sum`, `value_avg`, `value_percentile`.
    ///
    /// Why: the type decides what is counted; an unknown type cannot be converted.
    ///
    /// Example: `type: eventcount` (did you mean `event_count`?)
    CORRELATION_INVALID_TYPE = "correlation-invalid-type", Error;

    /// `correlation.rules` is missing or empty.
    ///
    /// Why: a correlation correlates the events of other rules; without rules it has no input.
    ///
    /// Example: a correlation section with `type`, `group-by` and `timespan` only.
    CORRELATION_NO_RULES = "correlation-no-rules", Error;

    /// A rule listed in `correlation.rules` is not the `id` or `name` of any rule checked
    /// together with it.
    ///
    /// Why: the correlation would never see events of that rule. Check the rule and the files
    /// it refers to in one run (`siemc check rules/`).
    ///
    /// Example: `rules: [failed_logon]` when the rule's `name` is `failed_logins`.
    CORRELATION_UNKNOWN_RULE = "correlation-unknown-rule", Error;

    /// `correlation.timespan` is missing.
    ///
    /// Why: every correlation type counts events within a time window; the specification
    /// makes `timespan` mandatory.
    ///
    /// Example: `type: event_count` without `timespan: 5m`.
    CORRELATION_MISSING_TIMESPAN = "correlation-missing-timespan", Error;

    /// `correlation.timespan` is not a number followed by `s`, `m`, `h` or `d`.
    ///
    /// Why: the window cannot be converted; `1h30m` or `5 min` are read differently by each
    /// tool. Express mixed units in the smaller one (`90m`).
    ///
    /// Example: `timespan: 1 hour` (write `1h`)
    CORRELATION_INVALID_TIMESPAN = "correlation-invalid-timespan", Error;

    /// `correlation.group-by` is missing.
    ///
    /// Why: without grouping, events of unrelated users or hosts are counted together; the
    /// schema requires `group-by` for every correlation type.
    ///
    /// Example: an `event_count` of failed logons without `group-by: [TargetUserName]`.
    CORRELATION_MISSING_GROUP_BY = "correlation-missing-group-by", Warning;

    /// `correlation.condition` is missing where the type needs it, is not a mapping, uses an
    /// operator other than `gt`, `gte`, `lt`, `lte`, `eq`, `neq` (and `field`), has a
    /// non-numeric threshold, or lacks the `field` a `value_*` type needs.
    ///
    /// Why: the condition is the threshold of the correlation; without a valid one the rule
    /// fires on every group or never.
    ///
    /// Example:
    /// ```yaml
    /// condition:
    ///     greater_than: 10    # write gt: 10
    /// ```
    CORRELATION_INVALID_CONDITION = "correlation-invalid-condition", Error;
}

pub(crate) const TYPES: &[&str] = &[
    "event_count",
    "value_count",
    "temporal",
    "temporal_ordered",
    "value_sum",
    "value_avg",
    "value_percentile",
];
pub(crate) const OPERATORS: &[&str] = &["gt", "gte", "lt", "lte", "eq", "neq"];

pub fn check(rule: &CorrelationRule, out: &mut Vec<Diagnostic>) {
    let file = &rule.file;
    let kind = rule.kind.value.as_str();
    if !TYPES.contains(&kind) {
        let diagnostic = CORRELATION_INVALID_TYPE.at(
            file,
            rule.kind.span,
            format!("`{kind}` is not a correlation type"),
            "unknown type",
        );
        out.push(match crate::text::closest(kind, TYPES.iter().copied()) {
            Some(s) => diagnostic
                .with_help(format!("did you mean `{s}`?"))
                .with_scalar_replacement(rule.kind.span, s),
            None => diagnostic.with_help(format!("use one of {}", TYPES.join(", "))),
        });
    }
    if rule.rules.is_empty() {
        out.push(
            CORRELATION_NO_RULES
                .at(
                    file,
                    rule.kind.span,
                    "the correlation names no rules",
                    "correlation of nothing",
                )
                .with_help("list the ids or names of the rules to correlate under `rules:`"),
        );
    }
    match &rule.timespan {
        None => out.push(
            CORRELATION_MISSING_TIMESPAN
                .at(
                    file,
                    rule.kind.span,
                    "the correlation has no `timespan`",
                    "no time window",
                )
                .with_help("add e.g. `timespan: 5m` (s, m, h or d)"),
        ),
        Some(timespan) if !valid_timespan(&timespan.value) => out.push(
            CORRELATION_INVALID_TIMESPAN
                .at(
                    file,
                    timespan.span,
                    format!("`{}` is not a timespan", timespan.value),
                    "expected a number and s, m, h or d",
                )
                .with_help("write a number followed by one unit, e.g. `90m` or `1d`"),
        ),
        Some(_) => {}
    }
    if rule.group_by.is_empty() {
        out.push(
            CORRELATION_MISSING_GROUP_BY
                .at(
                    file,
                    rule.kind.span,
                    "the correlation has no `group-by`",
                    "events of everyone counted together",
                )
                .with_help("add `group-by:` with the fields that identify one actor or host"),
        );
    }
    condition(rule, out);
}

fn valid_timespan(text: &str) -> bool {
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let number = &text[..text.len() - unit.len_utf8()];
    "smhd".contains(unit) && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
}

fn condition(rule: &CorrelationRule, out: &mut Vec<Diagnostic>) {
    let file = &rule.file;
    let kind = rule.kind.value.as_str();
    let needs_field = kind.starts_with("value_");
    let needs_condition = kind == "event_count" || needs_field;
    let invalid = |span, message: String, label: &str, help: &str| {
        CORRELATION_INVALID_CONDITION
            .at(file, span, message, label)
            .with_help(help.to_string())
    };
    let Some(node) = &rule.condition else {
        if needs_condition {
            out.push(invalid(
                rule.kind.span,
                format!("a `{kind}` correlation needs a `condition`"),
                "no condition",
                "add e.g. `condition: {gte: 10}`",
            ));
        }
        return;
    };
    let NodeKind::Mapping(entries) = &node.kind else {
        out.push(invalid(
            node.span,
            format!(
                "the correlation `condition` must be a mapping, found {}",
                node.kind_name()
            ),
            "expected e.g. `gte: 10`",
            "write e.g. `condition: {gte: 10}`",
        ));
        return;
    };
    let mut has_field = false;
    let mut has_operator = false;
    let mut unknown_operator = false;
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        if name == "field" {
            has_field = true;
            if !needs_field {
                out.push(invalid(
                    key.span,
                    format!("`field` is only used by `value_*` correlations, not `{kind}`"),
                    "not used",
                    "remove it, or change the type to value_count",
                ));
            }
            continue;
        }
        if !OPERATORS.contains(&name) {
            let suggestion = crate::text::closest(name, OPERATORS.iter().copied());
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use one of {}", OPERATORS.join(", ")),
            };
            let diagnostic = invalid(
                key.span,
                format!("`{name}` is not a condition operator"),
                "unknown operator",
                &help,
            );
            out.push(match suggestion {
                Some(s) => diagnostic.with_scalar_replacement(key.span, s),
                None => diagnostic,
            });
            unknown_operator = true;
            continue;
        }
        has_operator = true;
        // Counts are integers; sums, averages and percentiles of a field may be fractional.
        let numeric = match value.as_scalar().map(|s| s.value()) {
            Some(ScalarValue::Int(_)) => true,
            Some(ScalarValue::Float(_)) => needs_field && kind != "value_count",
            _ => false,
        };
        if !numeric {
            out.push(invalid(
                value.span,
                format!(
                    "the threshold of `{name}` must be a number, found {}",
                    value.kind_name()
                ),
                "not a number",
                "write a count, e.g. `gte: 10`",
            ));
        }
    }
    if !has_operator && !unknown_operator {
        out.push(invalid(
            node.span,
            "the correlation condition has no comparison".into(),
            "no gt/gte/lt/lte/eq/neq",
            "add e.g. `gte: 10`",
        ));
    }
    if needs_field && !has_field {
        out.push(invalid(
            node.span,
            format!("a `{kind}` correlation needs `field` in its condition"),
            "no field",
            "name the field whose values are counted, e.g. `field: User`",
        ));
    }
}

/// `correlation-unknown-rule` against every document checked together.
pub fn check_references(rule: &CorrelationRule, known: &KnownRules, out: &mut Vec<Diagnostic>) {
    for reference in &rule.rules {
        if known.keys.contains(&reference.value) {
            continue;
        }
        let names = known.names.iter().map(String::as_str);
        let diagnostic = CORRELATION_UNKNOWN_RULE.at(
            &rule.file,
            reference.span,
            format!("no rule with id or name `{}` was checked", reference.value),
            "unknown rule",
        );
        out.push(match crate::text::closest(&reference.value, names) {
            Some(s) => diagnostic
                .with_help(format!("did you mean `{s}`?"))
                .with_scalar_replacement(reference.span, s),
            None => diagnostic.with_help(
                "refer to a rule by its `id` or `name`, and check the rule's file in the same run",
            ),
        });
    }
}

/// The ids and names of the documents checked together: what a correlation's `rules:` can
/// refer to (kept as text, so the files need not be).
#[derive(Debug, Default)]
pub struct KnownRules {
    keys: std::collections::HashSet<String>,
    names: Vec<String>,
}

impl KnownRules {
    pub fn add(&mut self, identity: &Identity) {
        if let Some(id) = &identity.id {
            self.keys.insert(id.value.clone());
        }
        if let Some(name) = &identity.name {
            self.keys.insert(name.value.clone());
            self.names.push(name.value.clone());
        }
    }
}
