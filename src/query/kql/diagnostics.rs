//! The stable codes of the KQL validator's diagnostics, and which of them are syntax errors.
//!
//! Syntax codes mean the query does not parse (Microsoft's parser rejects it too); semantic
//! codes come from the schema and function checks and depend on what the workspace holds.

/// A quote that is never closed.
pub const UNTERMINATED_STRING: &str = "kql-unterminated-string";
/// A backslash escape that KQL strings do not have (`\q`).
pub const INVALID_ESCAPE: &str = "kql-invalid-escape";
/// A `(`, `[` or `{` without its partner, or a partner of the wrong kind.
pub const UNBALANCED_BRACKET: &str = "kql-unbalanced-bracket";
/// Brackets (or signs, `in` tests) nested beyond the parser's limit.
pub const NESTING_TOO_DEEP: &str = "kql-nesting-too-deep";
/// A query larger than the parser accepts.
pub const QUERY_TOO_LARGE: &str = "kql-query-too-large";
/// A word after `|` that is no tabular operator (`summarise`).
pub const UNKNOWN_OPERATOR: &str = "kql-unknown-operator";
/// Nothing after `|`.
pub const MISSING_OPERATOR: &str = "kql-missing-operator";
/// An operator or operand without the expression it needs (`where` with no predicate).
pub const MISSING_EXPRESSION: &str = "kql-missing-expression";
/// A keyword used as a name without brackets (`project first`).
pub const RESERVED_NAME: &str = "kql-reserved-name";
/// Any other syntax error: an unexpected token.
pub const SYNTAX: &str = "kql-syntax";

/// A table that neither the schema nor the query defines.
pub const UNKNOWN_TABLE: &str = "kql-unknown-table";
/// A column that the input of the operator does not have.
pub const UNKNOWN_COLUMN: &str = "kql-unknown-column";
/// A function that is neither built in nor defined by the query.
pub const UNKNOWN_FUNCTION: &str = "kql-unknown-function";
/// A built-in function called with too few or too many arguments.
pub const ARGUMENT_COUNT: &str = "kql-argument-count";

/// True for the codes that mean the query does not parse.
pub fn is_syntax_code(code: &str) -> bool {
    !matches!(
        code,
        UNKNOWN_TABLE | UNKNOWN_COLUMN | UNKNOWN_FUNCTION | ARGUMENT_COUNT
    )
}
