//! Sigma filters (filters specification 2.1): which filter applies to which rule.
//!
//! Takes: filter documents (from the rule files themselves, `--filter FILE|DIR`, `filters = [...]`
//! in `siemc.toml`) and the loaded detection rules. Gives: each rule with the filters that apply
//! to it attached ([`Rule::filters`]); lowering (`ir::lower_rule`) then ANDs each filter's
//! condition to the rule's, so KQL, SPL, the evaluator and the exports all see one filtered
//! rule. A filter applies to a rule when the filter's log source contains the rule's (every key
//! the filter gives is the rule's) and `rules:` names the rule by id or name, or is `any`, as
//! pySigma applies them (`sigma convert --filter`). Correlation rules are not filtered
//! themselves; their member rules are.

use crate::diagnostic::Diagnostic;
use crate::ir;
use crate::rule::{self, FilterRule, LogSource, Rule, RuleDocument};
use std::path::PathBuf;
use std::sync::Arc;

/// A set of filters to apply.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    filters: Vec<Arc<FilterRule>>,
}

/// Filter files loaded from paths: the filters, and the problems of those files.
pub struct LoadedFilters {
    pub filters: Filters,
    /// Problems of the filter files (YAML, structure, selections, conditions, documents that are
    /// not filters): each file's errors, exit code 1.
    pub diagnostics: Vec<Diagnostic>,
    /// Paths that do not exist (usage errors).
    pub usage_problems: Vec<Diagnostic>,
}

impl Filters {
    /// Loads every filter document of the files and directories (recursively, `*.yml` /
    /// `*.yaml`) in `paths`. A document that is not a filter is an error there.
    pub fn load(paths: &[PathBuf]) -> LoadedFilters {
        let (files, usage_problems) = rule::collect_rule_paths(paths);
        let mut filters = Filters::default();
        let mut diagnostics = Vec::new();
        for path in files {
            let file = match rule::read_source(&path) {
                Ok(file) => file,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            let (documents, problems) = rule::load_rule_file(&file);
            diagnostics.extend(problems);
            for document in documents {
                match document {
                    RuleDocument::Filter(filter) => {
                        diagnostics.extend(problems_of(&filter));
                        filters.filters.push(Arc::from(filter));
                    }
                    RuleDocument::Detection(rule) => {
                        diagnostics.push(not_a_filter(&rule.file, rule.span))
                    }
                    RuleDocument::Correlation(c) => diagnostics.push(not_a_filter(&c.file, c.span)),
                }
            }
        }
        LoadedFilters {
            filters,
            diagnostics,
            usage_problems,
        }
    }

    /// These filters and the filter documents among `documents` (filters written in the rule
    /// files given).
    pub fn with_documents<'a>(
        &self,
        documents: impl IntoIterator<Item = &'a RuleDocument>,
    ) -> Filters {
        let mut all = self.clone();
        for document in documents {
            if let RuleDocument::Filter(filter) = document
                && !all.filters.iter().any(|f| same_document(f, filter))
            {
                all.filters.push(Arc::new(filter.as_ref().clone()));
            }
        }
        all
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<FilterRule>> {
        self.filters.iter()
    }

    /// Attaches to every detection rule of `documents` the filters that apply to it.
    pub fn apply(&self, documents: &mut [RuleDocument]) {
        if self.filters.is_empty() {
            return;
        }
        for document in documents {
            if let RuleDocument::Detection(rule) = document {
                self.apply_to(rule);
            }
        }
    }

    /// Attaches to `rule` the filters that apply to it (in the order they were given).
    pub fn apply_to(&self, rule: &mut Rule) {
        rule.filters = self
            .filters
            .iter()
            .filter(|filter| applies_to(filter, rule))
            .cloned()
            .collect();
    }
}

/// Whether `filter` applies to `rule`: its log source contains the rule's and it names the rule
/// (by id or name) or says `rules: any`.
pub fn applies_to(filter: &FilterRule, rule: &Rule) -> bool {
    logsource_contains(&filter.logsource, &rule.logsource)
        && (filter.any_rule || filter.rules.iter().any(|r| names(&r.value, rule)))
}

/// Whether `reference` (a filter's or correlation's `rules:` entry) names `rule`.
pub fn names(reference: &str, rule: &Rule) -> bool {
    rule.id() == Some(reference)
        || rule
            .meta
            .name
            .as_ref()
            .is_some_and(|n| n.value == reference)
}

/// Every key the filter's log source gives has the rule's value (pySigma: `rule.logsource in
/// filter.logsource`).
pub fn logsource_contains(filter: &LogSource, rule: &LogSource) -> bool {
    let matches = |f: &Option<rule::Spanned<String>>, r: &Option<rule::Spanned<String>>| match f {
        None => true,
        Some(f) => r.as_ref().is_some_and(|r| r.value == f.value),
    };
    matches(&filter.product, &rule.product)
        && matches(&filter.category, &rule.category)
        && matches(&filter.service, &rule.service)
}

/// The problems of a filter document itself: its selections and condition.
pub fn problems_of(filter: &FilterRule) -> Vec<Diagnostic> {
    ir::lower_filter(filter).err().unwrap_or_default()
}

/// The same document of the same file, however its path was written (a filter directory given
/// with `--filter` and inside the rule directory too).
fn same_document(a: &FilterRule, b: &FilterRule) -> bool {
    let canonical = |f: &FilterRule| std::fs::canonicalize(f.file.path()).ok();
    a.document == b.document
        && (a.file.path() == b.file.path()
            || canonical(a).is_some_and(|path| Some(path) == canonical(b)))
}

fn not_a_filter(
    file: &Arc<crate::diagnostic::SourceFile>,
    span: crate::diagnostic::Span,
) -> Diagnostic {
    Diagnostic::error(
        "not-a-filter",
        "a file given as a filter holds a document that is not a Sigma filter",
    )
    .in_file(file)
    .at(span, "not a `filter:` document")
    .with_help("pass rules as PATH arguments and filters with --filter")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn load(text: &str) -> Vec<RuleDocument> {
        let (documents, diagnostics) =
            rule::load_rule_file(&Arc::new(SourceFile::new("f.yml", text)));
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        documents
    }

    const RULES: &str = "title: a\nid: 1a\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n---\ntitle: b\nname: rule_b\nlogsource: {product: windows, category: network_connection}\ndetection: {s: {Image: x}, condition: s}\n---\ntitle: c\nlogsource: {product: linux, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n";

    fn applied(filter: &str) -> Vec<usize> {
        let mut documents = load(&format!("{RULES}---\n{filter}"));
        let filters = Filters::default().with_documents(documents.iter());
        filters.apply(&mut documents);
        documents
            .iter()
            .filter_map(|d| match d {
                RuleDocument::Detection(rule) => Some(rule.filters.len()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_filter_applies_by_id_name_or_any_within_its_logsource() {
        let by_id_and_name = "title: f\nlogsource: {product: windows}\nfilter: {rules: [1a, rule_b], s: {User: adm}, condition: not s}\n";
        assert_eq!(applied(by_id_and_name), [1, 1, 0]);
        let any = "title: f\nlogsource: {category: process_creation}\nfilter: {rules: any, s: {User: adm}, condition: not s}\n";
        assert_eq!(applied(any), [1, 0, 1]);
        let empty_list = "title: f\nlogsource: {product: windows}\nfilter: {rules: [], s: {User: adm}, condition: not s}\n";
        assert_eq!(applied(empty_list), [1, 1, 0]);
        // The rule is named, but the filter's log source does not contain the rule's.
        let other_logsource = "title: f\nlogsource: {product: windows, category: process_creation}\nfilter: {rules: rule_b, s: {User: adm}, condition: not s}\n";
        assert_eq!(applied(other_logsource), [0, 0, 0]);
    }

    #[test]
    fn lowering_ands_the_filter_condition() {
        let mut documents = load(&format!(
            "{RULES}---\ntitle: f\nlogsource: {{product: windows}}\nfilter: {{rules: 1a, s: {{User: adm}}, condition: not s}}\n"
        ));
        Filters::default()
            .with_documents(documents.iter())
            .apply(&mut documents);
        let RuleDocument::Detection(rule) = &documents[0] else {
            panic!()
        };
        let lowered = ir::lower_rule(rule).unwrap();
        let ir::Expr::And(items) = &lowered.expr else {
            panic!("{:?}", lowered.expr)
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[1], ir::Expr::Not(_)));
        let ir::Expr::Not(inner) = &items[1] else {
            unreachable!()
        };
        let ir::Expr::Predicate(predicate) = inner.as_ref() else {
            panic!()
        };
        assert_eq!(
            predicate.origin.as_ref().map(|f| f.display_path()),
            Some("f.yml".to_string()),
            "a filter's predicates point into the filter's file"
        );
    }
}
