//! rustc-style rendering: the message, `--> path:line:column`, the source line and a caret line
//! under the exact span, then the help.

use super::{Diagnostic, Severity};
use std::fmt::Write;

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[1;36m";
const BLUE: &str = "\x1b[1;34m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

struct Palette {
    enabled: bool,
}

impl Palette {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.enabled {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

/// Renders one diagnostic; `color` adds ANSI colours (the caller decides: terminal, NO_COLOR).
pub fn render_human(diagnostic: &Diagnostic, color: bool) -> String {
    let palette = Palette { enabled: color };
    let severity_style = match diagnostic.severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    };
    let mut out = String::new();
    let heading = format!("{}[{}]", diagnostic.severity, diagnostic.code);
    let _ = writeln!(
        out,
        "{}{}",
        palette.paint(severity_style, &heading),
        palette.paint(BOLD, &format!(": {}", diagnostic.message))
    );
    let Some(file) = diagnostic.file.as_ref() else {
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "  = {}: {help}", palette.paint(BOLD, "help"));
        }
        return out;
    };
    let mut labels: Vec<_> = diagnostic.labels.iter().collect();
    labels.sort_by_key(|label| label.span.start);
    let location = match diagnostic.start_position() {
        Some(position) => format!(
            "{}:{}:{}",
            file.display_path(),
            position.line,
            position.column
        ),
        None => file.display_path(),
    };
    let lines: Vec<usize> = labels
        .iter()
        .map(|label| file.line_column(label.span.start).line)
        .collect();
    let gutter_width = lines.iter().max().map_or(1, |line| line.to_string().len());
    let pad = " ".repeat(gutter_width);
    let _ = writeln!(out, "{pad}{} {location}", palette.paint(BLUE, "-->"));
    let bar = palette.paint(BLUE, "|");
    let _ = writeln!(out, "{pad} {bar}");
    for label in &labels {
        let start = file.line_column(label.span.start);
        let end = file.line_column(label.span.end);
        let (line_text, local_column) = file.line_at(label.span.start);
        let shown: String = line_text.replace('\t', " ");
        let line_chars = shown.chars().count();
        let caret_start = local_column - 1;
        let caret_len = if end.line == start.line {
            end.column.saturating_sub(start.column).max(1)
        } else {
            line_chars.saturating_sub(caret_start).max(1)
        };
        let marker = if label.primary { "^" } else { "-" };
        let style = if label.primary { severity_style } else { BLUE };
        let number = format!("{:>gutter_width$}", start.line);
        let _ = writeln!(out, "{} {bar} {shown}", palette.paint(BLUE, &number));
        let underline = marker.repeat(caret_len);
        let text = if label.message.is_empty() {
            underline
        } else {
            format!("{underline} {}", label.message)
        };
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat(caret_start),
            palette.paint(style, &text)
        );
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(out, "{pad} = {}: {help}", palette.paint(BOLD, "help"));
    }
    out
}
