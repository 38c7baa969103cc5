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

/// Longest source line shown whole; a longer one is shown around the span.
const MAX_SHOWN: usize = 200;
/// Characters shown on each side of the span in a long line.
const CONTEXT: usize = 60;

/// A bidirectional control character: it reorders how the text around it is displayed
/// without showing itself (the "Trojan Source" trick).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A character as it may reach a terminal: a control character (ESC, BEL, ...) or a
/// bidirectional control (U+202E, U+2066, ...: the "Trojan Source" reordering) is written as
/// its escape, so rule text can neither drive the terminal nor reorder what the reader sees.
pub fn visible_char(c: char) -> std::borrow::Cow<'static, str> {
    match c {
        '\t' => " ".into(),
        // A line break in a message is layout, not a terminal command.
        '\n' => "\n".into(),
        c if c.is_control() || is_bidi_control(c) => format!("\\u{{{:x}}}", c as u32).into(),
        c => c.to_string().into(),
    }
}

/// Text with every character made [`visible_char`].
pub fn visible(text: &str) -> String {
    text.chars().map(visible_char).collect()
}

/// A source line as shown under the location: characters made visible, and a long line cut
/// to the span and some context around it (`…` where it is cut). Returns the text and the
/// span's display column (0-based) and width.
fn shown_line(line: &str, span_start: usize, span_len: usize) -> (String, usize, usize) {
    let pieces: Vec<std::borrow::Cow<'static, str>> = line.chars().map(visible_char).collect();
    let span_start = span_start.min(pieces.len());
    let span_end = (span_start + span_len).min(pieces.len());
    let (from, to) = if pieces.len() > MAX_SHOWN {
        (
            span_start.saturating_sub(CONTEXT),
            (span_end + CONTEXT).min(pieces.len()),
        )
    } else {
        (0, pieces.len())
    };
    let width = |range: &[std::borrow::Cow<'static, str>]| -> usize {
        range.iter().map(|p| p.chars().count()).sum()
    };
    let mut text = String::new();
    if from > 0 {
        text.push('…');
    }
    let column = usize::from(from > 0) + width(&pieces[from..span_start]);
    for piece in &pieces[from..to] {
        text.push_str(piece);
    }
    if to < pieces.len() {
        text.push('…');
    }
    (text, column, width(&pieces[span_start..span_end]).max(1))
}

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
        palette.paint(BOLD, &format!(": {}", visible(&diagnostic.message)))
    );
    let help = diagnostic.help.as_deref().map(visible);
    let Some(file) = diagnostic.file.as_ref() else {
        if let Some(help) = &help {
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
        let line_chars = line_text.chars().count();
        let span_start = local_column - 1;
        let span_len = if end.line == start.line {
            end.column.saturating_sub(start.column).max(1)
        } else {
            line_chars.saturating_sub(span_start).max(1)
        };
        let (shown, caret_start, caret_len) = shown_line(line_text, span_start, span_len);
        let marker = if label.primary { "^" } else { "-" };
        let style = if label.primary { severity_style } else { BLUE };
        let number = format!("{:>gutter_width$}", start.line);
        let _ = writeln!(out, "{} {bar} {shown}", palette.paint(BLUE, &number));
        let underline = marker.repeat(caret_len);
        let text = if label.message.is_empty() {
            underline
        } else {
            format!("{underline} {}", visible(&label.message))
        };
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat(caret_start),
            palette.paint(style, &text)
        );
    }
    if let Some(help) = &help {
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(out, "{pad} = {}: {help}", palette.paint(BOLD, "help"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{SourceFile, Span};
    use std::sync::Arc;

    /// ESC, BEL and U+202E in a rule reach no terminal: they are shown escaped, the caret still
    /// under the span; a 1 MB line is shown around the span, not whole.
    #[test]
    fn source_lines_are_escaped_and_cut() {
        let text = "title: x\x1b[31m\x07 \u{202e}evil\n";
        let file = Arc::new(SourceFile::new("r.yml", text));
        let at = text.find("evil").unwrap();
        let d = Diagnostic::error("x", "bad `\x1b]0;title\x07`")
            .in_file(&file)
            .at(Span::new(at, at + 4), "here");
        let shown = render_human(&d, false);
        assert!(
            !shown.contains('\x1b') && !shown.contains('\x07') && !shown.contains('\u{202e}'),
            "{shown}"
        );
        assert!(
            shown.contains("title: x\\u{1b}[31m\\u{7} \\u{202e}evil"),
            "{shown}"
        );
        let source = shown.lines().find(|l| l.contains("evil")).unwrap();
        let caret = shown.lines().find(|l| l.contains("^^^^")).unwrap();
        assert_eq!(source.find("evil"), caret.find('^'), "{shown}");
        let long = format!("{}needle{}", "a".repeat(1_000_000), "b".repeat(1_000_000));
        let file = Arc::new(SourceFile::new("r.yml", long.clone()));
        let at = long.find("needle").unwrap();
        let d = Diagnostic::error("x", "m")
            .in_file(&file)
            .at(Span::new(at, at + 6), "");
        let shown = render_human(&d, false);
        assert!(shown.len() < 1_000, "{} bytes", shown.len());
        let source = shown.lines().find(|l| l.contains("needle")).unwrap();
        let caret = shown.lines().find(|l| l.contains("^^^^^^")).unwrap();
        assert_eq!(
            source.chars().position(|c| c == 'n'),
            caret.chars().position(|c| c == '^')
        );
    }
}
