//! Sigma filter checks: filters that name no rule, fields a filtered rule's table cannot have,
//! filters that make a rule match nothing, rules that a broken filter applies to.

use super::lints;
use super::targets::TargetPipeline;
use crate::diagnostic::Diagnostic;
use crate::filter::{self, logsource_contains};
use crate::ir::{self, Expr, Matcher, Pattern, PatternPart, Predicate};
use crate::mapping::Target;
use crate::rule::{FilterRule, Rule, SelectionBody};

lints! { Filter;
    /// A filter's `rules:` entry is the id or name of no rule checked with it, or of a rule
    /// whose log source the filter's does not contain; or a `rules: any` filter whose log
    /// source no checked rule has.
    ///
    /// Why: the filter tunes nothing, so the false positives it was written for still fire (a
    /// renamed rule id is the usual cause). Check the filters with the rules they filter
    /// (`siemc check rules/ --filter filters/`).
    ///
    /// Example: `rules: [6f3e2987-db24-4c78-a860-b4f4095a7095]` when no rule has that id.
    FILTER_UNKNOWN_RULE = "filter-unknown-rule", Warning;

    /// A field of a filter is not a column of the Sentinel table where a rule it filters is
    /// placed (after the mapping's renames).
    ///
    /// Why: the rule's log source cannot have that field, so a suppressing filter (`not
    /// selection`) never suppresses anything and a restricting one makes the rule match
    /// nothing. Checked against the built-in Sentinel table schemas.
    ///
    /// Example: `User|startswith: adm_` in a filter of `SigninLogs` rules (the column is
    /// `UserPrincipalName`).
    FILTER_UNKNOWN_FIELD = "filter-unknown-field", Warning;

    /// With the filter applied, the rule can never match: the filter excludes what the rule
    /// requires (for example `not selection` where the selection is implied by the rule).
    ///
    /// Why: the rule is silently switched off; a detection gap nobody sees. Narrow the filter
    /// to the benign cases.
    ///
    /// Example: a rule on `Image|endswith: '\rar.exe'` and a filter `selection: {Image|endswith:
    /// '.exe'}, condition: not selection`.
    FILTER_MATCHES_NOTHING = "filter-matches-nothing", Error;

    /// A filter that applies to the rule has errors of its own (reported with the filter), so
    /// the rule is not compiled.
    ///
    /// Why: compiling the rule without its filter would print a broader query than the team
    /// asked for.
    ///
    /// Example: a filter whose condition names an undefined selection.
    FILTER_INVALID = "filter-invalid", Error;
}

/// The checks of a filter document against the detection rules checked with it.
pub fn check_filter(filter: &FilterRule, rules: &[&Rule], out: &mut Vec<Diagnostic>) {
    out.extend(filter::problems_of(filter));
    if filter.any_rule {
        if !rules
            .iter()
            .any(|rule| logsource_contains(&filter.logsource, &rule.logsource))
        {
            out.push(
                FILTER_UNKNOWN_RULE
                    .at(
                        &filter.file,
                        filter.rules_span,
                        format!(
                            "no rule checked has the filter's log source {}",
                            filter.logsource.describe()
                        ),
                        "applies to no rule",
                    )
                    .with_help("check the filter with the rules it filters"),
            );
        }
        return;
    }
    for reference in &filter.rules {
        let named: Vec<&&Rule> = rules
            .iter()
            .filter(|rule| filter::names(&reference.value, rule))
            .collect();
        let message = match named.first() {
            None => format!("no rule checked has the id or name `{}`", reference.value),
            Some(rule)
                if !named
                    .iter()
                    .any(|r| logsource_contains(&filter.logsource, &r.logsource)) =>
            {
                format!(
                    "rule `{}` has the log source {}, which the filter's {} does not contain",
                    rule.title(),
                    rule.logsource.describe(),
                    filter.logsource.describe()
                )
            }
            Some(_) => continue,
        };
        out.push(
            FILTER_UNKNOWN_RULE
                .at(&filter.file, reference.span, message, "filters nothing")
                .with_help("name rules by id or name, with a log source the filter's contains (every key the filter gives must be the rule's)"),
        );
    }
}

/// The checks of a filtered rule: fields its table cannot have, a filter that makes it match
/// nothing. Diagnostics point into the filter.
pub fn check_filtered_rule(rule: &Rule, pipelines: &[TargetPipeline], out: &mut Vec<Diagnostic>) {
    if rule.filters.is_empty() {
        return;
    }
    if let Some(pipeline) = pipelines.iter().find(|p| p.target() == Target::Kql) {
        unknown_fields(rule, pipeline, out);
    }
    let unfiltered = Rule {
        filters: Vec::new(),
        ..rule.clone()
    };
    let Ok(lowered) = ir::lower_rule(&unfiltered) else {
        return;
    };
    if never_matches(&lowered.expr) {
        return;
    }
    for filter in &rule.filters {
        let Ok(filter_expr) = ir::lower_filter(filter) else {
            continue;
        };
        if never_matches(&Expr::and(vec![lowered.expr.clone(), filter_expr])) {
            out.push(
                FILTER_MATCHES_NOTHING
                    .at(
                        &filter.file,
                        filter.condition.span,
                        format!(
                            "with this filter the rule `{}` ({}) can never match",
                            rule.title(),
                            rule.file.display_path()
                        ),
                        "excludes everything the rule matches",
                    )
                    .with_help("narrow the filter's selection to the benign events"),
            );
        }
    }
}

fn unknown_fields(rule: &Rule, pipeline: &TargetPipeline, out: &mut Vec<Diagnostic>) {
    let compiler = pipeline.compiler();
    let Some((_, entry)) = compiler.mapping.find_source(rule) else {
        return;
    };
    let Some(table) = &entry.table else { return };
    let Some(columns) = compiler.schema.columns(table) else {
        return;
    };
    let columns: Vec<&str> = columns.collect();
    for filter in &rule.filters {
        for selection in &filter.selections {
            let SelectionBody::FieldMaps(maps) = &selection.body else {
                continue;
            };
            for field in maps
                .iter()
                .flat_map(|m| &m.matchers)
                .filter_map(|m| m.field.as_ref())
            {
                let target_name = compiler.mapping.field_name(entry, &field.value);
                let column = target_name.split('.').next().unwrap_or_default();
                if columns.contains(&column) {
                    continue;
                }
                let help = match crate::text::closest(column, columns.iter().copied()) {
                    Some(nearest) => format!("did you mean `{nearest}`?"),
                    None => format!("the filter's fields must be columns of `{table}`"),
                };
                out.push(
                    FILTER_UNKNOWN_FIELD
                        .at(
                            &filter.file,
                            field.span,
                            format!(
                                "field `{}` is not a column of the Sentinel table `{table}`, where the filtered rules' events are",
                                field.value
                            ),
                            format!("not in `{table}`"),
                        )
                        .with_help(help),
                );
            }
        }
    }
}

/// Conjunctions of literals (predicate, negated) above this many are not expanded: the check
/// then says nothing rather than guessing.
const MAX_BRANCHES: usize = 256;

type Branch<'a> = Vec<(&'a Predicate, bool)>;

/// Whether `expr` can be true for no event, shown by expanding it into conjunctions of
/// literals and finding in each one a test that excludes another (`p and not q` where every
/// value `p` accepts `q` accepts too). Conservative: `false` when unsure.
pub fn never_matches(expr: &Expr) -> bool {
    match branches(expr, false) {
        Some(branches) => branches.iter().all(|branch| contradictory(branch)),
        None => false,
    }
}

fn branches(expr: &Expr, negated: bool) -> Option<Vec<Branch<'_>>> {
    match (expr, negated) {
        (Expr::Predicate(predicate), _) => Some(vec![vec![(predicate, negated)]]),
        (Expr::Not(inner), _) => branches(inner, !negated),
        (Expr::Or(items), false) | (Expr::And(items), true) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(branches(item, negated)?);
                if all.len() > MAX_BRANCHES {
                    return None;
                }
            }
            Some(all)
        }
        (Expr::And(items), false) | (Expr::Or(items), true) => {
            let mut product: Vec<Branch<'_>> = vec![Vec::new()];
            for item in items {
                let alternatives = branches(item, negated)?;
                if product.len() * alternatives.len() > MAX_BRANCHES {
                    return None;
                }
                product = product
                    .iter()
                    .flat_map(|prefix| {
                        alternatives.iter().map(move |alternative| {
                            let mut branch = prefix.clone();
                            branch.extend(alternative.iter().copied());
                            branch
                        })
                    })
                    .collect();
            }
            Some(product)
        }
    }
}

fn contradictory(branch: &Branch<'_>) -> bool {
    branch.iter().any(|(p, p_negated)| {
        !p_negated
            && branch
                .iter()
                .any(|(q, q_negated)| *q_negated && implies(p, q))
    })
}

/// Every event on which `p` holds also satisfies `q` (same field; equal tests, or text
/// patterns where `q` accepts every value `p` does).
fn implies(p: &Predicate, q: &Predicate) -> bool {
    if p.field != q.field {
        return false;
    }
    if p.matcher == q.matcher {
        return true;
    }
    let (
        Matcher::Text {
            pattern: p_pattern,
            cased: p_cased,
        },
        Matcher::Text {
            pattern: q_pattern,
            cased: q_cased,
        },
    ) = (&p.matcher, &q.matcher)
    else {
        return false;
    };
    // A case-sensitive `q` does not accept every spelling a case-insensitive `p` accepts.
    if *q_cased && !p_cased {
        return false;
    }
    if p_pattern.has_placeholder() || q_pattern.has_placeholder() {
        return false;
    }
    if let Some(value) = p_pattern.as_literal() {
        return crate::eval::glob_matches(q_pattern, &value, *q_cased);
    }
    let fold = |s: &str| {
        if *q_cased {
            s.to_string()
        } else {
            s.to_lowercase()
        }
    };
    match (shape(p_pattern), shape(q_pattern)) {
        (Some(Shape::Prefix(a)), Some(Shape::Prefix(b))) => fold(&a).starts_with(&fold(&b)),
        (Some(Shape::Suffix(a)), Some(Shape::Suffix(b))) => fold(&a).ends_with(&fold(&b)),
        (
            Some(Shape::Prefix(a) | Shape::Suffix(a) | Shape::Contains(a)),
            Some(Shape::Contains(b)),
        ) => fold(&a).contains(&fold(&b)),
        _ => false,
    }
}

enum Shape {
    Prefix(String),
    Suffix(String),
    Contains(String),
}

/// `lit*`, `*lit`, `*lit*`.
fn shape(pattern: &Pattern) -> Option<Shape> {
    match pattern.parts.as_slice() {
        [PatternPart::Literal(a), PatternPart::AnyChars] => Some(Shape::Prefix(a.clone())),
        [PatternPart::AnyChars, PatternPart::Literal(a)] => Some(Shape::Suffix(a.clone())),
        [
            PatternPart::AnyChars,
            PatternPart::Literal(a),
            PatternPart::AnyChars,
        ] => Some(Shape::Contains(a.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::rule::RuleDocument;
    use std::sync::Arc;

    fn lowered(detection: &str) -> Expr {
        let text = format!("title: t\nlogsource: {{product: windows}}\ndetection:\n{detection}");
        let (documents, diagnostics) =
            crate::rule::load_rule_file(&Arc::new(SourceFile::new("r.yml", text)));
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let RuleDocument::Detection(rule) = &documents[0] else {
            panic!()
        };
        ir::lower_rule(rule).unwrap().expr
    }

    #[test]
    fn a_named_rule_outside_the_filters_logsource_filters_nothing() {
        let text = "title: r\nname: rule_r\nlogsource: {product: windows, category: network_connection}\ndetection: {s: {A: 1}, condition: s}\n---\ntitle: f\nlogsource: {product: windows, category: process_creation}\nfilter: {rules: rule_r, s: {B: 2}, condition: not s}\n---\ntitle: g\nlogsource: {product: linux}\nfilter: {rules: any, s: {B: 2}, condition: not s}\n";
        let linter = crate::lint::Linter::with_pipelines(Vec::new());
        let outcome = linter.check_source(&Arc::new(SourceFile::new("r.yml", text)));
        let messages: Vec<&str> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.code == FILTER_UNKNOWN_RULE.code)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "rule `r` has the log source {product: windows, category: network_connection}, which the filter's {product: windows, category: process_creation} does not contain",
                "no rule checked has the filter's log source {product: linux}",
            ]
        );
    }

    #[test]
    fn contradictions_are_found_and_only_them() {
        for (detection, nothing) in [
            (
                "  a: {Image|endswith: '\\rar.exe'}\n  b: {Image|endswith: '.exe'}\n  condition: a and not b\n",
                true,
            ),
            (
                "  a: {Image|endswith: '.exe'}\n  b: {Image|endswith: '\\rar.exe'}\n  condition: a and not b\n",
                false,
            ),
            (
                "  a: {Image: 'C:\\x\\rar.exe'}\n  b: {Image|contains: 'RAR'}\n  condition: a and not b\n",
                true,
            ),
            (
                "  a: {Image|cased: 'rar.exe'}\n  b: {Image: 'RAR.EXE'}\n  condition: a and not b\n",
                true,
            ),
            (
                "  a: {Image: 'rar.exe'}\n  b: {Image|cased: 'rar.exe'}\n  condition: a and not b\n",
                false,
            ),
            (
                "  a: {Image|endswith: ['\\rar.exe', '\\7z.exe']}\n  b: {Image|endswith: '\\rar.exe'}\n  condition: a and not b\n",
                false,
            ),
            (
                "  a: {Image|endswith: ['\\rar.exe', '\\7z.exe']}\n  b: {Image|endswith: '.exe'}\n  condition: a and not b\n",
                true,
            ),
            (
                "  a: {Image|startswith: 'C:\\Windows\\'}\n  b: {Image|startswith: 'c:\\windows'}\n  condition: a and not b\n",
                true,
            ),
            (
                "  a: {Image|endswith: '.exe', User: x}\n  b: {User: x, Host: y}\n  condition: a and not b\n",
                false,
            ),
            (
                "  a: {Image|endswith: '.exe', User: x}\n  b: {User: x}\n  condition: a and not b\n",
                true,
            ),
            (
                "  a: {Image: x}\n  b: {Image: y}\n  condition: a or not b\n",
                false,
            ),
        ] {
            assert_eq!(never_matches(&lowered(detection)), nothing, "{detection}");
        }
    }
}
