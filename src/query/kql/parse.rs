//! KQL text to syntax tree, with syntax errors that name the mistake.
//!
//! Takes: the query text. Gives: a [`Query`] or syntax diagnostics (spans from pest).
//!
//! Passes, all driven by `grammar/kql.pest`:
//! 1. only when the text has more than [`MAX_NESTING`] opening brackets (so that they may nest
//!    deeper): the bracket pass of step 3 first, so the recursive grammar never sees input
//!    nested past the limit (pest runs without its stack probe: it cost ~15% of compile time);
//! 2. the grammar (rule `query`);
//! 3. only when the grammar fails, or the text may nest deep: a bracket pass (rule `bracket_tokens`,
//!    a flat repetition, so any input is safe) that finds strings never closed, escapes KQL does
//!    not have, brackets that do not match, and nesting deeper than [`MAX_NESTING`] (the limit
//!    that keeps the tree, and the recursion of the builder and the checks, shallow);
//! 4. on a grammar error the bracket pass did not explain, a token pass (rule `all_tokens`)
//!    finds the token at the error and the one before it, to say what is wrong (`summarise` is
//!    no operator, `where` lacks a predicate, `first` must be bracketed) instead of listing
//!    every rule pest tried.

use super::ast::*;
use super::diagnostics as codes;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use pest::Parser;
use pest::iterators::{Pair, Pairs};
use std::sync::Arc;

/// Deepest nesting of `(`, `[` and `{` accepted. Real queries stay far below; deeper input gets
/// a diagnostic instead of deep recursion (the grammar recurses a few frames per level).
pub const MAX_NESTING: usize = 64;

/// Largest query parsed, in bytes; larger input gets a diagnostic. The syntax tree takes memory
/// in proportion to the query, so this bounds it; Sentinel itself caps analytic-rule queries at
/// 10,000 characters.
pub const MAX_QUERY_BYTES: usize = 1024 * 1024;

/// Most prefix signs or postfix `in`/`between` tails on one operand: more is no real query, and
/// the limit keeps the tree shallow.
const MAX_OPERATOR_RUN: usize = 64;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/kql.pest"]
struct KqlGrammar;

/// The bare grammar's verdict on `text` (pest's message on failure), before any diagnosis: for
/// `tests/parser_budget.rs`, which bounds the grammar's work with pest's call limit.
#[doc(hidden)]
pub fn grammar_verdict(text: &str) -> Result<(), String> {
    KqlGrammar::parse(Rule::query, text)
        .map(|_| ())
        .map_err(|error| error.variant.message().into_owned())
}

/// Names of the tabular operators, for "did you mean" help.
pub const QUERY_OPERATORS: &[&str] = &[
    "where",
    "filter",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "extend",
    "summarize",
    "join",
    "union",
    "lookup",
    "parse",
    "parse-where",
    "parse-kv",
    "mv-expand",
    "mv-apply",
    "make-series",
    "top",
    "top-nested",
    "top-hitters",
    "sort",
    "order",
    "take",
    "limit",
    "distinct",
    "count",
    "evaluate",
    "render",
    "as",
    "invoke",
    "getschema",
    "sample",
    "sample-distinct",
    "search",
    "serialize",
    "facet",
    "fork",
    "reduce",
    "partition",
    "scan",
    "consume",
];

const STRING_OPERATORS: &[&str] = &[
    "has",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "has_any",
    "has_all",
    "contains",
    "contains_cs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
    "matches",
    "like",
    "between",
    "in",
    "and",
    "or",
];

/// Keywords that Microsoft's parser does not accept as names without brackets (`['first']`);
/// from its keyword table (Kusto.Language 12.4.1), minus `kind`, `withsource` and `with_source`,
/// which it reads as names where a name is expected. Sorted, for binary search.
pub(crate) const RESERVED_WORDS: &[&str] = &[
    "__contextual_datatable",
    "__id",
    "accumulate",
    "and",
    "anomalychart",
    "areachart",
    "as",
    "asc",
    "bagexpansion",
    "barchart",
    "between",
    "bin_legacy",
    "boolean",
    "by",
    "byte",
    "cachingpolicy",
    "callout",
    "cancel",
    "card",
    "char",
    "columnchart",
    "contains",
    "contains_cs",
    "containscs",
    "cycles",
    "dataexport",
    "datascope",
    "datatable",
    "date",
    "datetime",
    "decimal",
    "decodeblocks",
    "desc",
    "double",
    "dynamic",
    "earliest",
    "encodingpolicy",
    "endswith",
    "endswith_cs",
    "expandoutput",
    "extent_tags_retention",
    "external_data",
    "externaldata",
    "find",
    "first",
    "flags",
    "float",
    "force_remote",
    "harddelete",
    "hardretention",
    "has",
    "has_all",
    "has_any",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "hotcache",
    "in",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "invoke",
    "isfuzzy",
    "journal",
    "ladderchart",
    "last",
    "latest",
    "like",
    "likecs",
    "linechart",
    "long",
    "materialize",
    "mdm",
    "missing",
    "nooptimization",
    "notcontains",
    "notcontainscs",
    "notlike",
    "notlikecs",
    "of",
    "or",
    "others",
    "pathformat",
    "piechart",
    "pivotchart",
    "print",
    "project",
    "queries",
    "query_results",
    "real",
    "relaxed",
    "restricted_view_access",
    "row_level_security",
    "rowstore",
    "rowstore_references",
    "rowstore_sealinfo",
    "rowstorepolicy",
    "rowstores",
    "sample",
    "scatterchart",
    "seal",
    "seals",
    "search",
    "set",
    "shards",
    "simple",
    "softdelete",
    "softretention",
    "sql",
    "stackedareachart",
    "startswith",
    "startswith_cs",
    "statistics",
    "storedqueryresultcontainers",
    "string",
    "tablepurge",
    "time",
    "timechart",
    "timeline",
    "timepivot",
    "timespan",
    "title",
    "to",
    "toscalar",
    "totable",
    "treemap",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "ulong",
    "union",
    "uniqueid",
    "unrestrictedviewers",
    "verbose",
    "viewers",
    "views",
    "where",
    "with_itemindex",
    "with_match_id",
    "with_step_name",
    "writeaheadlog",
];

/// Reserved words that may still name something new: a column (`extend by = 1`), a parameter.
const DECLARATION_KEYWORDS: &[&str] = &[
    "accumulate",
    "as",
    "by",
    "contains",
    "datatable",
    "earliest",
    "externaldata",
    "find",
    "has",
    "in",
    "invoke",
    "latest",
    "materialize",
    "mdm",
    "of",
    "print",
    "sample",
    "search",
    "set",
    "sql",
    "title",
    "to",
    "toscalar",
    "totable",
    "verbose",
    "viewers",
    "where",
];

/// Whether Microsoft's parser refuses `word` as a bare name (the backend brackets these).
pub fn is_reserved(word: &str) -> bool {
    RESERVED_WORDS.binary_search(&word).is_ok()
}

/// Parses a query; on failure, the syntax diagnostics (at least one error).
pub fn parse_query(file: &Arc<SourceFile>) -> Result<Query, Vec<Diagnostic>> {
    let text = file.text.as_str();
    if text.len() > MAX_QUERY_BYTES {
        return Err(vec![
            Diagnostic::error(
                codes::QUERY_TOO_LARGE,
                format!(
                    "the query is {} bytes; queries above {} bytes are not parsed",
                    text.len(),
                    MAX_QUERY_BYTES
                ),
            )
            .in_file(file)
            .at(Span::new(0, 0), "query starts here"),
        ]);
    }
    // Brackets can nest no deeper than there are opening brackets: with few of them the grammar
    // is safe as it is; otherwise the (flat) bracket pass enforces the nesting limit first.
    let may_nest_deep = text
        .bytes()
        .filter(|b| matches!(b, b'(' | b'[' | b'{'))
        .nth(MAX_NESTING)
        .is_some();
    if may_nest_deep {
        check_brackets(file)?;
    }
    // The bracket pass also runs when the grammar fails, to name the mistake (an unclosed
    // string or bracket).
    let pairs = match KqlGrammar::parse(Rule::query, text) {
        Ok(pairs) => pairs,
        Err(error) => {
            if !may_nest_deep {
                check_brackets(file)?;
            }
            return Err(vec![explain(file, &error)]);
        }
    };
    let query_pair = pairs
        .into_iter()
        .next()
        .expect("rule `query` yields one pair");
    let mut builder = Builder {
        file,
        errors: Vec::new(),
    };
    let statements = builder.statements(query_pair.into_inner());
    if builder.errors.is_empty() {
        Ok(Query { statements })
    } else {
        Err(builder.errors)
    }
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

/// The bracket pass: unterminated strings, unbalanced brackets, nesting limit.
fn check_brackets(file: &Arc<SourceFile>) -> Result<(), Vec<Diagnostic>> {
    let pairs = KqlGrammar::parse(Rule::bracket_tokens, &file.text)
        .expect("rule `bracket_tokens` accepts any text");
    let mut open: Vec<(char, Span)> = Vec::new();
    for pair in pairs.flatten() {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::bad_string => {
                let quote = if pair.as_str().contains("```") {
                    "```"
                } else if pair.as_str().contains("~~~") {
                    "~~~"
                } else if pair.as_str().contains('"') {
                    "\""
                } else {
                    "'"
                };
                let end_of_line = if quote.len() == 3 {
                    "the end of the query"
                } else {
                    "the end of the line"
                };
                return Err(vec![
                    Diagnostic::error(codes::UNTERMINATED_STRING, "unterminated string literal")
                        .in_file(file)
                        .at(span, format!("this string has no closing {quote} before {end_of_line}"))
                        .with_help(if quote.len() == 3 {
                            "close the multi-line string with the same three characters".to_string()
                        } else {
                            format!("add the closing {quote}; a string cannot span lines (use ``` for multi-line text)")
                        }),
                ]);
            }
            Rule::escape_error_string => {
                let escape = pair
                    .clone()
                    .into_inner()
                    .find(|inner| inner.as_rule() == Rule::invalid_escape)
                    .map_or(span, |inner| span_of(&inner));
                let text = file.text.get(escape.start..escape.end).unwrap_or("\\");
                return Err(vec![
                    Diagnostic::error(
                        codes::INVALID_ESCAPE,
                        format!("invalid escape sequence `{text}` in a string"),
                    )
                    .in_file(file)
                    .at(escape, "not an escape KQL knows")
                    .with_help(
                        "escape a backslash as `\\\\`, or write a verbatim string @\"...\" where `\\` is literal",
                    ),
                ]);
            }
            Rule::open_bracket => {
                let bracket = pair.as_str().chars().next().unwrap_or('(');
                open.push((bracket, span));
                if open.len() > MAX_NESTING {
                    return Err(vec![
                        Diagnostic::error(
                            codes::NESTING_TOO_DEEP,
                            format!("brackets are nested more than {MAX_NESTING} levels deep"),
                        )
                        .in_file(file)
                        .at(span, format!("level {}", open.len()))
                        .with_help("split the expression with `let` statements"),
                    ]);
                }
            }
            Rule::close_bracket => {
                let bracket = pair.as_str().chars().next().unwrap_or(')');
                let expected_open = match bracket {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match open.pop() {
                    Some((opener, _)) if opener == expected_open => {}
                    Some((opener, opener_span)) => {
                        return Err(vec![
                            Diagnostic::error(
                                codes::UNBALANCED_BRACKET,
                                format!("`{bracket}` does not close `{opener}`"),
                            )
                            .in_file(file)
                            .at(span, format!("expected `{}` here", closer_of(opener)))
                            .with_note_at(opener_span, "opened here"),
                        ]);
                    }
                    None => {
                        return Err(vec![
                            Diagnostic::error(
                                codes::UNBALANCED_BRACKET,
                                format!("unmatched `{bracket}`"),
                            )
                            .in_file(file)
                            .at(span, format!("no `{expected_open}` opens this"))
                            .with_help(format!("remove it, or add the missing `{expected_open}`")),
                        ]);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((opener, span)) = open.pop() {
        // Microsoft's parser reports the missing closer where the query ends: the end of its
        // last token. The opener is the useful context.
        let end = tokens(&file.text)
            .last()
            .map_or(file.text.len(), |token| token.span.end);
        return Err(vec![
            Diagnostic::error(codes::UNBALANCED_BRACKET, format!("unclosed `{opener}`"))
                .in_file(file)
                .at(
                    Span::new(end, end),
                    format!(
                        "expected `{}` before the end of the query",
                        closer_of(opener)
                    ),
                )
                .with_note_at(span, format!("this `{opener}` is never closed")),
        ]);
    }
    Ok(())
}

fn closer_of(opener: char) -> char {
    match opener {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// A token of the error-explaining pass.
struct Token<'a> {
    text: &'a str,
    span: Span,
    is_word: bool,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let pairs =
        KqlGrammar::parse(Rule::all_tokens, text).expect("rule `all_tokens` accepts any text");
    pairs
        .flatten()
        .filter(|pair| {
            matches!(
                pair.as_rule(),
                Rule::string_part
                    | Rule::bad_string
                    | Rule::lex_word
                    | Rule::number
                    | Rule::lex_punct
            )
        })
        .map(|pair| Token {
            text: pair.as_str(),
            span: span_of(&pair),
            is_word: pair.as_rule() == Rule::lex_word,
        })
        .collect()
}

/// Tokens after which an expression must follow: operator keywords, binary operators,
/// separators.
const EXPRESSION_AFTER: &[&str] = &[
    "where",
    "filter",
    "take",
    "limit",
    "extend",
    "by",
    "print",
    "sample",
    "top",
    "of",
    "and",
    "or",
    "mv-expand",
    "mv-apply",
    "parse",
    "parse-where",
    "distinct",
    "search",
    "evaluate",
    "invoke",
    "on",
    "step",
    "from",
    "to",
    "==",
    "!=",
    "=~",
    "!~",
    "<",
    ">",
    "<=",
    ">=",
    "<>",
    "+",
    "-",
    "*",
    "/",
    "%",
    "=",
    ",",
    "(",
    "[",
    "..",
    ".",
];

/// Words that start a clause and so cannot start an expression.
const CLAUSE_WORDS: &[&str] = &["by", "on", "with", "of", "to", "step", "from"];

/// Operators whose right side goes in parentheses.
const LIST_OPERATORS: &[&str] = &[
    "in", "!in", "in~", "!in~", "has_any", "has_all", "between", "!between",
];

fn is_string_operator(word: &str) -> bool {
    let word = word.strip_prefix('!').unwrap_or(word);
    STRING_OPERATORS.contains(&word)
        || STRING_OPERATORS.contains(&word.strip_suffix("_cs").unwrap_or(word))
}

/// A known operator the word is probably a misspelling of: close by edit distance, or the
/// same letters in another order (`adn`).
fn misspelt_operator(word: &str) -> Option<&'static str> {
    if is_string_operator(word) {
        return None;
    }
    crate::text::closest(word, STRING_OPERATORS.iter().copied()).or_else(|| {
        let mut letters: Vec<char> = word.chars().collect();
        letters.sort_unstable();
        STRING_OPERATORS.iter().copied().find(|candidate| {
            let mut other: Vec<char> = candidate.chars().collect();
            other.sort_unstable();
            other == letters
        })
    })
}

/// Turns pest's furthest failure into a diagnostic that says what is wrong, from the tokens
/// around the failure (spans from the `all_tokens` pass).
fn explain(file: &Arc<SourceFile>, error: &pest::error::Error<Rule>) -> Diagnostic {
    let position = match error.location {
        pest::error::InputLocation::Pos(position) => position,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    let positives: &[Rule] = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives,
        pest::error::ErrorVariant::CustomError { .. } => &[],
    };
    let all = tokens(&file.text);
    let next_index = all.partition_point(|token| token.span.end <= position);
    let next = all
        .get(next_index)
        .filter(|token| token.span.start >= position);
    let previous = next_index.checked_sub(1).and_then(|index| all.get(index));
    let after_next = next.and_then(|_| all.get(next_index + 1));
    let at = next.map_or(Span::new(position, position), |token| token.span);
    let found = next.map_or_else(
        || "end of the query".to_string(),
        |token| format!("`{}`", token.text),
    );
    let expects = |rule: Rule| positives.contains(&rule);
    let previous_text = previous.map(|token| token.text);
    let next_text = next.map(|token| token.text);

    // A word after `|` that is no operator, or nothing at all after `|`.
    if expects(Rule::kw_where) || expects(Rule::kw_extend) {
        return match next {
            Some(token) if token.is_word => {
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_OPERATOR,
                    format!("unknown query operator `{}`", token.text),
                )
                .in_file(file)
                .at(token.span, "not a tabular operator");
                if let Some(suggestion) =
                    crate::text::closest(token.text, QUERY_OPERATORS.iter().copied())
                {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                diagnostic
            }
            _ => Diagnostic::error(
                codes::MISSING_OPERATOR,
                format!("expected a query operator after `|`, found {found}"),
            )
            .in_file(file)
            .at(
                at,
                "a tabular operator (where, project, summarize, ...) must follow `|`",
            )
            .with_help("remove the extra `|`, or add the operator"),
        };
    }

    // `| T` at the start of a query or statement.
    if next_text == Some("|") && previous_text.is_none_or(|text| text == ";") {
        return Diagnostic::error(codes::SYNTAX, "a query cannot start with `|`")
            .in_file(file)
            .at(at, "nothing before this pipe")
            .with_help("start with the table (or `let` statements), then `| operator`");
    }

    // `kind = 1`: Kusto reads `kind =` as an operator option.
    if next_text == Some("=")
        && let Some(previous) = previous.filter(|token| token.is_word)
    {
        let (message, help) = if matches!(previous.text, "kind" | "withsource" | "with_source") {
            (
                format!("`{}` cannot name a new column", previous.text),
                format!("write ['{}'], or compare with `==`", previous.text),
            )
        } else {
            (
                format!("`{}=` is not an option of this operator", previous.text),
                "options are `kind=`, `hint.strategy=`, `withsource=`, ... as the operator allows"
                    .to_string(),
            )
        };
        return Diagnostic::error(codes::SYNTAX, message)
            .in_file(file)
            .at(previous.span.join(at), "here")
            .with_help(help);
    }

    // `x in 1`, `x between 1 .. 2`: the right side belongs in parentheses.
    if let Some(token) = next.filter(|token| LIST_OPERATORS.contains(&token.text))
        && after_next.is_none_or(|token| token.text != "(")
    {
        let example = if token.text.contains("between") {
            "(low .. high)"
        } else {
            "(a, b, ...)"
        };
        return Diagnostic::error(
            codes::SYNTAX,
            format!("`{}` needs its right side in parentheses", token.text),
        )
        .in_file(file)
        .at(token.span, format!("write `{} {example}`", token.text));
    }

    // A keyword where a name belongs.
    if let Some(token) = next.filter(|token| token.is_word && is_reserved(token.text))
        && !CLAUSE_WORDS.contains(&token.text)
        && !is_string_operator(token.text)
        && !matches!(token.text, "and" | "or")
    {
        return Diagnostic::error(
            codes::RESERVED_NAME,
            format!(
                "`{}` is a keyword and cannot be used as a name here",
                token.text
            ),
        )
        .in_file(file)
        .at(token.span, "keyword")
        .with_help(format!("write ['{}'] to use it as a name", token.text));
    }

    // An operator, keyword or separator with nothing after it.
    let ends_here = next_text.is_none_or(|text| {
        matches!(text, "|" | ")" | "]" | "}" | "," | ";") || CLAUSE_WORDS.contains(&text)
    });
    if ends_here
        && let Some(previous) = previous.filter(|token| {
            EXPRESSION_AFTER.contains(&token.text) || is_string_operator(token.text)
        })
    {
        let (message, help) = match previous.text {
            keyword @ ("where" | "filter") => (
                format!("`{keyword}` needs a predicate"),
                format!(
                    "write the condition rows must meet, e.g. `{keyword} Status == \"Failed\"`"
                ),
            ),
            "." => (
                "expected a property name after `.`".to_string(),
                "write the property, e.g. `Details.name`".to_string(),
            ),
            text => (
                format!("expected an expression after `{text}`"),
                "add the missing value, column or function call".to_string(),
            ),
        };
        // The expression belongs right after the token that needs it (where Microsoft's
        // parser reports it too), not at whatever comes next, possibly lines later.
        let missing = Span::new(previous.span.end, previous.span.end);
        return Diagnostic::error(codes::MISSING_EXPRESSION, message)
            .in_file(file)
            .at(missing, "expression missing here")
            .with_help(help);
    }

    let expected = describe_expected(positives);
    let mut diagnostic = Diagnostic::error(codes::SYNTAX, format!("unexpected {found}"))
        .in_file(file)
        .at(
            at,
            if expected.is_empty() {
                "unexpected here".to_string()
            } else {
                format!("expected {expected}")
            },
        );
    if let Some(token) = next.filter(|token| token.is_word) {
        if let Some(suggestion) = misspelt_operator(token.text) {
            diagnostic = diagnostic.with_help(format!("did you mean the operator `{suggestion}`?"));
        } else if !token.text.is_ascii() {
            diagnostic = diagnostic.with_help(
                "names with other than ASCII letters, digits and `_` go in brackets: ['name']",
            );
        }
    } else if let Some(token) = next.filter(|token| !token.text.is_ascii()) {
        diagnostic = diagnostic.with_help(format!(
            "`{}` cannot be part of a name; bracket the whole name: ['...']",
            token.text
        ));
    }
    diagnostic
}

/// A short human list of what the grammar would have accepted.
fn describe_expected(positives: &[Rule]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for rule in positives {
        let name = match rule {
            Rule::pipe => "`|`",
            Rule::EOI => "the end of the query",
            Rule::ident | Rule::prefix | Rule::number | Rule::typed_literal => "an expression",
            Rule::decl_ident | Rule::let_ident | Rule::bracket_name => "a name",
            Rule::comparison_operator
            | Rule::additive_operator
            | Rule::multiplicative_operator
            | Rule::and_operator
            | Rule::or_operator
            | Rule::string_operator
            | Rule::in_operator
            | Rule::between_operator
            | Rule::has_list_operator => "an operator",
            Rule::type_name => "a type name",
            Rule::kw_by => "`by`",
            Rule::kw_on => "`on`",
            Rule::kw_with => "`with`",
            Rule::kw_of => "`of`",
            Rule::kw_to => "`to`",
            Rule::kw_from => "`from`",
            Rule::kw_step => "`step`",
            Rule::param_name => "an option (`kind=...`)",
            Rule::json_value => "a JSON value",
            _ => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.len() {
        0 => String::new(),
        1 => names[0].to_string(),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {last}", names.join(", "))
        }
    }
}

/// Pairs to syntax tree. The grammar guarantees the shapes; a shape it cannot produce is a bug
/// in this module, reported as an internal diagnostic rather than a panic.
struct Builder<'f> {
    file: &'f Arc<SourceFile>,
    errors: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn limit_exceeded(&mut self, span: Span, what: &str) {
        self.errors.push(
            Diagnostic::error(
                codes::NESTING_TOO_DEEP,
                format!("more than {MAX_OPERATOR_RUN} {what} in a row"),
            )
            .in_file(self.file)
            .at(span, "here"),
        );
    }

    fn statements(&mut self, pairs: Pairs<'_, Rule>) -> Vec<Statement> {
        pairs
            .filter(|pair| pair.as_rule() != Rule::EOI)
            .map(|pair| self.statement(pair))
            .collect()
    }

    fn statement(&mut self, pair: Pair<'_, Rule>) -> Statement {
        match pair.as_rule() {
            Rule::let_statement => {
                let mut inner = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_let);
                let name_pair = inner.next().expect("let has a name");
                let name = self.let_name(name_pair);
                let value_pair = inner.next().expect("let has a value");
                let value = match value_pair.as_rule() {
                    Rule::function_def => LetValue::Function(self.function_def(value_pair)),
                    Rule::view_def => {
                        let def = value_pair
                            .into_inner()
                            .find(|p| p.as_rule() == Rule::function_def)
                            .expect("view has a definition");
                        LetValue::Function(self.function_def(def))
                    }
                    Rule::materialize_call => {
                        let call = self.call(value_pair);
                        LetValue::Expr(Expr {
                            span: call.span,
                            kind: ExprKind::Call(call),
                        })
                    }
                    _ => LetValue::Expr(self.pipe_expr(value_pair)),
                };
                Statement::Let { name, value }
            }
            Rule::declare_statement => {
                let parameters = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::parameters)
                    .map(|p| self.parameters(p))
                    .unwrap_or_default();
                Statement::DeclareParameters(parameters)
            }
            Rule::set_statement | Rule::alias_statement => Statement::Option {
                span: span_of(&pair),
            },
            _ => Statement::Expr(self.pipe_expr(pair)),
        }
    }

    fn let_name(&mut self, pair: Pair<'_, Rule>) -> Name {
        let inner = pair.into_inner().next().expect("let_name holds a name");
        self.name(inner)
    }

    /// A name pair (`ident`, `decl_ident`, `let_ident`, `bracket_name`, `word`). A keyword
    /// used as a name is reported here (the grammar reads any word as a name).
    fn name(&mut self, pair: Pair<'_, Rule>) -> Name {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        if matches!(rule, Rule::ident | Rule::decl_ident | Rule::let_ident) {
            let word = pair.as_str();
            let allowed = rule == Rule::decl_ident && DECLARATION_KEYWORDS.contains(&word);
            if is_reserved(word) && !allowed {
                self.errors.push(
                    Diagnostic::error(
                        codes::RESERVED_NAME,
                        format!("`{word}` is a keyword and cannot be used as a name here"),
                    )
                    .in_file(self.file)
                    .at(span, "keyword")
                    .with_help(format!("write ['{word}'] to use it as a name")),
                );
            }
        }
        if rule == Rule::bracket_name {
            let text = pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::string_part)
                .map(|p| string_value(p.as_str()))
                .unwrap_or_default();
            Name { text, span }
        } else {
            Name {
                text: pair.as_str().to_string(),
                span,
            }
        }
    }

    fn function_def(&mut self, pair: Pair<'_, Rule>) -> FunctionDef {
        let mut parameters = Vec::new();
        let mut body = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::parameters => parameters = self.parameters(part),
                Rule::function_body => {
                    body = part
                        .into_inner()
                        .map(|statement| self.statement(statement))
                        .collect();
                }
                _ => {}
            }
        }
        FunctionDef { parameters, body }
    }

    fn parameters(&mut self, pair: Pair<'_, Rule>) -> Vec<Parameter> {
        pair.into_inner()
            .map(|parameter| self.parameter(parameter))
            .collect()
    }

    fn parameter(&mut self, pair: Pair<'_, Rule>) -> Parameter {
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("parameter has a name"));
        let mut kind = ParameterKind::Scalar;
        let mut default = None;
        for part in inner {
            match part.as_rule() {
                Rule::tabular_type => {
                    let (columns, open) = self.tabular_type(part);
                    kind = ParameterKind::Tabular { columns, open };
                }
                Rule::expr => default = Some(self.expr(part)),
                _ => {}
            }
        }
        Parameter {
            name,
            kind,
            default,
        }
    }

    /// Columns of `(a:string, b:long)`; `open` when `*` is among them or the list is empty.
    fn tabular_type(&mut self, pair: Pair<'_, Rule>) -> (Vec<ColumnDecl>, bool) {
        let text = pair.as_str();
        let columns: Vec<ColumnDecl> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::column_decl)
            .map(|p| self.column_decl(p))
            .collect();
        let open = columns.is_empty() || text.contains('*');
        (columns, open)
    }

    fn column_decl(&mut self, pair: Pair<'_, Rule>) -> ColumnDecl {
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("column has a name"));
        let type_name = inner
            .next()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        ColumnDecl { name, type_name }
    }

    fn pipe_expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        if pair.as_rule() == Rule::expr {
            return self.expr(pair);
        }
        let mut inner = pair.into_inner();
        let head = inner.next().expect("pipe_expr has a head");
        let stages: Vec<Pair<'_, Rule>> = inner.collect();
        let source = if head.as_rule() == Rule::expr {
            let expr = self.expr(head);
            if stages.is_empty() {
                return expr;
            }
            Source::Expr(expr)
        } else {
            Source::Operator(self.operator(head))
        };
        let operators = stages
            .into_iter()
            .map(|stage| {
                let operator = stage
                    .into_inner()
                    .find(|p| p.as_rule() != Rule::pipe)
                    .expect("a stage holds an operator");
                self.operator(operator)
            })
            .collect();
        Expr {
            kind: ExprKind::Pipeline(Box::new(Pipeline { source, operators })),
            span,
        }
    }

    fn sub_pipeline(&mut self, pair: Pair<'_, Rule>) -> Vec<Operator> {
        pair.into_inner()
            .map(|part| {
                if part.as_rule() == Rule::pipe_stage {
                    let operator = part
                        .into_inner()
                        .find(|p| p.as_rule() != Rule::pipe)
                        .expect("a stage holds an operator");
                    self.operator(operator)
                } else {
                    self.operator(part)
                }
            })
            .collect()
    }

    fn operator_params(&mut self, pair: Pair<'_, Rule>) -> Vec<OperatorParam> {
        pair.into_inner()
            .map(|param| {
                let mut inner = param.into_inner();
                let name = self.name(inner.next().expect("param has a name"));
                let value = inner.next().map(|p| self.name(p)).unwrap_or_else(|| Name {
                    text: String::new(),
                    span: name.span,
                });
                OperatorParam { name, value }
            })
            .collect()
    }

    fn assignment(&mut self, pair: Pair<'_, Rule>) -> Assignment {
        let mut names = Vec::new();
        let mut value = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::expr => value = Some(self.expr(part)),
                _ => names.push(self.name(part)),
            }
        }
        Assignment {
            names,
            value: value.expect("an assignment has a value"),
        }
    }

    fn column_pattern(&mut self, pair: Pair<'_, Rule>) -> ColumnPattern {
        let wildcard = pair.as_rule() == Rule::wildcard_name;
        ColumnPattern {
            name: self.name(pair),
            wildcard,
        }
    }

    fn mv_item(&mut self, pair: Pair<'_, Rule>) -> MvItem {
        let mut name = None;
        let mut value = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::expr => value = Some(self.expr(part)),
                Rule::kw_to | Rule::typeof_expr => {}
                _ => name = Some(self.name(part)),
            }
        }
        MvItem {
            name,
            value: value.expect("mv item has a value"),
        }
    }

    fn call(&mut self, pair: Pair<'_, Rule>) -> Call {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("call has a name"));
        let arguments = inner
            .next()
            .map(|args| {
                args.into_inner()
                    .map(|argument| {
                        if argument.as_rule() == Rule::named_argument {
                            let mut parts = argument.into_inner();
                            let name = self.name(parts.next().expect("named argument has a name"));
                            let value =
                                self.pipe_expr(parts.next().expect("named argument has a value"));
                            Argument {
                                name: Some(name),
                                value,
                            }
                        } else {
                            Argument {
                                name: None,
                                value: self.pipe_expr(argument),
                            }
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Call {
            name,
            arguments,
            span,
        }
    }

    fn operator(&mut self, pair: Pair<'_, Rule>) -> Operator {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let keyword = parts.first().map_or(span, span_of);
        let exprs = |builder: &mut Self, parts: &[Pair<'_, Rule>]| -> Vec<Expr> {
            parts
                .iter()
                .filter(|p| matches!(p.as_rule(), Rule::expr | Rule::pipe_expr))
                .map(|p| builder.pipe_expr(p.clone()))
                .collect()
        };
        let params = |builder: &mut Self, parts: &[Pair<'_, Rule>]| -> Vec<OperatorParam> {
            parts
                .iter()
                .filter(|p| p.as_rule() == Rule::operator_params)
                .flat_map(|p| builder.operator_params(p.clone()))
                .collect()
        };
        let assignments = |builder: &mut Self, parts: &[Pair<'_, Rule>]| -> Vec<Assignment> {
            parts
                .iter()
                .filter(|p| p.as_rule() == Rule::column_assignment)
                .map(|p| builder.assignment(p.clone()))
                .collect()
        };
        let kind = match rule {
            Rule::where_op => {
                let mut all = exprs(self, &parts);
                OperatorKind::Where(all.remove(0))
            }
            Rule::project_op | Rule::project_smart_op => {
                OperatorKind::Project(assignments(self, &parts))
            }
            Rule::extend_op => OperatorKind::Extend(assignments(self, &parts)),
            Rule::serialize_op => OperatorKind::Serialize(assignments(self, &parts)),
            Rule::print_op => OperatorKind::Print(assignments(self, &parts)),
            Rule::project_away_op | Rule::project_keep_op => {
                let patterns = parts
                    .iter()
                    .filter(|p| {
                        matches!(
                            p.as_rule(),
                            Rule::wildcard_name | Rule::ident | Rule::bracket_name
                        )
                    })
                    .map(|p| self.column_pattern(p.clone()))
                    .collect();
                if rule == Rule::project_away_op {
                    OperatorKind::ProjectAway(patterns)
                } else {
                    OperatorKind::ProjectKeep(patterns)
                }
            }
            Rule::project_reorder_op => OperatorKind::ProjectReorder(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::reorder_item)
                    .filter_map(|p| p.clone().into_inner().next())
                    .map(|p| self.column_pattern(p))
                    .collect(),
            ),
            Rule::project_rename_op => OperatorKind::ProjectRename(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::rename)
                    .map(|p| {
                        let mut inner = p.clone().into_inner();
                        let new = self.name(inner.next().expect("rename has a new name"));
                        let old = self.name(inner.next().expect("rename has an old name"));
                        (new, old)
                    })
                    .collect(),
            ),
            Rule::summarize_op => {
                let aggregates = assignments(self, &parts);
                let by = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::by_clause)
                    .map(|p| assignments(self, &p.clone().into_inner().collect::<Vec<_>>()))
                    .unwrap_or_default();
                OperatorKind::Summarize { aggregates, by }
            }
            Rule::join_op | Rule::lookup_op => {
                let params = params(self, &parts);
                let right = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::operand)
                    .map(|p| self.operand(p.clone()))
                    .expect("join has a right side");
                let on = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::on_clause)
                    .map(|p| exprs(self, &p.clone().into_inner().collect::<Vec<_>>()))
                    .unwrap_or_default();
                OperatorKind::Join {
                    params,
                    right,
                    on,
                    lookup: rule == Rule::lookup_op,
                }
            }
            Rule::union_op => {
                let params = params(self, &parts);
                let tables = parts
                    .iter()
                    .filter_map(|p| match p.as_rule() {
                        Rule::wildcard_name => Some(UnionItem::Wildcard(self.name(p.clone()))),
                        Rule::expr => Some(UnionItem::Expr(self.expr(p.clone()))),
                        _ => None,
                    })
                    .collect();
                OperatorKind::Union { params, tables }
            }
            Rule::parse_op | Rule::parse_where_op => {
                let source = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p.clone()))
                    .expect("parse has a source");
                let columns = parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::parse_pattern)
                    .flat_map(|p| p.clone().into_inner())
                    .filter(|p| p.as_rule() == Rule::parse_column)
                    .filter_map(|p| p.into_inner().next())
                    .map(|p| self.name(p))
                    .collect();
                OperatorKind::Parse { source, columns }
            }
            Rule::parse_kv_op => {
                let source = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p.clone()))
                    .expect("parse-kv has a source");
                let columns = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::tabular_type)
                    .map(|p| self.tabular_type(p.clone()).0)
                    .unwrap_or_default();
                let properties = self.property_values(&parts);
                OperatorKind::ParseKv {
                    source,
                    columns,
                    properties,
                }
            }
            Rule::mv_expand_op | Rule::mv_apply_op => {
                let params = params(self, &parts);
                let items = parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::mv_item)
                    .map(|p| self.mv_item(p.clone()))
                    .collect();
                let limit = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p.clone()));
                if rule == Rule::mv_expand_op {
                    OperatorKind::MvExpand {
                        params,
                        items,
                        limit,
                    }
                } else {
                    let body = parts
                        .iter()
                        .find(|p| p.as_rule() == Rule::sub_pipeline)
                        .map(|p| self.sub_pipeline(p.clone()))
                        .unwrap_or_default();
                    OperatorKind::MvApply {
                        params,
                        items,
                        limit,
                        body,
                    }
                }
            }
            Rule::make_series_op => {
                let mut aggregates = Vec::new();
                let mut defaults = Vec::new();
                let mut axis = None;
                let mut range = Vec::new();
                let mut by = Vec::new();
                for part in &parts {
                    match part.as_rule() {
                        Rule::series_aggregate => {
                            for inner in part.clone().into_inner() {
                                match inner.as_rule() {
                                    Rule::column_assignment => {
                                        aggregates.push(self.assignment(inner))
                                    }
                                    Rule::expr => defaults.push(self.expr(inner)),
                                    _ => {}
                                }
                            }
                        }
                        Rule::expr => axis = Some(self.expr(part.clone())),
                        Rule::series_range => {
                            range = exprs(self, &part.clone().into_inner().collect::<Vec<_>>())
                        }
                        Rule::by_clause => {
                            by = assignments(self, &part.clone().into_inner().collect::<Vec<_>>())
                        }
                        _ => {}
                    }
                }
                OperatorKind::MakeSeries {
                    aggregates,
                    defaults,
                    axis: axis.expect("make-series has an axis"),
                    range,
                    by,
                }
            }
            Rule::top_op => {
                let count = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p.clone()))
                    .expect("top has a count");
                let by = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::sort_item)
                    .and_then(|p| p.clone().into_inner().next())
                    .map(|p| self.expr(p))
                    .expect("top has a sort expression");
                OperatorKind::Top { count, by }
            }
            Rule::sort_op => OperatorKind::Sort(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::sort_item)
                    .filter_map(|p| p.clone().into_inner().next())
                    .map(|p| self.expr(p))
                    .collect(),
            ),
            Rule::take_op => {
                let mut all = exprs(self, &parts);
                OperatorKind::Take(all.remove(0))
            }
            Rule::sample_op => {
                let mut all = exprs(self, &parts);
                OperatorKind::Sample(all.remove(0))
            }
            Rule::sample_distinct_op => {
                let mut all = exprs(self, &parts).into_iter();
                let count = all.next().expect("sample-distinct has a count");
                let column = all.next().expect("sample-distinct has a column");
                OperatorKind::SampleDistinct { count, column }
            }
            Rule::distinct_op => {
                let all = assignments(self, &parts);
                OperatorKind::Distinct(if all.is_empty() { None } else { Some(all) })
            }
            Rule::count_op => OperatorKind::Count,
            Rule::render_op => OperatorKind::Render,
            Rule::getschema_op => OperatorKind::GetSchema,
            Rule::as_op => {
                let name = parts
                    .iter()
                    .rfind(|p| matches!(p.as_rule(), Rule::decl_ident | Rule::bracket_name))
                    .map(|p| self.name(p.clone()))
                    .expect("as has a name");
                OperatorKind::As(name)
            }
            Rule::evaluate_op => {
                let call = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::function_call)
                    .map(|p| self.call(p.clone()))
                    .expect("evaluate has a plugin call");
                OperatorKind::Evaluate { call }
            }
            Rule::datatable_op => {
                let columns = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::tabular_type)
                    .map(|p| self.tabular_type(p.clone()).0)
                    .unwrap_or_default();
                OperatorKind::Datatable {
                    columns,
                    rows: exprs(self, &parts),
                }
            }
            Rule::externaldata_op => {
                let columns = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::tabular_type)
                    .map(|p| self.tabular_type(p.clone()).0)
                    .unwrap_or_default();
                OperatorKind::ExternalData { columns }
            }
            Rule::range_op => {
                let column = parts
                    .iter()
                    .find(|p| matches!(p.as_rule(), Rule::decl_ident | Rule::bracket_name))
                    .map(|p| self.name(p.clone()))
                    .expect("range has a column");
                OperatorKind::Range {
                    column,
                    bounds: exprs(self, &parts),
                }
            }
            Rule::invoke_op => {
                let call = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::function_call)
                    .map(|p| self.call(p.clone()))
                    .expect("invoke has a call");
                OperatorKind::Invoke { call }
            }
            Rule::search_op | Rule::find_op => {
                // The tables searched are named in `in (...)`; the predicate may name columns of
                // any of them.
                let mut foreign = exprs(self, &parts);
                foreign.extend(self.nested_exprs(&parts));
                OperatorKind::Opaque {
                    exprs: Vec::new(),
                    foreign,
                    bodies: Vec::new(),
                }
            }
            _ => {
                // top-nested, top-hitters, facet, fork, reduce, partition, scan, consume, ...
                let mut local = Vec::new();
                let mut bodies = Vec::new();
                self.collect_opaque(&parts, &mut local, &mut bodies);
                OperatorKind::Opaque {
                    exprs: local,
                    foreign: Vec::new(),
                    bodies,
                }
            }
        };
        Operator {
            kind,
            span,
            keyword,
        }
    }

    /// Expressions and sub-pipelines anywhere inside an operator the checks do not model.
    fn collect_opaque(
        &mut self,
        parts: &[Pair<'_, Rule>],
        exprs: &mut Vec<Expr>,
        bodies: &mut Vec<Vec<Operator>>,
    ) {
        for part in parts {
            match part.as_rule() {
                Rule::expr | Rule::pipe_expr => exprs.push(self.pipe_expr(part.clone())),
                Rule::sub_pipeline => bodies.push(self.sub_pipeline(part.clone())),
                Rule::function_call => {
                    let call = self.call(part.clone());
                    exprs.push(Expr {
                        span: call.span,
                        kind: ExprKind::Call(call),
                    });
                }
                Rule::property_list | Rule::property => {}
                _ => {
                    let inner: Vec<_> = part.clone().into_inner().collect();
                    self.collect_opaque(&inner, exprs, bodies);
                }
            }
        }
    }

    fn nested_exprs(&mut self, parts: &[Pair<'_, Rule>]) -> Vec<Expr> {
        parts
            .iter()
            .filter(|p| !matches!(p.as_rule(), Rule::expr | Rule::pipe_expr))
            .flat_map(|p| p.clone().into_inner())
            .filter(|p| matches!(p.as_rule(), Rule::expr | Rule::pipe_expr))
            .map(|p| self.pipe_expr(p))
            .collect()
    }

    fn property_values(&mut self, parts: &[Pair<'_, Rule>]) -> Vec<Expr> {
        parts
            .iter()
            .filter(|p| p.as_rule() == Rule::property_list)
            .flat_map(|p| p.clone().into_inner())
            .filter_map(|property| property.into_inner().find(|p| p.as_rule() == Rule::expr))
            .map(|p| self.expr(p))
            .collect()
    }

    /// A flat `expr` pair (prefixes, operands, postfix tails, infix operators) to a tree, by
    /// precedence: `=` < `or` < `and` < comparisons (and `in`/`between` tails) < `+ -` < `* / %`.
    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        // Split into units: (prefix signs, operand, postfix tails), separated by infix operators.
        let mut units: Vec<Expr> = Vec::new();
        let mut operators: Vec<(u8, BinaryOperator)> = Vec::new();
        let mut signs: Vec<Span> = Vec::new();
        let mut pending_postfix: Vec<Pair<'_, Rule>> = Vec::new();
        let mut current: Option<Expr> = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::prefix => signs.push(span_of(&part)),
                Rule::operand => {
                    let operand = self.operand(part);
                    current = Some(if signs.is_empty() {
                        operand
                    } else {
                        if signs.len() > MAX_OPERATOR_RUN {
                            self.limit_exceeded(signs[0], "signs");
                        }
                        let start = signs[0].start;
                        Expr {
                            span: Span::new(start, operand.span.end),
                            kind: ExprKind::Unary {
                                signs: std::mem::take(&mut signs),
                                operand: Box::new(operand),
                            },
                        }
                    });
                }
                Rule::in_tail | Rule::between_tail | Rule::has_list_tail => {
                    pending_postfix.push(part)
                }
                Rule::or_operator
                | Rule::and_operator
                | Rule::comparison_operator
                | Rule::additive_operator
                | Rule::multiplicative_operator => {
                    let level = match part.as_rule() {
                        Rule::or_operator => 1,
                        Rule::and_operator => 2,
                        Rule::comparison_operator => 3,
                        Rule::additive_operator => 4,
                        _ => 5,
                    };
                    let unit = self.finish_unit(
                        current.take(),
                        &mut pending_postfix,
                        &mut units,
                        &mut operators,
                    );
                    units.push(unit);
                    operators.push((
                        level,
                        BinaryOperator {
                            text: part
                                .as_str()
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" "),
                            span: span_of(&part),
                        },
                    ));
                }
                _ => {}
            }
        }
        let unit = self.finish_unit(
            current.take(),
            &mut pending_postfix,
            &mut units,
            &mut operators,
        );
        units.push(unit);
        let mut tree = build_levels(units, operators, 0);
        tree.span = span;
        tree
    }

    /// Applies postfix tails to the operand. A tail binds at comparison level, so it takes the
    /// additive/multiplicative run before it (`a + b in (1)` is `(a + b) in (1)`): those units are
    /// folded into its left side first.
    fn finish_unit(
        &mut self,
        current: Option<Expr>,
        postfix: &mut Vec<Pair<'_, Rule>>,
        units: &mut Vec<Expr>,
        operators: &mut Vec<(u8, BinaryOperator)>,
    ) -> Expr {
        let mut left = current.expect("the grammar puts an operand before every operator");
        if postfix.is_empty() {
            return left;
        }
        if postfix.len() > MAX_OPERATOR_RUN {
            self.limit_exceeded(span_of(&postfix[0]), "`in`/`between` tests");
            // Each test wraps the previous one: keep the tree shallow.
            postfix.truncate(MAX_OPERATOR_RUN);
        }
        // Fold the trailing arithmetic run into the left side.
        let mut run_start = units.len();
        while run_start > 0 && operators[run_start - 1].0 >= 4 {
            run_start -= 1;
        }
        if run_start < units.len() {
            let mut run_units: Vec<Expr> = units.drain(run_start..).collect();
            run_units.push(left);
            let run_ops: Vec<(u8, BinaryOperator)> = operators.drain(run_start..).collect();
            left = build_levels(run_units, run_ops, 4);
        }
        for tail in postfix.drain(..) {
            let tail_span = span_of(&tail);
            let rule = tail.as_rule();
            let mut inner = tail.into_inner();
            let operator_pair = inner.next().expect("a tail starts with its operator");
            let operator = Name {
                text: operator_pair.as_str().to_string(),
                span: span_of(&operator_pair),
            };
            let span = Span::new(left.span.start, tail_span.end);
            left = if rule == Rule::between_tail {
                let low = inner
                    .next()
                    .map(|p| self.expr(p))
                    .expect("between has a low bound");
                let high = inner
                    .next()
                    .map(|p| self.expr(p))
                    .expect("between has a high bound");
                Expr {
                    span,
                    kind: ExprKind::Between {
                        negated: operator.text.starts_with('!'),
                        left: Box::new(left),
                        low: Box::new(low),
                        high: Box::new(high),
                    },
                }
            } else {
                let items = inner.map(|p| self.pipe_expr(p)).collect();
                Expr {
                    span,
                    kind: ExprKind::InList {
                        operator,
                        left: Box::new(left),
                        items,
                    },
                }
            };
        }
        left
    }

    fn operand(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let primary = self.primary(inner.next().expect("operand has a primary"));
        let steps: Vec<Accessor> = inner
            .map(|accessor| match accessor.as_rule() {
                Rule::index => {
                    let index = accessor
                        .into_inner()
                        .next()
                        .expect("index holds an expression");
                    Accessor::Index(self.expr(index))
                }
                _ => {
                    let member = accessor.into_inner().next().expect("member holds a name");
                    if member.as_rule() == Rule::function_call {
                        Accessor::Method(self.call(member))
                    } else if member.as_rule() == Rule::expr {
                        Accessor::Index(self.expr(member))
                    } else {
                        Accessor::Member(self.name(member))
                    }
                }
            })
            .collect();
        if steps.is_empty() {
            primary
        } else {
            Expr {
                span,
                kind: ExprKind::Path {
                    target: Box::new(primary),
                    steps,
                },
            }
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::string_literal => ExprKind::Literal(LiteralKind::String),
            Rule::number => ExprKind::Literal(LiteralKind::Number),
            Rule::boolean => ExprKind::Literal(LiteralKind::Bool),
            Rule::typed_literal => ExprKind::Literal(LiteralKind::Typed),
            Rule::dynamic_literal => ExprKind::Literal(LiteralKind::Dynamic),
            Rule::typeof_expr => ExprKind::TypeOf,
            Rule::star => ExprKind::Star,
            Rule::left_right => ExprKind::JoinSide(if pair.as_str() == "$left" {
                JoinSide::Left
            } else {
                JoinSide::Right
            }),
            Rule::paren_pipe => {
                let inner = pair
                    .into_inner()
                    .next()
                    .expect("parentheses hold an expression");
                let mut expr = self.pipe_expr(inner);
                expr.span = span;
                return expr;
            }
            Rule::function_call | Rule::special_call => ExprKind::Call(self.call(pair)),
            _ => ExprKind::Name(self.name(pair)),
        };
        Expr { kind, span }
    }
}

/// Builds the tree of one precedence level and above from units and the operators between
/// them; operators of one level become one flat [`ExprKind::Chain`].
fn build_levels(units: Vec<Expr>, operators: Vec<(u8, BinaryOperator)>, level: u8) -> Expr {
    debug_assert_eq!(units.len(), operators.len() + 1);
    if operators.is_empty() {
        return units.into_iter().next().expect("at least one unit");
    }
    if level > 5 {
        return units.into_iter().next().expect("at least one unit");
    }
    if !operators.iter().any(|(l, _)| *l == level) {
        return build_levels(units, operators, level + 1);
    }
    let mut operands = Vec::new();
    let mut chain_operators = Vec::new();
    let mut group_units = Vec::new();
    let mut group_operators = Vec::new();
    let mut units = units.into_iter();
    group_units.push(units.next().expect("at least one unit"));
    for ((operator_level, operator), unit) in operators.into_iter().zip(units) {
        if operator_level == level {
            operands.push(build_levels(
                std::mem::take(&mut group_units),
                std::mem::take(&mut group_operators),
                level + 1,
            ));
            chain_operators.push(operator);
        } else {
            group_operators.push((operator_level, operator));
        }
        group_units.push(unit);
    }
    operands.push(build_levels(group_units, group_operators, level + 1));
    let span = Span::new(
        operands.first().map_or(0, |e| e.span.start),
        operands.last().map_or(0, |e| e.span.end),
    );
    Expr {
        kind: ExprKind::Chain {
            operands,
            operators: chain_operators,
        },
        span,
    }
}

/// The text of a string literal (for bracketed names): quotes removed, escapes resolved.
pub fn string_value(literal: &str) -> String {
    let body = literal.strip_prefix(['h', 'H']).unwrap_or(literal);
    if let Some(verbatim) = body.strip_prefix('@') {
        let quote = verbatim.chars().next().unwrap_or('"');
        let inner = &verbatim[1..verbatim.len().saturating_sub(1).max(1)];
        return inner.replace(&format!("{quote}{quote}"), &quote.to_string());
    }
    if body.starts_with("```") || body.starts_with("~~~") {
        return body[3..body.len().saturating_sub(3).max(3)].to_string();
    }
    let inner = &body[1..body.len().saturating_sub(1).max(1)];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
