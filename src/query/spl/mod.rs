//! The SPL validator: Splunk searches checked offline.
//!
//! Takes: one search (the whole text of a [`SourceFile`]) and [`SplCheckOptions`] (macro
//! definitions from `--macros`). Gives: diagnostics with spans into that text.
//!
//! Steps, each in its own module:
//! 1. [`lex`]: quotes, comments, macros, parenthesis/bracket balance and depth (so the
//!    recursive grammar below never overflows the stack);
//! 2. [`macros`]: with `--macros`, backquoted macros are expanded (recursively, bounded), and a
//!    source map takes spans back to the original text; without it they stay opaque fragments;
//! 3. [`parse`]: the pest grammar `grammar/spl.pest` to the syntax tree of [`ast`];
//! 4. [`check`]: the command catalogue ([`commands`]), the function catalogue ([`functions`])
//!    and warnings.

pub mod ast;
pub mod check;
pub mod commands;
pub mod functions;
pub mod lex;
pub mod macros;
pub mod parse;

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use macros::Macros;
use std::path::Path;
use std::sync::Arc;

/// Largest search checked. Splunk's own searches are a few kilobytes; beyond this the
/// validator stops with a diagnostic instead of spending time and memory.
pub const MAX_QUERY_BYTES: usize = 4 * 1024 * 1024;

/// What the SPL checks know: macro definitions (`--macros FILE`).
#[derive(Debug, Default)]
pub struct SplCheckOptions {
    /// `None`: macros are opaque search fragments.
    pub macros: Option<Macros>,
}

impl SplCheckOptions {
    /// Options from the command line (`--macros FILE`: JSON Lines like escu-macros.jsonl, or macros.conf).
    pub fn from_macros_file(macros: Option<&Path>) -> Result<SplCheckOptions, Diagnostic> {
        Ok(SplCheckOptions {
            macros: macros.map(Macros::load).transpose()?,
        })
    }

    /// Options from several macro files (`--macros A --macros B`): a later file's definition
    /// of the same name and argument count wins, as a local macros.conf over a default one.
    /// No file: macros are opaque.
    pub fn from_macros_files(paths: &[impl AsRef<Path>]) -> Result<SplCheckOptions, Diagnostic> {
        let mut merged: Option<Macros> = None;
        for path in paths {
            let loaded = Macros::load(path.as_ref())?;
            match &mut merged {
                Some(macros) => macros.merge(loaded),
                None => merged = Some(loaded),
            }
        }
        Ok(SplCheckOptions { macros: merged })
    }
}

/// Validates one SPL search (the whole text of `source`).
pub fn check_query(source: &Arc<SourceFile>, options: &SplCheckOptions) -> Vec<Diagnostic> {
    let text = source.text.as_str();
    if text.len() > MAX_QUERY_BYTES {
        return vec![
            Diagnostic::error(
                "query-too-large",
                format!(
                    "the search is {} bytes; siemc checks searches up to {MAX_QUERY_BYTES} bytes",
                    text.len()
                ),
            )
            .in_file(source)
            .at(Span::new(0, 0), "this search")
            .with_help("is this really one search? split the file"),
        ];
    }
    let lexed = lex::scan(text);
    if !lexed.diagnostics.is_empty() {
        return attach(lexed.diagnostics, source);
    }
    let Some(macros) = &options.macros else {
        return attach(check_text(text), source);
    };
    let expansion = macros::expand(text, &lexed.macros, macros);
    let mut diagnostics = attach(expansion.diagnostics, source);
    let relexed = lex::scan(&expansion.text);
    let found = if relexed.diagnostics.is_empty() {
        check_text(&expansion.text)
    } else {
        relexed.diagnostics
    };
    for mut diagnostic in found {
        for label in &mut diagnostic.labels {
            let (span, in_macro) = expansion.map.original(label.span);
            label.span = span;
            if in_macro {
                label.message = format!("in this macro's expansion: {}", label.message);
            }
        }
        diagnostics.push(diagnostic.in_file(source));
    }
    diagnostics
}

/// Parses and checks a search whose lexical structure is sound; spans are into `text`.
fn check_text(text: &str) -> Vec<Diagnostic> {
    match parse::parse_query(text) {
        Ok(pipeline) => check::check_pipeline(&pipeline, text),
        Err(error) => vec![
            Diagnostic::error("syntax-error", error.message.clone())
                .at(error.span, "here")
                .with_help("see the Splunk Search Reference for the command's syntax"),
        ],
    }
}

fn attach(diagnostics: Vec<Diagnostic>, source: &Arc<SourceFile>) -> Vec<Diagnostic> {
    diagnostics.into_iter().map(|d| d.in_file(source)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<Diagnostic> {
        let file = Arc::new(SourceFile::new("test.spl", text));
        check_query(&file, &SplCheckOptions::default())
    }

    fn errors(text: &str) -> Vec<&'static str> {
        check(text)
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn valid_searches_have_no_errors() {
        for text in [
            "index=main sourcetype=x | stats count by host",
            "| tstats count from datamodel=Endpoint.Processes where Processes.process_name IN (\"a.exe\", \"b.exe\") by Processes.dest span=1h",
            "`sysmon` EventCode=1 | eval x=if(match(a, \"b\"), 1, 0), y=a.\"-\".b | where x=1 AND y!=\"\"",
            "search a OR b NOT c | rename a AS b, \"c d\" AS e | table a, b",
        ] {
            assert_eq!(errors(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn the_listed_mistakes_are_named() {
        assert_eq!(errors("a=\"b | stats count"), ["unbalanced-quote"]);
        assert_eq!(errors("a=(b | stats count"), ["unbalanced-parenthesis"]);
        assert_eq!(errors("a | stast count"), ["unknown-command"]);
        assert_eq!(errors("a | eval x=lenght(y)"), ["unknown-function"]);
        assert_eq!(errors("a | eval x=if(a, b)"), ["wrong-argument-count"]);
        assert_eq!(errors("a | rename"), ["missing-argument"]);
        assert_eq!(errors("a IN \"b\""), ["in-without-parentheses"]);
        assert_eq!(errors("a | stats count |"), ["empty-stage"]);
    }

    #[test]
    fn deep_nesting_is_a_diagnostic() {
        for (open, close) in [("(", ")"), ("[", "]")] {
            let text = format!("a {}b{}", open.repeat(100_000), close.repeat(100_000));
            assert_eq!(errors(&text), ["nesting-too-deep"]);
        }
        // Right at the limit the grammar still runs.
        let text = format!(
            "a {}b{}",
            "(".repeat(lex::MAX_NESTING),
            ")".repeat(lex::MAX_NESTING)
        );
        assert_eq!(errors(&text), Vec::<&str>::new());
        let text = format!(
            "| eval x={}1{}",
            "(".repeat(lex::MAX_NESTING),
            ")".repeat(lex::MAX_NESTING)
        );
        assert_eq!(errors(&text), Vec::<&str>::new());
    }

    #[test]
    fn long_flat_input_is_fine() {
        let text = "NOT ".repeat(50_000) + "a";
        assert_eq!(errors(&text), Vec::<&str>::new());
        let text = format!("| eval x={}1", "-".repeat(50_000));
        assert_eq!(errors(&text), Vec::<&str>::new());
    }

    #[test]
    fn a_huge_search_is_refused_with_a_diagnostic() {
        let text = "a ".repeat(5 * 1024 * 1024);
        assert_eq!(errors(&text), ["query-too-large"]);
    }

    #[test]
    fn invalid_utf8_and_control_characters_are_handled() {
        let bytes = b"index=\xff\xfe | eval x=\"\x01\xc3\" | stats count by \x00";
        let text = String::from_utf8_lossy(bytes);
        let _ = check(&text);
    }

    #[test]
    fn expanded_macros_map_back_to_the_call() {
        let mut set = Macros::default();
        set.insert(macros::MacroDefinition {
            name: "bad".into(),
            arguments: vec![],
            definition: "stats nosuchfn(x)".into(),
            is_eval: false,
        });
        let file = Arc::new(SourceFile::new("t.spl", "index=a | `bad`"));
        let options = SplCheckOptions { macros: Some(set) };
        let found = check_query(&file, &options);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "unknown-stats-function");
        assert_eq!(found[0].primary_span(), Some(Span::new(10, 15)));
    }
}
