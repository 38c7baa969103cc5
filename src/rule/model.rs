//! The typed Sigma rule: every key of the Sigma v2 specification, each value with its span.

use crate::diagnostic::{SourceFile, Span};
use crate::yaml::Node;
use std::sync::Arc;

/// A value together with the byte range it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// One document of a rule file.
#[derive(Debug, Clone)]
pub enum RuleDocument {
    Detection(Box<Rule>),
    Correlation(Box<CorrelationRule>),
    Filter(Box<FilterRule>),
}

/// Keys shared by every kind of Sigma document.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub title: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub related: Vec<Related>,
    pub taxonomy: Option<Spanned<String>>,
    pub status: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub license: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub references: Vec<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub modified: Option<Spanned<String>>,
    pub tags: Vec<Spanned<String>>,
    pub falsepositives: Vec<Spanned<String>>,
    pub level: Option<Spanned<String>>,
    pub scope: Vec<Spanned<String>>,
    pub fields: Vec<Spanned<String>>,
    /// siemc extension: sample events with expectations (`siemc test`).
    pub tests: Option<Node>,
    /// siemc extension: deployment settings (`siemc export`).
    pub deploy: Option<Node>,
    /// Keys outside the specification (Sigma allows custom attributes); kept for the linter.
    pub custom: Vec<(Spanned<String>, Node)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
}

/// A detection rule: metadata, log source and detection.
#[derive(Debug, Clone)]
pub struct Rule {
    pub file: Arc<SourceFile>,
    /// Index of the YAML document in its file.
    pub document: usize,
    pub span: Span,
    pub meta: Metadata,
    pub logsource: LogSource,
    pub detection: Detection,
    /// The Sigma filters that apply to this rule (`filter::Filters::apply`): lowering ANDs each
    /// one's condition to the rule's, so every stage sees the filtered rule.
    pub filters: Vec<Arc<FilterRule>>,
}

impl Rule {
    pub fn title(&self) -> &str {
        self.meta.title.as_ref().map_or("", |t| t.value.as_str())
    }

    pub fn id(&self) -> Option<&str> {
        self.meta.id.as_ref().map(|id| id.value.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogSource {
    pub category: Option<Spanned<String>>,
    pub product: Option<Spanned<String>>,
    pub service: Option<Spanned<String>>,
    pub definition: Option<Spanned<String>>,
    pub span: Span,
}

impl LogSource {
    /// The `key: value` pairs that identify the log source, for matching and messages.
    pub fn keys(&self) -> Vec<(&'static str, &str)> {
        [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| (key, v.value.as_str())))
        .collect()
    }

    pub fn describe(&self) -> String {
        let keys = self.keys();
        if keys.is_empty() {
            return "{}".to_string();
        }
        let parts: Vec<String> = keys.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{{{}}}", parts.join(", "))
    }
}

#[derive(Debug, Clone)]
pub struct Detection {
    /// Search identifiers in file order.
    pub selections: Vec<Selection>,
    /// One or more conditions (a list of conditions is OR).
    pub conditions: Vec<Spanned<String>>,
    /// Deprecated Sigma v1 key, kept so the linter can point at it.
    pub timeframe: Option<Spanned<String>>,
    pub span: Span,
}

impl Detection {
    pub fn selection(&self, name: &str) -> Option<&Selection> {
        self.selections.iter().find(|s| s.name.value == name)
    }
}

/// A search identifier and what it matches.
#[derive(Debug, Clone)]
pub struct Selection {
    pub name: Spanned<String>,
    pub body: SelectionBody,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum SelectionBody {
    /// A list of plain values matched anywhere in the event (keyword search).
    Keywords(Vec<Node>),
    /// A map (fields ANDed) or a list of maps (ORed).
    FieldMaps(Vec<FieldMap>),
    /// Nothing under the name (`filter:` left empty): harmless while no condition uses it; the
    /// lowering refuses a condition that does.
    Empty,
}

/// One map of a selection: every matcher must hold.
#[derive(Debug, Clone)]
pub struct FieldMap {
    pub matchers: Vec<FieldMatcher>,
    pub span: Span,
}

/// `Field|mod1|mod2: value(s)`; `field` is `None` for the keyword map form `'|all': [...]`.
#[derive(Debug, Clone)]
pub struct FieldMatcher {
    pub field: Option<Spanned<String>>,
    pub modifiers: Vec<Spanned<Modifier>>,
    pub key_span: Span,
    /// The values (a scalar is a list of one); each keeps its node for type and span.
    pub values: Vec<Node>,
    pub value_span: Span,
    /// The value was written as a list (even of one element).
    pub is_list: bool,
}

/// Every value modifier of the Sigma v2 specification (modifiers appendix 2.1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    ReIgnoreCase,
    ReMultiLine,
    ReDotAll,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Wide,
    Lt,
    Lte,
    Gt,
    Gte,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Cidr,
    Expand,
    FieldRef,
}

impl Modifier {
    pub const ALL: &'static [(&'static str, Modifier)] = &[
        ("contains", Modifier::Contains),
        ("startswith", Modifier::StartsWith),
        ("endswith", Modifier::EndsWith),
        ("all", Modifier::All),
        ("exists", Modifier::Exists),
        ("cased", Modifier::Cased),
        ("neq", Modifier::Neq),
        ("windash", Modifier::Windash),
        ("re", Modifier::Re),
        ("i", Modifier::ReIgnoreCase),
        ("m", Modifier::ReMultiLine),
        ("s", Modifier::ReDotAll),
        ("base64", Modifier::Base64),
        ("base64offset", Modifier::Base64Offset),
        ("utf16le", Modifier::Utf16Le),
        ("utf16be", Modifier::Utf16Be),
        ("utf16", Modifier::Utf16),
        ("wide", Modifier::Wide),
        ("lt", Modifier::Lt),
        ("lte", Modifier::Lte),
        ("gt", Modifier::Gt),
        ("gte", Modifier::Gte),
        ("minute", Modifier::Minute),
        ("hour", Modifier::Hour),
        ("day", Modifier::Day),
        ("week", Modifier::Week),
        ("month", Modifier::Month),
        ("year", Modifier::Year),
        ("cidr", Modifier::Cidr),
        ("expand", Modifier::Expand),
        ("fieldref", Modifier::FieldRef),
    ];

    pub fn from_name(name: &str) -> Option<Modifier> {
        Modifier::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
    }

    /// What the modifier does (Sigma modifiers appendix), one or two sentences for editors.
    pub fn meaning(self) -> &'static str {
        match self {
            Modifier::Contains => {
                "The value matches anywhere in the field (wildcards added on both sides)."
            }
            Modifier::StartsWith => {
                "The field starts with the value (a wildcard added at the end)."
            }
            Modifier::EndsWith => "The field ends with the value (a wildcard added at the start).",
            Modifier::All => {
                "Every value of the list must match (AND), instead of any of them (OR)."
            }
            Modifier::Exists => {
                "Tests whether the field is present (`true`) or absent (`false`); the value is a boolean."
            }
            Modifier::Cased => {
                "Case-sensitive matching (Sigma matches case-insensitively by default)."
            }
            Modifier::Neq => "The field must not equal any of the values.",
            Modifier::Windash => {
                "Also matches the value with `-` replaced by `/`, `–`, `—` and `―` (Windows command-line flags)."
            }
            Modifier::Re => {
                "The value is a regular expression (Sigma's PCRE subset), case-sensitive unless `i` is added, matched anywhere in the field."
            }
            Modifier::ReIgnoreCase => "With `re`: case-insensitive regular expression (`(?i)`).",
            Modifier::ReMultiLine => "With `re`: `^` and `$` match at line breaks (`(?m)`).",
            Modifier::ReDotAll => "With `re`: `.` also matches line breaks (`(?s)`).",
            Modifier::Base64 => {
                "Matches the Base64 encoding of the value (the whole field is encoded)."
            }
            Modifier::Base64Offset => {
                "Matches the value Base64-encoded at any of the three byte offsets, for use inside a longer encoded text (with `contains`)."
            }
            Modifier::Utf16Le => {
                "Encodes the value as UTF-16 little-endian before a Base64 modifier."
            }
            Modifier::Utf16Be => "Encodes the value as UTF-16 big-endian before a Base64 modifier.",
            Modifier::Utf16 => {
                "Encodes the value as UTF-16 with a byte-order mark before a Base64 modifier."
            }
            Modifier::Wide => "Alias of `utf16le`: UTF-16 little-endian before a Base64 modifier.",
            Modifier::Lt => "The field is a number less than the value.",
            Modifier::Lte => "The field is a number less than or equal to the value.",
            Modifier::Gt => "The field is a number greater than the value.",
            Modifier::Gte => "The field is a number greater than or equal to the value.",
            Modifier::Minute => "Compares the minute (0-59) of a timestamp field with the value.",
            Modifier::Hour => "Compares the hour (0-23) of a timestamp field with the value.",
            Modifier::Day => {
                "Compares the day of the month (1-31) of a timestamp field with the value."
            }
            Modifier::Week => "Compares the week (1-52) of a timestamp field with the value.",
            Modifier::Month => "Compares the month (1-12) of a timestamp field with the value.",
            Modifier::Year => "Compares the year of a timestamp field with the value.",
            Modifier::Cidr => {
                "The field is an IP address inside the network range (IPv4 or IPv6 CIDR)."
            }
            Modifier::Expand => {
                "The value holds `%placeholders%` replaced by the values a mapping file defines."
            }
            Modifier::FieldRef => {
                "The value names another field: both fields must hold the same value."
            }
        }
    }

    pub fn name(self) -> &'static str {
        Modifier::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("?", |(n, _)| n)
    }
}

/// A Sigma correlation rule (`correlation:` section).
#[derive(Debug, Clone)]
pub struct CorrelationRule {
    pub file: Arc<SourceFile>,
    pub document: usize,
    pub span: Span,
    pub meta: Metadata,
    pub kind: Spanned<String>,
    pub rules: Vec<Spanned<String>>,
    pub group_by: Vec<Spanned<String>>,
    pub timespan: Option<Spanned<String>>,
    pub condition: Option<Node>,
    pub aliases: Option<Node>,
    pub generate: Option<Spanned<bool>>,
}

/// A Sigma filter (`filter:` section): extra conditions applied to other rules.
#[derive(Debug, Clone)]
pub struct FilterRule {
    pub file: Arc<SourceFile>,
    pub document: usize,
    pub span: Span,
    pub meta: Metadata,
    pub logsource: LogSource,
    /// The rules it applies to, by id or name; empty when `any_rule`.
    pub rules: Vec<Spanned<String>>,
    /// `rules: any` / `rules: all` / `rules: []`: every rule of the filter's log source.
    pub any_rule: bool,
    /// The `rules:` value.
    pub rules_span: Span,
    pub selections: Vec<Selection>,
    pub condition: Spanned<String>,
}

impl FilterRule {
    pub fn title(&self) -> &str {
        self.meta.title.as_ref().map_or("", |t| t.value.as_str())
    }
}
