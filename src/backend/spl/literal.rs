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
        && !is_eval_keyword(name)
}

/// Characters a single-quoted field name cannot hold safely: `'` ends the quoting, a
/// backtick opens a macro call (Splunk expands macros inside single quotes; only double-quoted
/// values are exempt, "Use search macros in searches"), `[ ]` delimit subsearches, and pipes,
/// double quotes and backslashes are read by Splunk's passes over the whole search before eval
/// parses the name. Parentheses are fine when balanced (W3C's `cs(User-Agent)`).
const UNQUOTABLE_IN_FIELD: &[char] = &['\'', '`', '[', ']', '|', '"', '\\'];

/// Words eval reads as operators in any case (Search Reference, "eval"): a field so named is
/// quoted.
const EVAL_KEYWORDS: &[&str] = &["AND", "OR", "XOR", "NOT", "LIKE", "IN"];

/// Whether eval, `stats … by` and `fillnull` read `name` as an operator word.
pub fn is_eval_keyword(name: &str) -> bool {
    EVAL_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// A field name in an eval/where expression: bare when simple, `'single-quoted'` otherwise.
/// Returns the offending character for a name SPL cannot quote ([`UNQUOTABLE_IN_FIELD`], or a
/// parenthesis without its partner).
pub fn eval_field(name: &str) -> Result<String, char> {
    let mut chars = name.chars();
    let simple = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_eval_keyword(name);
    if simple {
        return Ok(name.to_string());
    }
    if let Some(bad) = name.chars().find(|c| UNQUOTABLE_IN_FIELD.contains(c)) {
        return Err(bad);
    }
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or(')')?,
            _ => {}
        }
    }
    if depth > 0 {
        return Err('(');
    }
    Ok(format!("'{name}'"))
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
        // The search command reads these as its operators (found by fuzzing).
        assert!(!is_search_field("NOT"));
        assert!(is_search_field("properties.message"));
        // A hyphen could read as an operator: such fields are tested in `where`.
        assert!(!is_search_field("time-taken"));
        assert!(!is_search_field("Field Name"));
        assert_eq!(eval_field("cs-uri-query").as_deref(), Ok("'cs-uri-query'"));
        assert_eq!(eval_field("a'b"), Err('\''));
        // Found by fuzzing (rule_load, compile_generated): a backtick would open a macro
        // call, a bracket would unbalance the search.
        assert_eq!(eval_field("T`rgetFilename"), Err('`'));
        assert_eq!(eval_field(")"), Err(')'));
        assert_eq!(eval_field("a(b"), Err('('));
        assert_eq!(eval_field("NOT").as_deref(), Ok("'NOT'"));
        assert_eq!(eval_field("like").as_deref(), Ok("'like'"));
        assert_eq!(
            eval_field("cs(User-Agent)").as_deref(),
            Ok("'cs(User-Agent)'")
        );
        assert_eq!(eval_field("cs-uri-queryEe][Nains"), Err(']'));
    }
}
