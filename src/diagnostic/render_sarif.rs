//! SARIF 2.1.0 (what GitHub code scanning reads): one run, a rule per diagnostic code with its
//! help text, a result per diagnostic with its region.

use super::{Diagnostic, Severity};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Renders all diagnostics of a run as one SARIF log. `describe` gives the help text of a code
/// (the check catalogue's documentation), when known.
pub fn render_sarif(
    diagnostics: &[Diagnostic],
    describe: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for diagnostic in diagnostics {
        rules.entry(diagnostic.code).or_insert_with(|| {
            let help = describe(diagnostic.code).unwrap_or_else(|| diagnostic.message.clone());
            json!({
                "id": diagnostic.code,
                "name": diagnostic.code,
                "shortDescription": {"text": diagnostic.code},
                "fullDescription": {"text": help},
                "help": {"text": help},
                "defaultConfiguration": {"level": level(diagnostic.severity)},
            })
        });
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut message = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                message.push_str(&format!(" (help: {help})"));
            }
            let mut result = json!({
                "ruleId": diagnostic.code,
                "ruleIndex": rule_index[diagnostic.code],
                "level": level(diagnostic.severity),
                "message": {"text": message},
            });
            if let (Some(file), Some(span)) = (&diagnostic.file, diagnostic.primary_span()) {
                let start = file.line_column(span.start);
                let end = file.line_column(span.end);
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&file.display_path())},
                        "region": {
                            "startLine": start.line,
                            "startColumn": start.column,
                            "endLine": end.line,
                            "endColumn": end.column.max(if end.line == start.line { start.column + 1 } else { 1 }),
                        }
                    }
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "siemc",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/siemc/siemc",
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).expect("JSON values always serialize")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The URI of a path: relative (forward slashes, no leading `./`) for a relative path, and a
/// `file://` URI for an absolute one (SARIF 2.1.0, 3.10.2: an absolute path is no URI
/// reference); spaces, `%` and `#` escaped.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let escaped = path
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('#', "%23");
    if escaped.starts_with('/') {
        format!("file://{escaped}")
    } else if escaped.as_bytes().get(1) == Some(&b':') {
        // A Windows drive path, `C:/rules/x.yml`.
        format!("file:///{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod uri_tests {
    use super::uri;

    #[test]
    fn absolute_paths_are_file_uris() {
        assert_eq!(uri("./rules/a b.yml"), "rules/a%20b.yml");
        assert_eq!(
            uri("/home/x/rules/r#1.yml"),
            "file:///home/x/rules/r%231.yml"
        );
        assert_eq!(uri("C:\\rules\\r.yml"), "file:///C:/rules/r.yml");
    }
}
