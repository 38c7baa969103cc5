//! Mapping: where a rule's log source lives in a target, and what its fields are called there.
//!
//! Takes: a lowered rule (Sigma field names, symbolic placeholders) and the mapping files of a
//! target (built-in first, then each `--mapping FILE`; later files win).
//! Gives: a [`MappedRule`]: the table (KQL) or base search (SPL) and the expression with target
//! field names and placeholders expanded, or a diagnostic naming the unmapped log source or the
//! unresolved placeholder. For KQL every field must be placed: a column (or a property of a
//! dynamic column) of the source's table in the profile's typed schema; a field that is not
//! is an `unmapped-field` error (a warning with [`Mapping::allow_unmapped`]).

mod contradiction;
pub mod coverage;
mod file;
pub mod profile;
mod schema;
pub mod windows_fields;

pub use file::{CustomTable, DataModel, MappingFile, SourceEntry};
pub use profile::Profile;
pub use schema::{ColumnType, SentinelSchema};

use crate::diagnostic::Diagnostic;
use crate::ir::{Expr, LoweredRule, Matcher, Pattern, PatternPart, Predicate, parse_sigma_string};
use crate::rule::Rule;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// The fields of one rule that the schema cannot place.
#[derive(Default)]
struct Placement {
    reported: HashSet<String>,
    unplaced: Vec<Diagnostic>,
}

/// The file an entry comes from.
fn entry_file(mapping: &Mapping, entry: &SourceEntry) -> Arc<crate::diagnostic::SourceFile> {
    mapping
        .files
        .iter()
        .find(|f| f.sources.iter().any(|e| std::ptr::eq(e, entry)))
        .map(|f| Arc::clone(&f.file))
        .expect("entries come from the mapping's files")
}

/// Where a Sigma field is named in the rule (its first use), for diagnostics.
fn field_span(
    rule: &Rule,
    field: &str,
) -> (Arc<crate::diagnostic::SourceFile>, crate::diagnostic::Span) {
    use crate::rule::{Selection, SelectionBody};
    let find = |selections: &[Selection]| {
        selections
            .iter()
            .filter_map(|selection| match &selection.body {
                SelectionBody::FieldMaps(maps) => Some(maps),
                _ => None,
            })
            .flatten()
            .flat_map(|map| &map.matchers)
            .filter_map(|matcher| matcher.field.as_ref())
            .find(|name| name.value == field)
            .map(|name| name.span)
    };
    // The rule's own selections, then those of the filters applied to it (in their files).
    if let Some(span) = find(&rule.detection.selections) {
        return (Arc::clone(&rule.file), span);
    }
    rule.filters
        .iter()
        .find_map(|filter| find(&filter.selections).map(|span| (Arc::clone(&filter.file), span)))
        .unwrap_or_else(|| (Arc::clone(&rule.file), rule.detection.span))
}

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
}

/// The mapping files of one target, in precedence order (last wins).
#[derive(Debug, Clone)]
pub struct Mapping {
    pub target: Target,
    pub profile: &'static Profile,
    files: Vec<MappingFile>,
    /// KQL: the tables (and parser functions) fields are placed in.
    schema: Arc<SentinelSchema>,
    /// Emit queries with fields the schema cannot place (with a warning) instead of refusing.
    pub allow_unmapped: bool,
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
    /// KQL: `table` is a function (an ASIM parser) to call.
    pub function: bool,
    /// SPL: the CIM data model node searched with `tstats`, and its `summariesonly`.
    pub datamodel: Option<(String, DataModel, bool)>,
    /// The logsource of the mapping entry that matched, e.g. `{product: windows, service: security}`.
    pub matched: String,
}

/// A rule placed in a target: its source and its expression over target field names.
#[derive(Debug, Clone)]
pub struct MappedRule {
    pub source: ResolvedSource,
    pub expr: Expr,
    /// Warnings and notes that go with the query (a custom table, an unplaced field emitted
    /// on request).
    pub notes: Vec<Diagnostic>,
}

impl Mapping {
    /// The default profile of a target (embedded in the binary).
    pub fn builtin(target: Target) -> Mapping {
        Mapping::for_profile(Profile::default_for(target))
    }

    /// A built-in profile's mapping.
    pub fn for_profile(profile: &'static Profile) -> Mapping {
        Mapping {
            target: profile.target,
            profile,
            files: profile.mapping_files().to_vec(),
            schema: profile.schema(),
            allow_unmapped: false,
        }
    }

    /// The default profile followed by user files (later files win). Files for the other
    /// target are skipped, so one `--mapping` list can serve both targets.
    pub fn with_files(
        target: Target,
        paths: &[impl AsRef<Path>],
    ) -> Result<Mapping, Vec<Diagnostic>> {
        Mapping::with_profile_files(Profile::default_for(target), paths)
    }

    /// A profile followed by user files (later files win; files for the other target are
    /// skipped). Custom tables the user files declare join the schema.
    pub fn with_profile_files(
        profile: &'static Profile,
        paths: &[impl AsRef<Path>],
    ) -> Result<Mapping, Vec<Diagnostic>> {
        let target = profile.target;
        let mut mapping = Mapping::for_profile(profile);
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
                Ok(parsed) if parsed.target == target => mapping.push_file(parsed),
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

    /// Layers a parsed file of this mapping's target over the others (it wins); custom
    /// tables it declares join the schema.
    pub fn push_file(&mut self, parsed: MappingFile) {
        if !parsed.custom_tables.is_empty() {
            let mut schema = (*self.schema).clone();
            profile::declare_custom_tables(&mut schema, &parsed);
            self.schema = Arc::new(schema);
        }
        self.files.push(parsed)
    }

    /// The typed schema of this mapping's target tables (KQL).
    pub fn schema(&self) -> &Arc<SentinelSchema> {
        &self.schema
    }

    /// The custom table declaration of `table`, when a mapping file declares it.
    pub fn custom_table(&self, table: &str) -> Option<&CustomTable> {
        self.files
            .iter()
            .rev()
            .flat_map(|f| f.custom_tables.iter())
            .find(|t| t.name == table)
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
        self.find_source_where(keys, |_| true)
    }

    /// [`Mapping::find_source_by_keys`] among the entries `eligible` accepts.
    ///
    /// An entry serves a log source when it names every key the log source gives (a rule's
    /// `category` is never dropped to land in a broader `{product: ...}` entry: a misspelled or
    /// unknown category must not widen the query to the whole product) and each of its values
    /// equals the log source's, or is `'*'`: a catch-all the mapping declares for that key
    /// (`{product: zeek, service: '*'}`), which also serves a log source without the key.
    /// The entry with the most exact keys wins; among equals the later file, then the first entry.
    fn find_source_where(
        &self,
        keys: &[(&str, &str)],
        eligible: impl Fn(&SourceEntry) -> bool,
    ) -> Option<(&MappingFile, &SourceEntry)> {
        let mut best: Option<(usize, usize, &MappingFile, &SourceEntry)> = None;
        for (file_index, file) in self.files.iter().enumerate() {
            for entry in file.sources.iter().filter(|e| eligible(e)) {
                if !entry.serves(keys) {
                    continue;
                }
                let specificity = entry.exact_keys();
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

    /// The target name of a Sigma field for a source entry: the entry's own name, then the
    /// names for the entry's product (`product_fields`), then the names for every source. A
    /// field that none of them names and that is the Security-log spelling of a field of the
    /// entry's taxonomy category (`NewProcessName` for `Image` in `process_creation`) gets
    /// the taxonomy field's name: the same data, as the rule's author meant it.
    pub fn field_name(&self, entry: &SourceEntry, field: &str) -> String {
        if let Some(target) = self.named_field(entry, field) {
            return target;
        }
        match taxonomy_alias(entry, field) {
            Some(sigma) => self
                .named_field(entry, sigma)
                .unwrap_or_else(|| sigma.to_string()),
            None => field.to_string(),
        }
    }

    /// The name the mapping gives `field` for `entry`, if it gives one.
    fn named_field(&self, entry: &SourceEntry, field: &str) -> Option<String> {
        if let Some(target) = entry.fields.get(field) {
            return Some(target.clone());
        }
        if let Some((_, product)) = entry.logsource.iter().find(|(k, _)| *k == "product") {
            let product = product.to_ascii_lowercase();
            for file in self.files.iter().rev() {
                if let Some(target) = file.product_fields.get(&product).and_then(|f| f.get(field)) {
                    return Some(target.clone());
                }
            }
        }
        for file in self.files.iter().rev() {
            if let Some(target) = file.fields.get(field) {
                return Some(target.clone());
            }
        }
        None
    }

    /// The `KEY=value` split of a field for a source entry (Sysmon's `Hashes`), if any. The
    /// entry's plain `fields` rename wins over a file-wide split.
    fn keyed_field<'a>(
        &'a self,
        entry: &'a SourceEntry,
        field: &str,
    ) -> Option<&'a HashMap<String, String>> {
        if let Some(keys) = entry.keyed_fields.get(field) {
            return Some(keys);
        }
        if entry.fields.contains_key(field) {
            return None;
        }
        self.files
            .iter()
            .rev()
            .find_map(|file| file.keyed_fields.get(field))
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
            return Err(vec![self.unplaced_logsource(rule)]);
        };
        let mapped = if entry.datamodel.is_some() && self.target == Target::Spl {
            self.map_to_datamodel(rule, lowered, entry)
        } else {
            self.map_with_entry(rule, lowered, entry)
        };
        mapped.map_err(|errors| self.name_serving_profiles(rule, lowered, errors))
    }

    /// A rule refused for data this profile has nowhere (`unmapped-field`): the help of each
    /// such error names the built-in profiles of the target that place every field.
    fn name_serving_profiles(
        &self,
        rule: &Rule,
        lowered: &LoweredRule,
        mut errors: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        if !errors.iter().any(|d| d.code == "unmapped-field") {
            return errors;
        }
        let serving = self.other_profiles(|other| {
            other.find_source(rule).is_some_and(|(_, entry)| {
                if entry.datamodel.is_some() && other.target == Target::Spl {
                    other.map_to_datamodel(rule, lowered, entry).is_ok()
                } else {
                    other.map_with_entry(rule, lowered, entry).is_ok()
                }
            })
        });
        let verdict = if serving.is_empty() {
            "no built-in profile places every field of this rule".to_string()
        } else {
            format!(
                "profiles that place every field of this rule: {} (--profile)",
                serving.join(", ")
            )
        };
        for error in errors.iter_mut().filter(|d| d.code == "unmapped-field") {
            error.help = Some(match error.help.take() {
                Some(help) => format!("{help}; {verdict}"),
                None => verdict.clone(),
            });
        }
        errors
    }

    /// The other built-in profiles of this target whose mapping `serves`, as `` `name` ``.
    fn other_profiles(&self, serves: impl Fn(&Mapping) -> bool) -> Vec<String> {
        profile::PROFILES
            .iter()
            .filter(|p| p.target == self.target && !std::ptr::eq(*p, self.profile))
            .filter(|p| serves(&Mapping::for_profile(p)))
            .map(|p| format!("`{}`", p.name))
            .collect()
    }

    /// Why no entry serves the rule's log source: a value that no mapping and no Sigma taxonomy
    /// name knows but one is close to (a misspelling, `unknown-logsource`, with that name), or
    /// a log source this mapping does not place (`unmapped-logsource`, with the profiles that do).
    fn unplaced_logsource(&self, rule: &Rule) -> Diagnostic {
        let logsource = &rule.logsource;
        let given = [
            ("product", &logsource.product),
            ("category", &logsource.category),
            ("service", &logsource.service),
        ];
        for (key, value) in given {
            let Some(value) = value else { continue };
            let known = known_logsource_values(key, &self.files);
            if known.contains(&value.value.to_ascii_lowercase()) {
                continue;
            }
            // A value near a known one is a misspelling; one near nothing is a log source of
            // the user's own, which a mapping entry can place (`unmapped-logsource` below).
            let mut candidates: Vec<&str> = known.iter().map(String::as_str).collect();
            candidates.sort_unstable();
            let Some(nearest) = crate::text::closest(&value.value, candidates) else {
                continue;
            };
            return Diagnostic::error(
                "unknown-logsource",
                format!("unknown log source {key} `{}`", value.value),
            )
            .in_file(&rule.file)
            .at(value.span, format!("no mapping knows this {key}"))
            .with_help(format!("did you mean `{key}: {nearest}`?"))
            .with_scalar_replacement(value.span, nearest);
        }
        let origins: Vec<String> = self.files.iter().map(|f| f.file.display_path()).collect();
        let serving = self.other_profiles(|other| other.find_source(rule).is_some());
        let mut help = format!(
            "add the entry `- logsource: {}` with {} under `sources:` in a mapping file (`target: {}`) and pass it with --mapping; mappings searched: {}",
            logsource.describe(),
            match self.target {
                Target::Kql => "`table: <the Sentinel table that holds these events>`",
                Target::Spl => "`search: '<the base search that selects these events>'`",
            },
            self.target.name(),
            origins.join(", ")
        );
        if !serving.is_empty() {
            help = format!(
                "the profiles {} place this log source (--profile); or {help}",
                serving.join(", ")
            );
        }
        Diagnostic::error(
            "unmapped-logsource",
            format!(
                "no {} mapping for logsource {} in profile `{}`",
                self.target.name(),
                logsource.describe(),
                self.profile.name
            ),
        )
        .in_file(&rule.file)
        .at(logsource.span, "this log source")
        .with_help(help)
    }

    /// The CIM data model, its fields and `summariesonly` (later files win).
    fn datamodel(&self, name: &str) -> Option<(DataModel, bool)> {
        let model = self
            .files
            .iter()
            .rev()
            .find_map(|file| file.datamodels.get(name))?;
        let summariesonly = self
            .files
            .iter()
            .rev()
            .find_map(|file| file.cim.summariesonly)
            .unwrap_or(true);
        Some((model.clone(), summariesonly))
    }

    /// A rule over a CIM data model (`| tstats ... from datamodel=...`): every field must be a
    /// field of the model and the whole condition expressible in the search language that
    /// `tstats where` takes. Otherwise the rule is refused, or, with `cim: {fallback: raw}`,
    /// compiled as the raw search of the base mapping, with a note.
    fn map_to_datamodel(
        &self,
        rule: &Rule,
        lowered: &LoweredRule,
        entry: &SourceEntry,
    ) -> Result<MappedRule, Vec<Diagnostic>> {
        let name = entry.datamodel.clone().unwrap_or_default();
        let Some((model, summariesonly)) = self.datamodel(&name) else {
            return Err(vec![
                Diagnostic::error(
                    "invalid-mapping",
                    format!("data model `{name}` is not declared under `datamodels:`"),
                )
                .in_file(&entry_file(self, entry))
                .at(entry.span, "this source"),
            ]);
        };
        let mut mapped = self.map_with_entry(rule, lowered, entry)?;
        let mut outside: Vec<(String, String)> = Vec::new();
        let mut keyword = None;
        for predicate in mapped.expr.predicates() {
            match &predicate.field {
                None => keyword = Some(predicate.span),
                Some(target) if !model.fields.contains(target) => {
                    if !outside.iter().any(|(t, _)| t == target) {
                        outside.push((target.clone(), String::new()));
                    }
                }
                Some(_) => {}
            }
        }
        // The Sigma names of the target fields outside the model, for the diagnostics.
        for predicate in lowered.expr.predicates() {
            if let Some(field) = &predicate.field {
                let target = self.field_name(entry, field);
                if let Some(slot) = outside
                    .iter_mut()
                    .find(|(t, s)| *t == target && s.is_empty())
                {
                    slot.1 = field.clone();
                }
            }
        }
        let expressible = crate::backend::spl::search_expression(&mapped.expr).is_some();
        if outside.is_empty() && keyword.is_none() && expressible {
            mapped.source.datamodel = Some((name, model, summariesonly));
            return Ok(mapped);
        }
        let reason = match (outside.first(), keyword) {
            (Some((target, field)), _) if field == target || field.is_empty() => {
                format!("field `{target}` is not a field of the CIM data model {name}")
            }
            (Some((target, field)), _) => {
                format!("field `{field}` (`{target}`) is not a field of the CIM data model {name}")
            }
            (None, Some(_)) => {
                format!("a keyword search cannot run over the CIM data model {name}")
            }
            (None, None) => format!(
                "this condition needs `| where` or `| regex`, which `tstats` over {name} cannot take"
            ),
        };
        let fallback = self
            .files
            .iter()
            .rev()
            .find_map(|file| file.cim.fallback_raw)
            .unwrap_or(false);
        if fallback
            && let Some((_, raw)) =
                self.find_source_where(&rule.logsource.keys(), |e| e.datamodel.is_none())
        {
            let mut mapped = self.map_with_entry(rule, lowered, raw)?;
            mapped.notes.push(
                Diagnostic {
                    severity: crate::diagnostic::Severity::Info,
                    ..Diagnostic::error("cim-fallback", format!("compiled as a raw search: {reason}"))
                }
                .in_file(&rule.file)
                .at(rule.logsource.span, "this log source")
                .with_help("`cim: {fallback: raw}` in the mapping chose this; the raw search reads the add-on's sourcetype"),
            );
            return Ok(mapped);
        }
        let help = format!(
            "the model's fields: {}; choose --profile splunk for the raw search, or set `cim: {{fallback: raw}}` in a file passed with --mapping",
            model.fields.join(", ")
        );
        let error = |message: String, (file, span): (Arc<crate::diagnostic::SourceFile>, _)| {
            Diagnostic::error(
                "unmapped-field",
                format!("{message} (profile {})", self.profile.name),
            )
            .in_file(&file)
            .at(span, format!("not in {name}"))
            .with_help(help.clone())
        };
        let mut errors: Vec<Diagnostic> = outside
            .iter()
            .map(|(target, field)| {
                let message = if field == target || field.is_empty() {
                    format!("field `{target}` is not a field of the CIM data model {name}")
                } else {
                    format!(
                        "field `{field}` (`{target}`) is not a field of the CIM data model {name}"
                    )
                };
                let place = if field.is_empty() {
                    (Arc::clone(&rule.file), rule.detection.span)
                } else {
                    field_span(rule, field)
                };
                error(message, place)
            })
            .collect();
        if errors.is_empty() {
            let span = keyword.unwrap_or_else(|| {
                rule.detection
                    .conditions
                    .first()
                    .map_or(rule.detection.span, |c| c.span)
            });
            errors.push(error(reason, (Arc::clone(&rule.file), span)));
        }
        Err(errors)
    }

    fn map_with_entry(
        &self,
        rule: &Rule,
        lowered: &LoweredRule,
        entry: &SourceEntry,
    ) -> Result<MappedRule, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut placement = Placement::default();
        let expr = lowered
            .expr
            .clone()
            .try_map_predicates(&mut |predicate: Predicate| -> Result<Expr, ()> {
                match self.map_predicate(rule, entry, predicate, &mut placement) {
                    Ok(expr) => Ok(expr),
                    Err(diagnostic) => {
                        errors.push(diagnostic);
                        // Keep walking so every unresolved placeholder is reported.
                        Ok(Expr::and(Vec::new()))
                    }
                }
            })
            .expect("errors are collected, never returned");
        let mut notes = Vec::new();
        for diagnostic in placement.unplaced {
            if self.allow_unmapped {
                notes.push(Diagnostic {
                    severity: crate::diagnostic::Severity::Warning,
                    ..diagnostic
                });
            } else {
                errors.push(diagnostic);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        notes.extend(contradiction::never_matches(
            rule,
            entry,
            self.target,
            &expr,
        ));
        if let Some(custom) = entry.table.as_deref().and_then(|t| self.custom_table(t)) {
            notes.push(
                Diagnostic {
                    severity: crate::diagnostic::Severity::Info,
                    ..Diagnostic::error(
                        "custom-table",
                        format!(
                            "logsource {} lives in the custom table `{}` in profile {}: {}",
                            rule.logsource.describe(),
                            custom.name,
                            self.profile.name,
                            custom.description
                        ),
                    )
                }
                .in_file(&rule.file)
                .at(rule.logsource.span, "this log source")
                .with_help("the table must exist in your workspace with the columns `siemc profiles` lists; or map the log source to your own table with --mapping"),
            );
        }
        Ok(MappedRule {
            source: ResolvedSource {
                table: entry.table.clone(),
                filter: entry.filter.clone(),
                search: entry.search.clone(),
                function: entry.function,
                datamodel: None,
                matched: entry.describe(),
            },
            expr,
            notes,
        })
    }

    fn map_predicate(
        &self,
        rule: &Rule,
        entry: &SourceEntry,
        mut predicate: Predicate,
        placement: &mut Placement,
    ) -> Result<Expr, Diagnostic> {
        if let Some(field) = predicate.field.clone()
            && let Some(keys) = self.keyed_field(entry, &field)
        {
            return self.map_keyed(rule, entry, &field, keys, predicate, placement);
        }
        if let Some(field) = predicate.field.clone()
            && let Some(translated) = entry.value_fields.get(&field)
        {
            return self.map_values(rule, entry, &field, translated, predicate, placement);
        }
        if let Some(field) = predicate.field.take() {
            let target = self.placed_name(entry, &field);
            self.check_placed(rule, entry, &field, &target, placement);
            predicate.field = Some(target);
        }
        if let Matcher::FieldRef { other, .. } = &mut predicate.matcher {
            let target = self.placed_name(entry, other);
            self.check_placed(rule, entry, &other.clone(), &target, placement);
            *other = target;
        }
        self.expand_predicate(rule, predicate)
    }

    /// A correlation's field (a `group-by` name or the aggregated `field`) in a member rule's
    /// source: renamed like a detection field, and refused like one (`unmapped-field`, at
    /// `span` of the correlation's `file`) where the source's table has no such column.
    pub fn correlation_field(
        &self,
        member: &Rule,
        field: &str,
        file: &Arc<crate::diagnostic::SourceFile>,
        span: crate::diagnostic::Span,
    ) -> Result<String, Diagnostic> {
        let entry = self
            .find_source(member)
            .map(|(_, entry)| entry)
            .expect("a compiled member rule has a source");
        let target = self.placed_name(entry, field);
        let Some(table) = self.checked_table(entry) else {
            return Ok(target);
        };
        if self.allow_unmapped || self.is_placed(table, &target) {
            return Ok(target);
        }
        let renamed = renamed(field, &target);
        let column = target.split('.').next().unwrap_or(&target);
        let nearest = self.nearest_columns_help(table, column);
        Err(Diagnostic::error(
            "unmapped-field",
            format!(
                "correlation field `{field}`{renamed} has no column in `{table}`, the table of rule `{}` (profile {})",
                member.meta.title.as_ref().map_or("?", |t| t.value.as_str()),
                self.profile.name
            ),
        )
        .in_file(file)
        .at(span, format!("not in `{table}`"))
        .with_help(format!(
            "{nearest}map it with `fields: {{{field}: COLUMN}}` in a file passed with --mapping, or choose another --profile (see `siemc profiles`)"
        )))
    }

    /// The target of a Sigma field in `entry`: its name after the mapping's renames; or, when
    /// that is no column of the table and the entry reads Windows event data (`event_data`),
    /// the field inside that column: `EventData.Name` of a dynamic column (WindowsEvent, every
    /// EventData field), `EventData/Name` of an XML string column (SecurityEvent, a field the
    /// Security-Auditing provider has).
    fn placed_name(&self, entry: &SourceEntry, field: &str) -> String {
        let target = self.field_name(entry, field);
        let (Some(column), Some(table)) = (&entry.event_data, self.checked_table(entry)) else {
            return target;
        };
        let plain = field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if target != field || !plain || self.is_placed(table, &target) {
            return target;
        }
        match self.schema.column_type(table, column) {
            Some(ColumnType::Dynamic) => format!("{column}.{field}"),
            Some(ColumnType::String)
                if windows_fields::provider_has(windows_fields::SECURITY_AUDITING, field) =>
            {
                format!("{column}/{field}")
            }
            _ => target,
        }
    }

    /// Whether the schema knows the table of `entry` (KQL); only then can fields be checked.
    fn checked_table<'e>(&self, entry: &'e SourceEntry) -> Option<&'e str> {
        let table = entry.table.as_deref()?;
        (self.target == Target::Kql && self.schema.has_table(table)).then_some(table)
    }

    /// A target field is placed when it is a column of the table, or a property of one of
    /// its dynamic (or JSON string) columns.
    fn is_placed(&self, table: &str, target: &str) -> bool {
        if let Some((column, _)) = target.split_once('/') {
            return self.schema.column_type(table, column) == Some(ColumnType::String);
        }
        let column = target.split('.').next().unwrap_or(target);
        match self.schema.column_type(table, column) {
            None => false,
            Some(_) if column.len() == target.len() => true,
            Some(kind) => matches!(kind, ColumnType::Dynamic | ColumnType::String),
        }
    }

    fn check_placed(
        &self,
        rule: &Rule,
        entry: &SourceEntry,
        field: &str,
        target: &str,
        placement: &mut Placement,
    ) {
        let Some(table) = self.checked_table(entry) else {
            return;
        };
        if self.is_placed(table, target) || !placement.reported.insert(field.to_string()) {
            return;
        }
        let renamed = renamed(field, target);
        let column = target.split('.').next().unwrap_or(target);
        placement.unplaced.push(self.unmapped_field(
            rule,
            field,
            table,
            format!(
                "field `{field}`{renamed} has no column in `{table}` (profile {})",
                self.profile.name
            ),
            column,
        ));
    }

    /// `nearest columns of `T`: `A`, `B`; ` (empty when the table has none close), the start of
    /// an `unmapped-field` help.
    fn nearest_columns_help(&self, table: &str, column: &str) -> String {
        let nearest = self.schema.nearest_columns(table, column, 3);
        if nearest.is_empty() {
            return String::new();
        }
        let names: Vec<String> = nearest.iter().map(|c| format!("`{c}`")).collect();
        format!("nearest columns of `{table}`: {}; ", names.join(", "))
    }

    fn unmapped_field(
        &self,
        rule: &Rule,
        field: &str,
        table: &str,
        message: String,
        column: &str,
    ) -> Diagnostic {
        let nearest = self.nearest_columns_help(table, column);
        let (file, span) = field_span(rule, field);
        Diagnostic::error("unmapped-field", message)
            .in_file(&file)
            .at(span, format!("not in `{table}`"))
            .with_help(format!(
                "{nearest}if one holds the same data, map it with `fields: {{{field}: COLUMN}}` in a file passed with --mapping; \
                 or choose another --profile (see `siemc profiles`); --allow-unmapped emits the query anyway, with a warning"
            ))
    }

    /// A condition on a field whose values the target spells differently: only plain values
    /// (text without wildcards, booleans) that the mapping lists can be translated.
    fn map_values(
        &self,
        rule: &Rule,
        entry: &SourceEntry,
        field: &str,
        translated: &file::ValueField,
        predicate: Predicate,
        placement: &mut Placement,
    ) -> Result<Expr, Diagnostic> {
        let value = match &predicate.matcher {
            Matcher::Text { pattern, .. } => pattern.as_literal(),
            Matcher::Bool(value) => Some(value.to_string()),
            Matcher::Null | Matcher::Exists(_) => {
                let mut predicate = predicate;
                predicate.field = Some(translated.column.clone());
                return Ok(Expr::Predicate(predicate));
            }
            _ => None,
        };
        match value.and_then(|v| translated.values.get(&v.to_lowercase())) {
            Some(targets) => Ok(Expr::or(
                targets
                    .iter()
                    .map(|target| {
                        Expr::Predicate(Predicate {
                            field: Some(translated.column.clone()),
                            matcher: Matcher::Text {
                                pattern: Pattern::literal(target.clone()),
                                cased: false,
                            },
                            span: predicate.span,
                            origin: predicate.origin.clone(),
                        })
                    })
                    .collect(),
            )),
            None => {
                let table = entry.table.as_deref().unwrap_or_default();
                let mut known: Vec<&str> = translated.values.keys().map(String::as_str).collect();
                known.sort();
                if placement.reported.insert(format!("{field}=value")) {
                    placement.unplaced.push(
                        Diagnostic::error(
                            "unmapped-field",
                            format!(
                                "`{field}` is `{}` in `{table}` (profile {}), which has a counterpart only for the values {}",
                                translated.column,
                                self.profile.name,
                                known.join(", ")
                            ),
                        )
                        .in_file(&rule.file)
                        .at(predicate.span, "no counterpart for this value")
                        .with_help("use one of those values, or --allow-unmapped to emit the query anyway, with a warning"),
                    );
                }
                Ok(Expr::Predicate(predicate))
            }
        }
    }

    /// A condition on a `KEY=value` list field (Sysmon's `Hashes: SHA256=...,IMPHASH=...`)
    /// becomes a condition on the column holding that key's value. Only `[*]KEY=value[*]`
    /// values can be split; a key without a column is unplaced.
    fn map_keyed(
        &self,
        rule: &Rule,
        entry: &SourceEntry,
        field: &str,
        keys: &HashMap<String, String>,
        predicate: Predicate,
        placement: &mut Placement,
    ) -> Result<Expr, Diagnostic> {
        let table = entry.table.as_deref().unwrap_or_default();
        let mut known: Vec<&str> = keys
            .iter()
            .filter(|(_, target)| !target.is_empty())
            .map(|(key, _)| key.as_str())
            .collect();
        known.sort();
        let unsplittable = |what: &str| {
            Diagnostic::error(
                "unmapped-field",
                format!(
                    "`{field}` is split into one column per algorithm in `{table}`; {what}"
                ),
            )
            .in_file(&rule.file)
            .at(predicate.span, "this value")
            .with_help(format!(
                "write each value as `ALGO=value` with ALGO one of {} (as Sysmon writes them), with `|contains`",
                known.join(", ")
            ))
        };
        let Matcher::Text { pattern, cased } = &predicate.matcher else {
            return Err(unsplittable(
                "only text values of the form ALGO=value can be placed",
            ));
        };
        let mut parts = pattern.parts.as_slice();
        if let [PatternPart::AnyChars, rest @ ..] = parts {
            parts = rest;
        }
        let open_end = matches!(parts.last(), Some(PatternPart::AnyChars));
        if open_end {
            parts = &parts[..parts.len() - 1];
        }
        let [PatternPart::Literal(text)] = parts else {
            return Err(unsplittable("this value is not a single ALGO=value pair"));
        };
        let Some((key, value)) = text.split_once('=') else {
            return Err(unsplittable("this value does not name its algorithm"));
        };
        let key = key.trim().to_ascii_uppercase();
        match keys.get(&key).filter(|target| !target.is_empty()) {
            Some(target)
                if self
                    .checked_table(entry)
                    .is_none_or(|t| self.is_placed(t, target)) =>
            {
                let mut value_parts = vec![PatternPart::Literal(value.to_string())];
                // A whole hash cannot be the prefix of a longer one: the pair is complete.
                let whole = value.chars().all(|c| c.is_ascii_hexdigit())
                    && matches!(
                        (key.as_str(), value.len()),
                        ("MD5" | "IMPHASH", 32)
                            | ("SHA1", 40)
                            | ("SHA256", 64)
                            | ("SHA384", 96)
                            | ("SHA512", 128)
                    );
                if open_end && !whole {
                    value_parts.push(PatternPart::AnyChars);
                }
                Ok(Expr::Predicate(Predicate {
                    field: Some(target.clone()),
                    matcher: Matcher::Text {
                        pattern: Pattern { parts: value_parts },
                        cased: *cased,
                    },
                    span: predicate.span,
                    origin: predicate.origin.clone(),
                }))
            }
            _ => {
                if placement.reported.insert(format!("{field}={key}")) {
                    placement.unplaced.push(
                        Diagnostic::error(
                            "unmapped-field",
                            format!(
                                "`{field}` value `{key}=...` has no column in `{table}` (profile {}): it has {}",
                                self.profile.name,
                                known.iter().map(|k| format!("{k} (`{}`)", keys[*k])).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .in_file(&rule.file)
                        .at(predicate.span, format!("no {key} in `{table}`"))
                        .with_help("the table lacks this data; choose another --profile (see `siemc profiles`), or --allow-unmapped to emit the query anyway, with a warning"),
                    );
                }
                // Keep the condition on the original field (emitted only under --allow-unmapped).
                Ok(Expr::Predicate(predicate))
            }
        }
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

/// The values of one logsource key that some mapping or the Sigma taxonomy knows (lower case):
/// the taxonomy appendix's log sources, every built-in profile's entries (both targets) and the
/// given mapping files (a user's `--mapping`).
fn known_logsource_values(key: &str, files: &[MappingFile]) -> HashSet<String> {
    static TAXONOMY: &str = include_str!("../../mappings/sigma-taxonomy-logsources.txt");
    let mut known: HashSet<String> = coverage::parse_logsource_list(TAXONOMY)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect();
    let builtin = profile::PROFILES
        .iter()
        .flat_map(|p| p.mapping_files().iter());
    for file in builtin.chain(files) {
        for entry in &file.sources {
            known.extend(
                entry
                    .logsource
                    .iter()
                    .filter(|(k, v)| *k == key && v != file::ANY_VALUE)
                    .map(|(_, v)| v.to_ascii_lowercase()),
            );
        }
    }
    known
}

/// Security-log (event 4688) names of the `process_creation` taxonomy fields whose data is the
/// same in every process-creation source (full paths, the command line, the hex logon id).
const PROCESS_CREATION_ALIASES: &[(&str, &str)] = &[
    ("NewProcessName", "Image"),
    ("ParentProcessName", "ParentImage"),
    ("TargetLogonId", "LogonId"),
];

/// The taxonomy name a rule's field stands for in `entry`'s category, if it is an alias.
fn taxonomy_alias(entry: &SourceEntry, field: &str) -> Option<&'static str> {
    let process_creation = entry
        .logsource
        .iter()
        .any(|(key, value)| *key == "category" && value.eq_ignore_ascii_case("process_creation"));
    if !process_creation {
        return None;
    }
    PROCESS_CREATION_ALIASES
        .iter()
        .find(|(alias, _)| *alias == field)
        .map(|(_, sigma)| *sigma)
}

/// ` (mapped to `target`)` when the mapping renamed `field`, for messages.
fn renamed(field: &str, target: &str) -> String {
    if target == field {
        String::new()
    } else {
        format!(" (mapped to `{target}`)")
    }
}
