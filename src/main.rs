//! The `siemc` binary: parses arguments and calls the library.

use clap::{Parser, Subcommand, ValueEnum};
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
        /// Rule files or directories (searched recursively for *.yml / *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Query language to produce.
        #[arg(long, value_enum)]
        target: TargetArg,
        /// Extra mapping file (repeatable; later files win over earlier ones and the built-in mapping).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Directory with query templates (`kql/query.jinja`, `spl/query.jinja`) overriding the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
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
        /// Output: one line per rule, JSON Lines per test case, or JUnit XML.
        #[arg(long, value_enum, default_value = "human")]
        format: TestFormatArg,
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
        /// Extra mapping file (repeatable; later files win over earlier ones and the built-in mapping).
        #[arg(long = "mapping", value_name = "FILE")]
        mappings: Vec<PathBuf>,
        /// Directory with templates (`export/*.jinja`, `kql/query.jinja`, `spl/query.jinja`) overriding the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Splunk: add Enterprise Security correlation-search and notable keys to every stanza.
        #[arg(long)]
        es: bool,
    },
    /// Lint rules: structure, metadata, detection logic, regular expressions, correlation
    /// rules; compile them for each target and validate the generated queries.
    Check {
        /// Rule files or directories (searched recursively for *.yml / *.yaml).
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
    },
    /// Work with hand-written queries.
    #[command(subcommand)]
    Query(QueryCommand),
    /// Language server over stdio: `siemc check` diagnostics, hover, completion, fixes and
    /// compiled queries in the editor.
    Lsp {
        /// Targets to compile for and check against.
        #[arg(long, value_enum, default_value = "all")]
        target: CheckTargetArg,
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
        /// Macro definitions for SPL (JSON Lines like ESCU's, or macros.conf); default: macros are opaque.
        #[arg(long, value_name = "FILE")]
        macros: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormatArg,
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
enum FormatArg {
    Query,
    Json,
}

fn main() -> ExitCode {
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
            mappings,
            templates,
            format,
        } => cli::compile::run(&cli::compile::CompileArgs {
            paths,
            target: match target {
                TargetArg::Kql => Target::Kql,
                TargetArg::Spl => Target::Spl,
            },
            mappings,
            templates,
            format: match format {
                FormatArg::Query => cli::compile::OutputFormat::Query,
                FormatArg::Json => cli::compile::OutputFormat::Json,
            },
        }),
        Command::Test {
            paths,
            mappings,
            format,
        } => cli::test::run(&cli::test::TestArgs {
            paths,
            mappings,
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
        } => cli::check::run(&cli::check::CheckArgs {
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
        }),
        Command::Query(QueryCommand::Check {
            lang,
            paths,
            schema,
            macros,
            format,
        }) => cli::query_check::run(&cli::query_check::QueryCheckArgs {
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
            mappings,
            templates,
            es,
        } => cli::export::run(&cli::export::ExportArgs {
            paths,
            format: match to {
                ExportArg::SentinelYaml => ExportFormat::SentinelYaml,
                ExportArg::SentinelArm => ExportFormat::SentinelArm,
                ExportArg::SplunkConf => ExportFormat::SplunkConf,
            },
            output,
            mappings,
            templates,
            es,
        }),
        Command::Lsp {
            target,
            mappings,
            debounce,
        } => cli::lsp::run(&cli::lsp::LspArgs {
            targets: check_targets(target),
            mappings,
            debounce_ms: debounce,
        }),
    };
    ExitCode::from(code)
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
    }
}

// Compiling thousands of rules is allocation-heavy; mimalloc halves the allocator's share.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
