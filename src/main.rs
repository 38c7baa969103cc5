//! The `siemc` binary: parses arguments and calls the library.

use clap::{CommandFactory, Parser};
use siemc::cli;
use siemc::cli::args::*;
use siemc::export::ExportFormat;
use siemc::mapping::Target;
use std::process::ExitCode;

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
