//! Correlation rules in SPL: each member's search with `| eval SigmaRule=…, group fields`
//! (`| multisearch` when there are several), a window `Window=floor(_time/span)*span`, then
//! `stats … by Window, groups` and the condition. Fixed windows, as the evaluator and KQL.

use super::literal;
use crate::backend::CorrelationMember;
use crate::correlation::{CorrelationKind, CorrelationPlan};
use crate::diagnostic::Diagnostic;

pub fn compile(
    plan: &CorrelationPlan<'_>,
    members: &[CorrelationMember],
) -> Result<String, Vec<Diagnostic>> {
    if plan.kind == CorrelationKind::TemporalOrdered && members.len() != 2 {
        return Err(vec![
            Diagnostic::error(
                "unsupported-correlation",
                "temporal_ordered correlations of more than two rules are not compiled yet",
            )
            .in_file(&plan.rule.file)
            .at(plan.rule.kind.span, "temporal_ordered")
            .with_help(
                "chain two-rule correlations, or use `temporal` if the order does not matter",
            ),
        ]);
    }
    let name = |field: &str| {
        literal::eval_field(field).map_err(|bad| {
            vec![
                Diagnostic::error(
                    "unsupported-spl",
                    format!("the field name `{field}` cannot be written in SPL (it contains `{bad}`, which a quoted SPL field name cannot hold)"),
                )
                .in_file(&plan.rule.file)
                .at(plan.rule.kind.span, ""),
            ]
        })
    };
    // Output columns get plain names (`c-ip` → `c_ip`): `stats … by` and `fillnull` take no
    // quoted names; the values are read from the real fields on the right-hand side of `eval`.
    let groups: Vec<String> = plan.group_by.iter().map(|g| plain_name(g)).collect();
    let mut searches = Vec::new();
    for member in members {
        let mut assignments = vec![format!("SigmaRule={}", literal::string(&member.label))];
        for (group, target) in groups.iter().zip(&member.group_targets) {
            assignments.push(format!("{group}={}", name(target)?));
        }
        if let Some(target) = &member.value_target {
            // An empty value is no value, as in the evaluator and KQL.
            assignments.push(format!("Value=nullif({}, \"\")", name(target)?));
        }
        searches.push(format!(
            "{}\n| eval {}",
            member.query,
            assignments.join(", ")
        ));
    }
    let events = if searches.len() == 1 {
        searches.remove(0)
    } else {
        let parts: Vec<String> = searches
            .iter()
            .map(|s| format!("    [search {}]", s.replace('\n', "\n        ")))
            .collect();
        format!("| multisearch\n{}", parts.join("\n"))
    };
    let by = std::iter::once("Window".to_string())
        .chain(groups.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let condition = |column: &str| {
        plan.bounds
            .iter()
            .map(|b| {
                let operator = match b.operator.kql() {
                    "==" => "=",
                    other => other,
                };
                format!("{column}{operator}{}", b.text)
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let window = format!("| eval Window=floor(_time/{0})*{0}", plan.timespan_seconds);
    // `stats … by` drops events whose group field is null: group them as "" like KQL does.
    let fill = if groups.is_empty() {
        String::new()
    } else {
        format!("\n| fillnull value=\"\" {}", groups.join(" "))
    };
    let body = match plan.kind {
        CorrelationKind::EventCount => format!(
            "| stats count as EventCount by {by}\n| where {}",
            condition("EventCount")
        ),
        CorrelationKind::ValueCount => format!(
            "| stats dc(Value) as ValueCount by {by}\n| where {}",
            condition("ValueCount")
        ),
        CorrelationKind::ValueSum => format!(
            "| stats sum(Value) as ValueSum by {by}\n| where {}",
            condition("ValueSum")
        ),
        CorrelationKind::ValueAvg => format!(
            "| stats avg(Value) as ValueAvg by {by}\n| where {}",
            condition("ValueAvg")
        ),
        CorrelationKind::ValueMedian => format!(
            "| stats median(Value) as ValueMedian by {by}\n| where {}",
            condition("ValueMedian")
        ),
        CorrelationKind::ValuePercentile => format!(
            "| fillnull value=\"\" Value\n| eventstats count as GroupEvents by {by}\n| stats count as ValueEvents max(GroupEvents) as GroupEvents by {by} Value\n| eval Percent=100*ValueEvents/GroupEvents\n| where {}",
            condition("Percent")
        ),
        CorrelationKind::Temporal => format!(
            "| stats dc(SigmaRule) as RuleCount by {by}\n| where {}",
            condition("RuleCount")
        ),
        CorrelationKind::TemporalOrdered => format!(
            "| stats min(eval(if(SigmaRule={}, _time, null()))) as First max(eval(if(SigmaRule={}, _time, null()))) as Last by {by}\n| where isnotnull(First) AND isnotnull(Last) AND First<=Last",
            literal::string(&members[0].label),
            literal::string(&members[1].label)
        ),
    };
    Ok(format!("{events}\n{window}{fill}\n{body}"))
}

/// A field name made of letters, digits and underscores only.
fn plain_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    // A column named `IN` or `not` would be read as an operator in `eval`, `by` and `fillnull`.
    if literal::is_eval_keyword(&out) {
        out.push('_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::plain_name;

    #[test]
    fn group_columns_never_read_as_operators() {
        assert_eq!(plain_name("IN"), "IN_");
        assert_eq!(plain_name("not"), "not_");
        assert_eq!(plain_name("c-ip"), "c_ip");
        assert_eq!(plain_name("Index"), "Index");
    }
}
