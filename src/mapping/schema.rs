//! The built-in Sentinel table schemas (241 tables with column names and types).

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Int,
    Long,
    Real,
    Bool,
    DateTime,
    TimeSpan,
    Dynamic,
    Guid,
    Other,
}

impl ColumnType {
    fn from_name(name: &str) -> ColumnType {
        match name.to_ascii_lowercase().as_str() {
            "string" => ColumnType::String,
            "int" => ColumnType::Int,
            "long" => ColumnType::Long,
            "real" | "double" | "decimal" => ColumnType::Real,
            "bool" | "boolean" => ColumnType::Bool,
            "datetime" => ColumnType::DateTime,
            "timespan" => ColumnType::TimeSpan,
            "dynamic" => ColumnType::Dynamic,
            "guid" => ColumnType::Guid,
            _ => ColumnType::Other,
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnType::Int | ColumnType::Long | ColumnType::Real)
    }
}

/// Table name → column name → type.
#[derive(Debug, Default, Clone)]
pub struct SentinelSchema {
    tables: HashMap<String, Table>,
}

#[derive(Debug, Default, Clone)]
struct Table {
    columns: Vec<(String, ColumnType)>,
}

#[derive(serde::Deserialize)]
struct ColumnJson {
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

impl SentinelSchema {
    /// The schema embedded in the binary: `mappings/sentinel-tables.json` (the 2022 snapshot
    /// of 241 tables) plus `mappings/sentinel-tables-additions.json` (newer columns and tables
    /// from Microsoft's Azure Monitor table reference that the snapshot lacks).
    pub fn builtin() -> &'static SentinelSchema {
        static SCHEMA: OnceLock<SentinelSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let mut schema =
                SentinelSchema::from_json(include_str!("../../mappings/sentinel-tables.json"))
                    .expect("the embedded schema is valid JSON");
            schema.merge(
                SentinelSchema::from_json(include_str!(
                    "../../mappings/sentinel-tables-additions.json"
                ))
                .expect("the embedded schema additions are valid JSON"),
            );
            schema
        })
    }

    /// Adds the tables and columns of `other` (existing columns keep their type).
    pub fn merge(&mut self, other: SentinelSchema) {
        for (name, table) in other.tables {
            let entry = self.tables.entry(name).or_default();
            for (column, kind) in table.columns {
                if !entry
                    .columns
                    .iter()
                    .any(|(existing, _)| *existing == column)
                {
                    entry.columns.push((column, kind));
                }
            }
        }
    }

    /// Reads `{"Table": [{"name", "type"}]}`.
    pub fn from_json(text: &str) -> Result<SentinelSchema, serde_json::Error> {
        let raw: HashMap<String, Vec<ColumnJson>> = serde_json::from_str(text)?;
        let tables = raw
            .into_iter()
            // Some snapshot names carry a trailing space (e.g. GSuite tables).
            .map(|(name, columns)| (name.trim().to_string(), columns))
            .map(|(name, columns)| {
                let columns = columns
                    .into_iter()
                    .map(|c| {
                        let kind = ColumnType::from_name(&c.kind);
                        (c.name, kind)
                    })
                    .collect();
                (name, Table { columns })
            })
            .collect();
        Ok(SentinelSchema { tables })
    }

    pub fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// The type of a column, when the table and column are known.
    pub fn column_type(&self, table: &str, column: &str) -> Option<ColumnType> {
        self.tables
            .get(table)?
            .columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, kind)| *kind)
    }

    /// This schema with the tables of `other` added (a table in both gets `other`'s columns):
    /// the built-in tables plus the ones of a `--schema FILE`.
    pub fn merged_with(&self, other: SentinelSchema) -> SentinelSchema {
        let mut tables = self.tables.clone();
        tables.extend(other.tables);
        SentinelSchema { tables }
    }

    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    pub fn columns(&self, table: &str) -> Option<impl Iterator<Item = &str>> {
        self.tables
            .get(table)
            .map(|t| t.columns.iter().map(|(name, _)| name.as_str()))
    }
}
