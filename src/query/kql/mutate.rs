//! Seeded mutations of valid queries: the typical mistakes of a hand-edited query, for
//! differential tests against Microsoft's parser.
//!
//! Takes: a query and a seed. Gives: mutants (the query with one mistake each) of five kinds:
//! a bracket or a quote deleted, an operator misspelled, an expression dropped, a stray pipe.
//! The same seed always gives the same mutants (a small SplitMix64 generator, no dependency).
//! Positions are found by scanning the text: mutants are test inputs, not diagnostics.

/// The kinds of mistakes made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MutationKind {
    DeleteBracket,
    DeleteQuote,
    MisspellOperator,
    DropExpression,
    StrayPipe,
}

impl MutationKind {
    pub const ALL: [MutationKind; 5] = [
        MutationKind::DeleteBracket,
        MutationKind::DeleteQuote,
        MutationKind::MisspellOperator,
        MutationKind::DropExpression,
        MutationKind::StrayPipe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MutationKind::DeleteBracket => "delete-bracket",
            MutationKind::DeleteQuote => "delete-quote",
            MutationKind::MisspellOperator => "misspell-operator",
            MutationKind::DropExpression => "drop-expression",
            MutationKind::StrayPipe => "stray-pipe",
        }
    }
}

/// One mutated query.
#[derive(Debug, Clone)]
pub struct Mutant {
    pub kind: MutationKind,
    /// What was changed, e.g. "deleted `(` at byte 42".
    pub description: String,
    pub text: String,
}

/// SplitMix64: tiny, fast and deterministic.
#[derive(Debug, Clone)]
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

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

/// Words whose misspelling is a typical mistake: operators and keywords.
const OPERATOR_WORDS: &[&str] = &[
    "where",
    "summarize",
    "project",
    "extend",
    "join",
    "union",
    "contains",
    "startswith",
    "endswith",
    "has",
    "and",
    "or",
    "by",
    "on",
    "kind",
    "between",
    "matches",
    "regex",
    "distinct",
    "sort",
    "order",
    "take",
    "limit",
    "top",
    "parse",
    "with",
    "let",
    "in",
    "mv-expand",
    "make-series",
    "project-away",
    "lookup",
    "render",
    "evaluate",
    "count",
];

/// Binary operators after which dropping the operand leaves a dangling operator.
const BINARY_OPERATORS: &[&str] = &[
    "==",
    "!=",
    "=~",
    "!~",
    ">=",
    "<=",
    " > ",
    " < ",
    " + ",
    " - ",
    " * ",
    " and ",
    " or ",
    " contains ",
    " has ",
    " startswith ",
    " endswith ",
    " in ",
    " in~ ",
    " !in ",
];

/// Up to `per_kind` mutants of each kind (fewer when the query offers fewer places).
pub fn mutants(query: &str, seed: u64, per_kind: usize) -> Vec<Mutant> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for kind in MutationKind::ALL {
        for _ in 0..per_kind {
            if let Some(mutant) = mutate(query, kind, &mut rng) {
                out.push(mutant);
            }
        }
    }
    out
}

/// One mutant of the given kind, or `None` when the query has no place for it.
pub fn mutate(query: &str, kind: MutationKind, rng: &mut Rng) -> Option<Mutant> {
    match kind {
        MutationKind::DeleteBracket => delete_one_of(query, &['(', ')', '[', ']'], kind, rng),
        MutationKind::DeleteQuote => delete_one_of(query, &['"', '\''], kind, rng),
        MutationKind::MisspellOperator => misspell(query, rng),
        MutationKind::DropExpression => drop_expression(query, rng),
        MutationKind::StrayPipe => stray_pipe(query, rng),
    }
}

fn delete_one_of(query: &str, chars: &[char], kind: MutationKind, rng: &mut Rng) -> Option<Mutant> {
    let places: Vec<(usize, char)> = query
        .char_indices()
        .filter(|(_, c)| chars.contains(c))
        .collect();
    if places.is_empty() {
        return None;
    }
    let (at, c) = places[rng.below(places.len())];
    let mut text = query.to_string();
    text.remove(at);
    Some(Mutant {
        kind,
        description: format!("deleted `{c}` at byte {at}"),
        text,
    })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn misspell(query: &str, rng: &mut Rng) -> Option<Mutant> {
    let bytes = query.as_bytes();
    let mut places = Vec::new();
    for word in OPERATOR_WORDS {
        for (at, _) in query.match_indices(word) {
            let end = at + word.len();
            let before_ok = at == 0 || !is_word_byte(bytes[at - 1]);
            let after_ok = end == bytes.len() || !is_word_byte(bytes[end]);
            if before_ok && after_ok {
                places.push((at, *word));
            }
        }
    }
    if places.is_empty() {
        return None;
    }
    let (at, word) = places[rng.below(places.len())];
    let letters: Vec<char> = word.chars().collect();
    let misspelt: String = match rng.below(3) {
        // Swap two neighbours (`summarize` → `sumamrize`), or double the last letter for a
        // two-letter word whose swap could be another word.
        0 if letters.len() > 2 => {
            let i = rng.below(letters.len() - 1);
            let mut swapped = letters.clone();
            swapped.swap(i, i + 1);
            if swapped == letters {
                swapped.push('x');
            }
            swapped.into_iter().collect()
        }
        // Drop one letter.
        1 if letters.len() > 2 => {
            let i = rng.below(letters.len());
            letters
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| *c)
                .collect()
        }
        // British spelling for `summarize`, otherwise a doubled letter.
        _ => {
            if word == "summarize" {
                "summarise".to_string()
            } else {
                let i = rng.below(letters.len());
                let mut doubled: String = letters[..=i].iter().collect();
                doubled.extend(&letters[i..]);
                doubled
            }
        }
    };
    let mut text = String::with_capacity(query.len() + 1);
    text.push_str(&query[..at]);
    text.push_str(&misspelt);
    text.push_str(&query[at + word.len()..]);
    Some(Mutant {
        kind: MutationKind::MisspellOperator,
        description: format!("`{word}` misspelt as `{misspelt}` at byte {at}"),
        text,
    })
}

/// Deletes the operand after a binary operator (up to the next space, comma, bracket or line
/// end), or the whole predicate of a `where`.
fn drop_expression(query: &str, rng: &mut Rng) -> Option<Mutant> {
    let mut places: Vec<(usize, usize)> = Vec::new();
    for operator in BINARY_OPERATORS {
        for (at, _) in query.match_indices(operator) {
            let start = at + operator.len();
            let rest = &query[start..];
            let trimmed = rest.trim_start_matches(' ');
            let operand_start = start + (rest.len() - trimmed.len());
            let operand_len = trimmed
                .find([' ', ',', ')', ']', '\n', '\r', '|', ';'])
                .unwrap_or(trimmed.len());
            if operand_len > 0 {
                places.push((operand_start, operand_start + operand_len));
            }
        }
    }
    for (at, _) in query.match_indices("where ") {
        let start = at + "where ".len();
        let end = query[start..]
            .find(['|', '\n', ';', ')'])
            .map_or(query.len(), |i| start + i);
        if end > start {
            places.push((start, end));
        }
    }
    if places.is_empty() {
        return None;
    }
    let (start, end) = places[rng.below(places.len())];
    let mut text = String::with_capacity(query.len());
    text.push_str(&query[..start]);
    text.push_str(&query[end..]);
    Some(Mutant {
        kind: MutationKind::DropExpression,
        description: format!("dropped `{}` at byte {start}", &query[start..end]),
        text,
    })
}

/// Adds a `|` where none belongs: doubled, at the end, or at the start.
fn stray_pipe(query: &str, rng: &mut Rng) -> Option<Mutant> {
    let pipes: Vec<usize> = query.match_indices('|').map(|(at, _)| at).collect();
    let (at, insert, where_) = match rng.below(3) {
        0 if !pipes.is_empty() => (pipes[rng.below(pipes.len())], "| ", "doubled"),
        1 => (query.trim_end().len(), " |", "at the end"),
        _ => (0, "| ", "at the start"),
    };
    let mut text = String::with_capacity(query.len() + 2);
    text.push_str(&query[..at]);
    text.push_str(insert);
    text.push_str(&query[at..]);
    Some(Mutant {
        kind: MutationKind::StrayPipe,
        description: format!("stray pipe {where_} (byte {at})"),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "SigninLogs\n| where ResultType == \"0\" and AppId has 'x'\n| summarize count() by bin(TimeGenerated, 1h)";

    #[test]
    fn the_same_seed_gives_the_same_mutants() {
        let a: Vec<String> = mutants(QUERY, 7, 3).into_iter().map(|m| m.text).collect();
        let b: Vec<String> = mutants(QUERY, 7, 3).into_iter().map(|m| m.text).collect();
        assert_eq!(a, b);
        let c: Vec<String> = mutants(QUERY, 8, 3).into_iter().map(|m| m.text).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn every_kind_changes_the_query() {
        let mut rng = Rng::new(1);
        for kind in MutationKind::ALL {
            let mutant =
                mutate(QUERY, kind, &mut rng).expect("the query has a place for every kind");
            assert_ne!(mutant.text, QUERY, "{}", kind.name());
            assert_eq!(mutant.kind, kind);
        }
    }

    #[test]
    fn deleting_a_bracket_removes_exactly_one() {
        let mut rng = Rng::new(3);
        let mutant = mutate(QUERY, MutationKind::DeleteBracket, &mut rng).unwrap();
        let count = |text: &str| text.chars().filter(|c| "()[]".contains(*c)).count();
        assert_eq!(count(&mutant.text) + 1, count(QUERY));
    }
}
