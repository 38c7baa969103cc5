//! `siemc test PATH... [--format human|json|junit] [--mapping FILE]... [--profile NAME] [--filter FILE|DIR]...`

use super::{exit, report_to_stderr};
use crate::diagnostic::xml_escape;
use crate::mapping::Target;
use crate::testcases::{CaseResult, Status, TestRun, run_tests};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

pub struct TestArgs {
    pub paths: Vec<PathBuf>,
    pub mappings: Vec<PathBuf>,
    /// Sigma filter files or directories (`--filter`): the tests run against the filtered rules.
    pub filters: Vec<PathBuf>,
    pub format: TestFormat,
    pub profile: super::ProfileChoice,
}

pub fn run(args: &TestArgs) -> u8 {
    // Placeholder values (`|expand`) come from the mapping files; the KQL and SPL built-ins share
    // them. Rules are tested on their own (Sigma) field names, so the profile only chooses
    // which mapping's placeholders apply: a `--profile` of either target.
    let target = args
        .profile
        .names
        .iter()
        .find_map(|name| crate::mapping::Profile::find(name))
        .map_or(Target::Kql, |profile| profile.target);
    let mapping = match args.profile.mapping(target, &args.mappings) {
        Ok(mapping) => mapping,
        Err(diagnostics) => {
            report_to_stderr(&diagnostics);
            return exit::USAGE;
        }
    };
    let (filters, filter_problems) = match super::load_filters(&args.paths, &args.filters) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            report_to_stderr(&diagnostics);
            return exit::USAGE;
        }
    };
    let (mut run, usage_problems) = run_tests(&args.paths, &mapping, &filters);
    run.diagnostics.splice(0..0, filter_problems);
    if !usage_problems.is_empty() {
        report_to_stderr(&usage_problems);
        return exit::USAGE;
    }
    let mut stdout = std::io::stdout().lock();
    let text = match args.format {
        TestFormat::Human => {
            // Colour only on a terminal, and never with NO_COLOR (as the diagnostics).
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            human(&run, color)
        }
        TestFormat::Json => run
            .results
            .iter()
            .map(|r| serde_json::to_string(r).expect("serializable") + "\n")
            .collect(),
        TestFormat::Junit => junit(&run.results),
    };
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    report_to_stderr(&run.diagnostics);
    if run.failed() {
        exit::INPUT_ERRORS
    } else {
        exit::OK
    }
}

fn by_rule(results: &[CaseResult]) -> BTreeMap<(String, String), Vec<&CaseResult>> {
    let mut groups: BTreeMap<(String, String), Vec<&CaseResult>> = BTreeMap::new();
    for result in results {
        groups
            .entry((result.path.clone(), result.rule_title.clone()))
            .or_default()
            .push(result);
    }
    groups
}

/// One line per rule; under a failing rule, each failing test with its event and the predicate
/// that decided it.
fn human(run: &TestRun, color: bool) -> String {
    let mut out = String::new();
    let (mut passed, mut failed, mut errors) = (0, 0, 0);
    for ((path, title), cases) in by_rule(&run.results) {
        let bad: Vec<&&CaseResult> = cases.iter().filter(|c| c.status != Status::Pass).collect();
        let label = match (bad.is_empty(), color) {
            (true, false) => "ok  ",
            (false, false) => "FAIL",
            (true, true) => "\x1b[1;32mok\x1b[0m  ",
            (false, true) => "\x1b[1;31mFAIL\x1b[0m",
        };
        out.push_str(&format!(
            "{label} {path}: {title} ({} of {} tests passed)\n",
            cases.len() - bad.len(),
            cases.len()
        ));
        for case in &cases {
            match case.status {
                Status::Pass => passed += 1,
                Status::Fail => failed += 1,
                Status::Error => errors += 1,
            }
        }
        for case in bad {
            let kind = if case.status == Status::Error {
                "error"
            } else {
                "failed"
            };
            out.push_str(&format!("     {kind}: {}: {}\n", case.test, case.message));
            if let Some(event) = &case.event {
                let mut shown = serde_json::to_string(event).unwrap_or_default();
                if shown.len() > 400 {
                    let cut = (0..=400)
                        .rev()
                        .find(|i| shown.is_char_boundary(*i))
                        .unwrap_or(0);
                    shown.truncate(cut);
                    shown.push_str(" …");
                }
                out.push_str(&format!("       event: {shown}\n"));
            }
        }
    }
    out.push_str(&format!(
        "{} tests: {passed} passed, {failed} failed, {errors} errors; {} rules without tests\n",
        passed + failed + errors,
        run.untested_rules.len()
    ));
    out
}

/// JUnit XML: a test suite per rule, a test case per sample event.
fn junit(results: &[CaseResult]) -> String {
    let count = |cases: &[&CaseResult], status| cases.iter().filter(|c| c.status == status).count();
    let all: Vec<&CaseResult> = results.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"siemc test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
        all.len(),
        count(&all, Status::Fail),
        count(&all, Status::Error)
    ));
    for ((path, title), cases) in by_rule(results) {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
            xml_escape(&title),
            xml_escape(&path),
            cases.len(),
            count(&cases, Status::Fail),
            count(&cases, Status::Error)
        ));
        for case in cases {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml_escape(&path),
                xml_escape(&case.test)
            );
            match case.status {
                Status::Pass => out.push_str(&format!("{open}/>\n")),
                Status::Fail | Status::Error => {
                    let tag = if case.status == Status::Fail {
                        "failure"
                    } else {
                        "error"
                    };
                    out.push_str(&format!(
                        "{open}>\n      <{tag} message=\"{}\"/>\n    </testcase>\n",
                        xml_escape(&case.message)
                    ));
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: Status) -> TestRun {
        TestRun {
            results: vec![CaseResult {
                path: "r.yml".into(),
                rule_id: None,
                rule_title: "Rule".into(),
                test: "case".into(),
                status,
                message: "m".into(),
                event: None,
            }],
            ..TestRun::default()
        }
    }

    #[test]
    fn ok_and_fail_are_coloured_on_a_terminal_only() {
        assert!(human(&run(Status::Pass), true).starts_with("\x1b[1;32mok\x1b[0m   r.yml"));
        assert!(human(&run(Status::Fail), true).starts_with("\x1b[1;31mFAIL\x1b[0m r.yml"));
        assert!(human(&run(Status::Pass), false).starts_with("ok   r.yml"));
        assert!(!human(&run(Status::Fail), false).contains('\x1b'));
    }
}
