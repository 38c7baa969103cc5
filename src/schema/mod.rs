//! The JSON Schema (draft 2020-12) of the rule format, for editors: Sigma v2 detection rules,
//! correlation rules and filters, with siemc's `tests:` and `deploy:` extensions.
//!
//! Takes: nothing. Gives: the schema text `siemc schema` prints. It describes one YAML document;
//! the YAML language server checks each document of a multi-document file against it. The
//! schema is a hand-written JSON file (`rule.schema.json`) so that it reads as what it is; the
//! tests validate every shipped rule and fixture (and SigmaHQ's rules) against it and check
//! that broken fixtures fail.

/// The schema, as `siemc schema` prints it.
pub const RULE_SCHEMA: &str = include_str!("rule.schema.json");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Modifier;

    #[test]
    fn schema_is_json_and_knows_every_modifier() {
        let schema: serde_json::Value = serde_json::from_str(RULE_SCHEMA).expect("valid JSON");
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let key_pattern = schema["$defs"]["fieldKey"]["pattern"].as_str().unwrap();
        for (name, _) in Modifier::ALL {
            assert!(
                key_pattern.contains(&format!("|{name}|"))
                    || key_pattern.contains(&format!("({name}|"))
                    || key_pattern.contains(&format!("|{name})")),
                "modifier `{name}` missing from the field key pattern"
            );
        }
    }
}
