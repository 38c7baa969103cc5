//! Correlation rules in KQL: the members' queries projected to common columns (`union` when
//! there are several), then `summarize … by Window = bin(TimeGenerated, span), groups`
//! and the condition. Fixed windows, as the evaluator.

use super::literal;
use crate::backend::CorrelationMember;
use crate::correlation::{CorrelationKind, CorrelationPlan};
use crate::diagnostic::Diagnostic;
use crate::mapping::SentinelSchema;

pub fn compile(
    plan: &CorrelationPlan<'_>,
    members: &[CorrelationMember],
    schema: &SentinelSchema,
) -> Result<String, Vec<Diagnostic>> {
    if plan.kind == CorrelationKind::TemporalOrdered && members.len() != 2 {
        return Err(vec![ordered_limit(plan)]);
    }
    let groups: Vec<String> = plan.group_by.iter().map(|g| literal::column(g)).collect();
    let projected: Vec<String> = members
        .iter()
        .map(|member| {
            let table = member.table.as_deref().unwrap_or_default();
            let mut columns = vec![
                "TimeGenerated".to_string(),
                format!("SigmaRule = {}", literal::string(&member.label)),
            ];
            for (group, target) in groups.iter().zip(&member.group_targets) {
                columns.push(format!(
                    "{group} = {}",
                    super::field_as_string(schema, table, target)
                ));
            }
            if let Some(target) = &member.value_target {
                columns.push(format!(
                    "Value = {}",
                    super::field_as_string(schema, table, target)
                ));
            }
            format!("{}\n| project {}", member.query, columns.join(", "))
        })
        .collect();
    let events = if projected.len() == 1 {
        projected[0].clone()
    } else {
        let parts: Vec<String> = projected
            .iter()
            .map(|q| format!("(\n{}\n)", indent(q, 4)))
            .collect();
        format!("union\n{}", indent(&parts.join(",\n"), 4))
    };
    // `bin` rounds relative to 0001-01-01, which is a multiple of every span that divides a day
    // away from the Unix epoch: the same windows. Other spans are anchored at the epoch.
    let span = kql_timespan(plan.timespan_seconds);
    let window = if 86_400 % plan.timespan_seconds == 0 {
        format!("Window = bin(TimeGenerated, {span})")
    } else {
        format!("Window = bin_at(TimeGenerated, {span}, datetime(1970-01-01))")
    };
    let by = std::iter::once(window.clone())
        .chain(groups.iter().cloned())
        .collect::<Vec<_>>()
        .join(", ");
    let condition = |column: &str| {
        plan.bounds
            .iter()
            .map(|b| format!("{column} {} {}", b.operator.kql(), b.text))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let body = match plan.kind {
        CorrelationKind::EventCount => format!(
            "| summarize EventCount = count() by {by}\n| where {}",
            condition("EventCount")
        ),
        CorrelationKind::ValueCount => format!(
            "| summarize ValueCount = count_distinctif(Value, isnotempty(Value)) by {by}\n| where {}",
            condition("ValueCount")
        ),
        CorrelationKind::ValueSum => format!(
            "| summarize ValueSum = sum(todouble(Value)) by {by}\n| where {}",
            condition("ValueSum")
        ),
        CorrelationKind::ValueAvg => format!(
            "| summarize ValueAvg = avg(todouble(Value)) by {by}\n| where {}",
            condition("ValueAvg")
        ),
        CorrelationKind::ValueMedian => format!(
            "| summarize ValueMedian = percentile(todouble(Value), 50) by {by}\n| where {}",
            condition("ValueMedian")
        ),
        CorrelationKind::ValuePercentile => {
            let join_on = std::iter::once("Window".to_string())
                .chain(groups.iter().cloned())
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "| summarize ValueEvents = count() by {by}, Value\n| join kind=inner (\n    siemc_events\n    | summarize GroupEvents = count() by {by}\n    ) on {join_on}\n| extend Percent = 100.0 * ValueEvents / GroupEvents\n| where {}",
                condition("Percent")
            )
        }
        CorrelationKind::Temporal => format!(
            "| summarize RuleCount = count_distinct(SigmaRule) by {by}\n| where {}",
            condition("RuleCount")
        ),
        CorrelationKind::TemporalOrdered => format!(
            "| summarize First = min(iff(SigmaRule == {}, TimeGenerated, datetime(null))), Last = max(iff(SigmaRule == {}, TimeGenerated, datetime(null))) by {by}\n| where isnotnull(First) and isnotnull(Last) and First <= Last",
            literal::string(&members[0].label),
            literal::string(&members[1].label)
        ),
    };
    Ok(format!(
        "let siemc_events =\n{};\nsiemc_events\n{body}",
        indent(&events, 4)
    ))
}

fn ordered_limit(plan: &CorrelationPlan<'_>) -> Diagnostic {
    Diagnostic::error(
        "unsupported-correlation",
        "temporal_ordered correlations of more than two rules are not compiled yet",
    )
    .in_file(&plan.rule.file)
    .at(plan.rule.kind.span, "temporal_ordered")
    .with_help("chain two-rule correlations, or use `temporal` if the order does not matter")
}

fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| format!("{pad}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A timespan literal: whole days, hours, minutes or seconds.
fn kql_timespan(seconds: u64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}
