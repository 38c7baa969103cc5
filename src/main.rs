//! The `siemc` binary: parses arguments and calls the library.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use siemc::cli;
use siemc::export::ExportFormat;
use siemc::mapping::Target;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "siemc",
    version,
    about = "Compile and validate detection rules for Microsoft Sentinel (KQL) and Splunk (SPL)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile Sigma rules to queries, one per rule.
    Compile {
        /// Rule files or directories (searched recursively for *.yml / *.yaml), or `-` for a rule
        /// on standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Query language to produce (implied by --profile).
        #[arg(long, value_enum, required_unless_present = "profile")]
        target: Option<TargetArg>,
        /// Built-in profile: where the log sources live (see `siemc profiles`); default from siemc.toml, else the target's default.
        #[arg(long = "profile", value_name = "NAME")]
        profile: Option<String>,
        /// Emit queries with fields the profile cannot place (a warning each) instead of refusing the rule.
        #[arg(long)]
        allow_unmapped: bool,
        /// Extra mapping file (repeatable; later files win over earlier ones and the built-in mapping).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Directory with query templates (`kql/query.jinja`, `spl/query.jinja`) overriding the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Sigma filter file or directory to apply to the rules it names (repeatable; see also
        /// `filters = [...]` in siemc.toml).
        #[arg(long = "filter", value_name = "FILE|DIR")]
        filters: Vec<PathBuf>,
        /// Output: the queries, or JSON Lines {"path", "id", "title", "target", "query"}.
        #[arg(long, value_enum, default_value = "query")]
        format: FormatArg,
    },
    /// Run each rule's test events through the rule (inline `tests:`, `<rule>.tests.yml` /
    /// `.tests.jsonl` beside it, SigmaHQ regression_data `info.yml` folders).
    Test {
        /// Rule files or directories (and regression_data folders).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Extra mapping file, for `|expand` placeholder values (repeatable).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Sigma filter file or directory to apply to the rules it names (repeatable; see also
        /// `filters = [...]` in siemc.toml).
        #[arg(long = "filter", value_name = "FILE|DIR")]
        filters: Vec<PathBuf>,
        /// Output: one line per rule, JSON Lines per test case, or JUnit XML.
        #[arg(long, value_enum, default_value = "human")]
        format: TestFormatArg,
        /// Built-in profile whose placeholder values apply (see `siemc profiles`).
        #[arg(long = "profile", value_name = "NAME")]
        profile: Option<String>,
    },
    /// Export rules as deployable SIEM content: Sentinel analytic rules (YAML or ARM), Splunk savedsearches.conf.
    Export {
        /// Rule files or directories (searched recursively for *.yml / *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// What to produce.
        #[arg(long = "to", value_enum)]
        to: ExportArg,
        /// Directory to write into (one file per rule for Sentinel, savedsearches.conf for Splunk); default stdout.
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        /// With -o: replace files there that siemc export did not write (without it, such a file
        /// is an error and nothing is written).
        #[arg(long, requires = "output")]
        force: bool,
        /// Extra mapping file (repeatable; later files win over earlier ones and the built-in mapping).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Directory with templates (`export/*.jinja`, `kql/query.jinja`, `spl/query.jinja`) overriding the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Sigma filter file or directory to apply to the rules it names (repeatable; see also
        /// `filters = [...]` in siemc.toml).
        #[arg(long = "filter", value_name = "FILE|DIR")]
        filters: Vec<PathBuf>,
        /// Splunk: add Enterprise Security correlation-search and notable keys to every stanza.
        #[arg(long)]
        es: bool,
        /// Built-in profile: where the log sources live (see `siemc profiles`); default from siemc.toml, else the target's default.
        #[arg(long = "profile", value_name = "NAME")]
        profile: Option<String>,
        /// Emit queries with fields the profile cannot place (a warning each) instead of refusing the rule.
        #[arg(long)]
        allow_unmapped: bool,
    },
    /// Lint rules: structure, metadata, detection logic, regular expressions, correlation
    /// rules; compile them for each target and validate the generated queries.
    Check {
        /// Rule files or directories (searched recursively for *.yml / *.yaml), or `-` for a rule
        /// on standard input.
        #[arg(required_unless_present = "explain")]
        paths: Vec<PathBuf>,
        /// Targets to compile for and check against.
        #[arg(long, value_enum, default_value = "all")]
        target: CheckTargetArg,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormatArg,
        /// Do not report this check code (repeatable); see also siemc.toml and
        /// `# siemc: ignore CODE` comments.
        #[arg(long = "ignore", value_name = "CODE")]
        ignore: Vec<String>,
        /// `--deny warnings`: warnings also fail the check (exit code 1).
        #[arg(long, value_enum, value_name = "warnings")]
        deny: Option<DenyArg>,
        /// Print the documentation of a check code and exit.
        #[arg(long, value_name = "CODE")]
        explain: Option<String>,
        /// Extra mapping file (repeatable; each applies to the target it names).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Sigma filter file or directory to apply to the rules it names (repeatable; see also
        /// `filters = [...]` in siemc.toml).
        #[arg(long = "filter", value_name = "FILE|DIR")]
        filters: Vec<PathBuf>,
        /// Built-in profile (repeatable, one per target; see `siemc profiles`).
        #[arg(long = "profile", value_name = "NAME")]
        profiles: Vec<String>,
        /// Accept fields a profile cannot place, as `compile --allow-unmapped` emits them: their
        /// `unmapped-field` findings become warnings.
        #[arg(long)]
        allow_unmapped: bool,
    },
    /// The built-in profiles: where each places the log sources and what it needs; with NAME,
    /// every log source of that profile and its table or base search.
    Profiles {
        /// A profile to show in full.
        name: Option<String>,
    },
    /// Work with hand-written queries.
    #[command(subcommand)]
    Query(QueryCommand),
    /// ATT&CK coverage of a rule set from its `attack.tNNNN` tags: an ATT&CK Navigator layer,
    /// JSON, or a table by tactic.
    Coverage {
        /// Rule files or directories (searched recursively for *.yml / *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output: a Navigator layer (format 4.5), one JSON object, or a table by tactic.
        #[arg(long, value_enum, default_value = "navigator")]
        format: CoverageFormatArg,
        /// Count only the rules that compile for this target.
        #[arg(long, value_enum)]
        target: Option<TargetArg>,
        /// Built-in profile for `--target` (see `siemc profiles`).
        #[arg(long, value_name = "NAME", requires = "target")]
        profile: Option<String>,
        /// Extra mapping file for `--target` (repeatable).
        #[arg(long = "mapping", value_name = "FILE", requires = "target")]
        mappings: Vec<PathBuf>,
    },
    /// Print a shell completion script (e.g. `siemc completions bash > /etc/bash_completion.d/siemc`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: cli::completions::Shell,
    },
    /// Print the JSON Schema (draft 2020-12) of rule files, for editors
    /// (`# yaml-language-server: $schema=...`).
    Schema,
    /// Language server over stdio: `siemc check` diagnostics, hover, completion, fixes and
    /// compiled queries in the editor.
    Lsp {
        /// Targets to compile for and check against.
        #[arg(long, value_enum, default_value = "all")]
        target: CheckTargetArg,
        /// Built-in profile (repeatable, one per target; see `siemc profiles`).
        #[arg(long = "profile", value_name = "NAME")]
        profiles: Vec<String>,
        /// Extra mapping file (repeatable; each applies to the target it names).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Quiet time after a change before the document is checked.
        #[arg(long, value_name = "MS", default_value_t = 150)]
        debounce: u64,
    },
}

#[derive(Subcommand)]
enum QueryCommand {
    /// Validate hand-written KQL or SPL queries offline.
    Check {
        /// Query language.
        #[arg(long, value_enum)]
        lang: LangArg,
        /// .kql/.spl/.txt files (one query each), .jsonl ({"id", "query"|"search"} lines),
        /// .yml/.yaml (Sentinel `query:` / ESCU `search:`), directories, or `-` for stdin.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Table schemas for KQL (`{"Table": [{"name", "type"}]}`); default: the built-in Sentinel tables.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// Macro definitions for SPL (JSON Lines like ESCU's, or macros.conf), repeatable: a later
        /// file's definition wins; default: macros are opaque.
        #[arg(long, value_name = "FILE")]
        macros: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormatArg,
        /// `--deny warnings`: warnings (an unknown table or column, ...) also fail (exit code 1).
        #[arg(long, value_enum, value_name = "warnings")]
        deny: Option<DenyArg>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormatArg {
    Human,
    Json,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Kql,
    Spl,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiagnosticFormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportArg {
    SentinelYaml,
    SentinelArm,
    SplunkConf,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckTargetArg {
    Kql,
    Spl,
    All,
}

#[derive(Clone, Copy, ValueEnum)]
enum DenyArg {
    Warnings,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    Kql,
    Spl,
}

#[derive(Clone, Copy, ValueEnum)]
enum CoverageFormatArg {
    Navigator,
    Json,
    Human,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Query,
    Json,
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                cli::exit::USAGE
            } else {
                cli::exit::OK
            });
        }
    };
    let code = match cli.command {
        Command::Compile {
            paths,
            target,
            profile,
            allow_unmapped,
            mappings,
            templates,
            filters,
            format,
        } => cli::compile::run(&cli::compile::CompileArgs {
            paths,
            target: target.map(target_of),
            profile: cli::ProfileChoice {
                names: profile.into_iter().collect(),
                allow_unmapped,
            },
            mappings,
            templates,
            filters,
            format: match format {
                FormatArg::Query => cli::compile::OutputFormat::Query,
                FormatArg::Json => cli::compile::OutputFormat::Json,
            },
        }),
        Command::Test {
            paths,
            mappings,
            filters,
            format,
            profile,
        } => cli::test::run(&cli::test::TestArgs {
            paths,
            mappings,
            filters,
            profile: cli::ProfileChoice {
                names: profile.into_iter().collect(),
                allow_unmapped: false,
            },
            format: match format {
                TestFormatArg::Human => cli::test::TestFormat::Human,
                TestFormatArg::Json => cli::test::TestFormat::Json,
                TestFormatArg::Junit => cli::test::TestFormat::Junit,
            },
        }),
        Command::Check {
            paths,
            target,
            format,
            ignore,
            deny,
            explain,
            mappings,
            filters,
            profiles,
            allow_unmapped,
        } => cli::check::run(&cli::check::CheckArgs {
            profile: cli::ProfileChoice {
                names: profiles,
                allow_unmapped,
            },
            paths,
            targets: match target {
                CheckTargetArg::Kql => vec![Target::Kql],
                CheckTargetArg::Spl => vec![Target::Spl],
                CheckTargetArg::All => vec![Target::Kql, Target::Spl],
            },
            format: diagnostic_format(format),
            ignore,
            deny_warnings: deny.is_some(),
            explain,
            mappings,
            filters,
        }),
        Command::Query(QueryCommand::Check {
            lang,
            paths,
            schema,
            macros,
            format,
            deny,
        }) => cli::query_check::run(&cli::query_check::QueryCheckArgs {
            deny_warnings: deny.is_some(),
            language: match lang {
                LangArg::Kql => cli::query_check::Language::Kql,
                LangArg::Spl => cli::query_check::Language::Spl,
            },
            paths,
            schema,
            macros,
            format: diagnostic_format(format),
        }),
        Command::Export {
            paths,
            to,
            output,
            force,
            mappings,
            templates,
            filters,
            es,
            profile,
            allow_unmapped,
        } => cli::export::run(&cli::export::ExportArgs {
            force,
            profile: cli::ProfileChoice {
                names: profile.into_iter().collect(),
                allow_unmapped,
            },
            paths,
            format: match to {
                ExportArg::SentinelYaml => ExportFormat::SentinelYaml,
                ExportArg::SentinelArm => ExportFormat::SentinelArm,
                ExportArg::SplunkConf => ExportFormat::SplunkConf,
            },
            output,
            mappings,
            templates,
            filters,
            es,
        }),
        Command::Coverage {
            paths,
            format,
            target,
            profile,
            mappings,
        } => cli::coverage::run(&cli::coverage::CoverageArgs {
            paths,
            format: match format {
                CoverageFormatArg::Navigator => cli::coverage::CoverageFormat::Navigator,
                CoverageFormatArg::Json => cli::coverage::CoverageFormat::Json,
                CoverageFormatArg::Human => cli::coverage::CoverageFormat::Human,
            },
            target: target.map(target_of),
            profile: cli::ProfileChoice {
                names: profile.into_iter().collect(),
                allow_unmapped: false,
            },
            mappings,
        }),
        Command::Completions { shell } => cli::completions::run(shell, Cli::command()),
        Command::Schema => cli::schema::run(),
        Command::Lsp {
            target,
            profiles,
            mappings,
            debounce,
        } => cli::lsp::run(&cli::lsp::LspArgs {
            targets: check_targets(target),
            profile: cli::ProfileChoice {
                names: profiles,
                allow_unmapped: false,
            },
            mappings,
            debounce_ms: debounce,
        }),
        Command::Profiles { name } => cli::profiles::run(name.as_deref()),
    };
    ExitCode::from(code)
}

fn target_of(target: TargetArg) -> Target {
    match target {
        TargetArg::Kql => Target::Kql,
        TargetArg::Spl => Target::Spl,
    }
}

fn check_targets(target: CheckTargetArg) -> Vec<Target> {
    match target {
        CheckTargetArg::Kql => vec![Target::Kql],
        CheckTargetArg::Spl => vec![Target::Spl],
        CheckTargetArg::All => vec![Target::Kql, Target::Spl],
    }
}

fn diagnostic_format(format: DiagnosticFormatArg) -> cli::DiagnosticFormat {
    match format {
        DiagnosticFormatArg::Human => cli::DiagnosticFormat::Human,
        DiagnosticFormatArg::Json => cli::DiagnosticFormat::Json,
        DiagnosticFormatArg::Sarif => cli::DiagnosticFormat::Sarif,
        DiagnosticFormatArg::Github => cli::DiagnosticFormat::Github,
        DiagnosticFormatArg::Junit => cli::DiagnosticFormat::Junit,
    }
}

// Compiling thousands of rules is allocation-heavy; mimalloc halves the allocator's share.
// Built without transparent huge pages (feature `no_thp`): with them the kernel zeroed 2 MiB
// pages for small heaps, which cost more time than any parser and doubled the peak memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its position in mimalloc v3's `mi_option_e` (as vendored by
/// libmimalloc-sys 0.1.49, which names no constant for it); the test below checks it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc keeps freed pages for a second before returning them to the system (its
/// `purge_delay`); a whole siemc run takes less, so every transient peak (one large rule's
/// query and syntax tree) stayed resident. Returning them at once halves the peak memory of a
/// corpus run at no measurable cost in time.
fn return_freed_memory_at_once() {
    // An explicit MIMALLOC_PURGE_DELAY (mimalloc's own setting) wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets a plain integer option; mimalloc reads it on each purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_option_is_the_one_set() {
        // SAFETY: reads and sets plain integer options.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc v3's documented default purge delay: a different value means the
            // option index names another option.
            assert_eq!(default, 1000);
        }
        super::return_freed_memory_at_once();
        let now = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(now, 0);
        }
    }
}
