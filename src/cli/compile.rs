//! `siemc compile PATH... --target kql|spl [--profile NAME] [--allow-unmapped] [--mapping FILE]...
//! [--templates DIR] [--format query|json]`

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
    /// `None`: the target of the `--profile`.
    pub target: Option<Target>,
    pub profile: super::ProfileChoice,
    pub mappings: Vec<PathBuf>,
    pub templates: Option<PathBuf>,
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
    .map(|(mapping, templates)| Compiler::new(target, mapping, templates));
    let compiler = match setup {
        Ok(compiler) => compiler,
        Err(diagnostics) => {
            report_to_stderr(&diagnostics);
            return exit::USAGE;
        }
    };
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
                match target {
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
    } else if outcome.diagnostics.iter().any(Diagnostic::is_error) {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}
