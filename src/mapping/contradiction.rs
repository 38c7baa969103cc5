//! Queries that can never match. Takes: a mapped rule's expression and the source entry that
//! placed it. Gives: a `never-matches` warning when a value the rule requires on every match
//! contradicts the value the source already selects: a rule under the Sysmon process source
//! (`EventID == 1` in its filter, `EventCode=1` in its search) that says `EventID: 4688`.
//!
//! The source's selection is read from the entry's own filter or base search, as the built-in
//! mappings write them: a conjunction of `Field == value` / `Field in (...)` (KQL) or
//! `Field=value` terms (SPL). A filter of any other shape is not read (no warning).

use crate::diagnostic::Diagnostic;
use crate::ir::{Comparison, Expr, Matcher, Predicate};
use crate::mapping::{SourceEntry, Target};
use crate::rule::Rule;

/// The values one field of the source is restricted to.
#[derive(Debug, PartialEq)]
struct Selected {
    field: String,
    values: Vec<String>,
    text: String,
}

/// The `never-matches` warning for `expr` placed in `entry`, if the two contradict.
pub fn never_matches(
    rule: &Rule,
    entry: &SourceEntry,
    target: Target,
    expr: &Expr,
) -> Option<Diagnostic> {
    let selected = match target {
        Target::Kql => kql_selection(entry.filter.as_deref()?),
        Target::Spl => spl_selection(entry.search.as_deref()?),
    };
    let conjuncts: &[Expr] = match expr {
        Expr::And(items) => items,
        other => std::slice::from_ref(other),
    };
    for conjunct in conjuncts {
        let Some((field, values, predicate)) = required_values(conjunct) else {
            continue;
        };
        let Some(source) = selected
            .iter()
            .find(|s| s.field.eq_ignore_ascii_case(&field))
        else {
            continue;
        };
        let overlap = values
            .iter()
            .any(|v| source.values.iter().any(|s| s.eq_ignore_ascii_case(v)));
        if overlap {
            continue;
        }
        return Some(
            Diagnostic::warning(
                "never-matches",
                format!(
                    "this rule can never match: its log source {} selects `{}`, and the rule requires {field} {}",
                    rule.logsource.describe(),
                    source.text,
                    values.join(" or ")
                ),
            )
            .in_file(predicate.file(&rule.file))
            .at(predicate.span, "contradicts the log source")
            .with_help(format!(
                "the mapping entry {} reads only those events; remove this condition, or give the rule the log source whose events carry it",
                entry.describe()
            )),
        );
    }
    None
}

/// `(field, values, first predicate)` when `expr` requires its field to be one of a few plain
/// values: an equality, or an OR of equalities on one field.
fn required_values(expr: &Expr) -> Option<(String, Vec<String>, &Predicate)> {
    let items: &[Expr] = match expr {
        Expr::Or(items) => items,
        other => std::slice::from_ref(other),
    };
    let mut field: Option<&str> = None;
    let mut values = Vec::new();
    for item in items {
        let Expr::Predicate(predicate) = item else {
            return None;
        };
        let name = predicate.field.as_deref()?;
        if field.is_some_and(|f| f != name) {
            return None;
        }
        field = Some(name);
        values.push(match &predicate.matcher {
            Matcher::Number {
                comparison: Comparison::Equal,
                value,
            } => value.text.clone(),
            Matcher::Text { pattern, .. } => pattern.as_literal()?,
            _ => return None,
        });
    }
    let first = match items.first()? {
        Expr::Predicate(predicate) => predicate,
        _ => return None,
    };
    Some((field?.to_string(), values, first))
}

/// `A == 1 and B in ("x", "y")`: each conjunct's field and values; nothing for other shapes.
fn kql_selection(filter: &str) -> Vec<Selected> {
    if filter.contains(" or ") || filter.contains('(') && !filter.contains(" in ") {
        return Vec::new();
    }
    let mut selected = Vec::new();
    for conjunct in filter.split(" and ") {
        let conjunct = conjunct.trim();
        let parsed = if let Some((field, value)) = conjunct.split_once("==") {
            plain_value(value).map(|v| (field, vec![v]))
        } else if let Some((field, list)) = conjunct.split_once(" in ") {
            list.trim()
                .strip_prefix('(')
                .and_then(|l| l.strip_suffix(')'))
                .and_then(|l| l.split(',').map(plain_value).collect::<Option<Vec<_>>>())
                .map(|values| (field, values))
        } else {
            None
        };
        if let Some((field, values)) = parsed
            && is_name(field.trim())
        {
            selected.push(Selected {
                field: field.trim().to_string(),
                values,
                text: conjunct.to_string(),
            });
        }
    }
    selected
}

/// `(source="X" OR source="Y") EventCode=1`: each top-level `Field=value` term (a group in
/// parentheses is skipped); nothing when the top level has boolean operators or a macro.
fn spl_selection(search: &str) -> Vec<Selected> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut depth = 0usize;
    for c in search.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth = depth.saturating_sub(1);
                current.clear();
            }
            _ if depth > 0 => {}
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    if terms
        .iter()
        .any(|t| matches!(t.to_ascii_uppercase().as_str(), "OR" | "NOT") || t.starts_with('`'))
    {
        return Vec::new();
    }
    terms
        .iter()
        .filter_map(|term| {
            let (field, value) = term.split_once('=')?;
            let value = plain_value(value)?;
            (is_name(field) && !value.contains('*')).then(|| Selected {
                field: field.to_string(),
                values: vec![value],
                text: term.clone(),
            })
        })
        .collect()
}

/// A number, or a double-quoted string without escapes.
fn plain_value(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return (!inner.contains(['"', '\\'])).then(|| inner.to_string());
    }
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_selections_the_mappings_write() {
        let kql =
            kql_selection(r#"Channel == "Microsoft-Windows-Sysmon/Operational" and EventID == 1"#);
        assert_eq!(kql.len(), 2);
        assert_eq!(kql[1].field, "EventID");
        assert_eq!(kql[1].values, ["1"]);
        let list = kql_selection(r#"EventID in (4624, 4625)"#);
        assert_eq!(list[0].values, ["4624", "4625"]);
        assert!(kql_selection(r#"EventID == 1 or EventID == 2"#).is_empty());
        let spl = spl_selection(
            r#"source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1"#,
        );
        assert_eq!(spl.len(), 2);
        assert_eq!(spl[1].field, "EventCode");
        assert_eq!(spl[1].values, ["1"]);
        assert!(spl_selection("(EventCode=1 OR EventCode=4688)").is_empty());
        let grouped = spl_selection(r#"(source="A" OR source="B") EventCode=4104"#);
        assert_eq!(grouped.len(), 1);
        assert_eq!(grouped[0].values, ["4104"]);
        assert!(spl_selection("EventCode=1 OR EventCode=2").is_empty());
        assert!(
            spl_selection("sourcetype=x EventCode=1*")
                .iter()
                .all(|s| s.field != "EventCode")
        );
    }
}
