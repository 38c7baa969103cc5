//! `siemc compile PATH... --target kql|spl [--mapping FILE]... [--templates DIR] [--filter FILE|DIR]...
//! [--format query|json]`

use super::{exit, report_to_stderr};
use crate::compile::Compiler;
use crate::diagnostic::Diagnostic;
use crate::mapping::Target;
use crate::rule::collect_rule_paths;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The queries, ready to paste; a comment line names each rule when there are several.
    Query,
    /// JSON Lines: `{"path", "id", "title", "target", "query"}` per compiled rule.
    Json,
}

pub struct CompileArgs {
    pub paths: Vec<PathBuf>,
    pub target: Target,
    pub mappings: Vec<PathBuf>,
    pub templates: Option<PathBuf>,
    /// Sigma filter files or directories (`--filter`).
    pub filters: Vec<PathBuf>,
    pub format: OutputFormat,
}

pub fn run(args: &CompileArgs) -> u8 {
    let setup =
        super::load_mapping_and_templates(args.target, &args.mappings, args.templates.as_deref())
            .map(|(mapping, templates)| Compiler::new(args.target, mapping, templates))
            .and_then(|compiler| {
                super::load_filters(&args.paths, &args.filters)
                    .map(|(filters, problems)| (compiler.with_filters(filters), problems))
            });
    let (compiler, filter_problems) = match setup {
        Ok(setup) => setup,
        Err(diagnostics) => {
            report_to_stderr(&diagnostics);
            return exit::USAGE;
        }
    };
    report_to_stderr(&filter_problems);
    let (paths, path_problems) = collect_rule_paths(&args.paths);
    let outcome = compiler.compile_paths(&paths);
    let mut stdout = std::io::stdout().lock();
    let several = outcome.queries.len() > 1;
    for query in &outcome.queries {
        let written = match args.format {
            OutputFormat::Json => writeln!(
                stdout,
                "{}",
                serde_json::to_string(query).expect("strings always serialize")
            ),
            OutputFormat::Query if several => {
                let header = format!("{}: {}", query.path, query.title).replace(['\n', '\r'], " ");
                match args.target {
                    Target::Kql => writeln!(stdout, "// {header}\n{}\n", query.query),
                    Target::Spl => writeln!(
                        stdout,
                        "``` {} ```\n{}\n",
                        header.replace("```", "'''"),
                        query.query
                    ),
                }
            }
            OutputFormat::Query => writeln!(stdout, "{}", query.query),
        };
        if written.is_err() {
            // Broken pipe (e.g. `| head`): nothing more can be written.
            break;
        }
    }
    report_to_stderr(&path_problems);
    report_to_stderr(&outcome.diagnostics);
    if !path_problems.is_empty() {
        exit::USAGE
    } else if outcome
        .diagnostics
        .iter()
        .chain(&filter_problems)
        .any(Diagnostic::is_error)
    {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}
