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
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportArg {
    SentinelYaml,
    SentinelArm,
    SplunkConf,
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
    };
    ExitCode::from(code)
}

// Compiling thousands of rules is allocation-heavy; mimalloc halves the allocator's share.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
