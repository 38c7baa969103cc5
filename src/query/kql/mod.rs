//! The KQL validator (issue 4): parser, syntax tree and checks.
//!
//! Takes: one query (the whole text of a [`SourceFile`]) and what the workspace holds
//! ([`KqlCheckOptions`]: table schemas). Gives: diagnostics with byte spans into the query:
//! syntax errors (always errors) from [`parse`], then schema and function findings from
//! [`check`].
//!
//! | module | does |
//! |---|---|
//! | `grammar/kql.pest` | the grammar |
//! | [`parse`] | text → [`ast::Query`], syntax errors that name the mistake |
//! | [`check`] | tables, columns, functions and argument counts |
//! | [`functions`] | the table of built-in functions with their arities |
//! | [`mutate`] | seeded mutations of valid queries, for differential tests |

pub mod ast;
pub mod check;
pub mod diagnostics;
pub mod functions;
pub mod mutate;
pub mod parse;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::mapping::SentinelSchema;
use std::path::Path;
use std::sync::Arc;

/// What the KQL checks know about the workspace.
pub struct KqlCheckOptions {
    /// Table schemas: the built-in Sentinel tables, or the ones of `--schema FILE` added to them.
    pub schema: Arc<SentinelSchema>,
}

impl KqlCheckOptions {
    /// Options from the command line (`--schema FILE`, default the built-in Sentinel schema).
    /// A schema file adds its tables to the built-in ones (a table in both: the file's columns).
    pub fn from_schema_file(schema: Option<&Path>) -> Result<KqlCheckOptions, Diagnostic> {
        let Some(path) = schema else {
            return Ok(KqlCheckOptions::builtin());
        };
        let text = std::fs::read_to_string(path).map_err(|error| {
            Diagnostic::error(
                "io-error",
                format!("cannot read schema file {}: {error}", path.display()),
            )
        })?;
        let custom = SentinelSchema::from_json(&text).map_err(|error| {
            Diagnostic::error(
                "schema-invalid",
                format!(
                    "{}: not a schema (expected {{\"Table\": [{{\"name\", \"type\"}}]}}): {error}",
                    path.display()
                ),
            )
        })?;
        Ok(KqlCheckOptions {
            schema: Arc::new(SentinelSchema::builtin().merged_with(custom)),
        })
    }

    /// The built-in Sentinel schema only.
    pub fn builtin() -> KqlCheckOptions {
        static BUILTIN: std::sync::OnceLock<Arc<SentinelSchema>> = std::sync::OnceLock::new();
        KqlCheckOptions {
            schema: Arc::clone(BUILTIN.get_or_init(|| {
                Arc::new(SentinelSchema::builtin().merged_with(SentinelSchema::default()))
            })),
        }
    }
}

/// Validates one KQL query (the whole text of `source`): syntax errors, or else the findings of
/// the schema and function checks.
pub fn check_query(source: &Arc<SourceFile>, options: &KqlCheckOptions) -> Vec<Diagnostic> {
    match parse::parse_query(source) {
        Ok(query) => check::check(source, &query, &options.schema),
        Err(errors) => errors,
    }
}

/// Syntax diagnostics only (no schema): what `siemc compile` checks on generated queries.
pub fn syntax_diagnostics(source: &Arc<SourceFile>) -> Vec<Diagnostic> {
    match parse::parse_query(source) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}
