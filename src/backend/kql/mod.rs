//! The KQL backend (Microsoft Sentinel).
//!
//! Operators follow DESIGN.md §6: `=~` / `in~` for equality, `contains` / `startswith` /
//! `endswith` (with `_cs` under `|cased`), `matches regex` with an anchored, escaped RE2
//! pattern for inner wildcards, `ipv4_is_in_range` / `ipv6_is_in_range` by address family,
//! `isempty` for null. Column types from the Sentinel schema decide numeric comparisons and
//! `tostring()` wrapping; a predicate that can evaluate to null is made null-safe where it sits
//! under a `not`, so a missing value never drops a row that the rule keeps.

pub mod correlation;
pub mod literal;

use super::Templates;
use crate::diagnostic::Diagnostic;
use crate::ir::{
    Cidr, Comparison, Expr, Matcher, Number, Pattern, PatternPart, Position, Predicate, TimePart,
};
use crate::mapping::{ColumnType, MappedRule, SentinelSchema, Target};
use crate::rule::Rule;

/// Compiles a mapped rule to a KQL query.
pub fn compile(
    rule: &Rule,
    mapped: &MappedRule,
    schema: &SentinelSchema,
    templates: &Templates,
) -> Result<String, Vec<Diagnostic>> {
    let table = mapped.source.table.clone().unwrap_or_default();
    let renderer = Renderer {
        rule,
        schema,
        table: &table,
    };
    let condition = renderer.render(&mapped.expr, false, 0)?;
    let source = if mapped.source.function {
        format!("{}()", literal::column(&table))
    } else {
        literal::column(&table)
    };
    let context = minijinja::context! {
        table => source,
        filter => mapped.source.filter.clone(),
        condition => condition,
        title => rule.title(),
        id => rule.id(),
    };
    templates.render(Target::Kql, context).map_err(|d| vec![d])
}

/// A target field as a string expression of `table` (correlation projections).
pub fn field_as_string(schema: &SentinelSchema, table: &str, name: &str) -> String {
    field_expr(schema, table, name).as_string()
}

struct Renderer<'a> {
    rule: &'a Rule,
    schema: &'a SentinelSchema,
    table: &'a str,
}

/// A field as KQL sees it.
struct FieldExpr {
    /// Column or property path text.
    text: String,
    kind: FieldKind,
}

#[derive(Clone, Copy, PartialEq)]
enum FieldKind {
    /// A string column, or a column the schema does not know (most are strings).
    String,
    /// A known non-string column.
    Typed(ColumnType),
    /// A property of a dynamic column.
    Dynamic,
}

impl FieldExpr {
    /// The field as a string expression, for string operators.
    fn as_string(&self) -> String {
        match self.kind {
            FieldKind::String => self.text.clone(),
            _ => format!("tostring({})", self.text),
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self.kind, FieldKind::Typed(t) if t.is_numeric())
    }
}

/// How a target field reads in KQL: a column, or a property of a dynamic (or JSON string) column.
fn field_expr(schema: &SentinelSchema, table: &str, name: &str) -> FieldExpr {
    if let Some((column, data_name)) = name.split_once('/') {
        return FieldExpr {
            text: xml_data(column, data_name),
            kind: FieldKind::String,
        };
    }
    let mut segments = name.split('.');
    let column = segments.next().unwrap_or(name);
    let properties: Vec<&str> = segments.collect();
    if !properties.is_empty() && properties.iter().all(|p| !p.is_empty()) {
        let path = literal::property_path(column, &properties);
        // Some tables keep JSON in string columns (e.g. AWSCloudTrail.RequestParameters):
        // parse it before reading a property.
        let text = match schema.column_type(table, column) {
            Some(ColumnType::String) => {
                let property_part = &path[literal::column(column).len()..];
                format!("parse_json({}){property_part}", literal::column(column))
            }
            _ => path,
        };
        return FieldExpr {
            text,
            kind: FieldKind::Dynamic,
        };
    }
    let kind = match schema.column_type(table, name) {
        Some(ColumnType::String) | None => FieldKind::String,
        Some(other) => FieldKind::Typed(other),
    };
    FieldExpr {
        text: literal::column(name),
        kind,
    }
}

/// The text of the `<Data Name="name">` element of an XML string column (SecurityEvent's
/// `EventData`), its XML entities decoded, so that it compares exactly like a column would.
/// An empty element (`<Data Name="name" />`) or a missing one reads as "".
fn xml_data(column: &str, name: &str) -> String {
    let element = format!("<Data Name=\"{name}\">([^<]*)</Data>");
    let raw = format!(
        "extract({}, 1, {})",
        literal::string(&element),
        literal::column(column)
    );
    // `&amp;` last: `&amp;lt;` is the text `&lt;`.
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(raw, |inner, (entity, text)| {
        format!(
            "replace_string({inner}, {}, {})",
            literal::string(entity),
            literal::string(text)
        )
    })
}

type Rendered = Result<String, Vec<Diagnostic>>;

impl Renderer<'_> {
    fn field(&self, name: &str) -> FieldExpr {
        field_expr(self.schema, self.table, name)
    }

    fn render(&self, expr: &Expr, negated: bool, indent: usize) -> Rendered {
        match expr {
            Expr::And(items) => self.join(items, "and", negated, indent),
            Expr::Or(items) => self.join(items, "or", negated, indent),
            Expr::Not(inner) => Ok(format!("not({})", self.render(inner, !negated, indent)?)),
            Expr::Predicate(predicate) => self.predicate(predicate, negated),
        }
    }

    fn join(&self, items: &[Expr], operator: &str, negated: bool, indent: usize) -> Rendered {
        if items.is_empty() {
            return Ok(if operator == "and" { "true" } else { "false" }.to_string());
        }
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        let grouped = if operator == "or" {
            self.group_in_lists(items, negated, indent)
        } else {
            items.iter().map(Grouped::Single).collect()
        };
        for item in grouped {
            let rendered = match item {
                Grouped::Single(expr) => self.render(expr, negated, indent + 4).map(|text| {
                    if needs_parentheses(expr) {
                        format!("({text})")
                    } else {
                        text
                    }
                }),
                Grouped::InList(text) => Ok(text),
            };
            match rendered {
                Ok(text) => parts.push(text),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(join_chunked(&parts, operator, indent))
    }

    /// Case-insensitive (or cased) equalities on one field inside an OR become `in~` / `in`.
    fn group_in_lists<'e>(
        &self,
        items: &'e [Expr],
        negated: bool,
        indent: usize,
    ) -> Vec<Grouped<'e>> {
        let mut out: Vec<Grouped<'e>> = Vec::new();
        let mut used = vec![false; items.len()];
        for (i, item) in items.iter().enumerate() {
            if used[i] {
                continue;
            }
            let Some((field, cased, _)) = equality_literal(item) else {
                out.push(Grouped::Single(item));
                continue;
            };
            let mut values = Vec::new();
            for (j, other) in items.iter().enumerate().skip(i) {
                if let Some((f, c, v)) = equality_literal(other)
                    && f == field
                    && c == cased
                {
                    used[j] = true;
                    values.push(v);
                }
            }
            if values.len() == 1 {
                out.push(Grouped::Single(item));
                continue;
            }
            let field_expr = self.field(field);
            let typed: Option<Vec<String>> = values
                .iter()
                .map(|v| typed_value(&field_expr, v, cased))
                .collect();
            if let Some(list) = typed {
                // A typed column compares by value: `EventID in (4688, 4689)`; a null
                // column gives null, which must not drop the row under a `not`.
                let test =
                    super::value_list(&format!("{} in ", field_expr.text), &list, indent + 4);
                out.push(Grouped::InList(if negated {
                    format!("coalesce({test}, false)")
                } else {
                    test
                }));
                continue;
            }
            let list: Vec<String> = values.iter().map(|v| literal::string(v)).collect();
            let operator = if cased { "in" } else { "in~" };
            out.push(Grouped::InList(super::value_list(
                &format!("{} {operator} ", field_expr.as_string()),
                &list,
                indent + 4,
            )));
        }
        out
    }

    fn predicate(&self, predicate: &Predicate, negated: bool) -> Rendered {
        let Some(field_name) = predicate.field.as_deref() else {
            return self.keyword(predicate);
        };
        let field = self.field(field_name);
        // `(rendered, may be null)`
        let (text, nullable) = match &predicate.matcher {
            Matcher::Text { pattern, cased } => match typed_literal(&field, pattern, *cased) {
                Some(value) => (format!("{} == {value}", field.text), true),
                None => (text_match(&field.as_string(), pattern, *cased), false),
            },
            Matcher::Number { comparison, value } => number_match(&field, *comparison, value),
            Matcher::Bool(value) => match field.kind {
                FieldKind::Typed(ColumnType::Bool) => (format!("{} == {value}", field.text), true),
                _ => (
                    format!(
                        "{} =~ {}",
                        field.as_string(),
                        literal::string(&value.to_string())
                    ),
                    false,
                ),
            },
            Matcher::Regex { pattern, flags } => {
                self.check_re2(pattern, predicate)?;
                (
                    format!(
                        "{} matches regex {}",
                        field.as_string(),
                        literal::regex(&flags.apply(pattern))
                    ),
                    false,
                )
            }
            Matcher::Cidr(cidr) => (
                cidr_match(&field.as_string(), std::slice::from_ref(cidr)),
                true,
            ),
            Matcher::Null => (format!("isempty({})", field.text), false),
            Matcher::Exists(true) => (format!("isnotempty({})", field.text), false),
            Matcher::Exists(false) => (format!("isempty({})", field.text), false),
            Matcher::FieldRef {
                other,
                position,
                cased,
            } => {
                let other = self.field(other);
                let operator = match (position, cased) {
                    (Position::Exact, false) => "=~",
                    (Position::Exact, true) => "==",
                    (Position::Contains, false) => "contains",
                    (Position::Contains, true) => "contains_cs",
                    (Position::StartsWith, false) => "startswith",
                    (Position::StartsWith, true) => "startswith_cs",
                    (Position::EndsWith, false) => "endswith",
                    (Position::EndsWith, true) => "endswith_cs",
                };
                // A missing referenced value compares as "" (a string column holds "",
                // `tostring(null)` is ""), which every `contains` / `startswith` / `endswith`
                // matches; Sigma compares with a value that is there.
                (
                    format!(
                        "(isnotempty({}) and {} {operator} {})",
                        other.text,
                        field.as_string(),
                        other.as_string()
                    ),
                    false,
                )
            }
            Matcher::TimePart {
                part,
                comparison,
                value,
            } => {
                let date = format!("todatetime({})", field.text);
                let extracted = match part {
                    TimePart::Week => format!("week_of_year({date})"),
                    other => format!("datetime_part({}, {date})", literal::string(other.name())),
                };
                (
                    format!("{extracted} {} {}", comparison.symbol(), value.text),
                    true,
                )
            }
        };
        // Under `not`, a null result would drop the row; Sigma keeps it (the test is false).
        if negated && nullable {
            Ok(format!("coalesce({text}, false)"))
        } else {
            Ok(text)
        }
    }

    fn keyword(&self, predicate: &Predicate) -> Rendered {
        let Matcher::Text { pattern, cased } = &predicate.matcher else {
            return Err(vec![
                self.unsupported(predicate, "keyword searches only match text"),
            ]);
        };
        Ok(text_match("*", pattern, *cased))
    }

    fn check_re2(&self, pattern: &str, predicate: &Predicate) -> Result<(), Vec<Diagnostic>> {
        match regex_syntax::ast::parse::Parser::new().parse(pattern) {
            Ok(_) => Ok(()),
            Err(error) => {
                let construct =
                    &pattern[error.span().start.offset..error.span().end.offset.min(pattern.len())];
                Err(vec![
                    Diagnostic::error("regex-unsupported-kql", format!("KQL (RE2) cannot run this regular expression: {} (`{construct}`)", error.kind()))
                        .in_file(predicate.file(&self.rule.file))
                        .at(predicate.span, "in this value")
                        .with_help("RE2 has no look-around and no backreferences; rewrite the pattern, or split it into several conditions"),
                ])
            }
        }
    }

    fn unsupported(&self, predicate: &Predicate, message: &str) -> Diagnostic {
        Diagnostic::error("unsupported-kql", message.to_string())
            .in_file(predicate.file(&self.rule.file))
            .at(predicate.span, "")
    }
}

/// Operands per parenthesised group in a long chain. Microsoft's binder stops at a syntax depth
/// (a chain of `or` nests one level per operand): rules with hundreds of values (e.g. every
/// emoji) would otherwise be refused by Sentinel's semantic analysis. Grouping keeps the
/// meaning (and/or are associative) and bounds the depth.
const CHAIN_CHUNK: usize = 64;

fn join_chunked(parts: &[String], operator: &str, indent: usize) -> String {
    if parts.len() <= CHAIN_CHUNK {
        return super::join_operands(parts, operator, indent);
    }
    let groups: Vec<String> = parts
        .chunks(CHAIN_CHUNK)
        .map(|chunk| format!("({})", join_chunked(chunk, operator, indent + 4)))
        .collect();
    join_chunked(&groups, operator, indent)
}

/// An AND or OR nested in another needs parentheses, unless it collapses into one `in~` list.
fn needs_parentheses(expr: &Expr) -> bool {
    match expr {
        Expr::And(_) => true,
        Expr::Or(items) => {
            let first = equality_literal(&items[0]);
            !items
                .iter()
                .all(|item| match (equality_literal(item), &first) {
                    (Some((f, c, _)), Some((first_field, first_cased, _))) => {
                        f == *first_field && c == *first_cased
                    }
                    _ => false,
                })
        }
        _ => false,
    }
}

enum Grouped<'e> {
    Single(&'e Expr),
    InList(String),
}

/// `(field, cased, literal)` of a plain equality predicate.
fn equality_literal(expr: &Expr) -> Option<(&str, bool, String)> {
    let Expr::Predicate(Predicate {
        field: Some(field),
        matcher: Matcher::Text { pattern, cased },
        ..
    }) = expr
    else {
        return None;
    };
    let literal = pattern.as_literal()?;
    (!literal.is_empty()).then_some((field.as_str(), *cased, literal))
}

/// A plain value on a typed column as a typed literal, when comparing the column by value
/// means the same as comparing its text: `'4688'` against an `int`/`long` column (the value's
/// canonical text), `true` against a `bool` column (any case). `None` keeps the text match.
fn typed_value(field: &FieldExpr, text: &str, cased: bool) -> Option<String> {
    let FieldKind::Typed(kind) = field.kind else {
        return None;
    };
    match kind {
        ColumnType::Int | ColumnType::Long => {
            let number: i64 = text.parse().ok()?;
            (number.to_string() == text).then(|| text.to_string())
        }
        // `tostring()` of a bool is lower case: a cased `True` never matches it.
        ColumnType::Bool if cased && text != "true" && text != "false" => None,
        ColumnType::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => Some("true".to_string()),
            "false" => Some("false".to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn typed_literal(field: &FieldExpr, pattern: &Pattern, cased: bool) -> Option<String> {
    typed_value(field, &pattern.as_literal()?, cased)
}

/// Chooses the KQL string operator for a Sigma pattern on a string expression.
fn text_match(subject: &str, pattern: &Pattern, cased: bool) -> String {
    let suffix = if cased { "_cs" } else { "" };
    let parts = &pattern.parts;
    let literal_at = |i: usize| match parts.get(i) {
        Some(PatternPart::Literal(text)) => Some(text.as_str()),
        _ => None,
    };
    let any = |i: usize| matches!(parts.get(i), Some(PatternPart::AnyChars));
    match parts.len() {
        0 => return format!("{subject} == \"\""),
        1 if any(0) => {
            return if subject == "*" {
                "true".to_string()
            } else {
                format!("isnotempty({subject})")
            };
        }
        1 => {
            if let Some(text) = literal_at(0)
                && subject != "*"
            {
                let operator = if cased { "==" } else { "=~" };
                return format!("{subject} {operator} {}", literal::string(text));
            }
        }
        2 if any(1) => {
            if let Some(text) = literal_at(0) {
                return format!("{subject} startswith{suffix} {}", literal::string(text));
            }
        }
        2 if any(0) => {
            if let Some(text) = literal_at(1) {
                return format!("{subject} endswith{suffix} {}", literal::string(text));
            }
        }
        3 if any(0) && any(2) => {
            if let Some(text) = literal_at(1) {
                return format!("{subject} contains{suffix} {}", literal::string(text));
            }
        }
        _ => {}
    }
    format!(
        "{subject} matches regex {}",
        literal::regex(&pattern.to_regex(cased))
    )
}

fn number_match(field: &FieldExpr, comparison: Comparison, value: &Number) -> (String, bool) {
    if field.is_numeric() {
        return (
            format!("{} {} {}", field.text, comparison.symbol(), value.text),
            true,
        );
    }
    if comparison == Comparison::Equal {
        // A string (or unknown) column holds the number as text; compare the text exactly.
        return (
            format!("{} == {}", field.as_string(), literal::string(&value.text)),
            false,
        );
    }
    (
        format!(
            "todouble({}) {} {}",
            field.text,
            comparison.symbol(),
            value.text
        ),
        true,
    )
}

fn cidr_match(subject: &str, ranges: &[Cidr]) -> String {
    let function = if ranges[0].is_ipv6() {
        "ipv6_is_in_range"
    } else {
        "ipv4_is_in_range"
    };
    format!(
        "{function}({subject}, {})",
        literal::string(&ranges[0].text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(table: &str, column: &str, text: &str, cased: bool) -> Option<String> {
        typed_value(
            &field_expr(SentinelSchema::builtin(), table, column),
            text,
            cased,
        )
    }

    #[test]
    fn values_are_typed_by_the_2024_schema() {
        // int and long columns: canonical integers only
        assert_eq!(
            typed("SecurityEvent", "EventID", "4688", false).as_deref(),
            Some("4688")
        );
        assert_eq!(
            typed("DeviceProcessEvents", "ProcessId", "-12", false).as_deref(),
            Some("-12")
        );
        assert_eq!(typed("SecurityEvent", "EventID", "04688", false), None);
        assert_eq!(typed("SecurityEvent", "EventID", "4688 ", false), None);
        assert_eq!(typed("SecurityEvent", "EventID", "0x1250", false), None);
        // bool columns: any case, unless the match is cased
        let bool_column = ("DeviceFileEvents", "IsAzureInfoProtectionApplied");
        assert_eq!(
            typed(bool_column.0, bool_column.1, "TRUE", false).as_deref(),
            Some("true")
        );
        assert_eq!(
            typed(bool_column.0, bool_column.1, "false", true).as_deref(),
            Some("false")
        );
        assert_eq!(typed(bool_column.0, bool_column.1, "True", true), None);
        assert_eq!(typed(bool_column.0, bool_column.1, "yes", false), None);
        // string and real columns keep the text match
        assert_eq!(typed("SecurityEvent", "CommandLine", "4688", false), None);
        assert_eq!(typed("SecurityEvent", "NoSuchColumn", "4688", false), None);
    }
}
