//! Replays the fuzz corpora on every test run (stable Rust, no libFuzzer): every committed input
//! of every fuzz target (`fuzz/corpus/<target>/`, a sample of what the campaigns grew, across
//! sizes) and every input that once crashed a target (`fuzz/regressions/<target>/`, named after
//! the bug) goes through the same harness function the fuzzer runs (`fuzz/src/lib.rs`); then
//! [`NEW_INPUTS`] inputs that no one has run before, mutated from the corpus by a fixed-seed
//! generator (byte flips, insertions of the characters parsers trip on, deletions, duplications,
//! splices of two inputs). A change that brings a found crash back, or breaks an invariant on
//! inputs the fuzzer reached or near them, fails here.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use arbitrary::{Arbitrary, Unstructured};
use std::path::{Path, PathBuf};

/// New (mutated) inputs per target after the corpus, as `-runs=` of a libFuzzer run.
const NEW_INPUTS: usize = 2000;

/// The inputs of one target, corpus and regressions, in a fixed order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "regressions"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

/// A fixed-seed xorshift generator: the same mutants on every run and machine.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One to four mutations of `data`, sometimes spliced with `other`.
    fn mutate(&mut self, data: &[u8], other: &[u8]) -> Vec<u8> {
        const TOKENS: &[&[u8]] = &[
            b"\n",
            b"'",
            b"\"",
            b"\\",
            b"|",
            b"(",
            b")",
            b"*",
            b"?",
            b"{",
            b"}",
            b"[",
            b"]",
            b": ",
            b"- ",
            b"not ",
            b" or ",
            b"0x",
            b"`",
            b"\t",
            b"\xe2\x80\xae",
            b"\x00",
            b"#",
        ];
        let mut out = data.to_vec();
        for _ in 0..1 + self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(6) {
                0 if !out.is_empty() => {
                    let i = self.below(out.len());
                    out[i] ^= 1 << self.below(8);
                }
                1 => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    out.splice(at..at, token.iter().copied());
                }
                2 if !out.is_empty() => {
                    let end = (at + 1 + self.below(16)).min(out.len());
                    out.drain(at.min(end)..end);
                }
                3 if !out.is_empty() => {
                    let start = self.below(out.len());
                    let end = (start + 1 + self.below(32)).min(out.len());
                    let copy = out[start..end].to_vec();
                    out.splice(at..at, copy);
                }
                4 if !other.is_empty() => {
                    let from = self.below(other.len());
                    out.truncate(at);
                    out.extend_from_slice(&other[from..]);
                }
                _ => out.insert(at.min(out.len()), self.next() as u8),
            }
        }
        out
    }
}

/// Runs `harness` over every input of `target`, then over [`NEW_INPUTS`] mutants of them,
/// naming the input that fails (a mutant is written to `target/fuzz-replay/` to replay).
fn replay(target: &str, harness: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> usize {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "fuzz/corpus/{target} is empty: the corpus is committed"
    );
    let corpus: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for (path, data) in files.iter().zip(&corpus) {
        if std::panic::catch_unwind(|| harness(data)).is_err() {
            panic!("fuzz target {target} fails on {}", path.display());
        }
    }
    let mut mutator = Mutator(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64);
    for run in 0..NEW_INPUTS {
        let data = &corpus[mutator.below(corpus.len())];
        let other = &corpus[mutator.below(corpus.len())];
        let mutant = mutator.mutate(data, other);
        if std::panic::catch_unwind(|| harness(&mutant)).is_err() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-replay");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{target}-mutant-{run}"));
            std::fs::write(&path, &mutant).unwrap();
            panic!(
                "fuzz target {target} fails on a new input, saved as {}",
                path.display()
            );
        }
    }
    println!(
        "{target}: {} inputs replayed, {NEW_INPUTS} new inputs run",
        files.len()
    );
    files.len()
}

#[test]
fn rule_load_corpus() {
    replay("rule_load", harness::rule_file);
}

#[test]
fn condition_corpus() {
    replay("condition", harness::condition);
}

#[test]
fn kql_parse_corpus() {
    replay("kql_parse", harness::kql_query);
}

#[test]
fn spl_parse_corpus() {
    replay("spl_parse", harness::spl_query);
}

#[test]
fn spl_macros_corpus() {
    replay("spl_macros", harness::spl_macros);
}

#[test]
fn mapping_file_corpus() {
    replay("mapping_file", harness::mapping_file);
}

#[test]
fn evaluator_corpus() {
    replay("evaluator", harness::evaluator);
}

/// The structure-aware target decodes its input the way libFuzzer's `fuzz_target!(|rule: T|)`
/// does (`arbitrary_take_rest`); the corpus must reach the backends, not only the loader.
#[test]
fn compile_generated_corpus() {
    let compiled = std::sync::atomic::AtomicUsize::new(0);
    replay("compile_generated", |data| {
        if let Ok(rule) =
            harness::generated::GeneratedRule::arbitrary_take_rest(Unstructured::new(data))
        {
            let queries = harness::compile_generated(&rule);
            compiled.fetch_add(queries, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let compiled = compiled.into_inner();
    println!("compile_generated: {compiled} queries compiled");
    assert!(compiled > 0, "the generated corpus reaches no backend");
}
