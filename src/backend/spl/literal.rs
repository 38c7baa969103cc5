//! SPL literals and names. In both the search command and eval expressions a double-quoted
//! string takes `\\` for a backslash and `\"` for a quote; every other character stands for
//! itself, so any value round-trips and none can close the string early.

/// A `"..."` string for eval/where expressions (no wildcards).
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses a string produced by [`string`] back to its value (round-trip tests).
pub fn parse_string(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                c @ ('\\' | '"') => out.push(c),
                _ => return None,
            },
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A field name usable as is in the search command (`Field=value`).
pub fn is_search_field(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
}

/// A field name in an eval/where expression: bare when simple, `'single-quoted'` otherwise.
/// Returns `None` for a name that SPL cannot quote (it contains a single quote).
pub fn eval_field(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let simple = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if simple {
        Some(name.to_string())
    } else if name.contains('\'') {
        None
    } else {
        Some(format!("'{name}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for value in ["", "a\"b", "C:\\Windows\\", "a | delete", "x\ny", "中文"] {
            assert_eq!(parse_string(&string(value)).as_deref(), Some(value));
        }
    }

    #[test]
    fn field_names() {
        assert!(is_search_field("CommandLine"));
        assert!(is_search_field("properties.message"));
        // A hyphen could read as an operator: such fields are tested in `where`.
        assert!(!is_search_field("time-taken"));
        assert!(!is_search_field("Field Name"));
        assert_eq!(
            eval_field("cs-uri-query").as_deref(),
            Some("'cs-uri-query'")
        );
        assert_eq!(eval_field("a'b"), None);
    }
}
