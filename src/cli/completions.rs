//! `siemc completions bash|zsh|fish|powershell|elvish`: the shell completion script, generated
//! by clap_complete from the command-line definition `main.rs` passes in.

use super::exit;
use std::io::Write;

pub use clap_complete::Shell;

/// Writes the completion script for `shell` to stdout.
pub fn run(shell: Shell, command: clap::Command) -> u8 {
    let mut command = with_value_candidates(command);
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "siemc", &mut script);
    match std::io::stdout().lock().write_all(&script) {
        Ok(()) => exit::OK,
        // A closed pipe (`siemc completions bash | head`) is the reader's choice, not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(error) => {
            eprintln!("error: cannot write the completion script: {error}");
            exit::USAGE
        }
    }
}

/// The command line with the values its free-text arguments take listed, so the script
/// completes them instead of file names: `--profile` the built-in profiles, `check --explain`
/// the check codes, `profiles NAME` the profiles. Only for the script: the arguments
/// themselves are parsed (and their errors explained) by the commands.
fn with_value_candidates(command: clap::Command) -> clap::Command {
    use clap::builder::PossibleValuesParser;
    let profiles: Vec<&'static str> = crate::mapping::profile::PROFILES
        .iter()
        .map(|p| p.name)
        .collect();
    let codes: Vec<&'static str> = crate::lint::catalogue().map(|lint| lint.code).collect();
    let listed = |values: &[&'static str]| PossibleValuesParser::new(values.to_vec());
    let mut command = command;
    for name in ["compile", "check", "test", "export", "coverage"] {
        command = command.mut_subcommand(name, |sub| {
            if sub.get_arguments().any(|a| a.get_id() == "profile") {
                sub.mut_arg("profile", |a| a.value_parser(listed(&profiles)))
            } else if sub.get_arguments().any(|a| a.get_id() == "profiles") {
                sub.mut_arg("profiles", |a| a.value_parser(listed(&profiles)))
            } else {
                sub
            }
        });
    }
    command
        .mut_subcommand("check", |sub| {
            sub.mut_arg("explain", |a| a.value_parser(listed(&codes)))
                .mut_arg("ignore", |a| a.value_parser(listed(&codes)))
        })
        .mut_subcommand("profiles", |sub| {
            sub.mut_arg("name", |a| a.value_parser(listed(&profiles)))
        })
}
