//! Metadata checks: identifiers, dates, status and level, ATT&CK and other tags, references,
//! related rules, the title. Sigma's JSON schema and tags appendix are the reference.

use super::{Identity, lints};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::rule::{Metadata, Spanned};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

lints! { Metadata;
    /// `id` is not a UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal).
    ///
    /// Why: Sigma recommends a random UUID (version 4) so that ids never collide across
    /// repositories; correlation rules, `related` entries and SIEM deployments refer to rules
    /// by id.
    ///
    /// Example: `id: my-rule-1` (generate one with `uuidgen`).
    INVALID_ID = "invalid-id", Warning;

    /// The same `id` is used by two rules (in one file or in two files checked together).
    ///
    /// Why: ids identify rules in correlation rules, `related` entries, SIEM deployments and
    /// alert history; a copied rule that keeps its id overwrites or shadows the original.
    ///
    /// Example: `cp rule_a.yml rule_b.yml` without a new `id`.
    DUPLICATE_ID = "duplicate-id", Error;

    /// `title` is longer than the 256 characters the Sigma schema allows.
    ///
    /// Why: titles become alert names; Sentinel and Splunk truncate or reject long names.
    /// Put the details in `description`.
    ///
    /// Example: a title that pastes the whole description.
    TITLE_TOO_LONG = "title-too-long", Error;

    /// `date` or `modified` is not a valid `YYYY-MM-DD` date (ISO 8601), e.g. `2023-13-01`,
    /// `2023-02-30` or `05.01.2023`.
    ///
    /// Why: the schema requires ISO 8601 dates; tools sort and filter rules by them.
    ///
    /// Example: `date: 2023-1-5` (write `2023-01-05`).
    INVALID_DATE = "invalid-date", Error;

    /// `date` or `modified` uses the legacy `YYYY/MM/DD` form.
    ///
    /// Why: older SigmaHQ rules used slashes; the v2 specification and schema require
    /// `YYYY-MM-DD`. siemc accepts the old form (the date is unambiguous) with this warning;
    /// the fix is mechanical.
    ///
    /// Example: `date: 2019/10/24` (write `2019-10-24`).
    LEGACY_DATE_FORMAT = "legacy-date-format", Warning;

    /// `modified` is earlier than `date`.
    ///
    /// Why: a rule cannot be modified before it was created; usually the two were swapped or
    /// a year was mistyped.
    ///
    /// Example: `date: 2023-05-01` with `modified: 2022-05-01`.
    MODIFIED_BEFORE_DATE = "modified-before-date", Warning;

    /// `date` or `modified` lies in the future.
    ///
    /// Why: almost always a typo in the year; tools that pick the newest rules get it wrong.
    ///
    /// Example: `modified: 2205-01-01`.
    DATE_IN_FUTURE = "date-in-future", Warning;

    /// `status` is not one of `stable`, `test`, `experimental`, `deprecated`, `unsupported`.
    ///
    /// Why: deployment pipelines select rules by status; an unknown status is treated
    /// differently by each tool.
    ///
    /// Example: `status: testing` (did you mean `test`?).
    INVALID_STATUS = "invalid-status", Error;

    /// `level` is not one of `informational`, `low`, `medium`, `high`, `critical`.
    ///
    /// Why: the level becomes the alert severity in Sentinel and Splunk; an unknown level
    /// cannot be mapped.
    ///
    /// Example: `level: hight` (did you mean `high`?).
    INVALID_LEVEL = "invalid-level", Error;

    /// A tag does not have the form `namespace.value` in lower case
    /// (`^[a-z0-9_-]+\.[a-z0-9._-]+$`, the Sigma schema).
    ///
    /// Why: tags are matched literally; `attack.T1059` and `Attack.Execution` are missed by
    /// every tool that maps tags to ATT&CK.
    ///
    /// Example: `attack.T1059.001` (write `attack.t1059.001`).
    INVALID_TAG = "invalid-tag", Error;

    /// A tag's namespace is not one of the Sigma tags appendix: `attack`, `car`, `cve`,
    /// `d3fend`, `detection`, `stp`, `tlp`.
    ///
    /// Why: a misspelled namespace (`attak.execution`) loses the ATT&CK mapping silently.
    /// Custom namespaces are allowed by Sigma: ignore this code in `siemc.toml` if you use one.
    ///
    /// Example: `mitre.t1059` (write `attack.t1059`).
    UNKNOWN_TAG_NAMESPACE = "unknown-tag-namespace", Warning;

    /// An `attack.` tag that is neither an ATT&CK id (`t1234`, `t1234.001`, `g1234`, `s1234`,
    /// `m1234`, `ds1234`, `a1234`) nor a tactic name of the tags appendix.
    ///
    /// Why: Sentinel's tactics and Splunk's ATT&CK annotations come from these tags; a
    /// misspelled tactic (`attack.privilege_escalation`, `attack.defence-evasion`) is dropped.
    ///
    /// Example: `attack.privilege_escalation` (write `attack.privilege-escalation`).
    UNKNOWN_ATTACK_TACTIC = "unknown-attack-tactic", Error;

    /// An ATT&CK tactic written with underscores (`attack.credential_access`), the spelling
    /// Sigma used before the tags appendix settled on hyphens.
    ///
    /// Why: the tactic is unambiguous, so siemc reads it (export lists it, coverage counts it);
    /// tools that match tags literally miss it. The fix renames it.
    ///
    /// Example: `attack.credential_access` (write `attack.credential-access`).
    LEGACY_ATTACK_TACTIC = "legacy-attack-tactic", Warning;

    /// An ATT&CK technique tag with a malformed id: a technique is `t` and four digits, a
    /// sub-technique adds `.` and three digits.
    ///
    /// Why: `attack.t1078.4` or `attack.t10784` name no technique; the mapping to ATT&CK is lost.
    ///
    /// Example: `attack.t1078.4` (write `attack.t1078.004`).
    INVALID_ATTACK_ID = "invalid-attack-id", Error;

    /// An ATT&CK technique is tagged without any of the tactics it belongs to.
    ///
    /// Why: Sentinel analytic rules require each listed technique's tactic (its content
    /// validation rejects the rule otherwise), and analysts navigate by tactic. The
    /// technique → tactics table is the one Sentinel's validation uses.
    ///
    /// Example:
    /// ```yaml
    /// tags:
    ///     - attack.t1059.001    # add attack.execution
    /// ```
    TECHNIQUE_WITHOUT_TACTIC = "technique-without-tactic", Warning;

    /// A tag of a known namespace with a value the tags appendix does not define:
    /// `tlp.` (red, amber, amber-strict, green, clear), `detection.` (dfir,
    /// emerging-threats, threat-hunting), `cve.YYYY-NNNN`, `car.YYYY-MM-NNN`, `stp.` (1-5,
    /// optionally followed by a, u or k).
    ///
    /// Why: these values drive sharing (TLP) and rule selection; a misspelled value is ignored.
    ///
    /// Example: `tlp.white` (TLP 2.0 calls it `tlp.clear`).
    INVALID_TAG_VALUE = "invalid-tag-value", Warning;

    /// The same tag is listed twice.
    ///
    /// Why: the schema requires unique tags; duplicates usually hide a copy-paste slip where a
    /// different tag was meant.
    ///
    /// Example: `attack.execution` twice.
    DUPLICATE_TAG = "duplicate-tag", Warning;

    /// A reference that looks like a URL but is malformed (unknown scheme, no host name,
    /// `www.` without a scheme, `https:` without `//`).
    ///
    /// Why: references are the reviewer's evidence; a broken link cannot be followed. Free
    /// text such as `Internal Research` is allowed.
    ///
    /// Example: `htps://example.com/report` or `https://localhost-typo/report`.
    INVALID_REFERENCE = "invalid-reference", Warning;

    /// The same reference is listed twice.
    ///
    /// Why: the schema requires unique references; a duplicate usually replaced the link that
    /// was meant.
    ///
    /// Example: the same blog URL twice.
    DUPLICATE_REFERENCE = "duplicate-reference", Warning;

    /// A `related` entry with a `type` other than `derived`, `obsolete`, `merged`, `renamed`,
    /// `similar`, or an `id` that is not a UUID.
    ///
    /// Why: tools follow `related` to retire or group rules; an unknown type is ignored.
    ///
    /// Example: `type: obsoletes` (write `obsolete`).
    INVALID_RELATED = "invalid-related", Error;

    /// `status: deprecated` without a `related` entry naming the rule that replaces it.
    ///
    /// Why: the specification links a deprecated rule to its replacement through `related`;
    /// without it, users of the old rule lose coverage.
    ///
    /// Example: `status: deprecated` and no `related:`.
    DEPRECATED_WITHOUT_RELATED = "deprecated-without-related", Warning;
}

pub(crate) const STATUSES: &[&str] = &[
    "stable",
    "test",
    "experimental",
    "deprecated",
    "unsupported",
];
pub(crate) const LEVELS: &[&str] = &["informational", "low", "medium", "high", "critical"];
const NAMESPACES: &[&str] = &["attack", "car", "cve", "d3fend", "detection", "stp", "tlp"];
const RELATED_TYPES: &[&str] = &["derived", "obsolete", "merged", "renamed", "similar"];
/// The tactics of the tags appendix, with the name Sentinel gives each.
pub(crate) const TACTICS: &[(&str, &str)] = &[
    ("reconnaissance", "Reconnaissance"),
    ("resource-development", "ResourceDevelopment"),
    ("initial-access", "InitialAccess"),
    ("execution", "Execution"),
    ("persistence", "Persistence"),
    ("privilege-escalation", "PrivilegeEscalation"),
    ("defense-evasion", "DefenseEvasion"),
    // ATT&CK v18 split Defense Evasion into Stealth and Defense Impairment; Sentinel's table
    // still files those techniques under DefenseEvasion.
    ("stealth", "DefenseEvasion"),
    ("defense-impairment", "DefenseEvasion"),
    ("credential-access", "CredentialAccess"),
    ("discovery", "Discovery"),
    ("lateral-movement", "LateralMovement"),
    ("collection", "Collection"),
    ("exfiltration", "Exfiltration"),
    ("command-and-control", "CommandAndControl"),
    ("impact", "Impact"),
    // ATT&CK for ICS tactics (Sentinel names them too).
    ("inhibit-response-function", "InhibitResponseFunction"),
    ("impair-process-control", "ImpairProcessControl"),
];
const TITLE_MAX: usize = 256;

pub fn check(file: &Arc<SourceFile>, meta: &Metadata, out: &mut Vec<Diagnostic>) {
    if let Some(id) = &meta.id
        && !is_uuid(&id.value)
    {
        out.push(
            INVALID_ID
                .at(
                    file,
                    id.span,
                    format!("`{}` is not a UUID", id.value),
                    "not a UUID",
                )
                .with_help("use a random UUID (version 4), e.g. from `uuidgen`"),
        );
    }
    if let Some(title) = &meta.title {
        let length = title.value.chars().count();
        if length > TITLE_MAX {
            out.push(
                TITLE_TOO_LONG
                    .at(
                        file,
                        title.span,
                        format!(
                            "the title has {length} characters; at most {TITLE_MAX} are allowed"
                        ),
                        "too long",
                    )
                    .with_help("keep the title short and move details to `description`"),
            );
        }
    }
    let created = meta.date.as_ref().and_then(|d| date(file, d, out));
    let modified = meta.modified.as_ref().and_then(|d| date(file, d, out));
    if let (Some(created), Some(modified), Some(modified_node)) =
        (created, modified, &meta.modified)
        && modified < created
    {
        let created_node = meta.date.as_ref().expect("a parsed date has its node");
        out.push(
            MODIFIED_BEFORE_DATE
                .at(
                    file,
                    modified_node.span,
                    "`modified` is earlier than `date`",
                    "before the creation date",
                )
                .with_note_at(created_node.span, "created here")
                .with_help("check the year, or swap the two dates"),
        );
    }
    enumerated(
        file,
        meta.status.as_ref(),
        STATUSES,
        &INVALID_STATUS,
        "status",
        out,
    );
    enumerated(
        file,
        meta.level.as_ref(),
        LEVELS,
        &INVALID_LEVEL,
        "level",
        out,
    );
    tags(file, &meta.tags, out);
    references(file, &meta.references, out);
    for related in &meta.related {
        if !RELATED_TYPES.contains(&related.kind.value.as_str()) {
            let mut d = INVALID_RELATED.at(
                file,
                related.kind.span,
                format!("`{}` is not a `related` type", related.kind.value),
                "unknown type",
            );
            d = match crate::text::closest(&related.kind.value, RELATED_TYPES.iter().copied()) {
                Some(s) => d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_scalar_replacement(related.kind.span, s),
                None => d.with_help(format!("use one of {}", RELATED_TYPES.join(", "))),
            };
            out.push(d);
        }
        if !is_uuid(&related.id.value) {
            out.push(
                INVALID_RELATED
                    .at(
                        file,
                        related.id.span,
                        format!("related id `{}` is not a UUID", related.id.value),
                        "not a UUID",
                    )
                    .with_help("refer to the related rule by its `id`"),
            );
        }
    }
    if let Some(status) = &meta.status
        && status.value == "deprecated"
        && meta.related.is_empty()
    {
        out.push(
            DEPRECATED_WITHOUT_RELATED
                .at(file, status.span, "a deprecated rule without `related`", "deprecated")
                .with_help("add `related: [{id: <replacement id>, type: obsolete}]` naming the rule that replaces it"),
        );
    }
}

fn enumerated(
    file: &Arc<SourceFile>,
    value: Option<&Spanned<String>>,
    allowed: &[&str],
    lint: &super::Lint,
    key: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(value) = value else { return };
    if allowed.contains(&value.value.as_str()) {
        return;
    }
    let lower = value.value.to_lowercase();
    // `testing` → `test`, `info` → `informational`: a prefix is as telling as a typo.
    let suggestion = crate::text::closest(&value.value, allowed.iter().copied()).or_else(|| {
        allowed
            .iter()
            .copied()
            .find(|a| lower.len() >= 3 && (lower.starts_with(a) || a.starts_with(lower.as_str())))
    });
    let diagnostic = lint.at(
        file,
        value.span,
        format!("`{}` is not a valid `{key}`", value.value),
        format!("unknown {key}"),
    );
    out.push(match suggestion {
        Some(s) => diagnostic
            .with_help(format!("did you mean `{s}`?"))
            .with_scalar_replacement(value.span, s),
        None => diagnostic.with_help(format!("use one of {}", allowed.join(", "))),
    });
}

pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A calendar date as (year, month, day), comparable.
type Date = (u32, u32, u32);

fn date(
    file: &Arc<SourceFile>,
    value: &Spanned<String>,
    out: &mut Vec<Diagnostic>,
) -> Option<Date> {
    let text = value.value.trim();
    let (separator, legacy) = if text.contains('/') {
        ('/', true)
    } else {
        ('-', false)
    };
    let parts: Vec<&str> = text.split(separator).collect();
    let parsed = (parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())))
    .then(|| {
        (
            parts[0].parse::<u32>().unwrap_or(0),
            parts[1].parse::<u32>().unwrap_or(0),
            parts[2].parse::<u32>().unwrap_or(0),
        )
    })
    .filter(|&(y, m, d)| (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
    let Some(parsed) = parsed else {
        out.push(
            INVALID_DATE
                .at(
                    file,
                    value.span,
                    format!("`{}` is not a valid date", value.value),
                    "expected YYYY-MM-DD",
                )
                .with_help("write the date as YYYY-MM-DD (ISO 8601), e.g. 2024-03-01"),
        );
        return None;
    };
    if legacy {
        out.push(
            LEGACY_DATE_FORMAT
                .at(
                    file,
                    value.span,
                    format!("`{}` uses the legacy YYYY/MM/DD form", value.value),
                    "slashes",
                )
                .with_help(format!(
                    "write `{:04}-{:02}-{:02}`",
                    parsed.0, parsed.1, parsed.2
                )),
        );
    }
    if parsed > today() {
        out.push(
            DATE_IN_FUTURE
                .at(
                    file,
                    value.span,
                    format!("`{}` is in the future", value.value),
                    "not yet",
                )
                .with_help("check the year"),
        );
    }
    Some(parsed)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Today's date (UTC), from the system clock.
fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let days = (seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as u32, month as u32, day as u32)
}

fn tags(file: &Arc<SourceFile>, tags: &[Spanned<String>], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    let mut tactics_present: BTreeSet<&str> = BTreeSet::new();
    let mut techniques: Vec<(&Spanned<String>, String)> = Vec::new();
    for tag in tags {
        let text = tag.value.as_str();
        if let Some(first) = seen.get(text) {
            out.push(
                DUPLICATE_TAG
                    .at(
                        file,
                        tag.span,
                        format!("tag `{text}` is listed twice"),
                        "again",
                    )
                    .with_note_at(first.span, "first here")
                    .with_help("remove one"),
            );
            continue;
        }
        seen.insert(text, tag);
        if !is_tag_form(text) {
            let lower = text.to_lowercase().replace(' ', "-");
            let mut d = INVALID_TAG.at(
                file,
                tag.span,
                format!("`{text}` is not a tag of the form `namespace.value` in lower case"),
                "malformed tag",
            );
            d = if is_tag_form(&lower) {
                d.with_help(format!("write `{lower}`"))
                    .with_scalar_replacement(tag.span, &lower)
            } else {
                d.with_help("tags look like `attack.execution` or `attack.t1059.001`")
            };
            out.push(d);
            continue;
        }
        let (namespace, value) = text.split_once('.').expect("checked form");
        match namespace {
            "attack" => match attack_value(value) {
                AttackValue::Technique(id) => techniques.push((tag, id)),
                AttackValue::Tactic(name) => {
                    tactics_present.insert(name);
                }
                AttackValue::LegacyTactic(name) => {
                    tactics_present.insert(name);
                    out.push(
                        LEGACY_ATTACK_TACTIC
                            .at(file, tag.span, format!("`{value}` is the underscore spelling of the tactic `{name}`"), "old spelling")
                            .with_help(format!("write `attack.{name}`"))
                            .with_scalar_replacement(tag.span, &format!("attack.{name}")),
                    );
                }
                AttackValue::OtherId => {}
                AttackValue::MalformedId => out.push(
                    INVALID_ATTACK_ID
                        .at(file, tag.span, format!("`{value}` is not an ATT&CK technique id"), "malformed id")
                        .with_help("a technique is t + 4 digits (`t1078`), a sub-technique adds . + 3 digits (`t1078.004`)"),
                ),
                AttackValue::Unknown => {
                    let suggestion = crate::text::closest(
                        &value.replace('_', "-"),
                        TACTICS.iter().map(|(sigma, _)| *sigma),
                    );
                    let mut d = UNKNOWN_ATTACK_TACTIC.at(
                        file,
                        tag.span,
                        format!("`{value}` is not an ATT&CK tactic"),
                        "unknown tactic",
                    );
                    d = match suggestion {
                        Some(s) => d
                            .with_help(format!("did you mean `attack.{s}`?"))
                            .with_scalar_replacement(tag.span, &format!("attack.{s}")),
                        None => d.with_help("tactics are written in lower case with hyphens, e.g. `attack.defense-evasion`"),
                    };
                    out.push(d);
                }
            },
            "tlp" | "detection" | "cve" | "car" | "stp" => {
                if !known_namespace_value(namespace, value) {
                    out.push(
                        INVALID_TAG_VALUE
                            .at(file, tag.span, format!("`{text}` is not a valid `{namespace}` tag"), "unknown value")
                            .with_help(namespace_help(namespace)),
                    );
                }
            }
            "d3fend" => {}
            other => {
                let mut d = UNKNOWN_TAG_NAMESPACE.at(
                    file,
                    tag.span,
                    format!("`{other}` is not a Sigma tag namespace"),
                    "unknown namespace",
                );
                d = match crate::text::closest(other, NAMESPACES.iter().copied()) {
                    Some(s) => d
                        .with_help(format!("did you mean `{s}`?"))
                        .with_scalar_replacement(tag.span, &format!("{s}.{value}")),
                    None => d.with_help(format!("Sigma's namespaces: {}", NAMESPACES.join(", "))),
                };
                out.push(d);
            }
        }
    }
    let table = crate::export::attack::technique_tactics();
    for (tag, id) in techniques {
        let base = id.split('.').next().unwrap_or_default().to_uppercase();
        let Some(sentinel_tactics) = table.get(&base) else {
            continue;
        };
        let sigma_tactics: Vec<&str> = TACTICS
            .iter()
            .filter(|(_, name)| sentinel_tactics.iter().any(|s| s == name))
            .map(|(sigma, _)| *sigma)
            .collect();
        if sigma_tactics.is_empty() || sigma_tactics.iter().any(|t| tactics_present.contains(t)) {
            continue;
        }
        let tags: Vec<String> = sigma_tactics
            .iter()
            .map(|t| format!("`attack.{t}`"))
            .collect();
        out.push(
            TECHNIQUE_WITHOUT_TACTIC
                .at(
                    file,
                    tag.span,
                    format!("technique `{}` is tagged without its tactic", tag.value),
                    "no tactic of this technique is tagged",
                )
                .with_help(format!("add {}", tags.join(" or "))),
        );
    }
}

fn is_tag_form(text: &str) -> bool {
    let Some((namespace, value)) = text.split_once('.') else {
        return false;
    };
    let namespace_ok = !namespace.is_empty()
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    let value_ok = !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        });
    namespace_ok && value_ok
}

enum AttackValue<'a> {
    Technique(String),
    Tactic(&'a str),
    OtherId,
    MalformedId,
    /// A tactic spelled with underscores (`credential_access`).
    LegacyTactic(&'static str),
    Unknown,
}

fn attack_value(value: &str) -> AttackValue<'_> {
    if let Some((sigma, _)) = TACTICS.iter().find(|(sigma, _)| *sigma == value) {
        return AttackValue::Tactic(sigma);
    }
    if let Some((sigma, _)) = TACTICS
        .iter()
        .find(|(sigma, _)| value.contains('_') && *sigma == value.replace('_', "-"))
    {
        return AttackValue::LegacyTactic(sigma);
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    // `attack.11136.001`: an id without its letter is a malformed technique, not a tactic.
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        return AttackValue::MalformedId;
    }
    if let Some(rest) = value.strip_prefix('t')
        && rest.starts_with(|c: char| c.is_ascii_digit())
    {
        let mut parts = rest.splitn(2, '.');
        let main = parts.next().unwrap_or_default();
        let sub = parts.next();
        return if digits(main, 4) && sub.is_none_or(|s| digits(s, 3)) {
            AttackValue::Technique(value.to_string())
        } else {
            AttackValue::MalformedId
        };
    }
    for prefix in ["ds", "g", "s", "m", "a"] {
        if let Some(rest) = value.strip_prefix(prefix)
            && digits(rest, 4)
        {
            return AttackValue::OtherId;
        }
    }
    AttackValue::Unknown
}

fn known_namespace_value(namespace: &str, value: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match namespace {
        "tlp" => ["red", "amber", "amber-strict", "green", "clear"].contains(&value),
        "detection" => ["dfir", "emerging-threats", "threat-hunting"].contains(&value),
        "cve" => value.split_once('-').is_some_and(|(year, number)| {
            year.len() == 4 && digits(year) && number.len() >= 4 && digits(number)
        }),
        "car" => {
            let parts: Vec<&str> = value.split('-').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .zip([4, 2, 3])
                    .all(|(p, n)| p.len() == n && digits(p))
        }
        "stp" => {
            let mut chars = value.chars();
            matches!(chars.next(), Some('1'..='5'))
                && match chars.next() {
                    None => true,
                    Some(c) => "auk".contains(c) && chars.next().is_none(),
                }
        }
        _ => true,
    }
}

fn namespace_help(namespace: &str) -> &'static str {
    match namespace {
        "tlp" => "TLP tags: tlp.red, tlp.amber, tlp.amber-strict, tlp.green, tlp.clear",
        "detection" => {
            "detection tags: detection.dfir, detection.emerging-threats, detection.threat-hunting"
        }
        "cve" => "CVE tags are lower case with dots: cve.2021-44228",
        "car" => "CAR tags drop the `CAR-` prefix: car.2016-04-005",
        _ => "stp tags: a robustness score 1-5, optionally followed by a, u or k (stp.3k)",
    }
}

fn references(file: &Arc<SourceFile>, references: &[Spanned<String>], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for reference in references {
        let text = reference.value.trim();
        if let Some(first) = seen.get(text) {
            out.push(
                DUPLICATE_REFERENCE
                    .at(
                        file,
                        reference.span,
                        "this reference is listed twice",
                        "again",
                    )
                    .with_note_at(first.span, "first here")
                    .with_help("remove one"),
            );
            continue;
        }
        seen.insert(text, reference);
        if let Some(problem) = url_problem(text) {
            out.push(
                INVALID_REFERENCE
                    .at(
                        file,
                        reference.span,
                        format!("malformed URL: {problem}"),
                        "not a usable link",
                    )
                    .with_help("write the full link, e.g. https://example.com/report"),
            );
        }
    }
}

/// Why a reference that is meant as a URL is not one; free text is fine.
fn url_problem(text: &str) -> Option<String> {
    if let Some((scheme, rest)) = text.split_once("://") {
        let scheme_lower = scheme.to_ascii_lowercase();
        if !["http", "https", "ftp"].contains(&scheme_lower.as_str()) {
            return (!scheme.contains(char::is_whitespace))
                .then(|| format!("unknown scheme `{scheme}`"));
        }
        // A note after the link (`https://... (idea)`) is fine: only the link is checked.
        let link = rest.split_whitespace().next().unwrap_or_default();
        let host = link.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || !host.contains('.') && host != "localhost" {
            return Some(format!("`{host}` is not a host name"));
        }
        return None;
    }
    if text.starts_with("www.") {
        return Some("the scheme is missing (`https://`)".into());
    }
    let lower = text.to_ascii_lowercase();
    if (lower.starts_with("http:") || lower.starts_with("https:"))
        && !text.contains(char::is_whitespace)
    {
        return Some("`//` is missing after the scheme".into());
    }
    None
}

/// `duplicate-id` over every document checked together (first occurrence wins).
pub fn duplicate_ids(identities: &[Identity]) -> Vec<Diagnostic> {
    let mut seen = IdsSeen::default();
    identities
        .iter()
        .filter_map(|identity| seen.check(identity))
        .collect()
}

/// The ids seen so far in a run, with where each was first used: enough to report a later
/// duplicate without keeping the earlier file.
#[derive(Debug, Default)]
pub struct IdsSeen {
    first: HashMap<String, FirstUse>,
}

#[derive(Debug)]
struct FirstUse {
    path: std::path::PathBuf,
    span: crate::diagnostic::Span,
    position: crate::diagnostic::LineColumn,
}

impl IdsSeen {
    /// Records `identity`'s id; a `duplicate-id` diagnostic when an earlier document has it.
    pub fn check(&mut self, identity: &Identity) -> Option<Diagnostic> {
        let id = identity.id.as_ref()?;
        let Some(original) = self.first.get(id.value.as_str()) else {
            self.first.insert(
                id.value.clone(),
                FirstUse {
                    path: identity.file.path().to_path_buf(),
                    span: id.span,
                    position: identity.file.line_column(id.span.start),
                },
            );
            return None;
        };
        let mut d = DUPLICATE_ID.at(
            &identity.file,
            id.span,
            format!("id `{}` is already used by another rule", id.value),
            "duplicate id",
        );
        if original.path == identity.file.path() {
            d = d.with_note_at(original.span, "first used here");
        }
        Some(d.with_help(format!(
            "first used in {}:{}:{}; give this rule a new UUID",
            original.path.display(),
            original.position.line,
            original.position.column
        )))
    }
}
