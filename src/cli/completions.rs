//! `siemc completions bash|zsh|fish|powershell|elvish`: the shell completion script, generated
//! by clap_complete from the command-line definition `main.rs` passes in.

use super::exit;
use std::io::Write;

pub use clap_complete::Shell;

/// Writes the completion script for `shell` to stdout.
pub fn run(shell: Shell, mut command: clap::Command) -> u8 {
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
