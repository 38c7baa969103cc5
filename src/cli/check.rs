//! `siemc check PATH... [--target kql|spl|all] [--format human|json|sarif|github]
//! [--ignore CODE]... [--deny warnings] [--explain CODE] [--mapping FILE]... [--profile NAME]...
//! [--filter FILE|DIR]... [--allow-unmapped]`
//!
//! Filter files (`--filter`, `filters = [...]` in `siemc.toml`) are checked with the rules and
//! applied to them.
//!
//! Runs the linter ([`crate::lint`]) over rule files and prints its diagnostics (the result:
//! stdout) in the chosen format. Exit code: 1 when an error-severity diagnostic remains (or a
//! warning under `--deny warnings`), 2 for usage and I/O problems (missing path, unreadable
//! file, bad `siemc.toml`, unknown `--ignore` code, bad mapping file), 0 otherwise.

use super::{DiagnosticFormat, exit, write_diagnostics};
use crate::diagnostic::{Diagnostic, Severity, render_sarif};
use crate::lint::{self, LintOptions, Linter};
use crate::mapping::Target;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub struct CheckArgs {
    pub paths: Vec<PathBuf>,
    pub targets: Vec<Target>,
    pub format: DiagnosticFormat,
    pub ignore: Vec<String>,
    pub deny_warnings: bool,
    pub explain: Option<String>,
    pub mappings: Vec<PathBuf>,
    /// Sigma filter files or directories (`--filter`).
    pub filters: Vec<PathBuf>,
    pub profile: super::ProfileChoice,
}

pub fn run(args: &CheckArgs) -> u8 {
    if let Some(code) = &args.explain {
        return explain(code);
    }
    let unknown: Vec<Diagnostic> = args
        .ignore
        .iter()
        .filter(|code| lint::find(code).is_none())
        .map(|code| {
            Diagnostic::error("usage", format!("--ignore {code}: not a check code"))
                .with_help(lint::suppress::did_you_mean(code))
        })
        .collect();
    if !unknown.is_empty() {
        super::report_to_stderr(&unknown);
        return exit::USAGE;
    }
    let mut profiles = Vec::new();
    for target in &args.targets {
        match args.profile.resolve(*target) {
            Ok(profile) => profiles.push(profile),
            Err(problems) => {
                // A bad `--profile` or siemc.toml: reported like check's other findings.
                write_diagnostics(&mut std::io::stdout().lock(), &problems, args.format);
                return exit::USAGE;
            }
        }
    }
    let linter = match Linter::new(&LintOptions {
        profiles,
        targets: args.targets.clone(),
        mapping_files: args.mappings.clone(),
        ignore: args.ignore.clone(),
        allow_unmapped: args.profile.allow_unmapped,
        command_checks: true,
    }) {
        Ok(linter) => linter,
        Err(problems) => {
            super::report_to_stderr(&problems);
            return exit::USAGE;
        }
    };
    // A broken siemc.toml is reported by the linter with the other results (exit code 2).
    let filter_paths =
        super::filter_paths(&args.paths, &args.filters).unwrap_or_else(|_| args.filters.clone());
    let stdin = match super::read_stdin_rules(&args.paths) {
        Ok(stdin) => stdin,
        Err(problem) => {
            super::report_to_stderr(&[problem]);
            return exit::USAGE;
        }
    };
    let file_args: Vec<PathBuf> = args.paths.iter().filter(|p| *p != "-").cloned().collect();
    let (mut paths, mut missing) = if file_args.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        crate::rule::collect_rule_paths(&file_args)
    };
    let (filter_files, missing_filters) = crate::rule::collect_rule_paths(&filter_paths);
    missing.extend(missing_filters);
    let canonical = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let known: std::collections::HashSet<PathBuf> = paths.iter().map(canonical).collect();
    paths.extend(
        filter_files
            .into_iter()
            .filter(|f| !known.contains(&canonical(f))),
    );
    let mut outcome = linter.check_paths(&paths);
    // `-`: a rule read from standard input, checked on its own (its tests need a saved file).
    if let Some(file) = &stdin {
        let piped = linter.check_source(file);
        outcome.files += piped.files;
        outcome.suppressed += piped.suppressed;
        outcome.diagnostics.splice(0..0, piped.diagnostics);
    }
    let mut diagnostics = missing;
    diagnostics.extend(outcome.config_problems.iter().cloned());
    diagnostics.extend(outcome.diagnostics.iter().cloned());
    let mut stdout = std::io::stdout().lock();
    match args.format {
        DiagnosticFormat::Sarif => {
            let describe = |code: &str| lint::find(code).map(|l| l.documentation());
            let _ = writeln!(stdout, "{}", render_sarif(&diagnostics, &describe));
        }
        // Every checked file is a test case, the clean ones passed.
        DiagnosticFormat::Junit => {
            let files: Vec<String> = paths
                .iter()
                .map(|p| crate::diagnostic::SourceFile::new(p, String::new()).display_path())
                .collect();
            let _ = write!(
                stdout,
                "{}",
                crate::diagnostic::render_junit("siemc check", &files, &diagnostics)
            );
        }
        format => write_diagnostics(&mut stdout, &diagnostics, format),
    }
    let _ = stdout.flush();
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    if args.format == DiagnosticFormat::Human {
        let mut summary = format!(
            "checked {} file{}: {errors} error{}, {warnings} warning{}",
            outcome.files,
            plural(outcome.files),
            plural(errors),
            plural(warnings)
        );
        if outcome.suppressed > 0 {
            summary.push_str(&format!(", {} suppressed", outcome.suppressed));
        }
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        if color {
            eprintln!("\x1b[1m{summary}\x1b[0m");
        } else {
            eprintln!("{summary}");
        }
    }
    let usage = !diagnostics.is_empty()
        && (diagnostics.iter().any(|d| d.code == "path-not-found")
            || !outcome.config_problems.is_empty()
            || outcome.io_error);
    if usage {
        exit::USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn explain(code: &str) -> u8 {
    match lint::find(code) {
        Some(check) => {
            print!("{}", lint::explain(check));
            exit::OK
        }
        None => {
            super::report_to_stderr(&[Diagnostic::error(
                "usage",
                format!("--explain {code}: not a check code"),
            )
            .with_help(lint::suppress::did_you_mean(code))]);
            exit::USAGE
        }
    }
}
