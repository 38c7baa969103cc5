//! Regular-expression checks on `|re` values: does the pattern compile, can each target's
//! engine run it (KQL: RE2 via `regex-syntax`; SPL: PCRE2, the library Splunk's `regex` and
//! `match()` use), and does it risk catastrophic backtracking.

use super::{lints, sub_span};
use crate::diagnostic::Diagnostic;
use crate::mapping::Target;
use crate::rule::{Modifier, Rule, SelectionBody};
use crate::yaml::{Node, ScalarValue};
use regex_syntax::ast::{self, Ast};

lints! { Regex;
    /// A `|re` value that is not a valid regular expression.
    ///
    /// Why: no engine can run it; the rule cannot be compiled.
    ///
    /// Example: `CommandLine|re: 'cmd(.exe'` (unclosed group)
    INVALID_REGEX = "invalid-regex", Error;

    /// A `|re` value that KQL cannot run: Sentinel's `matches regex` uses RE2, which has no
    /// look-around (`(?=`, `(?!`, `(?<=`, `(?<!`) and no backreferences (`\1`). The label
    /// points at the construct inside the value.
    ///
    /// Why: the query would be rejected by Sentinel. Rewrite the pattern, or split it into
    /// several selections (a negative look-ahead becomes `and not`).
    ///
    /// Example: `CommandLine|re: 'powershell(?!.*-NoProfile)'`
    REGEX_UNSUPPORTED_KQL = "regex-unsupported-kql", Error;

    /// A `|re` value that PCRE2 (Splunk's regular-expression library) rejects, e.g. a
    /// look-behind of unbounded length or a syntax only other engines accept.
    ///
    /// Why: the search would fail in Splunk. The label points at the offset PCRE2 reports.
    ///
    /// Example: `CommandLine|re: '(?<=cmd.*)whoami'`
    REGEX_UNSUPPORTED_SPL = "regex-unsupported-spl", Error;

    /// A repetition of a group whose only mandatory part is itself an unbounded repetition:
    /// `(a+)+`, `(\w+\s*)*`.
    ///
    /// Why: on a string that almost matches, a backtracking engine (PCRE in Splunk) tries
    /// exponentially many ways to split it: one long command line can stall the search.
    /// Remove the inner or the outer repetition.
    ///
    /// Example: `CommandLine|re: '(\w+\s?)+$'` (write `'[\w\s]+$'`)
    REGEX_NESTED_QUANTIFIER = "regex-nested-quantifier", Warning;
}

pub fn check(rule: &Rule, targets: &[Target], out: &mut Vec<Diagnostic>) {
    for selection in &rule.detection.selections {
        let SelectionBody::FieldMaps(maps) = &selection.body else {
            continue;
        };
        for matcher in maps.iter().flat_map(|m| &m.matchers) {
            if !matcher.modifiers.iter().any(|m| m.value == Modifier::Re) {
                continue;
            }
            let flag = |modifier| matcher.modifiers.iter().any(|m| m.value == modifier);
            let flags = (
                flag(Modifier::ReIgnoreCase),
                flag(Modifier::ReMultiLine),
                flag(Modifier::ReDotAll),
            );
            for value in &matcher.values {
                let Some(scalar) = value.as_scalar() else {
                    continue;
                };
                let ScalarValue::String(pattern) = scalar.value() else {
                    continue;
                };
                // A pattern that does not compile at all is the lowering stage's `invalid-regex`.
                if crate::ir::check_regex(pattern).is_err() {
                    continue;
                }
                check_pattern(rule, value, pattern, flags, targets, out);
            }
        }
    }
}

fn check_pattern(
    rule: &Rule,
    node: &Node,
    pattern: &str,
    (caseless, multi_line, dot_all): (bool, bool, bool),
    targets: &[Target],
    out: &mut Vec<Diagnostic>,
) {
    let file = &rule.file;
    let parsed = ast::parse::Parser::new().parse(pattern);
    if targets.contains(&Target::Kql)
        && let Err(error) = &parsed
    {
        let span = error.span();
        let (start, end) = (span.start.offset, span.end.offset.min(pattern.len()));
        let construct = &pattern[start..end];
        out.push(
            REGEX_UNSUPPORTED_KQL
                .at(
                    file,
                    sub_span(file, node, pattern, start, end),
                    format!("KQL (RE2) cannot run this regular expression: {}", error.kind()),
                    format!("`{construct}` is not supported by RE2"),
                )
                .with_help("RE2 has no look-around and no backreferences; rewrite the pattern, or split it into several selections (a negative look-ahead becomes `and not`)"),
        );
    }
    if targets.contains(&Target::Spl) {
        let compiled = pcre2::bytes::RegexBuilder::new()
            .utf(true)
            .caseless(caseless)
            .multi_line(multi_line)
            .dotall(dot_all)
            .build(pattern);
        if let Err(error) = compiled {
            let offset = error.offset().unwrap_or(0).min(pattern.len());
            let end = pattern[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            out.push(
                REGEX_UNSUPPORTED_SPL
                    .at(
                        file,
                        sub_span(file, node, pattern, offset, end),
                        format!(
                            "Splunk's PCRE rejects this regular expression: {}",
                            pcre_message(&error)
                        ),
                        "PCRE2 stops here",
                    )
                    .with_help("rewrite the pattern in syntax PCRE accepts (a look-behind must have a bounded length)"),
            );
        }
    }
    if let Ok(ast) = &parsed
        && let Some(span) = nested_quantifier(ast)
    {
        let (start, end) = (span.start.offset, span.end.offset);
        out.push(
            REGEX_NESTED_QUANTIFIER
                .at(
                    file,
                    sub_span(file, node, pattern, start, end),
                    "nested unbounded repetition: catastrophic backtracking on near matches",
                    "a repeated group whose content is itself repeated",
                )
                .with_help(
                    "remove the inner or the outer repetition (e.g. `(\\w+\\s?)+` → `[\\w\\s]+`)",
                ),
        );
    }
}

fn is_unbounded(repetition: &ast::Repetition) -> bool {
    matches!(
        &repetition.op.kind,
        ast::RepetitionKind::ZeroOrMore
            | ast::RepetitionKind::OneOrMore
            | ast::RepetitionKind::Range(ast::RepetitionRange::AtLeast(_))
    )
}

/// Whether an item can match the empty string by itself (so it does not separate the
/// iterations of an enclosing repetition).
fn optional(ast: &Ast) -> bool {
    match ast {
        Ast::Empty(_) | Ast::Flags(_) | Ast::Assertion(_) => true,
        Ast::Repetition(r) => match &r.op.kind {
            ast::RepetitionKind::ZeroOrOne | ast::RepetitionKind::ZeroOrMore => true,
            ast::RepetitionKind::Range(
                ast::RepetitionRange::AtLeast(0) | ast::RepetitionRange::Bounded(0, _),
            ) => true,
            _ => optional(&r.ast),
        },
        Ast::Group(g) => optional(&g.ast),
        Ast::Concat(c) => c.asts.iter().all(optional),
        _ => false,
    }
}

/// The span of the first `(x+)+`-like construct.
fn nested_quantifier(ast: &Ast) -> Option<ast::Span> {
    match ast {
        Ast::Repetition(outer) => {
            if is_unbounded(outer) {
                let mut body = &*outer.ast;
                while let Ast::Group(group) = body {
                    body = &group.ast;
                }
                let mandatory: Vec<&Ast> = match body {
                    Ast::Concat(concat) => concat.asts.iter().filter(|a| !optional(a)).collect(),
                    other => vec![other],
                };
                if let [Ast::Repetition(inner)] = mandatory.as_slice()
                    && is_unbounded(inner)
                {
                    return Some(outer.span);
                }
            }
            nested_quantifier(&outer.ast)
        }
        Ast::Group(group) => nested_quantifier(&group.ast),
        Ast::Concat(concat) => concat.asts.iter().find_map(nested_quantifier),
        Ast::Alternation(alternation) => alternation.asts.iter().find_map(nested_quantifier),
        _ => None,
    }
}

/// PCRE2's own message, without the "error compiling pattern at offset N" preamble (the
/// label shows the offset).
fn pcre_message(error: &pcre2::Error) -> String {
    let text = error.to_string();
    text.find("offset")
        .and_then(|at| {
            text[at..]
                .find(": ")
                .map(|colon| text[at + colon + 2..].to_string())
        })
        .unwrap_or(text)
}
