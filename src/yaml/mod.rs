//! YAML loading with spans.
//!
//! Takes: a [`SourceFile`] holding YAML text (one or more documents).
//! Gives: one [`Node`] tree per document, every key and value carrying its byte [`Span`], and
//! diagnostics for syntax errors, duplicate keys, alias bombs and excessive nesting.
//! Built on saphyr-parser's event stream, so positions come from the parser itself.

use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::collections::HashMap;
use std::sync::Arc;

/// Deeper YAML nesting than any rule needs; beyond it the file is rejected, not recursed into.
pub const MAX_DEPTH: usize = 64;
/// Upper bound on nodes a document may expand to through aliases (alias bombs).
pub const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

/// A scalar as written; its YAML core-schema type is resolved on demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Quoted and block scalars are always strings.
    pub plain: bool,
}

/// The YAML 1.2 core-schema reading of a scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(&'a str),
}

impl Scalar {
    pub fn value(&self) -> ScalarValue<'_> {
        if !self.plain {
            return ScalarValue::String(&self.text);
        }
        let text = self.text.as_str();
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return ScalarValue::Null,
            "true" | "True" | "TRUE" => return ScalarValue::Bool(true),
            "false" | "False" | "FALSE" => return ScalarValue::Bool(false),
            _ => {}
        }
        if let Some(int) = parse_core_int(text) {
            return ScalarValue::Int(int);
        }
        if let Some(float) = parse_core_float(text) {
            return ScalarValue::Float(float);
        }
        ScalarValue::String(text)
    }
}

fn parse_core_int(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok();
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || bytes.is_empty() {
        return None;
    }
    text.parse().ok()
}

fn parse_core_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(index) => (&unsigned[..index], Some(&unsigned[index + 1..])),
        None => (unsigned, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) => {
            digits_ok(whole) && digits_ok(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !whole.is_empty() && digits_ok(whole),
    };
    let exponent_ok = match exponent {
        Some(exponent) => {
            let e = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
            !e.is_empty() && digits_ok(e)
        }
        None => fraction.is_some(),
    };
    if mantissa_ok && exponent_ok {
        text.parse().ok()
    } else {
        None
    }
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// The text of a scalar that is a string, number or boolean (what a Sigma string field may hold).
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|scalar| scalar.text.as_str())
    }

    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.as_scalar().map(Scalar::value), Some(ScalarValue::Null))
    }

    /// Looks a key up in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// What kind of YAML value this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Sequence(_) => "a list",
            NodeKind::Mapping(_) => "a mapping",
            NodeKind::Scalar(scalar) => match scalar.value() {
                ScalarValue::Null => "null",
                ScalarValue::Bool(_) => "a boolean",
                ScalarValue::Int(_) | ScalarValue::Float(_) => "a number",
                ScalarValue::String(_) => "a string",
            },
        }
    }

    /// The node as JSON, scalars typed by the YAML core schema (sample events in rules).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Scalar(scalar) => match scalar.value() {
                ScalarValue::Null => Value::Null,
                ScalarValue::Bool(b) => Value::Bool(b),
                ScalarValue::Int(i) => Value::from(i),
                ScalarValue::Float(f) => serde_json::Number::from_f64(f)
                    .map_or_else(|| Value::String(scalar.text.clone()), Value::Number),
                ScalarValue::String(text) => Value::String(text.to_string()),
            },
            NodeKind::Sequence(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    fn count_nodes(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(_) => 1,
            NodeKind::Sequence(items) => 1 + items.iter().map(Node::count_nodes).sum::<usize>(),
            NodeKind::Mapping(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count_nodes() + v.count_nodes())
                    .sum::<usize>()
            }
        }
    }
}

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    /// Index of the document in its file (0-based).
    pub index: usize,
}

enum Frame {
    Sequence {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        start: Span,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// Index of key texts, built only for large mappings (small ones are scanned).
        key_index: Option<HashMap<String, Span>>,
        duplicates: Vec<usize>,
    },
}

/// Converts the parser's character indices into byte offsets.
struct Offsets {
    /// Byte offset of each character; empty when the text is ASCII (index == offset).
    char_to_byte: Vec<usize>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let char_to_byte = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(offset, _)| offset).collect()
        };
        Offsets {
            char_to_byte,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.char_to_byte.is_empty() {
            char_index.min(self.len)
        } else {
            self.char_to_byte
                .get(char_index)
                .copied()
                .unwrap_or(self.len)
        }
    }

    fn span(&self, span: saphyr_parser::Span) -> Span {
        Span::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }
}

/// Parses every document of a YAML file. A syntax error ends the file (YAML cannot be resumed
/// after one), but documents before it are returned; semantic problems (duplicate keys) are
/// reported and loading goes on.
pub fn load_documents(file: &Arc<SourceFile>) -> (Vec<Document>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let offsets = Offsets::new(&file.text);
    let mut parser = Parser::new_from_str(&file.text);
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut node_count = 0usize;
    let mut document_root: Option<Node> = None;
    let mut document_index = 0;

    while let Some(next) = parser.next_event() {
        let (event, raw_span) = match next {
            Ok(pair) => pair,
            Err(error) => {
                diagnostics.push(syntax_error(file, &offsets, &error));
                return (documents, diagnostics);
            }
        };
        let span = offsets.span(raw_span);
        let completed: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                document_root = None;
                anchors.clear();
                node_count = 0;
                None
            }
            Event::DocumentEnd => {
                if let Some(root) = document_root.take() {
                    documents.push(Document {
                        root,
                        index: document_index,
                    });
                }
                document_index += 1;
                None
            }
            Event::Scalar(text, style, anchor, _tag) => {
                node_count += 1;
                Some((
                    Node {
                        kind: NodeKind::Scalar(Scalar {
                            text: text.into_owned(),
                            plain: style == ScalarStyle::Plain,
                        }),
                        span,
                    },
                    anchor,
                ))
            }
            Event::Alias(anchor) => match anchors.get(&anchor) {
                Some(target) => {
                    node_count += target.count_nodes();
                    if node_count > MAX_NODES {
                        diagnostics.push(
                            Diagnostic::error(
                                "yaml-alias-limit",
                                format!(
                                    "YAML aliases expand this document beyond {MAX_NODES} nodes"
                                ),
                            )
                            .in_file(file)
                            .at(span, "this alias takes the document over the limit")
                            .with_help("a detection rule never needs this many values; this looks like an alias bomb"),
                        );
                        return (documents, diagnostics);
                    }
                    let mut copy = target.clone();
                    copy.span = span;
                    Some((copy, 0))
                }
                None => {
                    diagnostics.push(
                        Diagnostic::error("yaml-syntax", "alias to an unknown anchor")
                            .in_file(file)
                            .at(span, "no anchor of this name before here"),
                    );
                    return (documents, diagnostics);
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    diagnostics.push(
                        Diagnostic::error(
                            "yaml-too-deep",
                            format!("YAML nesting deeper than {MAX_DEPTH} levels"),
                        )
                        .in_file(file)
                        .at(span, "nesting limit reached here"),
                    );
                    return (documents, diagnostics);
                }
                node_count += 1;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Sequence {
                        start: span,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Mapping {
                        start: span,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        key_index: None,
                        duplicates: Vec::new(),
                    }
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Sequence {
                    start,
                    anchor,
                    items,
                }) => Some((
                    Node {
                        kind: NodeKind::Sequence(items),
                        span: start.join(span),
                    },
                    anchor,
                )),
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Mapping {
                    start,
                    anchor,
                    mut entries,
                    duplicates,
                    ..
                }) => {
                    // Duplicates are reported when seen; the first occurrence is kept.
                    for index in duplicates.into_iter().rev() {
                        entries.remove(index);
                    }
                    Some((
                        Node {
                            kind: NodeKind::Mapping(entries),
                            span: start.join(span),
                        },
                        anchor,
                    ))
                }
                _ => None,
            },
        };
        let Some((node, anchor)) = completed else {
            continue;
        };
        if node_count > MAX_NODES {
            diagnostics.push(
                Diagnostic::error(
                    "yaml-too-large",
                    format!("this YAML document has more than {MAX_NODES} nodes"),
                )
                .in_file(file)
                .at(node.span, "limit reached here"),
            );
            return (documents, diagnostics);
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => document_root = Some(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                entries,
                pending_key,
                key_index,
                duplicates,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    let key_text = match &key.kind {
                        NodeKind::Scalar(scalar) => Some(scalar.text.clone()),
                        _ => None,
                    };
                    if let Some(key_text) = key_text {
                        if let Some(first) = first_occurrence(entries, key_index, &key_text) {
                            diagnostics.push(
                                Diagnostic::error(
                                    "duplicate-key",
                                    format!("duplicate key `{key_text}`"),
                                )
                                .in_file(file)
                                .at(key.span, "this key is already defined")
                                .with_note_at(first, "first defined here")
                                .with_help("YAML keys must be unique within a mapping; merge the two entries or rename one"),
                            );
                            duplicates.push(entries.len());
                        } else if let Some(index) = key_index {
                            index.insert(key_text, key.span);
                        }
                    }
                    entries.push((key, node));
                }
            },
        }
    }
    if let Some(root) = document_root.take() {
        documents.push(Document {
            root,
            index: document_index,
        });
    }
    (documents, diagnostics)
}

/// Where a key was first defined in a mapping being built. Small mappings (all that rules
/// have) are scanned; from 16 entries on, an index is built so huge mappings stay linear.
fn first_occurrence(
    entries: &[(Node, Node)],
    key_index: &mut Option<HashMap<String, Span>>,
    key: &str,
) -> Option<Span> {
    if key_index.is_none() && entries.len() >= 16 {
        let mut index = HashMap::with_capacity(entries.len() * 2);
        for (k, _) in entries {
            if let NodeKind::Scalar(scalar) = &k.kind {
                index.entry(scalar.text.clone()).or_insert(k.span);
            }
        }
        *key_index = Some(index);
    }
    match key_index {
        Some(index) => index.get(key).copied(),
        None => entries
            .iter()
            .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar(s) if s.text == key))
            .map(|(k, _)| k.span),
    }
}

fn syntax_error(file: &Arc<SourceFile>, offsets: &Offsets, error: &ScanError) -> Diagnostic {
    let at = offsets.byte(error.marker().index());
    let end = file.text[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", error.info()))
        .in_file(file)
        .at(Span::new(at, end), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Vec<Document>, Diagnostics) {
        load_documents(&Arc::new(SourceFile::new("t.yml", text)))
    }

    #[test]
    fn spans_are_byte_ranges_even_after_non_ascii() {
        let text = "a: é\nbé: \"x\"\n";
        let (documents, diagnostics) = load(text);
        assert!(diagnostics.is_empty());
        let entries = documents[0].root.as_mapping().unwrap();
        let (key, value) = &entries[1];
        assert_eq!(&text[key.span.start..key.span.end], "bé");
        assert_eq!(&text[value.span.start..value.span.end], "\"x\"");
    }

    #[test]
    fn duplicate_keys_are_reported_and_first_kept() {
        let (documents, diagnostics) = load("a: 1\nb: 2\na: 3\n");
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["duplicate-key"]);
        assert_eq!(documents[0].root.get("a").unwrap().as_str(), Some("1"));
    }

    #[test]
    fn multiple_documents() {
        let (documents, diagnostics) = load("a: 1\n---\nb: 2\n");
        assert!(diagnostics.is_empty());
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1].index, 1);
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let prev = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let (_, diagnostics) = load(&text);
        assert!(diagnostics.iter().any(|d| d.code == "yaml-alias-limit"));
    }

    #[test]
    fn deep_nesting_is_a_diagnostic() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (_, diagnostics) = load(&text);
        assert!(diagnostics.has_errors());
    }

    #[test]
    fn syntax_error_has_position() {
        let (_, diagnostics) = load("a: [1, 2\nb: 3\n");
        let diagnostic = diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.code, "yaml-syntax");
        assert!(diagnostic.start_position().is_some());
    }

    #[test]
    fn core_schema_types() {
        let scalar = |text: &str| Scalar {
            text: text.into(),
            plain: true,
        };
        assert_eq!(scalar("12").value(), ScalarValue::Int(12));
        assert_eq!(scalar("-3").value(), ScalarValue::Int(-3));
        assert_eq!(scalar("1.5").value(), ScalarValue::Float(1.5));
        assert_eq!(scalar("null").value(), ScalarValue::Null);
        assert_eq!(scalar("1.2.3.4").value(), ScalarValue::String("1.2.3.4"));
        assert_eq!(scalar("0x1F").value(), ScalarValue::Int(31));
    }
}
