//! Rule tests: sample events with expectations, run through the evaluator.
//!
//! Takes: paths holding rules and their test events: a rule's `tests:` list, a
//! `<rule>.tests.yml` / `<rule>.tests.jsonl` file beside it, and SigmaHQ's `regression_data`
//! layout (`info.yml` naming the rule id, a JSON rendering of a Windows event or a raw line).
//! Gives: one [`CaseResult`] per test case (pass / fail / error with the deciding predicate),
//! plus diagnostics for malformed tests and rules that cannot be evaluated.

use crate::correlation::RuleIndex;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::eval::{self, Alert, Event, TimedEvent, evaluate_correlation};
use crate::filter::Filters;
use crate::mapping::Mapping;
use crate::rule::{self, CorrelationRule, Rule, RuleDocument};
use crate::yaml::{self, Node};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One sample event and what the rule must say about it.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    /// The rule must match the event (at least one of the events), or must match none.
    pub expect_match: bool,
    /// One event, or several (a regression file may hold a sequence of events).
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
}

/// The outcome of one test case (the JSON Lines record of `siemc test --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub path: String,
    pub rule_id: Option<String>,
    #[serde(skip)]
    pub rule_title: String,
    pub test: String,
    pub status: Status,
    pub message: String,
    /// The event, for failure reports.
    #[serde(skip)]
    pub event: Option<serde_json::Value>,
}

/// Everything a test run found.
#[derive(Debug, Default)]
pub struct TestRun {
    pub results: Vec<CaseResult>,
    pub diagnostics: Vec<Diagnostic>,
    /// Detection rules that have no test case.
    pub untested_rules: Vec<String>,
}

impl TestRun {
    pub fn failed(&self) -> bool {
        self.results.iter().any(|r| r.status != Status::Pass)
            || self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

fn is_test_input(path: &Path) -> bool {
    rule::is_rule_file_name(path)
}

/// A detection rule and its test cases.
pub type RuleTests = (Box<Rule>, Vec<TestCase>);

/// Everything loaded for a test run: detection rules with their cases, and correlation rules
/// (whose cases are in their own `tests:`).
#[derive(Default)]
pub struct TestSuite {
    /// Rules with test cases, and rules that feed a correlation (with or without cases).
    pub rules: Vec<RuleTests>,
    pub correlations: Vec<Box<CorrelationRule>>,
    /// Files of the rules that have no test case and feed no correlation (not kept).
    pub untested: Vec<String>,
    /// Every rule document loaded: its file, span and title, to attribute a problem found in
    /// it (an invalid test case) to the rule.
    pub documents: Vec<(String, Span, String)>,
}

/// A correlation test: timestamped events and the alerts (group values) they must raise.
#[derive(Debug, Clone)]
pub struct CorrelationCase {
    pub name: String,
    pub events: Vec<TimedEvent>,
    pub alerts: Vec<Alert>,
}

/// Runs every test of the rules under `paths`, with `filters` (and the filter documents among
/// the rule files) applied; `mapping` provides `|expand` placeholder values.
pub fn run_tests(
    paths: &[PathBuf],
    mapping: &Mapping,
    filters: &Filters,
) -> (TestRun, Vec<Diagnostic>) {
    let mut run = TestRun::default();
    let (suite, usage_problems) = collect_rule_tests(paths, filters, &mut run.diagnostics);
    // Problems found while loading (a rule that does not load, an invalid case); those found
    // while running come with a result of their own.
    let loading_problems = run.diagnostics.len();
    run.untested_rules = suite.untested.clone();
    let index = RuleIndex::from_parts(
        suite.rules.iter().map(|(r, _)| r.as_ref()),
        suite.correlations.iter().map(|c| c.as_ref()),
    );
    let mut feeds_correlation = std::collections::HashSet::new();
    for correlation in &suite.correlations {
        for reference in &correlation.rules {
            if let Some(rule) = index.detection(&reference.value) {
                feeds_correlation
                    .insert(rule.file.display_path() + "#" + &rule.document.to_string());
            }
        }
    }
    for (rule, cases) in &suite.rules {
        if cases.is_empty() {
            // A rule that only feeds a correlation is tested through it.
            if !feeds_correlation
                .contains(&(rule.file.display_path() + "#" + &rule.document.to_string()))
            {
                run.untested_rules.push(rule.file.display_path());
            }
            continue;
        }
        run_rule(rule, cases, mapping, &mut run);
    }
    for correlation in &suite.correlations {
        run_correlation(correlation, &index, mapping, &mut run);
    }
    // Every problem that keeps a rule or a case from running counts as a test in error, so
    // the summaries (human, JSON, JUnit) never undercount: an invalid case under its rule, a
    // rule that did not load under its file.
    for diagnostic in run.diagnostics[..loading_problems]
        .iter()
        .filter(|d| d.is_error())
    {
        let path = diagnostic
            .file
            .as_ref()
            .map(|f| f.display_path())
            .unwrap_or_default();
        let at = diagnostic.primary_span();
        let title = at
            .and_then(|at| {
                suite.documents.iter().find(|(file, span, _)| {
                    *file == path && span.start <= at.start && at.end <= span.end
                })
            })
            .map_or_else(|| "(not loaded)".to_string(), |(_, _, title)| title.clone());
        let line = diagnostic
            .start_position()
            .map_or(String::new(), |p| format!(" at line {}", p.line));
        run.results.push(CaseResult {
            path,
            rule_id: None,
            rule_title: title,
            test: format!("{}{line}", diagnostic.code),
            status: Status::Error,
            message: diagnostic.message.clone(),
            event: None,
        });
    }
    (run, usage_problems)
}

/// Loads the rules under `paths` with all their test cases (inline, beside, regression data),
/// `filters` and the filter documents among the files applied to the rules. Only what a run
/// needs is kept: rules with cases and the rules correlations reference (correlations and
/// filters are found first, by a scan of the files whose text can hold them); every other
/// rule is dropped as soon as its file is loaded and listed in [`TestSuite::untested`], so
/// memory does not grow with the number of rules. Regression data attaches to the first rule
/// with the id it names (a repeated id is `check`'s `duplicate-id`).
pub fn collect_rule_tests(
    paths: &[PathBuf],
    filters: &Filters,
    diagnostics: &mut Vec<Diagnostic>,
) -> (TestSuite, Vec<Diagnostic>) {
    let (files, usage_problems) = rule::collect_files(paths, is_test_input);
    let mut run = TestRun::default();
    let (infos, rule_files): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|path| path.file_name().is_some_and(|n| n == "info.yml"));
    // Regression cases first, by the rule id they name, so each rule file is handled once.
    let mut regression: HashMap<String, Vec<(TestCase, Span, Arc<SourceFile>)>> = HashMap::new();
    for path in infos {
        match rule::read_source(&path) {
            Ok(info) => {
                for (rule_id, case, span) in regression_cases(&info, &mut run.diagnostics) {
                    regression
                        .entry(rule_id)
                        .or_default()
                        .push((case, span, Arc::clone(&info)));
                }
            }
            Err(diagnostic) => run.diagnostics.push(diagnostic),
        }
    }
    let (referenced, filter_documents) = cross_file_documents(&rule_files);
    let filters = filters.with_documents(&filter_documents);
    let mut rules: Vec<RuleTests> = Vec::new();
    let mut correlations = Vec::new();
    let mut untested = Vec::new();
    let mut loaded = Vec::new();
    for path in rule_files {
        let file = match rule::read_source(&path) {
            Ok(file) => file,
            Err(diagnostic) => {
                run.diagnostics.push(diagnostic);
                continue;
            }
        };
        let (documents, diagnostics) = rule::load_rule_file(&file);
        run.diagnostics.extend(diagnostics);
        let beside = beside_cases(&path, &mut run.diagnostics);
        for document in &documents {
            let (span, title) = match document {
                RuleDocument::Detection(rule) => (rule.span, rule.title()),
                RuleDocument::Correlation(correlation) => (
                    correlation.span,
                    correlation
                        .meta
                        .title
                        .as_ref()
                        .map_or("", |t| t.value.as_str()),
                ),
                RuleDocument::Filter(_) => continue,
            };
            loaded.push((file.display_path(), span, title.to_string()));
        }
        for document in documents {
            match document {
                RuleDocument::Detection(mut rule) => {
                    let mut cases = inline_cases(&rule, &mut run.diagnostics);
                    cases.extend(beside.iter().cloned());
                    if let Some(found) = rule.id().and_then(|id| regression.remove(id)) {
                        cases.extend(found.into_iter().map(|(case, _, _)| case));
                    }
                    let feeds_correlation = [&rule.meta.id, &rule.meta.name]
                        .into_iter()
                        .flatten()
                        .any(|key| referenced.contains(&key.value));
                    if !cases.is_empty() || feeds_correlation {
                        filters.apply_to(&mut rule);
                        rules.push((rule, cases));
                    } else {
                        untested.push(rule.file.display_path());
                    }
                }
                RuleDocument::Correlation(correlation) => correlations.push(correlation),
                // Applied to the rules it names (found by `cross_file_documents`); its own
                // problems are reported here, once.
                RuleDocument::Filter(filter) => {
                    run.diagnostics.extend(crate::filter::problems_of(&filter));
                }
            }
        }
    }
    let mut unattached: Vec<(String, Span, Arc<SourceFile>)> = regression
        .into_iter()
        .flat_map(|(rule_id, cases)| {
            cases
                .into_iter()
                .map(move |(_, span, info)| (rule_id.clone(), span, info))
        })
        .collect();
    unattached.sort_by(|a, b| (a.2.path(), a.1.start).cmp(&(b.2.path(), b.1.start)));
    for (rule_id, span, info) in unattached {
        run.diagnostics.push(
            Diagnostic::error(
                "unknown-rule",
                format!(
                    "regression data names rule `{rule_id}`, which is not among the rules given"
                ),
            )
            .in_file(&info)
            .at(span, "this rule id")
            .with_help("pass the rules directory too, e.g. `siemc test rules/ regression_data/`"),
        );
    }
    diagnostics.extend(run.diagnostics);
    (
        TestSuite {
            rules,
            correlations,
            untested,
            documents: loaded,
        },
        usage_problems,
    )
}

/// What rules need from other files: the rule ids and names that correlation rules among
/// `files` reference, and the filter documents. Only files whose text can hold either
/// ([`rule::may_hold_key`]) are parsed here.
fn cross_file_documents(files: &[PathBuf]) -> (HashSet<String>, Vec<RuleDocument>) {
    let mut referenced = HashSet::new();
    let mut filters = Vec::new();
    for path in files {
        let Ok(file) = rule::read_source(path) else {
            continue;
        };
        let text = file.text.as_bytes();
        if !rule::may_hold_key(text, "correlation") && !rule::may_hold_key(text, "filter") {
            continue;
        }
        for document in rule::load_rule_file(&file).0 {
            match document {
                RuleDocument::Correlation(correlation) => {
                    referenced.extend(correlation.rules.into_iter().map(|r| r.value));
                }
                RuleDocument::Filter(_) => filters.push(document),
                RuleDocument::Detection(_) => {}
            }
        }
    }
    (referenced, filters)
}

/// Runs a correlation rule's tests: every member rule evaluated on every event, windows and
/// groups as the generated queries form them, alerts compared as sets of group values.
fn run_correlation(
    correlation: &CorrelationRule,
    index: &RuleIndex<'_>,
    mapping: &Mapping,
    run: &mut TestRun,
) {
    let mut diagnostics = Vec::new();
    let cases = match &correlation.meta.tests {
        Some(list) => correlation_cases(&correlation.file, list, &mut diagnostics),
        None => {
            run.untested_rules.push(correlation.file.display_path());
            return;
        }
    };
    run.diagnostics.extend(diagnostics);
    let title = correlation
        .meta
        .title
        .as_ref()
        .map_or_else(String::new, |t| t.value.clone());
    let result = |name: &str, status, message: String| CaseResult {
        path: correlation.file.display_path(),
        rule_id: correlation.meta.id.as_ref().map(|id| id.value.clone()),
        rule_title: title.clone(),
        test: name.to_string(),
        status,
        message,
        event: None,
    };
    let prepared = crate::correlation::resolve(correlation, index).and_then(|plan| {
        let exprs = plan
            .members
            .iter()
            .map(|m| {
                crate::ir::lower_rule(m.rule)
                    .and_then(|l| mapping.expand_placeholders(m.rule, &l.expr))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((plan, exprs))
    });
    let (plan, exprs) = match prepared {
        Ok(prepared) => prepared,
        Err(errors) => {
            let message = errors
                .first()
                .map_or_else(String::new, |d| d.message.clone());
            for case in &cases {
                run.results.push(result(
                    &case.name,
                    Status::Error,
                    format!("the correlation does not compile: {message}"),
                ));
            }
            run.diagnostics.extend(errors);
            return;
        }
    };
    for case in &cases {
        run.results
            .push(match evaluate_correlation(&plan, &exprs, &case.events) {
                Ok(alerts) => {
                    let mut expected = case.alerts.clone();
                    expected.sort();
                    let shown =
                        |alerts: &[Alert]| serde_json::to_string(alerts).unwrap_or_default();
                    if alerts == expected {
                        result(
                            &case.name,
                            Status::Pass,
                            format!("alerts: {}", shown(&alerts)),
                        )
                    } else {
                        result(
                            &case.name,
                            Status::Fail,
                            format!(
                                "expected alerts {}, got {}",
                                shown(&expected),
                                shown(&alerts)
                            ),
                        )
                    }
                }
                Err(message) => result(&case.name, Status::Error, message),
            });
    }
}

/// The test cases of a correlation rule (its `tests:`), with problems reported.
pub fn correlation_tests(
    correlation: &CorrelationRule,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<CorrelationCase> {
    match &correlation.meta.tests {
        Some(list) => correlation_cases(&correlation.file, list, diagnostics),
        None => Vec::new(),
    }
}

/// `[{name, events: [{time, event}], alerts: [{group: value}]}]`
fn correlation_cases(
    file: &Arc<SourceFile>,
    list: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<CorrelationCase> {
    let mut cases = Vec::new();
    for (index, item) in list.as_sequence().unwrap_or_default().iter().enumerate() {
        let name = item
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| format!("test {}", index + 1), str::to_string);
        let mut events = Vec::new();
        let mut ok = true;
        for entry in item
            .get("events")
            .and_then(Node::as_sequence)
            .unwrap_or_default()
        {
            let time = entry
                .get("time")
                .map(Node::to_json)
                .as_ref()
                .and_then(crate::eval::epoch_seconds);
            match (time, entry.get("event")) {
                (Some(time), Some(event)) if event.as_mapping().is_some() => {
                    events.push(TimedEvent {
                        time,
                        event: Event::Json(event.to_json()),
                    })
                }
                _ => {
                    ok = false;
                    diagnostics.push(
                        Diagnostic::error("invalid-test", "a correlation test event needs `time:` (ISO 8601 or epoch seconds) and `event:`")
                            .in_file(file)
                            .at(entry.span, "incomplete event"),
                    );
                }
            }
        }
        let alerts: Option<Vec<Alert>> =
            item.get("alerts")
                .and_then(Node::as_sequence)
                .map(|alerts| {
                    alerts
                        .iter()
                        .map(|alert| {
                            alert
                                .as_mapping()
                                .unwrap_or_default()
                                .iter()
                                .map(|(k, v)| {
                                    (
                                        k.as_str().unwrap_or_default().to_string(),
                                        v.as_str().unwrap_or_default().to_string(),
                                    )
                                })
                                .collect()
                        })
                        .collect()
                });
        match alerts {
            Some(alerts) if ok && item.get("events").is_some() => cases.push(CorrelationCase { name, events, alerts }),
            _ => diagnostics.push(
                Diagnostic::error("invalid-test", format!("correlation test `{name}` needs `events:` and `alerts:` (a list, empty for none)"))
                    .in_file(file)
                    .at(item.span, "incomplete test"),
            ),
        }
    }
    cases
}

fn run_rule(rule: &Rule, cases: &[TestCase], mapping: &Mapping, run: &mut TestRun) {
    let result = |case: &TestCase, status, message: String| CaseResult {
        path: rule.file.display_path(),
        rule_id: rule.id().map(str::to_string),
        rule_title: rule.title().to_string(),
        test: case.name.clone(),
        status,
        message,
        event: case.events.first().map(|event| match event {
            Event::Json(v) | Event::WindowsXml(v) => v.clone(),
            Event::Raw(line) => serde_json::Value::String(line.clone()),
        }),
    };
    let expr = crate::ir::lower_rule(rule)
        .and_then(|lowered| mapping.expand_placeholders(rule, &lowered.expr));
    let expr = match expr {
        Ok(expr) => expr,
        Err(diagnostics) => {
            let message = diagnostics
                .first()
                .map_or_else(String::new, |d| d.message.clone());
            for case in cases {
                run.results.push(result(
                    case,
                    Status::Error,
                    format!("the rule does not compile: {message}"),
                ));
            }
            run.diagnostics.extend(diagnostics);
            return;
        }
    };
    for case in cases {
        let verdicts: Result<Vec<_>, String> = case
            .events
            .iter()
            .map(|event| eval::evaluate(&expr, event))
            .collect();
        let verdicts = match verdicts {
            Ok(verdicts) => verdicts,
            Err(message) => {
                run.results.push(result(case, Status::Error, message));
                continue;
            }
        };
        let expected = case.expect_match;
        let matched = verdicts.iter().filter(|v| v.matched).count();
        // The deciding verdict: a matching event if any (it passes or fails the case), else the first.
        let decisive = verdicts.iter().find(|v| v.matched).or(verdicts.first());
        let reason = decisive.map_or_else(String::new, |v| v.reason.clone());
        let passed = (matched > 0) == expected;
        let counted = if verdicts.len() > 1 {
            format!(" ({matched} of {} events matched)", verdicts.len())
        } else {
            String::new()
        };
        let message = match (passed, expected) {
            (true, _) => format!("{reason}{counted}"),
            (false, true) => format!("expected the rule to match, it did not{counted}: {reason}"),
            (false, false) => format!("expected no match, the rule matched{counted}: {reason}"),
        };
        run.results.push(result(
            case,
            if passed { Status::Pass } else { Status::Fail },
            message,
        ));
    }
}

/// Test cases from a YAML list of `{name, match, event}`.
fn cases_from_list(
    file: &Arc<SourceFile>,
    list: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<TestCase> {
    let Some(items) = list.as_sequence() else {
        diagnostics.push(
            Diagnostic::error(
                "invalid-test",
                "`tests` must be a list of {name, match, event}",
            )
            .in_file(file)
            .at(list.span, "not a list"),
        );
        return Vec::new();
    };
    let mut cases = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let name = item
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| format!("test {}", index + 1), str::to_string);
        let expect = item
            .get("match")
            .and_then(|n| match n.as_scalar().map(|s| s.value()) {
                Some(yaml::ScalarValue::Bool(b)) => Some(b),
                _ => None,
            });
        let event = item.get("event");
        match (expect, event) {
            (Some(expect_match), Some(event)) if event.as_mapping().is_some() => {
                cases.push(TestCase {
                    name,
                    expect_match,
                    events: vec![Event::Json(event.to_json())],
                })
            }
            _ => {
                // A misspelled key (`macth:`) is the likely cause: point at it.
                let misspelled =
                    item.as_mapping()
                        .unwrap_or_default()
                        .iter()
                        .find_map(|(key, _)| {
                            let written = key.as_str()?;
                            let meant = crate::text::closest(written, ["name", "match", "event"])?;
                            (written != meant && item.get(meant).is_none())
                                .then_some((key.span, written, meant))
                        });
                let diagnostic = Diagnostic::error(
                    "invalid-test",
                    format!("test `{name}` needs `match: true|false` and an `event:` mapping"),
                )
                .in_file(file);
                diagnostics.push(match misspelled {
                    Some((span, written, meant)) => diagnostic
                        .at(span, format!("misspelled `{meant}`?"))
                        .with_help(format!("did you mean `{meant}`? `{written}` is not a test key"))
                        .with_rename(span, written, meant),
                    None => diagnostic.at(item.span, "incomplete test").with_help(
                        "write each case as `- {name: sign-in from a bad IP, match: true, event: {IPAddress: 203.0.113.5}}`",
                    ),
                });
            }
        }
    }
    cases
}

fn inline_cases(rule: &Rule, diagnostics: &mut Vec<Diagnostic>) -> Vec<TestCase> {
    match &rule.meta.tests {
        Some(list) => cases_from_list(&rule.file, list, diagnostics),
        None => Vec::new(),
    }
}

/// `<rule>.tests.yml` (a list, or `{tests: [...]}`) and `<rule>.tests.jsonl` beside a rule file.
fn beside_cases(rule_path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<TestCase> {
    let stem = rule_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let mut cases = Vec::new();
    for extension in ["tests.yml", "tests.yaml"] {
        let path = rule_path.with_file_name(format!("{stem}.{extension}"));
        if !path.is_file() {
            continue;
        }
        let file = match rule::read_source(&path) {
            Ok(file) => file,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let (documents, problems) = yaml::load_documents(&file);
        diagnostics.extend(problems);
        for document in documents {
            let list = document.root.get("tests").unwrap_or(&document.root);
            cases.extend(cases_from_list(&file, list, diagnostics));
        }
    }
    let jsonl = rule_path.with_file_name(format!("{stem}.tests.jsonl"));
    if jsonl.is_file() {
        match rule::read_source(&jsonl) {
            Ok(file) => cases.extend(jsonl_cases(&file, diagnostics)),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    cases
}

fn jsonl_cases(file: &Arc<SourceFile>, diagnostics: &mut Vec<Diagnostic>) -> Vec<TestCase> {
    let mut cases = Vec::new();
    let mut offset = 0;
    for (index, line) in file.text.split('\n').enumerate() {
        let span = Span::new(offset, offset + line.len());
        offset += line.len() + 1;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        let case = parsed.ok().and_then(|value| {
            let expect_match = value.get("match")?.as_bool()?;
            let event = value.get("event").filter(|e| e.is_object())?.clone();
            let name = value
                .get("name")
                .and_then(|n| n.as_str())
                .map_or_else(|| format!("line {}", index + 1), str::to_string);
            Some(TestCase {
                name,
                expect_match,
                events: vec![Event::Json(event)],
            })
        });
        match case {
            Some(case) => cases.push(case),
            None => diagnostics.push(
                Diagnostic::error(
                    "invalid-test",
                    "a test line must be {\"name\", \"match\": true|false, \"event\": {...}}",
                )
                .in_file(file)
                .at(span, "not a test case"),
            ),
        }
    }
    cases
}

/// SigmaHQ regression data: `info.yml` names the rule (`rule_metadata[].id`) and the test files
/// (`regression_tests_info[].path`, an `.evtx` whose JSON rendering sits beside it with the same
/// stem; a `raw` type is a log line). When the list is absent, `<rule id>.json` / `.raw` beside it.
fn regression_cases(
    info: &Arc<SourceFile>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, TestCase, Span)> {
    let (documents, problems) = yaml::load_documents(info);
    diagnostics.extend(problems);
    let Some(root) = documents.first().map(|d| &d.root) else {
        return Vec::new();
    };
    let dir = info.path().parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    let rule_ids: Vec<(&str, Span)> = root
        .get("rule_metadata")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.get("id").and_then(|id| id.as_str().map(|s| (s, id.span))))
        .collect();
    if rule_ids.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "invalid-test",
                "regression `info.yml` without `rule_metadata[].id`",
            )
            .in_file(info)
            .at(root.span, ""),
        );
        return out;
    }
    let mut event_files: Vec<(PathBuf, String, bool)> = Vec::new();
    for entry in root
        .get("regression_tests_info")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        let kind = entry
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("evtx")
            .to_string();
        // SigmaHQ counts detections after its own evtx conversion; a JSON rendering may hold
        // more copies of an event, so a positive count means "the rule matches", 0 "it does not".
        let expect = !matches!(entry.get("match_count").and_then(Node::as_str), Some("0"));
        if let Some(path) = entry.get("path").and_then(Node::as_str) {
            let name = Path::new(path)
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_default();
            let file = match kind.as_str() {
                "evtx" => dir.join(name).with_extension("json"),
                _ => dir.join(name),
            };
            event_files.push((file, kind, expect));
        }
    }
    if event_files.is_empty() {
        for (rule_id, _) in &rule_ids {
            for (extension, kind) in [("json", "evtx"), ("raw", "raw")] {
                let file = dir.join(format!("{rule_id}.{extension}"));
                if file.is_file() {
                    event_files.push((file, kind.to_string(), true));
                }
            }
        }
    }
    for (path, kind, expect) in event_files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error("invalid-test", format!("{}: {error}", path.display()))
                        .in_file(info)
                        .at(root.span, "named here"),
                );
                continue;
            }
        };
        let events = if kind == "raw" {
            vec![Event::Raw(text.trim_end().to_string())]
        } else {
            // A rendering may hold several events one after another.
            let parsed: Result<Vec<serde_json::Value>, _> =
                serde_json::Deserializer::from_str(&text)
                    .into_iter()
                    .collect();
            match parsed {
                Ok(values) if !values.is_empty() => {
                    values.into_iter().map(Event::WindowsXml).collect()
                }
                Ok(_) => continue,
                Err(error) => {
                    diagnostics.push(
                        Diagnostic::error(
                            "invalid-test",
                            format!("{}: not JSON: {error}", path.display()),
                        )
                        .in_file(info)
                        .at(root.span, ""),
                    );
                    continue;
                }
            }
        };
        for (rule_id, span) in &rule_ids {
            out.push((
                rule_id.to_string(),
                TestCase {
                    name: format!("regression {name}"),
                    expect_match: expect,
                    events: events.clone(),
                },
                *span,
            ));
        }
    }
    out
}
