//! The rule linter behind `siemc check`.
//!
//! Takes: rule files, the targets to compile for and the mapping files of those targets.
//! Gives: every problem found, as [`Diagnostic`]s whose codes are entries of the check
//! catalogue ([`catalogue`]): the loader's findings (YAML, types, keys, modifiers), the
//! compiler's (conditions, modifiers, mappings, backends), the query validators' verdicts on the
//! generated queries, and the linter's own checks, one file per group: [`structure`],
//! [`metadata`], [`detection`], [`regex`], [`targets`], [`correlation`], [`filter`]. Filter
//! documents among the files checked are applied to the rules they name before the rules are
//! checked (all files are loaded first, then checked). Suppressions
//! (`--ignore`, `siemc.toml`, `# siemc: ignore CODE`) are applied last ([`suppress`]).
//!
//! Each check is a plain table entry ([`Lint`]: code, severity, documentation). The
//! documentation is the doc comment of the entry's constant, captured by [`lints!`], so the
//! same text is the rustdoc, the `siemc check --explain CODE` output, the SARIF rule help and
//! the README table.

pub mod commands;
pub mod correlation;
pub mod detection;
pub mod filter;
pub mod metadata;
pub mod regex;
pub mod structure;
pub mod suppress;
pub mod targets;

use crate::diagnostic::{Diagnostic, Severity, SourceFile, Span};
use crate::mapping::Target;
use crate::rule::{self, RuleDocument};
use crate::yaml::Node;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// The groups of the catalogue, in the order the README lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Structure,
    Metadata,
    Detection,
    Regex,
    Targets,
    Correlation,
    Filter,
    Commands,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Structure => "structure",
            Group::Metadata => "metadata",
            Group::Detection => "detection",
            Group::Regex => "regex",
            Group::Targets => "targets",
            Group::Correlation => "correlation",
            Group::Filter => "filter",
            Group::Commands => "commands",
        }
    }
}

/// One check of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Lint {
    /// Stable identifier; diagnostics, suppressions and other tools use it.
    pub code: &'static str,
    /// The severity `siemc check` reports it with.
    pub severity: Severity,
    pub group: Group,
    /// What it does, why it matters, an example (the doc comment of the table entry).
    doc: &'static str,
}

impl Lint {
    /// A diagnostic of this check, in `file`, at `span`.
    pub fn at(
        &self,
        file: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: self.severity,
            ..Diagnostic::error(self.code, message)
        }
        .in_file(file)
        .at(span, label)
    }

    /// The documentation as text (doc-comment indentation removed).
    pub fn documentation(&self) -> String {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        lines.join("\n").trim().to_string()
    }

    /// The first sentence of the documentation.
    pub fn summary(&self) -> String {
        let text = self.documentation();
        let first = text
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .replace('\n', " ");
        first.trim().to_string()
    }
}

/// Declares the checks of a group: each `CONSTANT = "code", Severity;` with its doc comment
/// becomes a `pub const CONSTANT: Lint` and an entry of the group's `LINTS` table.
macro_rules! lints {
    ($group:ident; $( $(#[doc = $doc:literal])* $name:ident = $code:literal, $severity:ident; )*) => {
        $(
            $(#[doc = $doc])*
            pub const $name: $crate::lint::Lint = $crate::lint::Lint {
                code: $code,
                severity: $crate::diagnostic::Severity::$severity,
                group: $crate::lint::Group::$group,
                doc: concat!($($doc, "\n"),*),
            };
        )*
        /// The checks of this group, in catalogue order.
        pub const LINTS: &[$crate::lint::Lint] = &[$($name),*];
    };
}
pub(crate) use lints;

/// Every check, grouped, in README order.
pub fn catalogue() -> impl Iterator<Item = &'static Lint> {
    structure::LINTS
        .iter()
        .chain(suppress::LINTS)
        .chain(metadata::LINTS)
        .chain(detection::LINTS)
        .chain(regex::LINTS)
        .chain(targets::LINTS)
        .chain(correlation::LINTS)
        .chain(filter::LINTS)
        .chain(commands::LINTS)
}

/// The check with this code.
pub fn find(code: &str) -> Option<&'static Lint> {
    catalogue().find(|lint| lint.code == code)
}

/// The catalogue as the Markdown table of the README.
pub fn catalogue_markdown() -> String {
    let mut out =
        String::from("| code | group | severity | what it reports |\n|---|---|---|---|\n");
    for lint in catalogue() {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            lint.code,
            lint.group.name(),
            lint.severity,
            lint.summary().replace('|', "\\|")
        ));
    }
    out
}

/// The text of `siemc check --explain CODE`.
pub fn explain(lint: &Lint) -> String {
    format!(
        "{} ({} check, {})\n\n{}\n",
        lint.code,
        lint.group.name(),
        lint.severity,
        lint.documentation()
    )
}

/// The span of `text[start..end]` inside a YAML scalar whose value is `text`: exact when the
/// value is written verbatim in the file (plain, or quoted without escapes), otherwise the
/// whole value, so a label never points at the wrong characters.
pub fn sub_span(file: &SourceFile, node: &Node, text: &str, start: usize, end: usize) -> Span {
    let span = node.span;
    let raw = file.text.get(span.start..span.end).unwrap_or_default();
    let base = if raw == text {
        Some(span.start)
    } else if raw.len() == text.len() + 2 && raw.get(1..raw.len() - 1) == Some(text) {
        Some(span.start + 1)
    } else {
        None
    };
    match base {
        Some(base) if end <= text.len() => Span::new(base + start, base + end),
        _ => span,
    }
}

/// What `siemc check` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    pub targets: Vec<Target>,
    pub mapping_files: Vec<PathBuf>,
    /// Codes ignored everywhere (`--ignore`).
    pub ignore: Vec<String>,
    /// The profile of a target (`--profile`, `siemc.toml`); a target not listed uses its
    /// default profile.
    pub profiles: Vec<&'static crate::mapping::Profile>,
    /// `--allow-unmapped`: a field the profile cannot place is a warning, as `compile
    /// --allow-unmapped` emits the query with a warning; otherwise an error, as `compile`
    /// refuses the rule.
    pub allow_unmapped: bool,
    /// Also run what `export` and `test` run on each file, and report their errors and failing
    /// tests (the command line's `check`; an editor checks unsaved text without them).
    pub command_checks: bool,
}

/// The result of checking a set of files.
#[derive(Debug, Default)]
pub struct LintOutcome {
    /// Diagnostics left after suppression, file by file, in position order within a file.
    pub diagnostics: Vec<Diagnostic>,
    /// Rule files read.
    pub files: usize,
    /// Diagnostics removed by a suppression.
    pub suppressed: usize,
    /// A file could not be read (an I/O error, exit code 2).
    pub io_error: bool,
    /// Problems of `siemc.toml` files (usage errors, exit code 2).
    pub config_problems: Vec<Diagnostic>,
    /// The id and name of every document checked (what correlations can refer to), for the
    /// checks of single documents (`check_source`, `check_source_in`: what an editor keeps);
    /// `check_paths` over many files does its cross-file checks as it goes and keeps none.
    pub identities: Vec<Identity>,
}

/// Identities of a checked document, for the checks across files.
#[derive(Debug, Clone)]
pub struct Identity {
    pub file: Arc<SourceFile>,
    pub id: Option<rule::Spanned<String>>,
    pub name: Option<rule::Spanned<String>>,
}

/// A file read and loaded, waiting for its checks.
struct LoadedSource {
    file: Arc<SourceFile>,
    loaded: rule::LoadedFile,
}

/// Applies the filter documents of all `sources` to the rules of all of them.
fn apply_filters<'a>(sources: impl Iterator<Item = &'a mut LoadedSource>) {
    let mut sources: Vec<&mut LoadedSource> = sources.collect();
    let filters = crate::filter::Filters::default()
        .with_documents(sources.iter().flat_map(|s| s.loaded.documents.iter()));
    for source in &mut sources {
        filters.apply(&mut source.loaded.documents);
    }
}

fn detection_rules<'a>(sources: impl Iterator<Item = &'a LoadedSource>) -> Vec<&'a rule::Rule> {
    sources
        .flat_map(|s| s.loaded.documents.iter())
        .filter_map(|d| match d {
            RuleDocument::Detection(rule) => Some(rule.as_ref()),
            _ => None,
        })
        .collect()
}

/// What checking one file found.
#[derive(Default, Clone)]
struct FileReport {
    file: Option<Arc<SourceFile>>,
    diagnostics: Vec<Diagnostic>,
    identities: Vec<Identity>,
    correlations: Vec<rule::CorrelationRule>,
    /// Diagnostics that point into another file (a filter's, found while checking a rule it
    /// filters): they join that file's report.
    foreign: Vec<Diagnostic>,
    /// Where each YAML document of the file starts (for `# siemc: ignore` on a rule's first line).
    document_starts: Vec<usize>,
    io_error: bool,
}

/// A linter ready to run: the compilers and validators of the chosen targets.
pub struct Linter {
    pipelines: Vec<targets::TargetPipeline>,
    targets: Vec<Target>,
    ignore: Vec<String>,
    /// Codes reported as warnings whatever the catalogue says (`unmapped-field` under
    /// `--allow-unmapped`).
    downgraded: Vec<&'static str>,
    /// The export and test verdicts (`LintOptions::command_checks`).
    commands: Option<commands::CommandChecks>,
}

impl Linter {
    /// Loads the mappings of the chosen targets; a bad mapping file is a usage error.
    pub fn new(options: &LintOptions) -> Result<Linter, Vec<Diagnostic>> {
        let mut pipelines = Vec::new();
        let mut errors = Vec::new();
        for target in &options.targets {
            let profile = options
                .profiles
                .iter()
                .copied()
                .find(|p| p.target == *target)
                .unwrap_or_else(|| crate::mapping::Profile::default_for(*target));
            match targets::TargetPipeline::new(
                profile,
                &options.mapping_files,
                options.allow_unmapped,
            ) {
                Ok(pipeline) => pipelines.push(pipeline),
                Err(diagnostics) => errors.extend(diagnostics),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let commands = if options.command_checks {
            let mappings: Vec<crate::mapping::Mapping> = pipelines
                .iter()
                .map(|p| p.compiler().mapping.clone())
                .collect();
            commands::CommandChecks::new(&mappings)
        } else {
            None
        };
        Ok(Linter {
            commands,
            pipelines,
            targets: options.targets.clone(),
            ignore: options.ignore.clone(),
            downgraded: if options.allow_unmapped {
                vec![targets::UNMAPPED_FIELD.code]
            } else {
                Vec::new()
            },
        })
    }

    /// A linter with the given pipelines (tests inject validators).
    pub fn with_pipelines(pipelines: Vec<targets::TargetPipeline>) -> Linter {
        Linter {
            targets: pipelines.iter().map(|p| p.target()).collect(),
            pipelines,
            ignore: Vec::new(),
            downgraded: Vec::new(),
            commands: None,
        }
    }

    /// Checks rule files (already expanded from directories), spread over the machine's
    /// cores; diagnostics come back in the order of `paths`. All files are loaded first: the
    /// filters among them apply to the rules of every file.
    pub fn check_paths(&self, paths: &[PathBuf]) -> LintOutcome {
        // Filters apply across files and their checks look at every rule, so with a filter
        // document among the files everything is loaded first; without one (found by a text
        // scan), each file is loaded, checked and dropped on its own: memory stays flat.
        let any_filter = crate::compile::parallel_map(paths, |path| {
            std::fs::read(path).is_ok_and(|bytes| rule::may_hold_key(&bytes, "filter"))
        })
        .into_iter()
        .any(|candidate| candidate);
        if !any_filter {
            return self.check_paths_streaming(paths);
        }
        let mut loaded: Vec<Result<LoadedSource, Box<FileReport>>> =
            crate::compile::parallel_map(paths, |path| match rule::read_source(path) {
                Ok(file) => Ok(LoadedSource {
                    loaded: rule::load_rule_file_with_yaml(&file),
                    file,
                }),
                Err(diagnostic) => Err(Box::new(FileReport {
                    io_error: diagnostic.code == "io-error",
                    file: diagnostic.file.clone(),
                    diagnostics: vec![diagnostic],
                    ..FileReport::default()
                })),
            });
        apply_filters(loaded.iter_mut().filter_map(|l| l.as_mut().ok()));
        let rules = detection_rules(loaded.iter().filter_map(|l| l.as_ref().ok()));
        let reports = crate::compile::parallel_map(&loaded, |l| match l {
            Ok(source) => self.check_file(source, &rules),
            Err(report) => report.as_ref().clone(),
        });
        self.finish(reports, &[])
    }

    /// Checks one source file (already read), e.g. for tests.
    pub fn check_source(&self, file: &Arc<SourceFile>) -> LintOutcome {
        self.finish(vec![self.check_one(file)], &[])
    }

    /// Checks one source file as part of a larger set whose documents are `context` (the
    /// identities of the other files, e.g. an editor's workspace): correlation references and
    /// duplicate ids are checked against them; only `file`'s diagnostics are returned.
    pub fn check_source_in(&self, file: &Arc<SourceFile>, context: &[Identity]) -> LintOutcome {
        self.finish(vec![self.check_one(file)], context)
    }

    /// Checks one file alone: its own filter documents apply to its own rules.
    fn check_one(&self, file: &Arc<SourceFile>) -> FileReport {
        let mut source = LoadedSource {
            loaded: rule::load_rule_file_with_yaml(file),
            file: Arc::clone(file),
        };
        apply_filters(std::iter::once(&mut source));
        let rules = detection_rules(std::iter::once(&source));
        self.check_file(&source, &rules)
    }

    fn check_file(&self, source: &LoadedSource, all_rules: &[&rule::Rule]) -> FileReport {
        let file = &source.file;
        let loaded = &source.loaded;
        let mut report = FileReport {
            file: Some(Arc::clone(file)),
            document_starts: loaded.yaml.iter().map(|d| d.root.span.start).collect(),
            ..FileReport::default()
        };
        let mut diagnostics: Vec<Diagnostic> = loaded
            .diagnostics
            .iter()
            .chain(loaded.metadata.iter())
            .cloned()
            .collect();
        for document in &loaded.yaml {
            structure::check_document(file, &document.root, &mut diagnostics);
        }
        // A document that did not load (no condition, a broken selection) still gets its
        // metadata checked: every finding in one run, not one per fix.
        for meta in &loaded.unloaded {
            metadata::check(file, meta, &mut diagnostics);
        }
        for document in &loaded.documents {
            let meta = match document {
                RuleDocument::Detection(rule) => &rule.meta,
                RuleDocument::Correlation(correlation) => &correlation.meta,
                RuleDocument::Filter(filter) => &filter.meta,
            };
            metadata::check(file, meta, &mut diagnostics);
            report.identities.push(Identity {
                file: Arc::clone(file),
                id: meta.id.clone(),
                name: meta.name.clone(),
            });
            match document {
                RuleDocument::Detection(rule) => {
                    structure::check_rule(rule, &mut diagnostics);
                    detection::check(rule, &mut diagnostics);
                    regex::check(rule, &self.targets, &mut diagnostics);
                    targets::check(rule, &self.pipelines, &mut diagnostics);
                    filter::check_filtered_rule(rule, &self.pipelines, &mut report.foreign);
                }
                RuleDocument::Correlation(correlation) => {
                    correlation::check(correlation, &mut diagnostics);
                    report.correlations.push(correlation.as_ref().clone());
                }
                RuleDocument::Filter(sigma_filter) => {
                    filter::check_filter(sigma_filter, all_rules, &mut diagnostics);
                }
            }
        }
        if let Some(checks) = &self.commands {
            let verdicts = commands::check(checks, file, &loaded.documents, &diagnostics);
            diagnostics.extend(verdicts);
        }
        report.diagnostics = diagnostics;
        report
    }

    /// `check_paths` without filter documents: each file is loaded, checked and settled
    /// (severities, suppressions) in order as soon as it is done, keeping only its findings;
    /// duplicate ids are found against the ids seen before (kept as text), correlation
    /// references once every name is known. Memory stays flat with the number of files.
    fn check_paths_streaming(&self, paths: &[PathBuf]) -> LintOutcome {
        let mut ids_seen = metadata::IdsSeen::default();
        let mut known = correlation::KnownRules::default();
        let mut config_cache = suppress::ConfigCache::default();
        let mut outcome = LintOutcome::default();
        // Per file, its settled findings; files with correlations wait for every name.
        let mut settled: Vec<Vec<Diagnostic>> = Vec::with_capacity(paths.len());
        let mut waiting: Vec<(usize, FileReport)> = Vec::new();
        crate::compile::parallel_for_each_ordered(
            paths,
            |path| match rule::read_source(path) {
                Ok(file) => self.check_file(
                    &LoadedSource {
                        loaded: rule::load_rule_file_with_yaml(&file),
                        file,
                    },
                    &[],
                ),
                Err(diagnostic) => FileReport {
                    io_error: diagnostic.code == "io-error",
                    file: diagnostic.file.clone(),
                    diagnostics: vec![diagnostic],
                    ..FileReport::default()
                },
            },
            &mut |mut report: FileReport| {
                for identity in &report.identities {
                    report.diagnostics.extend(ids_seen.check(identity));
                    known.add(identity);
                }
                report.diagnostics.append(&mut report.foreign);
                if report.correlations.is_empty() {
                    settled.push(self.settle(report, &mut config_cache, &mut outcome));
                } else {
                    waiting.push((settled.len(), report));
                    settled.push(Vec::new());
                }
            },
        );
        for (index, mut report) in waiting {
            for correlation_rule in &report.correlations {
                correlation::check_references(correlation_rule, &known, &mut report.diagnostics);
            }
            settled[index] = self.settle(report, &mut config_cache, &mut outcome);
        }
        outcome.diagnostics = settled.concat();
        outcome.config_problems = config_cache.problems;
        outcome
    }

    /// Checks across files, severities from the catalogue, suppressions, order.
    fn finish(&self, mut reports: Vec<FileReport>, context: &[Identity]) -> LintOutcome {
        let checked: Vec<Identity> = reports
            .iter()
            .flat_map(|r| r.identities.iter().cloned())
            .collect();
        let identities: Vec<Identity> = checked.iter().chain(context).cloned().collect();
        let mut cross_file: Vec<Diagnostic> = if context.is_empty() {
            metadata::duplicate_ids(&identities)
        } else {
            // Only duplicates of the checked files' ids are reported: those identities, in
            // path order as `siemc check DIR` walks them (the later file is the duplicate).
            let ids: HashSet<&str> = checked
                .iter()
                .filter_map(|i| i.id.as_ref().map(|id| id.value.as_str()))
                .collect();
            let mut involved: Vec<Identity> = identities
                .iter()
                .filter(|i| {
                    i.id.as_ref()
                        .is_some_and(|id| ids.contains(id.value.as_str()))
                })
                .cloned()
                .collect();
            involved.sort_by(|a, b| a.file.path().cmp(b.file.path()));
            metadata::duplicate_ids(&involved)
        };
        for report in &mut reports {
            cross_file.append(&mut report.foreign);
        }
        let mut known = correlation::KnownRules::default();
        identities.iter().for_each(|identity| known.add(identity));
        for report in &reports {
            for correlation_rule in &report.correlations {
                correlation::check_references(correlation_rule, &known, &mut cross_file);
            }
        }
        // Cross-file findings go to the report of their file, so suppression and order apply.
        for diagnostic in cross_file {
            let owner = reports.iter_mut().find(|r| {
                r.file
                    .as_ref()
                    .zip(diagnostic.file.as_ref())
                    .is_some_and(|(a, b)| Arc::ptr_eq(a, b))
            });
            if let Some(owner) = owner {
                owner.diagnostics.push(diagnostic);
            }
        }
        let mut config_cache = suppress::ConfigCache::default();
        let mut outcome = LintOutcome::default();
        for report in reports {
            let kept = self.settle(report, &mut config_cache, &mut outcome);
            outcome.diagnostics.extend(kept);
        }
        outcome.config_problems = config_cache.problems;
        outcome.identities = checked;
        outcome
    }

    /// One file's report made final: severities from the catalogue, position order,
    /// suppressions (`--ignore`, `siemc.toml`, inline comments), repeats removed; the counts go
    /// to `outcome`, the findings kept are returned.
    fn settle(
        &self,
        mut report: FileReport,
        config_cache: &mut suppress::ConfigCache,
        outcome: &mut LintOutcome,
    ) -> Vec<Diagnostic> {
        outcome.files += 1;
        outcome.io_error |= report.io_error;
        for diagnostic in &mut report.diagnostics {
            if let Some(lint) = find(diagnostic.code) {
                diagnostic.severity = if self.downgraded.contains(&lint.code) {
                    Severity::Warning
                } else {
                    lint.severity
                };
            }
        }
        report
            .diagnostics
            .sort_by_key(|d| (d.primary_span().map_or(0, |s| s.start), d.code));
        let mut kept = Vec::new();
        let mut extra = Vec::new();
        let config = report
            .file
            .as_ref()
            .and_then(|f| config_cache.for_file(f.path()));
        let absolute = report
            .file
            .as_ref()
            .and_then(|f| std::path::absolute(f.path()).ok());
        for diagnostic in report.diagnostics {
            let suppressed = self.ignore.iter().any(|code| code == diagnostic.code)
                || config
                    .as_ref()
                    .zip(absolute.as_ref())
                    .is_some_and(|(c, path)| c.ignores(path, diagnostic.code))
                || suppress::inline_ignores(&diagnostic, &report.document_starts, &mut extra);
            if suppressed {
                outcome.suppressed += 1;
            } else {
                kept.push(diagnostic);
            }
        }
        kept.extend(extra);
        dedup_in_place(&mut kept);
        kept
    }
}

/// Removes repeated diagnostics (same code, place and message), e.g. one suppression comment
/// with an unknown code looked up by several diagnostics of its line.
fn dedup_in_place(diagnostics: &mut Vec<Diagnostic>) {
    // Code, place (file and span) and message identify a diagnostic.
    type Key = (&'static str, Option<Span>, String, Option<PathBuf>);
    let mut seen: HashSet<Key> = HashSet::new();
    diagnostics.retain(|d| {
        seen.insert((
            d.code,
            d.primary_span(),
            d.message.clone(),
            d.file.as_ref().map(|f| f.path().to_path_buf()),
        ))
    });
}
