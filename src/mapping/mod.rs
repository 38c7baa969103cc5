//! Mapping: where a rule's log source lives in a target, and what its fields are called there.
//!
//! Takes: a lowered rule (Sigma field names, symbolic placeholders) and the mapping files of a
//! target (built-in first, then each `--mapping FILE`; later files win).
//! Gives: a [`MappedRule`]: the table (KQL) or base search (SPL) and the expression with target
//! field names and placeholders expanded, or a diagnostic naming the unmapped log source or the
//! unresolved placeholder.

pub mod coverage;
mod file;
mod schema;

pub use file::{MappingFile, SourceEntry};
pub use schema::{ColumnType, SentinelSchema};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::ir::{Expr, LoweredRule, Matcher, Pattern, PatternPart, Predicate, parse_sigma_string};
use crate::rule::Rule;
use std::path::Path;
use std::sync::Arc;

/// The query languages siemc compiles to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Kql,
    Spl,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Kql => "kql",
            Target::Spl => "spl",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        match name {
            "kql" => Some(Target::Kql),
            "spl" => Some(Target::Spl),
            _ => None,
        }
    }

    fn builtin_mapping(self) -> (&'static str, &'static str) {
        match self {
            Target::Kql => (
                "<built-in>/mappings/kql.yml",
                include_str!("../../mappings/kql.yml"),
            ),
            Target::Spl => (
                "<built-in>/mappings/spl.yml",
                include_str!("../../mappings/spl.yml"),
            ),
        }
    }
}

/// The mapping files of one target, in precedence order (last wins).
#[derive(Debug, Clone)]
pub struct Mapping {
    pub target: Target,
    files: Vec<MappingFile>,
}

/// Where a rule's events are found in the target.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSource {
    /// KQL: the table.
    pub table: Option<String>,
    /// KQL: an extra condition that selects the log source's rows in the table.
    pub filter: Option<String>,
    /// SPL: the base search.
    pub search: Option<String>,
    /// The logsource of the mapping entry that matched, e.g. `{product: windows, service: security}`.
    pub matched: String,
}

/// A rule placed in a target: its source and its expression over target field names.
#[derive(Debug, Clone)]
pub struct MappedRule {
    pub source: ResolvedSource,
    pub expr: Expr,
}

impl Mapping {
    /// The built-in mapping of a target (embedded in the binary).
    pub fn builtin(target: Target) -> Mapping {
        let (path, text) = target.builtin_mapping();
        let file = Arc::new(SourceFile::new(path, text));
        let parsed = MappingFile::parse(&file, Some(target))
            .unwrap_or_else(|errors| panic!("built-in mapping {path} is invalid: {errors:?}"));
        Mapping {
            target,
            files: vec![parsed],
        }
    }

    /// The built-in mapping followed by user files (later files win). Files for the other
    /// target are skipped, so one `--mapping` list can serve both targets.
    pub fn with_files(
        target: Target,
        paths: &[impl AsRef<Path>],
    ) -> Result<Mapping, Vec<Diagnostic>> {
        let mut mapping = Mapping::builtin(target);
        let mut errors = Vec::new();
        for path in paths {
            let file = match crate::rule::read_source(path.as_ref()) {
                Ok(file) => file,
                Err(diagnostic) => {
                    errors.push(diagnostic);
                    continue;
                }
            };
            match MappingFile::parse(&file, None) {
                Ok(parsed) if parsed.target == target => mapping.files.push(parsed),
                Ok(_) => {}
                Err(diagnostics) => errors.extend(diagnostics),
            }
        }
        if errors.is_empty() {
            Ok(mapping)
        } else {
            Err(errors)
        }
    }

    pub fn files(&self) -> &[MappingFile] {
        &self.files
    }

    /// The most specific entry whose every logsource key matches the rule's; among equally
    /// specific entries the later file wins, and within a file the first entry.
    pub fn find_source(&self, rule: &Rule) -> Option<(&MappingFile, &SourceEntry)> {
        self.find_source_for(&rule.logsource)
    }

    /// [`Mapping::find_source`] for a log source alone (an editor asks before the rule loads).
    pub fn find_source_for(
        &self,
        logsource: &crate::rule::LogSource,
    ) -> Option<(&MappingFile, &SourceEntry)> {
        self.find_source_by_keys(&logsource.keys())
    }

    /// [`Mapping::find_source`] for a logsource given as `(key, value)` pairs.
    pub fn find_source_by_keys(
        &self,
        keys: &[(&str, &str)],
    ) -> Option<(&MappingFile, &SourceEntry)> {
        let mut best: Option<(usize, usize, &MappingFile, &SourceEntry)> = None;
        for (file_index, file) in self.files.iter().enumerate() {
            for entry in &file.sources {
                let matches = entry.logsource.iter().all(|(key, value)| {
                    keys.iter()
                        .any(|(k, v)| k == key && v.eq_ignore_ascii_case(value))
                });
                if !matches {
                    continue;
                }
                let specificity = entry.logsource.len();
                let better = match best {
                    None => true,
                    Some((best_specificity, best_file, _, _)) => {
                        specificity > best_specificity
                            || (specificity == best_specificity && file_index > best_file)
                    }
                };
                if better {
                    best = Some((specificity, file_index, file, entry));
                }
            }
        }
        best.map(|(_, _, file, entry)| (file, entry))
    }

    /// The target name of a Sigma field for a source entry.
    pub fn field_name(&self, entry: &SourceEntry, field: &str) -> String {
        if let Some(target) = entry.fields.get(field) {
            return target.clone();
        }
        for file in self.files.iter().rev() {
            if let Some(target) = file.fields.get(field) {
                return target.clone();
            }
        }
        field.to_string()
    }

    fn placeholder(&self, name: &str) -> Option<&[String]> {
        self.files
            .iter()
            .rev()
            .find_map(|file| file.placeholders.get(name).map(Vec::as_slice))
    }

    /// Places a lowered rule in this target.
    pub fn map_rule(
        &self,
        rule: &Rule,
        lowered: &LoweredRule,
    ) -> Result<MappedRule, Vec<Diagnostic>> {
        let Some((_, entry)) = self.find_source(rule) else {
            let origins: Vec<String> = self.files.iter().map(|f| f.file.display_path()).collect();
            return Err(vec![
                Diagnostic::error(
                    "unmapped-logsource",
                    format!(
                        "no {} mapping for logsource {}",
                        self.target.name(),
                        rule.logsource.describe()
                    ),
                )
                .in_file(&rule.file)
                .at(rule.logsource.span, "this log source")
                .with_help(format!(
                    "add the entry `- logsource: {}` with {} under `sources:` in a mapping file (`target: {}`) and pass it with --mapping; mappings searched: {}",
                    rule.logsource.describe(),
                    match self.target {
                        Target::Kql => "`table: <the Sentinel table that holds these events>`",
                        Target::Spl => "`search: '<the base search that selects these events>'`",
                    },
                    self.target.name(),
                    origins.join(", ")
                )),
            ]);
        };
        let mut errors = Vec::new();
        let expr = lowered
            .expr
            .clone()
            .try_map_predicates(&mut |predicate: Predicate| -> Result<Expr, ()> {
                match self.map_predicate(rule, entry, predicate) {
                    Ok(expr) => Ok(expr),
                    Err(diagnostic) => {
                        errors.push(diagnostic);
                        // Keep walking so every unresolved placeholder is reported.
                        Ok(Expr::and(Vec::new()))
                    }
                }
            })
            .expect("errors are collected, never returned");
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(MappedRule {
            source: ResolvedSource {
                table: entry.table.clone(),
                filter: entry.filter.clone(),
                search: entry.search.clone(),
                matched: entry.describe(),
            },
            expr,
        })
    }

    fn map_predicate(
        &self,
        rule: &Rule,
        entry: &SourceEntry,
        mut predicate: Predicate,
    ) -> Result<Expr, Diagnostic> {
        predicate.field = predicate.field.map(|f| self.field_name(entry, &f));
        if let Matcher::FieldRef { other, .. } = &mut predicate.matcher {
            *other = self.field_name(entry, other);
        }
        self.expand_predicate(rule, predicate)
    }

    /// Expands `|expand` placeholders only, keeping Sigma field names (for `siemc test`).
    pub fn expand_placeholders(&self, rule: &Rule, expr: &Expr) -> Result<Expr, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let expanded = expr
            .clone()
            .try_map_predicates(&mut |predicate: Predicate| -> Result<Expr, ()> {
                Ok(self
                    .expand_predicate(rule, predicate)
                    .unwrap_or_else(|diagnostic| {
                        errors.push(diagnostic);
                        Expr::and(Vec::new())
                    }))
            })
            .expect("errors are collected, never returned");
        if errors.is_empty() {
            Ok(expanded)
        } else {
            Err(errors)
        }
    }

    fn expand_predicate(&self, rule: &Rule, predicate: Predicate) -> Result<Expr, Diagnostic> {
        let Matcher::Text { pattern, cased } = &predicate.matcher else {
            return Ok(Expr::Predicate(predicate));
        };
        if !pattern.has_placeholder() {
            return Ok(Expr::Predicate(predicate));
        }
        let mut expansions: Vec<Pattern> = vec![Pattern::default()];
        for part in &pattern.parts {
            match part {
                PatternPart::Placeholder(name) => {
                    let Some(values) = self.placeholder(name) else {
                        return Err(Diagnostic::error(
                            "unresolved-placeholder",
                            format!("placeholder `%{name}%` has no values in the {} mapping", self.target.name()),
                        )
                        .in_file(predicate.file(&rule.file))
                        .at(predicate.span, "used here with `|expand`")
                        .with_help(format!(
                            "define it in a mapping file: `placeholders: {{{name}: [value, ...]}}` and pass it with --mapping"
                        )));
                    };
                    expansions = expansions
                        .into_iter()
                        .flat_map(|prefix| {
                            values.iter().map(move |value| {
                                prefix.clone().concat(parse_sigma_string(value, false))
                            })
                        })
                        .collect();
                }
                other => {
                    for expansion in &mut expansions {
                        expansion.push(other.clone());
                    }
                }
            }
        }
        let cased = *cased;
        Ok(Expr::or(
            expansions
                .into_iter()
                .map(|pattern| {
                    Expr::Predicate(Predicate {
                        field: predicate.field.clone(),
                        matcher: Matcher::Text { pattern, cased },
                        span: predicate.span,
                        origin: predicate.origin.clone(),
                    })
                })
                .collect(),
        ))
    }
}
