//! Lowering: selections and conditions to one [`Expr`], applying every value modifier.

use super::pattern::{base64, base64_offsets, parse_sigma_string, utf16_bytes};
use super::*;
use crate::condition::{Condition, Quantifier, parse_condition};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::rule::{FieldMatcher, FilterRule, Modifier, Rule, Selection, SelectionBody, Spanned};
use crate::yaml::{Node, ScalarValue};
use std::collections::HashMap;
use std::sync::Arc;

/// Lowers a detection rule, with the filters that apply to it: `(rule condition) and (filter
/// condition)` for each filter, as pySigma applies them. All problems of the rule are returned
/// together; a filter with problems of its own fails the rule with one `filter-invalid` (the
/// filter's problems are reported where the filter is loaded, once).
pub fn lower_rule(rule: &Rule) -> Result<LoweredRule, Vec<Diagnostic>> {
    let mut expr = lower_detection(
        &rule.file,
        None,
        &rule.detection.selections,
        &rule.detection.conditions,
    )
    .map_err(|diagnostics| {
        if diagnostics.is_empty() {
            vec![
                Diagnostic::error("missing-key", "the rule has no condition")
                    .in_file(&rule.file)
                    .at(rule.detection.span, "no `condition` here"),
            ]
        } else {
            diagnostics
        }
    })?;
    for filter in &rule.filters {
        let Ok(filter_expr) = lower_filter(filter) else {
            let at = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
            let position = filter.file.line_column(filter.span.start);
            return Err(vec![
                Diagnostic::error(
                    "filter-invalid",
                    format!(
                        "the filter `{}` ({}:{}) applies to this rule but has errors; the rule is not compiled without it",
                        filter.title(),
                        filter.file.display_path(),
                        position.line
                    ),
                )
                .in_file(&rule.file)
                .at(at, "filtered rule")
                .with_help("fix the filter (its errors are reported with it)"),
            ]);
        };
        expr = Expr::and(vec![expr, filter_expr]);
    }
    Ok(LoweredRule { expr })
}

/// Lowers a filter's selections and condition. Its predicates carry the filter's file, so a
/// later problem with one of them (mapping, backend) points into the filter.
pub fn lower_filter(filter: &FilterRule) -> Result<Expr, Vec<Diagnostic>> {
    lower_detection(
        &filter.file,
        Some(&filter.file),
        &filter.selections,
        std::slice::from_ref(&filter.condition),
    )
}

/// Selections and conditions (ORed) to one expression; `Err(empty)` when there is no condition.
fn lower_detection(
    file: &Arc<SourceFile>,
    origin: Option<&Arc<SourceFile>>,
    selections: &[Selection],
    condition_texts: &[Spanned<String>],
) -> Result<Expr, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let names: Vec<&str> = selections.iter().map(|s| s.name.value.as_str()).collect();
    let mut lowered_selections: HashMap<&str, Expr> = HashMap::new();
    for selection in selections {
        let mut lowerer = Lowerer {
            file,
            origin: origin.cloned(),
            diagnostics: &mut diagnostics,
        };
        if let Some(expr) = lowerer.selection(&selection.body) {
            lowered_selections.insert(selection.name.value.as_str(), expr);
        }
    }
    let mut conditions = Vec::new();
    for condition in condition_texts {
        match parse_condition(file, condition, &names) {
            Ok(ast) => conditions.push(ast),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if !diagnostics.is_empty() || conditions.is_empty() {
        return Err(diagnostics);
    }
    let mut used = Vec::new();
    conditions.iter().for_each(|c| c.selection_names(&mut used));
    for selection in selections {
        if matches!(selection.body, SelectionBody::Empty)
            && used.contains(&selection.name.value.as_str())
        {
            diagnostics.push(
                Diagnostic::error(
                    "empty-selection",
                    format!("selection `{}` is empty", selection.name.value),
                )
                .in_file(file)
                .at(selection.span, "nothing to match")
                .with_help("give the selection a field map or a list of keywords, or take it out of the condition"),
            );
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let exprs = conditions
        .iter()
        .map(|c| condition_expr(c, &lowered_selections))
        .collect();
    Ok(Expr::or(exprs))
}

fn condition_expr(condition: &Condition, selections: &HashMap<&str, Expr>) -> Expr {
    match condition {
        Condition::And(items) => Expr::and(
            items
                .iter()
                .map(|c| condition_expr(c, selections))
                .collect(),
        ),
        Condition::Or(items) => Expr::or(
            items
                .iter()
                .map(|c| condition_expr(c, selections))
                .collect(),
        ),
        Condition::Not(inner) => Expr::negate(condition_expr(inner, selections)),
        Condition::Selection { name, .. } => selections[name.as_str()].clone(),
        Condition::Quantified {
            quantifier,
            selections: names,
            ..
        } => {
            let items = names
                .iter()
                .map(|n| selections[n.as_str()].clone())
                .collect();
            match quantifier {
                Quantifier::Any => Expr::or(items),
                Quantifier::All => Expr::and(items),
            }
        }
    }
}

struct Lowerer<'a> {
    file: &'a Arc<SourceFile>,
    /// Set when lowering a filter: the file its predicates come from.
    origin: Option<Arc<SourceFile>>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

/// A value on its way through the modifier chain.
#[derive(Debug, Clone)]
enum Working {
    Text(Pattern),
    /// Output of an encoding modifier (`wide` & co.), waiting for `base64`.
    Bytes(Vec<u8>),
    Number(Number),
    Bool(bool),
    Null,
}

/// What the modifiers make of the values, apart from the value transformations.
#[derive(Default)]
struct Plan {
    all: bool,
    cased: bool,
    neq: bool,
    regex: Option<RegexFlags>,
    cidr: bool,
    exists: bool,
    fieldref: bool,
    expand: bool,
    comparison: Option<Comparison>,
    time_part: Option<TimePart>,
    position: Option<Position>,
}

impl Lowerer<'_> {
    fn error(
        &mut self,
        code: &'static str,
        message: String,
        span: crate::diagnostic::Span,
        label: &str,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .in_file(self.file)
            .at(span, label)
    }

    fn selection(&mut self, body: &SelectionBody) -> Option<Expr> {
        match body {
            SelectionBody::Keywords(values) => {
                let mut items = Vec::new();
                for value in values {
                    items.push(self.keyword(value)?);
                }
                Some(Expr::or(items))
            }
            SelectionBody::FieldMaps(maps) => {
                let mut alternatives = Vec::new();
                let mut ok = true;
                for map in maps {
                    let mut conjuncts = Vec::new();
                    for matcher in &map.matchers {
                        match self.matcher(matcher) {
                            Some(expr) => conjuncts.push(expr),
                            None => ok = false,
                        }
                    }
                    alternatives.push(Expr::and(conjuncts));
                }
                ok.then(|| Expr::or(alternatives))
            }
            // Refused where a condition uses it (`lower_detection`); otherwise never read.
            SelectionBody::Empty => None,
        }
    }

    /// A keyword is searched anywhere in the event: `v` means `*v*`.
    fn keyword(&mut self, node: &Node) -> Option<Expr> {
        let Some(scalar) = node.as_scalar() else {
            let d = self.error(
                "wrong-type",
                "a keyword must be a plain value".into(),
                node.span,
                "",
            );
            self.diagnostics.push(d);
            return None;
        };
        if node.is_null() {
            let d = self
                .error(
                    "wrong-type",
                    "a keyword cannot be null".into(),
                    node.span,
                    "null keyword",
                )
                .with_help("keywords are strings searched anywhere in the event");
            self.diagnostics.push(d);
            return None;
        }
        let pattern = parse_sigma_string(&scalar.text, false).contains();
        Some(Expr::Predicate(Predicate {
            field: None,
            matcher: Matcher::Text {
                pattern,
                cased: false,
            },
            span: node.span,
            origin: self.origin.clone(),
        }))
    }

    fn plan(&mut self, matcher: &FieldMatcher) -> Option<Plan> {
        let mut plan = Plan::default();
        let mut ok = true;
        let mut type_modifier: Option<Spanned<Modifier>> = None;
        for modifier in &matcher.modifiers {
            match modifier.value {
                Modifier::All => plan.all = true,
                Modifier::Cased => plan.cased = true,
                Modifier::Neq => plan.neq = true,
                Modifier::Expand => plan.expand = true,
                Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith => {
                    let position = match modifier.value {
                        Modifier::Contains => Position::Contains,
                        Modifier::StartsWith => Position::StartsWith,
                        _ => Position::EndsWith,
                    };
                    if let Some(existing) = plan.position
                        && existing != position
                    {
                        let d = self.error(
                            "conflicting-modifiers",
                            format!(
                                "`{}` conflicts with another position modifier",
                                modifier.value.name()
                            ),
                            modifier.span,
                            "contains / startswith / endswith: use one",
                        );
                        self.diagnostics.push(d);
                        ok = false;
                    }
                    plan.position = Some(position);
                }
                Modifier::Re => {
                    ok &= self.set_type(&mut type_modifier, modifier);
                    plan.regex = Some(RegexFlags::default());
                }
                Modifier::ReIgnoreCase | Modifier::ReMultiLine | Modifier::ReDotAll => {
                    match plan.regex.as_mut() {
                        Some(flags) => match modifier.value {
                            Modifier::ReIgnoreCase => flags.ignore_case = true,
                            Modifier::ReMultiLine => flags.multi_line = true,
                            _ => flags.dot_all = true,
                        },
                        None => {
                            let d = self.error(
                                "conflicting-modifiers",
                                format!(
                                    "`{}` is a sub-modifier of `re` and must follow it",
                                    modifier.value.name()
                                ),
                                modifier.span,
                                "no `re` before this",
                            );
                            self.diagnostics.push(d);
                            ok = false;
                        }
                    }
                }
                Modifier::Cidr => {
                    ok &= self.set_type(&mut type_modifier, modifier);
                    plan.cidr = true;
                }
                Modifier::Exists => {
                    ok &= self.set_type(&mut type_modifier, modifier);
                    plan.exists = true;
                }
                Modifier::FieldRef => {
                    ok &= self.set_type(&mut type_modifier, modifier);
                    plan.fieldref = true;
                }
                Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte => {
                    if plan.time_part.is_none() {
                        ok &= self.set_type(&mut type_modifier, modifier);
                    }
                    plan.comparison = Some(match modifier.value {
                        Modifier::Lt => Comparison::Less,
                        Modifier::Lte => Comparison::LessOrEqual,
                        Modifier::Gt => Comparison::Greater,
                        _ => Comparison::GreaterOrEqual,
                    });
                }
                Modifier::Minute
                | Modifier::Hour
                | Modifier::Day
                | Modifier::Week
                | Modifier::Month
                | Modifier::Year => {
                    if plan.comparison.is_none() {
                        ok &= self.set_type(&mut type_modifier, modifier);
                    }
                    plan.time_part = Some(match modifier.value {
                        Modifier::Minute => TimePart::Minute,
                        Modifier::Hour => TimePart::Hour,
                        Modifier::Day => TimePart::Day,
                        Modifier::Week => TimePart::Week,
                        Modifier::Month => TimePart::Month,
                        _ => TimePart::Year,
                    });
                }
                // Value transformations run in the value pass, in order.
                Modifier::Windash
                | Modifier::Base64
                | Modifier::Base64Offset
                | Modifier::Utf16Le
                | Modifier::Utf16Be
                | Modifier::Utf16
                | Modifier::Wide => {
                    if type_modifier
                        .as_ref()
                        .is_some_and(|t| !matches!(t.value, Modifier::FieldRef))
                        || plan.fieldref
                    {
                        let d = self.error(
                            "conflicting-modifiers",
                            format!(
                                "`{}` transforms string values and cannot follow a type modifier",
                                modifier.value.name()
                            ),
                            modifier.span,
                            "",
                        );
                        self.diagnostics.push(d);
                        ok = false;
                    }
                }
            }
        }
        if let Some(type_modifier) = &type_modifier
            && plan.position.is_some()
            && !plan.fieldref
        {
            let d = self.error(
                "conflicting-modifiers",
                format!(
                    "`{}` cannot be combined with contains / startswith / endswith",
                    type_modifier.value.name()
                ),
                type_modifier.span,
                "a type modifier decides the comparison itself",
            );
            self.diagnostics.push(d);
            ok = false;
        }
        ok.then_some(plan)
    }

    /// Records the one type modifier of a matcher; a second one is a conflict.
    fn set_type(
        &mut self,
        current: &mut Option<Spanned<Modifier>>,
        modifier: &Spanned<Modifier>,
    ) -> bool {
        if let Some(previous) = current {
            let d = self
                .error(
                    "conflicting-modifiers",
                    format!(
                        "`{}` cannot be combined with `{}`",
                        modifier.value.name(),
                        previous.value.name()
                    ),
                    modifier.span,
                    "conflicts with an earlier modifier",
                )
                .with_note_at(previous.span, "this one");
            self.diagnostics.push(d);
            return false;
        }
        *current = Some(modifier.clone());
        true
    }

    fn matcher(&mut self, matcher: &FieldMatcher) -> Option<Expr> {
        let plan = self.plan(matcher)?;
        let field = matcher.field.as_ref().map(|f| f.value.clone());
        if field.is_none()
            && (plan.regex.is_some()
                || plan.cidr
                || plan.exists
                || plan.fieldref
                || plan.comparison.is_some()
                || plan.time_part.is_some())
        {
            let d = self.error(
                "keyword-modifier",
                "keyword searches (no field name) only take string modifiers".into(),
                matcher.key_span,
                "no field before the modifiers",
            );
            self.diagnostics.push(d);
            return None;
        }
        // One alternative per value: a value that a modifier expands (windash, base64offset)
        // matches when any of its variants does, so `|all` ANDs the values, never the variants.
        let mut alternatives = Vec::new();
        let mut ok = true;
        for node in &matcher.values {
            match self.value_predicates(matcher, &plan, field.as_deref(), node) {
                Some(mut variants) => {
                    if field.is_none() {
                        // The keyword map form (`'|all': [...]`): keywords match anywhere.
                        variants = variants.into_iter().map(keyword_contains).collect();
                    }
                    alternatives.push(Expr::or(variants));
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let combined = if plan.all {
            Expr::and(alternatives)
        } else {
            Expr::or(alternatives)
        };
        Some(if plan.neq {
            Expr::negate(combined)
        } else {
            combined
        })
    }

    /// The predicates of one value; several when a modifier expands it (windash, base64offset).
    fn value_predicates(
        &mut self,
        matcher: &FieldMatcher,
        plan: &Plan,
        field: Option<&str>,
        node: &Node,
    ) -> Option<Vec<Expr>> {
        let scalar = node.as_scalar()?;
        let value = scalar.value();
        let span = node.span;
        let origin = self.origin.clone();
        let predicate = |matcher: Matcher| {
            Expr::Predicate(Predicate {
                field: field.map(str::to_string),
                matcher,
                span,
                origin: origin.clone(),
            })
        };
        if plan.exists {
            return match value {
                ScalarValue::Bool(b) => Some(vec![predicate(Matcher::Exists(b))]),
                _ => {
                    let d = self.error(
                        "invalid-value",
                        format!("`exists` takes true or false, found {}", node.kind_name()),
                        span,
                        "expected a boolean",
                    );
                    self.diagnostics.push(d);
                    None
                }
            };
        }
        if matches!(value, ScalarValue::Null) {
            if plan.regex.is_some()
                || plan.cidr
                || plan.fieldref
                || plan.comparison.is_some()
                || plan.position.is_some()
                || plan.time_part.is_some()
                || matcher
                    .modifiers
                    .iter()
                    .any(|m| !matches!(m.value, Modifier::All | Modifier::Cased | Modifier::Neq))
            {
                let d = self
                    .error(
                        "invalid-value",
                        "`null` cannot be used with these modifiers".into(),
                        span,
                        "null value",
                    )
                    .with_help("`Field: null` alone means the field is absent or empty");
                self.diagnostics.push(d);
                return None;
            }
            return Some(vec![predicate(Matcher::Null)]);
        }
        if let Some(flags) = plan.regex {
            let ScalarValue::String(text) = value else {
                return Some(vec![predicate(Matcher::Regex {
                    pattern: scalar.text.clone(),
                    flags,
                })]);
            };
            if let Err(message) = check_regex(text) {
                let d = self
                    .error(
                        "invalid-regex",
                        format!("invalid regular expression: {message}"),
                        span,
                        "does not compile",
                    )
                    .with_help("Sigma regular expressions use PCRE syntax");
                self.diagnostics.push(d);
                return None;
            }
            return Some(vec![predicate(Matcher::Regex {
                pattern: text.to_string(),
                flags,
            })]);
        }
        if plan.cidr {
            return match Cidr::parse(scalar.text.trim()) {
                Some(cidr) => Some(vec![predicate(Matcher::Cidr(cidr))]),
                None => {
                    let d = self
                        .error(
                            "invalid-cidr",
                            format!("`{}` is not a CIDR network range", scalar.text),
                            span,
                            "not an IPv4 or IPv6 range",
                        )
                        .with_help("write e.g. `10.0.0.0/8` or `fe80::/10`");
                    self.diagnostics.push(d);
                    None
                }
            };
        }
        if plan.fieldref {
            let position = plan.position.unwrap_or(Position::Exact);
            return Some(vec![predicate(Matcher::FieldRef {
                other: scalar.text.clone(),
                position,
                cased: plan.cased,
            })]);
        }
        if plan.comparison.is_some() || plan.time_part.is_some() {
            let Some(number) = number_of(&scalar.text, &value) else {
                let d = self.error(
                    "invalid-value",
                    format!("`{}` is not a number", scalar.text),
                    span,
                    "a numeric modifier needs a number",
                );
                self.diagnostics.push(d);
                return None;
            };
            let comparison = plan.comparison.unwrap_or(Comparison::Equal);
            return Some(vec![predicate(match plan.time_part {
                Some(part) => Matcher::TimePart {
                    part,
                    comparison,
                    value: number,
                },
                None => Matcher::Number {
                    comparison,
                    value: number,
                },
            })]);
        }
        // String path: run the value transformations in order.
        let start = match value {
            ScalarValue::String(text) => Working::Text(parse_sigma_string(text, plan.expand)),
            // A keyword (no field) is text searched anywhere in the event, whatever YAML made
            // of it: Sigma treats every value as a string, so `- 200` searches for `200`.
            ScalarValue::Int(_) | ScalarValue::Float(_) | ScalarValue::Bool(_)
                if field.is_none() =>
            {
                Working::Text(parse_sigma_string(&scalar.text, plan.expand))
            }
            // Sigma compares values as strings: an integer written other than in plain decimal
            // (`0x100`, `007`, `+5`) is the text the event holds, not the number YAML reads.
            // Plain decimal integers stay numbers, for numeric columns and comparisons.
            ScalarValue::Int(i) if scalar.text.trim() != i.to_string() => {
                Working::Text(parse_sigma_string(scalar.text.trim(), plan.expand))
            }
            ScalarValue::Int(_) | ScalarValue::Float(_) => {
                Working::Number(number_of(&scalar.text, &value)?)
            }
            ScalarValue::Bool(b) => Working::Bool(b),
            ScalarValue::Null => Working::Null,
        };
        let mut values = vec![start];
        let mut implied_contains = false;
        for modifier in &matcher.modifiers {
            let transformed: Option<Vec<Working>> = match modifier.value {
                Modifier::Windash => Some(
                    values
                        .iter()
                        .flat_map(|v| match as_text(v) {
                            Some(p) => p
                                .windash_variants()
                                .into_iter()
                                .map(Working::Text)
                                .collect(),
                            None => vec![v.clone()],
                        })
                        .collect(),
                ),
                Modifier::Utf16Le | Modifier::Wide | Modifier::Utf16Be | Modifier::Utf16 => {
                    let (big_endian, bom) = match modifier.value {
                        Modifier::Utf16Be => (true, false),
                        Modifier::Utf16 => (false, true),
                        _ => (false, false),
                    };
                    values
                        .iter()
                        .map(|v| {
                            self.literal_text(v, modifier)
                                .map(|t| Working::Bytes(utf16_bytes(&t, big_endian, bom)))
                        })
                        .collect()
                }
                Modifier::Base64 => values
                    .iter()
                    .map(|v| {
                        self.literal_bytes(v, modifier)
                            .map(|b| Working::Text(Pattern::literal(base64(&b))))
                    })
                    .collect(),
                Modifier::Base64Offset => {
                    implied_contains = true;
                    let mut out = Vec::new();
                    for v in &values {
                        let bytes = self.literal_bytes(v, modifier)?;
                        if bytes.is_empty() {
                            // No encoded fragment exists to search for; an empty OR would be
                            // a rule that never matches (found by fuzzing, compile_generated).
                            let d = self
                                .error(
                                    "empty-encoded-value",
                                    "`base64offset` of an empty value has no encoded form to search for".into(),
                                    modifier.span,
                                    "this encoding",
                                )
                                .with_help("give the text the encoded command line contains, e.g. `CommandLine|base64offset|contains: 'IEX'`");
                            self.diagnostics.push(d);
                            return None;
                        }
                        out.extend(
                            base64_offsets(&bytes)
                                .into_iter()
                                .map(|f| Working::Text(Pattern::literal(f))),
                        );
                    }
                    Some(out)
                }
                Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith => Some(
                    values
                        .iter()
                        .map(|v| match as_text(v) {
                            Some(p) => Working::Text(match modifier.value {
                                Modifier::Contains => p.contains(),
                                Modifier::StartsWith => p.starts_with(),
                                _ => p.ends_with(),
                            }),
                            None => v.clone(),
                        })
                        .collect(),
                ),
                _ => Some(values.clone()),
            };
            values = transformed?;
        }
        if implied_contains && plan.position.is_none() {
            values = values
                .into_iter()
                .map(|v| match v {
                    Working::Text(p) => Working::Text(p.contains()),
                    other => other,
                })
                .collect();
        }
        let mut out = Vec::new();
        for value in values {
            out.push(predicate(match value {
                Working::Text(pattern) => Matcher::Text {
                    pattern,
                    cased: plan.cased,
                },
                Working::Number(number) => Matcher::Number {
                    comparison: Comparison::Equal,
                    value: number,
                },
                Working::Bool(b) => Matcher::Bool(b),
                Working::Null => Matcher::Null,
                Working::Bytes(_) => {
                    let d = self
                        .error(
                            "encoding-needs-base64",
                            "a UTF-16 encoded value must be followed by `base64` or `base64offset`"
                                .into(),
                            matcher.key_span,
                            "the encoded bytes are never matched as text",
                        )
                        .with_help("write e.g. `CommandLine|wide|base64offset|contains: ...`");
                    self.diagnostics.push(d);
                    return None;
                }
            }));
        }
        Some(out)
    }

    fn literal_text(&mut self, value: &Working, modifier: &Spanned<Modifier>) -> Option<String> {
        let text = match value {
            Working::Text(pattern) => pattern.as_literal(),
            Working::Number(number) => Some(number.text.clone()),
            Working::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        if text.is_none() {
            let d = self
                .error(
                    "wildcard-in-encoded-value",
                    format!("`{}` needs a plain value: wildcards and placeholders cannot be encoded", modifier.value.name()),
                    modifier.span,
                    "applied to a value with wildcards",
                )
                .with_help("escape a literal `*` or `?` as `\\*` / `\\?`, or put contains/startswith/endswith after the encoding");
            self.diagnostics.push(d);
        }
        text
    }

    fn literal_bytes(&mut self, value: &Working, modifier: &Spanned<Modifier>) -> Option<Vec<u8>> {
        match value {
            Working::Bytes(bytes) => Some(bytes.clone()),
            other => self.literal_text(other, modifier).map(String::into_bytes),
        }
    }
}

fn keyword_contains(expr: Expr) -> Expr {
    match expr {
        Expr::Predicate(Predicate {
            field: None,
            matcher: Matcher::Text { pattern, cased },
            span,
            origin,
        }) => Expr::Predicate(Predicate {
            field: None,
            matcher: Matcher::Text {
                pattern: pattern.contains(),
                cased,
            },
            span,
            origin,
        }),
        other => other,
    }
}

fn as_text(value: &Working) -> Option<Pattern> {
    match value {
        Working::Text(pattern) => Some(pattern.clone()),
        Working::Number(number) => Some(Pattern::literal(number.text.clone())),
        Working::Bool(b) => Some(Pattern::literal(b.to_string())),
        _ => None,
    }
}

fn number_of(text: &str, value: &ScalarValue<'_>) -> Option<Number> {
    match value {
        ScalarValue::Int(i) => Some(Number {
            text: i.to_string(),
            value: *i as f64,
            is_integer: true,
        }),
        ScalarValue::Float(f) if f.is_finite() => Some(Number {
            text: text.to_string(),
            value: *f,
            is_integer: false,
        }),
        ScalarValue::String(s) => {
            let trimmed = s.trim();
            if let Ok(i) = trimmed.parse::<i64>() {
                Some(Number {
                    text: i.to_string(),
                    value: i as f64,
                    is_integer: true,
                })
            } else {
                trimmed
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| Number {
                        text: trimmed.to_string(),
                        value: f,
                        is_integer: false,
                    })
            }
        }
        _ => None,
    }
}

/// Checks a Sigma (PCRE) regular expression. Look-around and backreferences are valid PCRE;
/// whether a target can run them is the backend's decision.
pub fn check_regex(pattern: &str) -> Result<(), String> {
    match regex_syntax::ast::parse::Parser::new().parse(pattern) {
        Ok(_) => Ok(()),
        Err(error) => match error.kind() {
            regex_syntax::ast::ErrorKind::UnsupportedLookAround
            | regex_syntax::ast::ErrorKind::UnsupportedBackreference => Ok(()),
            kind => Err(kind.to_string()),
        },
    }
}
