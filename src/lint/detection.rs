//! Detection checks: selections and conditions, modifiers and values (the lowering stage's
//! findings, and patterns a reviewer would question: unused selections, wildcards meant
//! literally, stray spaces, keywords that were meant as fields).

use super::{lints, sub_span};
use crate::condition::parse_condition;
use crate::diagnostic::Diagnostic;
use crate::rule::{FieldMatcher, Modifier, Rule, SelectionBody};
use crate::yaml::{Node, ScalarValue};
use std::collections::{HashMap, HashSet};

lints! { Detection;
    /// The condition does not parse.
    ///
    /// Why: the rule cannot be compiled; the caret shows where the parser stopped and what it
    /// expected.
    ///
    /// Example: `condition: selection and and filter`
    CONDITION_SYNTAX = "condition-syntax", Error;

    /// The condition nests parentheses deeper than 64 levels.
    ///
    /// Why: deeper nesting is machine-generated or hostile; it is refused before parsing so
    /// the parser never overflows its stack.
    ///
    /// Example: `((((((...selection...))))))` with hundreds of parentheses.
    CONDITION_TOO_DEEP = "condition-too-deep", Error;

    /// The condition names a selection that does not exist (with a "did you mean").
    ///
    /// Why: the rule cannot be compiled; usually a typo or a renamed selection.
    ///
    /// Example: `condition: selection and not filtr` when the selection is `filter`.
    UNDEFINED_SELECTION = "undefined-selection", Error;

    /// A `1 of x*` / `all of x*` pattern (or `them`) matches no selection.
    ///
    /// Why: the quantifier would be empty: `all of` an empty set is true and `1 of` it false,
    /// so the rule silently matches everything or nothing.
    ///
    /// Example: `condition: 1 of selection_*` when the selections are `sel_img`, `sel_cli`.
    PATTERN_MATCHES_NOTHING = "pattern-matches-nothing", Error;

    /// A selection is defined but no condition uses it.
    ///
    /// Why: usually a filter that was meant to be excluded (`and not filter`) and never was,
    /// so the rule is broader than its author thinks.
    ///
    /// Example:
    /// ```yaml
    /// filter_admin:
    ///     User: 'admin'
    /// condition: selection    # `filter_admin` is never applied
    /// ```
    UNUSED_SELECTION = "unused-selection", Warning;

    /// A value modifier that does not exist (with a "did you mean").
    ///
    /// Why: the rule cannot be compiled; other tools would ignore or reject it.
    ///
    /// Example: `CommandLine|contians: 'whoami'`
    UNKNOWN_MODIFIER = "unknown-modifier", Error;

    /// Modifiers that contradict each other: two of `contains` / `startswith` / `endswith`,
    /// two type modifiers (`re`, `cidr`, `gt`, ...), `re` sub-modifiers without `re`, an
    /// encoding after a type modifier.
    ///
    /// Why: there is no single meaning to compile; tools pick one silently.
    ///
    /// Example: `CommandLine|contains|startswith: 'cmd'`
    CONFLICTING_MODIFIERS = "conflicting-modifiers", Error;

    /// A keyword search (no field name) with a modifier that needs a field (`re`, `cidr`,
    /// `gt`, `exists`, `fieldref`, ...).
    ///
    /// Why: those modifiers compare a field's value; there is no field here.
    ///
    /// Example: `'|re': 'evil.*'`
    KEYWORD_MODIFIER = "keyword-modifier", Error;

    /// A value that its modifiers cannot take: `exists` with a non-boolean, `gt` with a
    /// non-number, `null` with a string modifier.
    ///
    /// Why: the comparison has no meaning; the rule cannot be compiled.
    ///
    /// Example: `EventID|gt: 'many'`
    INVALID_VALUE = "invalid-value", Error;

    /// A `cidr` value that is not an IPv4 or IPv6 network range.
    ///
    /// Why: the range cannot be compiled to `ipv4_is_in_range` / `cidrmatch`.
    ///
    /// Example: `SourceIp|cidr: '10.0.0.0/33'`
    INVALID_CIDR = "invalid-cidr", Error;

    /// An encoding modifier (`base64`, `wide`, ...) applied to a value with wildcards or
    /// placeholders.
    ///
    /// Why: a wildcard cannot be encoded: the base64 of `*` is not "anything".
    ///
    /// Example: `CommandLine|base64: 'IEX*'` (write `CommandLine|base64offset|contains: 'IEX'`)
    WILDCARD_IN_ENCODED_VALUE = "wildcard-in-encoded-value", Error;

    /// `utf16le` / `utf16be` / `utf16` / `wide` without a following `base64` or `base64offset`.
    ///
    /// Why: the encoded bytes are never matched as text; the modifier only makes sense as
    /// the input of a base64 encoding.
    ///
    /// Example: `CommandLine|wide: 'IEX'` (write `CommandLine|wide|base64offset|contains: 'IEX'`)
    ENCODING_NEEDS_BASE64 = "encoding-needs-base64", Error;

    /// A value holds a bidirectional control character (U+202A-U+202E, U+2066-U+2069, U+200E,
    /// U+200F, U+061C).
    ///
    /// Why: the character is invisible and reorders how the text around it is displayed (the
    /// "Trojan Source" trick): the rule, and the query, read differently from what they match.
    /// The queries carry it escaped (KQL `\u202e`, SPL a regex `\x{202e}`), never raw. If the
    /// data really holds it, keep it and ignore this warning.
    ///
    /// Example: `CommandLine|contains: "invoice\u202Efdp.exe"`
    BIDI_CONTROL = "bidi-control", Warning;

    /// `base64offset` of an empty value.
    ///
    /// Why: the empty text has no base64 fragment that appears in an encoded string, so there
    /// is nothing to search for; the rule would never match (or, written as `contains ''`,
    /// always). Give the text the encoded data contains.
    ///
    /// Example: `CommandLine|base64offset|contains: ''`
    EMPTY_ENCODED_VALUE = "empty-encoded-value", Error;

    /// `|all` on a single value.
    ///
    /// Why: `all` only changes a list's OR into AND; with one value it does nothing, which
    /// usually means a second value was forgotten or the list was split by mistake.
    ///
    /// Example: `CommandLine|contains|all: 'whoami'`
    ALL_WITH_ONE_VALUE = "all-with-one-value", Warning;

    /// `|cidr` on a field whose name does not look like an address (no `ip`, `addr`,
    /// `host`, `src`, `dst`, `source`, `destination`, `client`, `server`, `remote`, ...).
    ///
    /// Why: a network range only matches IP addresses; on a user name or a path it never
    /// matches.
    ///
    /// Example: `User|cidr: '10.0.0.0/8'`
    CIDR_ON_NON_ADDRESS = "cidr-on-non-address", Warning;

    /// `null` inside a list of values.
    ///
    /// Why: `Field: [a, null]` means "a, or the field is absent or empty"; that is rarely what
    /// the author meant, and converters disagree on it. Write the null test as its own
    /// selection (`Field: null`) and combine it in the condition.
    ///
    /// Example: `ParentImage: ['\explorer.exe', null]`
    NULL_IN_LIST = "null-in-list", Warning;

    /// A value lists the same entry twice (case-insensitively, unless `|cased`).
    ///
    /// Why: Sigma matching is case-insensitive, so the second entry adds nothing; usually a
    /// copy-paste slip where another value was meant.
    ///
    /// Example: `Image|endswith: ['\cmd.exe', '\CMD.exe']`
    DUPLICATE_VALUE = "duplicate-value", Warning;

    /// An unescaped `?` where a literal question mark was probably meant: in a URL's query
    /// string (`.php?id=`, `/?source=`).
    ///
    /// Why: in Sigma `?` matches any one character; the rule then also matches `.phpXid=` and
    /// needs one character where the author expected a `?`. Escape it as `\?`.
    ///
    /// Example: `cs-uri-query|contains: '/index.php?id='` (write `'/index.php\?id='`)
    WILDCARD_PROBABLY_LITERAL = "wildcard-probably-literal", Warning;

    /// An escaped `\*` or `\?` between two path separators, where a wildcard was probably
    /// meant.
    ///
    /// Why: in Sigma `\*` is a literal star, so `C:\Users\*\AppData` only matches a folder
    /// literally named `*`. A backslash followed by a wildcard is written `\\*`.
    ///
    /// Example: `Image|startswith: 'C:\Users\*\AppData\'` (write `'C:\Users\\*\AppData\'`)
    LITERAL_PROBABLY_WILDCARD = "literal-probably-wildcard", Warning;

    /// Regular-expression syntax (`.*`, `.+`) in a value without `|re`.
    ///
    /// Why: without `|re`, `.` is a literal dot and `*` a Sigma wildcard, so `cmd.*exe`
    /// needs a literal dot after `cmd`. Use a Sigma wildcard (`cmd*exe`) or the `re` modifier.
    ///
    /// Example: `CommandLine: 'powershell.*-enc'`
    REGEX_LIKE_VALUE = "regex-like-value", Warning;

    /// Leading or trailing whitespace where it changes an exact match: either end of a plain
    /// value, the start of a `startswith` value, the end of an `endswith` value.
    ///
    /// Why: `Image: 'cmd.exe '` never matches `cmd.exe`. (Spaces in `contains` values and at
    /// the open end of `startswith` / `endswith` values are word boundaries and are not
    /// reported.)
    ///
    /// Example: `User: ' SYSTEM'`
    VALUE_WHITESPACE = "value-whitespace", Warning;

    /// A keyword (a plain string searched anywhere in the event) in a rule with field
    /// selections, where the keyword looks like a field test that lost its YAML structure:
    /// `Field:value`, `Field|modifier: value` or `Field=value` with a field the rule uses.
    ///
    /// Why: a missing space after the colon (`- Image:cmd.exe`) turns a field test into a
    /// full-text search for the literal text `Image:cmd.exe`, which never matches.
    ///
    /// Example:
    /// ```yaml
    /// selection:
    ///     - 'CommandLine|contains: whoami'
    /// ```
    KEYWORD_IN_FIELD_RULE = "keyword-in-field-rule", Warning;

    /// `|windash` on values none of which has a `-` or `/` to vary.
    ///
    /// Why: `windash` generates the `-`, `/`, en-dash, em-dash and horizontal-bar variants of
    /// a dash; without one it does nothing, usually because the flag is missing from the values.
    ///
    /// Example: `CommandLine|windash|contains: 'enc'` (write `' -enc'`)
    WINDASH_WITHOUT_DASH = "windash-without-dash", Warning;
}

pub fn check(rule: &Rule, out: &mut Vec<Diagnostic>) {
    unused_selections(rule, out);
    let fields: HashSet<String> = rule
        .detection
        .selections
        .iter()
        .filter_map(|s| match &s.body {
            SelectionBody::FieldMaps(maps) => Some(maps),
            SelectionBody::Keywords(_) | SelectionBody::Empty => None,
        })
        .flatten()
        .flat_map(|map| &map.matchers)
        .filter_map(|m| m.field.as_ref().map(|f| f.value.to_lowercase()))
        .collect();
    for selection in &rule.detection.selections {
        match &selection.body {
            SelectionBody::Keywords(values) => {
                for value in values {
                    if !fields.is_empty() {
                        keyword_like_field(rule, value, &fields, out);
                    }
                    if let Some(text) = string_value(value) {
                        wildcard_checks(rule, value, text, out);
                    }
                    bidi_check(rule, value, out);
                }
            }
            SelectionBody::FieldMaps(maps) => {
                for matcher in maps.iter().flat_map(|m| &m.matchers) {
                    matcher_checks(rule, matcher, out);
                }
            }
            SelectionBody::Empty => {}
        }
    }
}

fn unused_selections(rule: &Rule, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = rule
        .detection
        .selections
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();
    let mut asts = Vec::new();
    for condition in &rule.detection.conditions {
        // A condition that does not parse is the lowering stage's diagnostic.
        let Ok(ast) = parse_condition(&rule.file, condition, &names) else {
            return;
        };
        asts.push(ast);
    }
    let mut used = Vec::new();
    asts.iter().for_each(|ast| ast.selection_names(&mut used));
    if rule.detection.conditions.is_empty() {
        return;
    }
    for selection in &rule.detection.selections {
        if !used.contains(&selection.name.value.as_str()) {
            out.push(
                UNUSED_SELECTION
                    .at(
                        &rule.file,
                        selection.name.span,
                        format!(
                            "selection `{}` is never used in the condition",
                            selection.name.value
                        ),
                        "defined here, never used",
                    )
                    .with_help(
                        "use it in `condition` (e.g. `and not ...` for a filter) or remove it",
                    ),
            );
        }
    }
}

fn has(matcher: &FieldMatcher, modifier: Modifier) -> Option<crate::diagnostic::Span> {
    matcher
        .modifiers
        .iter()
        .find(|m| m.value == modifier)
        .map(|m| m.span)
}

/// The text of a scalar that Sigma reads as a string (not null, a number or a boolean).
fn string_value(node: &Node) -> Option<&str> {
    match node.as_scalar()?.value() {
        ScalarValue::String(text) => Some(text),
        _ => None,
    }
}

fn matcher_checks(rule: &Rule, matcher: &FieldMatcher, out: &mut Vec<Diagnostic>) {
    let file = &rule.file;
    for value in &matcher.values {
        bidi_check(rule, value, out);
    }
    if let Some(all) = has(matcher, Modifier::All)
        && matcher.values.len() == 1
    {
        out.push(
            ALL_WITH_ONE_VALUE
                .at(
                    file,
                    all,
                    "`all` with a single value does nothing",
                    "one value only",
                )
                .with_help("add the other values that must all match, or remove `|all`"),
        );
    }
    if has(matcher, Modifier::Cidr).is_some()
        && let Some(field) = &matcher.field
        && !looks_like_address_field(&field.value)
    {
        out.push(
            CIDR_ON_NON_ADDRESS
                .at(
                    file,
                    field.span,
                    format!(
                        "`cidr` on `{}`, which does not look like an address field",
                        field.value
                    ),
                    "not an IP address field?",
                )
                .with_help("a network range only matches IP addresses; check the field name"),
        );
    }
    if matcher.is_list && matcher.values.len() > 1 {
        for value in &matcher.values {
            if value.is_null() {
                out.push(
                    NULL_IN_LIST
                        .at(file, value.span, "`null` inside a list of values", "means: or the field is absent or empty")
                        .with_help("test for null in a selection of its own (`Field: null`) and combine it in the condition"),
                );
            }
        }
    }
    let encoded = matcher.modifiers.iter().any(|m| {
        matches!(
            m.value,
            Modifier::Base64
                | Modifier::Base64Offset
                | Modifier::Utf16
                | Modifier::Utf16Be
                | Modifier::Utf16Le
                | Modifier::Wide
        )
    });
    // Encodings are case-sensitive: base64 of `IEX` and of `iex` differ.
    let cased = has(matcher, Modifier::Cased).is_some() || encoded;
    let mut seen: HashMap<String, &Node> = HashMap::new();
    for value in &matcher.values {
        let Some(scalar) = value.as_scalar() else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let key = if cased {
            scalar.text.clone()
        } else {
            scalar.text.to_lowercase()
        };
        if let Some(first) = seen.get(&key) {
            out.push(
                DUPLICATE_VALUE
                    .at(
                        file,
                        value.span,
                        format!("`{}` is listed twice", scalar.text),
                        "again",
                    )
                    .with_note_at(first.span, "first here")
                    .with_help(if cased {
                        "remove one"
                    } else {
                        "Sigma matches case-insensitively; remove one"
                    }),
            );
        } else {
            seen.insert(key, value);
        }
    }
    let typed = matcher.modifiers.iter().any(|m| {
        matches!(
            m.value,
            Modifier::Re
                | Modifier::Cidr
                | Modifier::Exists
                | Modifier::FieldRef
                | Modifier::Lt
                | Modifier::Lte
                | Modifier::Gt
                | Modifier::Gte
                | Modifier::Minute
                | Modifier::Hour
                | Modifier::Day
                | Modifier::Week
                | Modifier::Month
                | Modifier::Year
        )
    });
    if typed {
        return;
    }
    let dash = |text: &str| text.contains(['-', '/', '\u{2013}', '\u{2014}', '\u{2015}']);
    if let Some(windash) = has(matcher, Modifier::Windash)
        && !matcher.values.iter().filter_map(string_value).any(dash)
    {
        out.push(
            WINDASH_WITHOUT_DASH
                .at(file, windash, "`windash` on values without a dash", "no `-` or `/` in the values")
                .with_help("windash varies the dash of a command-line flag; include it (`' -enc'`) or remove `windash`"),
        );
    }
    let trimmed_values: HashSet<&str> = matcher.values.iter().filter_map(string_value).collect();
    let contains = has(matcher, Modifier::Contains).is_some();
    let starts = has(matcher, Modifier::StartsWith).is_some();
    let ends = has(matcher, Modifier::EndsWith).is_some();
    for value in &matcher.values {
        let Some(text) = string_value(value) else {
            continue;
        };
        wildcard_checks(rule, value, text, out);
        // Keywords (`'|all': [...]`) and `contains` values are substrings: spaces are word
        // boundaries. A list that also holds the trimmed value varies the spacing on purpose.
        if matcher.field.is_none()
            || encoded
            || contains
            || text.trim().is_empty()
            || trimmed_values.contains(text.trim())
        {
            continue;
        }
        let leading = text.len() - text.trim_start().len();
        let trailing = text.len() - text.trim_end().len();
        // Starts/ends with a wildcard: the space is next to `*`, part of a pattern.
        let leading_matters = leading > 0 && !ends && !text.starts_with('*');
        let trailing_matters = trailing > 0 && !starts && !text.ends_with('*');
        if leading_matters || trailing_matters {
            let (start, end, what) = if leading_matters {
                (0, leading, "leading")
            } else {
                (text.len() - trailing, text.len(), "trailing")
            };
            let span = sub_span(file, value, text, start, end);
            out.push(
                VALUE_WHITESPACE
                    .at(
                        file,
                        span,
                        format!("`{text}` has {what} whitespace"),
                        "this whitespace must match exactly",
                    )
                    .with_help("remove it, or use `contains` / `startswith` / `endswith` if it is a word boundary")
                    .with_rename(span, &text[start..end], ""),
            );
        }
    }
}

const ADDRESS_HINTS: &[&str] = &[
    "ip",
    "addr",
    "host",
    "src",
    "dst",
    "source",
    "destination",
    "dest",
    "client",
    "server",
    "remote",
    "local",
    "network",
    "net",
    "peer",
    "gateway",
    "subnet",
    "nat",
    "caller",
    "origin",
    "target",
    "endpoint",
    "forwarded",
    "relay",
    "proxy",
    "from",
];

fn looks_like_address_field(field: &str) -> bool {
    let lower = field.to_lowercase();
    // Zeek names hosts `id.orig_h` / `id.resp_h`.
    lower.ends_with("_h") || ADDRESS_HINTS.iter().any(|hint| lower.contains(hint))
}

/// One character of a Sigma string that matters for wildcards: an unescaped wildcard or an
/// escaped one, with its byte offset (of the wildcard, or of the escaping backslash).
enum WildcardToken {
    Wildcard(usize, char),
    Escaped(usize, char),
}

fn wildcard_tokens(text: &str) -> Vec<WildcardToken> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&(_, next @ ('*' | '?'))) => {
                    tokens.push(WildcardToken::Escaped(offset, next));
                    chars.next();
                }
                Some(&(_, '\\')) => {
                    chars.next();
                }
                _ => {}
            },
            '*' | '?' => tokens.push(WildcardToken::Wildcard(offset, c)),
            _ => {}
        }
    }
    tokens
}

fn wildcard_checks(rule: &Rule, node: &Node, text: &str, out: &mut Vec<Diagnostic>) {
    let file = &rule.file;
    let bytes = text.as_bytes();
    for token in wildcard_tokens(text) {
        match token {
            WildcardToken::Wildcard(offset, '?') if in_query_string(text, offset) => {
                let span = sub_span(file, node, text, offset, offset + 1);
                out.push(
                    WILDCARD_PROBABLY_LITERAL
                        .at(
                            file,
                            span,
                            "`?` matches any one character, but this looks like a URL query string",
                            "wildcard, not a literal `?`",
                        )
                        .with_help("escape it as `\\?` to match a literal question mark")
                        .with_rename(span, "?", &escaped_in(file, node, "\\?")),
                );
            }
            WildcardToken::Escaped(offset, wildcard) => {
                let before = offset.checked_sub(1).map(|i| bytes[i]);
                let after = bytes.get(offset + 2).copied();
                let segment_before =
                    before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
                if segment_before && after == Some(b'\\') && path_before(text, offset) {
                    let span = sub_span(file, node, text, offset, offset + 2);
                    let written = format!("\\{wildcard}");
                    let fixed = escaped_in(file, node, &format!("\\\\{wildcard}"));
                    out.push(
                        LITERAL_PROBABLY_WILDCARD
                            .at(
                                file,
                                span,
                                format!("`\\{wildcard}` is a literal `{wildcard}`, not a wildcard after a path separator"),
                                "escaped: matches a literal character",
                            )
                            .with_help(format!("to match a backslash followed by any text, write `\\\\{wildcard}`"))
                            .with_rename(span, &written, &fixed),
                    );
                }
            }
            _ => {}
        }
    }
    if let Some(offset) = regex_dot_star(text) {
        out.push(
            REGEX_LIKE_VALUE
                .at(
                    file,
                    sub_span(file, node, text, offset, offset + 2),
                    "regular-expression syntax in a value without `|re`",
                    "a literal `.` followed by a wildcard",
                )
                .with_help("use a Sigma wildcard (`*`) alone, or add the `re` modifier"),
        );
    }
}

/// `text` as it must be written inside the YAML scalar `node`: backslashes doubled in a
/// double-quoted scalar, verbatim otherwise.
fn escaped_in(file: &crate::diagnostic::SourceFile, node: &Node, text: &str) -> String {
    if file.text.as_bytes().get(node.span.start) == Some(&b'"') {
        text.replace('\\', "\\\\")
    } else {
        text.to_string()
    }
}

/// The `\` at `offset` ends a path segment that itself follows a `\` (`...\Users\*`).
fn path_before(text: &str, offset: usize) -> bool {
    text[..offset]
        .rfind(['\\', ' ', '"', '\''])
        .is_some_and(|i| text.as_bytes()[i] == b'\\')
}

/// `?` right after a path or script name and followed by `name=` (or at the end after a
/// script extension): a URL query string.
fn in_query_string(text: &str, offset: usize) -> bool {
    let before = &text[..offset];
    let after = &text[offset + 1..];
    let parameter = after.find('=').is_some_and(|eq| {
        eq > 0
            && after[..eq]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-[].".contains(c))
    });
    let after_path = before.ends_with('/')
        || [
            ".php", ".asp", ".aspx", ".jsp", ".cgi", ".html", ".htm", ".do", ".action", ".pl",
            ".py",
        ]
        .iter()
        .any(|ext| before.to_ascii_lowercase().ends_with(ext));
    after_path && (parameter || after.is_empty())
}

/// Offset of a `.*` or `.+` between word characters (`cmd.*exe`), where a regex was meant.
fn regex_dot_star(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..bytes.len().saturating_sub(2)).find(|&i| {
        bytes[i] == b'.'
            && matches!(bytes[i + 1], b'*' | b'+')
            && bytes[i - 1].is_ascii_alphanumeric()
            && (bytes[i + 2].is_ascii_alphanumeric() || matches!(bytes[i + 2], b'-' | b'\\' | b'/'))
            && !(i >= 1 && bytes[i - 1] == b'\\')
    })
}

fn keyword_like_field(
    rule: &Rule,
    value: &Node,
    fields: &HashSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(text) = string_value(value) else {
        return;
    };
    let Some(separator) = text.find([':', '=']) else {
        return;
    };
    let name = text[..separator].trim_end();
    let (field, modifiers) = match name.split_once('|') {
        Some((field, modifiers)) => (field, Some(modifiers)),
        None => (name, None),
    };
    let field_like = !field.is_empty()
        && field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && field.starts_with(|c: char| c.is_ascii_alphabetic());
    let modifiers_known =
        modifiers.is_some_and(|m| m.split('|').all(|m| Modifier::from_name(m).is_some()));
    let rest = &text[separator + 1..];
    if !field_like || rest.starts_with("//") || rest.trim().is_empty() {
        return;
    }
    if !(fields.contains(&field.to_lowercase()) || modifiers_known) {
        return;
    }
    let entry = format!("{name}: '{}'", rest.trim().replace('\'', "''"));
    // As a block-list item (`- 'Image: x'`) the keyword can become a map entry in place.
    let list_item = rule.file.text[..value.span.start]
        .rsplit('\n')
        .next()
        .is_some_and(|line| line.trim() == "-");
    let diagnostic = KEYWORD_IN_FIELD_RULE
        .at(
            &rule.file,
            value.span,
            format!("this keyword looks like a test of the field `{field}`"),
            "searched as literal text anywhere in the event",
        )
        .with_help(format!(
            "write it as a map entry: `{}: {}` (a space after the colon, no quotes around both)",
            name,
            rest.trim()
        ));
    out.push(if list_item {
        let title = format!("write it as the map entry `{entry}`");
        diagnostic.with_suggestion(value.span, entry, title)
    } else {
        diagnostic
    });
}

/// [`BIDI_CONTROL`] for one value.
fn bidi_check(rule: &Rule, value: &Node, out: &mut Vec<Diagnostic>) {
    if string_value(value).is_some_and(|text| text.chars().any(crate::text::is_bidi_control)) {
        out.push(
            BIDI_CONTROL
                .at(
                    &rule.file,
                    value.span,
                    "this value holds an invisible bidirectional control character",
                    "reorders how this text reads",
                )
                .with_help(
                    "remove it unless the events really hold it; the queries carry it escaped",
                ),
        );
    }
}
