//! GitHub Actions workflow commands: `::error file=...,line=...,col=...::message`.

use super::{Diagnostic, Severity};

/// One workflow-command line (without the newline) for a diagnostic.
pub fn render_github(diagnostic: &Diagnostic) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    if let Some(file) = &diagnostic.file {
        properties.push(format!("file={}", escape_property(&file.display_path())));
        if let Some(span) = diagnostic.primary_span() {
            let start = file.line_column(span.start);
            let end = file.line_column(span.end);
            properties.push(format!("line={}", start.line));
            properties.push(format!("col={}", start.column));
            properties.push(format!("endLine={}", end.line));
            properties.push(format!("endColumn={}", end.column));
        }
    }
    properties.push(format!("title={}", escape_property(diagnostic.code)));
    // Control and bidirectional characters of rule text escaped, as in the human rendering.
    let mut message = super::render_human::visible(&diagnostic.message);
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {}", super::render_human::visible(help)));
    }
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

// Escapes of GitHub's workflow-command format (toolkit's command.ts).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{SourceFile, Span};
    use std::sync::Arc;

    #[test]
    fn escapes_and_positions() {
        let file = Arc::new(SourceFile::new("a,b.yml", "x: 1\ny: 2\n"));
        let diagnostic = Diagnostic::error("some-code", "bad\nvalue: 100%")
            .in_file(&file)
            .at(Span::new(5, 6), "");
        assert_eq!(
            render_github(&diagnostic),
            "::error file=a%2Cb.yml,line=2,col=1,endLine=2,endColumn=2,title=some-code::bad%0Avalue: 100%25"
        );
    }
}
