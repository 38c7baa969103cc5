//! The condition language.
//!
//! Takes: the `condition` string of a rule (with its span) and the rule's selection names.
//! Gives: a [`Condition`] AST with spans, references resolved against the selections, or
//! diagnostics for syntax errors, undefined names, patterns matching nothing and nesting beyond
//! [`MAX_NESTING`].

mod parse;

pub use parse::{MAX_NESTING, parse_condition};

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
