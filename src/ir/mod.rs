//! The intermediate representation: one boolean expression over predicates.
//!
//! Takes: a typed [`Rule`](crate::rule::Rule) and its parsed [`Condition`](crate::condition::Condition)s.
//! Gives: an [`Expr`] in which every Sigma modifier has been applied (encodings expanded into
//! values, wildcards and escapes parsed into [`Pattern`]s), so backends and the evaluator only
//! see predicates with exact meaning. Placeholders (`|expand`) stay symbolic until mapping.

mod lower;
mod pattern;

pub use lower::{check_regex, lower_filter, lower_rule};
pub use pattern::{Pattern, PatternPart, parse_sigma_string};

use crate::diagnostic::{SourceFile, Span};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Predicate(Predicate),
}

impl Expr {
    /// Builds an AND, flattening nested ANDs and dropping the wrapper for one item.
    pub fn and(items: Vec<Expr>) -> Expr {
        Expr::flatten(items, true)
    }

    /// Builds an OR, flattening nested ORs and dropping the wrapper for one item.
    pub fn or(items: Vec<Expr>) -> Expr {
        Expr::flatten(items, false)
    }

    fn flatten(items: Vec<Expr>, is_and: bool) -> Expr {
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Expr::And(inner) if is_and => flat.extend(inner),
                Expr::Or(inner) if !is_and => flat.extend(inner),
                other => flat.push(other),
            }
        }
        if flat.len() == 1 {
            return flat.pop().expect("one item");
        }
        if is_and {
            Expr::And(flat)
        } else {
            Expr::Or(flat)
        }
    }

    pub fn negate(inner: Expr) -> Expr {
        match inner {
            Expr::Not(inner) => *inner,
            other => Expr::Not(Box::new(other)),
        }
    }

    /// Visits every predicate, depth first.
    pub fn predicates(&self) -> Vec<&Predicate> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(expr) = stack.pop() {
            match expr {
                Expr::And(items) | Expr::Or(items) => stack.extend(items.iter().rev()),
                Expr::Not(inner) => stack.push(inner),
                Expr::Predicate(predicate) => out.push(predicate),
            }
        }
        out
    }

    /// Rewrites every predicate; a predicate may become any expression (e.g. an OR of values).
    pub fn try_map_predicates<E>(
        self,
        f: &mut impl FnMut(Predicate) -> Result<Expr, E>,
    ) -> Result<Expr, E> {
        Ok(match self {
            Expr::And(items) => Expr::and(
                items
                    .into_iter()
                    .map(|e| e.try_map_predicates(f))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(items) => Expr::or(
                items
                    .into_iter()
                    .map(|e| e.try_map_predicates(f))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => Expr::negate(inner.try_map_predicates(f)?),
            Expr::Predicate(predicate) => f(predicate)?,
        })
    }
}

/// One test on one field (or on the whole event, for keywords).
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// `None` for keyword detections: the value is searched in the whole event.
    pub field: Option<String>,
    pub matcher: Matcher,
    /// Where in the rule this predicate came from (the value).
    pub span: Span,
    /// The file `span` points into when it is not the rule's own: a filter's predicates.
    pub origin: Option<Arc<SourceFile>>,
}

impl Predicate {
    /// The file this predicate was written in: its filter's, or else the rule's (`rule_file`).
    pub fn file<'a>(&'a self, rule_file: &'a Arc<SourceFile>) -> &'a Arc<SourceFile> {
        self.origin.as_ref().unwrap_or(rule_file)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// The whole value matches the pattern (wildcards already placed by contains & co.).
    Text {
        pattern: Pattern,
        cased: bool,
    },
    /// Numeric comparison; `Equal` is a plain numeric value such as `EventID: 4688`.
    Number {
        comparison: Comparison,
        value: Number,
    },
    Bool(bool),
    /// A regular expression, unanchored, with the Sigma `re` sub-modifier flags.
    Regex {
        pattern: String,
        flags: RegexFlags,
    },
    Cidr(Cidr),
    /// Sigma `null`: the field is absent or empty.
    Null,
    /// `|exists: true/false`.
    Exists(bool),
    /// `|fieldref`: compares with another field of the same event.
    FieldRef {
        other: String,
        position: Position,
        cased: bool,
    },
    /// `|minute` & co.: a part of a date value, compared as a number.
    TimePart {
        part: TimePart,
        comparison: Comparison,
        value: Number,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Equal => "==",
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
        }
    }
}

/// A number as written in the rule, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
    pub is_integer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegexFlags {
    pub ignore_case: bool,
    pub multi_line: bool,
    pub dot_all: bool,
}

impl RegexFlags {
    /// The pattern with the flags as an inline group (`(?ims)…`), which RE2 and PCRE both read.
    pub fn apply(self, pattern: &str) -> String {
        let mut prefix = String::new();
        for (set, flag) in [
            (self.ignore_case, 'i'),
            (self.multi_line, 'm'),
            (self.dot_all, 's'),
        ] {
            if set {
                prefix.push(flag);
            }
        }
        if prefix.is_empty() {
            pattern.to_string()
        } else {
            format!("(?{prefix}){pattern}")
        }
    }
}

/// A network range; `prefix` applies to `address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    pub text: String,
    pub address: std::net::IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn is_ipv6(&self) -> bool {
        self.address.is_ipv6()
    }

    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: std::net::IpAddr = address.parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then(|| Cidr {
            text: format!("{address}/{prefix}"),
            address,
            prefix,
        })
    }

    pub fn contains(&self, address: std::net::IpAddr) -> bool {
        match (self.address, address) {
            (std::net::IpAddr::V4(net), std::net::IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (std::net::IpAddr::V6(net), std::net::IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Where a field reference's value must appear in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Exact,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimePart {
    pub fn name(self) -> &'static str {
        match self {
            TimePart::Minute => "minute",
            TimePart::Hour => "hour",
            TimePart::Day => "day",
            TimePart::Week => "week",
            TimePart::Month => "month",
            TimePart::Year => "year",
        }
    }
}

/// A rule lowered to one expression (several conditions are ORed, each filter ANDed).
#[derive(Debug, Clone, PartialEq)]
pub struct LoweredRule {
    pub expr: Expr,
}
