//! Logsource coverage: where each logsource of a list lands in the built-in mappings.
//!
//! Takes: logsources as `key: value, key: value` lines (the taxonomy list in
//! `mappings/sigma-taxonomy-logsources.txt`). Gives: per logsource, the KQL table (and row
//! filter) and the SPL base search the built-in mappings choose, by the same lookup the
//! compiler uses, or nothing where the compiler refuses the logsource; and that as the
//! Markdown table of the README (a test regenerates and compares it).

use super::{Mapping, SourceEntry, Target};

/// One logsource and where each target places it.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    /// `{category: network, service: dns}`.
    pub logsource: String,
    pub kql: Option<Placement>,
    pub spl: Option<Placement>,
}

/// Where a target places a logsource.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// KQL: the table, then `| where <filter>`; SPL: the base search.
    pub source: String,
    /// The logsource of the entry that matched, when it is not the logsource itself (a
    /// less specific entry: `{product: cisco}` for `{product: cisco, service: syslog}`).
    pub via: Option<String>,
}

/// Reads `key: value, key: value` lines; blank lines and `#` comments are skipped.
pub fn parse_logsource_list(text: &str) -> Vec<Vec<(String, String)>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.split(',')
                .filter_map(|pair| {
                    let (key, value) = pair.split_once(':')?;
                    Some((key.trim().to_string(), value.trim().to_string()))
                })
                .collect()
        })
        .collect()
}

/// Where the built-in mappings of both targets place each logsource.
pub fn coverage(logsources: &[Vec<(String, String)>]) -> Vec<CoverageRow> {
    let kql = Mapping::builtin(Target::Kql);
    let spl = Mapping::builtin(Target::Spl);
    logsources
        .iter()
        .map(|keys| {
            let keys: Vec<(&str, &str)> =
                keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let describe = describe(&keys);
            let place = |mapping: &Mapping| {
                mapping
                    .find_source_by_keys(&keys)
                    .map(|(_, entry)| placement(mapping.target, entry, &describe))
            };
            CoverageRow {
                logsource: describe.clone(),
                kql: place(&kql),
                spl: place(&spl),
            }
        })
        .collect()
}

fn describe(keys: &[(&str, &str)]) -> String {
    let parts: Vec<String> = keys.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Compares logsources as sets of pairs (the entry may list its keys in another order).
fn same_logsource(entry: &SourceEntry, keys: &str) -> bool {
    let mut entry_pairs: Vec<String> = entry
        .logsource
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_ascii_lowercase()))
        .collect();
    let mut wanted: Vec<String> = keys
        .trim_matches(['{', '}'])
        .split(", ")
        .map(|pair| pair.to_ascii_lowercase())
        .collect();
    entry_pairs.sort();
    wanted.sort();
    entry_pairs == wanted
}

fn placement(target: Target, entry: &SourceEntry, logsource: &str) -> Placement {
    let source = match target {
        Target::Kql => {
            let table = entry.table.clone().unwrap_or_default();
            match &entry.filter {
                Some(filter) => format!("{table} | where {filter}"),
                None => table,
            }
        }
        Target::Spl => entry.search.clone().unwrap_or_default(),
    };
    Placement {
        source,
        via: (!same_logsource(entry, logsource)).then(|| entry.describe()),
    }
}

/// The README table: one row per logsource, refusals included.
pub fn coverage_markdown(rows: &[CoverageRow]) -> String {
    let mut out = String::from(
        "| taxonomy logsource | KQL (Microsoft Sentinel) | SPL (Splunk) |\n|---|---|---|\n",
    );
    for row in rows {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            row.logsource,
            cell(&row.kql),
            cell(&row.spl)
        ));
    }
    out
}

fn cell(placement: &Option<Placement>) -> String {
    match placement {
        None => "refused: `unmapped-logsource` (names the entry to add)".to_string(),
        Some(placement) => {
            // A `|` inside a table cell must be escaped, code span or not.
            let source = placement.source.replace('|', "\\|");
            match &placement.via {
                Some(via) => format!("`{source}` (entry `{via}`)"),
                None => format!("`{source}`"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_compiler_lookup() {
        let list = parse_logsource_list(
            "# comment\n\nproduct: windows, service: security\nproduct: cisco, service: syslog\nproduct: nosuch\n",
        );
        assert_eq!(list.len(), 3);
        let rows = coverage(&list);
        assert_eq!(rows[0].logsource, "{product: windows, service: security}");
        let kql = rows[0].kql.as_ref().unwrap();
        assert!(kql.source.starts_with("SecurityEvent"), "{kql:?}");
        assert_eq!(kql.via, None);
        // A catch-all entry places it: the table says which.
        let via = rows[1].spl.as_ref().unwrap().via.as_deref();
        assert_eq!(via, Some("{product: cisco, service: *}"));
        assert_eq!(rows[2].kql, None);
        assert_eq!(rows[2].spl, None);
    }

    #[test]
    fn pipes_are_escaped_in_the_table() {
        let rows = vec![CoverageRow {
            logsource: "{product: x}".into(),
            kql: Some(Placement {
                source: "T | where A == 1".into(),
                via: None,
            }),
            spl: None,
        }];
        let table = coverage_markdown(&rows);
        assert!(table.contains("`T \\| where A == 1`"), "{table}");
        assert!(table.contains("refused"), "{table}");
    }
}
