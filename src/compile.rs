//! The compile pipeline: rule files to queries, stage by stage.
//!
//! Takes: rule files and the target's mapping and templates. Gives: one [`CompiledQuery`] per
//! detection rule that compiles, and the diagnostics of every other document, so one bad rule
//! never hides the results of the good ones.

use crate::backend::{self, CorrelationMember, Templates};
use crate::correlation::{self, CorrelationPlan, RuleIndex};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::filter::{self, Filters};
use crate::ir;
use crate::mapping::{Mapping, ResolvedSource, SentinelSchema, Target};
use crate::query::kql as kql_validator;
use crate::query::{self, spl::SplCheckOptions};
use crate::rule::{self, Rule, RuleDocument};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs siemc's own validator over a query it generated (DESIGN.md §6: every printed query has
/// passed it). Only errors count: for KQL only syntax errors, since unknown columns in
/// generated queries come from mapping files. A failure is a siemc bug, reported as such.
/// A query longer than the validator reads (and than the SIEM takes) is the rule's size, not
/// a siemc bug: a located `query-too-long` error that names the limit.
pub(crate) fn validate_length(
    target: Target,
    file: &Arc<SourceFile>,
    at: crate::diagnostic::Span,
    query: &str,
) -> Result<(), Vec<Diagnostic>> {
    let limit = match target {
        Target::Kql => kql_validator::parse::MAX_QUERY_BYTES,
        Target::Spl => query::spl::MAX_QUERY_BYTES,
    };
    if query.len() <= limit {
        return Ok(());
    }
    Err(vec![
        Diagnostic::error(
            "query-too-long",
            format!(
                "the {} query for this rule is {} bytes, over the {limit} bytes siemc validates (Sentinel and Splunk refuse far shorter ones)",
                target.name(),
                query.len()
            ),
        )
        .in_file(file)
        .at(at, "for this rule")
        .with_help("split the rule, or move long value lists into a lookup or watchlist"),
    ])
}

fn validate_generated(
    target: Target,
    file: &Arc<SourceFile>,
    at: crate::diagnostic::Span,
    query: String,
) -> Result<String, Vec<Diagnostic>> {
    validate_length(target, file, at, &query)?;
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
    /// Filters from outside the rule files (`--filter`, `siemc.toml`); filter documents in the
    /// rule files given are added to them.
    pub filters: Filters,
    /// Whether each generated query goes through siemc's own validator before it is returned
    /// (always, except for a caller that validates every query itself: `siemc check`).
    validates_output: bool,
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
            filters: Filters::default(),
            validates_output: true,
        }
    }

    /// This compiler, returning generated queries without validating them: for `siemc check`,
    /// which runs the full validator on every query it generates, so that each is parsed once.
    pub fn leaving_validation_to_caller(mut self) -> Compiler {
        self.validates_output = false;
        self
    }

    /// Runs the validator over a generated query, unless the caller validates it.
    fn validated(
        &self,
        file: &Arc<SourceFile>,
        at: crate::diagnostic::Span,
        query: String,
    ) -> Result<String, Vec<Diagnostic>> {
        if self.validates_output {
            validate_generated(self.target, file, at, query)
        } else {
            Ok(query)
        }
    }

    /// The same compiler, applying `filters` too.
    pub fn with_filters(mut self, filters: Filters) -> Compiler {
        self.filters = filters;
        self
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
    /// all targets): the query and the warnings and notes `compile` prints with it.
    pub fn compile_lowered(
        &self,
        rule: &Rule,
        lowered: &ir::LoweredRule,
    ) -> Result<(String, Vec<Diagnostic>), Vec<Diagnostic>> {
        self.compile_lowered_with_source(rule, lowered)
            .map(|compiled| (compiled.query, compiled.notes))
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
                    self.validated(&rule.file, title, query)
                }),
            Target::Spl => {
                backend::spl::compile(rule, &mapped, &self.templates).and_then(|query| {
                    let title = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
                    self.validated(&rule.file, title, query)
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
            let correlation = plan.rule;
            let mut group_targets = Vec::new();
            for (group, field) in &member.group_fields {
                let span = correlation
                    .group_by
                    .iter()
                    .find(|g| &g.value == group)
                    .map_or(correlation.kind.span, |g| g.span);
                match self
                    .mapping
                    .correlation_field(member.rule, field, &correlation.file, span)
                {
                    Ok(target) => group_targets.push(target),
                    Err(error) => errors.push(error),
                }
            }
            let value_target = match plan.field.as_deref() {
                None => None,
                Some(field) => {
                    let span = correlation
                        .condition
                        .as_ref()
                        .and_then(|c| c.get("field"))
                        .map_or(correlation.kind.span, |node| node.span);
                    match self.mapping.correlation_field(
                        member.rule,
                        field,
                        &correlation.file,
                        span,
                    ) {
                        Ok(target) => Some(target),
                        Err(error) => {
                            errors.push(error);
                            None
                        }
                    }
                }
            };
            members.push(CorrelationMember {
                label: member.label.clone(),
                query,
                table: entry.table.clone(),
                group_targets,
                value_target,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        match self.target {
            Target::Kql => backend::kql::correlation::compile(plan, &members, &self.schema)
                .and_then(|query| self.validated(&plan.rule.file, plan.rule.kind.span, query)),
            Target::Spl => backend::spl::correlation::compile(plan, &members)
                .and_then(|query| self.validated(&plan.rule.file, plan.rule.kind.span, query)),
        }
    }

    /// Compiles files (already expanded from directories) and collects every result, in the
    /// order of `paths`. See [`Compiler::compile_paths_each`].
    pub fn compile_paths(&self, paths: &[PathBuf]) -> CompileOutcome {
        let mut outcome = CompileOutcome::default();
        self.compile_paths_each(paths, |file| {
            outcome.queries.extend(file.queries);
            outcome.diagnostics.extend(file.diagnostics);
            outcome.rules_seen += file.rules_seen;
        });
        outcome
    }

    /// Compiles files (already expanded from directories), handing each file's queries and
    /// diagnostics to `emit` in the order of `paths` as soon as its batch is done, so memory
    /// stays flat with the number of files: a file is read, compiled, emitted and dropped.
    /// Files are compiled in parallel. Correlation rules see the rules of every file (see
    /// [`CrossFileRules`]); the rules they correlate are not printed on their own unless the
    /// correlation says `generate: true`.
    pub fn compile_paths_each(
        &self,
        paths: &[PathBuf],
        mut emit: impl FnMut(CompileOutcome) + Send,
    ) {
        let cross = CrossFileRules::collect(paths, &self.filters);
        let index = cross.index();
        let indexed: Vec<(usize, &PathBuf)> = paths.iter().enumerate().collect();
        parallel_for_each_ordered(
            &indexed,
            |(file_index, path)| self.compile_file(*file_index, path, &cross, &index),
            &mut emit,
        );
    }

    /// Compiles every document of one file held in memory, on its own: its filters apply to
    /// its rules and its correlations see its rules (and the compiler's filters). Correlated
    /// members are compiled on their own as well, so every rule's query is seen. For callers
    /// that have text rather than paths (the fuzz targets).
    pub fn compile_source(&self, file: &Arc<SourceFile>) -> CompileOutcome {
        let mut outcome = CompileOutcome::default();
        let (mut documents, diagnostics) = rule::load_rule_file(file);
        outcome.diagnostics.extend(diagnostics.into_vec());
        self.filters
            .with_documents(documents.iter())
            .apply(&mut documents);
        let index = RuleIndex::new(documents.iter());
        for document in &documents {
            self.compile_document(file, document, &index, false, &mut outcome);
        }
        outcome
    }

    /// Loads and compiles one file of a `compile_paths_each` run.
    fn compile_file(
        &self,
        file_index: usize,
        path: &Path,
        cross: &CrossFileRules,
        index: &RuleIndex<'_>,
    ) -> CompileOutcome {
        let mut outcome = CompileOutcome::default();
        let file = match rule::read_source(path) {
            Ok(file) => file,
            Err(diagnostic) => {
                outcome.diagnostics.push(diagnostic);
                return outcome;
            }
        };
        let (mut documents, diagnostics) = rule::load_rule_file(&file);
        outcome.diagnostics.extend(diagnostics.into_vec());
        cross.filters.apply(&mut documents);
        for (document_index, document) in documents.iter().enumerate() {
            let correlated_only = cross.is_correlated_only(file_index, document_index);
            self.compile_document(&file, document, index, correlated_only, &mut outcome);
        }
        outcome
    }

    fn compile_document(
        &self,
        file: &Arc<SourceFile>,
        document: &RuleDocument,
        index: &RuleIndex<'_>,
        correlated_only: bool,
        outcome: &mut CompileOutcome,
    ) {
        match document {
            RuleDocument::Detection(rule) => {
                outcome.rules_seen += 1;
                if correlated_only {
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
            // Applied to the rules it names (`CrossFileRules`); only its own problems show here.
            RuleDocument::Filter(filter) => outcome.diagnostics.extend(filter::problems_of(filter)),
        }
    }
}

/// How far workers may run ahead of the oldest result not yet emitted: enough to keep every
/// core busy past a slow file, few enough that memory does not grow with the number of files.
const STREAM_WINDOW: usize = 64;

/// What rules need from other files, collected before the streaming pass: the filters (given
/// with `--filter` or `siemc.toml`, and the filter documents of every file), the correlation
/// documents and the detection rules they reference (by id or name, filters applied), with
/// their places. Files whose text cannot hold a correlation or a filter
/// ([`rule::may_hold_key`]) are not parsed for this; when no file has one, nothing is kept.
struct CrossFileRules {
    filters: Filters,
    /// (file index, document index, rule) of every detection rule a correlation references.
    members: Vec<(usize, usize, Box<Rule>)>,
    correlations: Vec<crate::rule::CorrelationRule>,
    /// Members that only feed a correlation (not `generate: true`): not compiled on their own.
    correlated_only: HashSet<(usize, usize)>,
}

impl CrossFileRules {
    /// Scans every file's text for `correlation` and `filter`; parses the files that have
    /// either; if any holds a correlation, loads every file once more to keep the detection
    /// rules it references.
    fn collect(paths: &[PathBuf], filters: &Filters) -> CrossFileRules {
        let documents: Vec<RuleDocument> = parallel_map(paths, |path| {
            let candidate = std::fs::read(path).is_ok_and(|bytes| {
                rule::may_hold_key(&bytes, "correlation") || rule::may_hold_key(&bytes, "filter")
            });
            if candidate {
                load_documents(path)
                    .into_iter()
                    .filter(|d| !matches!(d, RuleDocument::Detection(_)))
                    .collect()
            } else {
                Vec::new()
            }
        })
        .into_iter()
        .flatten()
        .collect();
        let filters = filters.with_documents(&documents);
        let correlations: Vec<crate::rule::CorrelationRule> = documents
            .into_iter()
            .filter_map(|document| match document {
                RuleDocument::Correlation(correlation) => Some(*correlation),
                _ => None,
            })
            .collect();
        if correlations.is_empty() {
            return CrossFileRules {
                filters,
                members: Vec::new(),
                correlations,
                correlated_only: HashSet::new(),
            };
        }
        Self::with_members(paths, filters, correlations)
    }

    fn with_members(
        paths: &[PathBuf],
        filters: Filters,
        correlations: Vec<crate::rule::CorrelationRule>,
    ) -> CrossFileRules {
        let referenced: HashSet<&str> = correlations
            .iter()
            .flat_map(|c| c.rules.iter().map(|r| r.value.as_str()))
            .collect();
        let is_referenced = |rule: &Rule| {
            [&rule.meta.id, &rule.meta.name]
                .into_iter()
                .flatten()
                .any(|key| referenced.contains(key.value.as_str()))
        };
        let members: Vec<(usize, usize, Box<Rule>)> = parallel_map(
            &paths.iter().enumerate().collect::<Vec<_>>(),
            |(file_index, path)| {
                load_documents(path)
                    .into_iter()
                    .enumerate()
                    .filter_map(|(document_index, document)| match document {
                        RuleDocument::Detection(mut rule) if is_referenced(&rule) => {
                            filters.apply_to(&mut rule);
                            Some((*file_index, document_index, rule))
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            },
        )
        .into_iter()
        .flatten()
        .collect();
        let mut cross = CrossFileRules {
            filters,
            members,
            correlations,
            correlated_only: HashSet::new(),
        };
        let index = cross.index();
        let mut correlated_only = HashSet::new();
        for correlation in &cross.correlations {
            if correlation.generate.as_ref().is_some_and(|g| g.value) {
                continue;
            }
            for reference in &correlation.rules {
                if let Some(rule) = index.detection(&reference.value)
                    && let Some((file_index, document_index, _)) = cross
                        .members
                        .iter()
                        .find(|(_, _, member)| std::ptr::eq(member.as_ref(), rule))
                {
                    correlated_only.insert((*file_index, *document_index));
                }
            }
        }
        drop(index);
        cross.correlated_only = correlated_only;
        cross
    }

    /// Rules and correlations by id and name, as one index over all files would give them.
    fn index(&self) -> RuleIndex<'_> {
        RuleIndex::from_parts(
            self.members.iter().map(|(_, _, rule)| rule.as_ref()),
            self.correlations.iter(),
        )
    }

    fn is_correlated_only(&self, file_index: usize, document_index: usize) -> bool {
        self.correlated_only.contains(&(file_index, document_index))
    }
}

/// The documents of a rule file; a file that cannot be read or loaded has none here (the
/// streaming pass reports its problems).
fn load_documents(path: &Path) -> Vec<RuleDocument> {
    rule::read_source(path).map_or_else(|_| Vec::new(), |file| rule::load_rule_file(&file).0)
}

/// Runs `f` over `items` on all cores and hands the results to `emit` in the order of
/// `items`, each as soon as it and every earlier one are done. The same worker threads serve
/// the whole run (a thread's allocator heap outlives it, so short-lived threads per batch
/// would leave memory behind), and no worker gets more than [`STREAM_WINDOW`] items ahead of
/// `emit`, so at most that many results are held. The worker that completes the next result
/// in order emits it (and any that were waiting for it) under the one lock, so no thread is
/// woken per result.
pub(crate) fn parallel_for_each_ordered<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    emit: &mut (dyn FnMut(R) + Send),
) {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    if workers == 1 {
        items.iter().for_each(|item| emit(f(item)));
        return;
    }
    struct Ordered<'e, R> {
        /// Index of the next result to emit.
        next: usize,
        /// Results done out of order, by index.
        pending: std::collections::BTreeMap<usize, R>,
        emit: &'e mut (dyn FnMut(R) + Send),
        /// Workers waiting because they are a window ahead.
        waiting: usize,
    }
    let state = std::sync::Mutex::new(Ordered {
        next: 0,
        pending: std::collections::BTreeMap::new(),
        emit,
        waiting: 0,
    });
    let advanced = std::sync::Condvar::new();
    let taken = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = taken.fetch_add(1, Ordering::Relaxed);
                    if index >= items.len() {
                        break;
                    }
                    {
                        let mut ordered = state.lock().expect("no worker panics holding it");
                        while index >= ordered.next + STREAM_WINDOW {
                            ordered.waiting += 1;
                            ordered = advanced.wait(ordered).expect("no worker panics holding it");
                            ordered.waiting -= 1;
                        }
                    }
                    let result = f(&items[index]);
                    let mut ordered = state.lock().expect("no worker panics holding it");
                    ordered.pending.insert(index, result);
                    let before = ordered.next;
                    loop {
                        let next = ordered.next;
                        let Some(result) = ordered.pending.remove(&next) else {
                            break;
                        };
                        (ordered.emit)(result);
                        ordered.next += 1;
                    }
                    if ordered.next != before && ordered.waiting > 0 {
                        advanced.notify_all();
                    }
                }
            });
        }
    });
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
