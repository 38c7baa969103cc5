//! The KQL validator (issue 4): parser, syntax tree and checks.
//!
//! Takes: one query (the whole text of a [`SourceFile`]) and what the workspace holds
//! ([`KqlCheckOptions`]: table schemas). Gives: diagnostics with byte spans into the query:
//! syntax errors (always errors) from [`parse`], then schema and function findings from
//! [`check`].
//!
//! | module | does |
//! |---|---|
//! | `grammar/kql.pest` | the grammar |
//! | [`parse`] | text → [`ast::Query`], syntax errors that name the mistake |
//! | [`check`] | tables, columns, functions and argument counts |
//! | [`functions`] | the table of built-in functions with their arities |
//! | [`mutate`] | seeded mutations of valid queries, for differential tests |

pub mod ast;
pub mod check;
pub mod diagnostics;
pub mod functions;
pub mod mutate;
pub mod parse;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::mapping::SentinelSchema;
use std::path::Path;
use std::sync::Arc;

/// What the KQL checks know about the workspace.
pub struct KqlCheckOptions {
    /// Table schemas: the built-in Sentinel tables, or the ones of `--schema FILE` added to them.
    pub schema: Arc<SentinelSchema>,
}

impl KqlCheckOptions {
    /// Options from the command line (`--schema FILE`, default the built-in Sentinel schema).
    /// A schema file adds its tables to the built-in ones (a table in both: the file's columns).
    pub fn from_schema_file(schema: Option<&Path>) -> Result<KqlCheckOptions, Diagnostic> {
        let Some(path) = schema else {
            return Ok(KqlCheckOptions::builtin());
        };
        let text = std::fs::read_to_string(path).map_err(|error| {
            Diagnostic::error(
                "io-error",
                format!("cannot read schema file {}: {error}", path.display()),
            )
        })?;
        let custom = SentinelSchema::from_json(&text).map_err(|error| {
            Diagnostic::error(
                "schema-invalid",
                format!(
                    "{}: not a schema (expected {{\"Table\": [{{\"name\", \"type\"}}]}}): {error}",
                    path.display()
                ),
            )
        })?;
        Ok(KqlCheckOptions {
            schema: Arc::new(SentinelSchema::builtin().merged_with(custom)),
        })
    }

    /// The built-in Sentinel schema only.
    pub fn builtin() -> KqlCheckOptions {
        static BUILTIN: std::sync::OnceLock<Arc<SentinelSchema>> = std::sync::OnceLock::new();
        KqlCheckOptions {
            schema: Arc::clone(BUILTIN.get_or_init(|| {
                Arc::new(SentinelSchema::builtin().merged_with(SentinelSchema::default()))
            })),
        }
    }
}

/// Validates one KQL query (the whole text of `source`): syntax errors, or else the findings of
/// the schema and function checks.
pub fn check_query(source: &Arc<SourceFile>, options: &KqlCheckOptions) -> Vec<Diagnostic> {
    match parse::parse_query(source) {
        Ok(query) => check::check(source, &query, &options.schema),
        Err(errors) => errors,
    }
}

/// Syntax diagnostics only (no schema): what `siemc compile` checks on generated queries.
pub fn syntax_diagnostics(source: &Arc<SourceFile>) -> Vec<Diagnostic> {
    match parse::parse_query(source) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

#[cfg(test)]
mod tests {
    use super::diagnostics as codes;
    use super::*;
    use crate::query::kql::mutate::Rng;
    use std::time::{Duration, Instant};

    fn check(text: &str) -> Vec<Diagnostic> {
        let file = Arc::new(SourceFile::new("query.kql", text));
        check_query(&file, &KqlCheckOptions::builtin())
    }

    fn codes_of(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code).collect()
    }

    /// Runs `f` on a thread with the stack of a test thread (2 MiB) and fails if it takes long.
    fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
        let start = Instant::now();
        let result = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(f)
            .expect("thread starts")
            .join()
            .expect("no panic, no stack overflow");
        assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
        result
    }

    #[test]
    fn hundred_thousand_nested_parentheses_get_a_diagnostic() {
        let text = format!("print {}1{}", "(".repeat(100_000), ")".repeat(100_000));
        let diagnostics = bounded(Duration::from_secs(20), move || check(&text));
        assert_eq!(codes_of(&diagnostics), [codes::NESTING_TOO_DEEP]);
    }

    #[test]
    fn nesting_just_beyond_the_limit_gets_a_diagnostic() {
        // The grammar accepts this; the nesting limit stops it before the tree is built.
        let depth = parse::MAX_NESTING + 6;
        let text = format!("print x = {}1{}", "(".repeat(depth), ")".repeat(depth));
        let diagnostics = bounded(Duration::from_secs(20), move || check(&text));
        assert_eq!(codes_of(&diagnostics), [codes::NESTING_TOO_DEEP]);
    }

    #[test]
    fn nesting_up_to_the_limit_parses_on_a_small_stack() {
        let depth = parse::MAX_NESTING;
        let text = format!(
            "SecurityEvent | where {}EventID == 1{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let diagnostics = bounded(Duration::from_secs(20), move || check(&text));
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
        let nested = format!(
            "print x = {}1{}",
            "dynamic([".to_string() + &"[".repeat(depth - 2),
            "]".repeat(depth - 1) + ")"
        );
        let diagnostics = bounded(Duration::from_secs(20), move || check(&nested));
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    }

    #[test]
    fn long_flat_queries_parse_without_deep_recursion() {
        // Length makes the tree wide, never deep: chains, pipelines, signs and tests are flat.
        let or_chain = format!(
            "SecurityEvent | where {}EventID == 0",
            "EventID == 1 or ".repeat(20_000)
        );
        let pipeline = format!("SecurityEvent{}", " | take 1".repeat(20_000));
        let signs = format!("print {}1", "-".repeat(50_000));
        let tests = format!("print 1{}", " in (1)".repeat(20_000));
        let results = bounded(Duration::from_secs(60), move || {
            [or_chain, pipeline, signs, tests].map(|text| codes_of(&check(&text)))
        });
        assert_eq!(results[0], Vec::<&str>::new());
        assert_eq!(results[1], Vec::<&str>::new());
        assert_eq!(results[2], [codes::NESTING_TOO_DEEP]);
        assert_eq!(results[3], [codes::NESTING_TOO_DEEP]);
    }

    #[test]
    fn a_ten_megabyte_query_gets_a_diagnostic() {
        let text = format!(
            "SecurityEvent | where {}EventID == 0",
            "EventID == 1 or ".repeat(700_000)
        );
        assert!(text.len() > 10_000_000);
        let diagnostics = bounded(Duration::from_secs(10), move || check(&text));
        assert_eq!(codes_of(&diagnostics), [codes::QUERY_TOO_LARGE]);
    }

    #[test]
    fn a_query_just_under_the_size_limit_is_parsed() {
        let unit = "EventID == 1 or ";
        let count = (parse::MAX_QUERY_BYTES - 100) / unit.len();
        let text = format!("SecurityEvent | where {}EventID == 0", unit.repeat(count));
        let diagnostics = bounded(Duration::from_secs(60), move || check(&text));
        assert_eq!(codes_of(&diagnostics), Vec::<&str>::new());
    }

    #[test]
    fn invalid_utf8_read_lossily_gets_a_diagnostic() {
        let bytes = b"SecurityEvent | where Computer == \"dc\xff\xfe01\" and \xc3\x28 == 1";
        let text = String::from_utf8_lossy(bytes).to_string();
        let diagnostics = check(&text);
        assert!(diagnostics.iter().any(|d| d.is_error()), "{diagnostics:?}");
        // Every span lies on character boundaries of the text.
        for diagnostic in &diagnostics {
            for label in &diagnostic.labels {
                assert!(
                    text.is_char_boundary(label.span.start)
                        && text.is_char_boundary(label.span.end)
                );
            }
        }
    }

    #[test]
    fn random_bytes_get_diagnostics_never_a_panic() {
        let mut rng = Rng::new(0xB17E5);
        for _ in 0..300 {
            let length = rng.below(400);
            let bytes: Vec<u8> = (0..length).map(|_| rng.below(256) as u8).collect();
            let text = String::from_utf8_lossy(&bytes).to_string();
            let diagnostics = check(&text);
            if !text.trim().is_empty() {
                assert!(
                    !diagnostics.is_empty()
                        || text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                );
            }
        }
    }

    /// A bounded, seeded stand-in for fuzzing in the normal test suite: random token soups and
    /// byte-level mutations of real queries; every input must give a result quickly, without a
    /// panic, and every span must lie inside the text. (The cargo-fuzz target `kql_parse` runs the
    /// same property without bounds.)
    #[test]
    fn random_and_mutated_inputs_never_panic() {
        const PIECES: &[&str] = &[
            "T",
            " | ",
            "where",
            "summarize",
            "by",
            "project",
            "extend",
            "join",
            "on",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ";",
            "==",
            "=",
            "!=",
            "=~",
            " and ",
            " or ",
            "\"s\"",
            "'s'",
            "@\"v\"",
            "```m```",
            "1",
            "1h",
            "datetime(2023-01-01)",
            "dynamic([1])",
            "x",
            "$left.x",
            ".",
            "..",
            " in ",
            "between",
            "has_any",
            "let",
            " ",
            "\n",
            "//c\n",
            "*",
            "-",
            "\"",
            "'",
            "`",
            "\\",
            "count()",
            "kind=inner",
            "mv-expand",
            "parse",
            "with",
            "typeof(string)",
            "é",
        ];
        const SEEDS: &[&str] = &[
            "SecurityEvent | where EventID == 4625 | summarize count() by Computer",
            "let x = dynamic([\"a\"]); T | where A in (x) | join kind=inner (U) on $left.a == $right.b",
            "T | parse M with \"a\" B:string * | mv-expand C to typeof(long) | render timechart",
        ];
        let mut rng = Rng::new(0xF022);
        let start = Instant::now();
        for round in 0..4_000 {
            let text = if round % 2 == 0 {
                (0..rng.below(40))
                    .map(|_| PIECES[rng.below(PIECES.len())])
                    .collect::<String>()
            } else {
                let mut bytes = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
                for _ in 0..=rng.below(4) {
                    let at = rng.below(bytes.len() + 1);
                    match rng.below(3) {
                        0 if at < bytes.len() => {
                            bytes.remove(at);
                        }
                        1 => bytes.insert(at, rng.below(128) as u8),
                        _ => {
                            let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                            bytes.splice(at..at, piece.iter().copied());
                        }
                    }
                }
                String::from_utf8_lossy(&bytes).to_string()
            };
            for diagnostic in check(&text) {
                for label in &diagnostic.labels {
                    assert!(
                        label.span.end <= text.len(),
                        "span out of the text: {text:?}"
                    );
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn semantic_findings_are_warnings_and_arity_errors() {
        let diagnostics = check(
            "SecurityEvent | where Computr == 'x' | extend y = toupper(Account, 1), z = frobnicate(1)\n| join (NoSuchTable) on Computer",
        );
        let found: Vec<(&str, bool)> = diagnostics.iter().map(|d| (d.code, d.is_error())).collect();
        assert_eq!(
            found,
            [
                (codes::UNKNOWN_COLUMN, false),
                (codes::ARGUMENT_COUNT, true),
                (codes::UNKNOWN_FUNCTION, false),
                (codes::UNKNOWN_TABLE, false),
            ]
        );
        assert_eq!(
            diagnostics[0].help.as_deref(),
            Some("did you mean `Computer`?")
        );
    }

    #[test]
    fn columns_flow_through_operators() {
        let query = "SecurityEvent
            | extend Host = tolower(Computer)
            | summarize Events = count(), arg_max(TimeGenerated, Account) by Host, bin(TimeGenerated, 1h)
            | where Events > 1 and Host != '' and Account != ''
            | project-rename Machine = Host
            | project Machine, Events, TimeGenerated
            | where Machine != ''";
        assert_eq!(codes_of(&check(query)), Vec::<&str>::new());
        let dropped = "SecurityEvent | project Computer | where Account == 'x'";
        assert_eq!(codes_of(&check(dropped)), [codes::UNKNOWN_COLUMN]);
        let renamed = "SecurityEvent | project-rename Host = Computer | where Computer == 'x'";
        assert_eq!(codes_of(&check(renamed)), [codes::UNKNOWN_COLUMN]);
    }

    #[test]
    fn unknowable_columns_are_not_reported() {
        for query in [
            "AuditLogs | evaluate bag_unpack(AdditionalDetails) | where anything == 1",
            "NoSuchTable | where anything == 1",
            "SecurityEvent | extend tolower(Computer) | where Column1 == 'x'",
            "externaldata (a: string) ['https://x'] | where a == 1",
            "let f = (T: (*)) { T | where whatever == 1 }; f(SecurityEvent)",
            "SecurityEvent | mv-expand Parsed = parse_json(EventData) | where Parsed.x == 1",
            "union SecurityEvent, Syslog | where Facility == 'x' and EventID == 1",
        ] {
            let found = check(query);
            assert!(
                found.iter().all(|d| d.code != codes::UNKNOWN_COLUMN),
                "{query}: {found:?}"
            );
        }
    }

    #[test]
    fn let_bindings_parameters_and_joins_resolve() {
        let query = "let threshold = 5;
            let Failures = SigninLogs | where ResultType != '0' | summarize Count = count() by UserPrincipalName;
            let f = (user: string, n: int = 1) { Failures | where UserPrincipalName == user and Count > n };
            Failures
            | where Count > threshold
            | join kind=inner (SecurityEvent | project UserPrincipalName = Account, Computer) on UserPrincipalName
            | join kind=leftouter (SecurityEvent) on $left.Computer == $right.Computer
            | project UserPrincipalName, Count, Computer, Computer1";
        assert_eq!(codes_of(&check(query)), Vec::<&str>::new());
        let wrong_side = "SecurityEvent | join (SigninLogs) on $left.Computer == $right.Computer";
        assert_eq!(codes_of(&check(wrong_side)), [codes::UNKNOWN_COLUMN]);
    }

    #[test]
    fn a_schema_file_adds_tables() {
        let dir = std::env::temp_dir().join(format!("siemc-kql-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("schema.json");
        std::fs::write(
            &path,
            r#"{"MyTable_CL": [{"name": "Message", "type": "string"}]}"#,
        )
        .expect("schema written");
        let options = KqlCheckOptions::from_schema_file(Some(&path)).expect("schema loads");
        let run = |text: &str| {
            let file = Arc::new(SourceFile::new("q.kql", text));
            codes_of(&check_query(&file, &options))
        };
        assert_eq!(
            run("MyTable_CL | where Message has 'x'"),
            Vec::<&str>::new()
        );
        assert_eq!(
            run("MyTable_CL | where Mesage has 'x'"),
            [codes::UNKNOWN_COLUMN]
        );
        assert_eq!(run("SecurityEvent | take 1"), Vec::<&str>::new());
        std::fs::write(&path, "not json").expect("schema written");
        let error = KqlCheckOptions::from_schema_file(Some(&path))
            .err()
            .expect("invalid schema");
        assert_eq!(error.code, "schema-invalid");
        assert!(KqlCheckOptions::from_schema_file(Some(&dir.join("missing.json"))).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn syntax_errors_name_the_mistake_with_an_exact_span() {
        let cases: &[(&str, &str, &str)] = &[
            ("T\n| where\n", codes::MISSING_EXPRESSION, ""),
            (
                "T | summarise count()",
                codes::UNKNOWN_OPERATOR,
                "summarise",
            ),
            ("T | where (a == 1", codes::UNBALANCED_BRACKET, ""),
            ("T | where a == \"abc", codes::UNTERMINATED_STRING, "\"abc"),
            ("T | where a contians 'x'", codes::SYNTAX, "contians"),
            ("T | project first", codes::RESERVED_NAME, "first"),
        ];
        for (query, code, spanned) in cases {
            let file = Arc::new(SourceFile::new("q.kql", *query));
            let diagnostics = syntax_diagnostics(&file);
            assert_eq!(codes_of(&diagnostics), [*code], "{query}");
            let span = diagnostics[0].primary_span().expect("a span");
            assert_eq!(&query[span.start..span.end], *spanned, "{query}");
        }
        let file = Arc::new(SourceFile::new("q.kql", "T | where"));
        let diagnostic = &syntax_diagnostics(&file)[0];
        assert_eq!(diagnostic.message, "`where` needs a predicate");
        assert_eq!(diagnostic.primary_span().map(|s| s.start), Some(9));
        let file = Arc::new(SourceFile::new("q.kql", "T | summarise count()"));
        assert_eq!(
            syntax_diagnostics(&file)[0].help.as_deref(),
            Some("did you mean `summarize`?")
        );
    }
}
