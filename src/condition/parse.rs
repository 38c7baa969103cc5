use super::{Condition, Quantifier, QuantifierTarget};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::rule::Spanned;
use pest::Parser;
use pest::iterators::Pair;
use std::sync::Arc;

/// Deepest parenthesis nesting accepted; deeper input is a diagnostic, never a stack overflow.
pub const MAX_NESTING: usize = 64;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/condition.pest"]
struct ConditionParser;

/// The bare grammar's verdict on `text` (pest's message on failure), before any diagnosis: for
/// `tests/parser_budget.rs`, which bounds the grammar's work with pest's call limit.
#[doc(hidden)]
pub fn grammar_verdict(text: &str) -> Result<(), String> {
    ConditionParser::parse(Rule::condition, text)
        .map(|_| ())
        .map_err(|error| error.variant.message().into_owned())
}

/// Maps offsets inside the condition text to spans in the file. Exact when the condition is
/// written verbatim in the file (plain or simple quotes); otherwise every span is the whole value.
struct SpanMap {
    whole: Span,
    base: Option<usize>,
}

impl SpanMap {
    fn new(file: &SourceFile, condition: &Spanned<String>) -> SpanMap {
        let span = condition.span;
        let raw = file.text.get(span.start..span.end).unwrap_or_default();
        let base = if raw == condition.value {
            Some(span.start)
        } else if raw.len() == condition.value.len() + 2
            && raw.get(1..raw.len() - 1) == Some(condition.value.as_str())
        {
            Some(span.start + 1)
        } else {
            None
        };
        SpanMap { whole: span, base }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        match self.base {
            Some(base) => Span::new(base + start, base + end),
            None => self.whole,
        }
    }
}

/// Parses one condition and resolves its names against `selection_names` (in rule order).
pub fn parse_condition(
    file: &Arc<SourceFile>,
    condition: &Spanned<String>,
    selection_names: &[&str],
) -> Result<Condition, Vec<Diagnostic>> {
    let spans = SpanMap::new(file, condition);
    let text = condition.value.as_str();
    check_nesting(file, text, &spans)?;
    let mut pairs = ConditionParser::parse(Rule::condition, text)
        .map_err(|error| vec![syntax_error(file, &spans, text, &error)])?;
    let condition_pair = pairs
        .next()
        .expect("the condition rule always yields one pair");
    let or_pair = condition_pair
        .into_inner()
        .next()
        .expect("condition holds an or_expr");
    let mut builder = Builder {
        file,
        spans: &spans,
        names: selection_names,
        diagnostics: Vec::new(),
    };
    let ast = builder.build(or_pair);
    if builder.diagnostics.is_empty() {
        Ok(ast)
    } else {
        Err(builder.diagnostics)
    }
}

fn check_nesting(
    file: &Arc<SourceFile>,
    text: &str,
    spans: &SpanMap,
) -> Result<(), Vec<Diagnostic>> {
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(vec![
                        Diagnostic::error(
                            "condition-too-deep",
                            format!("condition nests parentheses deeper than {MAX_NESTING} levels"),
                        )
                        .in_file(file)
                        .at(
                            spans.span(offset, offset + 1),
                            "nesting limit exceeded here",
                        )
                        .with_help("flatten the condition; `1 of x*` and `all of x*` help"),
                    ]);
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn describe_rule(rule: &Rule) -> &'static str {
    match rule {
        Rule::or_expr | Rule::and_expr | Rule::not_expr => "an expression",
        Rule::group => "`(`",
        Rule::quantified | Rule::quantifier | Rule::one | Rule::any | Rule::all => {
            "`1 of` / `all of`"
        }
        Rule::them => "`them`",
        Rule::pattern => "a selection name pattern",
        Rule::identifier => "a selection name",
        Rule::not_op => "`not`",
        Rule::and_op | Rule::or_op => "`and`, `or`",
        Rule::of_kw => "`of`",
        Rule::EOI => "end of condition",
        _ => "`and`, `or` or `)`",
    }
}

fn syntax_error(
    file: &Arc<SourceFile>,
    spans: &SpanMap,
    text: &str,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let (start, end) = match error.location {
        pest::error::InputLocation::Pos(pos) => (pos, pos),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    let found = text[start..]
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .next()
        .filter(|token| !token.is_empty())
        .map(str::to_string)
        .or_else(|| text[start..].chars().next().map(String::from));
    let end = match &found {
        Some(token) => start + token.len(),
        None => end,
    };
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(describe_rule).collect();
            names.dedup();
            names.sort();
            names.dedup();
            if names.is_empty() {
                "a valid condition".to_string()
            } else {
                names.join(", ")
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let message = match &found {
        Some(token) => format!("condition syntax error: unexpected `{token}`, expected {expected}"),
        None => format!("condition syntax error: unexpected end of condition, expected {expected}"),
    };
    Diagnostic::error("condition-syntax", message)
        .in_file(file)
        .at(spans.span(start, end.max(start)), "here")
        .with_help("conditions combine selection names with `and`, `or`, `not`, parentheses and `1 of` / `all of`")
}

struct Builder<'a> {
    file: &'a Arc<SourceFile>,
    spans: &'a SpanMap,
    names: &'a [&'a str],
    diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn span_of(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        self.spans.span(span.start(), span.end())
    }

    fn build(&mut self, pair: Pair<'_, Rule>) -> Condition {
        match pair.as_rule() {
            Rule::or_expr => {
                let mut items: Vec<Condition> = pair
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::or_op)
                    .map(|p| self.build(p))
                    .collect();
                if items.len() == 1 {
                    items.pop().expect("one item")
                } else {
                    Condition::Or(items)
                }
            }
            Rule::and_expr => {
                let mut items: Vec<Condition> = pair
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::and_op)
                    .map(|p| self.build(p))
                    .collect();
                if items.len() == 1 {
                    items.pop().expect("one item")
                } else {
                    Condition::And(items)
                }
            }
            Rule::not_expr => {
                let mut negations = 0;
                let mut inner = None;
                for child in pair.into_inner() {
                    if child.as_rule() == Rule::not_op {
                        negations += 1;
                    } else {
                        inner = Some(self.build(child));
                    }
                }
                let condition = inner.expect("not_expr holds a primary");
                // `not not x` is `x`: only the parity matters, so a run of 30,000 `not`s is one
                // node, never a tree as deep as the run (which every later stage would recurse).
                if negations % 2 == 1 {
                    Condition::Not(Box::new(condition))
                } else {
                    condition
                }
            }
            Rule::group => {
                let inner = pair.into_inner().next().expect("group holds an or_expr");
                self.build(inner)
            }
            Rule::identifier => self.identifier(&pair),
            Rule::quantified => self.quantified(pair),
            other => unreachable!("grammar yields no {other:?} here"),
        }
    }

    fn identifier(&mut self, pair: &Pair<'_, Rule>) -> Condition {
        let name = pair.as_str().to_string();
        let span = self.span_of(pair);
        if !self.names.contains(&name.as_str()) {
            let mut diagnostic = Diagnostic::error(
                "undefined-selection",
                format!("the condition names `{name}`, but no selection has that name"),
            )
            .in_file(self.file)
            .at(span, "not defined in `detection`");
            if let Some(suggestion) = crate::text::closest(&name, self.names.iter().copied()) {
                diagnostic = diagnostic
                    .with_help(format!("did you mean `{suggestion}`?"))
                    .with_rename(span, &name, suggestion);
            } else {
                diagnostic =
                    diagnostic.with_help(format!("defined selections: {}", self.names.join(", ")));
            }
            self.diagnostics.push(diagnostic);
        }
        Condition::Selection { name, span }
    }

    fn quantified(&mut self, pair: Pair<'_, Rule>) -> Condition {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let quantifier_pair = inner.next().expect("quantifier");
        inner.next(); // `of`
        let quantifier = match quantifier_pair.into_inner().next().map(|p| p.as_rule()) {
            Some(Rule::all) => Quantifier::All,
            _ => Quantifier::Any,
        };
        let target_pair = inner.next().expect("them or pattern");
        let target_span = self.span_of(&target_pair);
        let (target, selections) = if target_pair.as_rule() == Rule::them {
            let names: Vec<String> = self
                .names
                .iter()
                .filter(|name| !name.starts_with('_'))
                .map(|name| name.to_string())
                .collect();
            (QuantifierTarget::Them, names)
        } else {
            let pattern = target_pair.as_str().to_string();
            let names: Vec<String> = self
                .names
                .iter()
                .filter(|name| wildcard_match(&pattern, name))
                .map(|name| name.to_string())
                .collect();
            (QuantifierTarget::Pattern(pattern), names)
        };
        if selections.is_empty() {
            let what = match &target {
                QuantifierTarget::Them => {
                    "`them` (every selection not starting with `_`)".to_string()
                }
                QuantifierTarget::Pattern(p) => format!("`{p}`"),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    "pattern-matches-nothing",
                    format!("{what} matches no selection"),
                )
                .in_file(self.file)
                .at(target_span, "no selection matches")
                .with_help(format!("defined selections: {}", self.names.join(", "))),
            );
        }
        Condition::Quantified {
            quantifier,
            target,
            selections,
            span,
        }
    }
}

/// Sigma's identifier patterns: `*` matches any run of characters, everything else literally.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(index) => rest = &rest[index + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, names: &[&str]) -> Result<Condition, Vec<Diagnostic>> {
        let file = Arc::new(SourceFile::new("c.yml", text));
        parse_condition(
            &file,
            &Spanned::new(text.into(), Span::new(0, text.len())),
            names,
        )
    }

    fn sel(name: &str, start: usize) -> Condition {
        Condition::Selection {
            name: name.into(),
            span: Span::new(start, start + name.len()),
        }
    }

    #[test]
    fn not_binds_tighter_than_and_than_or() {
        let ast = parse("a or b and not c", &["a", "b", "c"]).unwrap();
        assert_eq!(
            ast,
            Condition::Or(vec![
                sel("a", 0),
                Condition::And(vec![sel("b", 5), Condition::Not(Box::new(sel("c", 15)))]),
            ])
        );
    }

    #[test]
    fn them_skips_underscore_names_and_patterns_resolve() {
        let ast = parse("1 of them and all of sel*", &["sel1", "_aux", "sel2", "x"]).unwrap();
        let Condition::And(items) = ast else { panic!() };
        let Condition::Quantified { selections, .. } = &items[0] else {
            panic!()
        };
        assert_eq!(selections, &["sel1", "sel2", "x"]);
        let Condition::Quantified { selections, .. } = &items[1] else {
            panic!()
        };
        assert_eq!(selections, &["sel1", "sel2"]);
    }

    #[test]
    fn keywords_are_case_insensitive_and_names_may_contain_keywords() {
        let ast = parse("selection AND NOT filter_or", &["selection", "filter_or"]).unwrap();
        assert!(matches!(ast, Condition::And(_)));
    }

    #[test]
    fn errors_point_at_the_token() {
        let errors = parse("sel and or x", &["sel", "x"]).unwrap_err();
        assert_eq!(errors[0].code, "condition-syntax");
        assert_eq!(errors[0].primary_span(), Some(Span::new(8, 10)));
        let errors = parse("sel and slection", &["sel", "selection"]).unwrap_err();
        assert_eq!(errors[0].code, "undefined-selection");
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `selection`?"));
    }

    #[test]
    fn deep_nesting_is_a_diagnostic_not_a_crash() {
        let text = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        let errors = parse(&text, &["a"]).unwrap_err();
        assert_eq!(errors[0].code, "condition-too-deep");
        let ok = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse(&ok, &["a"]).is_ok());
    }

    /// 30,000 `not`s crashed compile and check with a stack overflow (every stage recursed once
    /// per `not`): a run of them is its parity, one node deep.
    #[test]
    fn a_run_of_nots_is_its_parity() {
        let odd = format!("{}a", "not ".repeat(30_001));
        assert!(
            matches!(parse(&odd, &["a"]).unwrap(), Condition::Not(inner) if matches!(*inner, Condition::Selection { .. }))
        );
        let even = format!("{}a", "not ".repeat(30_000));
        assert!(matches!(
            parse(&even, &["a"]).unwrap(),
            Condition::Selection { .. }
        ));
    }

    #[test]
    fn pattern_matching_nothing_is_an_error() {
        let errors = parse("1 of nomatch*", &["a"]).unwrap_err();
        assert_eq!(errors[0].code, "pattern-matches-nothing");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("sel*", "selection"));
        assert!(wildcard_match("*tion", "selection"));
        assert!(wildcard_match("s*c*n", "selection"));
        assert!(!wildcard_match("filter*", "selection"));
    }
}
