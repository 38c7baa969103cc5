//! Where the cursor is in a rule: the YAML node under it (hover, definition), or, while the
//! text is being typed and may not parse, the slot the line offers (completion).

use crate::diagnostic::Span;
use crate::rule::{LogSource, Spanned};
use crate::yaml::{Document, Node, NodeKind};

/// One step of a path from a document's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Item(usize),
}

/// The node under a cursor and the path to it.
pub struct Located<'a> {
    pub path: Vec<Step>,
    pub node: &'a Node,
    /// The node is a mapping key (the path's last step is that key).
    pub is_key: bool,
    pub root: &'a Node,
}

impl Located<'_> {
    /// The keys of the path (list indices left out).
    pub fn keys(&self) -> Vec<&str> {
        self.path
            .iter()
            .filter_map(|step| match step {
                Step::Key(key) => Some(key.as_str()),
                Step::Item(_) => None,
            })
            .collect()
    }
}

/// The deepest scalar (key or value) whose span holds `offset` (its end included, so a
/// cursor right after a word still hovers it).
pub fn locate(documents: &[Document], offset: usize) -> Option<Located<'_>> {
    let document = documents
        .iter()
        .rev()
        .find(|d| d.root.span.start <= offset)?;
    let mut path = Vec::new();
    let (node, is_key) = descend(&document.root, offset, &mut path)?;
    Some(Located {
        path,
        node,
        is_key,
        root: &document.root,
    })
}

fn contains(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

fn descend<'a>(node: &'a Node, offset: usize, path: &mut Vec<Step>) -> Option<(&'a Node, bool)> {
    match &node.kind {
        NodeKind::Scalar(_) => contains(node.span, offset).then_some((node, false)),
        NodeKind::Sequence(items) => items.iter().enumerate().find_map(|(i, item)| {
            if !contains(item.span, offset) {
                return None;
            }
            path.push(Step::Item(i));
            let found = descend(item, offset, path);
            if found.is_none() {
                path.pop();
            }
            found
        }),
        NodeKind::Mapping(entries) => entries.iter().find_map(|(key, value)| {
            let name = key.as_str().unwrap_or_default().to_string();
            if contains(key.span, offset) && key.as_scalar().is_some() {
                path.push(Step::Key(name));
                return Some((key, true));
            }
            if !contains(value.span, offset) || value.span.start == value.span.end {
                return None;
            }
            path.push(Step::Key(name));
            let found = descend(value, offset, path);
            if found.is_none() {
                path.pop();
            }
            found
        }),
    }
}

/// The log source of a document's YAML tree (spans kept), for the mapping lookups.
pub fn logsource_of(root: &Node) -> LogSource {
    let mut logsource = LogSource::default();
    let Some(node) = root.get("logsource") else {
        return logsource;
    };
    logsource.span = node.span;
    let value = |key: &str| {
        node.get(key)
            .and_then(|v| v.as_str().map(|s| Spanned::new(s.to_string(), v.span)))
    };
    logsource.product = value("product");
    logsource.category = value("category");
    logsource.service = value("service");
    logsource
}

/// What a line offers at the cursor, read from the text alone (it may not parse while typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSlot {
    /// The keys of the enclosing blocks, outermost first (by indentation).
    pub path: Vec<String>,
    pub kind: SlotKind,
    /// Byte offset where the word being typed starts (completions replace from here).
    pub word_start: usize,
    /// The word typed so far.
    pub word: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotKind {
    /// A mapping key.
    Key,
    /// A modifier after `|` in a field key; the field typed before it.
    Modifier { field: String },
    /// The value of `key:`.
    Value { key: String },
    /// A list item (`- ...`) that is a scalar.
    Item,
}

/// Keys whose values are lists of scalars: `- x` under them is a value, not a key.
const SCALAR_LISTS: &[&str] = &[
    "tags",
    "references",
    "falsepositives",
    "fields",
    "rules",
    "group-by",
    "scope",
    "author",
];

/// The slot at byte `offset` of `text`.
pub fn line_slot(text: &str, offset: usize) -> LineSlot {
    let offset = floor_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let indent = before.len() - before.trim_start_matches(' ').len();
    let mut content_start = line_start + indent;
    let mut content = &before[indent..];
    let mut item = false;
    if let Some(rest) = content.strip_prefix('-')
        && (rest.is_empty() || rest.starts_with(' '))
    {
        item = true;
        let skipped = 1 + (rest.len() - rest.trim_start_matches(' ').len());
        content_start += skipped;
        content = &content[skipped..];
    }
    let path = enclosing_keys(text, line_start, indent);
    let separator = key_separator(content);
    let (kind, word_start) = match separator {
        Some(colon) => {
            let key = unquote(content[..colon].trim()).to_string();
            let after = &content[colon + 1..];
            let mut start = content_start + colon + 1 + (after.len() - after.trim_start().len());
            if text[start..offset].starts_with(['\'', '"']) {
                start += 1;
            }
            (SlotKind::Value { key }, start)
        }
        None if item
            && path
                .last()
                .is_some_and(|k| SCALAR_LISTS.contains(&k.as_str())) =>
        {
            let mut start = content_start;
            if text[start..offset].starts_with(['\'', '"']) {
                start += 1;
            }
            (SlotKind::Item, start)
        }
        None => match content.rfind('|') {
            Some(bar) => {
                let field = unquote(content[..bar].split('|').next().unwrap_or_default());
                (
                    SlotKind::Modifier {
                        field: field.to_string(),
                    },
                    content_start + bar + 1,
                )
            }
            None => {
                let start = if content.starts_with(['\'', '"']) {
                    content_start + 1
                } else {
                    content_start
                };
                (SlotKind::Key, start)
            }
        },
    };
    let mut path = path;
    // `- key: value` items of a list of maps sit one level deeper than the dash.
    if item && separator.is_some() && path.last().is_some_and(|k| k == "related") {
        path.push(String::new());
    }
    LineSlot {
        path,
        kind,
        word_start,
        word: text[word_start.min(offset)..offset].to_string(),
    }
}

/// The first `:` that ends a key (followed by a space or the end of the line), outside quotes.
fn key_separator(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'\'' | b'"') if i == 0 => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b':') if bytes.get(i + 1).is_none_or(|&n| n == b' ') => return Some(i),
            (None, b'#') if i > 0 && bytes[i - 1] == b' ' => return None,
            _ => {}
        }
    }
    None
}

/// The keys of the blocks enclosing the line that starts at `line_start` with `indent`.
fn enclosing_keys(text: &str, line_start: usize, indent: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut limit = indent;
    let mut end = line_start;
    while limit > 0 && end > 0 {
        let start = text[..end - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = text[start..end - 1].trim_end_matches('\r');
        end = start;
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        let mut key_indent = line.len() - trimmed.len();
        let mut content = trimmed;
        if let Some(rest) = content.strip_prefix("- ") {
            let skipped = 2 + (rest.len() - rest.trim_start_matches(' ').len());
            // The dash itself is at `key_indent`: the item belongs to the block above it.
            if key_indent < limit {
                limit = key_indent;
            }
            key_indent += skipped;
            content = &content[skipped..];
            if key_indent >= indent {
                continue;
            }
        }
        if key_indent >= limit {
            continue;
        }
        if let Some(colon) = key_separator(content) {
            keys.push(unquote(content[..colon].trim()).to_string());
            limit = key_indent;
        }
    }
    keys.reverse();
    keys
}

fn unquote(text: &str) -> &str {
    text.trim_matches(|c| c == '\'' || c == '"')
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The log source written in the YAML document around `offset`, read line by line (for
/// completion while the rule does not parse).
pub fn logsource_near(text: &str, offset: usize) -> LogSource {
    let offset = floor_boundary(text, offset.min(text.len()));
    let document_start = text[..offset].rfind("\n---").map_or(0, |i| i + 1);
    let document_end = text[offset..]
        .find("\n---")
        .map_or(text.len(), |i| offset + i);
    let mut logsource = LogSource::default();
    let mut inside = false;
    for line in text[document_start..document_end].lines() {
        if line.starts_with("logsource:") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if !line.starts_with(' ') && !line.trim().is_empty() {
            break;
        }
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = Some(Spanned::new(
            unquote(value.trim()).to_string(),
            Span::default(),
        ));
        match key.trim() {
            "product" => logsource.product = value,
            "category" => logsource.category = value,
            "service" => logsource.service = value,
            _ => {}
        }
    }
    logsource
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(text_with_cursor: &str) -> LineSlot {
        let offset = text_with_cursor.find('¦').unwrap();
        let text = text_with_cursor.replace('¦', "");
        line_slot(&text, offset)
    }

    #[test]
    fn slots_by_indentation() {
        let s = slot("title: x\nsta¦");
        assert_eq!(
            (s.path.len(), &s.kind, s.word.as_str()),
            (0, &SlotKind::Key, "sta")
        );
        let s = slot("logsource:\n    product: win¦\n");
        assert_eq!(s.path, ["logsource"]);
        assert_eq!(
            s.kind,
            SlotKind::Value {
                key: "product".into()
            }
        );
        assert_eq!(s.word, "win");
        let s = slot("detection:\n    selection:\n        - Image|ends¦");
        assert_eq!(s.path, ["detection", "selection"]);
        assert_eq!(
            s.kind,
            SlotKind::Modifier {
                field: "Image".into()
            }
        );
        assert_eq!(s.word, "ends");
        let s = slot("detection:\n    sel:\n        CommandLine|contains: x\n        Par¦");
        assert_eq!(s.path, ["detection", "sel"]);
        assert_eq!(s.kind, SlotKind::Key);
        let s = slot("tags:\n    - attack.t10¦");
        assert_eq!(s.path, ["tags"]);
        assert_eq!((s.kind, s.word.as_str()), (SlotKind::Item, "attack.t10"));
        let s = slot("correlation:\n    type: event_count\n    rules:\n        - 'fail¦");
        assert_eq!(s.path, ["correlation", "rules"]);
        assert_eq!((s.kind, s.word.as_str()), (SlotKind::Item, "fail"));
    }

    #[test]
    fn logsource_read_from_lines() {
        let text = "title: a\nlogsource:\n  product: windows\n  category: 'process_creation'\ndetection:\n  sel:\n    Ima";
        let logsource = logsource_near(text, text.len());
        assert_eq!(
            logsource.describe(),
            "{product: windows, category: process_creation}"
        );
    }
}
