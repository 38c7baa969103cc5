//! The compile pipeline: rule files to queries, stage by stage.
//!
//! Takes: rule files and the target's mapping and templates. Gives: one [`CompiledQuery`] per
//! detection rule that compiles, and the diagnostics of every other document, so one bad rule
//! never hides the results of the good ones.

use crate::backend::{self, CorrelationMember, Templates};
use crate::correlation::{self, CorrelationPlan, RuleIndex};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::ir;
use crate::mapping::{Mapping, ResolvedSource, SentinelSchema, Target};
use crate::query::kql as kql_validator;
use crate::query::{self, spl::SplCheckOptions};
use crate::rule::{self, Rule, RuleDocument};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs siemc's own validator over a query it generated (DESIGN.md §6: every printed query has
/// passed it). Only errors count: for KQL only syntax errors, since unknown columns in
/// generated queries come from mapping files. A failure is a siemc bug, reported as such.
fn validate_generated(
    target: Target,
    file: &Arc<SourceFile>,
    at: crate::diagnostic::Span,
    query: String,
) -> Result<String, Vec<Diagnostic>> {
    let generated = Arc::new(SourceFile::new(
        format!("<generated {}>", target.name()),
        query,
    ));
    let diagnostics = match target {
        Target::Kql => kql_validator::syntax_diagnostics(&generated),
        Target::Spl => query::spl::check_query(&generated, &SplCheckOptions::default()),
    };
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let position = d
                .start_position()
                .map(|p| format!(" (query line {}, column {})", p.line, p.column))
                .unwrap_or_default();
            format!("[{}] {}{position}", d.code, d.message)
        })
        .collect();
    if errors.is_empty() {
        return Ok(generated.text.clone());
    }
    Err(vec![
        Diagnostic::error(
            "internal-invalid-query",
            format!(
                "siemc bug: the {} query generated for this rule fails siemc's own validator: {}",
                target.name(),
                errors.join("; ")
            ),
        )
        .in_file(file)
        .at(at, "for this rule")
        .with_help(format!(
            "please report it with the rule; the generated query was:\n{}",
            generated.text
        )),
    ])
}

/// Everything a compilation needs besides the rules.
pub struct Compiler {
    pub target: Target,
    pub mapping: Mapping,
    pub templates: Templates,
    /// The typed tables of the mapping's profile (KQL column types).
    pub schema: Arc<SentinelSchema>,
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

/// A rule's query with its source, for stages after compilation (export).
#[derive(Debug, Clone)]
pub struct RuleQuery {
    pub query: String,
    pub source: ResolvedSource,
    /// Target field names the query tests, first use first.
    pub fields: Vec<String>,
    /// The query's output columns when it reshapes its rows (correlations aggregate); `None`
    /// when it returns the table's rows as they are.
    pub output_columns: Option<Vec<String>>,
    /// Warnings and notes that go with the query (custom table, fields emitted unplaced).
    pub notes: Vec<Diagnostic>,
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
            schema: Arc::clone(mapping.schema()),
            mapping,
            templates,
        }
    }

    /// Compiles one detection rule through lower → map → backend.
    pub fn compile_rule(&self, rule: &Rule) -> Result<String, Vec<Diagnostic>> {
        self.compile_rule_with_source(rule)
            .map(|compiled| compiled.query)
    }

    /// Like [`Compiler::compile_rule`], and also says where the events come from and which
    /// target fields the query tests (what `siemc export` needs for entity mappings).
    pub fn compile_rule_with_source(&self, rule: &Rule) -> Result<RuleQuery, Vec<Diagnostic>> {
        let lowered = ir::lower_rule(rule)?;
        self.compile_lowered_with_source(rule, &lowered)
    }

    /// The map and backend stages for a rule already lowered (the linter lowers once for
    /// all targets).
    pub fn compile_lowered(
        &self,
        rule: &Rule,
        lowered: &ir::LoweredRule,
    ) -> Result<String, Vec<Diagnostic>> {
        self.compile_lowered_with_source(rule, lowered)
            .map(|compiled| compiled.query)
    }

    fn compile_lowered_with_source(
        &self,
        rule: &Rule,
        lowered: &ir::LoweredRule,
    ) -> Result<RuleQuery, Vec<Diagnostic>> {
        let mapped = self.mapping.map_rule(rule, lowered)?;
        let query = match self.target {
            Target::Kql => backend::kql::compile(rule, &mapped, &self.schema, &self.templates)
                .and_then(|query| {
                    let title = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
                    validate_generated(Target::Kql, &rule.file, title, query)
                }),
            Target::Spl => {
                backend::spl::compile(rule, &mapped, &self.templates).and_then(|query| {
                    let title = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
                    validate_generated(Target::Spl, &rule.file, title, query)
                })
            }
        }?;
        let mut fields: Vec<String> = Vec::new();
        for predicate in mapped.expr.predicates() {
            if let Some(field) = &predicate.field
                && !fields.contains(field)
            {
                fields.push(field.clone());
            }
        }
        Ok(RuleQuery {
            query,
            source: mapped.source,
            fields,
            output_columns: None,
            notes: mapped.notes,
        })
    }

    /// Compiles a correlation rule: each member through the pipeline, then the backend's
    /// aggregation over them.
    pub fn compile_correlation(
        &self,
        plan: &CorrelationPlan<'_>,
    ) -> Result<String, Vec<Diagnostic>> {
        let mut members = Vec::new();
        let mut errors = Vec::new();
        for member in &plan.members {
            let query = match self.compile_rule(member.rule) {
                Ok(query) => query,
                Err(diagnostics) => {
                    errors.extend(diagnostics);
                    continue;
                }
            };
            let (_, entry) = self
                .mapping
                .find_source(member.rule)
                .expect("a compiled rule has a source");
            if entry.datamodel.is_some() {
                // The aggregation reads the members' events; `tstats` returns counts.
                errors.push(
                    Diagnostic::error(
                        "unsupported-correlation",
                        format!(
                            "profile {} searches this rule's events through a CIM data model with `tstats`, which a correlation cannot aggregate over",
                            self.mapping.profile.name
                        ),
                    )
                    .in_file(&plan.rule.file)
                    .at(plan.rule.kind.span, "this correlation")
                    .with_help("compile correlations with --profile splunk (raw searches)"),
                );
                continue;
            }
            members.push(CorrelationMember {
                label: member.label.clone(),
                query,
                table: entry.table.clone(),
                group_targets: member
                    .group_fields
                    .iter()
                    .map(|(_, field)| self.mapping.field_name(entry, field))
                    .collect(),
                value_target: plan
                    .field
                    .as_deref()
                    .map(|field| self.mapping.field_name(entry, field)),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        match self.target {
            Target::Kql => backend::kql::correlation::compile(plan, &members, &self.schema)
                .and_then(|query| {
                    validate_generated(Target::Kql, &plan.rule.file, plan.rule.kind.span, query)
                }),
            Target::Spl => backend::spl::correlation::compile(plan, &members).and_then(|query| {
                validate_generated(Target::Spl, &plan.rule.file, plan.rule.kind.span, query)
            }),
        }
    }

    /// Compiles files (already expanded from directories). Files are loaded and compiled in
    /// parallel; results and diagnostics come back in the order of `paths`. Correlation rules
    /// see the rules of every file; the rules they correlate are not printed on their own
    /// unless the correlation says `generate: true`.
    pub fn compile_paths(&self, paths: &[PathBuf]) -> CompileOutcome {
        let loaded: Vec<LoadedFile> = parallel_map(paths, |path| match rule::read_source(path) {
            Ok(file) => {
                let (documents, diagnostics) = rule::load_rule_file(&file);
                LoadedFile {
                    file: Some(file),
                    documents,
                    diagnostics: diagnostics.into_vec(),
                }
            }
            Err(diagnostic) => LoadedFile {
                file: None,
                documents: Vec::new(),
                diagnostics: vec![diagnostic],
            },
        });
        let index = RuleIndex::new(loaded.iter().flat_map(|l| l.documents.iter()));
        // Rules that only feed a correlation, by address (the documents outlive this call).
        let mut correlated_only: HashSet<usize> = HashSet::new();
        for document in loaded.iter().flat_map(|l| l.documents.iter()) {
            if let RuleDocument::Correlation(correlation) = document
                && !correlation.generate.as_ref().is_some_and(|g| g.value)
            {
                for reference in &correlation.rules {
                    if let Some(rule) = index.detection(&reference.value) {
                        correlated_only.insert(rule as *const Rule as usize);
                    }
                }
            }
        }
        let work: Vec<(usize, &RuleDocument)> = loaded
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.documents.iter().map(move |d| (i, d)))
            .collect();
        let compiled: Vec<CompileOutcome> = parallel_map(&work, |(file_index, document)| {
            let file = loaded[*file_index]
                .file
                .as_ref()
                .expect("documents come from a file");
            let mut outcome = CompileOutcome::default();
            self.compile_document(file, document, &index, &correlated_only, &mut outcome);
            outcome
        });
        let mut outcome = CompileOutcome::default();
        let mut compiled = compiled.into_iter();
        for file in loaded {
            outcome.diagnostics.extend(file.diagnostics);
            for _ in &file.documents {
                let document_outcome = compiled.next().expect("one outcome per document");
                outcome.queries.extend(document_outcome.queries);
                outcome.diagnostics.extend(document_outcome.diagnostics);
                outcome.rules_seen += document_outcome.rules_seen;
            }
        }
        outcome
    }

    fn compile_document(
        &self,
        file: &Arc<SourceFile>,
        document: &RuleDocument,
        index: &RuleIndex<'_>,
        correlated_only: &HashSet<usize>,
        outcome: &mut CompileOutcome,
    ) {
        match document {
            RuleDocument::Detection(rule) => {
                outcome.rules_seen += 1;
                if correlated_only.contains(&(rule.as_ref() as *const Rule as usize)) {
                    return;
                }
                match self.compile_rule_with_source(rule) {
                    Ok(compiled) => {
                        outcome.diagnostics.extend(compiled.notes);
                        outcome.queries.push(CompiledQuery {
                            path: file.display_path(),
                            id: rule.id().map(str::to_string),
                            title: rule.title().to_string(),
                            target: self.target.name(),
                            query: compiled.query,
                        })
                    }
                    Err(errors) => outcome.diagnostics.extend(errors),
                }
            }
            RuleDocument::Correlation(correlation) => {
                outcome.rules_seen += 1;
                let compiled = correlation::resolve(correlation, index)
                    .and_then(|plan| self.compile_correlation(&plan));
                match compiled {
                    Ok(query) => outcome.queries.push(CompiledQuery {
                        path: file.display_path(),
                        id: correlation.meta.id.as_ref().map(|id| id.value.clone()),
                        title: correlation
                            .meta
                            .title
                            .as_ref()
                            .map_or_else(String::new, |t| t.value.clone()),
                        target: self.target.name(),
                        query,
                    }),
                    Err(errors) => outcome.diagnostics.extend(errors),
                }
            }
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

struct LoadedFile {
    file: Option<Arc<SourceFile>>,
    documents: Vec<RuleDocument>,
    diagnostics: Vec<Diagnostic>,
}

/// Maps items on all cores, keeping the order of `items`.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().div_ceil(32))
        .max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else { break };
                        done.push((index, f(item)));
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
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}
