//! Correlation rules over timestamped events, with the window semantics of the generated
//! queries: fixed windows of `timespan` aligned to the Unix epoch, groups by the group-by
//! values (a missing value groups as the empty string), members matched by their own IR.

use super::{Event, Lookup, evaluate, scalar_text};
use crate::correlation::{CorrelationKind, CorrelationPlan};
use crate::ir::Expr;
use std::collections::{BTreeMap, BTreeSet};

/// An event with its time (seconds since the epoch).
#[derive(Debug, Clone)]
pub struct TimedEvent {
    pub time: f64,
    pub event: Event,
}

/// An alert: the group-by values (and, for value_percentile, the rare value).
pub type Alert = BTreeMap<String, String>;

struct Hit {
    member: usize,
    time: f64,
    value: Option<String>,
}

fn first_text(event: &Event, field: &str) -> Option<String> {
    match event.lookup(field) {
        Lookup::Values(values) => values
            .first()
            .filter(|v| !v.is_null())
            .map(|v| scalar_text(v)),
        Lookup::Absent => None,
    }
}

/// The alerts a correlation raises over `events`; `member_exprs[i]` is the IR of member `i`.
pub fn evaluate_correlation(
    plan: &CorrelationPlan<'_>,
    member_exprs: &[Expr],
    events: &[TimedEvent],
) -> Result<Vec<Alert>, String> {
    let span = plan.timespan_seconds as f64;
    // (window, group values) -> hits
    let mut buckets: BTreeMap<(i64, Vec<String>), Vec<Hit>> = BTreeMap::new();
    for timed in events {
        for (index, member) in plan.members.iter().enumerate() {
            if !evaluate(&member_exprs[index], &timed.event)?.matched {
                continue;
            }
            let group: Vec<String> = member
                .group_fields
                .iter()
                .map(|(_, field)| first_text(&timed.event, field).unwrap_or_default())
                .collect();
            let window = (timed.time / span).floor() as i64;
            let value = plan
                .field
                .as_deref()
                .and_then(|f| first_text(&timed.event, f));
            buckets.entry((window, group)).or_default().push(Hit {
                member: index,
                time: timed.time,
                value,
            });
        }
    }
    let mut alerts = BTreeSet::new();
    for ((_, group), hits) in &buckets {
        let base: Alert = plan
            .group_by
            .iter()
            .cloned()
            .zip(group.iter().cloned())
            .collect();
        let holds = |aggregate: f64| {
            plan.bounds
                .iter()
                .all(|b| b.operator.holds(aggregate, b.value))
        };
        let numbers = || {
            hits.iter()
                .filter_map(|h| h.value.as_deref()?.trim().parse::<f64>().ok())
                .collect::<Vec<f64>>()
        };
        match plan.kind {
            CorrelationKind::EventCount => {
                if holds(hits.len() as f64) {
                    alerts.insert(base);
                }
            }
            CorrelationKind::ValueCount => {
                let distinct: BTreeSet<&str> = hits
                    .iter()
                    .filter_map(|h| h.value.as_deref())
                    .filter(|v| !v.is_empty())
                    .collect();
                if holds(distinct.len() as f64) {
                    alerts.insert(base);
                }
            }
            CorrelationKind::ValueSum => {
                if holds(numbers().iter().sum()) {
                    alerts.insert(base);
                }
            }
            CorrelationKind::ValueAvg => {
                let values = numbers();
                if !values.is_empty() && holds(values.iter().sum::<f64>() / values.len() as f64) {
                    alerts.insert(base);
                }
            }
            CorrelationKind::ValueMedian => {
                let mut values = numbers();
                if values.is_empty() {
                    continue;
                }
                values.sort_by(f64::total_cmp);
                // Nearest rank, as Splunk's median and Kusto's percentile(…, 50) on few values.
                let rank = ((values.len() as f64) * 0.5).ceil().max(1.0) as usize;
                if holds(values[rank - 1]) {
                    alerts.insert(base);
                }
            }
            CorrelationKind::ValuePercentile => {
                let total = hits.len() as f64;
                let mut per_value: BTreeMap<&str, usize> = BTreeMap::new();
                for hit in hits {
                    *per_value
                        .entry(hit.value.as_deref().unwrap_or(""))
                        .or_default() += 1;
                }
                for (value, count) in per_value {
                    if holds(100.0 * count as f64 / total) {
                        let mut alert = base.clone();
                        alert.insert(plan.field.clone().unwrap_or_default(), value.to_string());
                        alerts.insert(alert);
                    }
                }
            }
            CorrelationKind::Temporal => {
                let distinct: BTreeSet<usize> = hits.iter().map(|h| h.member).collect();
                if holds(distinct.len() as f64) {
                    alerts.insert(base);
                }
            }
            CorrelationKind::TemporalOrdered => {
                // Greedy: the earliest occurrence of each rule after the previous one.
                let mut previous = f64::NEG_INFINITY;
                let mut in_order = 0;
                for member in 0..plan.members.len() {
                    let next = hits
                        .iter()
                        .filter(|h| h.member == member && h.time >= previous)
                        .map(|h| h.time)
                        .fold(f64::INFINITY, f64::min);
                    if next.is_infinite() {
                        break;
                    }
                    previous = next;
                    in_order += 1;
                }
                if in_order == plan.members.len() && holds(in_order as f64) {
                    alerts.insert(base);
                }
            }
        }
    }
    Ok(alerts.into_iter().collect())
}
