//! The typed Sentinel schema: table (or ASIM parser function) → columns with their Kusto types.
//!
//! The built-in schema is Microsoft's 2024 table reference (861 tables, from
//! `../shared/schemas/sentinel-tables-2024.json`), embedded in a compact text form
//! (`mappings/sentinel-tables-2024.tsv`: one line per table, `Table<TAB><type letter><column>...`)
//! and parsed once, on first use, into names borrowed from the binary: no JSON parse and no
//! string copies per process. `tests/conformance_profiles.rs` proves the compact form equals
//! the source JSON.

use std::borrow::Cow;
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
    pub fn from_name(name: &str) -> ColumnType {
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

    /// The Kusto type name (what Microsoft's parser takes in a table declaration).
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String | ColumnType::Other => "string",
            ColumnType::Int => "int",
            ColumnType::Long => "long",
            ColumnType::Real => "real",
            ColumnType::Bool => "bool",
            ColumnType::DateTime => "datetime",
            ColumnType::TimeSpan => "timespan",
            ColumnType::Dynamic => "dynamic",
            ColumnType::Guid => "guid",
        }
    }

    /// The one-letter code of the compact form.
    fn letter(self) -> char {
        match self {
            ColumnType::String => 's',
            ColumnType::Int => 'i',
            ColumnType::Long => 'l',
            ColumnType::Real => 'r',
            ColumnType::Bool => 'b',
            ColumnType::DateTime => 'd',
            ColumnType::TimeSpan => 't',
            ColumnType::Dynamic => 'y',
            ColumnType::Guid => 'g',
            ColumnType::Other => 'o',
        }
    }

    fn from_letter(letter: u8) -> Option<ColumnType> {
        Some(match letter {
            b's' => ColumnType::String,
            b'i' => ColumnType::Int,
            b'l' => ColumnType::Long,
            b'r' => ColumnType::Real,
            b'b' => ColumnType::Bool,
            b'd' => ColumnType::DateTime,
            b't' => ColumnType::TimeSpan,
            b'y' => ColumnType::Dynamic,
            b'g' => ColumnType::Guid,
            b'o' => ColumnType::Other,
            _ => return None,
        })
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnType::Int | ColumnType::Long | ColumnType::Real)
    }
}

type Name = Cow<'static, str>;

/// Table name → column name → type.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SentinelSchema {
    tables: HashMap<Name, Table>,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Table {
    columns: Vec<(Name, ColumnType)>,
}

#[derive(serde::Deserialize)]
struct ColumnJson {
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The embedded compact form of the 2024 table reference.
const BUILTIN_COMPACT: &str = include_str!("../../mappings/sentinel-tables-2024.tsv");

impl SentinelSchema {
    /// The schema embedded in the binary: the 2024 table reference plus
    /// `mappings/sentinel-tables-additions.json` (columns that reference still lacks). Parsed
    /// once, on first use.
    pub fn builtin() -> &'static SentinelSchema {
        static SCHEMA: OnceLock<SentinelSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let mut schema = SentinelSchema::from_compact(BUILTIN_COMPACT)
                .expect("the embedded schema is well formed");
            schema.merge(
                SentinelSchema::from_json(include_str!(
                    "../../mappings/sentinel-tables-additions.json"
                ))
                .expect("the embedded schema additions are valid JSON"),
            );
            schema
        })
    }

    /// The 2024 table reference alone, as embedded (for the test that compares it with its
    /// source JSON).
    pub fn builtin_reference() -> Result<SentinelSchema, String> {
        SentinelSchema::from_compact(BUILTIN_COMPACT)
    }

    /// Reads the compact form; names borrow from `text`.
    pub fn from_compact(text: &'static str) -> Result<SentinelSchema, String> {
        let mut tables = HashMap::new();
        for (number, line) in text.lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            let mut cells = line.split('\t');
            let name = cells.next().unwrap_or_default();
            let mut columns = Vec::new();
            for cell in cells {
                let kind = cell
                    .as_bytes()
                    .first()
                    .and_then(|letter| ColumnType::from_letter(*letter))
                    .ok_or_else(|| format!("line {}: bad column `{cell}`", number + 1))?;
                columns.push((Cow::Borrowed(&cell[1..]), kind));
            }
            tables.insert(Cow::Borrowed(name), Table { columns });
        }
        Ok(SentinelSchema { tables })
    }

    /// The compact form: tables sorted by name, columns in schema order.
    pub fn to_compact(&self) -> String {
        let mut names: Vec<&Name> = self.tables.keys().collect();
        names.sort();
        let mut out = String::new();
        for name in names {
            out.push_str(name);
            for (column, kind) in &self.tables[name].columns {
                out.push('\t');
                out.push(kind.letter());
                out.push_str(column);
            }
            out.push('\n');
        }
        out
    }

    /// `{"Table": [{"name", "type"}]}`, tables sorted (the form Microsoft's parser oracle reads).
    pub fn to_json(&self) -> String {
        let mut names: Vec<&Name> = self.tables.keys().collect();
        names.sort();
        let mut object = serde_json::Map::new();
        for name in names {
            let columns = self.tables[name]
                .columns
                .iter()
                .map(|(column, kind)| serde_json::json!({"name": column, "type": kind.name()}))
                .collect();
            object.insert(name.to_string(), serde_json::Value::Array(columns));
        }
        serde_json::Value::Object(object).to_string()
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

    /// Declares a table (or an ASIM parser function's result) with its columns.
    pub fn add_table(
        &mut self,
        name: &str,
        columns: impl IntoIterator<Item = (String, ColumnType)>,
    ) {
        let mut other = SentinelSchema::default();
        other.tables.insert(
            Cow::Owned(name.to_string()),
            Table {
                columns: columns
                    .into_iter()
                    .map(|(column, kind)| (Cow::Owned(column), kind))
                    .collect(),
            },
        );
        self.merge(other);
    }

    /// Reads `{"Table": [{"name", "type"}]}`. A table listed twice (some names carry a
    /// trailing space in Microsoft's files) gets the columns of both.
    pub fn from_json(text: &str) -> Result<SentinelSchema, serde_json::Error> {
        let raw: HashMap<String, Vec<ColumnJson>> = serde_json::from_str(text)?;
        let mut raw: Vec<(String, Vec<ColumnJson>)> = raw.into_iter().collect();
        // Deterministic merge order for names that differ only by trailing spaces.
        raw.sort_by(|a, b| a.0.cmp(&b.0));
        let mut schema = SentinelSchema::default();
        for (name, columns) in raw {
            let mut one = SentinelSchema::default();
            one.tables.insert(
                Cow::Owned(name.trim().to_string()),
                Table {
                    columns: columns
                        .into_iter()
                        .map(|c| {
                            let kind = ColumnType::from_name(&c.kind);
                            (Cow::Owned(c.name), kind)
                        })
                        .collect(),
                },
            );
            schema.merge(one);
        }
        Ok(schema)
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
        self.tables.keys().map(|name| name.as_ref())
    }

    pub fn columns(&self, table: &str) -> Option<impl Iterator<Item = &str>> {
        self.tables
            .get(table)
            .map(|t| t.columns.iter().map(|(name, _)| name.as_ref()))
    }

    /// Up to `limit` columns of `table` nearest to `name`: the longest common run of
    /// characters first (case-insensitive; `Description` finds `ProcessVersionInfoFileDescription`),
    /// then the edit distance. Columns sharing fewer than three characters in a row with the
    /// name are left out unless they are a plausible misspelling.
    pub fn nearest_columns(&self, table: &str, name: &str, limit: usize) -> Vec<&str> {
        let Some(columns) = self.columns(table) else {
            return Vec::new();
        };
        let lower: Vec<char> = name.to_lowercase().chars().collect();
        let lower_text: String = lower.iter().collect();
        let mut scored: Vec<(std::cmp::Reverse<usize>, usize, &str)> = columns
            .filter_map(|column| {
                let column_lower = column.to_lowercase();
                let common = longest_common_run(&lower, &column_lower.chars().collect::<Vec<_>>());
                let distance = crate::text::edit_distance(&lower_text, &column_lower);
                let close = distance <= (lower.len() / 3).max(1);
                (common >= 3.min(lower.len()) || close).then_some((
                    std::cmp::Reverse(common.max(if close { lower.len() } else { 0 })),
                    distance,
                    column,
                ))
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(limit)
            .map(|(_, _, column)| column)
            .collect()
    }
}

/// The length of the longest run of characters `a` and `b` share.
fn longest_common_run(a: &[char], b: &[char]) -> usize {
    let mut best = 0;
    let mut previous = vec![0usize; b.len() + 1];
    for ca in a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            if ca == cb {
                current[j + 1] = previous[j] + 1;
                best = best.max(current[j + 1]);
            }
        }
        previous = current;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_schema_has_the_2024_tables_and_types() {
        let schema = SentinelSchema::builtin();
        assert!(schema.table_names().count() >= 861);
        assert_eq!(
            schema.column_type("AADUserRiskEvents", "RiskEventType"),
            Some(ColumnType::String)
        );
        assert_eq!(
            schema.column_type("SecurityEvent", "EventID"),
            Some(ColumnType::Int)
        );
        assert_eq!(
            schema.column_type("DeviceProcessEvents", "ProcessVersionInfoFileDescription"),
            Some(ColumnType::String)
        );
        assert_eq!(
            schema.column_type("DeviceFileEvents", "IsAzureInfoProtectionApplied"),
            Some(ColumnType::Bool)
        );
        // from the additions file
        assert_eq!(
            schema.column_type("SigninLogs", "IncomingTokenType"),
            Some(ColumnType::String)
        );
    }

    #[test]
    fn the_compact_form_round_trips() {
        let schema = SentinelSchema::builtin_reference().unwrap();
        assert_eq!(schema.to_compact(), BUILTIN_COMPACT);
        let json = SentinelSchema::from_json(&schema.to_json()).unwrap();
        assert_eq!(json.to_compact(), BUILTIN_COMPACT);
    }

    #[test]
    fn nearest_columns_prefer_close_names() {
        let schema = SentinelSchema::builtin();
        let near = schema.nearest_columns("DeviceImageLoadEvents", "Description", 3);
        assert!(
            near.contains(&"InitiatingProcessVersionInfoFileDescription"),
            "{near:?}"
        );
        assert_eq!(
            schema.nearest_columns("SecurityEvent", "EventId", 1),
            vec!["EventID"]
        );
    }
}
