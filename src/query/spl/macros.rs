//! Search macros: definitions from `--macros FILE`, and their expansion.
//!
//! Takes: a macros file (JSON Lines `{"name", "definition", "arguments"}` as in Splunk's
//! security_content, or Splunk's `macros.conf`), and a search with the spans of its macro calls.
//! Gives: the expanded search text and a [`SourceMap`] that takes every span of the expanded
//! text back to the original search (text from a macro maps to the macro call).
//!
//! Splunk expands a macro by pasting its definition, with `$arg$` replaced by the call's
//! arguments, and expands the macros that result, recursively (Knowledge Manager Manual,
//! "Use search macros in searches"). A macro is identified by its name and argument count.

use super::lex;
use super::parse::parse_macro_call;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Deepest chain of macros calling macros.
pub const MAX_MACRO_DEPTH: usize = 20;
/// Largest expanded search; a macro calling itself twice would otherwise double it per level.
pub const MAX_EXPANDED_BYTES: usize = 4 * 1024 * 1024;
/// Most macro calls expanded in one search (a macro calling itself twice doubles per level).
pub const MAX_EXPANSIONS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct MacroDefinition {
    pub name: String,
    pub arguments: Vec<String>,
    pub definition: String,
}

/// Macro definitions keyed by name and argument count.
#[derive(Debug, Default)]
pub struct Macros {
    definitions: HashMap<(String, usize), MacroDefinition>,
}

impl Macros {
    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    pub fn insert(&mut self, definition: MacroDefinition) {
        let key = (definition.name.clone(), definition.arguments.len());
        self.definitions.insert(key, definition);
    }

    pub fn get(&self, name: &str, arguments: usize) -> Option<&MacroDefinition> {
        self.definitions.get(&(name.to_string(), arguments))
    }

    /// Reads a macros file: JSON Lines when the first non-blank character is `{`, otherwise
    /// `macros.conf`.
    pub fn load(path: &Path) -> Result<Macros, Diagnostic> {
        let bytes = std::fs::read(path).map_err(|error| {
            Diagnostic::error(
                "io-error",
                format!("cannot read macros file {}: {error}", path.display()),
            )
        })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let file = Arc::new(SourceFile::new(path, text));
        if file.text.trim_start().starts_with('{') {
            Macros::from_json_lines(&file)
        } else {
            Macros::from_conf(&file)
        }
    }

    /// `{"name": "m", "definition": "...", "arguments": ["a", "b"]}` per line.
    pub fn from_json_lines(file: &Arc<SourceFile>) -> Result<Macros, Diagnostic> {
        let mut macros = Macros::default();
        let mut offset = 0;
        for line in file.text.split_inclusive('\n') {
            let span = Span::new(offset, offset + line.trim_end().len());
            offset += line.len();
            if line.trim().is_empty() {
                continue;
            }
            let invalid = |message: String| {
                Diagnostic::error("invalid-macros-file", message)
                    .in_file(file)
                    .at(span, "in this line")
                    .with_help(
                        "each line is {\"name\": ..., \"definition\": ..., \"arguments\": [...]}",
                    )
            };
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| invalid(format!("not JSON: {e}")))?;
            let name = value["name"]
                .as_str()
                .ok_or_else(|| invalid("no \"name\"".to_string()))?;
            let definition = value["definition"]
                .as_str()
                .ok_or_else(|| invalid(format!("macro `{name}` has no \"definition\"")))?;
            let arguments = match &value["arguments"] {
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| invalid(format!("macro `{name}`: arguments are not strings")))?,
                serde_json::Value::Null => match value["args"].as_str() {
                    Some(list) => split_arguments(list),
                    None => Vec::new(),
                },
                _ => {
                    return Err(invalid(format!(
                        "macro `{name}`: \"arguments\" is not a list"
                    )));
                }
            };
            macros.insert(MacroDefinition {
                name: name.to_string(),
                arguments,
                definition: definition.to_string(),
            });
        }
        Ok(macros)
    }

    /// `[name(2)]` stanzas with `definition = ...` and `args = a, b`; a line ending in `\`
    /// continues on the next line.
    pub fn from_conf(file: &Arc<SourceFile>) -> Result<Macros, Diagnostic> {
        let mut macros = Macros::default();
        let mut stanza: Option<(String, Option<usize>, Span)> = None;
        let mut definition: Option<String> = None;
        let mut arguments: Vec<String> = Vec::new();
        let mut offset = 0;
        let mut lines = file.text.split_inclusive('\n').peekable();
        let finish = |stanza: &Option<(String, Option<usize>, Span)>,
                      definition: Option<String>,
                      arguments: Vec<String>,
                      macros: &mut Macros|
         -> Result<(), Diagnostic> {
            let Some((name, count, span)) = stanza else {
                return Ok(());
            };
            let Some(definition) = definition else {
                return Ok(());
            };
            if let Some(count) = count
                && *count != arguments.len()
            {
                return Err(Diagnostic::error(
                    "invalid-macros-file",
                    format!(
                        "macro `{name}` is declared with {count} arguments but `args` names {}",
                        arguments.len()
                    ),
                )
                .in_file(file)
                .at(*span, "this stanza"));
            }
            macros.insert(MacroDefinition {
                name: name.clone(),
                arguments,
                definition,
            });
            Ok(())
        };
        while let Some(line) = lines.next() {
            let line_span = Span::new(offset, offset + line.trim_end().len());
            offset += line.len();
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
                finish(
                    &stanza,
                    definition.take(),
                    std::mem::take(&mut arguments),
                    &mut macros,
                )?;
                let (name, count) = match header.split_once('(') {
                    Some((name, rest)) => {
                        let count =
                            rest.trim_end_matches(')')
                                .trim()
                                .parse::<usize>()
                                .map_err(|_| {
                                    Diagnostic::error(
                                        "invalid-macros-file",
                                        "a macro stanza is `[name]` or `[name(N)]`",
                                    )
                                    .in_file(file)
                                    .at(line_span, "this stanza")
                                })?;
                        (name.trim().to_string(), Some(count))
                    }
                    None => (header.trim().to_string(), None),
                };
                stanza = Some((name, count, line_span));
                continue;
            }
            let Some((key, value)) = trimmed.split_once('=') else {
                return Err(
                    Diagnostic::error("invalid-macros-file", "expected `key = value`")
                        .in_file(file)
                        .at(line_span, "this line"),
                );
            };
            let mut value = value.trim().to_string();
            while value.ends_with('\\') {
                value.pop();
                match lines.next() {
                    Some(next) => {
                        offset += next.len();
                        value.push('\n');
                        value.push_str(next.trim_end_matches(['\n', '\r']));
                    }
                    None => break,
                }
            }
            match key.trim() {
                "definition" => definition = Some(value),
                "args" => arguments = split_arguments(&value),
                _ => {}
            }
        }
        finish(&stanza, definition, arguments, &mut macros)?;
        Ok(macros)
    }
}

fn split_arguments(list: &str) -> Vec<String> {
    list.split(',')
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect()
}

/// Where a piece of the expanded text comes from.
#[derive(Debug, Clone, Copy)]
enum Origin {
    /// Copied from the original search, starting at this offset.
    Original(usize),
    /// Produced by the macro called at this span of the original search.
    Macro(Span),
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    start: usize,
    end: usize,
    origin: Origin,
}

/// Takes spans of the expanded text back to the original search.
#[derive(Debug, Default)]
pub struct SourceMap {
    segments: Vec<Segment>,
    original_len: usize,
}

impl SourceMap {
    fn locate(&self, offset: usize, is_end: bool) -> (usize, bool) {
        // The segment holding `offset` (for an end offset, the byte before it).
        let probe = if is_end && offset > 0 {
            offset - 1
        } else {
            offset
        };
        let index = self.segments.partition_point(|s| s.end <= probe);
        match self.segments.get(index) {
            None => (self.original_len, false),
            Some(segment) => match segment.origin {
                Origin::Original(start) => (start + (offset - segment.start), false),
                Origin::Macro(call) => (if is_end { call.end } else { call.start }, true),
            },
        }
    }

    /// The original span of an expanded span, and whether it lies in a macro's expansion.
    pub fn original(&self, span: Span) -> (Span, bool) {
        let (start, in_macro) = self.locate(span.start, false);
        let (end, _) = self.locate(span.end, true);
        (Span::new(start, end.max(start)), in_macro)
    }
}

/// The result of expanding the macros of a search.
#[derive(Debug, Default)]
pub struct Expansion {
    pub text: String,
    pub map: SourceMap,
    /// Spans in the original search.
    pub diagnostics: Vec<Diagnostic>,
}

/// Expands the macro calls at `calls` (spans of `text`, from the lexical pass).
pub fn expand(text: &str, calls: &[Span], macros: &Macros) -> Expansion {
    let mut expander = Expander {
        out: Expansion::default(),
        macros,
        too_large: false,
        too_deep: false,
        expansions: 0,
    };
    expander.out.map.original_len = text.len();
    let mut cursor = 0;
    for call in calls {
        expander.push(&text[cursor..call.start], Origin::Original(cursor));
        expander.call(&text[call.start..call.end], *call, Some(call.start), 0);
        cursor = call.end;
    }
    expander.push(&text[cursor..], Origin::Original(cursor));
    expander.out
}

struct Expander<'m> {
    out: Expansion,
    macros: &'m Macros,
    too_large: bool,
    too_deep: bool,
    expansions: usize,
}

impl Expander<'_> {
    fn push(&mut self, piece: &str, origin: Origin) {
        if piece.is_empty() {
            return;
        }
        let start = self.out.text.len();
        self.out.text.push_str(piece);
        self.out.map.segments.push(Segment {
            start,
            end: self.out.text.len(),
            origin,
        });
    }

    /// Expands one call. `original_at` is its offset in the original search when the call is
    /// written there (so an unknown macro keeps exact positions); `origin` is the top-level call.
    fn call(&mut self, call_text: &str, origin: Span, original_at: Option<usize>, depth: usize) {
        let keep = |this: &mut Self| match original_at {
            Some(at) => this.push(call_text, Origin::Original(at)),
            None => this.push(call_text, Origin::Macro(origin)),
        };
        let Some(call) = parse_macro_call(call_text) else {
            keep(self);
            return;
        };
        let name = &call_text[call.name.start..call.name.end];
        let Some(definition) = self.macros.get(name, call.args.len()) else {
            let mut diagnostic = Diagnostic::warning(
                "unknown-macro",
                format!(
                    "macro `{name}` with {} argument(s) is not in the macros file; it is checked as an opaque fragment",
                    call.args.len()
                ),
            )
            .at(origin, "not expanded");
            if depth > 0 {
                diagnostic =
                    diagnostic.with_help("it is called from inside this macro's expansion");
            }
            self.out.diagnostics.push(diagnostic);
            keep(self);
            return;
        };
        if depth >= MAX_MACRO_DEPTH {
            if std::mem::replace(&mut self.too_deep, true) {
                keep(self);
                return;
            }
            self.out.diagnostics.push(
                Diagnostic::error(
                    "macro-too-deep",
                    format!(
                        "macros call each other more than {MAX_MACRO_DEPTH} levels deep (`{name}`)"
                    ),
                )
                .at(origin, "expanding this macro")
                .with_help("a macro that calls itself never finishes expanding"),
            );
            keep(self);
            return;
        }
        let mut body = definition.definition.clone();
        for (parameter, span) in definition.arguments.iter().zip(&call.args) {
            let value = call_text[span.start..span.end].trim();
            body = body.replace(&format!("${parameter}$"), value);
        }
        self.expansions += 1;
        if self.out.text.len() + body.len() > MAX_EXPANDED_BYTES || self.expansions > MAX_EXPANSIONS
        {
            if !self.too_large {
                self.too_large = true;
                self.out.diagnostics.push(
                    Diagnostic::error(
                        "macro-expansion-too-large",
                        format!(
                            "the expanded search exceeds {MAX_EXPANDED_BYTES} bytes or {MAX_EXPANSIONS} macro calls"
                        ),
                    )
                    .at(origin, "expanding this macro"),
                );
            }
            keep(self);
            return;
        }
        let inner_calls = lex::scan(&body).macros;
        let mut cursor = 0;
        for inner in inner_calls {
            self.push(&body[cursor..inner.start], Origin::Macro(origin));
            self.call(&body[inner.start..inner.end], origin, None, depth + 1);
            cursor = inner.end;
        }
        self.push(&body[cursor..], Origin::Macro(origin));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macros(definitions: &[(&str, &[&str], &str)]) -> Macros {
        let mut set = Macros::default();
        for (name, arguments, definition) in definitions {
            set.insert(MacroDefinition {
                name: name.to_string(),
                arguments: arguments.iter().map(|a| a.to_string()).collect(),
                definition: definition.to_string(),
            });
        }
        set
    }

    fn expand_text(text: &str, set: &Macros) -> Expansion {
        expand(text, &lex::scan(text).macros, set)
    }

    #[test]
    fn arguments_are_substituted_and_nested_macros_expanded() {
        let set = macros(&[
            ("ctime", &["field"], "convert ctime($field$)"),
            ("outer", &[], "`inner` x=1"),
            ("inner", &[], "index=main"),
        ]);
        let expansion = expand_text("`outer` | `ctime(firstTime)`", &set);
        assert_eq!(expansion.text, "index=main x=1 | convert ctime(firstTime)");
        assert!(expansion.diagnostics.is_empty());
    }

    #[test]
    fn spans_map_back_to_the_call_or_the_original_text() {
        let set = macros(&[("m", &[], "index=main")]);
        let text = "`m` | stats count";
        let expansion = expand_text(text, &set);
        let stats = expansion.text.find("stats").unwrap();
        let (span, in_macro) = expansion.map.original(Span::new(stats, stats + 5));
        assert_eq!(&text[span.start..span.end], "stats");
        assert!(!in_macro);
        let (span, in_macro) = expansion.map.original(Span::new(0, 5));
        assert_eq!(&text[span.start..span.end], "`m`");
        assert!(in_macro);
    }

    #[test]
    fn recursion_is_bounded() {
        let set = macros(&[("loop", &[], "`loop`")]);
        let expansion = expand_text("`loop`", &set);
        assert_eq!(expansion.diagnostics[0].code, "macro-too-deep");
        let set = macros(&[("bomb", &[], "`bomb` `bomb`")]);
        let expansion = expand_text("`bomb`", &set);
        assert!(expansion.text.len() <= MAX_EXPANDED_BYTES * 2);
    }

    #[test]
    fn macros_conf_is_read() {
        let file = Arc::new(SourceFile::new(
            "macros.conf",
            "# comment\n[ctime(1)]\nargs = field\ndefinition = convert \\\n ctime($field$)\n\n[plain]\ndefinition = index=main\n",
        ));
        let set = Macros::from_conf(&file).unwrap();
        assert_eq!(
            set.get("ctime", 1).unwrap().definition,
            "convert \n ctime($field$)"
        );
        assert_eq!(set.get("plain", 0).unwrap().definition, "index=main");
    }
}
