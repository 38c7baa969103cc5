//! Conformance of the profiles over SigmaHQ's rules (`../shared/corpus/sigma/rules`, outside
//! the repository; `scripts/test.sh` runs these with `--ignored` when the corpus is present):
//! every query each Sentinel profile compiles goes through Microsoft's parser and binder
//! (tests/oracle/kusto-analyze.js) with the profile's typed schema: the 2024 tables, the custom
//! tables the profile declares, and for ASIM the parser functions with their result columns.
//! Zero binder errors; per profile the rules compiled, refused by code, the top refusal reasons.

mod common;

use siemc::compile::Compiler;
use siemc::mapping::{Mapping, Profile, SentinelSchema, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The aim of issue 10 for the default Sentinel profile: at least 90% of the corpus compiled
/// and accepted by Microsoft's binder.
const XDR_MINIMUM_SHARE: f64 = 0.90;

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(path)
}

#[test]
#[ignore = "needs ../shared/schemas (run by scripts/test.sh)"]
fn the_embedded_schema_equals_the_2024_table_reference() {
    let source = std::fs::read_to_string(shared("schemas/sentinel-tables-2024.json")).unwrap();
    let from_json = SentinelSchema::from_json(&source).unwrap();
    let embedded = SentinelSchema::builtin_reference().unwrap();
    assert!(
        from_json.to_compact() == embedded.to_compact(),
        "mappings/sentinel-tables-2024.tsv differs from ../shared/schemas/sentinel-tables-2024.json: \
         regenerate it with `SIEMC_WRITE_SCHEMA=1 cargo test --test conformance_profiles -- --ignored the_embedded`"
    );
    if std::env::var_os("SIEMC_WRITE_SCHEMA").is_some() {
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/sentinel-tables-2024.tsv"),
            from_json.to_compact(),
        )
        .unwrap();
    }
    let asim = std::fs::read(shared("schemas/asim-parsers.json")).unwrap();
    let shipped =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/asim-parsers.json"))
            .unwrap();
    assert!(
        asim == shipped,
        "mappings/asim-parsers.json differs from ../shared/schemas/asim-parsers.json"
    );
}

/// A short reason for a refusal: the code and the message with values cut off.
fn reason(diagnostic: &siemc::diagnostic::Diagnostic) -> String {
    let message = diagnostic
        .message
        .split(" (profile")
        .next()
        .unwrap_or_default();
    format!("[{}] {message}", diagnostic.code)
}

struct Figures {
    rules: usize,
    compiled: Vec<(String, String)>,
    refused: BTreeMap<&'static str, usize>,
    reasons: BTreeMap<String, usize>,
    custom_table_queries: usize,
}

fn compile_corpus(compiler: &Compiler, paths: &[PathBuf]) -> Figures {
    let mut figures = Figures {
        rules: 0,
        compiled: Vec::new(),
        refused: BTreeMap::new(),
        reasons: BTreeMap::new(),
        custom_table_queries: 0,
    };
    for path in paths {
        let outcome = compiler.compile_paths(std::slice::from_ref(path));
        figures.rules += outcome.rules_seen
            + outcome
                .diagnostics
                .iter()
                .filter(|d| d.code.starts_with("unsupported-"))
                .count();
        for query in outcome.queries {
            figures.compiled.push((query.path, query.query));
        }
        let mut rule_codes = Vec::new();
        for diagnostic in &outcome.diagnostics {
            assert!(
                diagnostic.start_position().is_some(),
                "diagnostic without a location: {diagnostic:?}"
            );
            if diagnostic.code == "custom-table" {
                figures.custom_table_queries += 1;
            }
            if diagnostic.code == "unmapped-field" {
                // Every refusal says which built-in profiles can compile the rule, if any.
                let help = diagnostic.help.as_deref().unwrap_or_default();
                assert!(
                    help.contains("profiles that place every field of this rule")
                        || help.contains("no built-in profile places every field"),
                    "{diagnostic:?}"
                );
            }
            if diagnostic.is_error() {
                *figures.reasons.entry(reason(diagnostic)).or_default() += 1;
                if !rule_codes.contains(&diagnostic.code) {
                    rule_codes.push(diagnostic.code);
                }
            }
        }
        for code in rule_codes {
            *figures.refused.entry(code).or_default() += 1;
        }
    }
    figures
}

fn top_reasons(reasons: &BTreeMap<String, usize>, count: usize) -> String {
    let mut sorted: Vec<(&String, &usize)> = reasons.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    sorted
        .into_iter()
        .take(count)
        .map(|(reason, n)| format!("    {n:4} {reason}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[ignore = "needs ../shared/corpus and tests/oracle/node_modules (run by scripts/test.sh)"]
fn sentinel_profiles_compile_binder_clean_queries() {
    let corpus = shared("corpus/sigma/rules");
    assert!(corpus.is_dir(), "{} not found", corpus.display());
    let (paths, problems) = siemc::rule::collect_rule_paths(&[corpus]);
    assert!(problems.is_empty());
    let dir = common::temp_dir("profiles-oracle");
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut table = String::from(
        "| profile | compiled, binder-clean | refused | top reasons (each names the profiles that can compile the rule) |\n|---|---|---|---|\n",
    );
    for profile in siemc::mapping::profile::PROFILES
        .iter()
        .filter(|p| p.target == Target::Kql)
    {
        let mapping = Mapping::for_profile(profile);
        let compiler = Compiler::new(Target::Kql, mapping, siemc::backend::Templates::embedded());
        let figures = compile_corpus(&compiler, &paths);
        let arguments = common::oracle_schema_arguments(profile, &profile.schema(), &dir);
        let arguments: Vec<&Path> = arguments.iter().map(PathBuf::as_path).collect();
        let verdicts = common::run_oracle("kusto-analyze.js", &arguments, &figures.compiled);
        assert_eq!(verdicts.len(), figures.compiled.len());
        let mut binder_errors = 0;
        for (verdict, (path, query)) in verdicts.iter().zip(&figures.compiled) {
            if !verdict.ok {
                binder_errors += 1;
                let shown: String = query.chars().take(400).collect();
                failures.push(format!(
                    "{}: {path}: {:?}\n{shown}",
                    profile.name, verdict.diagnostics
                ));
            }
        }
        let clean = figures.compiled.len() - binder_errors;
        let share = clean as f64 / figures.rules as f64;
        report.push(format!(
            "{}: {} rules; {} compiled, {clean} binder-clean ({:.1}%), {} of them on declared custom tables; \
             refused rules by code: {:?}\n  top refusal reasons:\n{}",
            profile.name,
            figures.rules,
            figures.compiled.len(),
            share * 100.0,
            figures.custom_table_queries,
            figures.refused,
            top_reasons(&figures.reasons, 12)
        ));
        println!("{}", report.last().unwrap());
        let mut sorted: Vec<(&String, &usize)> = figures.reasons.iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let reasons: Vec<String> = sorted
            .iter()
            .take(5)
            .map(|(reason, n)| {
                let reason = reason.trim_start_matches("[unmapped-field] ");
                format!("{} {n}", reason.replace('|', "\\|"))
            })
            .collect();
        table.push_str(&format!(
            "| `{}` | {} of {} ({:.1}%) | {} ({:.1}%) | {} |\n",
            profile.name,
            clean,
            figures.rules,
            share * 100.0,
            figures.rules - figures.compiled.len(),
            (figures.rules - figures.compiled.len()) as f64 * 100.0 / figures.rules as f64,
            reasons.join("; ")
        ));
        if profile.name == "sentinel-xdr" {
            assert!(share >= XDR_MINIMUM_SHARE, "{}", report.join("\n"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} queries rejected by Microsoft's binder:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    common::assert_readme_section("kql-profile-refusals", &table, "conformance_profiles");
    let _ = Profile::names();
}

#[test]
#[ignore = "needs ../shared/corpus (run by scripts/test.sh)"]
fn splunk_cim_compiles_valid_tstats_searches() {
    let corpus = shared("corpus/sigma/rules");
    assert!(corpus.is_dir(), "{} not found", corpus.display());
    let (paths, problems) = siemc::rule::collect_rule_paths(&[corpus]);
    assert!(problems.is_empty());
    let profile = Profile::find("splunk-cim").unwrap();
    let compiler = Compiler::new(
        Target::Spl,
        Mapping::for_profile(profile),
        siemc::backend::Templates::embedded(),
    );
    let figures = compile_corpus(&compiler, &paths);
    // Every printed search passed siemc's SPL validator in the compiler; check it again here.
    let options = siemc::query::spl::SplCheckOptions::default();
    let mut invalid = Vec::new();
    for (path, query) in &figures.compiled {
        let source = std::sync::Arc::new(siemc::diagnostic::SourceFile::new(
            path.clone(),
            query.clone(),
        ));
        if siemc::query::spl::check_query(&source, &options)
            .iter()
            .any(|d| d.is_error())
        {
            invalid.push(format!("{path}:\n{query}"));
        }
    }
    let tstats = figures
        .compiled
        .iter()
        .filter(|(_, query)| query.starts_with("| tstats "))
        .count();
    println!(
        "splunk-cim: {} rules; {} compiled ({tstats} as tstats over a data model, {} raw searches of log sources without a model), all valid SPL; refused rules by code: {:?}\n  top refusal reasons:\n{}",
        figures.rules,
        figures.compiled.len(),
        figures.compiled.len() - tstats,
        figures.refused,
        top_reasons(&figures.reasons, 12)
    );
    assert!(
        invalid.is_empty(),
        "searches rejected by siemc's SPL validator:\n{}",
        invalid.join("\n\n")
    );
    assert!(tstats > 1000, "{tstats} tstats searches");
}
