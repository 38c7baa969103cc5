//! The SPL backend (Splunk).
//!
//! The top-level AND of the rule is split: conjuncts the search command can express exactly go
//! after the base search (`Field="v*"`, `Field IN (...)`, `NOT`, numeric comparisons, IPv4
//! CIDR); the others (`?` wildcards, literal `*`, `|cased`, regexes, null, IPv6 ranges, field
//! references, keywords) go into one `| where` with `match()`, `cidrmatch()`, `isnull()` & co.
//! A conjunct is never split across the two, so the boolean structure stays exact. In `where`,
//! a test on a missing field is null, so under `NOT` each test is guarded with `isnotnull()`.

pub mod correlation;
pub mod literal;

use super::{LINE_WIDTH, Templates};
use crate::diagnostic::Diagnostic;
use crate::ir::{Comparison, Expr, Matcher, Pattern, PatternPart, Position, Predicate, TimePart};
use crate::mapping::{MappedRule, Target};
use crate::rule::Rule;

/// Compiles a mapped rule to an SPL search.
pub fn compile(
    rule: &Rule,
    mapped: &MappedRule,
    templates: &Templates,
) -> Result<String, Vec<Diagnostic>> {
    // A field name cannot be written with an escape: one that holds a bidirectional control
    // (U+202E, ...) would reach the search as is and reorder how it reads ("Trojan Source").
    // Values are fine: they travel as `\x{..}` escapes of a regex.
    let hidden: Vec<Diagnostic> = mapped
        .expr
        .predicates()
        .into_iter()
        .filter(|p| {
            let other = match &p.matcher {
                Matcher::FieldRef { other, .. } => Some(other.as_str()),
                _ => None,
            };
            p.field
                .as_deref()
                .into_iter()
                .chain(other)
                .any(|name| name.chars().any(crate::text::is_bidi_control))
        })
        .map(|p| {
            Diagnostic::error(
                "unsupported-spl",
                "this field name holds a bidirectional control character (U+202A-U+202E, U+2066-U+2069, ...), which an SPL field name cannot escape",
            )
            .in_file(p.file(&rule.file))
            .at(p.span, "invisible reordering character in the field name")
            .with_help("map the field to another name with --mapping")
        })
        .collect();
    if !hidden.is_empty() {
        return Err(hidden);
    }
    if let Some((datamodel, model, summariesonly)) = &mapped.source.datamodel {
        let condition = search_expr(&mapped.expr).unwrap_or_default();
        let context = minijinja::context! {
            datamodel => datamodel,
            summariesonly => if *summariesonly { "true" } else { "false" },
            condition => condition,
            by => model.by.join(" "),
            title => rule.title(),
            id => rule.id(),
        };
        return templates
            .render_file("spl/tstats.jinja", context)
            .map_err(|d| vec![d]);
    }
    let conjuncts: Vec<&Expr> = match &mapped.expr {
        Expr::And(items) => items.iter().collect(),
        other => vec![other],
    };
    let renderer = Renderer { rule };
    let mut search_parts = Vec::new();
    let mut where_parts = Vec::new();
    let mut errors = Vec::new();
    for conjunct in conjuncts {
        match search_expr(conjunct) {
            Some(text) => search_parts.push(wrap_search(conjunct, text)),
            None => match renderer.where_expr(conjunct, false, 4) {
                Ok(text) => where_parts.push((conjunct, text)),
                Err(e) => errors.extend(e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // An OR needs parentheses only when other conjuncts stand beside it.
    let several = where_parts.len() > 1;
    let where_parts: Vec<String> = where_parts
        .into_iter()
        .map(|(conjunct, text)| match conjunct {
            Expr::Or(_) if several => format!("({text})"),
            _ => text,
        })
        .collect();
    let search_condition = join_lines(&search_parts, " ", "\n    ");
    let where_condition = join_lines(&where_parts, " AND ", "\n    AND ");
    let context = minijinja::context! {
        search => mapped.source.search.clone().unwrap_or_default(),
        search_condition => search_condition,
        where_condition => where_condition,
        title => rule.title(),
        id => rule.id(),
    };
    templates.render(Target::Spl, context).map_err(|d| vec![d])
}

fn join_lines(parts: &[String], flat_separator: &str, broken_separator: &str) -> String {
    let flat = parts.join(flat_separator);
    if flat.len() <= LINE_WIDTH && !flat.contains('\n') {
        flat
    } else {
        parts.join(broken_separator)
    }
}

fn wrap_search(expr: &Expr, text: String) -> String {
    match expr {
        Expr::Or(_) if !is_single_in_list(expr) => format!("({text})"),
        _ => text,
    }
}

/// An OR of equalities on one field, which renders as one `Field IN (...)`.
fn is_single_in_list(expr: &Expr) -> bool {
    let Expr::Or(items) = expr else { return false };
    let Some(first) = items.first().and_then(search_equality).map(|(f, _)| f) else {
        return false;
    };
    items
        .iter()
        .all(|item| search_equality(item).map(|(f, _)| f) == Some(first))
}

/// The search-language form of a whole expression, when every part of it can be expressed
/// there (what `tstats ... where` takes).
pub fn search_expression(expr: &Expr) -> Option<String> {
    search_expr(expr)
}

/// The search-command form of an expression, when every part of it can be expressed there.
fn search_expr(expr: &Expr) -> Option<String> {
    match expr {
        Expr::And(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|item| search_expr(item).map(|text| paren_if_group(item, text)))
                .collect();
            Some(parts?.join(" "))
        }
        Expr::Or(items) => {
            let mut parts = Vec::new();
            let mut used = vec![false; items.len()];
            for (i, item) in items.iter().enumerate() {
                if used[i] {
                    continue;
                }
                if let Some((field, value)) = search_equality(item) {
                    let mut values = vec![value];
                    for (j, other) in items.iter().enumerate().skip(i + 1) {
                        if let Some((f, v)) = search_equality(other)
                            && f == field
                        {
                            used[j] = true;
                            values.push(v);
                        }
                    }
                    parts.push(if values.len() == 1 {
                        format!("{field}={}", values[0])
                    } else {
                        super::value_list(&format!("{field} IN "), &values, 4)
                    });
                    continue;
                }
                parts.push(paren_if_group(item, search_expr(item)?));
            }
            Some(parts.join(" OR "))
        }
        Expr::Not(inner) => {
            let text = search_expr(inner)?;
            Some(match inner.as_ref() {
                Expr::Predicate(_) => format!("NOT {text}"),
                _ => format!("NOT ({text})"),
            })
        }
        Expr::Predicate(predicate) => search_predicate(predicate),
    }
}

fn paren_if_group(expr: &Expr, text: String) -> String {
    match expr {
        Expr::Or(_) if is_single_in_list(expr) => text,
        Expr::And(_) | Expr::Or(_) => format!("({text})"),
        _ => text,
    }
}

/// `(field, quoted value)` of a predicate that is a search-command equality (wildcards allowed).
fn search_equality(expr: &Expr) -> Option<(&str, String)> {
    let Expr::Predicate(Predicate {
        field: Some(field),
        matcher: Matcher::Text {
            pattern,
            cased: false,
        },
        ..
    }) = expr
    else {
        return None;
    };
    if !literal::is_search_field(field) {
        return None;
    }
    Some((field.as_str(), search_value(pattern)?))
}

/// A Sigma pattern as a quoted search-command value, when the search command means the same:
/// `*` is its only wildcard, and it cannot match a literal `*` or exactly one character.
fn search_value(pattern: &Pattern) -> Option<String> {
    if pattern.parts.is_empty() {
        return None;
    }
    let mut out = String::from("\"");
    for part in &pattern.parts {
        match part {
            // The search command has no escape for `*`; control and bidirectional characters
            // (which it would carry raw) are kept out of it.
            PatternPart::Literal(text) if text.contains('*') || text.chars().any(unprintable) => {
                return None;
            }
            PatternPart::Literal(text) => {
                let quoted = literal::string(text);
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            PatternPart::AnyChars => out.push('*'),
            PatternPart::OneChar | PatternPart::Placeholder(_) => return None,
        }
    }
    out.push('"');
    Some(out)
}

fn search_predicate(predicate: &Predicate) -> Option<String> {
    let field = predicate.field.as_deref()?;
    if !literal::is_search_field(field) {
        return None;
    }
    match &predicate.matcher {
        Matcher::Text {
            pattern,
            cased: false,
        } => Some(format!("{field}={}", search_value(pattern)?)),
        Matcher::Number { comparison, value } => {
            let operator = match comparison {
                Comparison::Equal => "=",
                other => other.symbol(),
            };
            Some(format!("{field}{operator}{}", value.text))
        }
        Matcher::Bool(value) => Some(format!("{field}=\"{value}\"")),
        Matcher::Cidr(cidr) if !cidr.is_ipv6() => Some(format!("{field}=\"{}\"", cidr.text)),
        Matcher::Exists(true) => Some(format!("{field}=*")),
        Matcher::Exists(false) => Some(format!("NOT {field}=*")),
        _ => None,
    }
}

struct Renderer<'a> {
    rule: &'a Rule,
}

type Rendered = Result<String, Vec<Diagnostic>>;

impl Renderer<'_> {
    fn where_expr(&self, expr: &Expr, negated: bool, indent: usize) -> Rendered {
        match expr {
            Expr::And(items) => self.where_join(items, "AND", negated, indent),
            Expr::Or(items) => self.where_join(items, "OR", negated, indent),
            Expr::Not(inner) => {
                let text = self.where_expr(inner, !negated, indent)?;
                // A guarded test is already parenthesized; a bare function call binds tightly.
                let self_contained = matches!(inner.as_ref(), Expr::Predicate(_))
                    && (text.starts_with('(') || !text.contains(' ') || text.starts_with("match("));
                if self_contained && text.starts_with('(') {
                    Ok(format!("NOT {text}"))
                } else {
                    Ok(format!("NOT ({text})"))
                }
            }
            Expr::Predicate(predicate) => self.where_predicate(predicate, negated),
        }
    }

    fn where_join(&self, items: &[Expr], operator: &str, negated: bool, indent: usize) -> Rendered {
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        for item in items {
            match self.where_expr(item, negated, indent + 4) {
                // In `where` every nested group is parenthesized: no IN lists here.
                Ok(text) if matches!(item, Expr::And(_) | Expr::Or(_)) => {
                    parts.push(format!("({text})"))
                }
                Ok(text) => parts.push(text),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(super::join_operands(&parts, operator, indent))
    }

    fn field(&self, name: &str, predicate: &Predicate) -> Result<String, Vec<Diagnostic>> {
        literal::eval_field(name).map_err(|bad| {
            vec![
                Diagnostic::error("unsupported-spl", format!("the field name `{name}` cannot be written in SPL (it contains `{bad}`, which a quoted SPL field name cannot hold)"))
                    .in_file(predicate.file(&self.rule.file))
                    .at(predicate.span, "")
                    .with_help("map the field to another name with --mapping"),
            ]
        })
    }

    fn where_predicate(&self, predicate: &Predicate, negated: bool) -> Rendered {
        let Some(field_name) = predicate.field.as_deref() else {
            let Matcher::Text { pattern, cased } = &predicate.matcher else {
                return Err(vec![
                    Diagnostic::error("unsupported-spl", "keyword searches only match text")
                        .in_file(predicate.file(&self.rule.file))
                        .at(predicate.span, ""),
                ]);
            };
            return Ok(format!(
                "match(_raw, {})",
                literal::string(&pattern.to_regex(*cased))
            ));
        };
        let field = self.field(field_name, predicate)?;
        let test = match &predicate.matcher {
            Matcher::Text { pattern, cased } => match (pattern.as_literal(), cased) {
                (Some(text), _) if text.is_empty() => format!("{field}=\"\""),
                (Some(text), true) if !text.chars().any(unprintable) => {
                    format!("{field}={}", literal::string(&text))
                }
                _ => format!(
                    "match({field}, {})",
                    literal::string(&pattern.to_regex(*cased))
                ),
            },
            Matcher::Number { comparison, value } => {
                let operator = match comparison {
                    Comparison::Equal => "=",
                    other => other.symbol(),
                };
                format!("tonumber({field}){operator}{}", value.text)
            }
            Matcher::Bool(value) => format!(
                "match({field}, {})",
                literal::string(&format!("(?i)^{value}$"))
            ),
            Matcher::Regex { pattern, flags } => {
                // A bidirectional control in the pattern as its `\x{..}` escape (same meaning
                // in PCRE), never raw in the search.
                let pattern: String = flags
                    .apply(pattern)
                    .chars()
                    .map(|c| {
                        if crate::text::is_bidi_control(c) {
                            format!("\\x{{{:x}}}", c as u32)
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                format!("match({field}, {})", literal::string(&pattern))
            }
            Matcher::Cidr(cidr) => format!("cidrmatch({}, {field})", literal::string(&cidr.text)),
            // Null and existence tests are never null themselves: no guard needed.
            Matcher::Null => return Ok(format!("(isnull({field}) OR {field}=\"\")")),
            Matcher::Exists(true) => return Ok(format!("isnotnull({field})")),
            Matcher::Exists(false) => return Ok(format!("isnull({field})")),
            Matcher::FieldRef {
                other,
                position,
                cased,
            } => {
                let other = self.field(other, predicate)?;
                let (a, b) = if *cased {
                    (field.clone(), other.clone())
                } else {
                    (format!("lower({field})"), format!("lower({other})"))
                };
                let test = match position {
                    Position::Exact => format!("{a}={b}"),
                    Position::StartsWith => format!("substr({a}, 1, len({b}))={b}"),
                    Position::EndsWith => {
                        format!("(len({a})>=len({b}) AND substr({a}, len({a})-len({b})+1)={b})")
                    }
                    Position::Contains => format!("(len({b})=0 OR mvcount(split({a}, {b}))>1)"),
                };
                if negated {
                    return Ok(format!(
                        "(isnotnull({field}) AND isnotnull({other}) AND {test})"
                    ));
                }
                test
            }
            Matcher::TimePart {
                part,
                comparison,
                value,
            } => {
                let format = match part {
                    TimePart::Minute => "%M",
                    TimePart::Hour => "%H",
                    TimePart::Day => "%d",
                    TimePart::Week => "%V",
                    TimePart::Month => "%m",
                    TimePart::Year => "%Y",
                };
                let operator = match comparison {
                    Comparison::Equal => "=",
                    other => other.symbol(),
                };
                format!(
                    "tonumber(strftime(if(isnum({field}), {field}, strptime({field}, \"%Y-%m-%dT%H:%M:%S\")), \"{format}\")){operator}{}",
                    value.text
                )
            }
        };
        if negated {
            Ok(format!("(isnotnull({field}) AND {test})"))
        } else {
            Ok(test)
        }
    }
}

/// A character the search command would carry raw and unseen: a control character, or a
/// bidirectional control.
fn unprintable(c: char) -> bool {
    c.is_control() || crate::text::is_bidi_control(c)
}
