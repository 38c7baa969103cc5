//! Sigma string values: wildcards, escapes and placeholders parsed into a [`Pattern`].

/// A Sigma string value: literal text with `*` / `?` wildcards and `%placeholders%`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pattern {
    pub parts: Vec<PatternPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternPart {
    Literal(String),
    /// `*`: any sequence of characters, also empty.
    AnyChars,
    /// `?`: exactly one character.
    OneChar,
    /// `%name%` under `|expand`: replaced by the mapping's values.
    Placeholder(String),
}

impl Pattern {
    pub fn literal(text: impl Into<String>) -> Pattern {
        let mut pattern = Pattern::default();
        pattern.push(PatternPart::Literal(text.into()));
        pattern
    }

    /// Appends a part, merging literals and collapsing repeated `*`.
    pub fn push(&mut self, part: PatternPart) {
        match (self.parts.last_mut(), part) {
            (_, PatternPart::Literal(text)) if text.is_empty() => {}
            (Some(PatternPart::Literal(last)), PatternPart::Literal(text)) => last.push_str(&text),
            (Some(PatternPart::AnyChars), PatternPart::AnyChars) => {}
            (_, part) => self.parts.push(part),
        }
    }

    pub fn concat(mut self, other: Pattern) -> Pattern {
        for part in other.parts {
            self.push(part);
        }
        self
    }

    /// The text when the pattern has no wildcards or placeholders.
    pub fn as_literal(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                PatternPart::Literal(literal) => text.push_str(literal),
                _ => return None,
            }
        }
        Some(text)
    }

    pub fn has_placeholder(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, PatternPart::Placeholder(_)))
    }

    pub fn has_one_char_wildcard(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, PatternPart::OneChar))
    }

    /// `*value*`
    pub fn contains(self) -> Pattern {
        let mut pattern = Pattern::default();
        pattern.push(PatternPart::AnyChars);
        pattern.concat(self).concat(Pattern {
            parts: vec![PatternPart::AnyChars],
        })
    }

    /// `value*`
    pub fn starts_with(self) -> Pattern {
        self.concat(Pattern {
            parts: vec![PatternPart::AnyChars],
        })
    }

    /// `*value`
    pub fn ends_with(self) -> Pattern {
        let mut pattern = Pattern::default();
        pattern.push(PatternPart::AnyChars);
        pattern.concat(self)
    }

    /// The pattern in Sigma notation (escapes included), for messages.
    pub fn to_sigma(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                PatternPart::Literal(text) => {
                    for c in text.chars() {
                        if matches!(c, '*' | '?') {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
                PatternPart::AnyChars => out.push('*'),
                PatternPart::OneChar => out.push('?'),
                PatternPart::Placeholder(name) => {
                    out.push('%');
                    out.push_str(name);
                    out.push('%');
                }
            }
        }
        out
    }

    /// A regular expression with the same meaning, for RE2 (KQL) and PCRE (SPL) alike: literal
    /// parts escaped (control characters as `\x{..}`), anchored unless the pattern starts or
    /// ends with `*`, `(?i)` unless cased, `(?s)` when a wildcard must also match line breaks.
    pub fn to_regex(&self, cased: bool) -> String {
        let parts = &self.parts;
        let leading_any = matches!(parts.first(), Some(PatternPart::AnyChars));
        let trailing_any = parts.len() > 1 && matches!(parts.last(), Some(PatternPart::AnyChars));
        let inner = &parts[usize::from(leading_any)..parts.len() - usize::from(trailing_any)];
        let mut body = String::new();
        for part in inner {
            match part {
                PatternPart::Literal(text) => body.push_str(&escape_regex(text)),
                PatternPart::AnyChars => body.push_str(".*"),
                PatternPart::OneChar => body.push('.'),
                PatternPart::Placeholder(name) => {
                    body.push_str(&escape_regex(&format!("%{name}%")))
                }
            }
        }
        let needs_dot_all = inner
            .iter()
            .any(|p| matches!(p, PatternPart::AnyChars | PatternPart::OneChar));
        let flags = match (cased, needs_dot_all) {
            (false, true) => "(?is)",
            (false, false) => "(?i)",
            (true, true) => "(?s)",
            (true, false) => "",
        };
        let start = if leading_any { "" } else { "^" };
        let end = if trailing_any || (leading_any && parts.len() == 1) {
            ""
        } else {
            "$"
        };
        format!("{flags}{start}{body}{end}")
    }

    /// Replaces `-` and `/` that start a command-line flag with each Windows dash form.
    /// Every combination is produced for up to four flags; beyond that each dash form is
    /// used for all flags at once (5^n values would be unusable in a query).
    pub fn windash_variants(&self) -> Vec<Pattern> {
        const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
        // Positions (part index, char index) of flag dashes.
        let mut positions = Vec::new();
        for (part_index, part) in self.parts.iter().enumerate() {
            if let PatternPart::Literal(text) = part {
                let chars: Vec<char> = text.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    if !DASHES.contains(c) {
                        continue;
                    }
                    // A wildcard next to the dash counts as a non-word character.
                    let previous_is_word = if i > 0 {
                        is_word(chars[i - 1])
                    } else {
                        matches!(
                            part_index.checked_sub(1).map(|p| &self.parts[p]),
                            Some(PatternPart::Literal(before)) if before.chars().last().is_some_and(is_word)
                        )
                    };
                    let next_is_word = chars.get(i + 1).is_some_and(|n| is_word(*n));
                    if !previous_is_word && next_is_word {
                        positions.push((part_index, i));
                    }
                }
            }
        }
        if positions.is_empty() {
            return vec![self.clone()];
        }
        let combinations: Vec<Vec<char>> = if positions.len() <= 4 {
            let mut all = vec![Vec::new()];
            for _ in &positions {
                all = all
                    .into_iter()
                    .flat_map(|prefix: Vec<char>| {
                        DASHES.iter().map(move |d| {
                            let mut next = prefix.clone();
                            next.push(*d);
                            next
                        })
                    })
                    .collect();
            }
            all
        } else {
            DASHES.iter().map(|d| vec![*d; positions.len()]).collect()
        };
        let mut variants: Vec<Pattern> = Vec::new();
        for combination in combinations {
            let mut parts = self.parts.clone();
            for ((part_index, char_index), dash) in positions.iter().zip(&combination) {
                if let PatternPart::Literal(text) = &mut parts[*part_index] {
                    *text = text
                        .chars()
                        .enumerate()
                        .map(|(i, c)| if i == *char_index { *dash } else { c })
                        .collect();
                }
            }
            let variant = Pattern { parts };
            if !variants.contains(&variant) {
                variants.push(variant);
            }
        }
        variants
    }
}

/// Escapes text for a regular expression; control and bidirectional characters become `\x{..}`
/// so the pattern stays printable and means the same in RE2 and PCRE.
pub fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || crate::text::is_bidi_control(c) {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        } else if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        ) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses a Sigma string: `*` and `?` are wildcards; `\` escapes `*`, `?` and `\`; a backslash
/// before any other character is literal. With `placeholders`, `%name%` is a placeholder and
/// `\%` a literal percent sign.
pub fn parse_sigma_string(text: &str, placeholders: bool) -> Pattern {
    let mut pattern = Pattern::default();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&next) if next == '*' || next == '?' || next == '\\' => {
                    literal.push(next);
                    chars.next();
                }
                Some('%') if placeholders => {
                    literal.push('%');
                    chars.next();
                }
                _ => literal.push('\\'),
            },
            '*' | '?' => {
                pattern.push(PatternPart::Literal(std::mem::take(&mut literal)));
                pattern.push(if c == '*' {
                    PatternPart::AnyChars
                } else {
                    PatternPart::OneChar
                });
            }
            '%' if placeholders => {
                let rest: String = chars.clone().collect();
                match rest.find('%') {
                    Some(end)
                        if end > 0
                            && rest[..end]
                                .chars()
                                .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
                    {
                        pattern.push(PatternPart::Literal(std::mem::take(&mut literal)));
                        pattern.push(PatternPart::Placeholder(rest[..end].to_string()));
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    _ => literal.push('%'),
                }
            }
            other => literal.push(other),
        }
    }
    pattern.push(PatternPart::Literal(literal));
    pattern
}

/// Base64 (standard alphabet, padded) of bytes.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The three base64 fragments that appear wherever `bytes` sits in a longer encoded text
/// (one per alignment), with the alignment-dependent first and last characters removed.
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    let mut fragments = Vec::new();
    for (shift, start) in START.into_iter().enumerate() {
        let mut shifted = vec![0u8; shift];
        shifted.extend_from_slice(bytes);
        let encoded = base64(&shifted);
        let trim_end = match (bytes.len() + shift) % 3 {
            0 => 0,
            1 => 3,
            _ => 2,
        };
        let end = encoded.len().saturating_sub(trim_end);
        let start = start.min(end);
        let fragment = encoded[start..end].to_string();
        if !fragment.is_empty() && !fragments.contains(&fragment) {
            fragments.push(fragment);
        }
    }
    fragments
}

/// UTF-16 encodings of a text for `|utf16le` (`|wide`), `|utf16be` and `|utf16` (with BOM).
pub fn utf16_bytes(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    if bom {
        bytes.extend_from_slice(if big_endian {
            &[0xFE, 0xFF]
        } else {
            &[0xFF, 0xFE]
        });
    }
    for unit in text.encode_utf16() {
        let pair = if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatternPart::*;

    fn lit(s: &str) -> PatternPart {
        Literal(s.into())
    }

    #[test]
    fn escapes_follow_the_specification() {
        assert_eq!(
            parse_sigma_string(r"a*b?c", false).parts,
            [lit("a"), AnyChars, lit("b"), OneChar, lit("c")]
        );
        assert_eq!(parse_sigma_string(r"a\*b\?", false).parts, [lit("a*b?")]);
        assert_eq!(
            parse_sigma_string(r"C:\Windows\", false).parts,
            [lit(r"C:\Windows\")]
        );
        assert_eq!(
            parse_sigma_string(r"C:\\Windows", false).parts,
            [lit(r"C:\Windows")]
        );
        assert_eq!(
            parse_sigma_string(r"a\\*", false).parts,
            [lit(r"a\"), AnyChars]
        );
        assert_eq!(parse_sigma_string(r"a\\\*", false).parts, [lit(r"a\*")]);
        assert_eq!(
            parse_sigma_string(r"\\\\server", false).parts,
            [lit(r"\\server")]
        );
        assert_eq!(parse_sigma_string(r"\\\x", false).parts, [lit(r"\\x")]);
    }

    #[test]
    fn placeholders_only_with_expand() {
        assert_eq!(parse_sigma_string("%DCs%", false).parts, [lit("%DCs%")]);
        assert_eq!(
            parse_sigma_string("%DCs%", true).parts,
            [Placeholder("DCs".into())]
        );
        assert_eq!(
            parse_sigma_string(r"\%plain%name%", true).parts,
            [lit("%plain"), Placeholder("name".into())]
        );
    }

    #[test]
    fn base64_offsets_match_the_known_values() {
        // The Sigma specification's example: "/bin/bash" appears as one of these in any base64 text.
        let fragments = base64_offsets(b"/bin/bash");
        assert_eq!(fragments, ["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
        assert_eq!(base64(b"cmd"), "Y21k");
        assert_eq!(
            utf16_bytes("cmd", false, false),
            [0x63, 0, 0x6d, 0, 0x64, 0]
        );
        assert_eq!(utf16_bytes("cmd", false, true)[..2], [0xFF, 0xFE]);
    }

    #[test]
    fn regexes_are_anchored_only_where_needed() {
        let regex = |text: &str, cased| parse_sigma_string(text, false).to_regex(cased);
        assert_eq!(regex("a.b", false), "(?i)^a\\.b$");
        assert_eq!(regex("*a?b*", false), "(?is)a.b");
        assert_eq!(regex("*a*", true), "a");
        assert_eq!(regex("a*", true), "^a");
        assert_eq!(regex("*", false), "(?i)");
        assert_eq!(regex("x\u{1b}y", true), "^x\\x{1b}y$");
    }

    #[test]
    fn windash_makes_every_combination_of_flag_dashes() {
        let variants = parse_sigma_string("-a -b", false).windash_variants();
        assert_eq!(variants.len(), 25);
        assert!(variants.contains(&Pattern::literal("/a \u{2013}b")));
        // After contains (`*-a*`) the dash still starts a flag.
        let contained = parse_sigma_string("-s", false).contains();
        assert_eq!(contained.windash_variants().len(), 5);
        // A dash inside a word is not a flag.
        assert_eq!(parse_sigma_string("a-b", false).windash_variants().len(), 1);
    }
}
