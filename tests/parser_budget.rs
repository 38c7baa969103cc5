//! The grammars stay linear on nested input: a PEG that retries an alternative re-parses what
//! follows it, and a retry at every nesting level doubles the work per level (fuzzing found
//! `print ((print ((…` taking seconds in the KQL grammar). Each case here nests one shape 24
//! levels deep and counts the pest rule calls the parse needs (pest's call limit, found by
//! bisection, on the bare grammar): linear parsing needs tens of calls per byte, one doubling per level needs over
//! 16 million. Counting calls instead of timing keeps the test deterministic.
//!
//! pest's call limit is process-wide, so this file is its own test binary with one test.

use std::num::NonZeroUsize;

const DEPTH: usize = 24;

/// Calls allowed per byte of input; real queries need at most ~20 (Sentinel corpus, 1,075 queries).
const CALLS_PER_BYTE: usize = 400;

#[derive(Clone, Copy)]
enum Grammar {
    Kql,
    Spl,
    Condition,
}

/// The bare grammar's verdict: `Ok`, or pest's message ("call limit reached" when cut short).
fn verdict(grammar: Grammar, text: &str) -> Result<(), String> {
    match grammar {
        Grammar::Kql => siemc::query::kql::parse::grammar_verdict(text),
        Grammar::Spl => siemc::query::spl::parse::grammar_verdict(text),
        Grammar::Condition => siemc::condition::grammar_verdict(text),
    }
}

fn cut_short(grammar: Grammar, text: &str, limit: usize) -> bool {
    pest::set_call_limit(NonZeroUsize::new(limit));
    let verdict = verdict(grammar, text);
    pest::set_call_limit(None);
    matches!(verdict, Err(message) if message.contains("call limit"))
}

/// The fewest rule calls the grammar needs to reach its verdict on `text`, or `None` when it
/// needs more than `most` (bisection never runs an unbounded parse).
fn calls_needed(grammar: Grammar, text: &str, most: usize) -> Option<usize> {
    if cut_short(grammar, text, most) {
        return None;
    }
    let (mut low, mut high) = (1usize, most);
    while low < high {
        let middle = low + (high - low) / 2;
        if cut_short(grammar, text, middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Some(low)
}

fn nest(open: &str, core: &str, close: &str) -> String {
    format!("{}{core}{}", open.repeat(DEPTH), close.repeat(DEPTH))
}

#[test]
fn nested_input_parses_in_linear_time() {
    let mut cases: Vec<(Grammar, String)> = Vec::new();
    // KQL: every place where an alternative holds a nested expression, with a valid and an
    // invalid innermost part (an invalid one makes every level backtrack).
    let kql_shapes: &[(&str, &str)] = &[
        ("print (", ")"),
        ("print ((", "))"),
        ("toscalar(", ")"),
        ("totable(", ")"),
        ("union (", ")"),
        ("search (", ")"),
        ("find (", ")"),
        ("range(", ")"),
        ("materialize(", ")"),
        ("evaluate f(", ")"),
        ("f(x = ", ")"),
        ("f(", ")"),
        ("(", ")"),
        ("x[", "]"),
        ("dynamic(", ")"),
        ("int(", ")"),
        ("T | where x in (", ")"),
        ("T | where x has_any (", ")"),
        ("T | where x between (1 .. ", ")"),
        ("T | join (", ")"),
        ("T | lookup (", ") on x"),
        ("T | summarize (", ")"),
        ("T | extend (", ")"),
        ("T | mv-apply x on (where ", ")"),
        ("T | fork (where ", ")"),
        ("T | facet by x with (where ", ")"),
        ("T | partition by x (where ", ")"),
        ("let f = () { ", " }"),
        ("let f = (a: string) { ", " }"),
        ("let x = materialize(", ")"),
    ];
    for (open, close) in kql_shapes {
        for core in ["x", "x x", "print x", "| where", "T | where x == 1"] {
            cases.push((Grammar::Kql, nest(open, core, close)));
        }
    }
    // The input fuzzing found.
    cases.push((
        Grammar::Kql,
        "print ((print(pzint ((print ((print ((print(pnt(pziint(pzint ((print ((print ((prpr-nt(\
         pzint ((print ((print ((pring\n| parse SyslogMessage  ((print(\"sage  ((print(\"\"\"\"\"\"\"t(print ((prinrint"
            .to_string(),
    ));
    let spl_shapes: &[(&str, &str)] = &[
        ("search (", ")"),
        ("search NOT (", ")"),
        ("search a=1 OR (", ")"),
        ("search [search ", "]"),
        ("search x | eval y=if(", ", 1, 2)"),
        ("search x | eval y=(", ")"),
        ("search x | where (", ")"),
        ("search x | where like(", ", \"a\")"),
        ("search x | stats count by y | search (", ")"),
        ("search x | append [", "]"),
        ("search x | join y [", "]"),
    ];
    for (open, close) in spl_shapes {
        for core in ["x", "x=1", "x=", "| stats", "(x"] {
            cases.push((Grammar::Spl, nest(open, core, close)));
        }
    }
    for (open, close) in [
        ("(", ")"),
        ("not (", ")"),
        ("a and (", ")"),
        ("1 of (", ")"),
    ] {
        for core in ["a", "a b", "all of them", "a or", "1 of"] {
            cases.push((Grammar::Condition, nest(open, core, close)));
        }
    }

    let mut worst = (0.0f64, String::new());
    let mut too_slow = Vec::new();
    for (grammar, text) in &cases {
        let budget = CALLS_PER_BYTE * text.len();
        match calls_needed(*grammar, text, budget) {
            Some(calls) => {
                let per_byte = calls as f64 / text.len() as f64;
                if per_byte > worst.0 {
                    worst = (per_byte, text.clone());
                }
            }
            None => too_slow.push(format!(
                "over {budget} calls for {} bytes: {text:?}",
                text.len()
            )),
        }
    }
    println!(
        "{} nested inputs; most calls per byte {:.1}, for {:?}",
        cases.len(),
        worst.0,
        worst.1
    );
    assert!(
        too_slow.is_empty(),
        "parses that are not linear:\n{}",
        too_slow.join("\n")
    );
}
