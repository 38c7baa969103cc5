//! Query validators: hand-written or generated KQL and SPL, checked offline.
//!
//! Takes: one query as a [`SourceFile`](crate::diagnostic::SourceFile) whose text is the query.
//! Gives: diagnostics with spans into that text (syntax errors, unknown names, ...).

pub mod kql;
pub mod spl;
