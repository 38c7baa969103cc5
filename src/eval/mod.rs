//! The evaluator: runs a rule's IR over sample events, with the semantics of the generated
//! queries (the same [`Expr`] feeds the backends, so a rule means one thing everywhere).
//!
//! Takes: an [`Expr`] over Sigma field names (placeholders expanded) and an [`Event`].
//! Gives: a [`Verdict`]: whether the rule matches, and the predicate that decided it with the
//! value it saw ("CommandLine contains 'whoami' was false: value was 'cmd.exe /c dir'").

mod correlation;
mod event;
mod time;

pub use correlation::{Alert, TimedEvent, evaluate_correlation};
pub use event::{Event, Lookup, scalar_text};
pub use time::{epoch_seconds, iso_from_epoch};

use crate::ir::{
    Comparison, Expr, Matcher, Number, Pattern, PatternPart, Position, Predicate, RegexFlags,
};
use serde_json::Value;

/// The result of running a rule over one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub matched: bool,
    /// The predicate that decided the result, and what it saw.
    pub reason: String,
}

/// Evaluates an expression; a regex that cannot be compiled is an error (reported, not guessed).
pub fn evaluate(expr: &Expr, event: &Event) -> Result<Verdict, String> {
    let (matched, reason) = eval(expr, event)?;
    Ok(Verdict { matched, reason })
}

fn eval(expr: &Expr, event: &Event) -> Result<(bool, String), String> {
    match expr {
        Expr::And(items) => {
            let mut last = String::new();
            for item in items {
                let (result, reason) = eval(item, event)?;
                if !result {
                    return Ok((false, reason));
                }
                last = reason;
            }
            Ok((true, last))
        }
        Expr::Or(items) => {
            let mut first = None;
            for item in items {
                let (result, reason) = eval(item, event)?;
                if result {
                    return Ok((true, reason));
                }
                first.get_or_insert(reason);
            }
            Ok((false, first.unwrap_or_default()))
        }
        Expr::Not(inner) => {
            let (result, reason) = eval(inner, event)?;
            Ok((!result, format!("not ({reason})")))
        }
        Expr::Predicate(predicate) => {
            let result = predicate_matches(predicate, event)?;
            Ok((result, explain(predicate, event, result)))
        }
    }
}

/// Whether one predicate holds for an event.
pub fn predicate_matches(predicate: &Predicate, event: &Event) -> Result<bool, String> {
    let Some(field) = predicate.field.as_deref() else {
        return keyword_matches(&predicate.matcher, event);
    };
    let lookup = event.lookup(field);
    let values: Vec<&Value> = match (&lookup, &predicate.matcher) {
        (Lookup::Absent, Matcher::Null) => return Ok(true),
        (Lookup::Absent, Matcher::Exists(expected)) => return Ok(!expected),
        (Lookup::Values(_), Matcher::Exists(expected)) => return Ok(*expected),
        (Lookup::Absent, _) => return Ok(false),
        (Lookup::Values(values), _) => values.clone(),
    };
    if let Matcher::Null = predicate.matcher {
        return Ok(
            values.is_empty() || values.iter().any(|v| v.is_null() || v.as_str() == Some(""))
        );
    }
    if let Matcher::FieldRef {
        other,
        position,
        cased,
    } = &predicate.matcher
    {
        let Lookup::Values(others) = event.lookup(other) else {
            return Ok(false);
        };
        return Ok(values.iter().any(|v| {
            others.iter().any(|o| {
                !v.is_null()
                    && !o.is_null()
                    && position_matches(&scalar_text(v), &scalar_text(o), *position, *cased)
            })
        }));
    }
    let regex = match &predicate.matcher {
        Matcher::Regex { pattern, flags } => Some(build_regex(pattern, *flags)?),
        _ => None,
    };
    Ok(values
        .iter()
        .any(|value| !value.is_null() && value_matches(&predicate.matcher, value, regex.as_ref())))
}

fn value_matches(matcher: &Matcher, value: &Value, regex: Option<&regex::Regex>) -> bool {
    match matcher {
        Matcher::Text { pattern, cased } => glob_matches(pattern, &scalar_text(value), *cased),
        Matcher::Number {
            comparison,
            value: number,
        } => number_matches(*comparison, number, value),
        Matcher::Bool(expected) => match value {
            Value::Bool(b) => b == expected,
            Value::String(s) => s.eq_ignore_ascii_case(if *expected { "true" } else { "false" }),
            _ => false,
        },
        Matcher::Regex { .. } => regex.is_some_and(|r| r.is_match(&scalar_text(value))),
        Matcher::Cidr(cidr) => scalar_text(value)
            .trim()
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| cidr.contains(ip)),
        Matcher::TimePart {
            part,
            comparison,
            value: number,
        } => time::part_of(value, *part)
            .is_some_and(|actual| compare(*comparison, actual as f64, number.value)),
        Matcher::Null | Matcher::Exists(_) | Matcher::FieldRef { .. } => false,
    }
}

fn number_matches(comparison: Comparison, number: &Number, value: &Value) -> bool {
    match (comparison, value) {
        (_, Value::Number(n)) => n
            .as_f64()
            .is_some_and(|v| compare(comparison, v, number.value)),
        // Text equality, as the query compares a string column with the number's text.
        (Comparison::Equal, Value::String(s)) => *s == number.text,
        (_, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .is_ok_and(|v| compare(comparison, v, number.value)),
        _ => false,
    }
}

fn compare(comparison: Comparison, actual: f64, expected: f64) -> bool {
    match comparison {
        Comparison::Equal => actual == expected,
        Comparison::Less => actual < expected,
        Comparison::LessOrEqual => actual <= expected,
        Comparison::Greater => actual > expected,
        Comparison::GreaterOrEqual => actual >= expected,
    }
}

fn keyword_matches(matcher: &Matcher, event: &Event) -> Result<bool, String> {
    match matcher {
        Matcher::Text { pattern, cased } => Ok(event
            .all_text()
            .iter()
            .any(|text| glob_matches(pattern, text, *cased))),
        other => Err(format!("keyword searches only match text, not {other:?}")),
    }
}

fn build_regex(pattern: &str, flags: RegexFlags) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(flags.ignore_case)
        .multi_line(flags.multi_line)
        .dot_matches_new_line(flags.dot_all)
        .build()
        .map_err(|e| format!("the regular expression `{pattern}` cannot be evaluated: {e}"))
}

fn position_matches(value: &str, other: &str, position: Position, cased: bool) -> bool {
    let (value, other) = if cased {
        (value.to_string(), other.to_string())
    } else {
        (fold_case(value), fold_case(other))
    };
    match position {
        Position::Exact => value == other,
        Position::Contains => value.contains(&other),
        Position::StartsWith => value.starts_with(&other),
        Position::EndsWith => value.ends_with(&other),
    }
}

/// Case-insensitive text: each character by itself to its simple lowercase form, as query
/// engines lower text (KQL's `tolower()`; duckdb-kql's `=~` and `contains`).
/// `str::to_lowercase` is not that: it lowers `Σ` to `ς` at the end of a word (so
/// `contains 'Σ'` would miss `ΑΣ`) and `İ` to two characters (so `?` would miss it).
fn fold_case(text: &str) -> String {
    text.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

/// Sigma glob matching: the whole text against `*` (any run) and `?` (one character).
pub fn glob_matches(pattern: &Pattern, text: &str, cased: bool) -> bool {
    enum Token {
        Char(char),
        Any,
        One,
    }
    let fold = |s: &str| if cased { s.to_string() } else { fold_case(s) };
    let mut tokens = Vec::new();
    for part in &pattern.parts {
        match part {
            PatternPart::Literal(literal) => tokens.extend(fold(literal).chars().map(Token::Char)),
            PatternPart::AnyChars => tokens.push(Token::Any),
            PatternPart::OneChar => tokens.push(Token::One),
            PatternPart::Placeholder(name) => {
                tokens.extend(format!("%{name}%").chars().map(Token::Char))
            }
        }
    }
    let text: Vec<char> = fold(text).chars().collect();
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::One) => {
                t += 1;
                p += 1;
            }
            Some(Token::Any) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|token| matches!(token, Token::Any))
}

/// "CommandLine contains 'whoami' was false: value was 'cmd.exe /c dir'"
fn explain(predicate: &Predicate, event: &Event, result: bool) -> String {
    let test = describe(predicate);
    let seen = match predicate.field.as_deref() {
        None => "searched the whole event".to_string(),
        Some(field) => match event.lookup(field) {
            Lookup::Absent => format!("{field} is absent"),
            Lookup::Values(values) if values.len() == 1 => {
                format!("value was {}", quote_value(values[0]))
            }
            Lookup::Values(values) => format!(
                "values were [{}]",
                values
                    .iter()
                    .map(|v| quote_value(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    format!("{test} was {result}: {seen}")
}

fn quote_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// A predicate in words.
pub fn describe(predicate: &Predicate) -> String {
    let subject = predicate
        .field
        .clone()
        .unwrap_or_else(|| "the event".to_string());
    let case = |cased: bool| if cased { " (case-sensitive)" } else { "" };
    match &predicate.matcher {
        Matcher::Text { pattern, cased } => {
            let parts = &pattern.parts;
            let any = |i: usize| matches!(parts.get(i), Some(PatternPart::AnyChars));
            let literal = |i: usize| match parts.get(i) {
                Some(PatternPart::Literal(text)) => Some(text.clone()),
                _ => None,
            };
            let phrase = match (parts.len(), predicate.field.is_none()) {
                (3, _) if any(0) && any(2) && literal(1).is_some() => {
                    format!("contains '{}'", literal(1).unwrap_or_default())
                }
                (2, false) if any(1) && literal(0).is_some() => {
                    format!("starts with '{}'", literal(0).unwrap_or_default())
                }
                (2, false) if any(0) && literal(1).is_some() => {
                    format!("ends with '{}'", literal(1).unwrap_or_default())
                }
                (1, false) if literal(0).is_some() => {
                    format!("equals '{}'", literal(0).unwrap_or_default())
                }
                _ => format!("matches '{}'", pattern.to_sigma()),
            };
            format!("{subject} {phrase}{}", case(*cased))
        }
        Matcher::Number { comparison, value } => {
            format!("{subject} {} {}", comparison.symbol(), value.text)
        }
        Matcher::Bool(value) => format!("{subject} is {value}"),
        Matcher::Regex { pattern, .. } => format!("{subject} matches regex '{pattern}'"),
        Matcher::Cidr(cidr) => format!("{subject} is in {}", cidr.text),
        Matcher::Null => format!("{subject} is absent or empty"),
        Matcher::Exists(true) => format!("{subject} exists"),
        Matcher::Exists(false) => format!("{subject} does not exist"),
        Matcher::FieldRef {
            other,
            position,
            cased,
        } => {
            let relation = match position {
                Position::Exact => "equals",
                Position::Contains => "contains",
                Position::StartsWith => "starts with",
                Position::EndsWith => "ends with",
            };
            format!("{subject} {relation} field {other}{}", case(*cased))
        }
        Matcher::TimePart {
            part,
            comparison,
            value,
        } => {
            format!(
                "{} of {subject} {} {}",
                part.name(),
                comparison.symbol(),
                value.text
            )
        }
    }
}

#[cfg(test)]
mod tests;
