//! The SPL parser: `grammar/spl.pest` to the syntax tree of [`super::ast`].
//!
//! Takes: the search text (balance and nesting depth already checked by [`super::lex`], so the
//! recursive grammar stays within a bounded depth). Gives: a [`Pipeline`], or the parser's
//! syntax error as a span and a message saying what was expected.

use super::ast::*;
use crate::diagnostic::Span;
use pest::Parser;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/spl.pest"]
struct SplParser;

/// The bare grammar's verdict on `text` (pest's message on failure), before any diagnosis: for
/// `tests/parser_budget.rs`, which bounds the grammar's work with pest's call limit.
#[doc(hidden)]
pub fn grammar_verdict(text: &str) -> Result<(), String> {
    SplParser::parse(Rule::query, text)
        .map(|_| ())
        .map_err(|error| error.variant.message().into_owned())
}

/// A syntax error: where, and what the parser expected there.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// Parses a whole search.
pub fn parse_query(text: &str) -> Result<Pipeline, SyntaxError> {
    let mut pairs = SplParser::parse(Rule::query, text).map_err(|e| syntax_error(text, &e))?;
    let query = pairs.next().expect("the query rule always yields one pair");
    let pipeline = query
        .into_inner()
        .find(|p| p.as_rule() == Rule::pipeline)
        .expect("a query holds a pipeline");
    Ok(build_pipeline(pipeline))
}

fn span_of(pair: &Pair<Rule>) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

fn syntax_error(text: &str, error: &pest::error::Error<Rule>) -> SyntaxError {
    let (start, _) = match error.location {
        pest::error::InputLocation::Pos(pos) => (pos, pos),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    let found = text[start..].chars().next();
    let end = start + found.map_or(0, char::len_utf8);
    let found_text = match found {
        None => "end of the search".to_string(),
        Some(c) if c.is_whitespace() => "a space".to_string(),
        Some(c) => format!("`{c}`"),
    };
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| describe_rule(*r)).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let message = if expected.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("unexpected {found_text}; expected {}", join_or(&expected))
    };
    SyntaxError {
        span: Span::new(start, end),
        message,
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Human names of the grammar rules that can appear in "expected ..." (the rest are folded
/// into these or are internal).
fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::pipe => "`|`",
        Rule::EOI => "the end of the search",
        Rule::command_name
        | Rule::search_kw
        | Rule::where_kw
        | Rule::eval_kw
        | Rule::tstats_name => "a command name",
        Rule::eval_expr
        | Rule::eval_or
        | Rule::eval_xor
        | Rule::eval_and
        | Rule::eval_not
        | Rule::eval_compare
        | Rule::eval_sum
        | Rule::eval_product
        | Rule::eval_unary
        | Rule::eval_group
        | Rule::number
        | Rule::function_call
        | Rule::eval_function_name
        | Rule::eval_field => "an expression",
        Rule::eval_or_op
        | Rule::eval_xor_op
        | Rule::eval_and_op
        | Rule::eval_cmp_op
        | Rule::eval_in_op
        | Rule::eval_sum_op
        | Rule::eval_product_op => "an operator",
        Rule::assign_op => "`=`",
        Rule::eval_assignment => "`field=expression`",
        Rule::search_and
        | Rule::search_or
        | Rule::search_not
        | Rule::search_group
        | Rule::comparison
        | Rule::in_expr
        | Rule::in_without_list
        | Rule::search_word
        | Rule::search_field
        | Rule::clause_and
        | Rule::clause_or
        | Rule::clause_not
        | Rule::clause_group
        | Rule::clause_word => "a search term",
        Rule::search_cmp_op | Rule::arg_cmp_op => "a comparison operator",
        Rule::and_kw | Rule::or_kw => "`AND`/`OR`",
        Rule::not_kw => "`NOT`",
        Rule::in_kw => "`IN`",
        Rule::quoted => "a quoted string",
        Rule::single_quoted => "a quoted field name",
        Rule::subsearch => "a subsearch `[...]`",
        Rule::macro_call => "a macro",
        Rule::in_list => "a value list",
        Rule::arg_word | Rule::option | Rule::option_key | Rule::function_call_arg => "an argument",
        Rule::comma => "`,`",
        Rule::eval_in_list => "`(`",
        Rule::by_kw => "`by`",
        _ => return None,
    })
}

fn build_pipeline(pair: Pair<Rule>) -> Pipeline {
    let span = span_of(&pair);
    let mut stages = Vec::new();
    let mut pending_pipe = None;
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::pipe => pending_pipe = Some(span_of(&child)),
            Rule::first_slot | Rule::sub_first_slot | Rule::stage_slot => {
                let slot_span = span_of(&child);
                let pipe = pending_pipe.take();
                let implicit_first = child.as_rule() != Rule::stage_slot;
                let stage = match child.into_inner().next() {
                    Some(inner) => build_stage(inner, pipe, implicit_first),
                    None => Stage {
                        pipe,
                        kind: StageKind::Empty,
                        span: pipe.map_or(slot_span, |p| Span::new(p.end, p.end)),
                    },
                };
                stages.push(stage);
            }
            _ => {}
        }
    }
    Pipeline { stages, span }
}

fn build_stage(pair: Pair<Rule>, pipe: Option<Span>, _first: bool) -> Stage {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::implicit_search => StageKind::Search {
            keyword: None,
            expr: pair.into_inner().next().map(build_search),
        },
        Rule::search_stage => {
            let mut inner = pair.into_inner();
            let keyword = span_of(&inner.next().expect("search keyword"));
            StageKind::Search {
                keyword: Some(keyword),
                expr: inner.next().map(build_search),
            }
        }
        Rule::where_stage => {
            let mut inner = pair.into_inner();
            let keyword = span_of(&inner.next().expect("where keyword"));
            StageKind::Where {
                keyword,
                expr: inner.next().map(build_eval),
            }
        }
        Rule::eval_stage => {
            let mut inner = pair.into_inner();
            let keyword = span_of(&inner.next().expect("eval keyword"));
            let assignments = inner.map(build_assignment).collect();
            StageKind::Eval {
                keyword,
                assignments,
            }
        }
        Rule::macro_stage => {
            let mut inner = pair.into_inner();
            let call = build_macro(inner.next().expect("macro"));
            StageKind::Macro {
                call,
                args: inner.map(build_arg).collect(),
            }
        }
        Rule::tstats_stage | Rule::inputlookup_stage | Rule::command_stage => {
            let mut inner = pair.into_inner();
            let name = span_of(&inner.next().expect("command name"));
            let mut command = Command {
                name,
                args: Vec::new(),
                where_clause: None,
                by_clause: None,
            };
            for child in inner {
                match child.as_rule() {
                    Rule::clause_where => {
                        let mut parts = child.into_inner();
                        let keyword = span_of(&parts.next().expect("where keyword"));
                        command.where_clause = Some(WhereClause {
                            keyword,
                            expr: parts.next().map(build_search),
                        });
                    }
                    Rule::clause_by => {
                        let mut parts = child.into_inner();
                        let keyword = span_of(&parts.next().expect("by keyword"));
                        command.by_clause = Some(ByClause {
                            keyword,
                            args: parts.map(build_arg).collect(),
                        });
                    }
                    _ => command.args.push(build_arg(child)),
                }
            }
            StageKind::Command(command)
        }
        rule => unreachable!("not a stage rule: {rule:?}"),
    };
    Stage { pipe, kind, span }
}

fn build_assignment(pair: Pair<Rule>) -> Assignment {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let target = span_of(&inner.next().expect("assignment target"));
    let _operator = inner.next();
    let value = build_eval(inner.next().expect("assignment value"));
    Assignment {
        target,
        value,
        span,
    }
}

fn build_macro(pair: Pair<Rule>) -> MacroCall {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let name = span_of(&inner.next().expect("macro name"));
    let mut args = Vec::new();
    if let Some(list) = inner.next() {
        let list: Vec<Span> = list.into_inner().map(|a| span_of(&a)).collect();
        // `name()` has no argument rather than one empty argument.
        if !(list.len() == 1 && list[0].start == list[0].end) {
            args = list;
        }
    }
    MacroCall { name, args, span }
}

fn build_arg(pair: Pair<Rule>) -> Arg {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::arg_word => ArgKind::Word,
        Rule::quoted | Rule::quoted_word => ArgKind::Quoted,
        Rule::single_quoted => ArgKind::SingleQuoted,
        Rule::comma => ArgKind::Comma,
        Rule::option => {
            let mut inner = pair.into_inner();
            let key = span_of(&inner.next().expect("option key"));
            let operator = span_of(&inner.next().expect("option operator"));
            let value = inner.next().map(|v| Box::new(build_arg(v)));
            ArgKind::Option {
                key,
                operator,
                value,
            }
        }
        Rule::function_call_arg => {
            let mut inner = pair.into_inner();
            let head = inner.next().expect("function head");
            let name = span_of(&head.into_inner().next().expect("function name"));
            ArgKind::Call {
                name,
                args: inner.map(build_arg).collect(),
            }
        }
        Rule::eval_call => {
            let mut inner = pair.into_inner();
            let _head = inner.next();
            ArgKind::EvalCall(build_eval(inner.next().expect("eval body")))
        }
        Rule::arg_group => ArgKind::Group(pair.into_inner().map(build_arg).collect()),
        Rule::subsearch => ArgKind::Subsearch(build_subsearch(pair)),
        Rule::macro_call => ArgKind::Macro(build_macro(pair)),
        rule => unreachable!("not an argument rule: {rule:?}"),
    };
    Arg { kind, span }
}

fn build_subsearch(pair: Pair<Rule>) -> Pipeline {
    let inner = pair.into_inner().next().expect("subsearch pipeline");
    build_pipeline(inner)
}

// ------------------------------------------------------------------------- search expressions

fn build_search(pair: Pair<Rule>) -> SearchExpr {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::search_and | Rule::clause_and => {
            let items: Vec<SearchExpr> = pair
                .into_inner()
                .filter(|p| p.as_rule() != Rule::and_kw)
                .map(build_search)
                .collect();
            collapse(items, span, SearchKind::And)
        }
        Rule::search_or | Rule::clause_or => {
            let items: Vec<SearchExpr> = pair
                .into_inner()
                .filter(|p| p.as_rule() != Rule::or_kw)
                .map(build_search)
                .collect();
            collapse(items, span, SearchKind::Or)
        }
        Rule::search_not | Rule::clause_not => {
            let mut keywords = Vec::new();
            let mut operand = None;
            for child in pair.into_inner() {
                if child.as_rule() == Rule::not_kw {
                    keywords.push(span_of(&child));
                } else {
                    operand = Some(build_search(child));
                }
            }
            let operand = operand.expect("NOT has an operand");
            if keywords.is_empty() {
                operand
            } else {
                SearchExpr {
                    kind: SearchKind::Not {
                        keywords,
                        operand: Box::new(operand),
                    },
                    span,
                }
            }
        }
        Rule::search_group | Rule::clause_group => SearchExpr {
            kind: SearchKind::Group(pair.into_inner().next().map(|p| Box::new(build_search(p)))),
            span,
        },
        Rule::comparison => {
            let mut inner = pair.into_inner();
            let field = span_of(&inner.next().expect("field"));
            let operator = span_of(&inner.next().expect("operator"));
            let value = inner.next().map(build_value);
            SearchExpr {
                kind: SearchKind::Comparison {
                    field,
                    operator,
                    value,
                },
                span,
            }
        }
        Rule::in_expr => {
            let mut inner = pair.into_inner();
            let field = span_of(&inner.next().expect("field"));
            let keyword = span_of(&inner.next().expect("IN"));
            let list = inner.next().expect("IN list");
            let values = list
                .into_inner()
                .filter(|p| p.as_rule() != Rule::comma)
                .map(build_value)
                .collect();
            SearchExpr {
                kind: SearchKind::In {
                    field,
                    keyword,
                    values,
                },
                span,
            }
        }
        Rule::in_without_list => {
            let mut inner = pair.into_inner();
            let field = span_of(&inner.next().expect("field"));
            let keyword = span_of(&inner.next().expect("IN"));
            SearchExpr {
                kind: SearchKind::InWithoutList { field, keyword },
                span,
            }
        }
        _ => SearchExpr {
            kind: SearchKind::Term(build_value(pair)),
            span,
        },
    }
}

fn collapse(
    mut items: Vec<SearchExpr>,
    span: Span,
    make: fn(Vec<SearchExpr>) -> SearchKind,
) -> SearchExpr {
    if items.len() == 1 {
        items.pop().expect("one item")
    } else {
        SearchExpr {
            kind: make(items),
            span,
        }
    }
}

fn build_value(pair: Pair<Rule>) -> SearchValue {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::quoted => ValueKind::Quoted,
        Rule::case_term => ValueKind::Case,
        Rule::term_term => ValueKind::Term,
        Rule::macro_call => ValueKind::Macro(build_macro(pair)),
        Rule::subsearch => ValueKind::Subsearch(build_subsearch(pair)),
        _ => ValueKind::Word,
    };
    SearchValue { kind, span }
}

// ------------------------------------------------------------------------- eval expressions

fn build_eval(pair: Pair<Rule>) -> EvalExpr {
    let span = span_of(&pair);
    let level = match pair.as_rule() {
        Rule::eval_expr | Rule::plain_arg => {
            return build_eval(pair.into_inner().next().expect("expression"));
        }
        Rule::eval_or => BinaryOp::Or,
        Rule::eval_xor => BinaryOp::Xor,
        Rule::eval_and => BinaryOp::And,
        Rule::eval_sum => BinaryOp::Add,
        Rule::eval_product => BinaryOp::Multiply,
        Rule::eval_compare => return build_compare(pair),
        Rule::eval_not | Rule::eval_unary => {
            let mut operators = Vec::new();
            let mut operand = None;
            for child in pair.into_inner() {
                match child.as_rule() {
                    Rule::eval_not_op | Rule::eval_neg_op => operators.push(span_of(&child)),
                    _ => operand = Some(build_eval(child)),
                }
            }
            let operand = operand.expect("unary operand");
            if operators.is_empty() {
                return operand;
            }
            return EvalExpr {
                kind: EvalKind::Unary {
                    operators,
                    operand: Box::new(operand),
                },
                span,
            };
        }
        Rule::eval_group => {
            let inner = build_eval(pair.into_inner().next().expect("group body"));
            return EvalExpr {
                kind: EvalKind::Group(Box::new(inner)),
                span,
            };
        }
        Rule::function_call => {
            let mut inner = pair.into_inner();
            let name = span_of(&inner.next().expect("function name"));
            return EvalExpr {
                kind: EvalKind::Call {
                    name,
                    args: inner.map(build_eval).collect(),
                },
                span,
            };
        }
        Rule::number => return leaf(EvalKind::Number, span),
        Rule::quoted => return leaf(EvalKind::String, span),
        Rule::single_quoted => return leaf(EvalKind::QuotedField, span),
        Rule::eval_field => return leaf(EvalKind::Field, span),
        Rule::macro_call => return leaf(EvalKind::Macro(build_macro(pair)), span),
        rule => unreachable!("not an expression rule: {rule:?}"),
    };
    let mut operands = Vec::new();
    let mut operators = Vec::new();
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::eval_or_op
            | Rule::eval_xor_op
            | Rule::eval_and_op
            | Rule::eval_sum_op
            | Rule::eval_product_op => operators.push(span_of(&child)),
            _ => operands.push(build_eval(child)),
        }
    }
    chain(level, operands, operators, span)
}

fn leaf(kind: EvalKind, span: Span) -> EvalExpr {
    EvalExpr { kind, span }
}

fn chain(
    level: BinaryOp,
    mut operands: Vec<EvalExpr>,
    operators: Vec<Span>,
    span: Span,
) -> EvalExpr {
    if operators.is_empty() && operands.len() == 1 {
        return operands.pop().expect("one operand");
    }
    EvalExpr {
        kind: EvalKind::Chain {
            level,
            operands,
            operators,
        },
        span,
    }
}

/// `a = b`, `a LIKE b`, `a IN (x, y)`: comparisons chain left to right; an `IN` takes what
/// precedes it as its left operand.
fn build_compare(pair: Pair<Rule>) -> EvalExpr {
    let mut operands: Vec<EvalExpr> = Vec::new();
    let mut operators = Vec::new();
    let mut pending_in: Option<Span> = None;
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::eval_cmp_op => operators.push(span_of(&child)),
            Rule::eval_in_op => pending_in = Some(span_of(&child)),
            Rule::eval_in_list => {
                let list_span = span_of(&child);
                let list: Vec<EvalExpr> = child.into_inner().map(build_eval).collect();
                let left = chain_of(
                    std::mem::take(&mut operands),
                    std::mem::take(&mut operators),
                );
                let keyword = pending_in.take().expect("IN before its list");
                let span = left.span.join(list_span);
                operands.push(EvalExpr {
                    kind: EvalKind::In {
                        value: Box::new(left),
                        keyword,
                        list,
                    },
                    span,
                });
            }
            _ => operands.push(build_eval(child)),
        }
    }
    chain_of(operands, operators)
}

fn chain_of(operands: Vec<EvalExpr>, operators: Vec<Span>) -> EvalExpr {
    let span = operands
        .iter()
        .map(|o| o.span)
        .reduce(Span::join)
        .expect("a comparison has an operand");
    chain(BinaryOp::Compare, operands, operators, span)
}

/// Parses one backquoted macro call (`` `name(a, b)` ``); spans are relative to `text`.
pub fn parse_macro_call(text: &str) -> Option<MacroCall> {
    let pair = SplParser::parse(Rule::macro_call, text).ok()?.next()?;
    (pair.as_span().end() == text.len()).then(|| build_macro(pair))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_expr(text: &str) -> SearchExpr {
        let pipeline = parse_query(text).unwrap();
        match &pipeline.stages[0].kind {
            StageKind::Search {
                expr: Some(expr), ..
            } => expr.clone(),
            other => panic!("not a search: {other:?}"),
        }
    }

    #[test]
    fn or_binds_tighter_than_and_in_the_search_command() {
        // `a b OR c` is `a AND (b OR c)` (Search Manual, "Boolean expressions").
        let SearchKind::And(items) = first_expr("a b OR c").kind else {
            panic!("expected AND at the top")
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1].kind, SearchKind::Or(_)));
    }

    #[test]
    fn and_binds_tighter_than_or_in_eval() {
        let pipeline = parse_query("| where a=1 OR b=2 AND c=3").unwrap();
        let StageKind::Where {
            expr: Some(expr), ..
        } = &pipeline.stages[1].kind
        else {
            panic!("expected where")
        };
        let EvalKind::Chain {
            level, operands, ..
        } = &expr.kind
        else {
            panic!("expected a chain")
        };
        assert_eq!(*level, BinaryOp::Or);
        assert!(matches!(
            operands[1].kind,
            EvalKind::Chain {
                level: BinaryOp::And,
                ..
            }
        ));
    }

    #[test]
    fn spans_index_the_parsed_text() {
        let text = "index=main | stats count by host";
        let pipeline = parse_query(text).unwrap();
        let StageKind::Command(command) = &pipeline.stages[1].kind else {
            panic!("expected a command")
        };
        assert_eq!(&text[command.name.start..command.name.end], "stats");
        assert_eq!(pipeline.stages[1].pipe, Some(Span::new(11, 12)));
    }
}
