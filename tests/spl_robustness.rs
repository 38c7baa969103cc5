//! Robustness of the SPL validator without cargo-fuzz: seeded random inputs (SPL-flavoured
//! random text and byte-level mutations of the valid fixtures) all get an answer, never a
//! panic, and every span of every diagnostic lies inside the text on a character boundary.
//! Also one large valid search, validated rather than refused.

mod common;

use common::spl_mutations::Rng;
use siemc::diagnostic::SourceFile;
use siemc::query::spl::{SplCheckOptions, check_query};
use std::sync::Arc;

/// Inputs per test; `SPL_ROBUSTNESS_INPUTS=200000` runs a longer campaign.
fn input_count() -> usize {
    std::env::var("SPL_ROBUSTNESS_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

/// Pieces random searches are built from: syntax, keywords, odd bytes.
const PIECES: &[&str] = &[
    "|",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "'",
    "`",
    "```",
    "\\",
    "=",
    "!=",
    "<",
    ">",
    "==",
    ",",
    "*",
    ".",
    " ",
    " ",
    "\n",
    "\t",
    "AND",
    "OR",
    "NOT",
    "IN",
    "by",
    "as",
    "where",
    "search",
    "eval",
    "stats",
    "tstats",
    "rex",
    "rename",
    "table",
    "lookup",
    "join",
    "if",
    "case",
    "count",
    "eval(",
    "CASE(",
    "TERM(",
    "x",
    "42",
    "-1",
    "$a$",
    "<<FIELD>>",
    "\u{0}",
    "\u{FFFD}",
    "é",
    "`m(a,b)`",
    "span=1h",
    "earliest=-24h@h",
    "(?<n>",
    "\x01",
];

fn check(text: String, options: &SplCheckOptions) {
    let file = Arc::new(SourceFile::new("random.spl", text));
    for diagnostic in check_query(&file, options) {
        for label in &diagnostic.labels {
            let span = label.span;
            assert!(
                span.start <= span.end
                    && span.end <= file.text.len()
                    && file.text.is_char_boundary(span.start)
                    && file.text.is_char_boundary(span.end),
                "span {span:?} outside {:?}",
                file.text
            );
        }
    }
}

#[test]
fn random_spl_like_inputs_get_diagnostics_not_panics() {
    let options = SplCheckOptions::default();
    let mut rng = Rng::new(20_240_501);
    for _ in 0..input_count() {
        let pieces = 1 + rng.below(40);
        let text: String = (0..pieces)
            .map(|_| PIECES[rng.below(PIECES.len())])
            .collect();
        check(text, &options);
    }
}

/// The same with macros expanded: overloads, quoted and named arguments, `$arg$` in strings,
/// nested calls and an eval-based macro; spans of expanded text map back inside the search.
#[test]
fn random_inputs_with_macros_expanded_get_diagnostics_not_panics() {
    let conf = "[m(1)]\nargs = a\ndefinition = rename $a$.* AS *\n\n[m(2)]\nargs = a, b\ndefinition = search $a$ | eval x=\"$b$\" | `n(a=$a$)`\n\n[n(1)]\nargs = a\ndefinition = where $a$=1 `m($a$)`\n\n[e]\ndefinition = \"index=\" . \"main\"\niseval = true\n";
    let file = Arc::new(SourceFile::new("macros.conf", conf));
    let options = SplCheckOptions {
        macros: Some(siemc::query::spl::macros::Macros::from_conf(&file).unwrap()),
    };
    const MACRO_PIECES: &[&str] = &[
        "`m(a,b)`",
        "`m(\"x, y\")`",
        "`m(\"He said \\\"hi\\\"\")`",
        "`n(a=1)`",
        "`n(b=1)`",
        "`m(b=1, a=2)`",
        "`e`",
        "`m()`",
        "`m($a$)`",
        "$",
    ];
    let mut rng = Rng::new(12_012);
    for _ in 0..input_count() / 4 {
        let pieces = 1 + rng.below(30);
        let text: String = (0..pieces)
            .map(|_| {
                if rng.below(3) == 0 {
                    MACRO_PIECES[rng.below(MACRO_PIECES.len())]
                } else {
                    PIECES[rng.below(PIECES.len())]
                }
            })
            .collect();
        check(text, &options);
    }
}

#[test]
fn byte_mutations_of_valid_searches_get_diagnostics_not_panics() {
    let options = SplCheckOptions::default();
    let fixtures: Vec<Vec<u8>> = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spl/valid"),
    )
    .unwrap()
    .map(|e| std::fs::read(e.unwrap().path()).unwrap())
    .collect();
    let mut rng = Rng::new(7_777);
    for _ in 0..input_count() {
        let mut bytes = fixtures[rng.below(fixtures.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, rng.next_u64() as u8),
                _ => {
                    let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
        }
        // Invalid UTF-8 reaches the validator as lossy text, as `query check` reads files.
        check(String::from_utf8_lossy(&bytes).into_owned(), &options);
    }
}

#[test]
fn a_one_megabyte_search_is_validated() {
    let text =
        "index=main ".to_string() + &"user=a* OR src=\"b\" ".repeat(55_000) + "| stats count";
    assert!(text.len() > 1_000_000);
    let file = Arc::new(SourceFile::new("big.spl", text));
    let started = std::time::Instant::now();
    let diagnostics = check_query(&file, &SplCheckOptions::default());
    assert!(diagnostics.iter().all(|d| !d.is_error()));
    // Generous even for a debug build on a shared machine: this guards against a hang.
    assert!(started.elapsed().as_secs() < 60);
}
