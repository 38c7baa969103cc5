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

/// `head(a, b, c)` on one line when it fits, else one value per line:
/// `head(\n    a,\n    b\n)` indented under the line that holds it.
pub(crate) fn value_list(head: &str, values: &[String], indent: usize) -> String {
    let flat = format!("{head}({})", values.join(", "));
    if indent + flat.len() <= LINE_WIDTH {
        return flat;
    }
    let inner = " ".repeat(indent + 4);
    let closing = " ".repeat(indent);
    let items: Vec<String> = values.iter().map(|v| format!("{inner}{v}")).collect();
    format!("{head}(\n{}\n{closing})", items.join(",\n"))
}

/// A member of a correlation, compiled for one target: its own query and where its group-by
/// and value fields live in that target.
#[derive(Debug, Clone)]
pub struct CorrelationMember {
    /// The rule's name (or reference) as it appears in the query's `SigmaRule` column.
    pub label: String,
    /// The member rule's complete query.
    pub query: String,
    /// KQL: the table (for column types).
    pub table: Option<String>,
    /// Target field of each group-by entry, in group-by order.
    pub group_targets: Vec<String>,
    /// Target field of `condition.field`, for the value_* types.
    pub value_target: Option<String>,
}

/// Joins the operands of an AND / OR: on one line when it fits, else one operand per line,
/// the operator leading each continuation line.
pub(crate) fn join_operands(parts: &[String], operator: &str, indent: usize) -> String {
    let flat = parts.join(&format!(" {operator} "));
    if indent + flat.len() <= LINE_WIDTH && !flat.contains('\n') {
        return flat;
    }
    parts.join(&format!("\n{}{operator} ", " ".repeat(indent + 4)))
}
