//! `siemc completions SHELL`: every shell gets a script that knows the subcommands and their
//! options; bash accepts the bash script's syntax (`bash -n`) and, sourced, completes `siemc co`.

mod common;

use common::{siemc, stderr, stdout, temp_dir};
use std::process::Command;

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = siemc(&["completions", shell]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            stderr(&output)
        );
        let script = stdout(&output);
        for word in ["siemc", "compile", "check", "export", "schema", "target"] {
            assert!(script.contains(word), "{shell} script lacks `{word}`");
        }
    }
    let unknown = siemc(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn bash_accepts_the_bash_script_and_completes_with_it() {
    let dir = temp_dir("completions");
    let path = dir.join("siemc.bash");
    std::fs::write(&path, siemc(&["completions", "bash"]).stdout).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        syntax.status.success(),
        "bash -n rejects the script: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Source it and ask the completion function what `siemc co<TAB>` offers.
    let probe = format!(
        "source {}\nCOMP_WORDS=(siemc co)\nCOMP_CWORD=1\n_siemc siemc co siemc\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display()
    );
    let run = Command::new("bash").args(["-c", &probe]).output().unwrap();
    let offered = String::from_utf8_lossy(&run.stdout);
    assert!(
        ["compile", "completions", "coverage"]
            .iter()
            .all(|c| offered.lines().any(|l| l == *c)),
        "offered: {offered}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        !offered.lines().any(|l| l == "export"),
        "offered: {offered}"
    );
}

/// The script completes real values: `--profile` the built-in profiles, `check --explain` the
/// check codes, `profiles NAME` the profiles (not file names).
#[test]
fn bash_completes_profiles_and_check_codes() {
    let dir = temp_dir("completion-values");
    let path = dir.join("siemc.bash");
    std::fs::write(&path, siemc(&["completions", "bash"]).stdout).unwrap();
    let offered = |words: &[&str]| {
        let current = words.len() - 1;
        let probe = format!(
            "source {}\nCOMP_WORDS=({})\nCOMP_CWORD={current}\n_siemc siemc '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            path.display(),
            words.join(" "),
            words[current],
            words[current - 1]
        );
        let run = Command::new("bash").args(["-c", &probe]).output().unwrap();
        String::from_utf8_lossy(&run.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        offered(&["siemc", "compile", "--profile", "sentinel-"]),
        ["sentinel-xdr", "sentinel-windows", "sentinel-asim"]
    );
    assert_eq!(
        offered(&["siemc", "check", "--explain", "unknown-log"]),
        ["unknown-logsource"]
    );
    assert_eq!(
        offered(&["siemc", "profiles", "splunk"]),
        ["splunk", "splunk-cim"]
    );
}
