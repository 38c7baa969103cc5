//! MITRE ATT&CK tags (`attack.t1078.004`, `attack.initial-access`) to Sentinel tactics and
//! techniques.
//!
//! Takes: a rule's `tags`. Gives: [`Attack`]: the techniques as written (sub-techniques kept,
//! as Sentinel's `relevantTechniques` allows), their parent techniques (ARM's `techniques`),
//! and the tactics in Sentinel's CamelCase names: the rule's own tactic tags plus every tactic
//! Sentinel's content validation requires for each technique (the parent technique's row of
//! `mappings/sentinel-technique-tactics.json`, taken from the Azure-Sentinel validator).

use crate::diagnostic::Diagnostic;
use crate::rule::Rule;
use std::collections::HashMap;
use std::sync::OnceLock;

/// ATT&CK tactic tag names and Sentinel's names for them, in kill-chain order (the order
/// tactics are listed in the output). `PreAttack` is Sentinel's legacy tactic that its
/// validator still requires next to reconnaissance and resource-development techniques.
const TACTICS: &[(&str, &str)] = &[
    ("", "PreAttack"),
    ("reconnaissance", "Reconnaissance"),
    ("resource-development", "ResourceDevelopment"),
    ("initial-access", "InitialAccess"),
    ("execution", "Execution"),
    ("persistence", "Persistence"),
    ("privilege-escalation", "PrivilegeEscalation"),
    ("defense-evasion", "DefenseEvasion"),
    ("credential-access", "CredentialAccess"),
    ("discovery", "Discovery"),
    ("lateral-movement", "LateralMovement"),
    ("collection", "Collection"),
    ("command-and-control", "CommandAndControl"),
    ("exfiltration", "Exfiltration"),
    ("impact", "Impact"),
    ("impair-process-control", "ImpairProcessControl"),
    ("inhibit-response-function", "InhibitResponseFunction"),
];

/// The ATT&CK content of a rule's tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attack {
    /// Sentinel tactic names, kill-chain order, no duplicates.
    pub tactics: Vec<String>,
    /// Technique ids as tagged (`T1078.004`), first occurrence order, no duplicates.
    pub techniques: Vec<String>,
    /// Parent technique ids (`T1078`), for APIs that only take those.
    pub parent_techniques: Vec<String>,
}

/// Technique id (upper case, without sub-technique) → the Sentinel tactics its validation
/// requires (`mappings/sentinel-technique-tactics.json`).
pub(crate) fn technique_tactics() -> &'static HashMap<String, Vec<String>> {
    static TABLE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            techniques: HashMap<String, Vec<String>>,
        }
        let file: File = serde_json::from_str(include_str!(
            "../../mappings/sentinel-technique-tactics.json"
        ))
        .expect("the embedded technique table is valid JSON");
        file.techniques
    })
}

/// The tactics Sentinel requires with a technique (sub-techniques use their parent's row).
pub fn required_tactics(technique: &str) -> Option<&'static [String]> {
    let parent = technique.split('.').next().unwrap_or(technique);
    technique_tactics().get(parent).map(Vec::as_slice)
}

/// Reads the `attack.*` tags of a rule. Tags of other namespaces, ATT&CK groups (`g0001`) and
/// software (`s0001`) are ignored; an `attack.` tag that is none of those is a warning.
pub fn read_attack_tags(rule: &Rule, diagnostics: &mut Vec<Diagnostic>) -> Attack {
    let mut tactic_flags = vec![false; TACTICS.len()];
    let mut attack = Attack::default();
    for tag in &rule.meta.tags {
        let Some(name) = tag.value.strip_prefix("attack.") else {
            continue;
        };
        // `credential_access`: the underscore spelling of older Sigma rules names the same
        // tactic (`check` suggests the rename).
        let name = name.to_ascii_lowercase().replace('_', "-");
        if let Some(index) = TACTICS
            .iter()
            .position(|(tag, _)| *tag == name && !tag.is_empty())
        {
            tactic_flags[index] = true;
        } else if let Some(technique) = technique_id(&name) {
            match required_tactics(&technique) {
                Some(tactics) => {
                    for tactic in tactics {
                        if let Some(index) = TACTICS.iter().position(|(_, t)| t == tactic) {
                            tactic_flags[index] = true;
                        }
                    }
                }
                None => diagnostics.push(
                    Diagnostic::warning(
                        "export-unknown-technique",
                        format!("technique {technique} is not in Sentinel's technique table"),
                    )
                    .in_file(&rule.file)
                    .at(tag.span, "unknown technique")
                    .with_help(
                        "Sentinel cannot check its tactics; list them as attack.<tactic> tags yourself",
                    ),
                ),
            }
            let parent = technique
                .split('.')
                .next()
                .unwrap_or(&technique)
                .to_string();
            if !attack.parent_techniques.contains(&parent) {
                attack.parent_techniques.push(parent);
            }
            if !attack.techniques.contains(&technique) {
                attack.techniques.push(technique);
            }
        } else if !is_group_or_software(&name) {
            diagnostics.push(
                Diagnostic::warning(
                    "export-unknown-attack-tag",
                    format!("`{}` is not an ATT&CK tactic, technique, group or software tag", tag.value),
                )
                .in_file(&rule.file)
                .at(tag.span, "ignored by export")
                .with_help("tactics are written like attack.initial-access, techniques like attack.t1078.004"),
            );
        }
    }
    attack.tactics = TACTICS
        .iter()
        .zip(tactic_flags)
        .filter(|(_, flagged)| *flagged)
        .map(|((_, sentinel), _)| sentinel.to_string())
        .collect();
    attack
}

/// The ATT&CK tactic name (`initial-access`) of a Sentinel tactic (`InitialAccess`); `None` for
/// Sentinel's legacy `PreAttack`, which ATT&CK does not have.
pub fn attack_tactic_name(sentinel: &str) -> Option<&'static str> {
    TACTICS
        .iter()
        .find(|(tag, name)| *name == sentinel && !tag.is_empty())
        .map(|(tag, _)| *tag)
}

/// Position of an ATT&CK tactic name in kill-chain order (unknown names last).
pub fn tactic_order(tactic: &str) -> usize {
    TACTICS
        .iter()
        .position(|(tag, _)| *tag == tactic)
        .unwrap_or(TACTICS.len())
}

/// `t1078` → `T1078`, `t1078.004` → `T1078.004`.
pub fn technique_id(name: &str) -> Option<String> {
    let digits = name.strip_prefix('t')?;
    let (main, sub) = match digits.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (digits, None),
    };
    let all_digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(main, 4) || sub.is_some_and(|s| !all_digits(s, 3)) {
        return None;
    }
    Some(match sub {
        Some(sub) => format!("T{main}.{sub}"),
        None => format!("T{main}"),
    })
}

fn is_group_or_software(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('g' | 's')) && name.len() == 5 && chars.all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_techniques_use_the_parent_row() {
        let tactics = required_tactics("T1078.004").unwrap();
        for tactic in [
            "InitialAccess",
            "Persistence",
            "PrivilegeEscalation",
            "DefenseEvasion",
        ] {
            assert!(tactics.iter().any(|t| t == tactic), "{tactic}");
        }
        assert_eq!(technique_id("t1078.004").as_deref(), Some("T1078.004"));
        assert_eq!(technique_id("t107"), None);
        assert_eq!(technique_id("t1078.04"), None);
    }

    #[test]
    fn every_tactic_of_the_table_has_a_name_here() {
        for tactics in technique_tactics().values() {
            for tactic in tactics {
                assert!(
                    TACTICS.iter().any(|(_, name)| name == tactic),
                    "{tactic} missing from TACTICS"
                );
            }
        }
    }
}
