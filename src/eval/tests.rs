//! Evaluator tests, one per modifier and condition form, written from the Sigma specification.

use super::*;
use crate::diagnostic::SourceFile;
use crate::mapping::{Mapping, Target};
use crate::rule::{RuleDocument, load_rule_file};
use serde_json::json;
use std::sync::Arc;

/// Does the rule (detection given as YAML) match the event?
fn matches(detection: &str, event: Value) -> bool {
    let text = format!("title: t\nlogsource: {{product: test}}\ndetection:\n{detection}");
    let (documents, diagnostics) = load_rule_file(&Arc::new(SourceFile::new("t.yml", text)));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let Some(RuleDocument::Detection(rule)) = documents.into_iter().next() else {
        panic!("not a rule")
    };
    let lowered = crate::ir::lower_rule(&rule).expect("lowers");
    let expr = Mapping::builtin(Target::Kql)
        .expand_placeholders(&rule, &lowered.expr)
        .expect("placeholders resolve");
    evaluate(&expr, &Event::Json(event))
        .expect("evaluates")
        .matched
}

fn sel(body: &str) -> String {
    format!("  sel:\n{body}  condition: sel\n")
}

#[test]
fn plain_values_are_case_insensitive_whole_matches() {
    let d = sel("    Image: 'C:\\Windows\\cmd.exe'\n");
    assert!(matches(&d, json!({"Image": "c:\\windows\\CMD.EXE"})));
    assert!(!matches(&d, json!({"Image": "C:\\Windows\\cmd.exe.bak"})));
    assert!(!matches(&d, json!({"Other": "C:\\Windows\\cmd.exe"})));
}

#[test]
fn wildcards_and_escapes() {
    assert!(matches(&sel("    F: 'a*c'\n"), json!({"F": "abbbc"})));
    assert!(matches(&sel("    F: 'a?c'\n"), json!({"F": "abc"})));
    assert!(!matches(&sel("    F: 'a?c'\n"), json!({"F": "abbc"})));
    assert!(matches(&sel("    F: 'a\\*c'\n"), json!({"F": "a*c"})));
    assert!(!matches(&sel("    F: 'a\\*c'\n"), json!({"F": "abc"})));
    assert!(matches(&sel("    F: 'a\\?'\n"), json!({"F": "a?"})));
    assert!(matches(
        &sel("    F: 'C:\\\\*'\n"),
        json!({"F": "C:\\anything"})
    ));
    assert!(matches(
        &sel("    F: '\\\\\\\\server'\n"),
        json!({"F": "\\\\server"})
    ));
    assert!(matches(&sel("    F: '*'\n"), json!({"F": "line\nbreak"})));
}

#[test]
fn contains_startswith_endswith() {
    assert!(matches(
        &sel("    F|contains: whoami\n"),
        json!({"F": "cmd /c WHOAMI /all"})
    ));
    assert!(matches(
        &sel("    F|startswith: cmd\n"),
        json!({"F": "cmd.exe"})
    ));
    assert!(!matches(
        &sel("    F|startswith: cmd\n"),
        json!({"F": "x cmd"})
    ));
    assert!(matches(
        &sel("    F|endswith: .exe\n"),
        json!({"F": "a.EXE"})
    ));
}

#[test]
fn lists_are_or_and_all_is_and() {
    let any = sel("    F|contains: [a1, b2]\n");
    assert!(matches(&any, json!({"F": "xb2x"})));
    let all = sel("    F|contains|all: [a1, b2]\n");
    assert!(!matches(&all, json!({"F": "xb2x"})));
    assert!(matches(&all, json!({"F": "b2 a1"})));
}

#[test]
fn maps_are_and_lists_of_maps_are_or() {
    let map = sel("    A: 1\n    B: 2\n");
    assert!(matches(&map, json!({"A": 1, "B": 2})));
    assert!(!matches(&map, json!({"A": 1, "B": 3})));
    let list = sel("    - A: 1\n    - B: 2\n");
    assert!(matches(&list, json!({"B": 2})));
}

#[test]
fn null_means_absent_or_empty_and_exists() {
    let d = sel("    F: null\n");
    assert!(matches(&d, json!({})));
    assert!(matches(&d, json!({"F": ""})));
    assert!(matches(&d, json!({"F": null})));
    assert!(!matches(&d, json!({"F": "x"})));
    assert!(matches(&sel("    F|exists: true\n"), json!({"F": ""})));
    assert!(!matches(&sel("    F|exists: true\n"), json!({})));
    assert!(matches(&sel("    F|exists: false\n"), json!({})));
}

#[test]
fn numbers_booleans_and_comparisons() {
    assert!(matches(
        &sel("    EventID: 4688\n"),
        json!({"EventID": 4688})
    ));
    assert!(matches(
        &sel("    EventID: 4688\n"),
        json!({"EventID": "4688"})
    ));
    assert!(!matches(
        &sel("    EventID: 4688\n"),
        json!({"EventID": 4689})
    ));
    assert!(matches(&sel("    F|gt: 5\n"), json!({"F": 6})));
    assert!(!matches(&sel("    F|gt: 5\n"), json!({"F": 5})));
    assert!(matches(&sel("    F|gte: 5\n"), json!({"F": "5"})));
    assert!(matches(&sel("    F|lt: 5\n"), json!({"F": 4.5})));
    assert!(matches(&sel("    F|lte: 5\n"), json!({"F": 5})));
    assert!(!matches(&sel("    F|lt: 5\n"), json!({"F": "abc"})));
    assert!(matches(&sel("    F: true\n"), json!({"F": true})));
    assert!(matches(&sel("    F: true\n"), json!({"F": "True"})));
}

#[test]
fn neq_is_not_any_of_the_values() {
    let d = sel("    F|neq: [a, b]\n");
    assert!(matches(&d, json!({"F": "c"})));
    assert!(!matches(&d, json!({"F": "A"})));
}

#[test]
fn cased_matching() {
    let d = sel("    F|cased: Abc\n");
    assert!(matches(&d, json!({"F": "Abc"})));
    assert!(!matches(&d, json!({"F": "abc"})));
    assert!(matches(
        &sel("    F|contains|cased: Net.WebClient\n"),
        json!({"F": "x Net.WebClient y"})
    ));
    assert!(!matches(
        &sel("    F|contains|cased: Net.WebClient\n"),
        json!({"F": "x net.webclient y"})
    ));
}

/// Found by tests/eval_kql_differential.rs: whole-string lowercasing turned a word-final `Σ`
/// into `ς` and `İ` into two characters, so these events did not match, while the KQL query
/// (duckdb-kql, per character) selected them.
#[test]
fn case_folding_is_per_character() {
    assert!(matches(
        &sel("    F|contains: 'Σ'\n"),
        json!({"F": "中ßΣ "})
    ));
    assert!(matches(
        &sel("    F|endswith: ' -encΣ?'\n"),
        json!({"F": " -ENCσÉ"})
    ));
    assert!(matches(&sel("    F: 'a?b'\n"), json!({"F": "aİb"})));
    assert!(matches(&sel("    F: 'ΑΣ'\n"), json!({"F": "ασ"})));
    assert!(matches(
        &sel("    F|fieldref|endswith: G\n"),
        json!({"F": "ΟΔΟΣ", "G": "οσ"})
    ));
    // Different letters stay different.
    assert!(!matches(&sel("    F: 'σ'\n"), json!({"F": "ς"})));
}
#[test]
fn regular_expressions_with_flags() {
    assert!(matches(&sel("    F|re: 'a.c'\n"), json!({"F": "xxabcxx"})));
    assert!(!matches(&sel("    F|re: 'ABC'\n"), json!({"F": "abc"})));
    assert!(matches(&sel("    F|re|i: 'ABC'\n"), json!({"F": "abc"})));
    assert!(matches(
        &sel("    F|re|m: '^b$'\n"),
        json!({"F": "a\nb\nc"})
    ));
    assert!(!matches(&sel("    F|re: '^b$'\n"), json!({"F": "a\nb\nc"})));
    assert!(matches(&sel("    F|re|s: 'a.c'\n"), json!({"F": "a\nc"})));
    assert!(!matches(&sel("    F|re: 'a.c'\n"), json!({"F": "a\nc"})));
}

#[test]
fn cidr_ranges_by_family() {
    let d = sel("    F|cidr: ['10.0.0.0/8', 'fe80::/10']\n");
    assert!(matches(&d, json!({"F": "10.1.2.3"})));
    assert!(matches(&d, json!({"F": "fe80::1"})));
    assert!(!matches(&d, json!({"F": "11.0.0.1"})));
    assert!(!matches(&d, json!({"F": "not an ip"})));
}

#[test]
fn encodings() {
    // base64("cmd") = "Y21k"
    assert!(matches(&sel("    F|base64: cmd\n"), json!({"F": "Y21k"})));
    // "/bin/bash" at any alignment inside a base64 text
    let d = sel("    F|base64offset|contains: /bin/bash\n");
    for text in ["x /bin/bash", "xx /bin/bash", "/bin/bash -c"] {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        assert!(matches(&d, json!({"F": encoded})), "{text}");
    }
    // UTF-16LE "cmd" base64-encoded is "YwBtAGQA"
    assert!(matches(
        &sel("    F|wide|base64: cmd\n"),
        json!({"F": "YwBtAGQA"})
    ));
    assert!(matches(
        &sel("    F|utf16le|base64: cmd\n"),
        json!({"F": "YwBtAGQA"})
    ));
    assert!(matches(
        &sel("    F|utf16be|base64: cmd\n"),
        json!({"F": "AGMAbQBk"})
    ));
    assert!(matches(
        &sel("    F|utf16|base64: cmd\n"),
        json!({"F": "//5jAG0AZAA="})
    ));
}

#[test]
fn windash_accepts_every_dash() {
    let d = sel("    F|windash|contains: ' -urlcache '\n");
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(
            matches(&d, json!({"F": format!("certutil {dash}urlcache -f")})),
            "{dash}"
        );
    }
    assert!(!matches(&d, json!({"F": "certutil +urlcache"})));
}

#[test]
fn fieldref_compares_fields() {
    assert!(matches(
        &sel("    A|fieldref: B\n"),
        json!({"A": "x", "B": "X"})
    ));
    assert!(!matches(&sel("    A|fieldref: B\n"), json!({"A": "x"})));
    assert!(matches(
        &sel("    A|fieldref|endswith: B\n"),
        json!({"A": "C:\\a\\b.exe", "B": "b.exe"})
    ));
    assert!(matches(
        &sel("    A|fieldref|contains: B\n"),
        json!({"A": "xyz", "B": "Y"})
    ));
    assert!(matches(
        &sel("    A|fieldref|startswith: B\n"),
        json!({"A": "xyz", "B": "xy"})
    ));
}

#[test]
fn expand_uses_the_mapping_placeholders() {
    let mapping = Mapping::builtin(Target::Kql);
    let has_dcs = mapping
        .files()
        .iter()
        .any(|f| f.placeholders.contains_key("DomainControllers"));
    assert!(has_dcs, "the built-in mapping defines %DomainControllers%");
    let values = &mapping.files()[0].placeholders["DomainControllers"];
    let first = crate::ir::parse_sigma_string(&values[0], false);
    let sample = first
        .parts
        .iter()
        .map(|p| match p {
            PatternPart::Literal(text) => text.clone(),
            PatternPart::OneChar => "x".into(),
            _ => "1".into(),
        })
        .collect::<String>();
    assert!(matches(
        &sel("    Computer|expand: '%DomainControllers%'\n"),
        json!({"Computer": sample})
    ));
    assert!(!matches(
        &sel("    Computer|expand: '%DomainControllers%'\n"),
        json!({"Computer": "zz-not-a-dc-zz"})
    ));
}

#[test]
fn time_parts() {
    let event = json!({"T": "2026-12-25T03:30:00Z"});
    assert!(matches(&sel("    T|hour: 3\n"), event.clone()));
    assert!(matches(&sel("    T|minute: 30\n"), event.clone()));
    assert!(matches(&sel("    T|month: 12\n"), event.clone()));
    assert!(matches(&sel("    T|year|gte: 2026\n"), event.clone()));
    assert!(!matches(&sel("    T|day: 24\n"), event));
}

#[test]
fn keywords_search_the_whole_event() {
    let d = "  keywords: [mimikatz, 'sekurlsa::*']\n  condition: keywords\n";
    assert!(matches(d, json!({"A": {"B": "run MIMIKATZ now"}})));
    assert!(matches(d, json!({"A": ["x", "sekurlsa::logonpasswords"]})));
    assert!(!matches(d, json!({"A": "clean"})));
    let all = "  keywords:\n    '|all': [a1, b2]\n  condition: keywords\n";
    assert!(matches(all, json!({"X": "a1", "Y": "b2"})));
    assert!(!matches(all, json!({"X": "a1"})));
}

#[test]
fn number_keywords_are_searched_as_text() {
    // Sigma treats every value as a string: `- 200` under `'|all':` searches for the text `200`.
    let all = "  keywords:\n    '|all': [200, GET, true]\n  condition: keywords\n";
    assert!(matches(
        all,
        json!({"status": 200, "line": "GET /x", "ok": true})
    ));
    assert!(matches(
        all,
        json!({"raw": "GET /index status=2001 cached=true"})
    ));
    assert!(!matches(
        all,
        json!({"status": 404, "line": "GET /x", "ok": true})
    ));
    let plain = "  keywords: [3.50]\n  condition: keywords\n";
    assert!(matches(plain, json!({"price": "cost 3.50 EUR"})));
    assert!(!matches(plain, json!({"price": 3.5})));
}

#[test]
fn conditions_precedence_and_quantifiers() {
    let d = "  a: {A: 1}\n  b: {B: 1}\n  c: {C: 1}\n  condition: a or b and not c\n";
    assert!(matches(d, json!({"A": 1, "C": 1})));
    assert!(!matches(d, json!({"B": 1, "C": 1})));
    assert!(matches(d, json!({"B": 1})));
    let grouped = "  a: {A: 1}\n  b: {B: 1}\n  c: {C: 1}\n  condition: (a or b) and not c\n";
    assert!(!matches(grouped, json!({"A": 1, "C": 1})));
    let one_of = "  sel_a: {A: 1}\n  sel_b: {B: 1}\n  filter: {C: 1}\n  condition: 1 of sel_* and not 1 of filter*\n";
    assert!(matches(one_of, json!({"B": 1})));
    assert!(!matches(one_of, json!({"B": 1, "C": 1})));
    let all_of = "  sel_a: {A: 1}\n  sel_b: {B: 1}\n  condition: all of sel_*\n";
    assert!(!matches(all_of, json!({"A": 1})));
    assert!(matches(all_of, json!({"A": 1, "B": 1})));
    let them = "  a: {A: 1}\n  _helper: {H: 1}\n  condition: all of them\n";
    assert!(matches(them, json!({"A": 1})), "`them` skips `_` names");
    let any_them = "  a: {A: 1}\n  b: {B: 1}\n  condition: 1 of them\n";
    assert!(matches(any_them, json!({"B": 1})));
    let list = "  a: {A: 1}\n  b: {B: 1}\n  condition: [a, b]\n";
    assert!(matches(list, json!({"B": 1})));
}

#[test]
fn missing_fields_make_negations_true() {
    let d = "  sel: {A: 1}\n  filter: {B|contains: x}\n  condition: sel and not filter\n";
    assert!(matches(d, json!({"A": 1})));
    assert!(!matches(d, json!({"A": 1, "B": "xx"})));
}

#[test]
fn explanations_name_the_deciding_predicate() {
    let text = "title: t\nlogsource: {product: test}\ndetection:\n  sel: {CommandLine|contains: whoami}\n  condition: sel\n";
    let (documents, _) = load_rule_file(&Arc::new(SourceFile::new("t.yml", text)));
    let Some(RuleDocument::Detection(rule)) = documents.into_iter().next() else {
        panic!()
    };
    let expr = crate::ir::lower_rule(&rule).unwrap().expr;
    let verdict = evaluate(
        &expr,
        &Event::Json(json!({"CommandLine": "cmd.exe /c dir"})),
    )
    .unwrap();
    assert!(!verdict.matched);
    assert_eq!(
        verdict.reason,
        "CommandLine contains 'whoami' was false: value was 'cmd.exe /c dir'"
    );
}
