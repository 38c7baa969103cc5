//! The requests an editor sends about a place in a document: hover, completion, go to
//! definition, code actions and the "show compiled query" command.

use super::analysis::Analysis;
use super::knowledge::{self, target_label};
use super::position::LineIndex;
use super::syntax::{self, SlotKind};
use super::workspace::{Document, Workspace, path_to_uri};
use crate::compile::Compiler;
use crate::correlation::{self, RuleIndex};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::lint::Identity;
use crate::mapping::Target;
use crate::rule::{self, Modifier, RuleDocument};
use lsp_types::{
    CodeAction, CodeActionOrCommand, Command, CompletionItem, CompletionItemKind,
    CompletionTextEdit, Documentation, Hover, HoverContents, Location, MarkupContent, MarkupKind,
    Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// The command of the "show compiled KQL / SPL" code actions.
pub const SHOW_QUERY: &str = "siemc.showQuery";

/// What the features read: the targets' compilers (mappings, schema), the open documents and
/// the workspace index.
pub struct Context<'a> {
    pub compilers: &'a [Compiler],
    pub documents: &'a HashMap<Uri, Document>,
    pub workspace: &'a Workspace,
}

impl Context<'_> {
    /// Every known identity: open documents (their latest check) and workspace files that are
    /// not open.
    fn identities(&self) -> Vec<&Identity> {
        let open: Vec<&Path> = self.documents.values().map(|d| d.path.as_path()).collect();
        self.documents
            .values()
            .flat_map(|d| d.identities().iter())
            .chain(self.workspace.identities(move |path| open.contains(&path)))
            .collect()
    }

    /// The URI of a checked file: the open document's, or the `file:` URI of its path.
    fn uri_of(&self, file: &SourceFile) -> Option<Uri> {
        self.documents
            .values()
            .find(|d| d.path == file.path())
            .map(|d| d.uri.clone())
            .or_else(|| path_to_uri(file.path()))
    }
}

fn markdown(value: String, range: Range) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    }
}

/// Parses the document's YAML when it is small enough to check.
fn yaml_of(document: &Document) -> Option<(Arc<SourceFile>, Vec<crate::yaml::Document>)> {
    if document.text.len() as u64 > rule::MAX_FILE_BYTES {
        return None;
    }
    let file = document.source();
    let (documents, _) = crate::yaml::load_documents(&file);
    Some((file, documents))
}

pub fn hover(context: &Context<'_>, document: &Document, position: Position) -> Option<Hover> {
    let (file, yaml) = yaml_of(document)?;
    let text = &file.text;
    let offset = document.index.offset(text, position);
    let located = syntax::locate(&yaml, offset)?;
    let keys = located.keys();
    let node = located.node;
    let range = document.index.range(text, node.span.start, node.span.end);
    let value = node.as_str().unwrap_or_default();
    match keys.as_slice() {
        [key] if located.is_key => {
            knowledge::key_doc(&[], key).map(|doc| markdown(format!("**{key}**\n\n{doc}"), range))
        }
        ["logsource", ..] => {
            let logsource = syntax::logsource_of(located.root);
            let mut lines = vec![format!("log source {}", logsource.describe())];
            if let (true, [_, key]) = (located.is_key, keys.as_slice())
                && let Some(doc) = knowledge::key_doc(&["logsource"], key)
            {
                lines = vec![format!("**{key}**: {doc}")];
            }
            for compiler in context.compilers {
                lines.push(format!(
                    "- {}",
                    knowledge::logsource_placement(compiler, &logsource)
                ));
            }
            Some(markdown(lines.join("\n"), range))
        }
        ["correlation", key] if located.is_key => knowledge::key_doc(&["correlation"], key)
            .map(|doc| markdown(format!("**{key}**\n\n{doc}"), range)),
        ["correlation", "rules"] => {
            let targets = definitions(context, value);
            let mut lines = vec![format!("rule `{value}`")];
            if targets.is_empty() {
                lines.push("no open document or workspace file defines it".into());
            }
            for (identity, _) in targets {
                let at = identity.file.line_column(
                    identity
                        .id
                        .as_ref()
                        .or(identity.name.as_ref())
                        .map_or(0, |s| s.span.start),
                );
                lines.push(format!(
                    "- defined in {}:{}:{}",
                    identity.file.display_path(),
                    at.line,
                    at.column
                ));
            }
            Some(markdown(lines.join("\n"), range))
        }
        ["tags"] if !located.is_key => {
            knowledge::tag_doc(value).map(|doc| markdown(format!("**{value}**\n\n{doc}"), range))
        }
        ["detection", _, ..] if located.is_key && keys.len() >= 3 => {
            field_key_hover(context, &file, &document.index, &located, offset)
        }
        _ => None,
    }
}

/// Hover on `Field|modifier|...`: the field's column per target, or the modifier's meaning.
fn field_key_hover(
    context: &Context<'_>,
    file: &SourceFile,
    index: &LineIndex,
    located: &syntax::Located<'_>,
    offset: usize,
) -> Option<Hover> {
    let key = located.node;
    let text = key.as_str()?;
    // Parts of the key are only located exactly when the key is written as it reads.
    let verbatim = file.text.get(key.span.start..key.span.end) == Some(text);
    let relative = offset.saturating_sub(key.span.start);
    let mut start = 0;
    for (i, part) in text.split('|').enumerate() {
        let end = start + part.len();
        let here = !verbatim || (start <= relative && relative <= end);
        if here && (i == 0 || verbatim) {
            let range = if verbatim {
                index.range(&file.text, key.span.start + start, key.span.start + end)
            } else {
                index.range(&file.text, key.span.start, key.span.end)
            };
            if i == 0 {
                if part.is_empty() {
                    return None;
                }
                let logsource = syntax::logsource_of(located.root);
                let mut lines = vec![format!(
                    "**{part}**: Sigma field of log source {}",
                    logsource.describe()
                )];
                for compiler in context.compilers {
                    lines.push(format!(
                        "- {}",
                        knowledge::field_placement(compiler, &logsource, part)
                    ));
                }
                return Some(markdown(lines.join("\n"), range));
            }
            let doc = match Modifier::from_name(part) {
                Some(modifier) => modifier.meaning().to_string(),
                None => "not a Sigma modifier".to_string(),
            };
            return Some(markdown(format!("**|{part}**: {doc}"), range));
        }
        start = end + 1;
    }
    None
}

/// The identities whose id or name is `reference`, with the span that matched.
fn definitions<'a>(
    context: &'a Context<'_>,
    reference: &str,
) -> Vec<(&'a Identity, crate::diagnostic::Span)> {
    context
        .identities()
        .into_iter()
        .filter_map(|identity| {
            let matched = [identity.id.as_ref(), identity.name.as_ref()]
                .into_iter()
                .flatten()
                .find(|s| s.value == reference)?;
            Some((identity, matched.span))
        })
        .collect()
}

/// Go to definition of a correlation's `rules:` reference.
pub fn definition(context: &Context<'_>, document: &Document, position: Position) -> Vec<Location> {
    let Some((file, yaml)) = yaml_of(document) else {
        return Vec::new();
    };
    let offset = document.index.offset(&file.text, position);
    let Some(located) = syntax::locate(&yaml, offset) else {
        return Vec::new();
    };
    if located.is_key || located.keys() != ["correlation", "rules"] {
        return Vec::new();
    }
    let Some(reference) = located.node.as_str() else {
        return Vec::new();
    };
    definitions(context, reference)
        .into_iter()
        .filter_map(|(identity, span)| {
            let uri = context.uri_of(&identity.file)?;
            let index = LineIndex::new(&identity.file.text);
            Some(Location::new(
                uri,
                index.range(&identity.file.text, span.start, span.end),
            ))
        })
        .collect()
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<&str>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        documentation: doc.map(|d| Documentation::String(d.to_string())),
        ..CompletionItem::default()
    }
}

pub fn completion(
    context: &Context<'_>,
    document: &Document,
    position: Position,
) -> Vec<CompletionItem> {
    let text = &document.text;
    let offset = document.index.offset(text, position);
    let slot = syntax::line_slot(text, offset);
    let path: Vec<&str> = slot.path.iter().map(String::as_str).collect();
    let keys = |table: &[(&str, &str)]| -> Vec<CompletionItem> {
        table
            .iter()
            .map(|(key, doc)| item(key, CompletionItemKind::PROPERTY, None, Some(doc)))
            .collect()
    };
    let values = |list: &[&str]| -> Vec<CompletionItem> {
        list.iter()
            .map(|v| item(v, CompletionItemKind::ENUM_MEMBER, None, None))
            .collect()
    };
    let mut items = match (&slot.kind, path.as_slice()) {
        (SlotKind::Key, []) => keys(knowledge::TOP_LEVEL_KEYS),
        (SlotKind::Key, ["logsource"]) => keys(knowledge::LOGSOURCE_KEY_DOCS),
        (SlotKind::Key, ["correlation"]) => keys(knowledge::CORRELATION_KEY_DOCS),
        (SlotKind::Key, ["correlation", "condition"]) => {
            values(crate::lint::correlation::OPERATORS)
        }
        (SlotKind::Key, ["detection"]) => vec![item(
            "condition",
            CompletionItemKind::PROPERTY,
            None,
            Some("How the selections combine: `selection and not filter`, `1 of selection_*`, ..."),
        )],
        (SlotKind::Key, ["detection", _, ..]) => field_items(context, text, offset),
        (SlotKind::Modifier { .. }, ["detection", _, ..]) => Modifier::ALL
            .iter()
            .map(|(name, modifier)| {
                item(
                    name,
                    CompletionItemKind::OPERATOR,
                    None,
                    Some(modifier.meaning()),
                )
            })
            .collect(),
        (SlotKind::Value { key }, ["logsource"]) => logsource_values(context, key),
        (SlotKind::Value { key }, []) if key == "status" => values(crate::lint::metadata::STATUSES),
        (SlotKind::Value { key }, []) if key == "level" => values(crate::lint::metadata::LEVELS),
        (SlotKind::Value { key }, ["correlation"]) if key == "type" => {
            values(crate::lint::correlation::TYPES)
        }
        (SlotKind::Value { key }, []) if key == "tags" => tag_items(),
        (SlotKind::Value { key }, ["detection"]) if key == "condition" => {
            condition_items(document, offset)
        }
        (SlotKind::Item, ["tags"]) => tag_items(),
        (SlotKind::Item, ["correlation", "rules"]) => rule_items(context),
        _ => Vec::new(),
    };
    // A value may hold several words (`sel and not fil`, `[attack.t1059, attack.`): only the
    // last one is replaced.
    let word_start = match slot.kind {
        SlotKind::Value { .. } => {
            let typed = &text[slot.word_start.min(offset)..offset];
            let last = typed
                .rfind(|c: char| c.is_whitespace() || ",[](){}'\"".contains(c))
                .map_or(0, |i| i + 1);
            slot.word_start + last
        }
        _ => slot.word_start,
    };
    let range = document.index.range(text, word_start, offset);
    for item in &mut items {
        item.text_edit = Some(CompletionTextEdit::Edit(TextEdit::new(
            range,
            item.label.clone(),
        )));
    }
    items
}

/// Field names known for the rule's log source: the mappings' Sigma names and, for KQL, the
/// columns of the mapped table (a name no mapping renames reaches the query as it is).
fn field_items(context: &Context<'_>, text: &str, offset: usize) -> Vec<CompletionItem> {
    let logsource = syntax::logsource_near(text, offset);
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for compiler in context.compilers {
        let label = target_label(compiler.target);
        let Some((_, entry)) = compiler.mapping.find_source_for(&logsource) else {
            continue;
        };
        let global = compiler
            .mapping
            .files()
            .iter()
            .flat_map(|f| f.fields.keys());
        for sigma in entry.fields.keys().chain(global) {
            let target = compiler.mapping.field_name(entry, sigma);
            fields
                .entry(sigma.clone())
                .or_default()
                .push(format!("{label}: {target}"));
        }
        if compiler.target == Target::Kql
            && let Some(table) = &entry.table
            && let Some(columns) = compiler.schema.columns(table)
        {
            for column in columns {
                fields
                    .entry(column.to_string())
                    .or_default()
                    .push(format!("{label}: column of {table}"));
            }
        }
    }
    fields
        .into_iter()
        .map(|(name, details)| {
            let mut details = details;
            details.dedup();
            item(
                &name,
                CompletionItemKind::FIELD,
                Some(details.join("; ")),
                None,
            )
        })
        .collect()
}

/// The values the mappings know for a log source key.
fn logsource_values(context: &Context<'_>, key: &str) -> Vec<CompletionItem> {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for compiler in context.compilers {
        for file in compiler.mapping.files() {
            for entry in &file.sources {
                for (k, v) in &entry.logsource {
                    if *k == key {
                        let place = entry
                            .table
                            .as_deref()
                            .or(entry.search.as_deref())
                            .unwrap_or_default();
                        values
                            .entry(v.clone())
                            .or_default()
                            .push(format!("{}: {place}", target_label(compiler.target)));
                    }
                }
            }
        }
    }
    values
        .into_iter()
        .map(|(value, mut places)| {
            places.sort();
            places.dedup();
            let detail = if places.len() > 4 {
                format!("{} mapping entries", places.len())
            } else {
                places.join("; ")
            };
            item(&value, CompletionItemKind::VALUE, Some(detail), None)
        })
        .collect()
}

/// The selections of the rule at the cursor and the condition keywords.
fn condition_items(document: &Document, offset: usize) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = ["and", "or", "not", "1 of", "all of", "them"]
        .iter()
        .map(|k| item(k, CompletionItemKind::KEYWORD, None, None))
        .collect();
    let Some((_, yaml)) = yaml_of(document) else {
        return items;
    };
    let root = yaml.iter().rev().find(|d| d.root.span.start <= offset);
    let selections = root
        .and_then(|d| d.root.get("detection"))
        .and_then(|d| d.as_mapping())
        .unwrap_or_default();
    for (key, _) in selections {
        if let Some(name) = key.as_str()
            && name != "condition"
            && name != "timeframe"
        {
            items.push(item(
                name,
                CompletionItemKind::VARIABLE,
                Some("selection".into()),
                None,
            ));
        }
    }
    items
}

/// ATT&CK tactics and techniques (with their tactics), and the other namespaces' values.
fn tag_items() -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = crate::lint::metadata::TACTICS
        .iter()
        .map(|(sigma, sentinel)| {
            item(
                &format!("attack.{sigma}"),
                CompletionItemKind::ENUM_MEMBER,
                Some(format!("ATT&CK tactic ({sentinel})")),
                None,
            )
        })
        .collect();
    let mut techniques: Vec<(&String, &Vec<String>)> =
        crate::export::attack::technique_tactics().iter().collect();
    techniques.sort();
    items.extend(techniques.into_iter().map(|(id, tactics)| {
        item(
            &format!("attack.{}", id.to_lowercase()),
            CompletionItemKind::ENUM_MEMBER,
            Some(format!("ATT&CK technique {id}: {}", tactics.join(", "))),
            None,
        )
    }));
    for value in ["clear", "green", "amber", "amber-strict", "red"] {
        items.push(item(
            &format!("tlp.{value}"),
            CompletionItemKind::ENUM_MEMBER,
            Some("Traffic Light Protocol".into()),
            None,
        ));
    }
    for value in ["dfir", "emerging-threats", "threat-hunting"] {
        items.push(item(
            &format!("detection.{value}"),
            CompletionItemKind::ENUM_MEMBER,
            Some("detection type".into()),
            None,
        ));
    }
    items
}

/// The ids and names a correlation can refer to.
fn rule_items(context: &Context<'_>) -> Vec<CompletionItem> {
    let mut items: BTreeMap<String, String> = BTreeMap::new();
    for identity in context.identities() {
        for (spanned, what) in [(&identity.name, "name"), (&identity.id, "id")] {
            if let Some(value) = spanned {
                items.insert(
                    value.value.clone(),
                    format!("rule {what} in {}", identity.file.display_path()),
                );
            }
        }
    }
    items
        .into_iter()
        .map(|(value, detail)| item(&value, CompletionItemKind::REFERENCE, Some(detail), None))
        .collect()
}

/// Quick fixes from the suggestions of the diagnostics in `range`, and the "show compiled
/// query" commands for the rule at `range`'s start.
pub fn code_actions(
    context: &Context<'_>,
    document: &Document,
    analysis: &Analysis,
    range: Range,
) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    let overlaps = |r: &Range| r.start <= range.end && range.start <= r.end;
    for finding in &analysis.findings {
        if !overlaps(&finding.lsp.range) {
            continue;
        }
        let single = finding.diagnostic.suggestions.len() == 1;
        for suggestion in &finding.diagnostic.suggestions {
            let edit = TextEdit::new(
                document.index.range(
                    &analysis.file.text,
                    suggestion.span.start,
                    suggestion.span.end,
                ),
                suggestion.replacement.clone(),
            );
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: suggestion.title.clone(),
                kind: Some(lsp_types::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![finding.lsp.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(document.uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(single),
                ..CodeAction::default()
            }));
        }
    }
    let offset = document.index.offset(&document.text, range.start);
    let (documents, _) = rule::load_rule_file(&analysis.file);
    let compilable = document_at(&analysis.file, &documents, offset)
        .is_some_and(|d| !matches!(d, RuleDocument::Filter(_)));
    if compilable {
        let line = range.start.line;
        for compiler in context.compilers {
            let what = match compiler.target {
                Target::Kql => "Show compiled KQL query",
                Target::Spl => "Show compiled SPL search",
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: what.to_string(),
                command: Some(Command::new(
                    what.to_string(),
                    SHOW_QUERY.to_string(),
                    Some(vec![
                        serde_json::json!(document.uri.as_str()),
                        serde_json::json!(compiler.target.name()),
                        serde_json::json!(line),
                    ]),
                )),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// The loaded document of the YAML document holding `offset` (the first one before any);
/// `None` when that document did not load.
fn document_at<'a>(
    file: &Arc<SourceFile>,
    documents: &'a [RuleDocument],
    offset: usize,
) -> Option<&'a RuleDocument> {
    let (yaml, _) = crate::yaml::load_documents(file);
    let index = yaml
        .iter()
        .rev()
        .find(|d| d.root.span.start <= offset)
        .or(yaml.first())
        .map_or(0, |d| d.index);
    documents.iter().find(|d| {
        let document = match d {
            RuleDocument::Detection(rule) => rule.document,
            RuleDocument::Correlation(correlation) => correlation.document,
            RuleDocument::Filter(filter) => filter.document,
        };
        document == index
    })
}

/// `siemc.showQuery [uri, target, line]`: the query `siemc compile` prints for the rule
/// document at `line` (0-based; default the first), or the diagnostics that prevent it.
pub fn show_query(
    context: &Context<'_>,
    arguments: &[serde_json::Value],
) -> Result<String, String> {
    let uri_text = arguments
        .first()
        .and_then(|v| v.as_str())
        .ok_or("siemc.showQuery takes [uri, \"kql\" | \"spl\", line]")?;
    let target = arguments
        .get(1)
        .and_then(|v| v.as_str())
        .and_then(Target::from_name)
        .ok_or("the second argument of siemc.showQuery is \"kql\" or \"spl\"")?;
    let line = arguments.get(2).and_then(|v| v.as_u64()).unwrap_or(0);
    let compiler = context
        .compilers
        .iter()
        .find(|c| c.target == target)
        .ok_or_else(|| format!("this server does not compile for {}", target.name()))?;
    let document = context
        .documents
        .values()
        .find(|d| d.uri.as_str() == uri_text)
        .ok_or_else(|| format!("{uri_text} is not an open document"))?;
    if document.text.len() as u64 > rule::MAX_FILE_BYTES {
        return Err(format!(
            "the document is larger than {} bytes",
            rule::MAX_FILE_BYTES
        ));
    }
    let file = document.source();
    let offset = document.index.offset(
        &file.text,
        Position::new(u32::try_from(line).unwrap_or(u32::MAX), 0),
    );
    let (documents, diagnostics) = rule::load_rule_file(&file);
    let Some(chosen) = document_at(&file, &documents, offset) else {
        let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
        return Err(describe(&errors, "no rule loads at this position"));
    };
    match chosen {
        RuleDocument::Detection(rule) => compiler
            .compile_rule(rule)
            .map_err(|d| describe(&d, "the rule does not compile")),
        RuleDocument::Correlation(correlation) => {
            let loaded = correlated_documents(context, correlation, &file);
            let index = RuleIndex::new(documents.iter().chain(loaded.iter()));
            correlation::resolve(correlation, &index)
                .and_then(|plan| compiler.compile_correlation(&plan))
                .map_err(|d| describe(&d, "the correlation does not compile"))
        }
        RuleDocument::Filter(_) => Err("a Sigma filter document is not compiled on its own".into()),
    }
}

/// The documents of the other files that define the rules a correlation refers to.
fn correlated_documents(
    context: &Context<'_>,
    correlation: &rule::CorrelationRule,
    own: &SourceFile,
) -> Vec<RuleDocument> {
    let mut files: Vec<Arc<SourceFile>> = Vec::new();
    for reference in &correlation.rules {
        for (identity, _) in definitions(context, &reference.value) {
            let file = &identity.file;
            if file.path() != own.path() && !files.iter().any(|f| f.path() == file.path()) {
                files.push(Arc::clone(file));
            }
        }
    }
    files
        .iter()
        .flat_map(|file| rule::load_rule_file(file).0)
        .collect()
}

fn describe(diagnostics: &[Diagnostic], fallback: &str) -> String {
    if diagnostics.is_empty() {
        return fallback.to_string();
    }
    diagnostics
        .iter()
        .map(|d| match d.start_position() {
            Some(at) => format!("{}:{}: {} [{}]", at.line, at.column, d.message, d.code),
            None => format!("{} [{}]", d.message, d.code),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
