//! `siemc export PATH... --to sentinel-yaml|sentinel-arm|splunk-conf [-o DIR] [--mapping FILE]...
//! [--templates DIR] [--filter FILE|DIR]... [--es] [--profile NAME] [--allow-unmapped]`

use super::{exit, report_to_stderr};
use crate::diagnostic::Diagnostic;
use crate::export::{self, ExportFormat, Exporter};
use crate::rule::collect_rule_paths;
use std::io::Write;
use std::path::PathBuf;

pub struct ExportArgs {
    pub paths: Vec<PathBuf>,
    pub format: ExportFormat,
    /// `-o DIR`; `None` writes to stdout.
    pub output: Option<PathBuf>,
    /// `--force`: replace files in `-o DIR` that siemc export did not write.
    pub force: bool,
    pub mappings: Vec<PathBuf>,
    pub templates: Option<PathBuf>,
    /// Sigma filter files or directories (`--filter`).
    pub filters: Vec<PathBuf>,
    pub es: bool,
    pub profile: super::ProfileChoice,
}

pub fn run(args: &ExportArgs) -> u8 {
    let setup = super::load_mapping_and_templates(
        args.format.target(),
        &args.profile,
        &args.mappings,
        args.templates.as_deref(),
    )
    .map(|(mapping, templates)| Exporter::new(args.format, mapping, templates, args.es))
    .and_then(|exporter| {
        super::load_filters(&args.paths, &args.filters)
            .map(|(filters, problems)| (exporter.with_filters(filters), problems))
    });
    let (exporter, filter_problems) = match setup {
        Ok(setup) => setup,
        Err(diagnostics) => {
            report_to_stderr(&diagnostics);
            return exit::USAGE;
        }
    };
    report_to_stderr(&filter_problems);
    let (paths, path_problems) = collect_rule_paths(&args.paths);
    let outcome = exporter.export_paths(&paths);
    report_to_stderr(&path_problems);
    report_to_stderr(&outcome.diagnostics);
    // A template that fails to render or a file that cannot be written is not the rules' fault.
    let written: Result<(), Diagnostic> = match &args.output {
        Some(dir) => exporter
            .render_files(&outcome)
            .and_then(|files| export::write_files(dir, &files, args.force))
            .map(|paths| {
                // What was written, so a run over a directory says where its output went.
                for path in &paths {
                    eprintln!("wrote {}", path.display());
                }
                eprintln!(
                    "exported {} {} to {} {}",
                    outcome.rules.len(),
                    if outcome.rules.len() == 1 {
                        "rule"
                    } else {
                        "rules"
                    },
                    paths.len(),
                    if paths.len() == 1 { "file" } else { "files" }
                );
            }),
        None => exporter.render_stdout(&outcome).map(|text| {
            // Broken pipe (e.g. `| head`): nothing more can be written, nothing to report.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }),
    };
    if let Err(problem) = written {
        report_to_stderr(&[problem]);
        return exit::USAGE;
    }
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
