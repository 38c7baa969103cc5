//! One verdict: over the same fixtures (`tests/fixtures/verdict/`), for every built-in profile,
//! `siemc check` fails exactly when `compile`, `test` or `export` fails, so a green `check` in
//! CI means the other commands are green too. Each fixture is run on its own, through the
//! binary, as a user would.

mod common;

use siemc::mapping::Target;
use siemc::mapping::profile::PROFILES;

fn fails(args: &[&str]) -> bool {
    let output = common::siemc(args);
    let code = output.status.code().expect("siemc exits");
    assert!(
        code == 0 || code == 1,
        "siemc {args:?} exited {code}:\n{}",
        common::stderr(&output)
    );
    code == 1
}

#[test]
fn check_fails_exactly_when_compile_test_or_export_fails() {
    let fixtures = common::fixture_files("tests/fixtures/verdict");
    assert!(fixtures.len() >= 4);
    let mut table = Vec::new();
    let mut disagreements = Vec::new();
    let mut red = 0;
    for path in &fixtures {
        let path = common::relative(path).to_string_lossy().to_string();
        for profile in PROFILES {
            let (target, format) = match profile.target {
                Target::Kql => ("kql", "sentinel-yaml"),
                Target::Spl => ("spl", "splunk-conf"),
            };
            let name = profile.name;
            let check = fails(&["check", &path, "--target", target, "--profile", name]);
            let compile = fails(&["compile", &path, "--target", target, "--profile", name]);
            let test = fails(&["test", &path, "--profile", name]);
            let export = fails(&["export", &path, "--to", format, "--profile", name]);
            let others = compile || test || export;
            red += usize::from(check);
            table.push(format!(
                "{path} {name}: check {check}, compile {compile}, test {test}, export {export}"
            ));
            if check != others {
                disagreements.push(table.last().unwrap().clone());
            }
        }
    }
    println!("{}", table.join("\n"));
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // The fixtures exercise both verdicts: some runs red, some green.
    assert!(red > 0 && red < table.len(), "{}", table.join("\n"));
}
