//! Command implementations called by `main.rs`: each takes parsed options, writes results to
//! stdout and diagnostics to stderr, and returns the process exit code of DESIGN.md §2
//! (0 all fine, 1 some input has errors, 2 usage or I/O error).

pub mod args;
pub mod check;
pub mod compile;
pub mod completions;
pub mod coverage;
pub mod export;
pub mod lsp;
pub mod profiles;
pub mod query_check;
pub mod schema;
pub mod test;

use crate::diagnostic::{
    Diagnostic, render_github, render_human, render_json_line, render_junit, render_sarif,
};
use std::io::{IsTerminal, Write};

/// Exit codes of every command.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INPUT_ERRORS: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Writes diagnostics to stderr in the human format (colour only on a terminal, no NO_COLOR).
pub fn report_to_stderr(diagnostics: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = write!(stderr, "{}", render_human(diagnostic, color));
        let _ = writeln!(stderr);
    }
}

/// The output formats of commands whose result is diagnostics (`check`, `query check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticFormat {
    Human,
    Json,
    Sarif,
    Github,
    /// JUnit XML: a test case per input file.
    Junit,
}

/// Writes diagnostics as the result of a command (stdout), in the chosen format.
pub fn write_diagnostics(
    out: &mut impl Write,
    diagnostics: &[Diagnostic],
    format: DiagnosticFormat,
) {
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = match format {
        DiagnosticFormat::Human => diagnostics
            .iter()
            .try_for_each(|d| writeln!(out, "{}", render_human(d, color))),
        DiagnosticFormat::Json => diagnostics
            .iter()
            .try_for_each(|d| writeln!(out, "{}", render_json_line(d))),
        DiagnosticFormat::Sarif => writeln!(out, "{}", render_sarif(diagnostics, &|_| None)),
        DiagnosticFormat::Github => diagnostics
            .iter()
            .try_for_each(|d| writeln!(out, "{}", render_github(d))),
        // A test case per file the diagnostics name (`check` passes every checked file).
        DiagnosticFormat::Junit => write!(out, "{}", render_junit("siemc", &[], diagnostics)),
    };
}

/// Which profile and how strictly: what `--profile`, `--allow-unmapped` and `siemc.toml` say.
#[derive(Debug, Clone, Default)]
pub struct ProfileChoice {
    /// `--profile NAME` (repeatable for commands that compile for both targets).
    pub names: Vec<String>,
    /// `--allow-unmapped`: emit queries with fields the profile cannot place, with a warning.
    pub allow_unmapped: bool,
}

impl ProfileChoice {
    /// The profile for `target`: the `--profile` of that target, else `siemc.toml`'s (found from
    /// the working directory upward), else the target's default. An unknown name is a usage
    /// error naming the profiles.
    pub fn resolve(
        &self,
        target: crate::mapping::Target,
    ) -> Result<&'static crate::mapping::Profile, Vec<Diagnostic>> {
        use crate::mapping::Profile;
        let mut chosen = None;
        for name in &self.names {
            let Some(profile) = Profile::find(name) else {
                return Err(vec![
                    Diagnostic::error("usage", format!("--profile {name}: no such profile"))
                        .with_help(format!(
                            "the profiles are {} (see `siemc profiles`)",
                            Profile::names()
                        )),
                ]);
            };
            if profile.target == target {
                chosen = Some(profile);
            }
        }
        if chosen.is_none() && self.names.is_empty() {
            let config = crate::lint::suppress::config_for_directory(std::path::Path::new("."))?;
            if let Some((file, config)) = config {
                for (name, span) in &config.profiles {
                    match Profile::find(name) {
                        Some(profile) if profile.target == target => chosen = Some(profile),
                        Some(_) => {}
                        None => {
                            return Err(vec![
                                crate::lint::suppress::INVALID_CONFIG
                                    .at(
                                        &file,
                                        *span,
                                        format!("unknown profile `{name}`"),
                                        "not a built-in profile",
                                    )
                                    .with_help(format!(
                                        "the profiles are {} (see `siemc profiles`)",
                                        Profile::names()
                                    )),
                            ]);
                        }
                    }
                }
            }
        }
        Ok(chosen.unwrap_or_else(|| Profile::default_for(target)))
    }

    /// Checks that every `--profile` is for `target` (commands that compile for one target).
    pub fn single_target(&self, target: crate::mapping::Target) -> Result<(), Vec<Diagnostic>> {
        for name in &self.names {
            if let Some(profile) = crate::mapping::Profile::find(name)
                && profile.target != target
            {
                return Err(vec![
                    Diagnostic::error(
                        "usage",
                        format!(
                            "--profile {name} is a {} profile, but this compiles {}",
                            profile.target.name(),
                            target.name()
                        ),
                    )
                    .with_help("choose a profile of the target (see `siemc profiles`)"),
                ]);
            }
        }
        Ok(())
    }

    /// The chosen profile's mapping for `target`, with the `--mapping` files layered over it.
    pub fn mapping(
        &self,
        target: crate::mapping::Target,
        mappings: &[std::path::PathBuf],
    ) -> Result<crate::mapping::Mapping, Vec<Diagnostic>> {
        let profile = self.resolve(target)?;
        let mut mapping = crate::mapping::Mapping::with_profile_files(profile, mappings)?;
        mapping.allow_unmapped = self.allow_unmapped;
        Ok(mapping)
    }
}

/// The mapping (the chosen profile plus `--mapping` files) and templates (embedded or
/// `--templates DIR`) of a target; a problem with either is a usage error.
pub fn load_mapping_and_templates(
    target: crate::mapping::Target,
    profile: &ProfileChoice,
    mappings: &[std::path::PathBuf],
    templates: Option<&std::path::Path>,
) -> Result<(crate::mapping::Mapping, crate::backend::Templates), Vec<Diagnostic>> {
    profile.single_target(target)?;
    let mapping = profile.mapping(target, mappings)?;
    let templates = match templates {
        Some(dir) => crate::backend::Templates::from_dir(dir).map_err(|d| vec![d])?,
        None => crate::backend::Templates::embedded(),
    };
    Ok((mapping, templates))
}

/// The filter files of a run: the `--filter` paths, then the `filters = [...]` of the
/// `siemc.toml` that applies to each input file. A broken `siemc.toml` is a usage error.
pub fn filter_paths(
    inputs: &[std::path::PathBuf],
    filter_args: &[std::path::PathBuf],
) -> Result<Vec<std::path::PathBuf>, Vec<Diagnostic>> {
    let mut paths = filter_args.to_vec();
    // Missing inputs are reported by the command itself.
    let (files, _) = crate::rule::collect_rule_paths(inputs);
    let mut configs = crate::lint::suppress::ConfigCache::default();
    let here = std::env::current_dir().unwrap_or_default();
    for file in &files {
        for path in configs.for_file(file).iter().flat_map(|c| c.filters.iter()) {
            // Shown as the user would write it: relative to the working directory when below it.
            let path = path.strip_prefix(&here).unwrap_or(path).to_path_buf();
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    if configs.problems.is_empty() {
        Ok(paths)
    } else {
        Err(configs.problems)
    }
}

/// The filters of a run (see [`filter_paths`]), loaded: usage problems (missing paths, a broken
/// `siemc.toml`) are `Err`; the problems of the filter files come with the filters.
pub fn load_filters(
    inputs: &[std::path::PathBuf],
    filter_args: &[std::path::PathBuf],
) -> Result<(crate::filter::Filters, Vec<Diagnostic>), Vec<Diagnostic>> {
    let paths = filter_paths(inputs, filter_args)?;
    let loaded = crate::filter::Filters::load(&paths);
    if !loaded.usage_problems.is_empty() {
        return Err(loaded.usage_problems);
    }
    Ok((loaded.filters, loaded.diagnostics))
}

/// The rule file read from standard input when `paths` holds `-` (`siemc compile -`,
/// `siemc check -`), named `<stdin>` in diagnostics.
pub fn read_stdin_rules(
    paths: &[std::path::PathBuf],
) -> Result<Option<std::sync::Arc<crate::diagnostic::SourceFile>>, Diagnostic> {
    if !paths.iter().any(|p| p.as_os_str() == "-") {
        return Ok(None);
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|error| {
        Diagnostic::error("io-error", format!("standard input: {error}"))
            .with_help("rules are UTF-8 YAML")
    })?;
    Ok(Some(std::sync::Arc::new(
        crate::diagnostic::SourceFile::new("<stdin>", text),
    )))
}
