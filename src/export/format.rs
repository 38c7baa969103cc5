//! Encoding of values into the three export file formats, used as minijinja filters by the
//! export templates (`yaml`, `json`, `arm_string`, `conf_value`).
//!
//! Takes: plain values (strings, lists, maps). Gives: text that the target's own parser reads
//! back as exactly that value: YAML scalars that survive any content (quotes, colons, newlines,
//! control characters), JSON with ARM's expression syntax escaped, savedsearches.conf values
//! with ` \` line continuations. Templates only lay out keys; every value goes through here.

use crate::yaml::{Scalar, ScalarValue};

/// Registers the export filters on a template environment.
pub fn register_filters(env: &mut minijinja::Environment<'static>) {
    env.add_filter("yaml", |value: String, key_column: Option<usize>| {
        yaml_scalar(&value, key_column.unwrap_or(0))
    });
    env.add_filter(
        "json",
        |value: minijinja::Value, indent: Option<usize>| -> Result<String, minijinja::Error> {
            let text = serde_json::to_string_pretty(&value).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
            })?;
            Ok(reindent(&text, indent.unwrap_or(0)))
        },
    );
    env.add_filter("arm_string", |value: String| arm_string(&value));
    env.add_filter("conf_value", |value: String| conf_value(&value));
}

/// A YAML scalar for `value`, to be written after `key: ` where the key starts at column
/// `key_column` (block scalars indent their lines two columns further).
///
/// Plain when that is unambiguous, single-quoted for other one-line text, a literal block
/// (`|`, `|-`, `|+`) for multi-line text, double-quoted with escapes when nothing else can hold
/// the text exactly (control characters, carriage returns, leading spaces in a block).
pub fn yaml_scalar(value: &str, key_column: usize) -> String {
    if is_safe_plain(value) {
        return value.to_string();
    }
    let printable = value.chars().all(|c| c == '\n' || is_yaml_printable(c));
    if printable && !value.contains('\n') {
        return format!("'{}'", value.replace('\'', "''"));
    }
    if printable && let Some(block) = literal_block(value, key_column + 2) {
        return block;
    }
    double_quoted(value)
}

/// Characters a YAML reader takes literally inside quoted and block scalars. Excludes line
/// breaks of YAML 1.1 (NEL, LS, PS) and the BOM so that older readers agree too.
fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~')
        || (('\u{A0}'..='\u{FFFD}').contains(&c)
            && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}'))
        || c >= '\u{10000}'
}

/// Text that needs no quotes and reads back as the same string in YAML 1.1 and 1.2 readers:
/// a conservative character set, starting with a letter (or a GUID / version number).
fn is_safe_plain(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, ' ' | '_' | '-' | '.' | '/' | '(' | ')' | ',' | '+')
    };
    if !value.chars().all(allowed) || value.ends_with(' ') || value.contains("  ") {
        return false;
    }
    let starts_well = first.is_ascii_alphabetic() || is_guid(value) || is_version(value);
    // Words YAML 1.1 reads as booleans or null, numbers of YAML 1.2.
    const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    let scalar = Scalar {
        text: value.to_string(),
        plain: true,
    };
    starts_well
        && !YAML11_WORDS.contains(&value.to_ascii_lowercase().as_str())
        && matches!(scalar.value(), ScalarValue::String(_))
}

fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_version(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A literal block scalar with content indented to `content_column`, or `None` when the text
/// has a shape a block cannot keep (a leading space sets the block's indentation; a line of
/// only spaces or a text of only newlines is ambiguous).
fn literal_block(value: &str, content_column: usize) -> Option<String> {
    let body = value.trim_end_matches('\n');
    let trailing_newlines = value.len() - body.len();
    let lines: Vec<&str> = body.split('\n').collect();
    // The first non-empty line sets the block's indentation: it must not start with a blank.
    match lines.iter().find(|line| !line.is_empty()) {
        Some(first) if !first.starts_with([' ', '\t']) => {}
        _ => return None,
    }
    if lines
        .iter()
        .any(|line| !line.is_empty() && line.trim_matches([' ', '\t']).is_empty())
    {
        return None;
    }
    let indicator = match trailing_newlines {
        0 => "|-",
        1 => "|",
        _ => "|+",
    };
    let pad = " ".repeat(content_column);
    let mut out = String::from(indicator);
    for line in &lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    // Kept trailing newlines beyond the last line's own are empty lines of the block.
    for _ in 1..trailing_newlines {
        out.push('\n');
    }
    Some(out)
}

fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_yaml_printable(c) => out.push(c),
            c if (c as u32) <= 0xFF => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Indents every line after the first by `indent` spaces, so a pretty-printed JSON value can
/// sit at any depth of a template.
fn reindent(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.replace('\n', &format!("\n{pad}"))
}

/// A JSON string literal for a text field of an ARM template. ARM evaluates a string that
/// starts with `[` and ends with `]` as a template expression; a leading `[[` makes it literal.
pub fn arm_string(value: &str) -> String {
    let literal = if value.starts_with('[') && value.ends_with(']') {
        format!("[{value}")
    } else {
        value.to_string()
    };
    serde_json::to_string(&literal).expect("strings always serialize")
}

/// A savedsearches.conf value: lines after the first continue the previous one, which ends
/// with ` \`. Callers reject values with a line that itself ends in `\` (see
/// [`conf_value_problem`]): the conf format cannot tell it from a continuation.
pub fn conf_value(value: &str) -> String {
    value.lines().collect::<Vec<_>>().join(" \\\n")
}

/// Why a text cannot be written as a savedsearches.conf value, if it cannot.
pub fn conf_value_problem(value: &str) -> Option<&'static str> {
    if value.contains('\r') {
        Some("it contains a carriage return")
    } else if value.lines().any(|line| line.ends_with('\\')) {
        Some("a line ends with a backslash, which the conf format reads as a line continuation")
    } else if value.starts_with([' ', '\t']) {
        Some("it starts with white space, which the conf format strips")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_when_unambiguous() {
        assert_eq!(yaml_scalar("InitialAccess", 0), "InitialAccess");
        assert_eq!(
            yaml_scalar("2c67fa5b-80f7-40ff-a6f5-b75497bcfa37", 0),
            "2c67fa5b-80f7-40ff-a6f5-b75497bcfa37"
        );
        assert_eq!(yaml_scalar("1.0.0", 0), "1.0.0");
        assert_eq!(yaml_scalar("yes", 0), "'yes'");
        assert_eq!(yaml_scalar("12", 0), "'12'");
        assert_eq!(yaml_scalar("a: b", 0), "'a: b'");
        assert_eq!(yaml_scalar("it's", 0), "'it''s'");
        assert_eq!(yaml_scalar("", 0), "''");
    }

    #[test]
    fn multi_line_text_is_a_literal_block() {
        assert_eq!(yaml_scalar("a\nb\n", 0), "|\n  a\n  b");
        assert_eq!(yaml_scalar("a\n\nb", 4), "|-\n      a\n\n      b");
        assert_eq!(yaml_scalar("a\n\n", 0), "|+\n  a\n");
        assert_eq!(yaml_scalar(" a\nb", 0), "\" a\\nb\"");
        assert_eq!(yaml_scalar("a\r\nb", 0), "\"a\\r\\nb\"");
    }

    #[test]
    fn arm_expressions_are_escaped() {
        assert_eq!(arm_string("[concat('a')]"), "\"[[concat('a')]\"");
        assert_eq!(arm_string("[a] b"), "\"[a] b\"");
    }

    #[test]
    fn conf_values_continue_lines() {
        assert_eq!(conf_value("a\n| b"), "a \\\n| b");
        assert!(conf_value_problem("a\\\nb").is_some());
        assert!(conf_value_problem("a\nb").is_none());
    }
}
