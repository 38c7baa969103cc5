//! The command line's definition (clap derive): every command, argument and value, for the
//! binary to parse and for what is generated from it (shell completions, the README's
//! synopses, [`synopsis`]).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "siemc",
    version,
    about = "Compile and validate detection rules for Microsoft Sentinel (KQL) and Splunk (SPL)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
        shell: super::completions::Shell,
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
pub enum QueryCommand {
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
pub enum TestFormatArg {
    Human,
    Json,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Kql,
    Spl,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DiagnosticFormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportArg {
    SentinelYaml,
    SentinelArm,
    SplunkConf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckTargetArg {
    Kql,
    Spl,
    All,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DenyArg {
    Warnings,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TargetArg {
    Kql,
    Spl,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CoverageFormatArg {
    Navigator,
    Json,
    Human,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Query,
    Json,
}

/// The synopsis of a (sub)command as the README shows it: `siemc compile PATH... --target
/// kql|spl [--profile NAME] [--mapping FILE]...`, wrapped at 100 columns. Generated from the
/// definition above, so a README that a test compares with it cannot drift.
pub fn synopsis(path: &[&str]) -> String {
    use clap::CommandFactory;
    let mut root = Cli::command();
    // Built, every argument has its final value names and counts.
    root.build();
    let mut command = &root;
    for name in path {
        command = command
            .find_subcommand(name)
            .unwrap_or_else(|| panic!("no subcommand {name}"));
    }
    let value = |arg: &clap::Arg| -> String {
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() && values.len() <= 6 {
            return values.join("|");
        }
        match arg.get_value_names() {
            Some(names) => names
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            None => arg.get_id().as_str().to_uppercase(),
        }
    };
    let repeats = |arg: &clap::Arg| matches!(arg.get_action(), clap::ArgAction::Append);
    let mut words = vec![format!("siemc {}", path.join(" "))];
    for arg in command.get_positionals() {
        let id = arg.get_id().as_str().to_uppercase();
        let name = match arg.get_value_names() {
            Some(names) if names[0].as_str() != id => names[0].to_string(),
            // `paths: Vec<PathBuf>` reads as `PATH...`.
            _ if repeats(arg) => id.trim_end_matches('S').to_string(),
            _ => id,
        };
        let dots = if repeats(arg) { "..." } else { "" };
        words.push(if arg.is_required_set() {
            format!("{name}{dots}")
        } else {
            format!("[{name}]{dots}")
        });
    }
    for arg in command.get_arguments().filter(|a| !a.is_positional()) {
        let Some(long) = arg.get_long() else { continue };
        if matches!(long, "help" | "version") || arg.is_hide_set() {
            continue;
        }
        let flag = match arg.get_short() {
            Some(short) => format!("-{short}"),
            None => format!("--{long}"),
        };
        let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
        let text = if takes_value {
            format!("{flag} {}", value(arg))
        } else {
            flag
        };
        words.push(match (arg.is_required_set(), repeats(arg)) {
            (true, _) => text,
            (false, true) => format!("[{text}]..."),
            (false, false) => format!("[{text}]"),
        });
    }
    // Wrapped at 100 columns, continuation lines under the first argument.
    let indent = " ".repeat(words[0].len() + 1);
    let mut lines = vec![words[0].clone()];
    for word in &words[1..] {
        let last = lines.last_mut().expect("one line");
        if last.len() + 1 + word.len() > 100 {
            lines.push(format!("{indent}{word}"));
        } else {
            last.push(' ');
            last.push_str(word);
        }
    }
    lines.join("\n")
}
