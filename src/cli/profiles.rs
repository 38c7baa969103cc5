//! `siemc profiles [NAME]`: the built-in profiles, where each places the log sources, and what
//! each needs in the workspace (custom tables, parser functions). With a name: every log
//! source of that profile and its table (KQL) or base search (SPL).

use super::exit;
use crate::diagnostic::Diagnostic;
use crate::mapping::{Profile, SourceEntry, profile::PROFILES};
use std::fmt::Write as _;
use std::io::Write;

pub fn run(name: Option<&str>) -> u8 {
    let text = match name {
        None => overview(),
        Some(name) => match Profile::find(name) {
            Some(profile) => details(profile),
            None => {
                super::report_to_stderr(&[Diagnostic::error(
                    "usage",
                    format!("no profile `{name}`"),
                )
                .with_help(format!("the profiles are {}", Profile::names()))]);
                return exit::USAGE;
            }
        },
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit::OK
}

/// The entries in effect: a later layer's entry replaces an earlier one with the same logsource.
fn effective_entries(profile: &'static Profile) -> Vec<&'static SourceEntry> {
    let mut entries: Vec<&SourceEntry> = Vec::new();
    for file in profile.mapping_files() {
        for entry in &file.sources {
            let key = entry.describe().to_ascii_lowercase();
            match entries
                .iter()
                .position(|e| e.describe().to_ascii_lowercase() == key)
            {
                Some(index) => entries[index] = entry,
                None => entries.push(entry),
            }
        }
    }
    entries
}

fn needs(profile: &'static Profile) -> String {
    let mut out = String::new();
    let tables: Vec<String> = profile.custom_tables().map(|t| t.name.clone()).collect();
    let _ = writeln!(
        out,
        "    custom tables it needs: {}",
        if tables.is_empty() {
            "none".to_string()
        } else {
            tables.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "    functions it needs: {}",
        if profile.functions.is_empty() {
            "none".to_string()
        } else {
            profile.functions.join(", ")
        }
    );
    out
}

fn overview() -> String {
    let mut out = String::new();
    for profile in PROFILES {
        let default = if profile.default { ", default" } else { "" };
        let _ = writeln!(out, "{} ({}{default})", profile.name, profile.target.name());
        let _ = writeln!(out, "    {}", profile.summary);
        let _ = writeln!(
            out,
            "    log sources: {} (`siemc profiles {}` lists them)",
            effective_entries(profile).len(),
            profile.name
        );
        out.push_str(&needs(profile));
    }
    out.push_str(
        "\nChoose one with --profile NAME (compile, check, test, export) or `profile = \"NAME\"` in siemc.toml;\n\
         --mapping FILE layers your own mapping over it.\n",
    );
    out
}

fn details(profile: &'static Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", profile.name, profile.target.name());
    let _ = writeln!(out, "    {}", profile.summary);
    out.push_str(&needs(profile));
    for table in profile.custom_tables() {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|(name, kind)| format!("{name}:{}", kind.name()))
            .collect();
        let _ = writeln!(
            out,
            "    custom table {}: {}\n        columns: {}",
            table.name,
            table.description,
            columns.join(", ")
        );
    }
    for function in profile.functions {
        if let Some(parser) = crate::mapping::profile::asim_functions()
            .iter()
            .find(|f| f.name == *function)
        {
            let _ = writeln!(
                out,
                "    function {function}({}): {} columns (ASIM)",
                parser
                    .parameters
                    .iter()
                    .map(|p| format!("{}:{}", p.name, p.kind))
                    .collect::<Vec<_>>()
                    .join(", "),
                parser.columns.len()
            );
        }
    }
    out.push_str("\nlog source -> where it lives\n");
    for entry in effective_entries(profile) {
        let place = match (&entry.table, &entry.search) {
            (Some(table), _) if entry.function => format!("{table}()"),
            (Some(table), _) => table.clone(),
            (None, Some(search)) => search.clone(),
            (None, None) => String::new(),
        };
        let filter = entry
            .filter
            .as_deref()
            .map(|f| format!(" | where {f}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{} -> {place}{filter}", entry.describe());
    }
    out
}
