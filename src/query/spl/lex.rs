//! The lexical pass that runs before the grammar: quotes, comments, macros and the nesting of
//! parentheses and brackets.
//!
//! Takes: the search text. Gives: the backquoted macros found outside strings and comments
//! (for macro expansion), or diagnostics for what would make the grammar fail without saying
//! why: a quote, comment or macro never closed, a parenthesis or bracket without its partner,
//! and nesting deeper than [`MAX_NESTING`] (so that the recursive grammar never overflows the
//! stack). Spans are the byte positions this pass reads the characters at.

use crate::diagnostic::{Diagnostic, Span};

/// Deepest nesting of `(` and `[` accepted. Real searches stay below 20.
pub const MAX_NESTING: usize = 40;

/// What the lexical pass found.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Spans of backquoted macros (including the backquotes), outside strings and comments.
    pub macros: Vec<Span>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Scans `text` once. The state machine mirrors the grammar's tokens: `"..."` with backslash
/// escapes, ```` ``` ... ``` ```` comments, `` `macro` `` and, outside those, `\x` escapes.
pub fn scan(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let mut lexed = Lexed::default();
    // Open `(` and `[` with their positions.
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut deepest_reported = false;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => match closing_quote(bytes, index + 1) {
                Some(end) => index = end + 1,
                None => {
                    lexed.diagnostics.push(
                        Diagnostic::error("unbalanced-quote", "this quote is never closed")
                            .at(Span::new(index, index + 1), "string starts here")
                            .with_help(
                                "Splunk requires balanced double quotes; close the string with `\"` (write a literal quote as `\\\"`)",
                            ),
                    );
                    return lexed;
                }
            },
            b'`' if bytes[index..].starts_with(b"```") => match find(bytes, index + 3, b"```") {
                Some(end) => index = end + 3,
                None => {
                    lexed.diagnostics.push(
                        Diagnostic::error("unclosed-comment", "this comment is never closed")
                            .at(Span::new(index, index + 3), "comment starts here")
                            .with_help("a comment is written ```like this```"),
                    );
                    return lexed;
                }
            },
            b'`' => match closing_backquote(bytes, index + 1) {
                Some(end) => {
                    lexed.macros.push(Span::new(index, end + 1));
                    index = end + 1;
                }
                None => {
                    lexed.diagnostics.push(
                        Diagnostic::error("unbalanced-backquote", "this macro is never closed")
                            .at(Span::new(index, index + 1), "macro starts here")
                            .with_help("a macro call is written `name` or `name(arguments)` between backquotes"),
                    );
                    return lexed;
                }
            },
            opener @ (b'(' | b'[') => {
                open.push((opener, index));
                if open.len() > MAX_NESTING && !deepest_reported {
                    deepest_reported = true;
                    lexed.diagnostics.push(
                        Diagnostic::error(
                            "nesting-too-deep",
                            format!("parentheses and brackets are nested more than {MAX_NESTING} levels deep"),
                        )
                        .at(Span::new(index, index + 1), "too deep here")
                        .with_help("siemc stops here to bound its work; no real search nests this deep"),
                    );
                }
                index += 1;
            }
            closer @ (b')' | b']') => {
                let wanted = if closer == b')' { b'(' } else { b'[' };
                match open.pop() {
                    Some((opener, _)) if opener == wanted => {}
                    Some((opener, position)) => {
                        lexed
                            .diagnostics
                            .push(mismatch(opener, position, closer, index));
                        return lexed;
                    }
                    None => {
                        lexed.diagnostics.push(unopened(closer, index));
                        return lexed;
                    }
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    if let Some(&(opener, position)) = open.last() {
        lexed.diagnostics.push(unclosed(opener, position));
    }
    lexed
}

fn closing_quote(bytes: &[u8], mut index: usize) -> Option<usize> {
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// The backquote closing a macro; quotes inside the macro's arguments are skipped whole.
fn closing_backquote(bytes: &[u8], mut index: usize) -> Option<usize> {
    while index < bytes.len() {
        match bytes[index] {
            b'`' => return Some(index),
            b'"' => index = closing_quote(bytes, index + 1)? + 1,
            b'\\' => index += 2,
            _ => index += 1,
        }
    }
    None
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn names(opener: u8) -> (&'static str, &'static str, &'static str) {
    if opener == b'(' {
        ("unbalanced-parenthesis", "parenthesis", ")")
    } else {
        ("unbalanced-bracket", "bracket", "]")
    }
}

fn unclosed(opener: u8, position: usize) -> Diagnostic {
    let (code, noun, closer) = names(opener);
    Diagnostic::error(code, format!("this {noun} is never closed"))
        .at(Span::new(position, position + 1), "opened here")
        .with_help(format!("add the missing `{closer}`"))
}

fn unopened(closer: u8, position: usize) -> Diagnostic {
    let opener = if closer == b')' { b'(' } else { b'[' };
    let (code, noun, _) = names(opener);
    Diagnostic::error(code, format!("this closing {noun} has no opening one"))
        .at(Span::new(position, position + 1), "nothing to close")
        .with_help(format!(
            "remove it, or add the missing `{}`",
            opener as char
        ))
}

fn mismatch(opener: u8, open_position: usize, closer: u8, position: usize) -> Diagnostic {
    let (code, noun, expected) = names(opener);
    Diagnostic::error(
        code,
        format!(
            "`{}` closes a {noun} opened with `{}`",
            closer as char, opener as char
        ),
    )
    .at(
        Span::new(position, position + 1),
        format!("expected `{expected}` first"),
    )
    .with_note_at(Span::new(open_position, open_position + 1), "still open")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        scan(text).diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn balanced_text_has_no_diagnostic() {
        assert!(codes(r#"a="(" b=")" `m("x)")` ```(``` (c [d]) e\(f"#).is_empty());
    }

    #[test]
    fn each_imbalance_is_named() {
        assert_eq!(codes(r#"a="b"#), ["unbalanced-quote"]);
        assert_eq!(codes("(a"), ["unbalanced-parenthesis"]);
        assert_eq!(codes("a)"), ["unbalanced-parenthesis"]);
        assert_eq!(codes("[a)"), ["unbalanced-bracket"]);
        assert_eq!(codes("a ```b"), ["unclosed-comment"]);
        assert_eq!(codes("a `m"), ["unbalanced-backquote"]);
    }

    #[test]
    fn macros_are_found_outside_strings_and_comments() {
        let text = r#"`a` "`b`" ```c``` `d(1,")")`"#;
        let found: Vec<&str> = scan(text)
            .macros
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(found, ["`a`", r#"`d(1,")")`"#]);
    }

    #[test]
    fn deep_nesting_is_reported_once() {
        let text = "(".repeat(100_000) + &")".repeat(100_000);
        assert_eq!(codes(&text), ["nesting-too-deep"]);
    }
}
