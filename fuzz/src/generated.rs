//! Structure-aware rules for the `compile_generated` fuzz target: `arbitrary` picks log
//! sources, selections, field names, modifier chains, values and conditions, and the rule is
//! rendered as YAML that always parses, so the fuzzer spends its time in the lowering, the
//! mapping, the backends and the validators rather than in YAML syntax.
//!
//! Values mix the awkward characters of real rules: quotes, backslashes (before wildcards and
//! not), `*` and `?`, newlines, tabs, control and non-ASCII characters, empty strings, numbers,
//! booleans and null. Modifier chains are drawn from every v2.1 modifier plus a misspelt one,
//! in any order, so refusals are reached too. Sometimes a filter document and a correlation
//! over the rule are added.

use arbitrary::Arbitrary;
use std::fmt::Write;

/// Log sources the built-in mappings know (and one they do not).
const LOGSOURCES: &[&str] = &[
    "{category: process_creation, product: windows}",
    "{category: file_event, product: windows}",
    "{category: registry_set, product: windows}",
    "{category: network_connection, product: windows}",
    "{category: image_load, product: windows}",
    "{category: dns_query, product: windows}",
    "{category: ps_script, product: windows}",
    "{product: windows, service: security}",
    "{product: windows, service: system}",
    "{product: windows, service: windefend}",
    "{category: process_creation, product: linux}",
    "{product: linux, service: auditd}",
    "{category: webserver}",
    "{category: proxy}",
    "{category: firewall}",
    "{product: aws, service: cloudtrail}",
    "{product: azure, service: signinlogs}",
    "{product: azure, service: auditlogs}",
    "{product: m365, service: exchange}",
    "{product: okta, service: okta}",
    "{product: acme, service: vpn}",
];

/// Field names of real rules, some with dots, spaces or odd characters.
const FIELDS: &[&str] = &[
    "Image",
    "CommandLine",
    "ParentImage",
    "ParentCommandLine",
    "OriginalFileName",
    "User",
    "IntegrityLevel",
    "Hashes",
    "TargetFilename",
    "TargetObject",
    "Details",
    "EventID",
    "DestinationIp",
    "DestinationPort",
    "DestinationHostname",
    "Initiated",
    "QueryName",
    "ScriptBlockText",
    "ImageLoaded",
    "Signed",
    "TargetUserName",
    "LogonType",
    "IpAddress",
    "ServiceFileName",
    "cs-uri-query",
    "c-useragent",
    "sc-status",
    "eventName",
    "eventSource",
    "ResultType",
    "AppDisplayName",
    "a0",
    "type",
    "requestParameters.userName",
    "Threat Name",
    "Field'Quote",
    "Odd\"Name",
    "x",
];

/// Every modifier siemc knows, and one misspelt.
const MODIFIERS: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "all",
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "wide",
    "utf16",
    "windash",
    "re",
    "i",
    "m",
    "s",
    "cidr",
    "exists",
    "cased",
    "expand",
    "fieldref",
    "lt",
    "lte",
    "gt",
    "gte",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "contians",
];

/// Pieces of real values, to keep values close to what rules hold.
const WORDS: &[&str] = &[
    "\\cmd.exe",
    "C:\\Windows\\",
    "powershell",
    " -enc ",
    "/c",
    "whoami",
    "http://",
    "10.0.0.0/8",
    "::1/128",
    "%admins%",
    "^(a|b)+$",
    "(?i)x",
    "[a-z]{2,}",
    "4688",
    "true",
    "null",
    "é",
    "𝔘",
    "..\\..\\",
    "%2e%2e",
    "'",
    "\"",
    "|",
    "`",
    "$x$",
    "{",
    "}",
];

/// One generated rule file: the rule, and perhaps a filter and a correlation over it.
#[derive(Debug, Arbitrary)]
pub struct GeneratedRule {
    logsource: u8,
    selections: Vec<Selection>,
    keywords: Option<Vec<Value>>,
    condition: Condition,
    second_condition: Option<Condition>,
    filter: Option<Selection>,
    correlation: Option<Correlation>,
}

#[derive(Debug, Arbitrary)]
enum Selection {
    /// A map of fields (and-ed).
    Map(Vec<FieldTest>),
    /// A list of maps (or-ed).
    ListOfMaps(Vec<Vec<FieldTest>>),
    /// A list of plain values (keywords).
    Values(Vec<Value>),
}

#[derive(Debug, Arbitrary)]
struct FieldTest {
    field: FieldName,
    modifiers: Vec<u8>,
    values: Values,
}

#[derive(Debug, Arbitrary)]
enum FieldName {
    Known(u8),
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Values {
    One(Value),
    Many(Vec<Value>),
    Null,
    EmptyList,
}

#[derive(Debug, Arbitrary)]
enum Value {
    Text(Vec<Piece>),
    Integer(i64),
    Real(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Arbitrary)]
enum Piece {
    Word(u8),
    Char(char),
    Star,
    Question,
    Backslash,
    EscapedStar,
    Newline,
    Space,
    Text(String),
}

#[derive(Debug, Arbitrary)]
enum Condition {
    Name(u8),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    OneOfPattern(u8),
    AllOfPattern(u8),
    OneOfThem,
    AllOfThem,
    Keywords,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
struct Correlation {
    kind: u8,
    group_by: Vec<FieldName>,
    field: FieldName,
    timespan: u16,
    unit: u8,
    threshold: i16,
    operator: u8,
}

const MAX_SELECTIONS: usize = 4;
const MAX_FIELDS: usize = 4;
const MAX_VALUES: usize = 4;
const MAX_PIECES: usize = 8;
const MAX_MODIFIERS: usize = 4;
const MAX_CONDITION_DEPTH: usize = 6;

fn pick<'a>(pool: &[&'a str], index: u8) -> &'a str {
    pool[index as usize % pool.len()]
}

/// A YAML double-quoted scalar holding exactly `text`.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            // YAML's printable set excludes the other controls, the surrogates cannot occur
            // in a char, and U+FEFF / U+FFFE / U+FFFF are escaped as well.
            c if (c as u32) < 0x20
                || (0x7f..=0x9f).contains(&(c as u32))
                || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}') =>
            {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl FieldName {
    fn text(&self) -> String {
        match self {
            FieldName::Known(index) => pick(FIELDS, *index).to_string(),
            FieldName::Other(name) => name.chars().take(24).collect(),
        }
    }
}

impl Value {
    fn yaml(&self) -> String {
        match self {
            Value::Text(pieces) => {
                let mut text = String::new();
                for piece in pieces.iter().take(MAX_PIECES) {
                    match piece {
                        Piece::Word(index) => text.push_str(pick(WORDS, *index)),
                        Piece::Char(c) => text.push(*c),
                        Piece::Star => text.push('*'),
                        Piece::Question => text.push('?'),
                        Piece::Backslash => text.push('\\'),
                        Piece::EscapedStar => text.push_str("\\*"),
                        Piece::Newline => text.push('\n'),
                        Piece::Space => text.push(' '),
                        Piece::Text(other) => text.extend(other.chars().take(16)),
                    }
                }
                quoted(&text)
            }
            Value::Integer(n) => n.to_string(),
            // YAML has no NaN/inf literals in the plain form serde would print; keep finite.
            Value::Real(x) if x.is_finite() => format!("{x:?}"),
            Value::Real(_) => "0.5".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_string(),
        }
    }
}

impl Values {
    fn yaml(&self) -> String {
        match self {
            Values::One(value) => value.yaml(),
            Values::Many(values) => list(values),
            Values::Null => "null".to_string(),
            Values::EmptyList => "[]".to_string(),
        }
    }
}

fn list(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().take(MAX_VALUES).map(Value::yaml).collect();
    format!("[{}]", items.join(", "))
}

impl FieldTest {
    fn key(&self) -> String {
        let mut key = self.field.text();
        for modifier in self.modifiers.iter().take(MAX_MODIFIERS) {
            key.push('|');
            key.push_str(pick(MODIFIERS, *modifier));
        }
        quoted(&key)
    }
}

/// A flow map of field tests; duplicate keys are dropped (they are a YAML error, tested by the
/// loader's own tests, and would stop the rule before the backends).
fn field_map(tests: &[FieldTest]) -> String {
    let mut seen = Vec::new();
    let mut items = Vec::new();
    for test in tests.iter().take(MAX_FIELDS) {
        let key = test.key();
        if seen.contains(&key) {
            continue;
        }
        items.push(format!("{key}: {}", test.values.yaml()));
        seen.push(key);
    }
    if items.is_empty() {
        items.push("\"Image\": \"x\"".to_string());
    }
    format!("{{{}}}", items.join(", "))
}

impl Selection {
    fn yaml(&self) -> String {
        match self {
            Selection::Map(tests) => field_map(tests),
            Selection::ListOfMaps(maps) => {
                let items: Vec<String> = maps
                    .iter()
                    .take(MAX_VALUES)
                    .map(|tests| field_map(tests))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            Selection::Values(values) => list(values),
        }
    }
}

/// The selection names a rendered rule has: `selection`, `selection_2`, … and `filter_1`, …
/// so that `1 of selection*` and `1 of filter_*` have something to match.
fn selection_name(index: usize) -> String {
    match index {
        0 => "selection".to_string(),
        i if i % 2 == 1 => format!("filter_{i}"),
        i => format!("selection_{i}"),
    }
}

const PATTERNS: &[&str] = &[
    "selection*",
    "filter_*",
    "sel*",
    "nomatch*",
    "*",
    "keywords",
];

impl Condition {
    fn text(&self, selections: usize, has_keywords: bool, depth: usize) -> String {
        let name = |index: u8| {
            if selections == 0 {
                "selection".to_string()
            } else {
                selection_name(index as usize % selections)
            }
        };
        if depth >= MAX_CONDITION_DEPTH {
            return name(0);
        }
        let inner = |c: &Condition| c.text(selections, has_keywords, depth + 1);
        match self {
            Condition::Name(index) => name(*index),
            Condition::Not(c) => format!("not {}", inner(c)),
            Condition::And(a, b) => format!("({} and {})", inner(a), inner(b)),
            Condition::Or(a, b) => format!("{} or {}", inner(a), inner(b)),
            Condition::OneOfPattern(p) => format!("1 of {}", pick(PATTERNS, *p)),
            Condition::AllOfPattern(p) => format!("all of {}", pick(PATTERNS, *p)),
            Condition::OneOfThem => "1 of them".to_string(),
            Condition::AllOfThem => "all of them".to_string(),
            Condition::Keywords if has_keywords => "keywords".to_string(),
            Condition::Keywords => name(0),
            Condition::Raw(text) => text.chars().take(40).collect(),
        }
    }
}

const CORRELATION_KINDS: &[&str] = &["event_count", "value_count", "temporal", "temporal_ordered"];
const UNITS: &[&str] = &["s", "m", "h", "d", "x"];
const OPERATORS: &[&str] = &["gte", "gt", "lte", "lt", "eq", "neq"];

impl GeneratedRule {
    /// The rule file: always well-formed YAML, not always a valid rule.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "title: Generated rule");
        let _ = writeln!(out, "id: 5b1f7d52-1c35-4a3b-9f0e-000000000001");
        let _ = writeln!(out, "name: generated_rule");
        let _ = writeln!(out, "status: test");
        let _ = writeln!(out, "logsource: {}", pick(LOGSOURCES, self.logsource));
        let _ = writeln!(out, "detection:");
        let selections = self.selections.len().min(MAX_SELECTIONS);
        for (index, selection) in self.selections.iter().take(MAX_SELECTIONS).enumerate() {
            let _ = writeln!(out, "    {}: {}", selection_name(index), selection.yaml());
        }
        if selections == 0 && self.keywords.is_none() {
            let _ = writeln!(out, "    selection: {{\"Image\": \"x\"}}");
        }
        let has_keywords = self.keywords.is_some();
        if let Some(keywords) = &self.keywords {
            let _ = writeln!(out, "    keywords: {}", list(keywords));
        }
        let condition = self.condition.text(selections, has_keywords, 0);
        match &self.second_condition {
            Some(second) => {
                let second = second.text(selections, has_keywords, 0);
                let _ = writeln!(
                    out,
                    "    condition: [{}, {}]",
                    quoted(&condition),
                    quoted(&second)
                );
            }
            None => {
                let _ = writeln!(out, "    condition: {}", quoted(&condition));
            }
        }
        let _ = writeln!(out, "level: medium");
        if let Some(filter) = &self.filter {
            let _ = writeln!(out, "---");
            let _ = writeln!(out, "title: Generated filter");
            let _ = writeln!(out, "logsource: {}", pick(LOGSOURCES, self.logsource));
            let _ = writeln!(out, "filter:");
            let _ = writeln!(out, "    rules: [generated_rule]");
            let _ = writeln!(out, "    filter_generated: {}", filter.yaml());
            let _ = writeln!(out, "    condition: not filter_generated");
        }
        if let Some(correlation) = &self.correlation {
            correlation.write(&mut out);
        }
        out
    }
}

impl Correlation {
    fn write(&self, out: &mut String) {
        let kind = pick(CORRELATION_KINDS, self.kind);
        let _ = writeln!(out, "---");
        let _ = writeln!(out, "title: Generated correlation");
        let _ = writeln!(out, "correlation:");
        let _ = writeln!(out, "    type: {kind}");
        let _ = writeln!(out, "    rules: [generated_rule]");
        let group_by: Vec<String> = self
            .group_by
            .iter()
            .take(3)
            .map(|field| quoted(&field.text()))
            .collect();
        if !group_by.is_empty() {
            let _ = writeln!(out, "    group-by: [{}]", group_by.join(", "));
        }
        let _ = writeln!(
            out,
            "    timespan: {}{}",
            self.timespan % 1000,
            pick(UNITS, self.unit)
        );
        let operator = pick(OPERATORS, self.operator);
        if kind == "value_count" {
            let _ = writeln!(
                out,
                "    condition: {{field: {}, {operator}: {}}}",
                quoted(&self.field.text()),
                self.threshold
            );
        } else {
            let _ = writeln!(out, "    condition: {{{operator}: {}}}", self.threshold);
        }
    }
}
