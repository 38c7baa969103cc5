//! `siemc compile PATH... --target kql|spl [--profile NAME] [--allow-unmapped] [--mapping FILE]...
//! [--templates DIR] [--filter FILE|DIR]... [--format query|json]`

use super::{exit, report_to_stderr};
use crate::compile::{CompiledQuery, Compiler};
use crate::diagnostic::Diagnostic;
use crate::mapping::Target;
use crate::rule::collect_rule_paths;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The queries, ready to paste; a comment line names each rule when several files (or
    /// several rules of one file) are compiled.
    Query,
    /// JSON Lines: `{"path", "id", "title", "target", "query"}` per compiled rule.
    Json,
}

pub struct CompileArgs {
    pub paths: Vec<PathBuf>,
    /// `None`: the target of the `--profile`.
    pub target: Option<Target>,
    pub profile: super::ProfileChoice,
    pub mappings: Vec<PathBuf>,
    pub templates: Option<PathBuf>,
    /// Sigma filter files or directories (`--filter`).
    pub filters: Vec<PathBuf>,
    pub format: OutputFormat,
}

pub fn run(args: &CompileArgs) -> u8 {
    let target = match args.target {
        Some(target) => target,
        None => match args
            .profile
            .names
            .iter()
            .find_map(|name| crate::mapping::Profile::find(name))
        {
            Some(profile) => profile.target,
            None if !args.profile.names.is_empty() => {
                // No such profile: the resolver says so, naming the profiles.
                let problem = args.profile.resolve(Target::Kql).err().unwrap_or_default();
                report_to_stderr(&problem);
                return exit::USAGE;
            }
            None => {
                report_to_stderr(&[Diagnostic::error(
                    "usage",
                    "give --target kql|spl, or a --profile (see `siemc profiles`)",
                )]);
                return exit::USAGE;
            }
        },
    };
    let setup = super::load_mapping_and_templates(
        target,
        &args.profile,
        &args.mappings,
        args.templates.as_deref(),
    )
    .map(|(mapping, templates)| Compiler::new(target, mapping, templates))
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
    let stdin = match super::read_stdin_rules(&args.paths) {
        Ok(stdin) => stdin,
        Err(problem) => {
            report_to_stderr(&[problem]);
            return exit::USAGE;
        }
    };
    let file_args: Vec<PathBuf> = args.paths.iter().filter(|p| *p != "-").cloned().collect();
    let (paths, path_problems) = if file_args.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        collect_rule_paths(&file_args)
    };
    let inputs = paths.len() + usize::from(stdin.is_some());
    let mut any_error = false;
    let mut output_open = true;
    let (mut queries, mut rules, mut errors, mut warnings) = (0usize, 0usize, 0usize, 0usize);
    let mut handle = |outcome: crate::compile::CompileOutcome| {
        queries += outcome.queries.len();
        rules += outcome.rules_seen;
        errors += outcome.diagnostics.iter().filter(|d| d.is_error()).count();
        warnings += outcome
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Warning)
            .count();
        // A comment line names each rule when there may be several (results arrive file by
        // file, so "several" is decided by the number of files, or of this file's queries).
        let several = inputs > 1 || outcome.queries.len() > 1;
        let mut stdout = std::io::stdout().lock();
        for query in &outcome.queries {
            if output_open && write_query(&mut stdout, args.format, target, query, several).is_err()
            {
                // Broken pipe (e.g. `| head`): nothing more can be written.
                output_open = false;
            }
        }
        any_error |= outcome.diagnostics.iter().any(Diagnostic::is_error);
        report_to_stderr(&outcome.diagnostics);
    };
    // `-`: a rule read from standard input, compiled first.
    if let Some(file) = &stdin {
        handle(compiler.compile_source(file));
    }
    compiler.compile_paths_each(&paths, &mut handle);
    report_to_stderr(&path_problems);
    // The count at the end of a run over many files, or of one with problems.
    if inputs > 1 || errors + warnings > 0 {
        eprintln!(
            "compiled {queries} {} from {rules} {} in {} {} for {} (profile {}): {errors} {}, {warnings} {}",
            plural(queries, "query", "queries"),
            plural(rules, "rule", "rules"),
            inputs,
            plural(inputs, "file", "files"),
            target.name(),
            compiler.mapping.profile.name,
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings"),
        );
    }
    if !path_problems.is_empty() {
        exit::USAGE
    } else if any_error || filter_problems.iter().any(Diagnostic::is_error) {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}

fn write_query(
    out: &mut impl Write,
    format: OutputFormat,
    target: Target,
    query: &CompiledQuery,
    several: bool,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string(query).expect("strings always serialize")
        ),
        OutputFormat::Query if several => {
            let header = format!("{}: {}", query.path, query.title).replace(['\n', '\r'], " ");
            match target {
                Target::Kql => writeln!(out, "// {header}\n{}\n", query.query),
                Target::Spl => writeln!(
                    out,
                    "``` {} ```\n{}\n",
                    header.replace("```", "'''"),
                    query.query
                ),
            }
        }
        OutputFormat::Query => writeln!(out, "{}", query.query),
    }
}

fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}
