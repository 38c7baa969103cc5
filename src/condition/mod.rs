//! The condition language.
//!
//! Takes: the `condition` string of a rule (with its span) and the rule's selection names.
//! Gives: a [`Condition`] AST with spans, references resolved against the selections, or
//! diagnostics for syntax errors, undefined names, patterns matching nothing and nesting beyond
//! [`MAX_NESTING`].

mod parse;

pub use parse::{MAX_NESTING, grammar_verdict, parse_condition};

use crate::diagnostic::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// A search identifier, by name.
    Selection {
        name: String,
        span: Span,
    },
    /// `1 of x*`, `all of them`, ...: the names it resolved to, in rule order.
    Quantified {
        quantifier: Quantifier,
        target: QuantifierTarget,
        selections: Vec<String>,
        span: Span,
    },
}

impl Condition {
    /// Every search identifier the condition uses (by name or through `1 of` / `all of`).
    pub fn selection_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::And(items) | Condition::Or(items) => {
                items.iter().for_each(|c| c.selection_names(out))
            }
            Condition::Not(inner) => inner.selection_names(out),
            Condition::Selection { name, .. } => out.push(name),
            Condition::Quantified { selections, .. } => {
                out.extend(selections.iter().map(String::as_str))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` / `any of`
    Any,
    /// `all of`
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantifierTarget {
    Them,
    Pattern(String),
}
