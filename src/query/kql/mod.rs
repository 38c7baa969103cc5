//! The KQL validator (issue 4): parser, AST and checks. Placeholder until the validator lands.

use crate::diagnostic::{Diagnostic, SourceFile};
use std::path::Path;
use std::sync::Arc;

/// What the KQL checks know about the workspace.
pub struct KqlCheckOptions {}

impl KqlCheckOptions {
    /// Options from the command line (`--schema FILE`, default the built-in Sentinel schema).
    pub fn from_schema_file(_schema: Option<&Path>) -> Result<KqlCheckOptions, Diagnostic> {
        Ok(KqlCheckOptions {})
    }
}

/// Validates one KQL query (the whole text of `source`).
pub fn check_query(_source: &Arc<SourceFile>, _options: &KqlCheckOptions) -> Vec<Diagnostic> {
    Vec::new()
}
