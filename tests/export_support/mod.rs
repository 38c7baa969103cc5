//! Helpers shared by the export tests: an exporter over the built-in mapping and templates,
//! in-memory rule files, and a small savedsearches.conf reader.
#![allow(dead_code)]

use siemc::backend::Templates;
use siemc::diagnostic::{Diagnostic, SourceFile, render_human};
use siemc::export::{ExportFormat, ExportOutcome, Exporter};
use siemc::mapping::Mapping;
use std::sync::Arc;

pub fn exporter(format: ExportFormat) -> Exporter {
    Exporter::new(
        format,
        Mapping::builtin(format.target()),
        Templates::embedded(),
        false,
    )
}

/// Exports one rule given as text (file name `rule.yml`).
pub fn export_text(format: ExportFormat, text: &str) -> ExportOutcome {
    let file = Arc::new(SourceFile::new("rule.yml", text));
    let mut outcome = ExportOutcome::default();
    exporter(format).export_file(&file, &mut outcome);
    outcome
}

/// Diagnostics rendered without colour, as one reviewable text.
pub fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| render_human(d, false)).collect()
}

/// The text a diagnostic's primary label points at.
pub fn primary_text(diagnostic: &Diagnostic) -> &str {
    let file = diagnostic.file.as_ref().expect("diagnostic has a file");
    let span = diagnostic.primary_span().expect("diagnostic has a span");
    &file.text[span.start..span.end]
}

/// One `[stanza]` of a conf file with its settings in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Stanza {
    pub name: String,
    pub settings: Vec<(String, String)>,
}

impl Stanza {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a savedsearches.conf the way Splunk's conf format is specified: `#` comment lines,
/// `[stanza]` headers, `key = value` with white space around `=` and the value trimmed, and a
/// line ending in `\` continued on the next line (the ` \` separator is removed, the line break
/// kept). Anything else is an error, so a malformed export cannot pass.
pub fn parse_conf(text: &str) -> Result<Vec<Stanza>, String> {
    let mut stanzas: Vec<Stanza> = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            if stanzas.iter().any(|s| s.name == name) {
                return Err(format!("line {}: stanza [{name}] repeated", number + 1));
            }
            stanzas.push(Stanza {
                name: name.to_string(),
                settings: Vec::new(),
            });
            continue;
        }
        let Some((key, first)) = line.split_once('=') else {
            return Err(format!(
                "line {}: neither a stanza nor key = value: {line}",
                number + 1
            ));
        };
        let key = key.trim().to_string();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("line {}: invalid key `{key}`", number + 1));
        }
        let mut value = String::new();
        let mut part = first.trim_start().to_string();
        while let Some(continued) = part.strip_suffix('\\') {
            value.push_str(continued.strip_suffix(' ').unwrap_or(continued));
            value.push('\n');
            part = match lines.next() {
                Some((_, next)) => next.to_string(),
                None => return Err(format!("line {}: continuation at end of file", number + 1)),
            };
        }
        value.push_str(&part);
        let Some(stanza) = stanzas.last_mut() else {
            return Err(format!("line {}: setting outside a stanza", number + 1));
        };
        if stanza.settings.iter().any(|(k, _)| *k == key) {
            return Err(format!(
                "line {}: key `{key}` repeated in [{}]",
                number + 1,
                stanza.name
            ));
        }
        stanza.settings.push((key, value.trim().to_string()));
    }
    Ok(stanzas)
}
