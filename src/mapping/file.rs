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
    pub fields: HashMap<String, String>,
    /// Like [`MappingFile::keyed_fields`], for this source only.
    pub keyed_fields: HashMap<String, HashMap<String, String>>,
    /// Sigma fields whose values are spelled differently in the target:
    /// `value_fields: {Initiated: {column: NetworkDirection, values: {'true': Outbound}}}`.
    pub value_fields: HashMap<String, ValueField>,
    pub span: Span,
}

/// A field placed in another column with its values translated (Sysmon's `Initiated: 'true'`
/// is ASIM's `NetworkDirection == "Outbound"`). Values are matched case-insensitively.
#[derive(Debug, Clone)]
pub struct ValueField {
    pub column: String,
    /// Sigma value (lower case) → target value.
    pub values: HashMap<String, String>,
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

impl SourceEntry {
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
                        .filter_map(|i| reader.string(i, what))
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
            let values = value
                .get("values")
                .map(|n| reader.string_map(n, "values"))
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect();
            value_fields.insert(field, ValueField { column, values });
        }
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
            fields,
            keyed_fields,
            value_fields,
            span: item.span,
        })
    }
}
