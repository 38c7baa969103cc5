//! The compile pipeline: rule files to queries, stage by stage.
//!
//! Takes: rule files and the target's mapping and templates. Gives: one [`CompiledQuery`] per
//! detection rule that compiles, and the diagnostics of every other document, so one bad rule
//! never hides the results of the good ones.

use crate::backend::{self, Templates};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::ir;
use crate::mapping::{Mapping, SentinelSchema, Target};
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
        self.compile_lowered(rule, &lowered)
    }

    /// The map and backend stages for a rule already lowered (the linter lowers once for
    /// all targets).
    pub fn compile_lowered(
        &self,
        rule: &Rule,
        lowered: &ir::LoweredRule,
    ) -> Result<String, Vec<Diagnostic>> {
        let mapped = self.mapping.map_rule(rule, lowered)?;
        match self.target {
            Target::Kql => backend::kql::compile(rule, &mapped, self.schema, &self.templates),
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
