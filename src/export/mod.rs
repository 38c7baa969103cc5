//! Export: rules to deployable SIEM content (`siemc export`).
//!
//! Takes: rule files, an [`ExportFormat`], the mapping and templates of its target.
//! Gives: an [`ExportOutcome`] with one [`ExportedRule`] per detection rule that compiles and
//! fits every limit of the platform, and the diagnostics of all others; then the output text,
//! rendered through the minijinja templates `templates/export/*.jinja` (embedded; `--templates
//! DIR` overrides them): one file per rule for Sentinel YAML and ARM, one `savedsearches.conf`
//! for Splunk (DESIGN.md §2).
//!
//! The stage runs after the compile pipeline: [`Compiler`] gives the query, [`deploy`] reads the
//! rule's `deploy:` block, [`attack`] turns ATT&CK tags into tactics and techniques, and
//! [`sentinel`] / [`splunk`] build the platform's rule and check its limits. [`format`] holds
//! the value encoders the templates use.

pub mod attack;
pub mod deploy;
pub mod format;
pub mod sentinel;
pub mod splunk;

use crate::backend::Templates;
use crate::compile::{Compiler, RuleQuery};
use crate::correlation::{self, RuleIndex};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::mapping::{Mapping, Target};
use crate::rule::{self, CorrelationRule, Detection, Rule, RuleDocument};
use minijinja::value::Serde;
use sentinel::SentinelRule;
use splunk::SavedSearch;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `siemc export --to` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Sentinel analytic rule YAML (Azure-Sentinel repository format), one file per rule.
    SentinelYaml,
    /// ARM template of scheduled analytics rules, one file per rule.
    SentinelArm,
    /// Splunk savedsearches.conf, one stanza per rule.
    SplunkConf,
}

impl ExportFormat {
    pub fn target(self) -> Target {
        match self {
            ExportFormat::SentinelYaml | ExportFormat::SentinelArm => Target::Kql,
            ExportFormat::SplunkConf => Target::Spl,
        }
    }

    pub fn template_name(self) -> &'static str {
        match self {
            ExportFormat::SentinelYaml => "export/sentinel.yaml.jinja",
            ExportFormat::SentinelArm => "export/sentinel-arm.json.jinja",
            ExportFormat::SplunkConf => "export/savedsearches.conf.jinja",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ExportFormat::SentinelYaml => "yaml",
            ExportFormat::SentinelArm => "json",
            ExportFormat::SplunkConf => "conf",
        }
    }
}

/// The platform rule built from one Sigma rule.
#[derive(Debug, Clone)]
pub enum ExportItem {
    Sentinel(Box<SentinelRule>),
    Splunk(Box<SavedSearch>),
}

#[derive(Debug, Clone)]
pub struct ExportedRule {
    /// The rule file, as given.
    pub path: PathBuf,
    /// Index of the rule's YAML document in its file.
    pub document: usize,
    pub item: ExportItem,
}

#[derive(Debug, Default)]
pub struct ExportOutcome {
    pub rules: Vec<ExportedRule>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One output file: a name (relative to `-o DIR`) and its content.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    pub name: String,
    pub content: String,
}

/// The rules that only feed a correlation (by file and document): they are deployed through it
/// unless the correlation says `generate: true`.
fn correlated_only<'a>(
    documents: impl Iterator<Item = &'a RuleDocument>,
    index: &RuleIndex<'_>,
) -> HashSet<(PathBuf, usize)> {
    let mut set = HashSet::new();
    for document in documents {
        if let RuleDocument::Correlation(correlation) = document
            && !correlation.generate.as_ref().is_some_and(|g| g.value)
        {
            for reference in &correlation.rules {
                if let Some(rule) = index.detection(&reference.value) {
                    set.insert((rule.file.path().to_path_buf(), rule.document));
                }
            }
        }
    }
    set
}

/// Everything an export needs besides the rules.
pub struct Exporter {
    pub format: ExportFormat,
    /// Add Enterprise Security correlation-search and notable keys to every Splunk stanza
    /// (a rule's `deploy.splunk.es` overrides it).
    pub splunk_es: bool,
    compiler: Compiler,
}

impl Exporter {
    pub fn new(
        format: ExportFormat,
        mapping: Mapping,
        templates: Templates,
        splunk_es: bool,
    ) -> Exporter {
        Exporter {
            format,
            splunk_es,
            compiler: Compiler::new(format.target(), mapping, templates),
        }
    }

    /// The same exporter, applying `filters` (and the filter documents of the files exported).
    pub fn with_filters(mut self, filters: crate::filter::Filters) -> Exporter {
        self.compiler.filters = filters;
        self
    }

    /// Exports every rule of the files (already expanded from directories), in order.
    pub fn export_paths(&self, paths: &[PathBuf]) -> ExportOutcome {
        let mut outcome = ExportOutcome::default();
        // Load everything first: a correlation may name rules of other files.
        let mut loaded = Vec::new();
        for path in paths {
            match rule::read_source(path) {
                Ok(file) => {
                    let (documents, diagnostics) = rule::load_rule_file(&file);
                    outcome.diagnostics.extend(diagnostics);
                    loaded.push((file, documents));
                }
                Err(diagnostic) => outcome.diagnostics.push(diagnostic),
            }
        }
        let filters = self
            .compiler
            .filters
            .with_documents(loaded.iter().flat_map(|(_, documents)| documents.iter()));
        for (_, documents) in &mut loaded {
            filters.apply(documents);
        }
        let index = RuleIndex::new(loaded.iter().flat_map(|(_, documents)| documents.iter()));
        let correlated_only = correlated_only(loaded.iter().flat_map(|(_, d)| d.iter()), &index);
        for (file, documents) in &loaded {
            self.export_documents(file, documents, &index, &correlated_only, &mut outcome);
        }
        outcome
    }

    /// Exports the documents of one loaded file into `outcome`.
    pub fn export_file(&self, file: &Arc<SourceFile>, outcome: &mut ExportOutcome) {
        let (mut documents, diagnostics) = rule::load_rule_file(file);
        outcome.diagnostics.extend(diagnostics);
        self.compiler
            .filters
            .with_documents(documents.iter())
            .apply(&mut documents);
        let index = RuleIndex::new(documents.iter());
        let correlated_only = correlated_only(documents.iter(), &index);
        self.export_documents(file, &documents, &index, &correlated_only, outcome);
    }

    fn export_documents(
        &self,
        file: &Arc<SourceFile>,
        documents: &[RuleDocument],
        index: &RuleIndex<'_>,
        correlated_only: &HashSet<(PathBuf, usize)>,
        outcome: &mut ExportOutcome,
    ) {
        for document in documents {
            let (rule, compiled) = match document {
                RuleDocument::Detection(rule)
                    if correlated_only
                        .contains(&(rule.file.path().to_path_buf(), rule.document)) =>
                {
                    continue;
                }
                RuleDocument::Detection(rule) => match self.compiler.compile_rule_with_source(rule)
                {
                    Ok(compiled) => {
                        outcome.diagnostics.extend(compiled.notes.iter().cloned());
                        (rule.clone(), compiled)
                    }
                    Err(errors) => {
                        outcome.diagnostics.extend(errors);
                        continue;
                    }
                },
                RuleDocument::Correlation(correlation) => {
                    match self.compile_correlation(correlation, index) {
                        Ok(pair) => pair,
                        Err(errors) => {
                            outcome.diagnostics.extend(errors);
                            continue;
                        }
                    }
                }
                // Applied to the rules it names; only its own problems show here.
                RuleDocument::Filter(filter) => {
                    outcome
                        .diagnostics
                        .extend(crate::filter::problems_of(filter));
                    continue;
                }
            };
            let mut diagnostics = Vec::new();
            let deploy = deploy::read_deploy(&rule, &mut diagnostics);
            let attack = attack::read_attack_tags(&rule, &mut diagnostics);
            let deploy_ok = !diagnostics.iter().any(Diagnostic::is_error);
            let item = match self.format {
                ExportFormat::SentinelYaml | ExportFormat::SentinelArm => {
                    sentinel::build_sentinel_rule(
                        &rule,
                        &compiled,
                        &deploy,
                        &attack,
                        &self.compiler.schema,
                        &mut diagnostics,
                    )
                    .map(|r| ExportItem::Sentinel(Box::new(r)))
                }
                ExportFormat::SplunkConf => splunk::build_saved_search(
                    &rule,
                    &compiled.query,
                    &deploy,
                    &attack,
                    self.splunk_es,
                    &mut diagnostics,
                )
                .map(|s| ExportItem::Splunk(Box::new(s))),
            };
            outcome.diagnostics.extend(diagnostics);
            if let (Some(item), true) = (item, deploy_ok) {
                if let Some(problem) = duplicate_stanza(&outcome.rules, &item, &rule) {
                    outcome.diagnostics.push(problem);
                    continue;
                }
                outcome.rules.push(ExportedRule {
                    path: file.path().to_path_buf(),
                    document: rule.document,
                    item,
                });
            }
        }
    }

    /// A correlation as an exportable rule: its metadata and `deploy:` with the log source of
    /// its first member, the correlation query, and the group-by columns as entity candidates.
    fn compile_correlation(
        &self,
        correlation: &CorrelationRule,
        index: &RuleIndex<'_>,
    ) -> Result<(Box<Rule>, RuleQuery), Vec<Diagnostic>> {
        let plan = correlation::resolve(correlation, index)?;
        let query = self.compiler.compile_correlation(&plan)?;
        let first = &plan.members[0];
        let member = self.compiler.compile_rule_with_source(first.rule)?;
        let fields = match self.compiler.mapping.find_source(first.rule) {
            Some((_, entry)) => first
                .group_fields
                .iter()
                .map(|(_, field)| self.compiler.mapping.field_name(entry, field))
                .collect(),
            None => Vec::new(),
        };
        let view = Rule {
            file: Arc::clone(&correlation.file),
            document: correlation.document,
            span: correlation.span,
            meta: correlation.meta.clone(),
            logsource: first.rule.logsource.clone(),
            detection: Detection {
                selections: Vec::new(),
                conditions: Vec::new(),
                timeframe: None,
                span: correlation.kind.span,
            },
            filters: Vec::new(),
        };
        Ok((
            Box::new(view),
            RuleQuery {
                query,
                source: member.source,
                fields,
                notes: Vec::new(),
                // What the aggregation returns: the window and the group-by columns.
                output_columns: Some(
                    std::iter::once("Window".to_string())
                        .chain(plan.group_by.iter().cloned())
                        .collect(),
                ),
            },
        ))
    }

    /// The output as files for `-o DIR`.
    pub fn render_files(&self, outcome: &ExportOutcome) -> Result<Vec<OutputFile>, Diagnostic> {
        match self.format {
            ExportFormat::SplunkConf => Ok(vec![OutputFile {
                name: "savedsearches.conf".to_string(),
                content: self.render(&outcome.rules)?,
            }]),
            _ => {
                let mut taken = HashSet::new();
                outcome
                    .rules
                    .iter()
                    .map(|exported| {
                        Ok(OutputFile {
                            name: unique_file_name(exported, self.format.extension(), &mut taken),
                            content: self.render(std::slice::from_ref(exported))?,
                        })
                    })
                    .collect()
            }
        }
    }

    /// The output for stdout: Sentinel YAML rules as one multi-document YAML stream, all ARM
    /// resources in one template (deployable as is), the one savedsearches.conf.
    pub fn render_stdout(&self, outcome: &ExportOutcome) -> Result<String, Diagnostic> {
        match self.format {
            ExportFormat::SentinelYaml => {
                let documents: Result<Vec<String>, Diagnostic> = outcome
                    .rules
                    .iter()
                    .map(|exported| self.render(std::slice::from_ref(exported)))
                    .collect();
                Ok(documents?.join("---\n"))
            }
            _ => self.render(&outcome.rules),
        }
    }

    /// Renders rules through the format's template: the YAML template takes one `rule`, the
    /// ARM and conf templates a list (`rules`, `searches`).
    fn render(&self, rules: &[ExportedRule]) -> Result<String, Diagnostic> {
        let sentinel: Vec<&SentinelRule> = rules
            .iter()
            .filter_map(|r| match &r.item {
                ExportItem::Sentinel(rule) => Some(rule.as_ref()),
                ExportItem::Splunk(_) => None,
            })
            .collect();
        let searches: Vec<&SavedSearch> = rules
            .iter()
            .filter_map(|r| match &r.item {
                ExportItem::Splunk(search) => Some(search.as_ref()),
                ExportItem::Sentinel(_) => None,
            })
            .collect();
        let context = minijinja::context! {
            rule => Serde(sentinel.first()),
            rules => Serde(&sentinel),
            searches => Serde(&searches),
        };
        let mut text = self
            .compiler
            .templates
            .render_file(self.format.template_name(), context)?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }
}

/// A Splunk stanza whose name an earlier exported rule already has: Splunk would merge them.
fn duplicate_stanza(
    exported: &[ExportedRule],
    item: &ExportItem,
    rule: &rule::Rule,
) -> Option<Diagnostic> {
    let ExportItem::Splunk(search) = item else {
        return None;
    };
    let earlier = exported
        .iter()
        .find(|e| matches!(&e.item, ExportItem::Splunk(s) if s.name == search.name))?;
    let span = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
    Some(
        Diagnostic::error(
            "export-duplicate-stanza",
            format!(
                "stanza `{}` is already exported from {}",
                search.name,
                earlier.path.display()
            ),
        )
        .in_file(&rule.file)
        .at(span, "same title as an earlier rule")
        .with_help(
            "savedsearches.conf merges stanzas of the same name; give the rules different titles",
        ),
    )
}

/// `<file stem>.<ext>`; a later document of a file (a correlation beside its rules) adds its
/// rule's name, in file-name form (`-many-failed-logons`); a counter when two outputs would
/// share a name.
fn unique_file_name(
    exported: &ExportedRule,
    extension: &str,
    taken: &mut HashSet<String>,
) -> String {
    let stem = exported
        .path
        .file_stem()
        .map_or_else(|| "rule".to_string(), |s| s.to_string_lossy().into_owned());
    let base = if exported.document == 0 {
        stem
    } else {
        let title = match &exported.item {
            ExportItem::Sentinel(rule) => &rule.name,
            ExportItem::Splunk(search) => &search.name,
        };
        let slug = file_name_part(title);
        if slug.is_empty() {
            format!("{stem}-{}", exported.document + 1)
        } else {
            format!("{stem}-{slug}")
        }
    };
    let mut name = format!("{base}.{extension}");
    let mut counter = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{counter}.{extension}");
        counter += 1;
    }
    name
}

/// Lower-case letters, digits and single hyphens, whole words up to 40 characters: a rule
/// title as part of a file name.
fn file_name_part(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.len() <= 40 {
        return out.to_string();
    }
    let cut = &out[..40];
    match cut.rfind('-') {
        Some(word_end) if !out[40..].starts_with('-') => cut[..word_end].to_string(),
        _ => cut.trim_end_matches('-').to_string(),
    }
}

/// The text every file `siemc export` writes carries near its start (a comment in YAML and
/// savedsearches.conf, the template's `metadata._generator` in ARM JSON): a file without it
/// was written by someone else and is never replaced without `--force`.
pub const GENERATED_MARKER: &str = "generated by siemc export";

/// Whether an existing file was written by `siemc export` (its first lines carry the marker).
fn written_by_export(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_lowercase();
    head.contains(GENERATED_MARKER)
}

/// Writes the output files into `dir` (created if needed) and returns their paths. A file
/// already there that `siemc export` did not write (a hand-written savedsearches.conf) is not
/// replaced unless `force`: the error names it and nothing is written.
pub fn write_files(
    dir: &Path,
    files: &[OutputFile],
    force: bool,
) -> Result<Vec<PathBuf>, Diagnostic> {
    if !force {
        let foreign: Vec<String> = files
            .iter()
            .map(|file| dir.join(&file.name))
            .filter(|path| path.exists() && !written_by_export(path))
            .map(|path| path.display().to_string())
            .collect();
        if !foreign.is_empty() {
            return Err(Diagnostic::error(
                "export-would-overwrite",
                format!(
                    "{} not written by siemc export: {}",
                    if foreign.len() == 1 { "a file that would be replaced was" } else { "files that would be replaced were" },
                    foreign.join(", ")
                ),
            )
            .with_help("nothing was written; move the file away, choose another -o DIR, or pass --force to replace it"));
        }
    }
    std::fs::create_dir_all(dir).map_err(|error| {
        Diagnostic::error(
            "io-error",
            format!("{}: cannot create directory: {error}", dir.display()),
        )
    })?;
    let mut written = Vec::new();
    for file in files {
        let path = dir.join(&file.name);
        std::fs::write(&path, &file.content).map_err(|error| {
            Diagnostic::error(
                "io-error",
                format!("{}: cannot write: {error}", path.display()),
            )
        })?;
        written.push(path);
    }
    Ok(written)
}
