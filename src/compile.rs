//! The compile pipeline: rule files to queries, stage by stage.
//!
//! Takes: rule files and the target's mapping and templates. Gives: one [`CompiledQuery`] per
//! detection rule that compiles, and the diagnostics of every other document, so one bad rule
//! never hides the results of the good ones.

use crate::backend::{self, Templates};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::ir;
use crate::mapping::{Mapping, SentinelSchema, Target};
use crate::query::kql as kql_validator;
use crate::rule::{self, Rule, RuleDocument};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Everything a compilation needs besides the rules.
pub struct Compiler {
    pub target: Target,
    pub mapping: Mapping,
    pub templates: Templates,
    pub schema: &'static SentinelSchema,
}

/// The query of one rule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CompiledQuery {
    pub path: String,
    pub id: Option<String>,
    pub title: String,
    pub target: &'static str,
    pub query: String,
}

/// Every KQL query siemc prints has passed its own validator (DESIGN.md §6). Only syntax
/// errors count: unknown columns in generated queries come from mapping files, and a schema
/// warning must not stop a compile.
fn validate_generated_kql(rule: &Rule, query: String) -> Result<String, Vec<Diagnostic>> {
    let generated = Arc::new(SourceFile::new("<generated KQL query>", query));
    let errors: Vec<String> = kql_validator::syntax_diagnostics(&generated)
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|diagnostic| {
            let position = diagnostic
                .start_position()
                .map(|p| format!(" (query line {}, column {})", p.line, p.column))
                .unwrap_or_default();
            format!("{}{position}", diagnostic.message)
        })
        .collect();
    if errors.is_empty() {
        return Ok(
            Arc::try_unwrap(generated).map_or_else(|shared| shared.text.clone(), |file| file.text)
        );
    }
    Err(vec![
        Diagnostic::error(
            "internal-invalid-query",
            format!(
                "siemc generated a KQL query that its own validator rejects; this is a bug in siemc, please report it: {}",
                errors.join("; ")
            ),
        )
        .in_file(&rule.file)
        .at(rule.span, "this rule")
        .with_help(format!("the generated query was:\n{}", generated.text)),
    ])
}

/// The results of compiling a set of files.
#[derive(Debug, Default)]
pub struct CompileOutcome {
    pub queries: Vec<CompiledQuery>,
    pub diagnostics: Vec<Diagnostic>,
    /// Detection rules seen (compiled or not).
    pub rules_seen: usize,
}

impl Compiler {
    pub fn new(target: Target, mapping: Mapping, templates: Templates) -> Compiler {
        Compiler {
            target,
            mapping,
            templates,
            schema: SentinelSchema::builtin(),
        }
    }

    /// Compiles one detection rule through lower → map → backend.
    pub fn compile_rule(&self, rule: &Rule) -> Result<String, Vec<Diagnostic>> {
        let lowered = ir::lower_rule(rule)?;
        let mapped = self.mapping.map_rule(rule, &lowered)?;
        match self.target {
            Target::Kql => {
                let query = backend::kql::compile(rule, &mapped, self.schema, &self.templates)?;
                validate_generated_kql(rule, query)
            }
            Target::Spl => backend::spl::compile(rule, &mapped, &self.templates),
        }
    }

    /// Compiles every document of a loaded file.
    pub fn compile_file(&self, file: &Arc<SourceFile>, outcome: &mut CompileOutcome) {
        let (documents, diagnostics) = rule::load_rule_file(file);
        outcome.diagnostics.extend(diagnostics);
        for document in documents {
            match document {
                RuleDocument::Detection(rule) => {
                    outcome.rules_seen += 1;
                    match self.compile_rule(&rule) {
                        Ok(query) => outcome.queries.push(CompiledQuery {
                            path: file.display_path(),
                            id: rule.id().map(str::to_string),
                            title: rule.title().to_string(),
                            target: self.target.name(),
                            query,
                        }),
                        Err(errors) => outcome.diagnostics.extend(errors),
                    }
                }
                RuleDocument::Correlation(correlation) => outcome.diagnostics.push(
                    Diagnostic::error(
                        "unsupported-correlation",
                        "correlation rules are not compiled by this version of siemc",
                    )
                    .in_file(file)
                    .at(correlation.kind.span, "correlation rule")
                    .with_help("the rules it refers to are compiled on their own"),
                ),
                RuleDocument::Filter(filter) => outcome.diagnostics.push(
                    Diagnostic::error(
                        "unsupported-filter",
                        "Sigma filter documents are not applied by this version of siemc",
                    )
                    .in_file(file)
                    .at(filter.span, "filter document"),
                ),
            }
        }
    }

    /// Compiles files (already expanded from directories). Files are spread over the machine's
    /// cores; results and diagnostics come back in the order of `paths`.
    pub fn compile_paths(&self, paths: &[PathBuf]) -> CompileOutcome {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(paths.len().div_ceil(64))
            .max(1);
        let next = AtomicUsize::new(0);
        let mut per_file: Vec<(usize, CompileOutcome)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(path) = paths.get(index) else { break };
                            let mut outcome = CompileOutcome::default();
                            match rule::read_source(path) {
                                Ok(file) => self.compile_file(&file, &mut outcome),
                                Err(diagnostic) => outcome.diagnostics.push(diagnostic),
                            }
                            done.push((index, outcome));
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a compile worker panicked"))
                .collect()
        });
        per_file.sort_by_key(|(index, _)| *index);
        let mut outcome = CompileOutcome::default();
        for (_, file_outcome) in per_file {
            outcome.queries.extend(file_outcome.queries);
            outcome.diagnostics.extend(file_outcome.diagnostics);
            outcome.rules_seen += file_outcome.rules_seen;
        }
        outcome
    }
}
