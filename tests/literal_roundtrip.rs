//! Property: any string value compiles to a KQL and an SPL literal that parses back to exactly
//! that string, both as a bare literal and inside a whole compiled query.

mod common;

use proptest::prelude::*;
use siemc::backend::{Templates, kql, spl};
use siemc::diagnostic::{SourceFile, Span};
use siemc::ir::{Expr, Matcher, Pattern, Predicate};
use siemc::mapping::{MappedRule, ResolvedSource, SentinelSchema};
use siemc::rule::{RuleDocument, load_rule_file};
use std::sync::{Arc, LazyLock};

/// Strings rich in the characters that break queries.
fn awkward_string() -> impl Strategy<Value = String> {
    let awkward = prop_oneof![
        Just('"'),
        Just('\''),
        Just('\\'),
        Just('|'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('`'),
        Just('@'),
        Just('*'),
        Just('?'),
        Just('='),
        Just('('),
        Just(')'),
        Just('['),
        Just(']'),
        Just('\u{0}'),
        Just('\u{1b}'),
        Just('\u{7f}'),
        Just('é'),
        Just('中'),
        Just('🎉'),
        Just('\u{202e}'),
        Just('\u{2028}'),
        any::<char>(),
        proptest::char::range('a', 'z'),
    ];
    proptest::collection::vec(awkward, 0..40).prop_map(|chars| chars.into_iter().collect())
}

static RULE: LazyLock<Box<siemc::rule::Rule>> = LazyLock::new(rule);
static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::embedded);

fn rule() -> Box<siemc::rule::Rule> {
    let text =
        "title: t\nlogsource: {product: test}\ndetection:\n  sel: {F: x}\n  condition: sel\n";
    let (documents, _) = load_rule_file(&Arc::new(SourceFile::new("t.yml", text)));
    match documents.into_iter().next() {
        Some(RuleDocument::Detection(rule)) => rule,
        _ => unreachable!("the test rule is valid"),
    }
}

fn cased_equality(value: &str) -> MappedRule {
    MappedRule {
        source: ResolvedSource {
            table: Some("T".into()),
            filter: None,
            search: Some("index=main".into()),
            function: false,
            datamodel: None,
            matched: "{product: test}".into(),
        },
        expr: Expr::Predicate(Predicate {
            field: Some("F".into()),
            matcher: Matcher::Text {
                pattern: Pattern::literal(value),
                cased: true,
            },
            span: Span::default(),
            origin: None,
        }),
        notes: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn kql_literals_round_trip(value in awkward_string()) {
        let literal = kql::literal::string(&value);
        prop_assert!(!literal.contains('\n'), "a KQL literal cannot span lines: {literal:?}");
        prop_assert_eq!(kql::literal::parse_string(&literal), Some(value));
    }

    #[test]
    fn spl_literals_round_trip(value in awkward_string()) {
        prop_assert_eq!(spl::literal::parse_string(&spl::literal::string(&value)), Some(value));
    }

    #[test]
    fn values_survive_whole_queries(value in awkward_string()) {
        let rule = &*RULE;
        let mapped = cased_equality(&value);
        let templates = &*TEMPLATES;
        let kql_query = kql::compile(rule, &mapped, SentinelSchema::builtin(), templates).unwrap();
        let prefix = "T\n| where F == ";
        prop_assert!(kql_query.starts_with(prefix), "{kql_query}");
        prop_assert_eq!(kql::literal::parse_string(&kql_query[prefix.len()..]), Some(value.clone()));

        let spl_query = spl::compile(rule, &mapped, templates).unwrap();
        if value.is_empty()
            || value
                .chars()
                .any(|c| c.is_control() || siemc::text::is_bidi_control(c))
        {
            // Control and bidirectional characters travel as `\x{..}` escapes of an exact,
            // anchored regex.
            let prefix = "index=main\n| where ";
            prop_assert!(spl_query.starts_with(prefix), "{spl_query}");
            let test = &spl_query[prefix.len()..];
            let expected = if value.is_empty() {
                "F=\"\"".to_string()
            } else {
                let regex = Pattern::literal(value.as_str()).to_regex(true);
                prop_assert!(!regex
                    .chars()
                    .any(|c| c.is_control() || siemc::text::is_bidi_control(c)));
                format!("match(F, {})", spl::literal::string(&regex))
            };
            prop_assert_eq!(test, expected);
        } else {
            let prefix = "index=main\n| where F=";
            prop_assert!(spl_query.starts_with(prefix), "{spl_query}");
            prop_assert_eq!(spl::literal::parse_string(&spl_query[prefix.len()..]), Some(value));
        }
    }
}
