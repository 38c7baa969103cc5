//! Structure checks: the file and the YAML shape of a rule (the loader's findings, unknown and
//! misspelled keys, empty sections, deprecated keys).

use super::lints;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::rule::{METADATA_KEYS, Rule};
use crate::yaml::{Node, NodeKind};
use std::sync::Arc;

lints! { Structure;
    /// A path given on the command line does not exist.
    ///
    /// Why: a typo in a CI script would otherwise check nothing and pass. Exit code 2.
    ///
    /// Example: `siemc check rulez/` when the folder is `rules/`.
    PATH_NOT_FOUND = "path-not-found", Error;

    /// A rule file could not be read (permissions, a vanished file).
    ///
    /// Why: an unreadable rule is an unchecked rule. The other files are still checked; the
    /// exit code is 2.
    ///
    /// Example: a file with mode `000` in the rules folder.
    IO_ERROR = "io-error", Error;

    /// A rule file is larger than 8 MiB.
    ///
    /// Why: no rule is that large; refusing it before reading keeps memory bounded when a log
    /// dump or an archive lands in the rules folder by mistake.
    ///
    /// Example: a 50 MB `events.yml` exported next to the rules.
    FILE_TOO_LARGE = "file-too-large", Error;

    /// The file contains NUL bytes: it is binary, not YAML.
    ///
    /// Why: a binary file with a `.yml` name (an archive, a compiled artifact) cannot hold a rule.
    ///
    /// Example: a gzip file named `rule.yml`.
    BINARY_FILE = "binary-file", Error;

    /// The file is not valid UTF-8.
    ///
    /// Why: YAML rules are UTF-8; a file saved as Latin-1 or UTF-16 would be read wrongly by
    /// every tool. The diagnostic points at the first invalid byte.
    ///
    /// Example: `title: Caf\xe9` saved in Windows-1252.
    INVALID_UTF8 = "invalid-utf8", Error;

    /// The YAML does not parse.
    ///
    /// Why: nothing after a YAML syntax error can be read reliably; the parser's position is
    /// shown.
    ///
    /// Example:
    /// ```yaml
    /// tags: [attack.execution
    /// ```
    YAML_SYNTAX = "yaml-syntax", Error;

    /// A key appears twice in the same mapping.
    ///
    /// Why: YAML forbids it, and tools disagree on which value wins (the first, the last, an
    /// error). A duplicated selection key silently drops a condition. The document is not
    /// compiled.
    ///
    /// Example:
    /// ```yaml
    /// selection:
    ///     Image|endswith: '\cmd.exe'
    ///     Image|endswith: '\powershell.exe'
    /// ```
    DUPLICATE_KEY = "duplicate-key", Error;

    /// YAML aliases expand the document beyond 200,000 nodes (an alias bomb).
    ///
    /// Why: a few lines of anchors and aliases can expand to billions of nodes and exhaust
    /// memory; no rule needs this.
    ///
    /// Example: `a: &a [x, x]`, `b: &b [*a, *a]`, ... ten levels deep.
    YAML_ALIAS_LIMIT = "yaml-alias-limit", Error;

    /// The YAML nests deeper than 64 levels.
    ///
    /// Why: rules are shallow; deep nesting is malformed or hostile input, refused instead of
    /// recursed into.
    ///
    /// Example: `[[[[[[...]]]]]]` with thousands of brackets.
    YAML_TOO_DEEP = "yaml-too-deep", Error;

    /// A YAML document has more than 200,000 nodes.
    ///
    /// Why: a rule with that many values is a data dump, not a detection; the limit keeps
    /// memory and time bounded.
    ///
    /// Example: a selection with a list of 300,000 hashes.
    YAML_TOO_LARGE = "yaml-too-large", Error;

    /// A key has a value of the wrong type.
    ///
    /// Why: the Sigma schema fixes the type of each key; a tool that reads `tags: attack.t1059`
    /// as a string may drop or mangle it.
    ///
    /// Example:
    /// ```yaml
    /// tags: attack.execution    # must be a list
    /// ```
    WRONG_TYPE = "wrong-type", Error;

    /// A required key is missing (`title`, `logsource`, `detection`, `detection.condition`,
    /// `correlation.type`, ...). When a key beside it is a near miss (`conditon`, `detecton`),
    /// the diagnostic points at that key and the help names the intended one.
    ///
    /// Why: without them the rule cannot be compiled or identified.
    ///
    /// Example:
    /// ```yaml
    /// detection:
    ///     selection:
    ///         EventID: 4625
    ///     conditon: selection    # misspelled: the rule has no condition
    /// ```
    MISSING_KEY = "missing-key", Error;

    /// A top-level, `logsource`, `correlation` or `related` key that Sigma does not define,
    /// with a "did you mean" suggestion when it is close to a known key.
    ///
    /// Why: a misspelled key (`falsepositive`, `referneces`, `prodcut`) is silently ignored
    /// by every Sigma tool, so the information is lost. Sigma allows custom attributes: ignore
    /// this code in `siemc.toml` for the keys your team adds on purpose.
    ///
    /// Example:
    /// ```yaml
    /// falsepositive:    # did you mean `falsepositives`?
    ///     - Administrators
    /// ```
    UNKNOWN_KEY = "unknown-key", Warning;

    /// A section is present but empty: `tags: []`, `references: []`, `logsource: {}`,
    /// `description: ''`.
    ///
    /// Why: an empty section is usually a template left unfilled; remove it or fill it.
    ///
    /// Example:
    /// ```yaml
    /// references: []
    /// ```
    EMPTY_SECTION = "empty-section", Warning;

    /// A selection is empty (`selection:` with no value, `[]`, `{}`).
    ///
    /// Why: an empty selection matches nothing (or, in some tools, everything); it is always a
    /// mistake.
    ///
    /// Example:
    /// ```yaml
    /// selection:
    /// condition: selection
    /// ```
    EMPTY_SELECTION = "empty-selection", Error;

    /// A selection list mixes field maps and plain keywords.
    ///
    /// Why: Sigma defines a list as either keywords or maps; a mixture has no meaning and tools
    /// differ on it.
    ///
    /// Example:
    /// ```yaml
    /// selection:
    ///     - Image|endswith: '\cmd.exe'
    ///     - 'whoami'
    /// ```
    MIXED_SELECTION = "mixed-selection", Error;

    /// A field has an empty list of values (`Field: []`).
    ///
    /// Why: an empty list matches nothing; the selection can never be true.
    ///
    /// Example: `CommandLine|contains: []`
    EMPTY_VALUE_LIST = "empty-value-list", Error;

    /// The deprecated Sigma v1 `detection.timeframe` key is used.
    ///
    /// Why: Sigma v2 moved time windows into correlation rules (`timespan`); converters ignore
    /// `timeframe`, so the rule matches single events without any window.
    ///
    /// Example:
    /// ```yaml
    /// detection:
    ///     selection: {EventID: 4625}
    ///     timeframe: 5m    # write a correlation rule with `timespan: 5m`
    ///     condition: selection
    /// ```
    DEPRECATED_TIMEFRAME = "deprecated-timeframe", Warning;
}

/// Keys that SigmaHQ's repository uses beside the specification's.
const SIGMAHQ_KEYS: &[&str] = &["regression_tests_path", "simulation"];
pub(crate) const SECTION_KEYS: &[&str] = &["logsource", "detection", "correlation", "filter"];
pub(crate) const LOGSOURCE_KEYS: &[&str] = &["category", "product", "service", "definition"];
pub(crate) const CORRELATION_KEYS: &[&str] = &[
    "type",
    "rules",
    "group-by",
    "timespan",
    "condition",
    "aliases",
    "generate",
];
const RELATED_KEYS: &[&str] = &["id", "type"];

fn known_top_level() -> impl Iterator<Item = &'static str> {
    METADATA_KEYS
        .iter()
        .chain(SECTION_KEYS)
        .chain(SIGMAHQ_KEYS)
        .copied()
}

/// Checks on the YAML tree of one document (run even when the typed rule did not load).
pub fn check_document(file: &Arc<SourceFile>, root: &Node, out: &mut Vec<Diagnostic>) {
    let Some(entries) = root.as_mapping() else {
        return;
    };
    unknown_keys(
        file,
        entries,
        "",
        &known_top_level().collect::<Vec<_>>(),
        out,
    );
    for (key, value) in entries {
        let Some(name) = key.as_str() else { continue };
        match name {
            "logsource" => {
                if let Some(inner) = value.as_mapping() {
                    unknown_keys(file, inner, "logsource.", LOGSOURCE_KEYS, out);
                }
            }
            "correlation" => {
                if let Some(inner) = value.as_mapping() {
                    unknown_keys(file, inner, "correlation.", CORRELATION_KEYS, out);
                }
            }
            "related" => {
                for item in value.as_sequence().unwrap_or_default() {
                    if let Some(inner) = item.as_mapping() {
                        unknown_keys(file, inner, "related.", RELATED_KEYS, out);
                    }
                }
            }
            _ => {}
        }
        let empty = match &value.kind {
            NodeKind::Sequence(items) => items.is_empty(),
            NodeKind::Mapping(items) => items.is_empty(),
            // An empty string; null is the loader's wrong-type.
            NodeKind::Scalar(scalar) => !scalar.plain && scalar.text.trim().is_empty(),
        };
        if empty && name != "detection" {
            out.push(
                EMPTY_SECTION
                    .at(
                        file,
                        key.span.join(value.span),
                        format!("`{name}` is empty"),
                        "nothing here",
                    )
                    .with_help(format!("fill `{name}` in or remove it")),
            );
        }
    }
}

fn unknown_keys(
    file: &Arc<SourceFile>,
    entries: &[(Node, Node)],
    prefix: &str,
    known: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    for (key, _) in entries {
        let Some(name) = key.as_str() else { continue };
        if known.contains(&name) {
            continue;
        }
        // The loader already reports a near miss of a missing required key (`detecton:`) there,
        // as an error with the same suggestion.
        if out
            .iter()
            .any(|d| d.code == MISSING_KEY.code && d.primary_span() == Some(key.span))
        {
            continue;
        }
        let suggestion =
            crate::text::closest(name, known.iter().copied()).or_else(|| plural_of(name, known));
        let mut diagnostic = UNKNOWN_KEY.at(
            file,
            key.span,
            format!("unknown key `{prefix}{name}`"),
            "not a Sigma key",
        );
        diagnostic = match suggestion {
            Some(s) => diagnostic
                .with_help(format!("did you mean `{s}`?"))
                .with_scalar_replacement(key.span, s),
            None => diagnostic.with_help(
                "Sigma tools ignore unknown keys; if this custom key is intended, ignore `unknown-key` for it in siemc.toml",
            ),
        };
        out.push(diagnostic);
    }
}

/// `falsepositive` → `falsepositives`, `reference` → `references`: singular forms are a
/// common slip that edit distance alone may not reach for short keys.
fn plural_of<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .copied()
        .find(|k| k.strip_suffix('s') == Some(name))
}

/// Checks on a typed detection rule.
pub fn check_rule(rule: &Rule, out: &mut Vec<Diagnostic>) {
    if let Some(timeframe) = &rule.detection.timeframe {
        out.push(
            DEPRECATED_TIMEFRAME
                .at(
                    &rule.file,
                    timeframe.span,
                    "`timeframe` is a Sigma v1 key that converters ignore",
                    "no time window is applied",
                )
                .with_help(format!(
                    "express the window as a correlation rule with `timespan: {}`",
                    timeframe.value
                )),
        );
    }
}
