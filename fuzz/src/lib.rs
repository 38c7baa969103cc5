//! The fuzz harnesses of siemc: one function per fuzz target, shared by the cargo-fuzz binaries
//! (`fuzz/fuzz_targets/*.rs`, nightly) and by the replay test of the main crate
//! (`tests/fuzz_replay.rs`, stable), which runs every committed corpus input and regression
//! through the same function on every CI run.
//!
//! Each harness takes what a detection repository could hand siemc (bytes, or a generated rule)
//! and asserts the invariants every input must keep: no panic, no hang (every grammar has a
//! nesting limit, checked before its parser), every diagnostic span inside its file on
//! character boundaries and renderable, and no generated query that siemc's own validators
//! reject (`internal-invalid-query`, `query-rejected-kql`, `query-rejected-spl`): such a query
//! is a bug, never an answer.

pub mod generated;

use siemc::backend::Templates;
use siemc::compile::Compiler;
use siemc::condition::parse_condition;
use siemc::diagnostic::{Diagnostic, SourceFile, render_human, render_json_line};
use siemc::eval::{self, Event};
use siemc::lint::{LintOptions, Linter};
use siemc::mapping::{Mapping, MappingFile, Target};
use siemc::query::kql::{self as kql_check, KqlCheckOptions};
use siemc::query::spl::macros::Macros;
use siemc::query::spl::{self as spl_check, SplCheckOptions};
use siemc::rule::{self, RuleDocument, Spanned};
use std::sync::{Arc, OnceLock};

/// Codes that say siemc printed (or would have printed) a query its own validator rejects.
const BUG_CODES: &[&str] = &[
    "internal-invalid-query",
    "query-rejected-kql",
    "query-rejected-spl",
    "internal-error",
];

/// Every label of every diagnostic lies inside the file it names, on character boundaries,
/// every suggestion too, and every renderer takes the diagnostic.
pub fn assert_diagnostics_sound(diagnostics: &[Diagnostic], context: &str) {
    for diagnostic in diagnostics {
        if let Some(file) = &diagnostic.file {
            let text = &file.text;
            let spans = diagnostic
                .labels
                .iter()
                .map(|label| label.span)
                .chain(diagnostic.suggestions.iter().map(|s| s.span));
            for span in spans {
                assert!(
                    span.start <= span.end && span.end <= text.len(),
                    "span {span:?} outside {} bytes: {diagnostic:?}\n{context}",
                    text.len()
                );
                assert!(
                    text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                    "span {span:?} splits a character: {diagnostic:?}\n{context}"
                );
            }
        }
        render_human(diagnostic, false);
        render_json_line(diagnostic);
    }
}

/// No diagnostic says a generated query failed siemc's own validator.
pub fn assert_no_rejected_query(diagnostics: &[Diagnostic], context: &str) {
    if let Some(bug) = diagnostics.iter().find(|d| BUG_CODES.contains(&d.code)) {
        panic!(
            "a generated query fails siemc's own validator:\n{}\n--- input ---\n{context}",
            render_human(bug, false)
        );
    }
}

/// One compiler per built-in profile, built once (mapping and templates are immutable).
fn compilers() -> &'static [Compiler] {
    static COMPILERS: OnceLock<Vec<Compiler>> = OnceLock::new();
    COMPILERS.get_or_init(|| {
        siemc::mapping::profile::PROFILES
            .iter()
            .map(|profile| {
                Compiler::new(
                    profile.target,
                    Mapping::for_profile(profile),
                    Templates::embedded(),
                )
            })
            .collect()
    })
}

/// The linter of `siemc check` with both default profiles: it compiles every rule for both
/// targets and runs the full validators (schema columns included) over each query.
fn linter() -> &'static Linter {
    static LINTER: OnceLock<Linter> = OnceLock::new();
    LINTER.get_or_init(|| {
        Linter::new(&LintOptions {
            targets: vec![Target::Kql, Target::Spl],
            mapping_files: Vec::new(),
            ignore: Vec::new(),
            profiles: Vec::new(),
            allow_unmapped: false,
            command_checks: false,
        })
        .expect("the built-in profiles load")
    })
}

/// Compiles one file with `compiler` and checks the outcome: sound diagnostics, no rejected
/// query, and every printed query accepted by the validator once more.
fn compile_and_check(compiler: &Compiler, file: &Arc<SourceFile>, context: &str) -> usize {
    let outcome = compiler.compile_source(file);
    assert_diagnostics_sound(&outcome.diagnostics, context);
    assert_no_rejected_query(&outcome.diagnostics, context);
    outcome.queries.len()
}

/// `rule_load`: bytes as a rule file (lossy UTF-8, as `siemc` reads files it cannot decode
/// after reporting them) through the YAML loader, the rule loader, every compiler profile and
/// `siemc check`'s linter.
pub fn rule_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = Arc::new(SourceFile::new("fuzz.yml", text));
    rule_source(&file, &file.text.clone());
}

/// The checks of [`rule_file`] over a file already made; returns how many queries compiled.
pub fn rule_source(file: &Arc<SourceFile>, context: &str) -> usize {
    let (_, diagnostics) = rule::load_rule_file(file);
    assert_diagnostics_sound(&diagnostics.into_vec(), context);
    let mut compiled = 0;
    for compiler in compilers() {
        compiled += compile_and_check(compiler, file, context);
    }
    let lint = linter().check_source(file);
    assert_diagnostics_sound(&lint.diagnostics, context);
    assert_no_rejected_query(&lint.diagnostics, context);
    compiled
}

/// Selection names a fuzzed condition may refer to (with `_` and wildcard prefixes).
const SELECTION_NAMES: &[&str] = &[
    "selection",
    "selection_img",
    "selection_cli",
    "filter",
    "filter_main_legit",
    "filter_optional_x",
    "keywords",
    "_private",
    "a",
];

/// `condition`: bytes as a Sigma condition (lossy UTF-8) through the condition parser, placed
/// in a file the way the rule loader places it (after `condition: `).
pub fn condition(data: &[u8]) {
    let condition = String::from_utf8_lossy(data).into_owned();
    let prefix = "condition: ";
    let file = Arc::new(SourceFile::new(
        "fuzz.yml",
        format!("{prefix}{condition}\n"),
    ));
    let span = siemc::diagnostic::Span::new(prefix.len(), prefix.len() + condition.len());
    let spanned = Spanned::new(condition.clone(), span);
    if let Err(diagnostics) = parse_condition(&file, &spanned, SELECTION_NAMES) {
        assert_diagnostics_sound(&diagnostics, &condition);
        assert!(!diagnostics.is_empty(), "a refusal says why: {condition:?}");
    }
}

/// `kql_parse`: bytes as a KQL query through the full KQL validator (syntax and schema).
pub fn kql_query(data: &[u8]) {
    static OPTIONS: OnceLock<KqlCheckOptions> = OnceLock::new();
    let options = OPTIONS.get_or_init(KqlCheckOptions::builtin);
    let text = String::from_utf8_lossy(data).into_owned();
    let file = Arc::new(SourceFile::new("fuzz.kql", text));
    let diagnostics = kql_check::check_query(&file, options);
    assert_diagnostics_sound(&diagnostics, &file.text);
}

/// A small macro set for searches that call macros: nested, with an argument, recursive.
fn sample_macros() -> &'static SplCheckOptions {
    static OPTIONS: OnceLock<SplCheckOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let conf = "[m]\ndefinition = index=main | stats count\n\n\
                    [f(1)]\nargs = x\ndefinition = eval y=$x$ | `m`\n\n\
                    [loop]\ndefinition = `loop` `loop`\n";
        let file = Arc::new(SourceFile::new("macros.conf", conf));
        SplCheckOptions {
            macros: Some(Macros::from_conf(&file).expect("the sample macros load")),
        }
    })
}

/// `spl_parse`: the first byte chooses macros or none, the rest is an SPL search through the
/// SPL validator (and the macro expander when macros are chosen).
pub fn spl_query(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let file = Arc::new(SourceFile::new("fuzz.spl", text));
    let default = SplCheckOptions::default();
    let options = if selector % 2 == 0 {
        &default
    } else {
        sample_macros()
    };
    let diagnostics = spl_check::check_query(&file, options);
    assert_diagnostics_sound(&diagnostics, &file.text);
}

/// `spl_macros`: macro definitions and a search, both fuzzed. The input is a macros.conf text
/// and a search separated by the first NUL byte; the definitions go through the macros.conf
/// reader, then the search through the validator with those macros expanded.
pub fn spl_macros(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let conf = String::from_utf8_lossy(&data[..split]).into_owned();
    let search = String::from_utf8_lossy(data.get(split + 1..).unwrap_or_default()).into_owned();
    let conf_file = Arc::new(SourceFile::new("macros.conf", conf));
    let macros = match Macros::from_conf(&conf_file) {
        Ok(macros) => macros,
        Err(diagnostic) => {
            assert_diagnostics_sound(&[diagnostic], &conf_file.text);
            return;
        }
    };
    let file = Arc::new(SourceFile::new("fuzz.spl", search));
    let options = SplCheckOptions {
        macros: Some(macros),
    };
    let diagnostics = spl_check::check_query(&file, &options);
    let context = format!("{}\n--- search ---\n{}", conf_file.text, file.text);
    assert_diagnostics_sound(&diagnostics, &context);
}

/// Rules compiled with a fuzzed mapping file: every modifier family, a keyword search, a
/// correlation and the common log sources of both targets.
const MAPPING_PROBE_RULES: &str = include_str!("mapping_probe_rules.yml");

/// `mapping_file`: bytes as a mapping file (`--mapping`). It either loads with located errors,
/// or it layers over each built-in profile of its target and the probe rules compile into
/// queries the validators accept, or are refused with a diagnostic.
pub fn mapping_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = Arc::new(SourceFile::new("fuzz-mapping.yml", text));
    let parsed = match MappingFile::parse(&file, None) {
        Ok(parsed) => parsed,
        Err(diagnostics) => {
            assert_diagnostics_sound(&diagnostics, &file.text);
            assert!(!diagnostics.is_empty(), "a refused mapping says why");
            return;
        }
    };
    let rules = Arc::new(SourceFile::new("probe.yml", MAPPING_PROBE_RULES));
    let context = format!("--- mapping ---\n{}", file.text);
    for profile in siemc::mapping::profile::PROFILES
        .iter()
        .filter(|p| p.target == parsed.target)
    {
        let mut mapping = Mapping::for_profile(profile);
        mapping.push_file(parsed.clone());
        let compiler = Compiler::new(profile.target, mapping, Templates::embedded());
        compile_and_check(&compiler, &rules, &context);
    }
}

/// Rules the evaluator fuzz target runs events through: every matcher family.
const EVALUATOR_RULES: &str = include_str!("evaluator_rules.yml");

/// `evaluator`: bytes as the event JSON of `siemc test` (a stream of JSON values, as in a
/// regression-data file) through the evaluator, each value read as a JSON event, as a Windows
/// event rendering and as a raw line, against rules covering every matcher.
pub fn evaluator(data: &[u8]) {
    static LOWERED: OnceLock<Vec<siemc::ir::Expr>> = OnceLock::new();
    let exprs = LOWERED.get_or_init(|| {
        let file = Arc::new(SourceFile::new("evaluator_rules.yml", EVALUATOR_RULES));
        let (documents, diagnostics) = rule::load_rule_file(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        documents
            .iter()
            .filter_map(|document| match document {
                RuleDocument::Detection(rule) => {
                    Some(siemc::ir::lower_rule(rule).expect("lowers").expr)
                }
                _ => None,
            })
            .collect()
    });
    let text = String::from_utf8_lossy(data);
    let values: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
        .into_iter()
        .take(16)
        .map_while(Result::ok)
        .collect();
    let mut events: Vec<Event> = values
        .iter()
        .flat_map(|value| [Event::Json(value.clone()), Event::WindowsXml(value.clone())])
        .collect();
    events.push(Event::Raw(text.into_owned()));
    for event in &events {
        for expr in exprs {
            // An error is a located message for the user (a regex the engine refuses); only
            // a panic or a hang is a bug here.
            let _ = eval::evaluate(expr, event);
        }
    }
}

/// `compile_generated`: a structure-aware rule (see [`generated`]) through the whole pipeline:
/// rendered as YAML, loaded, compiled by every profile, checked by the linter. Returns how many
/// queries compiled (the replay test reports it, so a generator that never reaches the
/// backends shows).
pub fn compile_generated(rule: &generated::GeneratedRule) -> usize {
    let yaml = rule.to_yaml();
    // To see the rule behind a crash: SIEMC_FUZZ_SHOW=1 fuzz/target/.../compile_generated CRASH
    if std::env::var_os("SIEMC_FUZZ_SHOW").is_some() {
        eprintln!("{yaml}");
    }
    let file = Arc::new(SourceFile::new("generated.yml", yaml.clone()));
    rule_source(&file, &yaml)
}
