//! KQL literals and names: every string a rule can hold becomes a literal that parses back to
//! exactly that string, and no value can inject query syntax.

/// A `"..."` string literal. Backslash, quote and control characters are escaped; everything
/// else (non-ASCII included) is written as is.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Control characters, line separators and bidirectional controls (which would
            // reorder how the query reads) as escapes.
            c if (c as u32) < 0x20
                || c == '\u{7f}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || crate::text::is_bidi_control(c) =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal for a regular expression: verbatim `@"..."` (backslashes stay readable) unless the
/// pattern holds characters that a verbatim literal cannot carry on one line.
pub fn regex(pattern: &str) -> String {
    if pattern
        .chars()
        .any(|c| c.is_control() || crate::text::is_bidi_control(c))
    {
        return string(pattern);
    }
    format!("@\"{}\"", pattern.replace('"', "\"\""))
}

const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "has",
    "contains",
    "startswith",
    "endswith",
    "matches",
    "regex",
    "between",
    "where",
    "project",
    "extend",
    "summarize",
    "by",
    "on",
    "with",
    "let",
    "true",
    "false",
    "null",
    "let",
    "set",
    "as",
    "of",
    "asc",
    "desc",
    "to",
    "kind",
    "typeof",
    "datatable",
    "range",
    "print",
    "search",
    "find",
    "union",
    "join",
    "lookup",
    "take",
    "limit",
    "top",
    "sort",
    "order",
    "count",
    "distinct",
    "evaluate",
    "parse",
    "invoke",
    "render",
    "dynamic",
    "datetime",
    "timespan",
    "bool",
    "int",
    "long",
    "real",
    "string",
    "guid",
    "decimal",
    "double",
];

fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&name.to_ascii_lowercase().as_str())
        && !crate::query::kql::parse::is_reserved(name)
}

/// A column name: bare when it is a plain identifier, `['odd-name']` otherwise.
pub fn column(name: &str) -> String {
    if is_plain_identifier(name) {
        name.to_string()
    } else {
        format!("[{}]", quoted_name(name))
    }
}

fn quoted_name(name: &str) -> String {
    let mut out = String::from("'");
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A property path of a dynamic column: `Column.prop` or `Column['odd prop']`.
pub fn property_path(column_name: &str, properties: &[&str]) -> String {
    let mut out = column(column_name);
    for property in properties {
        if is_plain_identifier(property) {
            out.push('.');
            out.push_str(property);
        } else {
            out.push('[');
            out.push_str(&quoted_name(property));
            out.push(']');
        }
    }
    out
}

/// Parses a KQL string literal produced by [`string`] (or any `"..."` / `'...'` literal with
/// the escapes KQL documents), returning its value; used to prove round trips.
pub fn parse_string(literal: &str) -> Option<String> {
    let mut chars = literal.chars();
    let quote = chars.next().filter(|q| *q == '"' || *q == '\'')?;
    let mut out = String::new();
    loop {
        match chars.next()? {
            c if c == quote => break,
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                c @ ('\\' | '"' | '\'') => out.push(c),
                _ => return None,
            },
            '\n' => return None,
            c => out.push(c),
        }
    }
    chars.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(column("CommandLine"), "CommandLine");
        assert_eq!(column("cs-uri-query"), "['cs-uri-query']");
        assert_eq!(column("where"), "['where']");
        // Found by fuzzing: a correlation's value field named `card` printed bare.
        assert_eq!(column("card"), "['card']");
    }

    #[test]
    fn every_word_the_validator_reserves_is_bracketed() {
        for word in crate::query::kql::parse::RESERVED_WORDS {
            assert!(column(word).starts_with("['"), "{word} printed bare");
        }
        assert_eq!(
            property_path("DeviceDetail", &["trustType"]),
            "DeviceDetail.trustType"
        );
        assert_eq!(property_path("Props", &["a b"]), "Props['a b']");
    }

    #[test]
    fn strings_round_trip() {
        for value in [
            "",
            "a\"b",
            "C:\\Windows\\",
            "line\nbreak",
            "\u{1}\u{7f}",
            "中文 é 🎉",
            "\") or 1==1 //",
        ] {
            assert_eq!(parse_string(&string(value)).as_deref(), Some(value));
        }
        assert_eq!(regex(r#"a\.b"c"#), r#"@"a\.b""c""#);
    }
}
