//! The SPL validator (issue 5): parser, AST and checks. Placeholder until the validator lands.

use crate::diagnostic::{Diagnostic, SourceFile};
use std::path::Path;
use std::sync::Arc;

/// What the SPL checks know: macro definitions (`--macros FILE`).
pub struct SplCheckOptions {}

impl SplCheckOptions {
    /// Options from the command line (`--macros FILE`: JSON Lines like escu-macros.jsonl, or macros.conf).
    pub fn from_macros_file(_macros: Option<&Path>) -> Result<SplCheckOptions, Diagnostic> {
        Ok(SplCheckOptions {})
    }
}

/// Validates one SPL search (the whole text of `source`).
pub fn check_query(_source: &Arc<SourceFile>, _options: &SplCheckOptions) -> Vec<Diagnostic> {
    Vec::new()
}
