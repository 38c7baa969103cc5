//! The JSON Lines contract of `check --format json` (DESIGN.md §2): one object per diagnostic.

use super::Diagnostic;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CheckJsonRecord {
    pub path: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl CheckJsonRecord {
    pub fn from_diagnostic(diagnostic: &Diagnostic) -> CheckJsonRecord {
        let file = diagnostic.file.as_ref();
        let span = diagnostic.primary_span();
        let start = file.zip(span).map(|(f, s)| f.line_column(s.start));
        let end = file.zip(span).map(|(f, s)| f.line_column(s.end));
        let message = match &diagnostic.help {
            Some(help) => format!("{} (help: {help})", diagnostic.message),
            None => diagnostic.message.clone(),
        };
        CheckJsonRecord {
            path: file.map(|f| f.display_path()),
            line: start.map(|p| p.line),
            column: start.map(|p| p.column),
            end_line: end.map(|p| p.line),
            end_column: end.map(|p| p.column),
            severity: diagnostic.severity.as_str(),
            code: diagnostic.code,
            message,
        }
    }
}

/// One JSON line (without the newline) for a diagnostic.
pub fn render_json_line(diagnostic: &Diagnostic) -> String {
    serde_json::to_string(&CheckJsonRecord::from_diagnostic(diagnostic))
        .expect("a record of strings and numbers always serializes")
}
