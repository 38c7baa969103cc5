//! A seeded generator of certainly-invalid SPL: it takes a valid search and makes one of the
//! mistakes people make, each of which Splunk rejects. Deterministic: the same seed and search
//! give the same mutations. It reads the search with its own small scanner (quotes, comments,
//! macros, escapes), independent of the validator it tests.

use siemc::query::spl::commands;
use siemc::query::spl::functions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MutationKind {
    UnbalancedQuote,
    UnbalancedParenthesis,
    MisspelledCommand,
    UnknownEvalFunction,
    WrongArity,
    MissingRequiredArgument,
    InWithoutParentheses,
    TrailingPipe,
}

impl MutationKind {
    pub const ALL: [MutationKind; 8] = [
        MutationKind::UnbalancedQuote,
        MutationKind::UnbalancedParenthesis,
        MutationKind::MisspelledCommand,
        MutationKind::UnknownEvalFunction,
        MutationKind::WrongArity,
        MutationKind::MissingRequiredArgument,
        MutationKind::InWithoutParentheses,
        MutationKind::TrailingPipe,
    ];
}

/// splitmix64: small, seedable, good enough to pick positions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// What the scanner found outside strings, comments and macros.
#[derive(Default)]
struct Structure {
    /// `(start, end)` of each double-quoted string, and whether it holds an escaped quote.
    strings: Vec<(usize, usize, bool)>,
    parens: Vec<usize>,
    /// `|` positions.
    pipes: Vec<usize>,
    /// `(` position -> matching `)` position.
    matching: Vec<(usize, usize)>,
}

fn scan(text: &str) -> Structure {
    let bytes = text.as_bytes();
    let mut found = Structure::default();
    let mut open = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                let start = i;
                let mut escaped_quote = false;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        escaped_quote |= bytes.get(i + 1) == Some(&b'"');
                        i += 1;
                    }
                    i += 1;
                }
                found.strings.push((start, i, escaped_quote));
                i += 1;
            }
            b'`' if bytes[i..].starts_with(b"```") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"```") {
                    i += 1;
                }
                i += 3;
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    if bytes[i] == b'"' {
                        i += 1;
                        while i < bytes.len() && bytes[i] != b'"' {
                            i += if bytes[i] == b'\\' { 2 } else { 1 };
                        }
                    }
                    i += 1;
                }
                i += 1;
            }
            b'(' => {
                found.parens.push(i);
                open.push(i);
                i += 1;
            }
            b')' => {
                found.parens.push(i);
                if let Some(start) = open.pop() {
                    found.matching.push((start, i));
                }
                i += 1;
            }
            b'|' => {
                found.pipes.push(i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    found
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The command name after a pipe: (start, end).
fn command_after(text: &str, pipe: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut start = pipe + 1;
    while start < bytes.len() && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    let mut end = start;
    while end < bytes.len() && is_name_byte(bytes[end]) {
        end += 1;
    }
    (end > start && bytes[start].is_ascii_alphabetic()).then_some((start, end))
}

/// The end of a stage: the next pipe or closing bracket at the same depth, or the end.
fn stage_end(text: &str, structure: &Structure, from: usize) -> usize {
    let bytes = text.as_bytes();
    let strings = &structure.strings;
    let mut depth = 0i32;
    let mut i = from;
    while i < bytes.len() {
        if let Some(&(_, end, _)) = strings.iter().find(|(s, _, _)| *s == i) {
            i = end + 1;
            continue;
        }
        match bytes[i] {
            b'`' => {
                // Skip a macro or comment whole.
                let close = if bytes[i..].starts_with(b"```") {
                    text[i + 3..].find("```").map(|p| i + 3 + p + 3)
                } else {
                    text[i + 1..].find('`').map(|p| i + 1 + p + 1)
                };
                i = close.unwrap_or(bytes.len());
                continue;
            }
            b'[' | b'(' => depth += 1,
            b']' | b')' if depth == 0 => return i,
            b']' | b')' => depth -= 1,
            b'|' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Eval-function calls inside `eval`/`where` stages: (name start, name end, open paren).
fn eval_calls(text: &str, structure: &Structure) -> Vec<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let mut calls = Vec::new();
    for &pipe in &structure.pipes {
        let Some((start, end)) = command_after(text, pipe) else {
            continue;
        };
        let name = &text[start..end];
        if !(name.eq_ignore_ascii_case("eval") || name.eq_ignore_ascii_case("where")) {
            continue;
        }
        let stop = stage_end(text, structure, end);
        for &paren in structure.parens.iter().filter(|p| **p > end && **p < stop) {
            if bytes[paren] != b'(' {
                continue;
            }
            let mut name_start = paren;
            while name_start > 0 && is_name_byte(bytes[name_start - 1]) {
                name_start -= 1;
            }
            let called = &text[name_start..paren];
            if !called.is_empty()
                && functions::eval_function(called).is_some()
                && (name_start == 0 || !matches!(bytes[name_start - 1], b'.' | b'\'' | b'<'))
            {
                calls.push((name_start, paren, paren));
            }
        }
    }
    calls
}

/// A misspelling of `name` that is no known name (`known` says what is known).
fn misspell(name: &str, rng: &mut Rng, known: impl Fn(&str) -> bool) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    for _ in 0..20 {
        let mut candidate = chars.clone();
        let at = rng.below(candidate.len());
        match rng.below(4) {
            0 if candidate.len() > 1 => {
                let j = if at + 1 < candidate.len() {
                    at + 1
                } else {
                    at - 1
                };
                candidate.swap(at, j);
            }
            1 if candidate.len() > 2 => {
                candidate.remove(at);
            }
            2 => candidate.insert(at, candidate[at]),
            _ => candidate[at] = (b'a' + rng.below(26) as u8) as char,
        }
        let candidate: String = candidate.into_iter().collect();
        if candidate != name && !known(&candidate) {
            return Some(candidate);
        }
    }
    None
}

/// One mutation of `kind`, or `None` when the search offers no place for it.
pub fn mutate(text: &str, kind: MutationKind, rng: &mut Rng) -> Option<String> {
    let structure = scan(text);
    let splice =
        |start: usize, end: usize, with: &str| format!("{}{with}{}", &text[..start], &text[end..]);
    match kind {
        MutationKind::UnbalancedQuote => {
            let candidates: Vec<usize> = structure
                .strings
                .iter()
                .filter(|(_, end, escaped)| !escaped && *end < text.len())
                .map(|(start, _, _)| *start)
                .collect();
            if candidates.is_empty() {
                return None;
            }
            let at = candidates[rng.below(candidates.len())];
            let mutated = splice(at, at + 1, "");
            // Certainly invalid only if the quotes no longer pair up.
            let rescanned = scan(&mutated);
            let unclosed = rescanned
                .strings
                .last()
                .is_some_and(|(_, end, _)| *end >= mutated.len());
            unclosed.then_some(mutated)
        }
        MutationKind::UnbalancedParenthesis => {
            if structure.parens.is_empty() {
                return None;
            }
            let at = structure.parens[rng.below(structure.parens.len())];
            Some(splice(at, at + 1, ""))
        }
        MutationKind::MisspelledCommand => {
            let candidates: Vec<(usize, usize)> = structure
                .pipes
                .iter()
                .filter_map(|p| command_after(text, *p))
                .filter(|(s, e)| commands::lookup(&text[*s..*e]).is_some())
                .collect();
            if candidates.is_empty() {
                return None;
            }
            let (start, end) = candidates[rng.below(candidates.len())];
            let name = misspell(&text[start..end], rng, |n| commands::lookup(n).is_some())?;
            Some(splice(start, end, &name))
        }
        MutationKind::UnknownEvalFunction => {
            let calls = eval_calls(text, &structure);
            if calls.is_empty() {
                return None;
            }
            let (start, end, _) = calls[rng.below(calls.len())];
            let name = misspell(&text[start..end], rng, |n| {
                functions::eval_function(n).is_some()
            })?;
            Some(splice(start, end, &name))
        }
        MutationKind::WrongArity => {
            let calls = eval_calls(text, &structure);
            if calls.is_empty() {
                return None;
            }
            let (start, end, paren) = calls[rng.below(calls.len())];
            let arity = functions::eval_function(&text[start..end])?;
            let close = structure.matching.iter().find(|(o, _)| *o == paren)?.1;
            let has_args = !text[paren + 1..close].trim().is_empty();
            match arity.max {
                // One more argument than the most it takes.
                Some(max) => {
                    let count = if has_args { max } else { max + 1 };
                    let mut inserted = vec!["0"; count].join(", ");
                    if has_args {
                        inserted.push_str(", ");
                    }
                    Some(splice(paren + 1, paren + 1, &inserted))
                }
                // No argument where at least one is needed.
                None if arity.min > 0 => Some(splice(paren + 1, close, "")),
                None => None,
            }
        }
        MutationKind::MissingRequiredArgument => {
            let candidates: Vec<(usize, usize)> = structure
                .pipes
                .iter()
                .filter_map(|p| command_after(text, *p))
                .filter(|(s, e)| {
                    commands::lookup(&text[*s..*e]).is_some_and(|spec| spec.requires_arguments())
                })
                .collect();
            if candidates.is_empty() {
                return None;
            }
            let (_, end) = candidates[rng.below(candidates.len())];
            let stop = stage_end(text, &structure, end);
            Some(splice(end, stop, " "))
        }
        MutationKind::InWithoutParentheses => {
            let bytes = text.as_bytes();
            let candidates: Vec<(usize, usize)> = structure
                .matching
                .iter()
                .filter(|(open, _)| {
                    let before = text[..*open].trim_end();
                    before.ends_with("IN")
                        && before.len() > 2
                        && bytes[before.len() - 3].is_ascii_whitespace()
                })
                .copied()
                .collect();
            if candidates.is_empty() {
                return None;
            }
            let (open, close) = candidates[rng.below(candidates.len())];
            let inner = &text[open + 1..close];
            if inner.trim().is_empty() {
                return None;
            }
            Some(format!("{} {inner} {}", &text[..open], &text[close + 1..]))
        }
        MutationKind::TrailingPipe => {
            if rng.below(2) == 0 || structure.pipes.is_empty() {
                Some(format!("{} |", text.trim_end()))
            } else {
                let at = structure.pipes[rng.below(structure.pipes.len())];
                Some(splice(at, at, "| "))
            }
        }
    }
}
