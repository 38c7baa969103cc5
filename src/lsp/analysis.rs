//! Checking one document: the linter of `siemc check` over the editor's text, its diagnostics
//! as LSP diagnostics.
//!
//! Takes: a [`Document`] and the identities of the other documents and workspace files.
//! Gives: an [`Analysis`]: every finding with its LSP range (UTF-16), code, help and fixes, the
//! document's ids and names, and the problems of the `siemc.toml` that applies.

use super::position::LineIndex;
use super::workspace::Document;
use crate::diagnostic::{Diagnostic, Severity, SourceFile, Span};
use crate::lint::{Identity, Linter};
use crate::rule::{self, MAX_FILE_BYTES};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};
use std::sync::Arc;

/// The result of checking one version of a document.
pub struct Analysis {
    pub version: i32,
    /// The checked text (diagnostic spans point into it).
    pub file: Arc<SourceFile>,
    pub findings: Vec<Finding>,
    pub identities: Vec<Identity>,
    /// The document holds a correlation rule (its references depend on other documents).
    pub has_correlation: bool,
    /// Problems of the `siemc.toml` files that apply (published on those files).
    pub config_problems: Vec<Diagnostic>,
}

/// One diagnostic of `siemc check` and its LSP form.
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub lsp: lsp_types::Diagnostic,
}

/// Checks a document as `siemc check` checks a file among `context` (the other files).
pub fn check(linter: &Linter, document: &Document, context: &[Identity]) -> Analysis {
    let has_correlation =
        document.text.starts_with("correlation:") || document.text.contains("\ncorrelation:");
    let (file, outcome) = match source(document) {
        Ok(file) => {
            let outcome = linter.check_source_in(&file, context);
            (file, outcome)
        }
        Err(diagnostic) => {
            let file = diagnostic
                .file
                .clone()
                .unwrap_or_else(|| Arc::new(SourceFile::new(&document.path, String::new())));
            let outcome = crate::lint::LintOutcome {
                diagnostics: vec![diagnostic],
                ..Default::default()
            };
            (file, outcome)
        }
    };
    let findings = outcome
        .diagnostics
        .into_iter()
        .map(|diagnostic| Finding {
            lsp: to_lsp(&diagnostic, &document.uri, &file.text, &document.index),
            diagnostic,
        })
        .collect();
    Analysis {
        version: document.version,
        file,
        findings,
        identities: outcome.identities,
        has_correlation,
        config_problems: outcome.config_problems,
    }
}

/// The analysis of a document the checker failed on: one diagnostic saying so.
pub fn failed(document: &Document) -> Analysis {
    let file = Arc::new(SourceFile::new(&document.path, document.text.clone()));
    let diagnostic = Diagnostic::error(
        "internal-error",
        "siemc failed while checking this document; please report it with the document",
    )
    .in_file(&file)
    .at(Span::new(0, 0), "");
    Analysis {
        version: document.version,
        findings: vec![Finding {
            lsp: to_lsp(&diagnostic, &document.uri, &file.text, &document.index),
            diagnostic,
        }],
        file,
        identities: Vec::new(),
        has_correlation: false,
        config_problems: Vec::new(),
    }
}

/// The document as a checkable source, or the diagnostic `siemc check` gives such a file
/// (too large, binary).
fn source(document: &Document) -> Result<Arc<SourceFile>, Diagnostic> {
    let size = document.text.len() as u64;
    if size > MAX_FILE_BYTES {
        let file = Arc::new(SourceFile::new(&document.path, String::new()));
        return Err(Diagnostic::error(
            "file-too-large",
            format!(
                "{}: document is {size} bytes; rule files are limited to {MAX_FILE_BYTES} bytes",
                document.path.display()
            ),
        )
        .in_file(&file)
        .at(Span::new(0, 0), "too large to check")
        .with_help("split the file, or check that it really is a rule file"));
    }
    if document.text.contains('\0') {
        return rule::source_from_bytes(&document.path, document.text.as_bytes().to_vec());
    }
    Ok(document.source())
}

/// A siemc diagnostic as an LSP diagnostic of the document `uri` whose text is `text`.
pub fn to_lsp(
    diagnostic: &Diagnostic,
    uri: &Uri,
    text: &str,
    index: &LineIndex,
) -> lsp_types::Diagnostic {
    let span = diagnostic.primary_span().unwrap_or_default();
    let range = index.range(text, span.start, span.end);
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|label| !label.primary && !label.message.is_empty())
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(
                uri.clone(),
                index.range(text, label.span.start, label.span.end),
            ),
            message: label.message.clone(),
        })
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let fixes: Vec<serde_json::Value> = diagnostic
        .suggestions
        .iter()
        .map(|s| {
            serde_json::json!({
                "title": s.title,
                "range": index.range(text, s.span.start, s.span.end),
                "newText": s.replacement,
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        code_description: None,
        source: Some("siemc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: (!fixes.is_empty()).then(|| serde_json::json!({ "fixes": fixes })),
    }
}
