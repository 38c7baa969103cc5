//! Backends: a mapped rule to query text.
//!
//! Takes: a [`MappedRule`](crate::mapping::MappedRule) (source + expression over target fields).
//! Gives: the query text. Each backend builds expression text in Rust (operator choice,
//! escaping, parentheses, field quoting) and renders the query skeleton from a minijinja
//! template (`templates/<target>/query.jinja`, embedded; `--templates DIR` overrides).

pub mod kql;
pub mod spl;
mod templates;

pub use templates::Templates;

/// Longest line we let a condition grow to before breaking it into one group per line.
pub(crate) const LINE_WIDTH: usize = 100;
