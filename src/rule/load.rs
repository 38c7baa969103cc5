//! Rule loading: files on disk to typed [`RuleDocument`]s.
//!
//! Takes: paths (files or directories). Gives: the typed documents of every file and all the
//! diagnostics found on the way (unreadable, binary or invalid UTF-8 files, YAML errors,
//! wrong types, missing keys, unknown modifiers). One bad file or document never stops the others.

use super::model::*;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::yaml::{self, Node, NodeKind, ScalarValue};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rule files are small; anything bigger is refused before parsing so memory stays bounded.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Expands the command-line inputs into rule files: directories recursively (`*.yml`,
/// `*.yaml`, sorted), files as given. Missing paths are usage errors.
pub fn collect_rule_paths(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    collect_files(inputs, is_rule_file_name)
}

/// Expands inputs into files: directories recursively (the files `wanted` accepts, sorted),
/// files as given whatever their name. Missing paths are usage errors.
pub fn collect_files(
    inputs: &[PathBuf],
    wanted: fn(&Path) -> bool,
) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let before = paths.len();
            walk_directory(input, wanted, &mut paths, &mut problems);
            // An empty directory is almost always a wrong path: a green run would hide it.
            if paths.len() == before {
                problems.push(
                    Diagnostic::error(
                        "path-not-found",
                        format!(
                            "{}: no rule files (*.yml, *.yaml) in this directory",
                            input.display()
                        ),
                    )
                    .with_help("pass the directory that holds the rules"),
                );
            }
        } else if input.is_file() {
            paths.push(input.clone());
        } else {
            problems.push(
                Diagnostic::error(
                    "path-not-found",
                    format!("{}: no such file or directory", input.display()),
                )
                .with_help("pass files, or directories to search recursively"),
            );
        }
    }
    (paths, problems)
}

fn walk_directory(
    dir: &Path,
    wanted: fn(&Path) -> bool,
    paths: &mut Vec<PathBuf>,
    problems: &mut Vec<Diagnostic>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(Diagnostic::error(
                "io-error",
                format!("{}: cannot read directory: {error}", dir.display()),
            ));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let Ok(file_type) = std::fs::symlink_metadata(&child).map(|m| m.file_type()) else {
            continue;
        };
        if file_type.is_dir() {
            walk_directory(&child, wanted, paths, problems);
        } else if wanted(&child) {
            paths.push(child);
        }
    }
}

pub fn is_rule_file_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    (name.ends_with(".yml") || name.ends_with(".yaml"))
        && !name.ends_with(".tests.yml")
        && !name.ends_with(".tests.yaml")
}

/// Reads a file as UTF-8 text, refusing oversized, binary and non-UTF-8 files with a
/// diagnostic that points at the offending byte.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, Diagnostic> {
    let size = std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|error| io_error(path, &error))?;
    if size > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "file-too-large",
            format!(
                "{}: file is {size} bytes; rule files are limited to {MAX_FILE_BYTES} bytes",
                path.display()
            ),
        )
        .with_help("split the file, or check that it really is a rule file"));
    }
    let bytes = std::fs::read(path).map_err(|error| io_error(path, &error))?;
    source_from_bytes(path, bytes)
}

/// Turns raw bytes into a source file, or a diagnostic for binary / non-UTF-8 content.
pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Diagnostic> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let text = String::from_utf8_lossy(&bytes[..nul]).into_owned();
        let at = text.len();
        let file = Arc::new(SourceFile::new(path, text));
        return Err(
            Diagnostic::error("binary-file", "this is a binary file, not a YAML rule")
                .in_file(&file)
                .at(Span::new(at, at), "NUL byte here")
                .with_help("only UTF-8 YAML files can hold rules"),
        );
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::new(SourceFile::new(path, text))),
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            // The lossy text is identical up to the first invalid byte, so the offset holds.
            let file = Arc::new(SourceFile::new(path, text));
            Err(
                Diagnostic::error("invalid-utf8", "the file is not valid UTF-8")
                    .in_file(&file)
                    .at(
                        Span::new(valid_up_to, valid_up_to + 1),
                        "invalid byte sequence here",
                    )
                    .with_help("save the rule as UTF-8"),
            )
        }
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io-error", format!("{}: {error}", path.display()))
}

/// Parses every YAML document of a file into typed documents.
///
/// Findings on metadata (`references:` left empty, a string where Sigma wants a list, a
/// missing `title`) are left out: metadata does not change the query, so `compile`, `test` and
/// `export` go on without them; `check` reports them ([`load_rule_file_with_yaml`]).
pub fn load_rule_file(file: &Arc<SourceFile>) -> (Vec<RuleDocument>, Diagnostics) {
    let loaded = load_rule_file_with_yaml(file);
    (loaded.documents, loaded.diagnostics)
}

/// A rule file loaded for the linter: the typed documents that loaded cleanly, the YAML tree of
/// every document (the linter looks at keys the typed model does not keep) and all diagnostics.
pub struct LoadedFile {
    pub documents: Vec<RuleDocument>,
    pub yaml: Vec<yaml::Document>,
    /// What keeps a document from loading, or changes its meaning.
    pub diagnostics: Diagnostics,
    /// Findings on metadata keys: the document still loads (the linter reports them).
    pub metadata: Diagnostics,
    /// The metadata of documents that did not load (a structural error), so the linter can
    /// still report every finding on it in the same run.
    pub unloaded: Vec<Metadata>,
}

/// Like [`load_rule_file`], keeping the YAML tree of each document.
pub fn load_rule_file_with_yaml(file: &Arc<SourceFile>) -> LoadedFile {
    let (documents, mut diagnostics) = yaml::load_documents(file);
    let mut metadata = Diagnostics::new();
    let mut unloaded = Vec::new();
    let mut rules = Vec::new();
    // A document with a YAML-level error (e.g. a duplicate key) is ambiguous: report, never compile.
    let yaml_errors: Vec<Span> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter_map(Diagnostic::primary_span)
        .collect();
    for document in &documents {
        let span = document.root.span;
        if yaml_errors
            .iter()
            .any(|e| e.start >= span.start && e.start <= span.end)
        {
            continue;
        }
        let mut loader = DocumentLoader {
            file,
            diagnostics: Diagnostics::new(),
            metadata: Diagnostics::new(),
            meta: None,
        };
        let loaded = loader.document(&document.root, document.index);
        let document_ok = !loader.diagnostics.has_errors();
        diagnostics.extend(loader.diagnostics);
        metadata.extend(loader.metadata);
        match (loaded, document_ok) {
            (Some(rule), true) => rules.push(rule),
            _ => unloaded.extend(loader.meta),
        }
    }
    LoadedFile {
        documents: rules,
        yaml: documents,
        diagnostics,
        metadata,
        unloaded,
    }
}

struct DocumentLoader<'a> {
    file: &'a Arc<SourceFile>,
    diagnostics: Diagnostics,
    /// Findings on metadata keys, which do not keep the document from loading.
    metadata: Diagnostics,
    /// The document's metadata as read, even when the document does not load.
    meta: Option<Metadata>,
}

pub const METADATA_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "related",
    "taxonomy",
    "status",
    "description",
    "license",
    "author",
    "references",
    "date",
    "modified",
    "tags",
    "falsepositives",
    "level",
    "scope",
    "fields",
    "tests",
    "deploy",
];

impl DocumentLoader<'_> {
    fn error(&mut self, code: &'static str, message: String, span: Span, label: &str) {
        self.diagnostics.push(
            Diagnostic::error(code, message)
                .in_file(self.file)
                .at(span, label),
        );
    }

    fn document(&mut self, root: &Node, index: usize) -> Option<RuleDocument> {
        let Some(entries) = root.as_mapping() else {
            self.error(
                "wrong-type",
                format!(
                    "a rule document must be a mapping of keys, found {}",
                    root.kind_name()
                ),
                root.span,
                "expected `title:`, `logsource:`, `detection:` ...",
            );
            return None;
        };
        let mut meta = Metadata::default();
        let mut logsource_node = None;
        let mut detection_node = None;
        let mut correlation_node = None;
        let mut filter_node = None;
        for (key, value) in entries {
            let Some(key_text) = key.as_str() else {
                self.error(
                    "wrong-type",
                    "keys must be strings".into(),
                    key.span,
                    "not a string key",
                );
                continue;
            };
            match key_text {
                "logsource" => logsource_node = Some(value),
                "detection" => detection_node = Some(value),
                "correlation" => correlation_node = Some(value),
                "filter" => filter_node = Some(value),
                k if METADATA_KEYS.contains(&k) => {
                    let before = self.diagnostics.len();
                    self.metadata_key(&mut meta, k, value);
                    self.metadata.extend(self.diagnostics.split_off(before));
                }
                _ => meta
                    .custom
                    .push((Spanned::new(key_text.to_string(), key.span), value.clone())),
            }
        }
        // Kept for the linter, whatever happens to the rest of the document.
        self.meta = Some(meta.clone());
        if let Some(correlation) = correlation_node {
            return self
                .correlation(root, index, meta, correlation)
                .map(|c| RuleDocument::Correlation(Box::new(c)));
        }
        if let Some(filter) = filter_node {
            return self
                .filter(root, index, meta, logsource_node, filter)
                .map(|f| RuleDocument::Filter(Box::new(f)));
        }
        let title_written = entries.iter().any(|(k, _)| k.as_str() == Some("title"));
        if meta.title.is_none() && !title_written {
            let before = self.diagnostics.len();
            self.missing_key(root, "title", "every Sigma rule needs a `title:`");
            self.metadata.extend(self.diagnostics.split_off(before));
        }
        let logsource = match logsource_node {
            Some(node) => self.logsource(node),
            None => {
                self.missing_key(
                    root,
                    "logsource",
                    "add `logsource:` with `product`, `category` and/or `service`",
                );
                LogSource::default()
            }
        };
        let Some(detection_node) = detection_node else {
            self.missing_key(
                root,
                "detection",
                "add `detection:` with at least one selection and a `condition:`",
            );
            return None;
        };
        let detection = self.detection(detection_node)?;
        Some(RuleDocument::Detection(Box::new(Rule {
            file: Arc::clone(self.file),
            document: index,
            span: root.span,
            meta,
            logsource,
            detection,
            filters: Vec::new(),
        })))
    }

    /// A required key is missing: reported at a near miss of it (`detecton:`), the line to fix,
    /// or else at the start of the mapping that lacks it.
    fn missing_key(&mut self, parent: &Node, key: &str, help: &str) {
        let missing = Diagnostic::error("missing-key", format!("missing required key `{key}`"))
            .in_file(self.file);
        let near_miss = parent.as_mapping().and_then(|entries| {
            entries.iter().find_map(|(k, _)| {
                let name = k.as_str()?;
                crate::text::closest(name, [key]).map(|_| (name, k.span))
            })
        });
        self.diagnostics.push(match near_miss {
            Some((name, span)) => missing
                .at(span, format!("misspelled `{key}`?"))
                .with_help(format!("did you mean `{key}`? `{name}` is not a Sigma key"))
                .with_scalar_replacement(span, key),
            None => missing
                .at(
                    Span::new(parent.span.start, parent.span.start),
                    format!("this document has no `{key}`"),
                )
                .with_help(help.to_string()),
        });
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::Scalar(scalar) if !node.is_null() => {
                Some(Spanned::new(scalar.text.clone(), node.span))
            }
            _ => {
                self.error(
                    "wrong-type",
                    format!("`{what}` must be a string, found {}", node.kind_name()),
                    node.span,
                    "expected a string",
                );
                None
            }
        }
    }

    /// A list of strings; a single string is accepted as a list of one where Sigma allows it.
    fn string_list(&mut self, node: &Node, what: &str, allow_scalar: bool) -> Vec<Spanned<String>> {
        match &node.kind {
            NodeKind::Sequence(items) => items
                .iter()
                .filter_map(|item| self.string(item, what))
                .collect(),
            NodeKind::Scalar(_) if allow_scalar && !node.is_null() => {
                self.string(node, what).into_iter().collect()
            }
            _ => {
                let mut diagnostic = Diagnostic::error(
                    "wrong-type",
                    format!(
                        "`{what}` must be a list of strings, found {}",
                        node.kind_name()
                    ),
                )
                .in_file(self.file)
                .at(node.span, "expected a list");
                // A single string: the list of that one string is what was meant.
                let written = self.file.text.get(node.span.start..node.span.end);
                let quoted = |w: &str| w.starts_with(['\'', '"']);
                let flow_safe = |w: &str| !w.contains([',', '[', ']', '{', '}', '#', '\n']);
                if let (false, Some(_), Some(written)) = (node.is_null(), node.as_str(), written)
                    && !written.starts_with(['|', '>'])
                    && (quoted(written) || flow_safe(written))
                {
                    diagnostic = diagnostic.with_suggestion(
                        node.span,
                        format!("[{written}]"),
                        format!("make it a list: `[{written}]`"),
                    );
                }
                self.diagnostics.push(diagnostic);
                Vec::new()
            }
        }
    }

    fn metadata_key(&mut self, meta: &mut Metadata, key: &str, value: &Node) {
        match key {
            "title" => meta.title = self.string(value, key),
            "id" => meta.id = self.string(value, key),
            "name" => meta.name = self.string(value, key),
            "taxonomy" => meta.taxonomy = self.string(value, key),
            "status" => meta.status = self.string(value, key),
            "description" => meta.description = self.string(value, key),
            "license" => meta.license = self.string(value, key),
            "author" => meta.author = self.string(value, key),
            "date" => meta.date = self.string(value, key),
            "modified" => meta.modified = self.string(value, key),
            "level" => meta.level = self.string(value, key),
            "references" => meta.references = self.string_list(value, key, false),
            "tags" => meta.tags = self.string_list(value, key, false),
            "falsepositives" => meta.falsepositives = self.string_list(value, key, true),
            "scope" => meta.scope = self.string_list(value, key, true),
            "fields" => meta.fields = self.string_list(value, key, false),
            "related" => meta.related = self.related(value),
            "tests" => meta.tests = Some(value.clone()),
            "deploy" => meta.deploy = Some(value.clone()),
            _ => {}
        }
    }

    fn related(&mut self, node: &Node) -> Vec<Related> {
        let Some(items) = node.as_sequence() else {
            self.error(
                "wrong-type",
                format!("`related` must be a list, found {}", node.kind_name()),
                node.span,
                "expected a list of {id, type}",
            );
            return Vec::new();
        };
        let mut related = Vec::new();
        for item in items {
            let id = item.get("id").and_then(|n| self.string(n, "related.id"));
            let kind = item
                .get("type")
                .and_then(|n| self.string(n, "related.type"));
            match (id, kind) {
                (Some(id), Some(kind)) => related.push(Related { id, kind }),
                _ => self.error(
                    "missing-key",
                    "each `related` entry needs `id` and `type`".into(),
                    item.span,
                    "incomplete entry",
                ),
            }
        }
        related
    }

    fn logsource(&mut self, node: &Node) -> LogSource {
        let mut logsource = LogSource {
            span: node.span,
            ..LogSource::default()
        };
        let Some(entries) = node.as_mapping() else {
            self.error(
                "wrong-type",
                format!("`logsource` must be a mapping, found {}", node.kind_name()),
                node.span,
                "expected `product:`, `category:`, `service:`",
            );
            return logsource;
        };
        for (key, value) in entries {
            match key.as_str() {
                Some("category") => logsource.category = self.string(value, "logsource.category"),
                Some("product") => logsource.product = self.string(value, "logsource.product"),
                Some("service") => logsource.service = self.string(value, "logsource.service"),
                Some("definition") => {
                    logsource.definition = self.string(value, "logsource.definition")
                }
                // Sigma allows custom log source keys; they do not select a mapping.
                _ => {}
            }
        }
        logsource
    }

    fn detection(&mut self, node: &Node) -> Option<Detection> {
        let Some(entries) = node.as_mapping() else {
            self.error(
                "wrong-type",
                format!("`detection` must be a mapping, found {}", node.kind_name()),
                node.span,
                "expected selections and a `condition:`",
            );
            return None;
        };
        let mut selections = Vec::new();
        let mut conditions = Vec::new();
        let mut timeframe = None;
        let mut condition_seen = false;
        for (key, value) in entries {
            let Some(name) = key.as_str() else { continue };
            match name {
                "condition" => {
                    condition_seen = true;
                    conditions = self.conditions(value);
                }
                "timeframe" => timeframe = self.string(value, "timeframe"),
                _ => {
                    if let Some(selection) =
                        self.selection(Spanned::new(name.to_string(), key.span), value)
                    {
                        selections.push(selection);
                    }
                }
            }
        }
        if !condition_seen {
            let missing =
                Diagnostic::error("missing-key", "missing required key `detection.condition`")
                    .in_file(self.file);
            // A near miss (`conditon:`) is reported on its own line: that is the line to fix.
            let near_miss = entries.iter().find_map(|(key, _)| {
                let name = key.as_str()?;
                crate::text::closest(name, ["condition"]).map(|_| (name, key.span))
            });
            self.diagnostics.push(match near_miss {
                Some((name, span)) => missing
                    .at(span, "misspelled `condition`?")
                    .with_help(format!(
                        "did you mean `condition`? `{name}` is read as a selection"
                    ))
                    .with_scalar_replacement(span, "condition"),
                None => missing
                    .at(
                        Span::new(node.span.start, node.span.start),
                        "this detection has no `condition`",
                    )
                    .with_help("add e.g. `condition: selection`"),
            });
        }
        Some(Detection {
            selections,
            conditions,
            timeframe,
            span: node.span,
        })
    }

    fn conditions(&mut self, node: &Node) -> Vec<Spanned<String>> {
        match &node.kind {
            NodeKind::Sequence(items) if !items.is_empty() => items
                .iter()
                .filter_map(|item| self.string(item, "condition"))
                .collect(),
            NodeKind::Scalar(_) if !node.is_null() => {
                self.string(node, "condition").into_iter().collect()
            }
            _ => {
                self.error(
                    "wrong-type",
                    format!(
                        "`condition` must be a string or a list of strings, found {}",
                        node.kind_name()
                    ),
                    node.span,
                    "expected a condition such as `selection and not filter`",
                );
                Vec::new()
            }
        }
    }

    pub(super) fn selection(&mut self, name: Spanned<String>, node: &Node) -> Option<Selection> {
        let body = match &node.kind {
            NodeKind::Mapping(entries) if entries.is_empty() => SelectionBody::Empty,
            NodeKind::Mapping(_) => SelectionBody::FieldMaps(vec![self.field_map(node)?]),
            NodeKind::Sequence(items) if items.is_empty() => SelectionBody::Empty,
            NodeKind::Sequence(items) => {
                if items.iter().all(|item| item.as_mapping().is_some()) {
                    let maps: Vec<FieldMap> = items
                        .iter()
                        .filter_map(|item| self.field_map(item))
                        .collect();
                    if maps.len() != items.len() {
                        return None;
                    }
                    SelectionBody::FieldMaps(maps)
                } else if items.iter().all(|item| item.as_scalar().is_some()) {
                    SelectionBody::Keywords(items.clone())
                } else {
                    self.error(
                        "mixed-selection",
                        format!(
                            "selection `{}` mixes maps and plain values in one list",
                            name.value
                        ),
                        node.span,
                        "a list holds either keywords or field maps",
                    );
                    return None;
                }
            }
            NodeKind::Scalar(_) if node.is_null() => SelectionBody::Empty,
            NodeKind::Scalar(_) => SelectionBody::Keywords(vec![node.clone()]),
        };
        Some(Selection {
            span: name.span.join(node.span),
            name,
            body,
        })
    }

    fn field_map(&mut self, node: &Node) -> Option<FieldMap> {
        let entries = node.as_mapping()?;
        if entries.is_empty() {
            self.error(
                "empty-selection",
                "empty field map".into(),
                node.span,
                "nothing to match",
            );
            return None;
        }
        let mut matchers = Vec::new();
        let mut ok = true;
        for (key, value) in entries {
            match self.field_matcher(key, value) {
                Some(matcher) => matchers.push(matcher),
                None => ok = false,
            }
        }
        ok.then_some(FieldMap {
            matchers,
            span: node.span,
        })
    }

    fn field_matcher(&mut self, key: &Node, value: &Node) -> Option<FieldMatcher> {
        let Some(key_text) = key.as_str() else {
            self.error(
                "wrong-type",
                "a field name must be a string".into(),
                key.span,
                "not a string",
            );
            return None;
        };
        // Sub-spans of the key are exact only when the key is written plain, as it appears.
        let source_slice = self.file.text.get(key.span.start..key.span.end);
        let key_is_verbatim = source_slice == Some(key_text);
        let part_span = |start: usize, end: usize| {
            if key_is_verbatim {
                key.span.slice(start, end)
            } else {
                key.span
            }
        };
        let mut parts = key_text.split('|');
        let field_text = parts.next().unwrap_or_default();
        let field = (!field_text.is_empty())
            .then(|| Spanned::new(field_text.to_string(), part_span(0, field_text.len())));
        let mut modifiers = Vec::new();
        let mut offset = field_text.len();
        let mut ok = true;
        for name in parts {
            let start = offset + 1;
            let end = start + name.len();
            offset = end;
            let span = part_span(start, end);
            match Modifier::from_name(name) {
                Some(modifier) => modifiers.push(Spanned::new(modifier, span)),
                None => {
                    ok = false;
                    let suggestion =
                        crate::text::closest(name, Modifier::ALL.iter().map(|(n, _)| *n));
                    let mut diagnostic = Diagnostic::error(
                        "unknown-modifier",
                        format!("unknown value modifier `{name}`"),
                    )
                    .in_file(self.file)
                    .at(span, "not a Sigma modifier");
                    diagnostic = match suggestion {
                        Some(s) => diagnostic
                            .with_help(format!("did you mean `{s}`?"))
                            .with_rename(span, name, s),
                        None => diagnostic.with_help(
                            "see the Sigma modifiers appendix for the modifiers that exist",
                        ),
                    };
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        let (values, is_list) = match &value.kind {
            NodeKind::Sequence(items) => (items.clone(), true),
            NodeKind::Scalar(_) => (vec![value.clone()], false),
            NodeKind::Mapping(_) => {
                self.error(
                    "wrong-type",
                    format!("the value of `{key_text}` must be a value or a list of values, found a mapping"),
                    value.span,
                    "expected a value",
                );
                return None;
            }
        };
        if is_list && values.is_empty() {
            self.error(
                "empty-value-list",
                format!("`{key_text}` has an empty list of values"),
                value.span,
                "an empty list matches nothing",
            );
            return None;
        }
        for item in &values {
            if item.as_scalar().is_none() {
                self.error(
                    "wrong-type",
                    format!(
                        "values of `{key_text}` must be plain values, found {}",
                        item.kind_name()
                    ),
                    item.span,
                    "expected a string, number, boolean or null",
                );
                ok = false;
            }
        }
        ok.then_some(FieldMatcher {
            field,
            modifiers,
            key_span: key.span,
            values,
            value_span: value.span,
            is_list,
        })
    }

    fn correlation(
        &mut self,
        root: &Node,
        index: usize,
        meta: Metadata,
        node: &Node,
    ) -> Option<CorrelationRule> {
        if node.as_mapping().is_none() {
            self.error(
                "wrong-type",
                format!(
                    "`correlation` must be a mapping, found {}",
                    node.kind_name()
                ),
                node.span,
                "expected `type`, `rules`, `timespan`, ...",
            );
            return None;
        }
        let kind = match node.get("type") {
            Some(kind) => self.string(kind, "correlation.type")?,
            None => {
                self.missing_key(node, "correlation.type", "e.g. `type: event_count`");
                return None;
            }
        };
        let rules = node
            .get("rules")
            .map(|n| self.string_list(n, "correlation.rules", true))
            .unwrap_or_default();
        let group_by = node
            .get("group-by")
            .map(|n| self.string_list(n, "correlation.group-by", true))
            .unwrap_or_default();
        let timespan = node
            .get("timespan")
            .and_then(|n| self.string(n, "correlation.timespan"));
        let generate = node
            .get("generate")
            .and_then(|n| match n.as_scalar().map(|s| s.value()) {
                Some(ScalarValue::Bool(b)) => Some(Spanned::new(b, n.span)),
                _ => {
                    self.error(
                        "wrong-type",
                        "`generate` must be true or false".into(),
                        n.span,
                        "expected a boolean",
                    );
                    None
                }
            });
        Some(CorrelationRule {
            file: Arc::clone(self.file),
            document: index,
            span: root.span,
            meta,
            kind,
            rules,
            group_by,
            timespan,
            condition: node.get("condition").cloned(),
            aliases: node.get("aliases").cloned(),
            generate,
        })
    }

    /// A filter document (Sigma filters specification 2.1): `title`, `logsource`, and
    /// `filter:` with `rules`, selections and one `condition` string, all required.
    fn filter(
        &mut self,
        root: &Node,
        index: usize,
        meta: Metadata,
        logsource: Option<&Node>,
        node: &Node,
    ) -> Option<FilterRule> {
        let Some(entries) = node.as_mapping() else {
            self.error(
                "wrong-type",
                format!("`filter` must be a mapping, found {}", node.kind_name()),
                node.span,
                "expected `rules`, selections and a `condition`",
            );
            return None;
        };
        if meta.title.is_none() {
            self.missing_key(root, "title", "every Sigma filter needs a `title:`");
        }
        let logsource = match logsource {
            Some(node) => self.logsource(node),
            None => {
                self.missing_key(
                    root,
                    "logsource",
                    "a filter applies to the rules of its `logsource:`; give at least `product` or `category`",
                );
                LogSource::default()
            }
        };
        let mut rules = Vec::new();
        let mut any_rule = false;
        let mut rules_span = None;
        let mut selections = Vec::new();
        let mut condition = None;
        let mut condition_seen = false;
        for (key, value) in entries {
            match key.as_str() {
                Some("rules") => {
                    rules_span = Some(value.span);
                    match &value.kind {
                        NodeKind::Scalar(_)
                            if value.as_str().is_some_and(|v| {
                                v.eq_ignore_ascii_case("any") || v.eq_ignore_ascii_case("all")
                            }) =>
                        {
                            any_rule = true
                        }
                        NodeKind::Sequence(items) if items.is_empty() => any_rule = true,
                        _ => rules = self.string_list(value, "filter.rules", true),
                    }
                }
                Some("condition") => {
                    condition_seen = true;
                    condition = self.string(value, "filter.condition");
                }
                Some(name) => {
                    if let Some(s) = self.selection(Spanned::new(name.to_string(), key.span), value)
                    {
                        selections.push(s);
                    }
                }
                None => self.error(
                    "wrong-type",
                    "keys must be strings".into(),
                    key.span,
                    "not a string key",
                ),
            }
        }
        let Some(rules_span) = rules_span else {
            self.missing_key(
                node,
                "filter.rules",
                "name the rules to filter by id or name, or write `rules: any` for every rule of the log source",
            );
            return None;
        };
        let Some(condition) = condition else {
            if !condition_seen {
                self.missing_key(
                    node,
                    "filter.condition",
                    "add e.g. `condition: not selection`",
                );
            }
            return None;
        };
        Some(FilterRule {
            file: Arc::clone(self.file),
            document: index,
            span: root.span,
            meta,
            logsource,
            rules,
            any_rule,
            rules_span,
            selections,
            condition,
        })
    }
}

/// Whether a file's text can hold a document with the top-level `key` (`correlation`,
/// `filter`): the documents that rules in other files depend on, found before the files are
/// streamed, without parsing every file twice. A line-by-line look, erring towards "maybe":
/// a top-level key of a block mapping starts its line at the document's indentation; when that
/// is column 0 (every document's first content line starts there), a plain key is `key` up to
/// its `:`, and any other start of a key (quotes, which may hide `key` behind escapes, `?`,
/// tags, anchors, aliases, flow mappings) counts as a maybe, as does a document whose first
/// content line is indented or that starts on its `---` line.
pub fn may_hold_key(text: &[u8], key: &str) -> bool {
    let mut document_start = true;
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(&first) = line.first() else { continue };
        if first == b'#' || (document_start && first == b'%') {
            continue;
        }
        if line.starts_with(b"---") || line.starts_with(b"...") {
            let rest = line[3..].trim_ascii_start();
            if !rest.is_empty() && !rest.starts_with(b"#") {
                return true;
            }
            document_start = true;
            continue;
        }
        if first == b' ' || first == b'\t' {
            if document_start && !line.trim_ascii().is_empty() && line.trim_ascii()[0] != b'#' {
                return true;
            }
            continue;
        }
        document_start = false;
        if matches!(
            first,
            b'"' | b'\'' | b'?' | b'!' | b'&' | b'*' | b'{' | b'['
        ) {
            return true;
        }
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        if name.trim_ascii_end() == key.as_bytes() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Vec<RuleDocument>, Diagnostics) {
        load_rule_file(&Arc::new(SourceFile::new("r.yml", text)))
    }

    #[test]
    fn loads_a_rule_with_modifiers_and_spans() {
        let text = "title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n    CommandLine|contains|all: [a, b]\n  condition: sel\n";
        let (documents, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let RuleDocument::Detection(rule) = &documents[0] else {
            panic!()
        };
        let SelectionBody::FieldMaps(maps) = &rule.detection.selections[0].body else {
            panic!()
        };
        let matcher = &maps[0].matchers[0];
        let all = &matcher.modifiers[1];
        assert_eq!(all.value, Modifier::All);
        assert_eq!(&text[all.span.start..all.span.end], "all");
        assert_eq!(matcher.values.len(), 2);
    }

    #[test]
    fn collects_every_error_of_a_document() {
        let text = "logsource: {product: windows}\ndetection:\n  sel:\n    A|contians: x\n    B|strtswith: y\n";
        let loaded = load_rule_file_with_yaml(&Arc::new(SourceFile::new("r.yml", text)));
        assert!(loaded.documents.is_empty());
        let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["unknown-modifier", "unknown-modifier", "missing-key"]
        );
        // The missing title is a finding on metadata: reported, but it alone would not keep
        // the rule from compiling.
        let metadata: Vec<_> = loaded.metadata.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(metadata, ["missing required key `title`"]);
        let help = loaded
            .diagnostics
            .iter()
            .next()
            .unwrap()
            .help
            .clone()
            .unwrap();
        assert!(help.contains("contains"), "{help}");
    }

    #[test]
    fn metadata_findings_leave_the_rule_loaded() {
        let text = "title:\nreferences: https://example.org/x\ntags:\nfalsepositives:\nlogsource: {product: windows}\ndetection:\n  sel:\n    A: x\n  condition: sel\n";
        let loaded = load_rule_file_with_yaml(&Arc::new(SourceFile::new("r.yml", text)));
        assert_eq!(loaded.documents.len(), 1);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let codes: Vec<_> = loaded.metadata.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["wrong-type"; 4]);
        // A single reference written as a string: the fix makes it a list of one.
        let fix = &loaded.metadata.iter().nth(1).unwrap().suggestions[0];
        assert_eq!(fix.replacement, "[https://example.org/x]");
    }

    #[test]
    fn a_misspelled_condition_is_reported_on_its_own_line() {
        let text = "title: t\nlogsource: {product: windows}\ndetection:\n  selection:\n    A: x\n  conditon: selection\n";
        let (_, diagnostics) = load(text);
        let missing = diagnostics
            .iter()
            .find(|d| d.code == "missing-key")
            .expect("missing condition");
        let span = missing.primary_span().unwrap();
        assert_eq!(&text[span.start..span.end], "conditon");
        let help = missing.help.as_deref().unwrap();
        assert!(help.contains("did you mean `condition`?"), "{help}");
        // No near miss: the diagnostic points at the detection.
        let text = "title: t\nlogsource: {product: windows}\ndetection:\n  selection:\n    A: x\n";
        let (_, diagnostics) = load(text);
        let missing = diagnostics
            .iter()
            .find(|d| d.code == "missing-key")
            .unwrap();
        let span = missing.primary_span().unwrap();
        assert_eq!(span.start, text.find("selection:").unwrap());
        assert_eq!(
            missing.help.as_deref(),
            Some("add e.g. `condition: selection`")
        );
    }

    #[test]
    fn a_misspelled_required_key_is_reported_on_its_own_line() {
        let text =
            "title: t\nlogsorce: {product: windows}\ndetection:\n  s: {A: 1}\n  condition: s\n";
        let (documents, diagnostics) = load(text);
        assert!(documents.is_empty());
        let missing = diagnostics
            .iter()
            .find(|d| d.code == "missing-key")
            .unwrap();
        let span = missing.primary_span().unwrap();
        assert_eq!(&text[span.start..span.end], "logsorce");
        assert_eq!(
            missing.help.as_deref(),
            Some("did you mean `logsource`? `logsorce` is not a Sigma key")
        );
    }

    #[test]
    fn binary_and_invalid_utf8_files_are_diagnostics() {
        let binary = source_from_bytes(Path::new("b.yml"), vec![b'a', 0, 1, 2]).unwrap_err();
        assert_eq!(binary.code, "binary-file");
        let invalid = source_from_bytes(Path::new("u.yml"), b"title: \xff\n".to_vec()).unwrap_err();
        assert_eq!(invalid.code, "invalid-utf8");
        assert_eq!(invalid.start_position().unwrap().column, 8);
    }

    #[test]
    fn text_scan_finds_every_spelling_of_a_top_level_key() {
        for text in [
            "title: x\ncorrelation:\n  type: event_count\n",
            "title: x\ncorrelation :\n  type: event_count\n",
            "title: x\r\ncorrelation:\r\n",
            "\"correl\\u0061tion\": {}\n",
            "'correlation': {}\n",
            "? correlation\n: {}\n",
            "!!str correlation: {}\n",
            "{title: x, correlation: {}}\n",
            "--- {correlation: {}}\n",
            "title: a\n---\n  title: b\n  correlation: {}\n",
            "# comment\n%YAML 1.2\n---\n  correlation: {}\n",
        ] {
            assert!(
                super::may_hold_key(text.as_bytes(), "correlation"),
                "{text:?}"
            );
        }
        // Nested keys, selection names and values cannot be a document's key.
        for text in [
            "title: x\ndetection:\n  filter: {a: b}\n  filter_main: {a: c}\n  condition: not filter\n",
            "title: correlation\ndescription: |\n  filter: not a key\n",
            "filters: x\nfilter_extra: y\n",
        ] {
            assert!(!super::may_hold_key(text.as_bytes(), "filter"), "{text:?}");
        }
    }
}
