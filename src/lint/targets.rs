//! Target checks: the rule is lowered once, then mapped and compiled for each chosen target,
//! the compiler places its fields in the profile's typed schema (`unmapped-field`), and the generated query
//! goes through that target's validator (`query::kql::check_query` / `query::spl::check_query`).

use super::lints;
use crate::backend::Templates;
use crate::compile::Compiler;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::ir;
use crate::mapping::{Mapping, Target};
use crate::query::{kql, spl};
use crate::rule::Rule;
use std::path::PathBuf;
use std::sync::Arc;

lints! { Targets;
    /// No mapping entry places the rule's log source in the target (no Sentinel table, no
    /// Splunk base search).
    ///
    /// Why: `compile` refuses the rule for that target until a mapping says where its events
    /// are, and `check` gives the same verdict: add a `sources:` entry in a file passed with
    /// `--mapping`, or check only the targets you deploy to (`--target`, `siemc.toml`).
    ///
    /// Example: `logsource: {product: acme, service: vpn}` with only the built-in mappings.
    UNMAPPED_LOGSOURCE = "unmapped-logsource", Error;

    /// A log source value (`product`, `category` or `service`) that no mapping of any profile
    /// and no name of Sigma's taxonomy knows: usually a misspelling (`proces_creation`).
    ///
    /// Why: no entry can serve it, and falling back to a broader entry (all of `product:
    /// windows`) would print a query far broader than the rule. The help names the nearest
    /// known value; for a log source of your own, add a mapping entry with `--mapping`.
    ///
    /// Example: `logsource: {product: windows, category: proces_creation}`
    UNKNOWN_LOGSOURCE = "unknown-logsource", Error;

    /// A condition every match needs contradicts what the log source's mapping entry already
    /// selects: a rule under the Sysmon process source (`EventID == 1`) that says
    /// `EventID: 4688`.
    ///
    /// Why: the query runs and never returns anything, so the rule is silently dead. Usually
    /// the rule was written for another log source (the Security log's 4688) than it names.
    ///
    /// Example: `logsource: {product: windows, category: process_creation}` with `EventID: 4688`
    NEVER_MATCHES = "never-matches", Warning;

    /// A value uses an `|expand` placeholder (`%admins%`) that the target's mapping does not
    /// define.
    ///
    /// Why: the placeholder stands for a list of values known only per environment; without it
    /// the rule cannot be compiled for that target. Define it under `placeholders:` in a
    /// mapping file.
    ///
    /// Example: `User|expand: '%domain_admins%'`
    UNRESOLVED_PLACEHOLDER = "unresolved-placeholder", Warning;

    /// A field that the profile cannot place: after the mapping's renames it is no column
    /// (nor a property of a dynamic column) of the log source's Sentinel table in the typed
    /// 2024 schema. The message names the table and its nearest columns.
    ///
    /// Why: Sentinel rejects a query that names an unknown column ("Failed to resolve scalar
    /// expression"), so `siemc compile` refuses the rule for that profile (exit 1), and `check`
    /// gives the same verdict; with `--allow-unmapped` both emit it with a warning. Map the
    /// field to the column holding the same data with `fields:` in a file passed with
    /// `--mapping`, or choose another `--profile` (the help names those that place the rule).
    ///
    /// Example: `Description: whoami` in a `{product: windows, category: image_load}` rule
    /// (DeviceImageLoadEvents records no version information of the loaded image).
    UNMAPPED_FIELD = "unmapped-field", Error;

    /// Something in the rule that the KQL backend cannot express (e.g. a field name or a
    /// comparison KQL has no syntax for).
    ///
    /// Why: no correct query can be generated; the message says what is missing.
    ///
    /// Example: a keyword search combined with a numeric comparison on the whole event.
    UNSUPPORTED_KQL = "unsupported-kql", Error;

    /// Something in the rule that the SPL backend cannot express (e.g. a field name with a
    /// single quote, which SPL's `where` cannot quote).
    ///
    /// Why: no correct search can be generated; the message says what is missing.
    ///
    /// Example: `"Field'Name": x` compiled for SPL.
    UNSUPPORTED_SPL = "unsupported-spl", Error;

    /// The query generated from the rule is longer than siemc validates (1 MiB of KQL, 4 MiB of
    /// SPL): a value list or a value of megabytes.
    ///
    /// Why: no SIEM runs such a query (Sentinel's analytic rules stop at 10,000 characters), and
    /// siemc prints no query it has not validated. Split the rule, or move the values into a
    /// lookup or watchlist.
    ///
    /// Example: `CommandLine|contains:` followed by 100,000 values.
    QUERY_TOO_LONG = "query-too-long", Error;

    /// The KQL query generated from the rule does not pass siemc's KQL validator.
    ///
    /// Why: every query siemc prints must run in Sentinel unchanged; a rejected query is a
    /// siemc bug or a value the generator cannot express. The validator's message and the
    /// position in the generated query are shown.
    ///
    /// Example: none known (please report one).
    QUERY_REJECTED_KQL = "query-rejected-kql", Error;

    /// The SPL search generated from the rule does not pass siemc's SPL validator.
    ///
    /// Why: every search siemc prints must run in Splunk unchanged; a rejected search is a
    /// siemc bug or a value the generator cannot express. The validator's message and the
    /// position in the generated search are shown.
    ///
    /// Example: none known (please report one).
    QUERY_REJECTED_SPL = "query-rejected-spl", Error;
}

/// The validator a pipeline runs on its generated queries.
pub type Validate = Box<dyn Fn(&Arc<SourceFile>) -> Vec<Diagnostic> + Send + Sync>;

/// One target: its compiler (mapping, templates, schema) and its query validator.
pub struct TargetPipeline {
    compiler: Compiler,
    validate: Validate,
}

impl TargetPipeline {
    /// The profile's mapping plus `mapping_files`, the embedded templates, the target's validator
    /// with its default options.
    pub fn new(
        profile: &'static crate::mapping::Profile,
        mapping_files: &[PathBuf],
        allow_unmapped: bool,
    ) -> Result<TargetPipeline, Vec<Diagnostic>> {
        let target = profile.target;
        let mut mapping = Mapping::with_profile_files(profile, mapping_files)?;
        mapping.allow_unmapped = allow_unmapped;
        let validate: Validate = match target {
            Target::Kql => {
                let options = kql::KqlCheckOptions::from_schema_file(None).map_err(|d| vec![d])?;
                Box::new(move |source| kql::check_query(source, &options))
            }
            Target::Spl => {
                let options = spl::SplCheckOptions::from_macros_file(None).map_err(|d| vec![d])?;
                Box::new(move |source| spl::check_query(source, &options))
            }
        };
        Ok(TargetPipeline::with_validator(target, mapping, validate))
    }

    /// A pipeline with a given mapping and validator.
    pub fn with_validator(target: Target, mapping: Mapping, validate: Validate) -> TargetPipeline {
        TargetPipeline {
            // `validate` below checks every generated query: the compiler need not parse it too.
            compiler: Compiler::new(target, mapping, Templates::embedded())
                .leaving_validation_to_caller(),
            validate,
        }
    }

    pub fn target(&self) -> Target {
        self.compiler.target
    }

    pub(super) fn compiler(&self) -> &Compiler {
        &self.compiler
    }
}

pub fn check(rule: &Rule, pipelines: &[TargetPipeline], out: &mut Vec<Diagnostic>) {
    let lowered = match ir::lower_rule(rule) {
        Ok(lowered) => lowered,
        Err(diagnostics) => {
            out.extend(diagnostics);
            return;
        }
    };
    for pipeline in pipelines {
        match pipeline.compiler.compile_lowered(rule, &lowered) {
            // The regex checks report RE2 problems with the exact construct's span, and the
            // filter checks a filter's fields the table lacks (`filter-unknown-field`).
            Err(diagnostics) => out.extend(diagnostics.into_iter().filter(|d| {
                d.code != super::regex::REGEX_UNSUPPORTED_KQL.code
                    && !(d.code == UNMAPPED_FIELD.code && in_a_filter(rule, d))
            })),
            Ok((query, notes)) => {
                // What `compile` warns about with the query, `check` reports too (a custom
                // table is the profile's design, not a finding).
                out.extend(notes.into_iter().filter(|d| d.code != "custom-table"));
                validate(rule, pipeline, query, out)
            }
        }
    }
}

/// Whether a diagnostic points into one of the filters applied to `rule`.
fn in_a_filter(rule: &Rule, diagnostic: &Diagnostic) -> bool {
    let (Some(file), Some(span)) = (&diagnostic.file, diagnostic.primary_span()) else {
        return false;
    };
    rule.filters.iter().any(|filter| {
        Arc::ptr_eq(&filter.file, file)
            && filter.span.start <= span.start
            && span.end <= filter.span.end
    })
}

fn validate(rule: &Rule, pipeline: &TargetPipeline, query: String, out: &mut Vec<Diagnostic>) {
    let at = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
    // Too long to validate: the same located error `compile` gives.
    if let Err(mut errors) =
        crate::compile::validate_length(pipeline.target(), &rule.file, at, &query)
    {
        out.append(&mut errors);
        return;
    }
    let target = pipeline.target();
    let source = Arc::new(SourceFile::new(
        format!("<{} query of {}>", target.name(), rule.file.display_path()),
        query,
    ));
    let Some(rejection) = (pipeline.validate)(&source)
        .into_iter()
        .find(|d| d.is_error())
    else {
        return;
    };
    let (lint, language) = match target {
        Target::Kql => (&QUERY_REJECTED_KQL, "KQL query"),
        Target::Spl => (&QUERY_REJECTED_SPL, "SPL search"),
    };
    let span = rule
        .detection
        .conditions
        .first()
        .map_or(rule.detection.span, |c| c.span);
    let position = rejection.primary_span().map(|s| {
        (
            source.line_column(s.start),
            source.line_at(s.start).0.to_string(),
        )
    });
    let location = match position {
        Some((at, line)) => format!(
            " at line {}, column {} of the generated {language}: `{}`",
            at.line,
            at.column,
            line.trim()
        ),
        None => String::new(),
    };
    out.push(
        lint.at(
            &rule.file,
            span,
            format!(
                "the generated {language} is rejected by its validator: {} [{}]",
                rejection.message, rejection.code
            ),
            format!("the {language} generated from this rule"),
        )
        .with_help(format!(
            "rejected{location}; this is a siemc bug or a value the generator cannot express: please report it"
        )),
    );
}
