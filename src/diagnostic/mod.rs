//! The one diagnostic model of siemc.
//!
//! Takes: problems found by any stage (YAML loader, rule model, condition parser, lowering,
//! mapping, backends), each with byte spans into a [`SourceFile`].
//! Gives: [`Diagnostic`] values that a renderer in this module turns into human, JSON or other
//! output formats. No stage formats locations itself: spans travel, renderers resolve them.

mod render_github;
mod render_human;
mod render_json;
mod render_junit;
mod render_sarif;
mod source;

pub use render_github::render_github;
pub use render_human::{is_bidi_control, render_human};
pub use render_json::{CheckJsonRecord, render_json_line};
pub use render_junit::{render_junit, xml_escape};
pub use render_sarif::render_sarif;
pub use source::{LineColumn, Origin, SourceFile};

use std::fmt;
use std::sync::Arc;

/// A byte range into a source file (start inclusive, end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The span covering both `self` and `other`.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// A sub-range of this span, given relative byte offsets, clamped to the span.
    pub fn slice(self, relative_start: usize, relative_end: usize) -> Span {
        let start = (self.start + relative_start).min(self.end);
        let end = (self.start + relative_end).min(self.end);
        Span::new(start, end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with a short explanation; the primary label is where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

/// A machine-applicable fix: write `replacement` in place of the bytes of `span` (in the
/// diagnostic's file). Editors offer it as a quick fix (`siemc lsp`); the help text says the same
/// in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    /// What the fix does, e.g. "replace `contians` with `contains`".
    pub title: String,
}

/// One problem, with where it is and how to fix it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable identifier, e.g. `unknown-modifier`; other tools match on it.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The file the spans point into; `None` for problems that belong to no file (usage, I/O).
    pub file: Option<Arc<SourceFile>>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Fixes that can be applied as they are (a did-you-mean rename, an escape, a quoting).
    /// A boxed slice keeps `Diagnostic` small: it travels in every `Result` of the stages.
    pub suggestions: Box<[Suggestion]>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            file: None,
            labels: Vec::new(),
            help: None,
            suggestions: Box::default(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn in_file(mut self, file: &Arc<SourceFile>) -> Diagnostic {
        self.file = Some(Arc::clone(file));
        self
    }

    /// Adds the primary label: the exact place of the problem.
    pub fn at(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label: related context.
    pub fn with_note_at(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a fix: `replacement` in place of the bytes of `span`.
    pub fn with_suggestion(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        title: impl Into<String>,
    ) -> Diagnostic {
        let mut suggestions = std::mem::take(&mut self.suggestions).into_vec();
        suggestions.push(Suggestion {
            span,
            replacement: replacement.into(),
            title: title.into(),
        });
        self.suggestions = suggestions.into_boxed_slice();
        self
    }

    /// Adds the fix "replace `word` with `replacement`", only when the diagnostic's file holds
    /// exactly `word` at `span` (a span derived from a quoted or escaped YAML value may cover
    /// more than the word, and a fix must never rewrite the wrong characters).
    pub fn with_rename(self, span: Span, word: &str, replacement: &str) -> Diagnostic {
        let exact = self
            .file
            .as_ref()
            .is_some_and(|f| f.text.get(span.start..span.end) == Some(word));
        if !exact {
            return self;
        }
        let title = format!("replace `{word}` with `{replacement}`");
        self.with_suggestion(span, replacement, title)
    }

    /// Adds the fix "write `value`" for the YAML scalar at `span`, in the quoting style the
    /// scalar is written in (plain, single or double quotes); block scalars get no fix.
    pub fn with_scalar_replacement(self, span: Span, value: &str) -> Diagnostic {
        let Some(raw) = self
            .file
            .as_ref()
            .and_then(|f| f.text.get(span.start..span.end))
        else {
            return self;
        };
        let written = match raw.chars().next() {
            Some('\'') => format!("'{}'", value.replace('\'', "''")),
            Some('"') => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
            Some('|' | '>') | None => return self,
            Some(_) if plain_yaml_safe(value) => value.to_string(),
            Some(_) => format!("'{}'", value.replace('\'', "''")),
        };
        let title = format!("replace `{raw}` with `{written}`");
        self.with_suggestion(span, written, title)
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|label| label.primary)
            .or(self.labels.first())
            .map(|label| label.span)
    }

    /// 1-based line and column of the primary span's start, when the diagnostic has a file.
    pub fn start_position(&self) -> Option<LineColumn> {
        let file = self.file.as_ref()?;
        self.primary_span().map(|span| file.line_column(span.start))
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether `value` reads back as the same string when written as a plain YAML scalar.
fn plain_yaml_safe(value: &str) -> bool {
    let first_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || "_./\\$(".contains(c));
    let scalar = crate::yaml::Scalar {
        text: value.to_string(),
        plain: true,
    };
    let core_schema_string = matches!(scalar.value(), crate::yaml::ScalarValue::String(_));
    first_ok
        && core_schema_string
        && value.trim() == value
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains(['\n', '\t'])
}

/// Collects diagnostics of one stage; stages return it beside their result.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Removes and returns the diagnostics from index `at` on.
    pub fn split_off(&mut self, at: usize) -> Diagnostics {
        Diagnostics {
            items: self.items.split_off(at),
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
