//! `siemc query check --lang kql|spl PATH...|- [--schema FILE] [--macros FILE]... [--format human|json|sarif|github]`
//!
//! Inputs (DESIGN.md §2): `.kql` / `.spl` / `.txt` files (the whole file is one query, id = path),
//! `.jsonl` (lines `{"id", "query"}` or `{"id", "search"}`), `.yml` / `.yaml` (a Sentinel analytic
//! rule's `query:` or a Splunk ESCU detection's `search:`, id = path; positions are reported in
//! the YAML file), `-` for standard input. Directories are searched recursively.

use super::{DiagnosticFormat, exit, write_diagnostics};
use crate::diagnostic::{Diagnostic, Origin, Severity, SourceFile, Span};
use crate::query::{kql, spl};
use crate::yaml;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Kql,
    Spl,
}

pub struct QueryCheckArgs {
    pub language: Language,
    pub paths: Vec<PathBuf>,
    pub schema: Option<PathBuf>,
    /// Macro files for SPL, in order (a later file's definition wins).
    pub macros: Vec<PathBuf>,
    pub format: DiagnosticFormat,
    /// `--deny warnings`: a warning fails the run too.
    pub deny_warnings: bool,
}

/// One query to validate: its id and its text as a source file (positions in the input file).
pub struct QueryInput {
    pub id: String,
    pub source: Arc<SourceFile>,
}

/// A validator ready to run, with its options loaded.
pub enum Validator {
    Kql(kql::KqlCheckOptions),
    Spl(spl::SplCheckOptions),
}

impl Validator {
    pub fn new(
        language: Language,
        schema: Option<&Path>,
        macros: &[PathBuf],
    ) -> Result<Validator, Diagnostic> {
        Ok(match language {
            Language::Kql => Validator::Kql(kql::KqlCheckOptions::from_schema_file(schema)?),
            Language::Spl => Validator::Spl(spl::SplCheckOptions::from_macros_files(macros)?),
        })
    }

    pub fn check(&self, source: &Arc<SourceFile>) -> Vec<Diagnostic> {
        match self {
            Validator::Kql(options) => kql::check_query(source, options),
            Validator::Spl(options) => spl::check_query(source, options),
        }
    }
}

#[derive(Serialize)]
struct QueryRecord<'a> {
    id: &'a str,
    ok: bool,
    diagnostics: Vec<QueryDiagnosticRecord>,
}

#[derive(Serialize)]
struct QueryDiagnosticRecord {
    severity: &'static str,
    code: &'static str,
    message: String,
    line: Option<usize>,
    column: Option<usize>,
}

pub fn run(args: &QueryCheckArgs) -> u8 {
    let validator = match Validator::new(args.language, args.schema.as_deref(), &args.macros) {
        Ok(validator) => validator,
        Err(diagnostic) => {
            super::report_to_stderr(&[diagnostic]);
            return exit::USAGE;
        }
    };
    let (inputs, input_problems, usage_problems) = read_inputs(&args.paths, args.language);
    if !usage_problems.is_empty() {
        super::report_to_stderr(&usage_problems);
        return exit::USAGE;
    }
    let mut all_diagnostics: Vec<Diagnostic> = input_problems;
    // Diagnostics already printed under their record's id (human format).
    let mut printed: Vec<Diagnostic> = Vec::new();
    let mut stdout = std::io::stdout().lock();
    let mut queries_with_errors = 0;
    // Queries are independent: validate them on every core, report in input order.
    let checked = crate::compile::parallel_map(&inputs, |input| validator.check(&input.source));
    for (input, diagnostics) in inputs.iter().zip(checked) {
        let ok = !diagnostics.iter().any(Diagnostic::is_error);
        if !ok {
            queries_with_errors += 1;
        }
        if args.format == DiagnosticFormat::Json {
            let record = QueryRecord {
                id: &input.id,
                ok,
                diagnostics: diagnostics
                    .iter()
                    .map(|d| {
                        let position = d.start_position();
                        QueryDiagnosticRecord {
                            severity: d.severity.as_str(),
                            code: d.code,
                            message: d.message.clone(),
                            line: position.map(|p| p.line),
                            column: position.map(|p| p.column),
                        }
                    })
                    .collect(),
            };
            if writeln!(
                stdout,
                "{}",
                serde_json::to_string(&record).expect("serializable")
            )
            .is_err()
            {
                return exit::USAGE;
            }
        }
        // A record of a JSON Lines file is named by its id, which the diagnostics' file
        // positions alone do not show.
        if args.format == DiagnosticFormat::Human
            && !diagnostics.is_empty()
            && input.id != input.source.display_path()
        {
            let _ = writeln!(
                stdout,
                "query `{}` ({}):",
                input.id,
                input.source.display_path()
            );
            write_diagnostics(&mut stdout, &diagnostics, args.format);
            printed.extend(diagnostics);
            continue;
        }
        all_diagnostics.extend(diagnostics);
    }
    match args.format {
        // Problems reading the inputs have no query record: they go to stderr.
        DiagnosticFormat::Json => super::report_to_stderr(
            &all_diagnostics
                .iter()
                .filter(|d| d.code == "invalid-input" || d.code == "no-query")
                .cloned()
                .collect::<Vec<_>>(),
        ),
        format => write_diagnostics(&mut stdout, &all_diagnostics, format),
    }
    let _ = stdout.flush();
    if args.format == DiagnosticFormat::Human {
        eprintln!(
            "checked {} {} quer{}: {} with errors",
            inputs.len(),
            match args.language {
                Language::Kql => "KQL",
                Language::Spl => "SPL",
            },
            if inputs.len() == 1 { "y" } else { "ies" },
            queries_with_errors
        );
    }
    let every = || all_diagnostics.iter().chain(&printed);
    let denied = args.deny_warnings && every().any(|d| d.severity == Severity::Warning);
    if queries_with_errors > 0 || every().any(Diagnostic::is_error) || denied {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}

fn is_query_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("kql" | "spl" | "txt" | "jsonl" | "yml" | "yaml")
    )
}

/// Reads every input into queries. Returns the queries, problems of the inputs (bad JSON lines,
/// YAML without a query) and usage problems (missing paths, unreadable files).
pub fn read_inputs(
    paths: &[PathBuf],
    language: Language,
) -> (Vec<QueryInput>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut usage = Vec::new();
    let (stdin_requested, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
        paths.iter().partition(|p| p.as_os_str() == "-");
    if !stdin_requested.is_empty() {
        let mut text = String::new();
        match std::io::stdin().read_to_string(&mut text) {
            // `siemc compile --format json | siemc query check -`: JSON Lines records.
            Ok(_) if text.trim_start().starts_with('{') => read_json_lines(
                &Arc::new(SourceFile::new("<stdin>", text)),
                &mut inputs,
                &mut problems,
            ),
            Ok(_) => inputs.push(QueryInput {
                id: "-".to_string(),
                source: Arc::new(SourceFile::new("<stdin>", text)),
            }),
            Err(error) => usage.push(Diagnostic::error(
                "io-error",
                format!("standard input: {error}"),
            )),
        }
    }
    let files: Vec<PathBuf> = files.into_iter().cloned().collect();
    let (paths, path_problems) = crate::rule::collect_files(&files, is_query_file);
    usage.extend(path_problems);
    for path in paths {
        let file = match crate::rule::read_source(&path) {
            Ok(file) => file,
            Err(diagnostic) if matches!(diagnostic.code, "io-error") => {
                usage.push(diagnostic);
                continue;
            }
            Err(diagnostic) => {
                problems.push(Diagnostic {
                    code: "invalid-input",
                    ..diagnostic
                });
                continue;
            }
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => read_json_lines(&file, &mut inputs, &mut problems),
            Some("yml" | "yaml") => read_yaml_rule(&file, language, &mut inputs, &mut problems),
            _ => inputs.push(QueryInput {
                id: file.display_path(),
                source: file,
            }),
        }
    }
    (inputs, problems, usage)
}

fn read_json_lines(
    file: &Arc<SourceFile>,
    inputs: &mut Vec<QueryInput>,
    problems: &mut Vec<Diagnostic>,
) {
    let mut offset = 0;
    for (index, line) in file.text.split('\n').enumerate() {
        let line_span = Span::new(offset, offset + line.len());
        offset += line.len() + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(error) => {
                problems.push(
                    Diagnostic::error(
                        "invalid-input",
                        format!("line {} is not JSON: {error}", index + 1),
                    )
                    .in_file(file)
                    .at(line_span, "expected {\"id\": ..., \"query\": ...}"),
                );
                continue;
            }
        };
        let text = value
            .get("query")
            .or_else(|| value.get("search"))
            .and_then(|q| q.as_str());
        let Some(text) = text else {
            problems.push(
                Diagnostic::error(
                    "invalid-input",
                    "a JSON line needs a string `query` or `search`",
                )
                .in_file(file)
                .at(line_span, "no query here"),
            );
            continue;
        };
        let id = match value.get("id") {
            Some(serde_json::Value::String(id)) => id.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => format!("{}:{}", file.display_path(), index + 1),
        };
        // A query whose JSON string has no escape is the line's text as it is: positions are
        // exact in the file. With escapes (`\n`, `\"`), positions stay relative to the query,
        // as Microsoft's parser reports them, and the record's id says which one.
        let written = serde_json::to_string(text).unwrap_or_default();
        let key = ["\"query\"", "\"search\""]
            .iter()
            .find_map(|key| line.find(key))
            .unwrap_or(0);
        let origin = match line[key..].find(&written).map(|at| key + at) {
            Some(at) if written.len() == text.len() + 2 => Origin {
                lines_before: index,
                indent: line[..at].chars().count() + 1,
            },
            _ => Origin::default(),
        };
        inputs.push(QueryInput {
            id,
            source: Arc::new(SourceFile::excerpt(file.path(), text, origin)),
        });
    }
}

fn read_yaml_rule(
    file: &Arc<SourceFile>,
    language: Language,
    inputs: &mut Vec<QueryInput>,
    problems: &mut Vec<Diagnostic>,
) {
    let (documents, diagnostics) = yaml::load_documents(file);
    problems.extend(diagnostics.into_iter().map(|d| Diagnostic {
        code: "invalid-input",
        ..d
    }));
    let key = match language {
        Language::Kql => "query",
        Language::Spl => "search",
    };
    for document in documents {
        let Some(node) = document.root.get(key) else {
            problems.push(
                Diagnostic {
                    severity: Severity::Warning,
                    ..Diagnostic::error("no-query", format!("no `{key}:` in this YAML document"))
                }
                .in_file(file)
                .at(
                    Span::new(document.root.span.start, document.root.span.start),
                    "",
                )
                .with_help(match language {
                    Language::Kql => {
                        "a Sentinel analytic rule or hunting query keeps its KQL under `query:`"
                    }
                    Language::Spl => "a Splunk ESCU detection keeps its SPL under `search:`",
                }),
            );
            continue;
        };
        let Some(text) = node.as_str() else {
            problems.push(
                Diagnostic::error("invalid-input", format!("`{key}` must be a string"))
                    .in_file(file)
                    .at(node.span, "not a string"),
            );
            continue;
        };
        inputs.push(QueryInput {
            id: file.display_path(),
            source: Arc::new(SourceFile::excerpt(
                file.path(),
                text,
                scalar_origin(file, node.span),
            )),
        });
    }
}

/// Where a scalar's text starts in the file: a literal block (`|`) starts on the next line at
/// its indentation; a single-line plain or quoted scalar at its own position. Other forms (folded,
/// multi-line quoted) change line breaks, so positions stay relative to the query.
fn scalar_origin(file: &SourceFile, span: Span) -> Origin {
    let raw = &file.text[span.start..span.end];
    let start = file.line_column(span.start);
    if raw.starts_with('|') {
        let content_start = raw.find('\n').map_or(span.end, |i| span.start + i + 1);
        let indent = file.text[content_start..]
            .chars()
            .take_while(|c| *c == ' ')
            .count();
        return Origin {
            lines_before: start.line,
            indent,
        };
    }
    if raw.contains('\n') || raw.starts_with('>') {
        return Origin::default();
    }
    let quoted = raw.starts_with('"') || raw.starts_with('\'');
    Origin {
        lines_before: start.line - 1,
        indent: start.column - 1 + usize::from(quoted),
    }
}
