//! JUnit XML, the report CI systems (GitLab, Jenkins, Azure Pipelines) show as test results:
//! one test case per file, failed when the file has an error; its warnings in `system-out`.

use super::{Diagnostic, Severity};

/// Text for an XML attribute or element. XML 1.0 cannot carry most control characters, even
/// escaped: they are written as `\uXXXX`.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// `file:line:column: severity[code]: message`, one line of a test case's report.
fn line_of(diagnostic: &Diagnostic) -> String {
    let at = match (&diagnostic.file, diagnostic.start_position()) {
        (Some(file), Some(position)) => {
            format!(
                "{}:{}:{}: ",
                file.display_path(),
                position.line,
                position.column
            )
        }
        (Some(file), None) => format!("{}: ", file.display_path()),
        _ => String::new(),
    };
    format!(
        "{at}{}[{}]: {}",
        diagnostic.severity.as_str(),
        diagnostic.code,
        diagnostic.message
    )
}

/// The whole report of a run named `suite` over `files` (every file checked, in order, so a
/// clean file is a passed test case), with `diagnostics` attributed to their files; a
/// diagnostic of no file (a usage problem) is a test case of its own.
pub fn render_junit(suite: &str, files: &[String], diagnostics: &[Diagnostic]) -> String {
    let mut cases: Vec<(String, Vec<&Diagnostic>)> =
        files.iter().map(|f| (f.clone(), Vec::new())).collect();
    for diagnostic in diagnostics {
        let name = diagnostic
            .file
            .as_ref()
            .map_or_else(|| diagnostic.code.to_string(), |f| f.display_path());
        match cases.iter_mut().find(|(file, _)| *file == name) {
            Some((_, found)) => found.push(diagnostic),
            None => cases.push((name, vec![diagnostic])),
        }
    }
    let failed = |found: &[&Diagnostic]| found.iter().any(|d| d.severity == Severity::Error);
    let failures = cases.iter().filter(|(_, found)| failed(found)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n",
        cases.len(),
        cases.len()
    ));
    for (file, found) in &cases {
        let open = format!(
            "    <testcase classname=\"{suite}\" name=\"{}\"",
            xml_escape(file)
        );
        if found.is_empty() {
            out.push_str(&format!("{open}/>\n"));
            continue;
        }
        out.push_str(&format!("{open}>\n"));
        let errors: Vec<&&Diagnostic> = found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if let Some(first) = errors.first() {
            let body: Vec<String> = errors.iter().map(|d| line_of(d)).collect();
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                xml_escape(&first.message),
                first.code,
                xml_escape(&body.join("\n"))
            ));
        }
        let others: Vec<String> = found
            .iter()
            .filter(|d| d.severity != Severity::Error)
            .map(|d| line_of(d))
            .collect();
        if !others.is_empty() {
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml_escape(&others.join("\n"))
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
