//! `siemc lsp [--target kql|spl|all] [--profile NAME]... [--mapping FILE]... [--debounce MS]`
//!
//! Runs the language server ([`crate::lsp`]) on stdin/stdout. Exit code: 0 after the client's
//! `shutdown` and `exit`, 1 when the client left without `shutdown`, 2 for a bad mapping file
//! or profile. The profile of each target is the `--profile` for it, else `siemc.toml`'s, as on
//! the command line.

use super::exit;
use crate::lsp::{self, Ending, Settings};
use crate::mapping::Target;
use std::path::PathBuf;
use std::time::Duration;

pub struct LspArgs {
    pub targets: Vec<Target>,
    pub profile: super::ProfileChoice,
    pub mappings: Vec<PathBuf>,
    pub debounce_ms: u64,
}

pub fn run(args: &LspArgs) -> u8 {
    let profiles: Result<Vec<_>, _> = args
        .targets
        .iter()
        .map(|target| args.profile.resolve(*target))
        .collect();
    let profiles = match profiles {
        Ok(profiles) => profiles,
        Err(problems) => {
            super::report_to_stderr(&problems);
            return exit::USAGE;
        }
    };
    let settings = Settings {
        targets: args.targets.clone(),
        profiles,
        mapping_files: args.mappings.clone(),
        debounce: Duration::from_millis(args.debounce_ms),
    };
    match lsp::run_stdio(settings) {
        Ok(Ending::Clean) => exit::OK,
        Ok(Ending::Abrupt) => exit::INPUT_ERRORS,
        Err(problems) => {
            super::report_to_stderr(&problems);
            exit::USAGE
        }
    }
}
