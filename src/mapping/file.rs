//! Reading one mapping file (DESIGN.md §5).

use super::{ColumnType, Target};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::yaml::{self, Node, NodeKind};
use std::collections::HashMap;
use std::sync::Arc;

/// One mapping file of one target.
#[derive(Debug, Clone)]
pub struct MappingFile {
    pub file: Arc<SourceFile>,
    pub target: Target,
    /// Sigma field → target field, for every source.
    pub fields: HashMap<String, String>,
    /// Product (lower case) → Sigma field → target field, for the sources of that product
    /// only (`product_fields: {windows: {EventID: EventCode}}`).
    pub product_fields: HashMap<String, HashMap<String, String>>,
    /// Sigma fields whose values are `KEY=value` lists (Sysmon's `Hashes`), for every source:
    /// field → key (upper case) → target field holding that key's value.
    pub keyed_fields: HashMap<String, HashMap<String, String>>,
    /// SPL: CIM data models (`Endpoint.Processes`) with their fields (node-prefixed, as the
    /// query names them: `Processes.process_path`) and the fields results are grouped by.
    pub datamodels: HashMap<String, DataModel>,
    /// SPL: how rules are compiled over data models (`cim: {summariesonly, fallback}`).
    pub cim: CimSettings,
    /// Tables that are not part of the platform's schema but that this mapping relies on
    /// (custom `_CL` tables), declared with their columns.
    pub custom_tables: Vec<CustomTable>,
    /// Placeholder name (without `%`) → values, for `|expand`.
    pub placeholders: HashMap<String, Vec<String>>,
    pub sources: Vec<SourceEntry>,
}

/// A `sources:` entry: a log source and where it lives.
#[derive(Debug, Clone)]
pub struct SourceEntry {
    /// `(key, value)` pairs, each of which must equal the rule's.
    pub logsource: Vec<(&'static str, String)>,
    pub table: Option<String>,
    pub filter: Option<String>,
    pub search: Option<String>,
    /// KQL: `table` names a function (an ASIM parser), called as `name()`.
    pub function: bool,
    /// SPL: the CIM data model node the rule is searched in with `tstats`.
    pub datamodel: Option<String>,
    /// KQL: the column that holds a Windows event's EventData: a field the entry does not
    /// rename and the table has no column for is read from it (`EventData.Name` of a dynamic
    /// column; `EventData/Name`, the `<Data Name="Name">` element, of an XML string column).
    pub event_data: Option<String>,
    pub fields: HashMap<String, String>,
    /// Like [`MappingFile::keyed_fields`], for this source only.
    pub keyed_fields: HashMap<String, HashMap<String, String>>,
    /// Sigma fields whose values are spelled differently in the target:
    /// `value_fields: {Initiated: {column: NetworkDirection, values: {'true': Outbound}}}`; a
    /// value may stand for several (`{'true': [ConnectionSuccess, ConnectionFailed]}`).
    pub value_fields: HashMap<String, ValueField>,
    pub span: Span,
}

/// A field placed in another column with its values translated (Sysmon's `Initiated: 'true'`
/// is ASIM's `NetworkDirection == "Outbound"`). Values are matched case-insensitively.
#[derive(Debug, Clone)]
pub struct ValueField {
    pub column: String,
    /// Sigma value (lower case) → the target values that mean it (any of them).
    pub values: HashMap<String, Vec<String>>,
}

/// A CIM data model node: its fields and the `by` fields of the `tstats` over it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataModel {
    pub fields: Vec<String>,
    pub by: Vec<String>,
}

/// `cim:` settings of a mapping file; a later file's setting wins.
#[derive(Debug, Clone, Default)]
pub struct CimSettings {
    /// `summariesonly=` of `tstats` (true: accelerated summaries only, fast).
    pub summariesonly: Option<bool>,
    /// What a rule that needs a field outside its data model gets: `refuse` (an
    /// `unmapped-field` error, the default) or `raw` (the raw search of the base mapping).
    pub fallback_raw: Option<bool>,
}

/// A custom table a mapping relies on: `custom_tables: {Name: {description, columns: {col: type}}}`.
#[derive(Debug, Clone)]
pub struct CustomTable {
    pub name: String,
    pub description: String,
    pub columns: Vec<(String, ColumnType)>,
    pub span: Span,
}

/// The logsource value of a mapping entry that serves every value of its key (and its absence).
pub const ANY_VALUE: &str = "*";

impl SourceEntry {
    /// Whether this entry serves a log source given as `(key, value)` pairs: it names every key
    /// given, each with the same value (case-insensitive) or [`ANY_VALUE`].
    pub fn serves(&self, keys: &[(&str, &str)]) -> bool {
        let value_of = |key: &str| {
            self.logsource
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
        };
        keys.iter().all(|(key, value)| {
            value_of(key).is_some_and(|v| v == ANY_VALUE || v.eq_ignore_ascii_case(value))
        }) && self
            .logsource
            .iter()
            .all(|(key, value)| value == ANY_VALUE || keys.iter().any(|(k, _)| k == key))
    }

    /// How many of this entry's keys name one value (not [`ANY_VALUE`]): the more, the more
    /// specific the entry.
    pub fn exact_keys(&self) -> usize {
        self.logsource
            .iter()
            .filter(|(_, value)| value != ANY_VALUE)
            .count()
    }

    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .logsource
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

struct Reader<'a> {
    file: &'a Arc<SourceFile>,
    errors: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn error(&mut self, span: Span, message: String, label: &str) {
        self.errors.push(
            Diagnostic::error("invalid-mapping", message)
                .in_file(self.file)
                .at(span, label),
        );
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Scalar(scalar) if !node.is_null() => Some(scalar.text.clone()),
            _ => {
                self.error(
                    node.span,
                    format!("`{what}` must be a string, found {}", node.kind_name()),
                    "expected a string",
                );
                None
            }
        }
    }

    /// The pieces of a source entry that are pasted into every query as they are (the table
    /// or function, the KQL row filter, the SPL base search, the data model) must be valid
    /// where they go: a broken one would make every query of that source fail in the SIEM,
    /// so it is refused here, on its own line, rather than reported as a siemc bug later.
    fn check_fragments(&mut self, item: &Node, target: Option<Target>) {
        let text_of = |key: &str| {
            item.get(key)
                .and_then(|node| node.as_str().map(|text| (node.span, text.to_string())))
        };
        for key in ["table", "function"] {
            if let Some((span, name)) = text_of(key) {
                let name = name.strip_suffix("()").unwrap_or(&name);
                if !is_table_name(name) {
                    self.error(
                        span,
                        format!("`{key}: {name}` is not a table or function name (letters, digits and `_`, starting with a letter or `_`)"),
                        "not a name",
                    );
                }
            }
        }
        if let Some((span, name)) = text_of("datamodel")
            && !name.split('.').all(is_table_name)
        {
            self.error(
                span,
                format!("`datamodel: {name}` is not a data model name (`Model.Dataset`)"),
                "not a data model name",
            );
        }
        let fragment_error = |language: &str, diagnostics: &[Diagnostic]| {
            diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| format!("this {language} does not parse: {}", d.message))
        };
        if target == Some(Target::Kql)
            && let Some((span, filter)) = text_of("filter")
        {
            let probe = Arc::new(SourceFile::new(
                "<mapping filter>",
                format!("T\n| where {filter}"),
            ));
            let diagnostics = crate::query::kql::syntax_diagnostics(&probe);
            if let Some(message) = fragment_error("KQL filter expression", &diagnostics) {
                self.error(span, message, "not a KQL expression");
            }
        }
        if target == Some(Target::Spl)
            && let Some((span, search)) = text_of("search")
        {
            let probe = Arc::new(SourceFile::new("<mapping search>", search));
            let diagnostics = crate::query::spl::check_query(&probe, &Default::default());
            if let Some(message) = fragment_error("SPL base search", &diagnostics) {
                self.error(span, message, "not an SPL search");
            }
        }
    }

    fn string_map(&mut self, node: &Node, what: &str) -> HashMap<String, String> {
        let mut map = HashMap::new();
        let Some(entries) = node.as_mapping() else {
            self.error(
                node.span,
                format!("`{what}` must be a mapping of names"),
                "expected `Sigma: Target` pairs",
            );
            return map;
        };
        for (key, value) in entries {
            if let (Some(k), Some(v)) = (self.string(key, what), self.string(value, what)) {
                map.insert(k, v);
            }
        }
        map
    }
}

impl Reader<'_> {
    /// `{Field: {KEY: target, ...}}`; keys are matched case-insensitively (stored upper case).
    fn keyed_map(&mut self, node: &Node) -> HashMap<String, HashMap<String, String>> {
        let mut map = HashMap::new();
        for (key, value) in node.as_mapping().unwrap_or_default() {
            if let Some(field) = self.string(key, "keyed_fields") {
                let keys = self
                    .string_map(value, "keyed_fields")
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_uppercase(), v))
                    .collect();
                map.insert(field, keys);
            }
        }
        map
    }

    fn custom_tables(&mut self, node: &Node) -> Vec<CustomTable> {
        let mut tables = Vec::new();
        for (key, value) in node.as_mapping().unwrap_or_default() {
            let Some(name) = self.string(key, "custom_tables") else {
                continue;
            };
            let description = value
                .get("description")
                .and_then(|n| self.string(n, "description"))
                .unwrap_or_default();
            let mut columns = Vec::new();
            match value.get("columns") {
                Some(node) => {
                    for (column, kind) in node.as_mapping().unwrap_or_default() {
                        if let (Some(column), Some(kind_name)) =
                            (self.string(column, "columns"), self.string(kind, "columns"))
                        {
                            let kind_type = ColumnType::from_name(&kind_name);
                            if kind_type == ColumnType::Other {
                                self.error(
                                    kind.span,
                                    format!("unknown column type `{kind_name}`"),
                                    "expected string, int, long, real, bool, datetime, timespan, dynamic or guid",
                                );
                            }
                            columns.push((column, kind_type));
                        }
                    }
                }
                None => self.error(
                    value.span,
                    format!("custom table `{name}` needs `columns: {{Column: type}}`"),
                    "no `columns`",
                ),
            }
            tables.push(CustomTable {
                name,
                description,
                columns,
                span: key.span,
            });
        }
        tables
    }
}

impl MappingFile {
    /// Parses a mapping file. `expected` is the target a built-in file must have.
    pub fn parse(
        file: &Arc<SourceFile>,
        expected: Option<Target>,
    ) -> Result<MappingFile, Vec<Diagnostic>> {
        let (documents, diagnostics) = yaml::load_documents(file);
        let mut reader = Reader {
            file,
            errors: diagnostics.into_vec(),
        };
        let Some(root) = documents.first().map(|d| &d.root) else {
            if reader.errors.is_empty() {
                reader.error(Span::new(0, 0), "the mapping file is empty".into(), "");
            }
            return Err(reader.errors);
        };
        let target = match root.get("target") {
            Some(node) => match reader
                .string(node, "target")
                .as_deref()
                .map(Target::from_name)
            {
                Some(Some(target)) => Some(target),
                Some(None) => {
                    reader.error(
                        node.span,
                        "`target` must be `kql` or `spl`".into(),
                        "unknown target",
                    );
                    None
                }
                None => None,
            },
            None => {
                reader.error(
                    root.span,
                    "a mapping file needs `target: kql` or `target: spl`".into(),
                    "no `target`",
                );
                None
            }
        };
        let fields = root
            .get("fields")
            .map(|n| reader.string_map(n, "fields"))
            .unwrap_or_default();
        let mut product_fields = HashMap::new();
        if let Some(node) = root.get("product_fields") {
            for (key, value) in node.as_mapping().unwrap_or_default() {
                if let Some(product) = reader.string(key, "product_fields") {
                    let map = reader.string_map(value, "product_fields");
                    product_fields.insert(product.to_ascii_lowercase(), map);
                }
            }
        }
        let keyed_fields = root
            .get("keyed_fields")
            .map(|n| reader.keyed_map(n))
            .unwrap_or_default();
        let custom_tables = root
            .get("custom_tables")
            .map(|n| reader.custom_tables(n))
            .unwrap_or_default();
        let mut datamodels = HashMap::new();
        for (key, value) in root
            .get("datamodels")
            .and_then(Node::as_mapping)
            .unwrap_or_default()
        {
            let Some(name) = reader.string(key, "datamodels") else {
                continue;
            };
            let list = |reader: &mut Reader<'_>, what: &str| -> Vec<String> {
                match value.get(what).map(|n| (n, n.as_sequence())) {
                    Some((_, Some(items))) => items
                        .iter()
                        .filter_map(|item| {
                            let name = reader.string(item, what)?;
                            // Printed bare after `where` and `by` of `tstats`.
                            if name.split('.').all(is_table_name) {
                                Some(name)
                            } else {
                                reader.error(
                                    item.span,
                                    format!(
                                        "`{name}` is not a data model field name (`Node.field`)"
                                    ),
                                    "not a field name",
                                );
                                None
                            }
                        })
                        .collect(),
                    Some((node, None)) => {
                        reader.error(
                            node.span,
                            format!("`{what}` must be a list of field names"),
                            "expected a list",
                        );
                        Vec::new()
                    }
                    None => Vec::new(),
                }
            };
            let fields = list(&mut reader, "fields");
            let by = list(&mut reader, "by");
            datamodels.insert(name, DataModel { fields, by });
        }
        let mut cim = CimSettings::default();
        if let Some(node) = root.get("cim") {
            if let Some(value) = node.get("summariesonly") {
                match reader.string(value, "summariesonly").as_deref() {
                    Some("true") => cim.summariesonly = Some(true),
                    Some("false") => cim.summariesonly = Some(false),
                    Some(_) => reader.error(
                        value.span,
                        "`summariesonly` is true or false".into(),
                        "expected a boolean",
                    ),
                    None => {}
                }
            }
            if let Some(value) = node.get("fallback") {
                match reader.string(value, "fallback").as_deref() {
                    Some("refuse") => cim.fallback_raw = Some(false),
                    Some("raw") => cim.fallback_raw = Some(true),
                    Some(_) => reader.error(
                        value.span,
                        "`fallback` is `refuse` or `raw`".into(),
                        "unknown fallback",
                    ),
                    None => {}
                }
            }
        }
        let mut placeholders = HashMap::new();
        if let Some(node) = root.get("placeholders") {
            for (key, value) in node.as_mapping().unwrap_or_default() {
                let Some(name) = reader.string(key, "placeholders") else {
                    continue;
                };
                let values = match &value.kind {
                    NodeKind::Sequence(items) => items
                        .iter()
                        .filter_map(|i| reader.string(i, "placeholder value"))
                        .collect(),
                    NodeKind::Scalar(_) => reader
                        .string(value, "placeholder value")
                        .into_iter()
                        .collect(),
                    NodeKind::Mapping(_) => {
                        reader.error(
                            value.span,
                            format!("placeholder `{name}` must be a list of values"),
                            "expected a list",
                        );
                        Vec::new()
                    }
                };
                placeholders.insert(name.trim_matches('%').to_string(), values);
            }
        }
        let mut sources = Vec::new();
        match root.get("sources").map(|n| (n, n.as_sequence())) {
            Some((_, Some(items))) => {
                for item in items {
                    if let Some(entry) = Self::source_entry(&mut reader, item, target) {
                        sources.push(entry);
                    }
                }
            }
            Some((node, None)) => reader.error(
                node.span,
                "`sources` must be a list".into(),
                "expected a list of entries",
            ),
            None => {}
        }
        if let (Some(expected), Some(actual)) = (expected, target)
            && expected != actual
        {
            reader.error(
                root.span,
                format!("expected a {} mapping", expected.name()),
                "",
            );
        }
        match (target, reader.errors.is_empty()) {
            (Some(target), true) => Ok(MappingFile {
                file: Arc::clone(file),
                target,
                fields,
                product_fields,
                keyed_fields,
                custom_tables,
                datamodels,
                cim,
                placeholders,
                sources,
            }),
            _ => Err(reader.errors),
        }
    }

    fn source_entry(
        reader: &mut Reader<'_>,
        item: &Node,
        target: Option<Target>,
    ) -> Option<SourceEntry> {
        let Some(logsource_node) = item.get("logsource") else {
            reader.error(
                item.span,
                "each source needs a `logsource:`".into(),
                "no `logsource`",
            );
            return None;
        };
        let mut logsource = Vec::new();
        for (key, value) in logsource_node.as_mapping().unwrap_or_default() {
            let key_name = match key.as_str() {
                Some("product") => "product",
                Some("category") => "category",
                Some("service") => "service",
                _ => {
                    reader.error(
                        key.span,
                        "logsource keys are `product`, `category` and `service`".into(),
                        "unknown key",
                    );
                    continue;
                }
            };
            if let Some(value) = reader.string(value, key_name) {
                logsource.push((key_name, value));
            }
        }
        let function_name = item
            .get("function")
            .and_then(|n| reader.string(n, "function"));
        let function = function_name.is_some();
        let table =
            function_name.or_else(|| item.get("table").and_then(|n| reader.string(n, "table")));
        let filter = item.get("filter").and_then(|n| reader.string(n, "filter"));
        let search = item.get("search").and_then(|n| reader.string(n, "search"));
        let datamodel = item
            .get("datamodel")
            .and_then(|n| reader.string(n, "datamodel"));
        let event_data = item
            .get("event_data")
            .and_then(|n| reader.string(n, "event_data"));
        if let (Some(column), Some(node)) = (&event_data, item.get("event_data"))
            && !is_table_name(column)
        {
            reader.error(
                node.span,
                format!("`event_data: {column}` is not a column name"),
                "not a column",
            );
        }
        let fields = item
            .get("fields")
            .map(|n| reader.string_map(n, "fields"))
            .unwrap_or_default();
        let keyed_fields = item
            .get("keyed_fields")
            .map(|n| reader.keyed_map(n))
            .unwrap_or_default();
        let mut value_fields = HashMap::new();
        for (key, value) in item
            .get("value_fields")
            .and_then(Node::as_mapping)
            .unwrap_or_default()
        {
            let Some(field) = reader.string(key, "value_fields") else {
                continue;
            };
            let Some(column) = value.get("column").and_then(|n| reader.string(n, "column")) else {
                reader.error(
                    value.span,
                    format!("value field `{field}` needs `column:`"),
                    "no `column`",
                );
                continue;
            };
            let mut values = HashMap::new();
            for (sigma, target) in value
                .get("values")
                .and_then(Node::as_mapping)
                .unwrap_or_default()
            {
                let Some(sigma) = reader.string(sigma, "values") else {
                    continue;
                };
                // One target value, or a list: the Sigma value is any of them.
                let targets: Vec<String> = match target.as_sequence() {
                    Some(items) => items
                        .iter()
                        .filter_map(|item| reader.string(item, "values"))
                        .collect(),
                    None => reader.string(target, "values").into_iter().collect(),
                };
                if !targets.is_empty() {
                    values.insert(sigma.to_lowercase(), targets);
                }
            }
            value_fields.insert(field, ValueField { column, values });
        }
        reader.check_fragments(item, target);
        match target {
            Some(Target::Kql) if table.is_none() => {
                reader.error(
                    item.span,
                    "a KQL source needs `table:` (or `function:`)".into(),
                    "no table",
                );
                return None;
            }
            Some(Target::Spl) if search.is_none() && datamodel.is_none() => {
                reader.error(
                    item.span,
                    "an SPL source needs `search:` (or `datamodel:`)".into(),
                    "no base search",
                );
                return None;
            }
            _ => {}
        }
        Some(SourceEntry {
            logsource,
            table,
            filter,
            search,
            function,
            datamodel,
            event_data,
            fields,
            keyed_fields,
            value_fields,
            span: item.span,
        })
    }
}

/// A KQL table or function name, or a CIM data model part, as the backends print it (bare).
fn is_table_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(String, String)> {
        let file = Arc::new(SourceFile::new("m.yml", text));
        match MappingFile::parse(&file, None) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics
                .iter()
                .map(|d| {
                    let span = d.primary_span().unwrap();
                    (d.message.clone(), text[span.start..span.end].to_string())
                })
                .collect(),
        }
    }

    #[test]
    fn pasted_fragments_must_be_valid_where_they_go() {
        // Found by fuzzing (mapping_file): a base search with an unclosed quote made every
        // search of its source fail siemc's own validator.
        let found = errors(
            "target: spl\nsources:\n  - logsource: {product: windows}\n    search: 'index=main source=\"WinEventLog'\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .0
                .starts_with("this SPL base search does not parse")
        );
        assert_eq!(found[0].1, "'index=main source=\"WinEventLog'");

        let found = errors(
            "target: kql\nsources:\n  - logsource: {product: windows}\n    table: My Table\n    filter: EventID == (4688\n",
        );
        let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(messages[0].starts_with("`table: My Table` is not a table or function name"));
        assert!(messages[1].starts_with("this KQL filter expression does not parse"));
        assert_eq!(found[1].1, "EventID == (4688");

        let found = errors(
            "target: spl\nsources:\n  - logsource: {product: windows}\n    datamodel: Endpoint.Pro cesses\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.contains("is not a data model name"));
    }

    #[test]
    fn valid_fragments_load() {
        assert_eq!(
            errors(
                "target: kql\nsources:\n  - logsource: {product: windows}\n    function: _Im_Dns()\n    filter: EventID == 4688 and Channel has \"Sysmon\"\n"
            ),
            Vec::new()
        );
        assert_eq!(
            errors(
                "target: spl\nsources:\n  - logsource: {product: windows}\n    search: 'index=main `sysmon` (EventCode=1 OR EventCode=4688)'\n"
            ),
            Vec::new()
        );
    }
}
