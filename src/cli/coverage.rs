//! `siemc coverage PATH... [--format navigator|json|human] [--target kql|spl [--mapping FILE]...]`

use super::{exit, report_to_stderr};
use crate::compile::Compiler;
use crate::coverage::Coverage;
use crate::mapping::Target;
use crate::rule::{self, collect_rule_paths};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageFormat {
    /// An ATT&CK Navigator layer (format 4.5), to open in the Navigator.
    Navigator,
    /// The coverage as one JSON object.
    Json,
    /// A table by tactic.
    Human,
}

pub struct CoverageArgs {
    pub paths: Vec<PathBuf>,
    pub format: CoverageFormat,
    /// Count only the rules that compile for this target.
    pub target: Option<Target>,
    /// The profile for `target` (`--profile`, else `siemc.toml`'s, else the target's default).
    pub profile: super::ProfileChoice,
    pub mappings: Vec<PathBuf>,
}

pub fn run(args: &CoverageArgs) -> u8 {
    let compiler = match args.target {
        Some(target) => {
            match super::load_mapping_and_templates(target, &args.profile, &args.mappings, None) {
                Ok((mapping, templates)) => Some(Compiler::new(target, mapping, templates)),
                Err(diagnostics) => {
                    report_to_stderr(&diagnostics);
                    return exit::USAGE;
                }
            }
        }
        None => None,
    };
    let (paths, path_problems) = collect_rule_paths(&args.paths);
    report_to_stderr(&path_problems);
    let mut loaded = Vec::new();
    let mut load_errors = false;
    for path in &paths {
        match rule::read_source(path) {
            Ok(file) => {
                let (documents, diagnostics) = rule::load_rule_file(&file);
                load_errors |= diagnostics.has_errors();
                report_to_stderr(&diagnostics.into_vec());
                loaded.push((file.display_path(), documents));
            }
            Err(diagnostic) => {
                load_errors = true;
                report_to_stderr(&[diagnostic]);
            }
        }
    }
    let coverage = Coverage::of(
        loaded
            .iter()
            .flat_map(|(path, documents)| documents.iter().map(move |d| (path.as_str(), d))),
        compiler.as_ref(),
    );
    let text = match args.format {
        CoverageFormat::Navigator => {
            let name = match args.target {
                Some(target) => format!("siemc coverage ({})", target.name()),
                None => "siemc coverage".to_string(),
            };
            let layer = coverage.navigator_layer(&name);
            serde_json::to_string_pretty(&layer).expect("JSON values serialize") + "\n"
        }
        CoverageFormat::Json => {
            serde_json::to_string(&coverage).expect("the coverage serializes") + "\n"
        }
        CoverageFormat::Human => coverage.human_table(),
    };
    // A closed pipe (`| head`) is the reader's choice.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if !path_problems.is_empty() {
        exit::USAGE
    } else if load_errors {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}
