//! Search macros: definitions from `--macros FILE`, and their expansion.
//!
//! Takes: a macros file (JSON Lines `{"name", "definition", "arguments"}` as in Splunk's
//! security_content, or Splunk's `macros.conf`), and a search with the spans of its macro calls.
//! Gives: the expanded search text and a [`SourceMap`] that takes every span of the expanded
//! text back to the original search (text from a macro maps to the macro call).
//!
//! How Splunk expands a call (macros.conf.spec; Knowledge Manager Manual, "Use search macros in
//! searches" and "Search macro examples"), and so how this module does:
//!
//! - A macro is identified by its name and argument count: `[foobar]`, `[foobar(1)]` and
//!   `[foobar(2)]` are different macros (overloads).
//! - The call's arguments are separated by commas; a double-quoted argument may hold commas and
//!   parentheses, and a quote inside it is escaped as `\"` (`mymacro("He said \"hello!\"")`).
//!   The argument is pasted as written, quotes and escapes included: the quotes delimit it and
//!   stay part of the search (so `` `drop_dm_object_name("Web")` `` with
//!   `rename $object$.* AS *` gives `rename "Web".* AS *`).
//! - Arguments may be given by name, `` `iis_search(fragment=TM)` ``: when every argument is
//!   `name=value` with the definition's argument names, each once, they bind by name.
//! - The definition's `$name$` is replaced by the argument's value globally, even inside quotes;
//!   `$...$` that names no argument stays as written. Substitution is one pass: a value that
//!   contains `$other$` is not substituted again.
//! - The macros that result are expanded too, recursively (bounded here).
//! - An eval-based definition (`iseval = true`) is an eval expression whose value is the
//!   expansion; it is not evaluated here, so such a call is checked as an opaque fragment.

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
    /// `iseval = true`: the definition is an eval expression that returns the expansion.
    pub is_eval: bool,
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

    /// Adds `other`'s definitions; a definition in `other` replaces one with the same name and
    /// argument count (a later file wins, as a local macros.conf over a default one).
    pub fn merge(&mut self, other: Macros) {
        self.definitions.extend(other.definitions);
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
            // `name(2)` names the overload; the count must agree with the argument list.
            let (name, declared) = split_overload(name);
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
            if let Some(count) = declared
                && count != arguments.len()
            {
                return Err(invalid(format!(
                    "macro `{name}` is declared with {count} arguments but \"arguments\" names {}",
                    arguments.len()
                )));
            }
            let is_eval = match &value["iseval"] {
                serde_json::Value::Bool(flag) => *flag,
                serde_json::Value::String(text) => is_true(text),
                serde_json::Value::Number(n) => n.as_u64() == Some(1),
                _ => false,
            };
            macros.insert(MacroDefinition {
                name: name.to_string(),
                arguments,
                definition: definition.to_string(),
                is_eval,
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
        let mut is_eval = false;
        let mut offset = 0;
        let mut lines = file.text.split_inclusive('\n').peekable();
        let finish = |stanza: &Option<(String, Option<usize>, Span)>,
                      definition: Option<String>,
                      arguments: Vec<String>,
                      is_eval: bool,
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
                is_eval,
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
                    std::mem::take(&mut is_eval),
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
                "iseval" => is_eval = is_true(&value),
                _ => {}
            }
        }
        finish(&stanza, definition, arguments, is_eval, &mut macros)?;
        Ok(macros)
    }
}

/// `name(2)` -> (`name`, Some(2)); a name without a count is returned whole.
fn split_overload(name: &str) -> (&str, Option<usize>) {
    if let Some((base, rest)) = name.split_once('(')
        && let Some(count) = rest.strip_suffix(')')
        && let Ok(count) = count.trim().parse::<usize>()
    {
        return (base.trim(), Some(count));
    }
    (name, None)
}

/// Splunk's .conf booleans: `true`/`false`, `1`/`0`, `t`/`f`, `yes`/`no` (any case).
fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "t" | "yes" | "y"
    )
}

/// The value each of the definition's arguments takes in a call: by name when every argument
/// is `name=value` with the definition's names (each once), otherwise by position. Values are
/// the argument text as written, trimmed of surrounding blanks.
fn bind_arguments<'a>(parameters: &[String], values: &[&'a str]) -> Vec<&'a str> {
    let named: Option<Vec<(&str, &str)>> = values
        .iter()
        .map(|value| {
            let (name, rest) = value.split_once('=')?;
            let name = name.trim();
            parameters
                .iter()
                .any(|p| p == name)
                .then_some((name, rest.trim()))
        })
        .collect();
    if let Some(named) = named {
        let bound: Option<Vec<&str>> = parameters
            .iter()
            .map(|parameter| {
                let mut found = named.iter().filter(|(name, _)| name == parameter);
                let first = found.next()?;
                found.next().is_none().then_some(first.1)
            })
            .collect();
        if let Some(bound) = bound {
            return bound;
        }
    }
    values.to_vec()
}

/// Replaces each `$name$` of `body` whose name is an argument with its value, in one pass.
fn substitute(body: &str, parameters: &[String], values: &[&str]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find('$') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let replaced = after.find('$').and_then(|close| {
            let name = &after[..close];
            let index = parameters.iter().position(|p| p == name)?;
            Some((values[index], close))
        });
        match replaced {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
        if definition.is_eval {
            self.out.diagnostics.push(
                Diagnostic::warning(
                    "eval-macro-not-expanded",
                    format!("macro `{name}` has an eval-based definition (`iseval`); it is checked as an opaque fragment"),
                )
                .at(origin, "not expanded")
                .with_help("its expansion is the value of an eval expression, known only when Splunk runs it"),
            );
            keep(self);
            return;
        }
        let values: Vec<&str> = call
            .args
            .iter()
            .map(|span| call_text[span.start..span.end].trim())
            .collect();
        let values = bind_arguments(&definition.arguments, &values);
        let body = substitute(&definition.definition, &definition.arguments, &values);
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
                is_eval: false,
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

    // The cases below follow macros.conf.spec and the Knowledge Manager Manual ("Use search
    // macros in searches", "Search macro examples"); see the module documentation.

    #[test]
    fn a_quoted_argument_is_pasted_with_its_quotes() {
        let set = macros(&[("drop_dm_object_name", &["object"], "rename $object$.* AS *")]);
        let expansion = expand_text("| `drop_dm_object_name(\"Web\")`", &set);
        assert_eq!(expansion.text, "| rename \"Web\".* AS *");
        let expansion = expand_text("| `drop_dm_object_name(Web)`", &set);
        assert_eq!(expansion.text, "| rename Web.* AS *");
    }

    #[test]
    fn commas_and_parentheses_inside_quotes_do_not_split_arguments() {
        let set = macros(&[("pair", &["a", "b"], "[$a$] [$b$]")]);
        let expansion = expand_text("`pair(\"x, y (z)\", w)`", &set);
        assert_eq!(expansion.text, "[\"x, y (z)\"] [w]");
        assert!(
            expansion.diagnostics.is_empty(),
            "{:?}",
            expansion.diagnostics
        );
    }

    #[test]
    fn escaped_quotes_stay_escaped() {
        let set = macros(&[("say", &["text"], "search msg=$text$")]);
        let expansion = expand_text(r#"`say("He said \"hello!\"")`"#, &set);
        assert_eq!(expansion.text, r#"search msg="He said \"hello!\"""#);
    }

    #[test]
    fn unquoted_arguments_are_trimmed() {
        let set = macros(&[("ctime", &["field"], "convert ctime($field$)")]);
        let expansion = expand_text("`ctime( firstTime )`", &set);
        assert_eq!(expansion.text, "convert ctime(firstTime)");
    }

    #[test]
    fn arguments_are_replaced_inside_quotes_and_everywhere() {
        let set = macros(&[("m", &["f"], "search \"$f$\" $f$=1 '$f$'")]);
        let expansion = expand_text("`m(user)`", &set);
        assert_eq!(expansion.text, "search \"user\" user=1 'user'");
    }

    #[test]
    fn dollars_that_name_no_argument_stay_and_values_are_not_substituted_again() {
        let set = macros(&[("m", &["a", "b"], "eval x=\"$a$ $b$ $c$\"")]);
        let expansion = expand_text("`m($b$, 2)`", &set);
        assert_eq!(expansion.text, "eval x=\"$b$ 2 $c$\"");
    }

    #[test]
    fn arguments_bind_by_name_when_every_argument_is_named() {
        let set = macros(&[
            ("iis_search", &["fragment"], "sourcetype=iis /$fragment$/"),
            ("range", &["low", "high"], "x>$low$ x<$high$"),
        ]);
        let expansion = expand_text("`iis_search(fragment=TM)`", &set);
        assert_eq!(expansion.text, "sourcetype=iis /TM/");
        let expansion = expand_text("`range(high=9, low=1)`", &set);
        assert_eq!(expansion.text, "x>1 x<9");
        // Not every argument named with the definition's names: by position, as written.
        let expansion = expand_text("`range(high=9, 1)`", &set);
        assert_eq!(expansion.text, "x>high=9 x<1");
        let expansion = expand_text("`range(low=1, low=2)`", &set);
        assert_eq!(expansion.text, "x>low=1 x<low=2");
    }

    #[test]
    fn overloads_are_told_apart_by_argument_count() {
        let set = macros(&[
            ("m", &[], "zero"),
            ("m", &["a"], "one $a$"),
            ("m", &["a", "b"], "two $a$ $b$"),
        ]);
        let expansion = expand_text("`m` `m()` `m(x)` `m(x, y)`", &set);
        assert_eq!(expansion.text, "zero zero one x two x y");
        let expansion = expand_text("`m(x, y, z)`", &set);
        assert_eq!(expansion.text, "`m(x, y, z)`");
        assert_eq!(expansion.diagnostics[0].code, "unknown-macro");
    }

    #[test]
    fn nested_macros_receive_substituted_arguments() {
        let set = macros(&[
            (
                "outer",
                &["object"],
                "`inner(\"$object$\")` | `drop($object$)`",
            ),
            ("inner", &["name"], "tag=$name$"),
            ("drop", &["o"], "rename $o$.* AS *"),
        ]);
        let expansion = expand_text("`outer(Processes)`", &set);
        assert_eq!(
            expansion.text,
            "tag=\"Processes\" | rename Processes.* AS *"
        );
        assert!(
            expansion.diagnostics.is_empty(),
            "{:?}",
            expansion.diagnostics
        );
    }

    #[test]
    fn eval_based_macros_are_opaque() {
        let mut set = Macros::default();
        set.insert(MacroDefinition {
            name: "e".into(),
            arguments: vec![],
            definition: "\"index=\" . \"main\"".into(),
            is_eval: true,
        });
        let expansion = expand_text("`e` x", &set);
        assert_eq!(expansion.text, "`e` x");
        assert_eq!(expansion.diagnostics[0].code, "eval-macro-not-expanded");
    }

    #[test]
    fn macros_conf_reads_iseval_and_json_reads_overload_names() {
        let file = Arc::new(SourceFile::new(
            "macros.conf",
            "[e(1)]\nargs = x\ndefinition = \"a\" . $x$\niseval = true\n[p]\ndefinition = b\n",
        ));
        let set = Macros::from_conf(&file).unwrap();
        assert!(set.get("e", 1).unwrap().is_eval);
        assert!(!set.get("p", 0).unwrap().is_eval);
        let file = Arc::new(SourceFile::new(
            "m.jsonl",
            "{\"name\": \"m(2)\", \"definition\": \"$a$ $b$\", \"arguments\": [\"a\", \"b\"]}\n",
        ));
        let set = Macros::from_json_lines(&file).unwrap();
        assert_eq!(set.get("m", 2).unwrap().definition, "$a$ $b$");
        let file = Arc::new(SourceFile::new(
            "m.jsonl",
            "{\"name\": \"m(3)\", \"definition\": \"x\", \"arguments\": [\"a\"]}\n",
        ));
        let error = Macros::from_json_lines(&file).unwrap_err();
        assert_eq!(error.code, "invalid-macros-file");
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
