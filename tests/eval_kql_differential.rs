//! Differential property test: the evaluator against a real KQL engine. For generated Sigma
//! rules and generated events, the evaluator's verdict (`eval::evaluate` on the rule's lowered,
//! placeholder-expanded expression) must equal what the compiled KQL selects in duckdb-kql
//! (`tests/kql_engine/`), run once over the whole batch.
//!
//! Rules: process_creation on Windows (DeviceProcessEvents in the default profile), written as
//! YAML text and loaded by siemc's own loader; 1-3 selections (a map, or a list of maps) of
//! 1-3 fields over five string columns (Image, CommandLine, ParentImage, User,
//! OriginalFileName) and one long column (ProcessId). Forms: plain values and lists, `contains`
//! / `startswith` / `endswith`, `all`, `cased`, `neq`, `windash`, `re` with `i` / `m` / `s`,
//! `exists`, `null`, `fieldref` (with a position and `cased`), numbers with `lt` / `lte` / `gt` /
//! `gte` (on the long column and as text on string columns), booleans, `base64`,
//! `base64offset`, `wide` / `utf16le`, `expand` (the mapping's placeholders); values with
//! quotes, backslashes, `*` / `?`, escaped wildcards, spaces, tabs and newlines, non-ASCII,
//! mixed case and the empty string. Conditions: and / or / not, `1 of sel*`, `all of sel*`,
//! `1 of them`, `all of them`.
//!
//! Not generated, and why: `cidr` (duckdb-kql lacks `ipv4_is_in_range` / `ipv6_is_in_range`),
//! keywords (duckdb-kql lacks `* contains`), the time-part modifiers (this log source maps no
//! datetime field), regular expressions outside Sigma's PCRE subset (`\d`, `\w`, look-around:
//! the specification leaves their meaning open, RE2 refuses look-around), arrays in events (a
//! Sentinel string column holds one string).
//!
//! Events (several per rule) are built from the rule's own lowered patterns: exact instances,
//! with prefixes and suffixes, case-flipped, shortened, one field copied into another (for
//! `fieldref`), absent, empty, unrelated text. Sentinel stores a missing string as "": where
//! the evaluator's verdict depends on whether a string field is absent or empty, the row cannot
//! say which, so the event is counted apart (not compared).
//!
//! The seed is fixed, so CI runs the same cases; `SIEMC_DIFF_SEED` and `SIEMC_DIFF_RULES` run
//! other cases when exploring. Every disagreement found became a fixture in
//! `tests/fixtures/test_rules/` (which `kql_engine_crosscheck.rs` also runs).
// `*rng.pick(&[..])` names the element type (`&str`); without the `*` inference picks `str`.
#![allow(clippy::explicit_auto_deref)]

mod common;

use common::kql_engine::{event_row, python, run_engine, table_rows};
use serde_json::{Map, Value, json};
use siemc::backend::kql;
use siemc::diagnostic::{SourceFile, render_human};
use siemc::eval::{self, Event};
use siemc::ir::{Expr, Matcher, PatternPart};
use siemc::mapping::{Mapping, SentinelSchema, Target};
use siemc::rule::{RuleDocument, load_rule_file};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

const SEED: u64 = 0x5167_6d61_4b51_4c01;
const RULES: usize = 600;
const EVENTS_PER_RULE: usize = 12;

const STRING_FIELDS: [&str; 5] = [
    "Image",
    "CommandLine",
    "ParentImage",
    "User",
    "OriginalFileName",
];
const NUMBER_FIELD: &str = "ProcessId";

/// SplitMix64: small, seeded, the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A YAML scalar of a generated rule.
#[derive(Clone, Debug)]
enum Scalar {
    Str(String),
    Int(i64),
    /// Written as is (`2.5`).
    Float(&'static str),
    Bool(bool),
    Null,
}

impl Scalar {
    fn yaml(&self) -> String {
        match self {
            Scalar::Str(s) => yaml_string(s),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => "null".to_string(),
        }
    }
}

/// A double-quoted YAML string: the loader gives back exactly `s`.
fn yaml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One `field|modifiers: value(s)` entry of a selection.
struct FieldSpec {
    key: String,
    values: Vec<Scalar>,
    /// Written as a list even with one value.
    list: bool,
}

/// A generated rule: its YAML, and sample texts per field that its regexes match (the lowered
/// patterns give the other samples).
struct Generated {
    yaml: String,
    regex_samples: Vec<(&'static str, String)>,
}

/// Pieces of Sigma string values: wildcards, escapes, quotes, backslashes, flags for
/// `windash`, non-ASCII (with characters whose case mapping is unusual), spaces and controls.
const PIECES: &[&str] = &[
    "cmd",
    "Who",
    "AMI",
    ".exe",
    "powershell",
    " -enc",
    "-nop",
    " /c",
    "C:",
    "\\Windows\\",
    "Program Files",
    "é",
    "Ü",
    "中文",
    "ß",
    "Σ",
    "ς",
    "K",
    "ſ",
    "İ",
    "'",
    "\"",
    "%",
    "_",
    " ",
    "x",
    "5",
    "-",
    "/",
    "–",
    "\\",
    "\\*",
    "\\?",
    "\\\\",
    "*",
    "?",
    "*",
    "?",
    "\n",
    "\t",
    "[a]",
    "$",
    ".",
];

/// Pieces without wildcards or escapes, for the encoding modifiers (which need plain values).
const PLAIN_PIECES: &[&str] = &[
    "cmd", "Who", "AMI", " -enc", "é", "中文", "'", "\"", "x", "5",
];

fn sigma_string(rng: &mut Rng) -> String {
    if rng.percent(6) {
        return String::new();
    }
    (0..1 + rng.below(4)).map(|_| *rng.pick(PIECES)).collect()
}

fn plain_string(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| *rng.pick(PLAIN_PIECES))
        .collect()
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A regular expression in Sigma's PCRE subset (`.`, `^`, `$`, quantifiers, classes,
/// alternation, groups, escaped literals) and texts built to match it (before mutation).
fn regex(rng: &mut Rng) -> (String, Vec<String>) {
    let mut atoms: Vec<(String, Vec<&str>)> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let atom: (String, Vec<&str>) = match rng.below(11) {
            0..=2 => {
                let literal = *rng.pick(&[
                    "cmd", "Who", "exe", "é", "Ü", "中", "ß", "Σ", " ", "-", "C:", "'", "\"", "%",
                    ".", "\\", "K",
                ]);
                (regex_escape(literal), vec![literal])
            }
            3 => (".".into(), vec!["a", "é", "中", "\n", "ſ"]),
            4 => (".*".into(), vec!["", "junk", "a\nb"]),
            5 => ("[a-c]".into(), vec!["b", "B", "d"]),
            6 => ("[^x]".into(), vec!["y", "x", "X", "é"]),
            7 => ("(cmd|exe)".into(), vec!["cmd", "EXE", "exe"]),
            8 => ("(ab)+".into(), vec!["ab", "abab", "aB"]),
            9 => ("z{1,2}".into(), vec!["z", "zz", "Z"]),
            _ => ("x?".into(), vec!["", "x", "X"]),
        };
        atoms.push(atom);
    }
    let start = rng.percent(35);
    let end = rng.percent(35);
    let mut pattern = String::new();
    if start {
        pattern.push('^');
    }
    for (text, _) in &atoms {
        pattern.push_str(text);
    }
    if end {
        pattern.push('$');
    }
    let mut samples = Vec::new();
    for _ in 0..3 {
        let mut sample = String::new();
        if !start || rng.percent(20) {
            sample.push_str(*rng.pick(&["", "pre ", "A\n", "é"]));
        }
        for (_, options) in &atoms {
            sample.push_str(*rng.pick(options));
        }
        if !end || rng.percent(20) {
            sample.push_str(*rng.pick(&["", " post", "\nZ", "ß"]));
        }
        samples.push(sample);
    }
    (pattern, samples)
}

fn string_matcher(
    rng: &mut Rng,
    field: &'static str,
    samples: &mut Vec<(&'static str, String)>,
) -> FieldSpec {
    let mut modifiers: Vec<&str> = Vec::new();
    let mut values: Vec<Scalar>;
    let mut list = false;
    match rng.below(100) {
        0..=51 => {
            if rng.percent(15) {
                modifiers.push("windash");
            }
            match rng.below(8) {
                0..=1 => {}
                2..=3 => modifiers.push("contains"),
                4..=5 => modifiers.push("startswith"),
                _ => modifiers.push("endswith"),
            }
            let count = 1 + rng.below(3);
            values = (0..count).map(|_| Scalar::Str(sigma_string(rng))).collect();
            if count > 1 && rng.percent(35) {
                modifiers.push("all");
            }
            if rng.percent(20) {
                modifiers.push("cased");
            }
            if rng.percent(8) {
                modifiers.push("neq");
            }
            list = count == 1 && rng.percent(20);
        }
        52..=63 => {
            modifiers.push("re");
            for (flag, chance) in [("i", 40), ("m", 20), ("s", 25)] {
                if rng.percent(chance) {
                    modifiers.push(flag);
                }
            }
            values = Vec::new();
            for _ in 0..1 + rng.below(2) {
                let (pattern, texts) = regex(rng);
                values.push(Scalar::Str(pattern));
                samples.extend(texts.into_iter().map(|t| (field, t)));
            }
        }
        64..=69 => {
            modifiers.push("exists");
            values = vec![Scalar::Bool(rng.percent(50))];
        }
        70..=74 => {
            values = vec![Scalar::Null];
            if rng.percent(40) {
                values.push(Scalar::Str(sigma_string(rng)));
            }
        }
        75..=83 => {
            modifiers.push("fieldref");
            if rng.percent(50) {
                modifiers.push(*rng.pick(&["contains", "startswith", "endswith"]));
            }
            if rng.percent(20) {
                modifiers.push("cased");
            }
            let others: Vec<&str> = STRING_FIELDS
                .iter()
                .chain([&NUMBER_FIELD])
                .copied()
                .filter(|f| *f != field)
                .collect();
            values = vec![Scalar::Str(rng.pick(&others).to_string())];
        }
        84..=89 => {
            if rng.percent(60) {
                modifiers.push(*rng.pick(&["lt", "lte", "gt", "gte"]));
                values = vec![number(rng)];
            } else {
                values = (0..1 + rng.below(2)).map(|_| number(rng)).collect();
            }
        }
        90..=93 => values = vec![Scalar::Bool(rng.percent(50))],
        _ => {
            let chain: &[&str] = *rng.pick(&[
                &["base64"][..],
                &["base64offset", "contains"],
                &["wide", "base64offset", "contains"],
                &["utf16le", "base64"],
                &["expand"],
            ]);
            modifiers.extend(chain);
            values = if chain == ["expand"] {
                vec![Scalar::Str(
                    rng.pick(&[
                        "%Administrators%",
                        "%Workstations%",
                        "x%Servers%",
                        "%DomainControllers%\\*",
                    ])
                    .to_string(),
                )]
            } else {
                (0..1 + rng.below(2))
                    .map(|_| Scalar::Str(plain_string(rng)))
                    .collect()
            };
        }
    }
    FieldSpec {
        key: std::iter::once(field)
            .chain(modifiers)
            .collect::<Vec<_>>()
            .join("|"),
        values,
        list,
    }
}

fn number(rng: &mut Rng) -> Scalar {
    match rng.below(10) {
        0..=6 => Scalar::Int(*rng.pick(&[0, 1, 4, 5, 42, 1234, -7, 65535, 4_294_967_296])),
        7 => Scalar::Float(*rng.pick(&["2.5", "5.0", "-0.5"])),
        _ => Scalar::Str(rng.pick(&["5", "05", " 7", "1e1"]).to_string()),
    }
}

fn number_matcher(rng: &mut Rng) -> FieldSpec {
    let mut modifiers: Vec<&str> = Vec::new();
    let values: Vec<Scalar> = match rng.below(100) {
        0..=34 => {
            if rng.percent(10) {
                modifiers.push("neq");
            }
            (0..1 + rng.below(3)).map(|_| number(rng)).collect()
        }
        35..=59 => {
            modifiers.push(*rng.pick(&["lt", "lte", "gt", "gte"]));
            vec![number(rng)]
        }
        60..=79 => {
            // The long column compared as text (`tostring(ProcessId)`).
            if rng.percent(60) {
                modifiers.push(*rng.pick(&["contains", "startswith", "endswith"]));
            }
            if rng.percent(15) {
                modifiers.push("cased");
            }
            (0..1 + rng.below(2))
                .map(|_| {
                    Scalar::Str(
                        (0..1 + rng.below(3))
                            .map(|_| *rng.pick(&["1", "12", "5", "0", "*", "?", "\\*", "-", "4"]))
                            .collect(),
                    )
                })
                .collect()
        }
        80..=89 => {
            modifiers.push("exists");
            vec![Scalar::Bool(rng.percent(50))]
        }
        _ => vec![Scalar::Null],
    };
    FieldSpec {
        key: std::iter::once(NUMBER_FIELD)
            .chain(modifiers)
            .collect::<Vec<_>>()
            .join("|"),
        values,
        list: false,
    }
}

fn selection(rng: &mut Rng, samples: &mut Vec<(&'static str, String)>) -> Vec<Vec<FieldSpec>> {
    let maps = if rng.percent(15) { 2 } else { 1 };
    (0..maps)
        .map(|_| {
            let mut specs: Vec<FieldSpec> = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let spec = if rng.percent(18) {
                    number_matcher(rng)
                } else {
                    let field = *rng.pick(&STRING_FIELDS);
                    string_matcher(rng, field, samples)
                };
                // YAML keys are unique within a map.
                if specs.iter().all(|s| s.key != spec.key) {
                    specs.push(spec);
                }
            }
            specs
        })
        .collect()
}

fn condition(rng: &mut Rng, names: &[String], depth: usize) -> String {
    if depth == 0 || rng.percent(35) {
        if rng.percent(70) {
            return rng.pick(names).clone();
        }
        let mut quantifiers = vec!["1 of them", "all of them"];
        if names.iter().any(|n| n.starts_with("sel")) {
            quantifiers.extend(["1 of sel*", "all of sel*"]);
        }
        return rng.pick(&quantifiers).to_string();
    }
    match rng.below(3) {
        0 => format!(
            "({} and {})",
            condition(rng, names, depth - 1),
            condition(rng, names, depth - 1)
        ),
        1 => format!(
            "({} or {})",
            condition(rng, names, depth - 1),
            condition(rng, names, depth - 1)
        ),
        _ => format!("not {}", condition(rng, names, depth - 1)),
    }
}

fn write_values(spec: &FieldSpec) -> String {
    if spec.values.len() == 1 && !spec.list {
        spec.values[0].yaml()
    } else {
        let items: Vec<String> = spec.values.iter().map(Scalar::yaml).collect();
        format!("[{}]", items.join(", "))
    }
}

fn generate_rule(rng: &mut Rng, number: usize) -> Generated {
    let mut samples = Vec::new();
    let count = 1 + rng.below(3);
    let mut names: Vec<String> = (1..=count).map(|i| format!("sel{i}")).collect();
    if count > 1 && rng.percent(30) {
        names[count - 1] = "filter".to_string();
    }
    let mut detection = String::new();
    for name in &names {
        detection.push_str(&format!("    {name}:\n"));
        let maps = selection(rng, &mut samples);
        let several = maps.len() > 1;
        for map in &maps {
            for (index, spec) in map.iter().enumerate() {
                let indent = match (several, index) {
                    (false, _) => "        ",
                    (true, 0) => "        - ",
                    (true, _) => "          ",
                };
                detection.push_str(&format!(
                    "{indent}{}: {}\n",
                    yaml_string(&spec.key),
                    write_values(spec)
                ));
            }
        }
    }
    detection.push_str(&format!("    condition: {}\n", condition(rng, &names, 3)));
    let yaml = format!(
        "title: Generated rule {number}\nid: {:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}\nstatus: test\n\
         logsource: {{category: process_creation, product: windows}}\ndetection:\n{detection}",
        rng.next() as u32,
        rng.next() as u16,
        rng.next() & 0xfff,
        rng.next() & 0xfff,
        rng.next() & 0xffff_ffff_ffff,
    );
    Generated {
        yaml,
        regex_samples: samples,
    }
}

/// Where event values come from: texts, and patterns instantiated afresh for each event.
#[derive(Clone)]
enum Source {
    Text(String),
    Pattern(siemc::ir::Pattern),
}

/// The value sources per field: the rule's lowered patterns, numbers and regex samples.
fn sources(expr: &Expr, regex_samples: &[(&'static str, String)]) -> BTreeMap<String, Vec<Source>> {
    let mut out: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for predicate in expr.predicates() {
        let Some(field) = &predicate.field else {
            continue;
        };
        let slot = out.entry(field.clone()).or_default();
        match &predicate.matcher {
            Matcher::Text { pattern, .. } => slot.push(Source::Pattern(pattern.clone())),
            Matcher::Number { value, .. } => {
                let text = &value.text;
                slot.extend(
                    [
                        text.clone(),
                        format!(" {text}"),
                        format!("{text}.0"),
                        format!("{}", value.value + 1.0),
                        format!("{}", value.value - 1.0),
                        format!("{}", value.value),
                    ]
                    .map(Source::Text),
                );
            }
            Matcher::Bool(b) => slot.extend(
                [b.to_string(), b.to_string().to_uppercase(), "False".into()].map(Source::Text),
            ),
            _ => {}
        }
    }
    for (field, sample) in regex_samples {
        out.entry(field.to_string())
            .or_default()
            .push(Source::Text(sample.clone()));
    }
    out
}

/// A text the pattern matches; wildcards filled from `fill`.
fn instantiate(rng: &mut Rng, pattern: &siemc::ir::Pattern, fill: &[&str]) -> String {
    let mut out = String::new();
    for part in &pattern.parts {
        match part {
            PatternPart::Literal(text) => out.push_str(text),
            PatternPart::AnyChars => {
                for _ in 0..rng.below(3) {
                    out.push_str(*rng.pick(fill));
                }
            }
            PatternPart::OneChar => out.push_str(*rng.pick(fill)),
            PatternPart::Placeholder(name) => out.push_str(&format!("%{name}%")),
        }
    }
    out
}

const TEXT_FILL: &[&str] = &["a", "Z", "é", "?", "*", "ß", "中", " ", "\n", "-"];
const DIGIT_FILL: &[&str] = &["0", "1", "7"];

/// A near miss (or, under case-insensitive matching, often still a hit).
fn mutate(rng: &mut Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    match rng.below(8) {
        0 | 1 => chars
            .iter()
            .map(|c| {
                if c.is_lowercase() {
                    c.to_uppercase().collect::<String>()
                } else {
                    c.to_lowercase().collect()
                }
            })
            .collect(),
        2 => format!("{}{text}", rng.pick(&["x", " ", "É", "\\", "-"])),
        3 => format!("{text}{}", rng.pick(&["x", " ", "ß", "\n", "Σ"])),
        4 => chars.iter().skip(1).collect(),
        5 => chars.iter().take(chars.len().saturating_sub(1)).collect(),
        6 if !chars.is_empty() => {
            let at = rng.below(chars.len());
            chars
                .iter()
                .enumerate()
                .map(|(i, c)| if i == at { 'q' } else { *c })
                .collect()
        }
        _ => text.to_uppercase(),
    }
}

const JUNK: &[&str] = &[
    "x",
    "C:\\Windows\\System32\\cmd.exe",
    "é",
    "5",
    " ",
    "true",
    "-enc",
    "ΑΣ",
];

fn string_value(rng: &mut Rng, field: &str, sources: &BTreeMap<String, Vec<Source>>) -> String {
    // Now and then a value meant for another field.
    let own = sources.get(field).filter(|s| !s.is_empty());
    let any: Vec<&Source> = sources.values().flatten().collect();
    let source = match own {
        Some(own) if !rng.percent(15) => Some(rng.pick(own).clone()),
        _ if !any.is_empty() => Some((*rng.pick(&any)).clone()),
        _ => None,
    };
    let text = match source {
        Some(Source::Text(text)) => text,
        Some(Source::Pattern(pattern)) => instantiate(rng, &pattern, TEXT_FILL),
        None => rng.pick(JUNK).to_string(),
    };
    if rng.percent(35) {
        mutate(rng, &text)
    } else {
        text
    }
}

fn number_value(rng: &mut Rng, sources: &BTreeMap<String, Vec<Source>>) -> i64 {
    let candidates: Vec<i64> = sources
        .get(NUMBER_FIELD)
        .into_iter()
        .flatten()
        .filter_map(|source| match source {
            Source::Text(text) => text.trim().parse::<f64>().ok().map(|f| f as i64),
            Source::Pattern(pattern) => instantiate(rng, pattern, DIGIT_FILL).parse().ok(),
        })
        .collect();
    if !candidates.is_empty() && rng.percent(75) {
        let base = *rng.pick(&candidates);
        base + *rng.pick(&[0, 0, 0, 1, -1])
    } else {
        *rng.pick(&[0, 1, 5, -7, 42, 99_999, 4_294_967_296])
    }
}

fn generate_event(rng: &mut Rng, sources: &BTreeMap<String, Vec<Source>>) -> Map<String, Value> {
    let mut event = Map::new();
    for field in STRING_FIELDS {
        let roll = rng.below(100);
        if roll < 14 {
            continue;
        }
        let value = if roll < 21 {
            String::new()
        } else if roll < 88 {
            string_value(rng, field, sources)
        } else {
            rng.pick(JUNK).to_string()
        };
        event.insert(field.to_string(), json!(value));
    }
    if !rng.percent(14) {
        event.insert(NUMBER_FIELD.to_string(), json!(number_value(rng, sources)));
    }
    // One field's value in another (what `fieldref` compares), sometimes changed a little.
    if rng.percent(25) {
        let target = *rng.pick(&STRING_FIELDS);
        let from = *rng.pick(&[
            STRING_FIELDS[0],
            STRING_FIELDS[1],
            STRING_FIELDS[2],
            STRING_FIELDS[3],
            STRING_FIELDS[4],
            NUMBER_FIELD,
        ]);
        if let Some(value) = event.get(from).map(eval::scalar_text) {
            let value = if rng.percent(40) {
                mutate(rng, &value)
            } else {
                value
            };
            event.insert(target.to_string(), json!(value));
        }
    }
    event
}

/// The evaluator's verdict, or `None` when it depends on how a blank string field (absent, or
/// empty) is read. Sentinel stores both as "", and each test of the query reads that "" its own
/// way: `isempty` / `exists: false` / `null` as absent, `== ""` (`Field: ''`) or `contains` as an
/// empty value. So a row stands for every reading, test by test, and the verdict is compared
/// only when all readings give the same one.
fn verdict(expr: &Expr, event: &Map<String, Value>) -> Result<(Option<bool>, String), String> {
    let blanks: Vec<&str> = STRING_FIELDS
        .iter()
        .copied()
        .filter(|f| event.get(*f).is_none_or(|v| v.as_str() == Some("")))
        .collect();
    let own = eval::evaluate(expr, &Event::Json(Value::Object(event.clone())))?;
    let (can_match, can_miss) = outcomes(expr, event, &blanks)?;
    assert!(
        if own.matched { can_match } else { can_miss },
        "the event's own reading is one of the readings"
    );
    Ok(((can_match != can_miss).then_some(own.matched), own.reason))
}

/// Whether the expression can be true, and whether it can be false, when each predicate may
/// read each blank field it tests as absent or as "".
fn outcomes(
    expr: &Expr,
    event: &Map<String, Value>,
    blanks: &[&str],
) -> Result<(bool, bool), String> {
    Ok(match expr {
        Expr::And(items) => {
            let (mut can_match, mut can_miss) = (true, false);
            for item in items {
                let (t, f) = outcomes(item, event, blanks)?;
                can_match &= t;
                can_miss |= f;
            }
            (can_match, can_miss)
        }
        Expr::Or(items) => {
            let (mut can_match, mut can_miss) = (false, true);
            for item in items {
                let (t, f) = outcomes(item, event, blanks)?;
                can_match |= t;
                can_miss &= f;
            }
            (can_match, can_miss)
        }
        Expr::Not(inner) => {
            let (t, f) = outcomes(inner, event, blanks)?;
            (f, t)
        }
        Expr::Predicate(predicate) => {
            let other = match &predicate.matcher {
                Matcher::FieldRef { other, .. } => Some(other),
                _ => None,
            };
            let read: Vec<&str> = predicate
                .field
                .iter()
                .chain(other)
                .map(String::as_str)
                .filter(|f| blanks.contains(f))
                .collect();
            let (mut can_match, mut can_miss) = (false, false);
            for mask in 0..1u32 << read.len() {
                let mut variant = event.clone();
                for (i, field) in read.iter().enumerate() {
                    if mask & (1 << i) != 0 {
                        variant.insert(field.to_string(), json!(""));
                    } else {
                        variant.remove(*field);
                    }
                }
                if eval::predicate_matches(predicate, &Event::Json(Value::Object(variant)))? {
                    can_match = true;
                } else {
                    can_miss = true;
                }
            }
            (can_match, can_miss)
        }
    })
}

/// Functions and operators duckdb-kql lacks; a rule whose query needs one is counted as not run.
/// None of the generated forms needs one today (cidr and keywords are not generated).
const ENGINE_LACKS: &[&str] = &[];

/// Characters that RE2's case-insensitive matching (`(?i)`, Unicode simple case folding) and
/// lowercasing (KQL's `=~` / `contains` / `in~` in duckdb-kql, `tolower()`, and the evaluator)
/// treat differently: `ſ` folds to `s` and `ς` to `σ`, which lowercasing keeps apart; `İ`
/// lowercases to `i` but folds only to itself. siemc writes a pattern with an inner wildcard as
/// `matches regex @"(?i)..."`, so with these characters such a pattern and the same pattern
/// without the wildcard compare differently in KQL itself: no evaluator can agree with both. A
/// disagreement counts as this documented divergence only when the query has such a regex and
/// the rule and event agree once these characters are replaced (`s`, `σ`, `I`).
const FOLDING_DIFFERS: [(char, char); 3] = [('ſ', 's'), ('ς', 'σ'), ('İ', 'I')];

fn without_folding_differences(text: &str) -> String {
    text.chars()
        .map(|c| {
            FOLDING_DIFFERS
                .iter()
                .find(|(odd, _)| *odd == c)
                .map_or(c, |(_, plain)| *plain)
        })
        .collect()
}

/// A generated rule through siemc: loaded, lowered, expanded, mapped and compiled.
struct Compiled {
    sigma_expr: Expr,
    query: String,
    table: String,
    rule: Box<siemc::rule::Rule>,
}

fn compile(mapping: &Mapping, number: usize, yaml: &str) -> Result<Compiled, String> {
    let schema = SentinelSchema::builtin();
    let templates = siemc::backend::Templates::embedded();
    let refuse = |what: &str, diagnostics: &[siemc::diagnostic::Diagnostic]| {
        let rendered: Vec<String> = diagnostics.iter().map(|d| render_human(d, false)).collect();
        format!("{what}:\n{yaml}\n{}", rendered.join("\n"))
    };
    let file = Arc::new(SourceFile::new(format!("generated/{number}.yml"), yaml));
    let (documents, diagnostics) = load_rule_file(&file);
    let diagnostics: Vec<_> = diagnostics.into_iter().collect();
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(refuse("the loader refused a generated rule", &diagnostics));
    }
    let Some(RuleDocument::Detection(rule)) = documents.into_iter().next() else {
        return Err(refuse("no detection rule loaded", &diagnostics));
    };
    let lowered = siemc::ir::lower_rule(&rule)
        .map_err(|d| refuse("lowering refused a generated rule", &d))?;
    let sigma_expr = mapping
        .expand_placeholders(&rule, &lowered.expr)
        .map_err(|d| refuse("placeholder expansion failed", &d))?;
    let mut mapped = mapping
        .map_rule(&rule, &lowered)
        .map_err(|d| refuse("mapping refused a generated rule", &d))?;
    // The rule's condition only, as in kql_engine_crosscheck.rs.
    mapped.source.filter = None;
    let table = mapped.source.table.clone().expect("a KQL table");
    let query = kql::compile(&rule, &mapped, schema, &templates)
        .map_err(|d| refuse("the KQL backend refused a generated rule", &d))?;
    Ok(Compiled {
        sigma_expr,
        query,
        table,
        rule,
    })
}

/// The engine case of a compiled rule over events: every column of the fields generated, so
/// each row shows the event the way Sentinel would store it.
fn engine_case(
    mapping: &Mapping,
    id: &str,
    compiled: &Compiled,
    events: &[Map<String, Value>],
) -> Value {
    let schema = SentinelSchema::builtin();
    let (_, entry) = mapping.find_source(&compiled.rule).expect("mapped");
    let table = &compiled.table;
    let mut columns = BTreeMap::new();
    for field in STRING_FIELDS.iter().chain([&NUMBER_FIELD]) {
        let column = mapping.field_name(entry, field);
        let kind = common::kql_engine::duckdb_type(schema.column_type(table, &column), false);
        columns.insert(column, kind);
    }
    let rows: Vec<Map<String, Value>> = events
        .iter()
        .map(|e| {
            event_row(
                mapping,
                entry,
                schema,
                table,
                &Value::Object(e.clone()),
                &mut columns,
            )
        })
        .collect();
    json!({
        "id": id,
        "table": table,
        "columns": columns.iter().map(|(n, k)| json!([n, k])).collect::<Vec<_>>(),
        "rows": table_rows(&columns, &rows),
        "query": compiled.query,
    })
}

/// A generated rule compiled, with its events and the evaluator's verdicts.
struct Prepared {
    yaml: String,
    query: String,
    events: Vec<Map<String, Value>>,
    verdicts: Vec<(Option<bool>, String)>,
}

/// A disagreement, kept until the case-folding check has run.
struct Disagreement {
    case: usize,
    event: usize,
    text: String,
}

#[test]
fn the_evaluator_and_duckdb_kql_agree_on_generated_rules_and_events() {
    let started = Instant::now();
    let seed = std::env::var("SIEMC_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let rule_count = std::env::var("SIEMC_DIFF_RULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(RULES);
    let python = python();
    let mapping = Mapping::builtin(Target::Kql);
    let mut rng = Rng(seed);
    let mut failures: Vec<String> = Vec::new();
    let mut prepared = Vec::new();
    let mut cases = Vec::new();
    for number in 0..rule_count {
        let generated = generate_rule(&mut rng, number);
        let compiled = match compile(&mapping, number, &generated.yaml) {
            Ok(compiled) => compiled,
            Err(failure) => {
                failures.push(failure);
                continue;
            }
        };
        let sources = sources(&compiled.sigma_expr, &generated.regex_samples);
        let events: Vec<Map<String, Value>> = (0..EVENTS_PER_RULE)
            .map(|_| generate_event(&mut rng, &sources))
            .collect();
        let verdicts: Result<Vec<_>, String> = events
            .iter()
            .map(|event| verdict(&compiled.sigma_expr, event))
            .collect();
        let verdicts = match verdicts {
            Ok(verdicts) => verdicts,
            Err(error) => {
                failures.push(format!("the evaluator failed: {error}\n{}", generated.yaml));
                continue;
            }
        };
        cases.push(engine_case(
            &mapping,
            &cases.len().to_string(),
            &compiled,
            &events,
        ));
        prepared.push(Prepared {
            yaml: generated.yaml,
            query: compiled.query,
            events,
            verdicts,
        });
    }
    let generated_at = started.elapsed();
    let results = run_engine(&python, &cases);
    let (mut agreed, mut ambiguous, mut matched, mut compared) = (0, 0, 0, 0);
    let mut not_run: Vec<String> = Vec::new();
    let mut disagreements: Vec<Disagreement> = Vec::new();
    for (number, (case, result)) in prepared.iter().zip(&results).enumerate() {
        if let Some(message) = result.get("unsupported").and_then(Value::as_str) {
            if ENGINE_LACKS.iter().any(|f| message.contains(f)) {
                not_run.push(message.to_string());
            } else {
                failures.push(format!(
                    "duckdb-kql cannot run a generated form ({message}): generate only what it runs, or document it in ENGINE_LACKS\n{}\n{}",
                    case.yaml, case.query
                ));
            }
            continue;
        }
        let Some(selected) = result.get("selected").and_then(Value::as_array) else {
            failures.push(format!(
                "duckdb-kql failed: {}\n{}\n{}",
                result["error"], case.yaml, case.query
            ));
            continue;
        };
        let selected: Vec<u64> = selected.iter().filter_map(Value::as_u64).collect();
        for (index, (event, (verdict, reason))) in
            case.events.iter().zip(&case.verdicts).enumerate()
        {
            let Some(evaluator) = *verdict else {
                ambiguous += 1;
                continue;
            };
            compared += 1;
            matched += usize::from(evaluator);
            let engine = selected.contains(&(index as u64));
            if engine == evaluator {
                agreed += 1;
            } else {
                disagreements.push(Disagreement {
                    case: number,
                    event: index,
                    text: format!(
                        "evaluator {evaluator} ({reason}), duckdb-kql {engine}\nevent: {}\n{}\n{}",
                        Value::Object(event.clone()),
                        case.yaml,
                        case.query
                    ),
                });
            }
        }
    }
    // The case-folding check: the disagreeing rule and event again, without the characters
    // that fold differently, in a second (small) engine run.
    let mut rechecks = Vec::new();
    let mut recheck_cases = Vec::new();
    for (index, disagreement) in disagreements.iter().enumerate() {
        let case = &prepared[disagreement.case];
        let event = &case.events[disagreement.event];
        let text = format!("{}\n{}", case.yaml, Value::Object(event.clone()));
        let regex_ignores_case = case.query.contains("matches regex @\"(?i");
        if !regex_ignores_case || without_folding_differences(&text) == text {
            continue;
        }
        let yaml = without_folding_differences(&case.yaml);
        let Ok(compiled) = compile(&mapping, disagreement.case, &yaml) else {
            continue;
        };
        let plain: Map<String, Value> = event
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k.clone(), json!(without_folding_differences(s))),
                other => (k.clone(), other.clone()),
            })
            .collect();
        let Ok((Some(evaluator), _)) = verdict(&compiled.sigma_expr, &plain) else {
            continue;
        };
        recheck_cases.push(engine_case(
            &mapping,
            &index.to_string(),
            &compiled,
            &[plain],
        ));
        rechecks.push((index, evaluator));
    }
    let mut folding = vec![false; disagreements.len()];
    if !recheck_cases.is_empty() {
        for ((index, evaluator), result) in rechecks.iter().zip(run_engine(&python, &recheck_cases))
        {
            let engine = result["selected"].as_array().is_some_and(|s| !s.is_empty());
            folding[*index] = engine == *evaluator;
        }
    }
    let documented = folding.iter().filter(|f| **f).count();
    let unexplained: Vec<&Disagreement> = disagreements
        .iter()
        .zip(&folding)
        .filter(|(_, f)| !**f)
        .map(|(d, _)| d)
        .collect();
    let total_events: usize = prepared.iter().map(|c| c.events.len()).sum();
    println!(
        "eval/KQL differential (seed {seed:#x}): {rule_count} rules generated, {} compiled and run, {total_events} events",
        prepared.len()
    );
    println!(
        "compared {compared} events: {agreed} agreements, {} disagreements ({documented} the documented RE2 case-folding divergence, {} unexplained); the evaluator matched {matched}",
        disagreements.len(),
        unexplained.len()
    );
    println!(
        "not compared: {ambiguous} events whose verdict depends on absent vs empty (one row in Sentinel); {} rules duckdb-kql cannot run",
        not_run.len()
    );
    println!(
        "time: {:.1} s generating and evaluating, {:.1} s in total",
        generated_at.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    for line in not_run.iter().take(5) {
        println!("not run by duckdb-kql (engine lacks it): {line}");
    }
    for (disagreement, _) in disagreements.iter().zip(&folding).filter(|(_, f)| **f) {
        println!(
            "documented divergence (RE2 case folding):\n{}\n",
            disagreement.text
        );
    }
    for disagreement in &unexplained {
        println!("DISAGREEMENT {}\n", disagreement.text);
    }
    assert!(
        failures.is_empty(),
        "{} failures, the first ones:\n\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(
        unexplained.is_empty(),
        "{} disagreements, the first ones:\n\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .take(10)
            .map(|d| d.text.clone())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    // The generator must keep producing both verdicts, or the comparison proves little.
    assert!(
        compared >= rule_count * EVENTS_PER_RULE / 2,
        "too few events compared: {compared}"
    );
    assert!(
        matched * 10 >= compared && (compared - matched) * 10 >= compared,
        "the events should both match and miss: {matched} of {compared} matched"
    );
}
