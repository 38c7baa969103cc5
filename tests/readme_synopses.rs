//! The README's command synopses are generated from the command-line definition
//! (`siemc::cli::args::synopsis`), so they cannot drift from what the binary accepts. With
//! `SIEMC_UPDATE_README` set, the test rewrites them.

mod common;

#[test]
fn readme_synopses_are_the_command_line() {
    for path in [
        &["compile"][..],
        &["test"],
        &["check"],
        &["query", "check"],
        &["export"],
        &["coverage"],
        &["lsp"],
    ] {
        let marker = format!("synopsis-{}", path.join("-"));
        let block = format!("```\n{}\n```\n", siemc::cli::args::synopsis(path));
        common::assert_readme_section(&marker, &block, "readme_synopses");
    }
}
