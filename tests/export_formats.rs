//! The value encoders of the export formats, as properties: any string written as a YAML
//! scalar reads back identically through the project's YAML loader, at any depth; any value
//! the conf format can hold reads back identically through a conf reader.

mod export_support;

use export_support::parse_conf;
use proptest::prelude::*;
use siemc::diagnostic::SourceFile;
use siemc::export::format::{arm_string, conf_value, conf_value_problem, yaml_scalar};
use siemc::yaml::{self, ScalarValue};
use std::sync::Arc;

fn read_back(document: &str, path: &[&str]) -> (String, bool) {
    let file = Arc::new(SourceFile::new("t.yaml", document));
    let (documents, diagnostics) = yaml::load_documents(&file);
    assert!(
        diagnostics.is_empty(),
        "{document:?}: {:?}",
        diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let mut node = &documents[0].root;
    for key in path {
        node = match key.parse::<usize>() {
            Ok(index) => &node.as_sequence().unwrap()[index],
            Err(_) => node.get(key).unwrap(),
        };
    }
    let scalar = node.as_scalar().unwrap();
    (
        scalar.text.clone(),
        matches!(scalar.value(), ScalarValue::String(_)),
    )
}

/// Strings with the characters that break naive YAML writing.
fn awkward_string() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\n".to_string()),
            Just(" ".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just(": ".to_string()),
            Just(" #".to_string()),
            Just("\\".to_string()),
            Just("\t".to_string()),
            Just("\r".to_string()),
            Just("- ".to_string()),
            Just("|".to_string()),
            Just("{{x}}".to_string()),
            Just("yes".to_string()),
            Just("12".to_string()),
            Just("é€😀".to_string()),
            Just("\u{85}\u{2028}\u{feff}\u{1}".to_string()),
            "[a-zA-Z0-9]{1,6}",
            any::<char>().prop_map(String::from),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_round_trips_as_a_top_level_yaml_value(value in awkward_string()) {
        let document = format!("before: 1\nkey: {}\nafter: 2\n", yaml_scalar(&value, 0));
        let (text, is_string) = read_back(&document, &["key"]);
        prop_assert_eq!(&text, &value, "{:?}", document);
        prop_assert!(is_string, "{:?} reads as a non-string", document);
        prop_assert_eq!(read_back(&document, &["after"]).0, "2");
    }

    #[test]
    fn any_string_round_trips_inside_a_list_of_mappings(value in awkward_string()) {
        let document = format!("items:\n  - first: 1\n    key: {}\n  - first: 2\n", yaml_scalar(&value, 4));
        prop_assert_eq!(&read_back(&document, &["items", "0", "key"]).0, &value, "{:?}", document);
        prop_assert_eq!(read_back(&document, &["items", "1", "first"]).0, "2");
    }

    #[test]
    fn arm_strings_are_json_and_never_expressions(value in awkward_string()) {
        let decoded: String = serde_json::from_str(&arm_string(&value)).unwrap();
        let is_expression = decoded.starts_with('[') && decoded.ends_with(']') && !decoded.starts_with("[[");
        prop_assert!(!is_expression);
        // ARM removes the escaping bracket again.
        let deployed = if decoded.starts_with("[[") && decoded.ends_with(']') { decoded[1..].to_string() } else { decoded };
        prop_assert_eq!(deployed, value);
    }

    #[test]
    fn conf_values_round_trip(value in awkward_string()) {
        let value = value.trim().to_string();
        prop_assume!(conf_value_problem(&value).is_none());
        let text = format!("# c\n[rule]\nsearch = {}\nnext = 1\n", conf_value(&value));
        let stanzas = parse_conf(&text).unwrap();
        prop_assert_eq!(stanzas[0].get("search"), Some(value.as_str()), "{:?}", text);
        prop_assert_eq!(stanzas[0].get("next"), Some("1"));
    }
}

#[test]
fn the_conf_reader_rejects_what_is_not_conf() {
    assert!(
        parse_conf("key = value\n").is_err(),
        "setting outside a stanza"
    );
    assert!(parse_conf("[a]\nno equals sign\n").is_err());
    assert!(
        parse_conf("[a]\nk = 1 \\\n").is_err(),
        "dangling continuation"
    );
    assert!(parse_conf("[a]\nk = 1\nk = 2\n").is_err(), "repeated key");
}
