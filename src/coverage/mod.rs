//! ATT&CK coverage of a rule set, from the rules' `attack.tNNNN[.NNN]` tags.
//!
//! Takes: the loaded rule documents (detection and correlation rules; filters have no tags that
//! count), optionally a compiler: then only the rules that compile for its target count.
//! Gives: [`Coverage`]: per technique the rules that tag it (titles, levels, statuses) and its
//! tactics (the technique → tactic table of `mappings/sentinel-technique-tactics.json`, shared
//! with export; a sub-technique takes its parent's row), rendered as an ATT&CK Navigator layer
//! (layer format 4.5), as JSON, or as a table by tactic.

use crate::compile::Compiler;
use crate::correlation::{self, RuleIndex};
use crate::export::attack::{attack_tactic_name, required_tactics, tactic_order, technique_id};
use crate::rule::{Metadata, RuleDocument};
use serde::Serialize;
use std::collections::BTreeMap;

/// One rule counted by the coverage.
#[derive(Debug, Clone, Serialize)]
pub struct CoveredRule {
    pub path: String,
    pub id: Option<String>,
    pub title: String,
    pub level: Option<String>,
    pub status: Option<String>,
}

/// The rules that tag one technique.
#[derive(Debug, Clone, Serialize)]
pub struct TechniqueCoverage {
    /// `T1078` or `T1078.004`.
    pub technique: String,
    /// ATT&CK tactic names (`initial-access`) in kill-chain order; empty for a technique the
    /// table does not know.
    pub tactics: Vec<String>,
    /// Rule count (the Navigator score).
    pub rules: usize,
    pub levels: BTreeMap<String, usize>,
    pub statuses: BTreeMap<String, usize>,
    pub titles: Vec<String>,
    /// Which rules (their position among the rules counted), to count rules per tactic.
    #[serde(skip)]
    rule_numbers: Vec<usize>,
}

/// The coverage of a rule set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Rules considered (detection and correlation rules; with a target, those that compile).
    pub rules: usize,
    /// Rules that tag at least one technique.
    pub rules_with_techniques: usize,
    /// Rules left out because they do not compile for the target.
    pub not_compiled: usize,
    /// Levels and statuses over every rule considered (`none` when the key is absent).
    pub levels: BTreeMap<String, usize>,
    pub statuses: BTreeMap<String, usize>,
    /// Techniques by id.
    pub techniques: Vec<TechniqueCoverage>,
}

impl Coverage {
    /// Counts the rules of `documents`; with `compiler`, only those that compile for its target.
    pub fn of<'a>(
        documents: impl IntoIterator<Item = (&'a str, &'a RuleDocument)>,
        compiler: Option<&Compiler>,
    ) -> Coverage {
        let documents: Vec<(&str, &RuleDocument)> = documents.into_iter().collect();
        let index = RuleIndex::new(documents.iter().map(|(_, d)| *d));
        let mut coverage = Coverage::default();
        let mut techniques: BTreeMap<String, TechniqueCoverage> = BTreeMap::new();
        for (path, document) in &documents {
            let meta = match document {
                RuleDocument::Detection(rule) => &rule.meta,
                RuleDocument::Correlation(correlation) => &correlation.meta,
                RuleDocument::Filter(_) => continue,
            };
            if let Some(compiler) = compiler {
                let compiles = match document {
                    RuleDocument::Detection(rule) => compiler.compile_rule(rule).is_ok(),
                    RuleDocument::Correlation(correlation) => {
                        correlation::resolve(correlation, &index)
                            .and_then(|plan| compiler.compile_correlation(&plan))
                            .is_ok()
                    }
                    RuleDocument::Filter(_) => false,
                };
                if !compiles {
                    coverage.not_compiled += 1;
                    continue;
                }
            }
            let rule = covered_rule(path, meta);
            coverage.rules += 1;
            *coverage.levels.entry(key_or_none(&rule.level)).or_default() += 1;
            *coverage
                .statuses
                .entry(key_or_none(&rule.status))
                .or_default() += 1;
            let ids = rule_techniques(meta);
            if !ids.is_empty() {
                coverage.rules_with_techniques += 1;
            }
            for id in ids {
                let entry = techniques
                    .entry(id.clone())
                    .or_insert_with(|| TechniqueCoverage {
                        tactics: tactics_of(&id),
                        technique: id,
                        rules: 0,
                        levels: BTreeMap::new(),
                        statuses: BTreeMap::new(),
                        titles: Vec::new(),
                        rule_numbers: Vec::new(),
                    });
                entry.rule_numbers.push(coverage.rules);
                entry.rules += 1;
                *entry.levels.entry(key_or_none(&rule.level)).or_default() += 1;
                *entry.statuses.entry(key_or_none(&rule.status)).or_default() += 1;
                entry.titles.push(rule.title.clone());
            }
        }
        coverage.techniques = techniques.into_values().collect();
        coverage
    }

    /// An ATT&CK Navigator layer (format 4.5, enterprise-attack): score = rule count, comment =
    /// the rule titles, levels and statuses as technique metadata.
    pub fn navigator_layer(&self, name: &str) -> serde_json::Value {
        let max_score = self.techniques.iter().map(|t| t.rules).max().unwrap_or(0);
        let techniques: Vec<serde_json::Value> = self
            .techniques
            .iter()
            .map(|t| {
                let mut metadata: Vec<serde_json::Value> = Vec::new();
                for (level, count) in &t.levels {
                    metadata.push(serde_json::json!({"name": format!("level {level}"), "value": count.to_string()}));
                }
                for (status, count) in &t.statuses {
                    metadata.push(serde_json::json!({"name": format!("status {status}"), "value": count.to_string()}));
                }
                serde_json::json!({
                    "techniqueID": t.technique,
                    "score": t.rules,
                    "comment": t.titles.join("\n"),
                    "enabled": true,
                    "metadata": metadata,
                    "showSubtechniques": false,
                })
            })
            .collect();
        serde_json::json!({
            "name": name,
            "versions": {"layer": "4.5", "navigator": "5.1.0"},
            "domain": "enterprise-attack",
            "description": format!(
                "siemc coverage: {} rules, {} with ATT&CK techniques, {} techniques; score = number of rules",
                self.rules,
                self.rules_with_techniques,
                self.techniques.len()
            ),
            "sorting": 3,
            "layout": {"layout": "side", "showID": true, "showName": true, "expandedSubtechniques": "annotated"},
            "hideDisabled": false,
            "techniques": techniques,
            "gradient": {
                "colors": ["#e3f2fd", "#1565c0"],
                "minValue": 0,
                // The format requires maxValue > minValue.
                "maxValue": max_score.max(1),
            },
            "legendItems": [],
            "metadata": [
                {"name": "rules", "value": self.rules.to_string()},
                {"name": "rules with techniques", "value": self.rules_with_techniques.to_string()},
            ],
        })
    }

    /// The table by tactic of `--format human`.
    pub fn human_table(&self) -> String {
        let mut out = format!(
            "ATT&CK coverage: {} rules, {} with techniques, {} techniques\n",
            self.rules,
            self.rules_with_techniques,
            self.techniques.len()
        );
        if self.not_compiled > 0 {
            out.push_str(&format!(
                "({} rules left out: they do not compile for the target)\n",
                self.not_compiled
            ));
        }
        out.push_str(&format!("levels: {}\n", counts(&self.levels)));
        out.push_str(&format!("statuses: {}\n", counts(&self.statuses)));
        let mut by_tactic: BTreeMap<(usize, String), Vec<&TechniqueCoverage>> = BTreeMap::new();
        for technique in &self.techniques {
            if technique.tactics.is_empty() {
                by_tactic
                    .entry((usize::MAX, "(technique not in the table)".into()))
                    .or_default()
                    .push(technique);
            }
            for tactic in &technique.tactics {
                by_tactic
                    .entry((tactic_order(tactic), tactic.clone()))
                    .or_default()
                    .push(technique);
            }
        }
        for ((_, tactic), techniques) in by_tactic {
            let mut rules: Vec<usize> = techniques
                .iter()
                .flat_map(|t| t.rule_numbers.iter().copied())
                .collect();
            rules.sort_unstable();
            rules.dedup();
            out.push_str(&format!(
                "\n{tactic}: {} by {}\n",
                plural(techniques.len(), "technique"),
                plural(rules.len(), "rule")
            ));
            for t in techniques {
                out.push_str(&format!(
                    "  {:<10} {:<9}  {}\n",
                    t.technique,
                    plural(t.rules, "rule"),
                    counts(&t.levels)
                ));
            }
        }
        out
    }
}

fn covered_rule(path: &str, meta: &Metadata) -> CoveredRule {
    CoveredRule {
        path: path.to_string(),
        id: meta.id.as_ref().map(|v| v.value.clone()),
        title: meta
            .title
            .as_ref()
            .map_or_else(String::new, |t| t.value.clone()),
        level: meta.level.as_ref().map(|v| v.value.to_ascii_lowercase()),
        status: meta.status.as_ref().map(|v| v.value.to_ascii_lowercase()),
    }
}

/// The technique ids a rule tags, without duplicates, in tag order.
fn rule_techniques(meta: &Metadata) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for tag in &meta.tags {
        let Some(name) = tag.value.strip_prefix("attack.") else {
            continue;
        };
        if let Some(id) = technique_id(&name.to_ascii_lowercase())
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

fn tactics_of(technique: &str) -> Vec<String> {
    let mut tactics: Vec<String> = required_tactics(technique)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| attack_tactic_name(t))
        .map(str::to_string)
        .collect();
    tactics.sort_by_key(|t| tactic_order(t));
    tactics.dedup();
    tactics
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn key_or_none(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "none".to_string())
}

fn counts(map: &BTreeMap<String, usize>) -> String {
    if map.is_empty() {
        return "-".to_string();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use std::sync::Arc;

    fn documents(text: &str) -> Vec<RuleDocument> {
        let (documents, diagnostics) =
            crate::rule::load_rule_file(&Arc::new(SourceFile::new("r.yml", text)));
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        documents
    }

    #[test]
    fn counts_techniques_levels_and_tactics() {
        let docs = documents(
            "title: a\nlevel: high\nstatus: test\ntags: [attack.t1078.004, attack.initial-access, attack.T1078.004]\nlogsource: {product: azure, service: signinlogs}\ndetection: {s: {A: 1}, condition: s}\n---\ntitle: b\nlevel: low\ntags: [attack.t1078.004, attack.t1059, cve.2023-1234]\nlogsource: {product: windows}\ndetection: {s: {A: 1}, condition: s}\n---\ntitle: c\nlogsource: {product: windows}\ndetection: {s: {A: 1}, condition: s}\n",
        );
        let coverage = Coverage::of(docs.iter().map(|d| ("r.yml", d)), None);
        assert_eq!(coverage.rules, 3);
        assert_eq!(coverage.rules_with_techniques, 2);
        let t1078 = &coverage.techniques[1];
        assert_eq!(t1078.technique, "T1078.004");
        assert_eq!(t1078.rules, 2, "a tag repeated in one rule counts once");
        assert_eq!(t1078.levels["high"], 1);
        assert_eq!(t1078.statuses["none"], 1);
        assert_eq!(t1078.titles, ["a", "b"]);
        assert!(t1078.tactics.starts_with(&["initial-access".to_string()]));
        assert_eq!(coverage.techniques[0].technique, "T1059");
        assert_eq!(coverage.techniques[0].tactics, ["execution"]);
        assert_eq!(coverage.levels["none"], 1);
        let table = coverage.human_table();
        assert!(
            table.contains("\nexecution: 1 technique by 1 rule\n  T1059      1 rule     low 1\n"),
            "{table}"
        );
        assert!(
            table.contains("\ninitial-access: 1 technique by 2 rules\n"),
            "{table}"
        );
    }
}
