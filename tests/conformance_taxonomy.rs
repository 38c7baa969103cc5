//! Conformance with Sigma's taxonomy appendix (`../shared/reference/sigma-specification/
//! specification/sigma-appendix-taxonomy.md`, needs `../shared`): the project's list of its
//! logsources (`mappings/sigma-taxonomy-logsources.txt`, which the README's coverage table is
//! generated from) is the appendix's, and every logsource the KQL mapping places lands in a
//! real table of `../shared/schemas/sentinel-tables-2024.json` with real columns.
//!
//! Run: `cargo test --test conformance_taxonomy -- --ignored --nocapture`

use siemc::mapping::coverage::parse_logsource_list;
use siemc::mapping::{Mapping, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn shared(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The logsource cells of the appendix's tables (`product: x<br>service: y`), before its
/// "Fields" part, in order, each once.
fn appendix_logsources() -> Vec<Vec<(String, String)>> {
    let text = shared("reference/sigma-specification/specification/sigma-appendix-taxonomy.md");
    let logsources_part = text.split("\n## Fields").next().unwrap();
    let mut found: Vec<Vec<(String, String)>> = Vec::new();
    for line in logsources_part.lines().filter(|l| l.starts_with('|')) {
        for cell in line.trim_matches('|').split('|') {
            let pairs: Option<Vec<(String, String)>> = cell
                .split("<br>")
                .map(|part| {
                    let (key, value) = part.trim().split_once(':')?;
                    let key = key.trim();
                    let value = value.trim();
                    (["product", "category", "service"].contains(&key)
                        && !value.is_empty()
                        && !value.contains(' '))
                    .then(|| (key.to_string(), value.to_string()))
                })
                .collect();
            if let Some(pairs) = pairs
                && !pairs.is_empty()
                && !found.contains(&pairs)
            {
                found.push(pairs);
            }
        }
    }
    found
}

#[test]
#[ignore = "needs ../shared; run with --ignored"]
fn the_project_list_is_the_appendix() {
    let list = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/sigma-taxonomy-logsources.txt"),
    )
    .unwrap();
    let appendix = appendix_logsources();
    println!("{} logsources in the taxonomy appendix", appendix.len());
    assert_eq!(parse_logsource_list(&list), appendix);
}

/// Placements in tables the 2024 schema does not have: custom tables chosen by existing
/// entries (issue 10 reviews those entries); anything new here fails.
const CUSTOM_TABLES: &[&str] = &["ApplicationLogs_CL", "BitbucketAudit_CL", "Auditd_CL"];

#[test]
#[ignore = "needs ../shared; run with --ignored"]
fn kql_placements_use_real_tables_and_columns() {
    let schema: serde_json::Value =
        serde_json::from_str(&shared("schemas/sentinel-tables-2024.json")).unwrap();
    let columns = |table: &str| -> Option<BTreeSet<String>> {
        let list = schema.get(table)?.as_array()?;
        Some(
            list.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect(),
        )
    };
    let mapping = Mapping::builtin(Target::Kql);
    let mut custom: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for keys in appendix_logsources() {
        let keys: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let Some((_, entry)) = mapping.find_source_by_keys(&keys) else {
            continue;
        };
        let table = entry.table.clone().unwrap_or_default();
        let Some(real) = columns(&table) else {
            custom
                .entry(table.clone())
                .or_default()
                .push(format!("{keys:?}"));
            if !CUSTOM_TABLES.contains(&table.as_str()) {
                problems.push(format!("{keys:?}: table {table} is not in the 2024 schema"));
            }
            continue;
        };
        for (sigma, target) in &entry.fields {
            let column = target.split('.').next().unwrap_or(target);
            if !real.contains(column) {
                problems.push(format!(
                    "{}: {sigma} -> {target}: {table} has no column {column}",
                    entry.describe()
                ));
            }
        }
    }
    for (table, logsources) in &custom {
        println!("custom table {table}: {}", logsources.join(", "));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
